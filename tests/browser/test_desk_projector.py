"""In real browsers: staff drive the desk while the hall screen follows, scores kept back."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from meetings.models import Meeting, Stage
from meetings.results import meeting_results
from tests.factories import (
    PASSWORD,
    make_ballot,
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_seat,
    make_staff,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCORES = {"ZZ": "18", "ZD": "26", "ZF": "44"}


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def make_live_meeting():
    committee = make_committee(code="DC", name="东城区委")
    make_staff(committee, username="dc_staff")
    meeting = make_meeting(committee, title="2025年度东城区述职评议会")
    a = make_reporter(meeting, make_org(committee, code="A", name="东城街道党工委"), daily=90)
    b = make_reporter(meeting, make_org(committee, code="B", name="和平社区党委"), daily=80)
    seats = [make_seat(meeting, group, code=f"{group}001") for group in ("LD", "BM", "DB")]
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    return meeting, a, b, seats


def open_projector(browser, live_server, meeting):
    token = meeting.issue_projector_link()
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    screen = context.new_page()
    screen.goto(f"{live_server.url}/p/{token}/")
    return context, screen


def desk_button(page, action: str, value: str | None = None):
    selector = f'button[formaction$="/desk/{action}/"]'
    return page.locator(selector + (f'[value="{value}"]' if value else "")).first


def test_the_hall_screen_follows_the_desk_within_three_seconds(page, browser, live_server):
    meeting, a, b, seats = make_live_meeting()
    sign_in(page, live_server, "dc_staff")
    page.goto(live_server.url + reverse("desk", args=[meeting.pk]))
    context, screen = open_projector(browser, live_server, meeting)
    expect(screen.locator("#p-title")).to_have_text("2025年度东城区述职评议会")
    expect(screen.locator("#p-waiting")).to_be_visible()

    desk_button(page, "next").click()
    expect(page.locator("#desk-current")).to_contain_text("东城街道党工委")
    expect(screen.locator("#p-org")).to_have_text("东城街道党工委", timeout=3000)
    expect(screen.locator("#p-count")).to_have_text("0/3")

    desk_button(page, "countdown-start").click()
    expect(screen.locator("#p-clock")).to_have_text(re.compile(r"^05:5\d$"), timeout=4000)
    expect(page.locator("#desk-clock")).to_have_text(re.compile(r"^05:5\d$"), timeout=3000)
    Meeting.objects.filter(pk=meeting.pk).update(countdown_elapsed=400)  # far over the limit
    expect(screen.locator("#p-clock")).to_have_class(re.compile(r"\bover\b"), timeout=3000)
    expect(screen.locator("#p-clock")).to_have_text(re.compile(r"^-0[01]:\d\d$"))
    expect(page.locator("#desk-clock")).to_have_class(re.compile(r"\btext-danger\b"))

    # Ballots arrive; the desk's polled panel and the screen count them.
    for seat in seats:
        make_ballot(seat, a, scores=SCORES, grade="好")
    expect(page.locator("#desk-current-count")).to_contain_text("3/3", timeout=3000)
    expect(screen.locator("#p-count")).to_have_text("3/3", timeout=3000)

    desk_button(page, "next").click()
    expect(screen.locator("#p-org")).to_have_text("和平社区党委", timeout=3000)
    expect(screen.locator("#p-clock")).to_have_text("06:00")
    context.close()


def test_scores_reach_the_hall_screen_only_when_staff_show_them(page, browser, live_server):
    meeting, a, b, seats = make_live_meeting()
    for seat in seats:
        make_ballot(seat, a, scores=SCORES, grade="好")
        make_ballot(seat, b, scores=SCORES, grade="较好")
    Meeting.objects.filter(pk=meeting.pk).update(current_reporter=b)
    composites = [f"{row.result.composite:.2f}" for row in meeting_results(meeting)]
    sign_in(page, live_server, "dc_staff")
    page.goto(live_server.url + reverse("desk", args=[meeting.pk]))
    context, screen = open_projector(browser, live_server, meeting)
    expect(screen.locator("#p-org")).to_have_text("和平社区党委")

    # Results cannot be shown while scoring is open; staff close it and move the stage on.
    desk_button(page, "results-show").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    desk_button(page, "scoring-close", "all").click()
    desk_button(page, "stage", Stage.CLOSED).click()
    expect(page.locator("#desk-stage")).to_have_text("测评已结束")
    screen.wait_for_timeout(2200)  # at least one poll after the stage moved
    expect(screen.locator("#p-results")).to_be_hidden()
    for text in composites:
        assert text not in screen.content()

    # Nor once scoring is closed: results reach the hall once published.
    desk_button(page, "results-show").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    desk_button(page, "stage", Stage.PUBLISHED).click()
    expect(page.locator("#desk-stage")).to_have_text("结果已公布")
    desk_button(page, "results-show").click()
    expect(screen.locator("#p-results")).to_be_visible(timeout=3000)
    expect(screen.locator("#p-results tbody tr")).to_have_count(2)
    expect(screen.locator("#p-results tbody tr").first).to_contain_text(composites[0])
    expect(screen.locator("#p-live")).to_be_hidden()

    desk_button(page, "results-hide").click()
    expect(screen.locator("#p-results")).to_be_hidden(timeout=3000)
    expect(screen.locator("#p-live")).to_be_visible()
    for text in composites:
        assert text not in screen.locator("body").inner_text()
    context.close()


def test_the_hall_screen_marks_a_lost_connection_and_recovers_by_itself(browser, live_server):
    meeting, a, _b, _seats = make_live_meeting()
    context, screen = open_projector(browser, live_server, meeting)
    expect(screen.locator("#p-waiting")).to_be_visible()
    context.set_offline(True)
    expect(screen.locator("#p-offline")).to_be_visible(timeout=4000)
    expect(screen.locator("#p-title")).to_have_text("2025年度东城区述职评议会")  # last state kept
    Meeting.objects.filter(pk=meeting.pk).update(current_reporter=a)
    context.set_offline(False)
    expect(screen.locator("#p-org")).to_have_text("东城街道党工委", timeout=8000)
    expect(screen.locator("#p-offline")).to_be_hidden()
    screen.reload()
    expect(screen.locator("#p-org")).to_have_text("东城街道党工委", timeout=3000)
    context.close()
