"""In a real browser, under the Content-Security-Policy: no page of the hall breaks it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from meetings.models import ScoringState, Stage
from tests.browser.conftest import sign_in
from tests.factories import (
    make_ballot,
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_seat,
    make_staff,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's init scripts run whatever the policy says, so this listener always sees the
# browser's own report of a refused script, style, image or connection.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def make_scored_hall():
    committee = make_committee(code="DC", name="东城区委")
    make_staff(committee, username="dc_staff")
    meeting = make_meeting(committee, title="2025年度东城区述职评议会")
    a = make_reporter(meeting, make_org(committee, code="A", name="东城街道党工委"), daily=90)
    b = make_reporter(meeting, make_org(committee, code="B", name="和平社区党委"), daily=80)
    seats = [make_seat(meeting, "LD", code=f"LD00{n}") for n in range(1, 6)]
    for n, seat in enumerate(seats):
        make_ballot(seat, a, scores={"ZZ": "18", "ZD": str(25 + n), "ZF": "44"}, grade="好")
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    meeting.current_reporter = b
    meeting.save()
    meeting.set_scoring(ScoringState.OPEN, reporter=b)
    return meeting, seats


def watch(page) -> list[str]:
    """Console messages that mention the policy, collected as the page runs."""
    seen: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return seen


def violations(page, seen: list[str]) -> list[str]:
    page.wait_for_load_state("networkidle")
    return seen + page.evaluate("window.__csp || []")


def test_desk_evaluator_projector_and_results_run_without_a_policy_violation(
    page, browser, live_server
):
    meeting, seats = make_scored_hall()
    seen = watch(page)
    sign_in(page, live_server, "dc_staff")
    for name in ("meeting_detail", "seat_list", "desk", "meeting_results"):
        page.goto(live_server.url + reverse(name, args=[meeting.pk]))
        expect(page.locator("h1").first).to_be_visible()
        if name == "meeting_results":
            expect(page.locator("#chart-ranking").locator("svg, canvas").first).to_be_attached()
        if name == "desk":
            page.wait_for_timeout(2500)  # htmx polls the panel every 2 s
        assert violations(page, seen) == [], name

    context = browser.new_context(locale="zh-CN")
    screen = context.new_page()
    seen_screen = watch(screen)
    screen.goto(f"{live_server.url}/p/{meeting.issue_projector_link()}/")
    expect(screen.locator("#p-org")).to_have_text("和平社区党委")
    assert violations(screen, seen_screen) == []

    phone = context.new_page()
    seen_phone = watch(phone)
    phone.goto(f"{live_server.url}/s/{seats[0].issue_link()}/")
    expect(phone.locator("#ev-org")).to_have_text("和平社区党委")
    for i, value in enumerate(["18", "27", "45"]):
        phone.fill(f"#ev-score-{i}", value)
    phone.locator("#ev-grades label").first.click()
    phone.click("#ev-submit")
    expect(phone.locator("#ev-status")).to_have_attribute("data-status", "sent")
    assert violations(phone, seen_phone) == []
    context.close()


def test_an_inline_script_would_be_reported(page, live_server):
    """The watch itself works: a script injected into the sign-in page is refused and seen."""
    seen = watch(page)
    page.goto(live_server.url + reverse("login"))
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = 1'; document.body.appendChild(s); }"
    )
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in violations(page, seen))
