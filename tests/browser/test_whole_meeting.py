"""A whole meeting in real browsers: the staff desk, the hall screen and three evaluators.

Staff sign in, issue the seat links and the projector link and run the desk; the hall screen
and three evaluators (two phones, one laptop) each have their own browser context. One
evaluator loses the network while submitting, one leaves a ballot half-filled while the desk
moves on, and the hall screen shows no score until staff show the results.
"""

import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from meetings.models import Ballot, BallotReceipt, Stage
from meetings.results import meeting_results
from tests.browser.conftest import sign_in
from tests.factories import (
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_seat,
    make_staff,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "2025年度东城区党组织书记抓基层党建工作述职评议会"
GRADES = ["好", "较好", "一般", "差"]
SCREEN_MS = 3000  # the hall screen polls every 2 s
SEAT_MS = 3500  # an evaluator page polls every 2–3 s (jittered), plus the request itself
RECONNECT_MS = 8000
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}
HALL = {"width": 1920, "height": 1080}


def make_agenda():
    """A meeting being prepared: 3 reporters, 3 seats, seat BM001 held in 和平社区党委."""
    committee = make_committee(code="DC", name="东城区委")
    make_staff(committee, username="dc_staff")
    meeting = make_meeting(committee, title=TITLE)  # anonymous, 3 indicators, 4 grades
    reporters = [
        make_reporter(
            meeting, make_org(committee, code=code, name=name), secretary_name=who, daily=d
        )
        for code, name, who, d in [
            ("JD01", "东城街道党工委", "王珺", 90),
            ("SQ01", "和平社区党委", "李赟", 85),
            ("JD02", "安定门街道党工委", "赵磊", 80),
        ]
    ]
    make_seat(meeting, "LD", code="LD001")
    make_seat(meeting, "BM", code="BM001", organization=reporters[1].organization)
    make_seat(meeting, "DB", code="DB001")
    return meeting, reporters


@pytest.fixture
def actor(browser):
    """Each person in the hall gets a browser context of their own, closed after the test."""
    contexts = []

    def new(viewport):
        contexts.append(browser.new_context(viewport=viewport, locale="zh-CN"))
        return contexts[-1], contexts[-1].new_page()

    yield new
    for context in contexts:
        context.close()


def desk_button(page, action: str, value: str | None = None):
    selector = f'button[formaction$="/desk/{action}/"]'
    return page.locator(selector + (f'[value="{value}"]' if value else "")).first


def press(page, button) -> None:
    """Click a button that posts a form and wait for the page it leads to; no error shown."""
    with page.expect_navigation():
        button.click()
    expect(page.locator(".alert-danger")).to_have_count(0)


def score(page, values: list[str], grade: str) -> None:
    for i, value in enumerate(values):
        page.fill(f"#ev-score-{i}", value)
    page.locator("#ev-grades label").nth(GRADES.index(grade)).click()
    page.click("#ev-submit")


def expect_no_score_on(screen, composites: list[str]) -> None:
    text = screen.locator("body").inner_text()
    assert "综合得分" not in text
    assert not [c for c in composites if c in text], text
    expect(screen.locator("#p-results")).to_be_hidden()


def test_a_whole_meeting_runs_from_the_desk_to_the_results_on_the_hall_screen(actor, live_server):
    meeting, (r1, r2, r3) = make_agenda()
    _, desk = actor(LAPTOP)
    sign_in(desk, live_server, "dc_staff")

    # Staff issue the seat links from the seats page and read them off the one-time page.
    desk.goto(live_server.url + reverse("meeting_detail", args=[meeting.pk]))
    desk.click(f"a[href='{reverse('seat_list', args=[meeting.pk])}']")
    desk.once("dialog", lambda dialog: dialog.accept())
    with desk.expect_navigation():
        desk.locator("#seat-form button[data-confirm]:not([formaction])").click()
    rows = desk.locator("tbody tr")
    expect(rows).to_have_count(3)
    links = {
        rows.nth(i).locator("td").first.inner_text(): rows.nth(i).locator("a").get_attribute("href")
        for i in range(3)
    }
    assert sorted(links) == ["BM001", "DB001", "LD001"]

    # The projector link from the desk; then the meeting goes into session.
    desk.goto(live_server.url + reverse("desk", args=[meeting.pk]))
    with desk.expect_navigation():
        desk.get_by_role("button", name="生成大屏链接").click()
    projector_url = desk.locator("#projector-url").get_attribute("href")
    desk.get_by_role("link", name="返回控制台").click()
    press(desk, desk_button(desk, "stage", Stage.REPORTS))
    press(desk, desk_button(desk, "stage", Stage.LIVE))
    expect(desk.locator("#desk-stage")).to_have_text("会议进行中")

    _, screen = actor(HALL)
    screen.goto(projector_url)
    expect(screen.locator("#p-title")).to_have_text(TITLE)
    expect(screen.locator("#p-waiting")).to_have_text("会议即将开始")
    expect_no_score_on(screen, [])

    _, a = actor(PHONE)
    b_ctx, b = actor(LAPTOP)
    _, c = actor(PHONE)
    for page, code in [(a, "LD001"), (b, "BM001"), (c, "DB001")]:
        page.goto(links[code])
        expect(page.locator("#ev-seat")).to_have_text(code)
        expect(page.locator("#ev-submit")).to_be_hidden()  # nobody may score yet

    # Reporter 1 is called and scoring opens: the hall screen and every seat follow.
    press(desk, desk.locator("#desk-next"))
    expect(desk.locator("#desk-current")).to_contain_text("东城街道党工委")
    press(desk, desk_button(desk, "scoring-open", str(r1.pk)))
    expect(screen.locator("#p-org")).to_have_text("东城街道党工委", timeout=SCREEN_MS)
    expect(screen.locator("#p-count")).to_have_text("0/3")
    for page in (a, b, c):
        expect(page.locator("#ev-submit")).to_be_visible(timeout=SEAT_MS)
        expect(page.locator("#ev-org")).to_have_text("东城街道党工委")
        expect(page.locator("#ev-now")).to_be_visible()

    # A submits on a phone and gets a receipt.
    score(a, ["18", "27.5", "45"], "好")
    expect(a.locator("#ev-status")).to_have_attribute("data-status", "sent")
    expect(a.locator("#ev-status-title")).to_have_text("已提交")
    expect(a.locator("#ev-receipt")).to_contain_text(Ballot.objects.get(seat__code="LD001").receipt)

    # B's laptop loses the network while submitting: kept as 待发送, sent once it returns.
    b_ctx.set_offline(True)
    score(b, ["16", "25", "40"], "较好")
    expect(b.locator("#ev-status")).to_have_attribute("data-status", "pending")
    expect(b.locator("#ev-status-title")).to_have_text("待发送")
    assert not Ballot.objects.filter(seat__code="BM001").exists()
    b_ctx.set_offline(False)
    expect(b.locator("#ev-status")).to_have_attribute("data-status", "sent", timeout=RECONNECT_MS)
    counted = Ballot.objects.filter(seat__code="BM001", reporter=r1)
    assert counted.count() == 1
    # Sent once with one id: no earlier ballot of B's was replaced.
    assert not BallotReceipt.objects.filter(seat__code="BM001", reporter=r1).exists()
    expect(b.locator("#ev-receipt")).to_contain_text(counted.get().receipt)
    expect(desk.locator("#desk-current-count")).to_have_text("已提交 2/3", timeout=SCREEN_MS)
    expect(screen.locator("#p-count")).to_have_text("2/3", timeout=SCREEN_MS)

    # C types one score and is still thinking when the desk calls reporter 2.
    c.fill("#ev-score-0", "16")
    expect(c.locator('.ev-chip[data-org="JD01"]')).to_have_attribute("data-status", "draft")
    press(desk, desk.locator("#desk-next"))
    press(desk, desk_button(desk, "scoring-open", str(r2.pk)))
    expect(screen.locator("#p-org")).to_have_text("和平社区党委", timeout=SCREEN_MS)
    expect(screen.locator("#p-count")).to_have_text("0/2")  # BM001 sits in 和平社区党委
    expect(c.locator("#ev-banner")).to_contain_text("下一位：和平社区党委", timeout=SEAT_MS)
    expect(c.locator("#ev-org")).to_have_text("东城街道党工委")
    expect(c.locator("#ev-score-0")).to_have_value("16")
    expect(a.locator("#ev-org")).to_have_text("和平社区党委", timeout=SEAT_MS)
    expect(b.locator("#ev-own")).to_contain_text("本单位，不参与评分", timeout=SEAT_MS)
    expect(b.locator("#ev-form")).to_be_hidden()

    # Scoring for reporter 1 closes: C's half-filled sheet stays, now read-only, banner on.
    press(desk, desk_button(desk, "scoring-close", str(r1.pk)))
    expect(c.locator("#ev-score-0")).to_be_disabled(timeout=SEAT_MS)
    expect(c.locator("#ev-score-0")).to_have_value("16")
    expect(c.locator("#ev-banner")).to_be_visible()

    score(a, ["19", "28", "46"], "好")
    expect(a.locator("#ev-status")).to_have_attribute("data-status", "sent")
    c.click("#ev-switch")
    expect(c.locator("#ev-org")).to_have_text("和平社区党委")
    expect(c.locator("#ev-banner")).to_be_hidden()
    expect(c.locator("#ev-score-0")).to_have_value("")
    score(c, ["17", "26", "44"], "较好")
    expect(c.locator("#ev-status")).to_have_attribute("data-status", "sent")
    c.locator('.ev-chip[data-org="JD01"]').click()  # what C typed for reporter 1 is still there
    expect(c.locator("#ev-score-0")).to_have_value("16")
    expect(desk.locator("#desk-current-count")).to_have_text("已提交 2/2", timeout=SCREEN_MS)

    # Reporter 3: every seat follows the desk, since no sheet is left half-filled and open.
    press(desk, desk.locator("#desk-next"))
    press(desk, desk_button(desk, "scoring-open", str(r3.pk)))
    for page, values, grade in [
        (a, ["15", "24", "40"], "较好"),
        (b, ["20", "30", "48"], "好"),
        (c, ["14", "22", "38"], "一般"),
    ]:
        expect(page.locator("#ev-org")).to_have_text("安定门街道党工委", timeout=SEAT_MS)
        expect(page.locator("#ev-submit")).to_be_visible()
        score(page, values, grade)
        expect(page.locator("#ev-status")).to_have_attribute("data-status", "sent")
    expect(desk.locator("#desk-current-count")).to_have_text("已提交 3/3", timeout=SCREEN_MS)

    # Staff close scoring and move the stage on: still no score on the hall screen.
    press(desk, desk_button(desk, "scoring-close", "all"))
    press(desk, desk_button(desk, "stage", Stage.CLOSED))
    expect(desk.locator("#desk-stage")).to_have_text("测评已结束")
    assert Ballot.objects.count() == 2 + 2 + 3
    results = meeting_results(meeting)
    composites = [f"{row.result.composite:.2f}" for row in results]
    assert screen.request.get(projector_url + "state").json()["results"] is None
    watch_until = time.monotonic() + 2.5  # at least one poll of the screen after the move
    while time.monotonic() < watch_until:
        expect_no_score_on(screen, composites)
        screen.wait_for_timeout(250)

    # Staff publish and show the results: the ranking the scoring rules give, within one poll.
    press(desk, desk_button(desk, "stage", Stage.PUBLISHED))
    expect(desk.locator("#desk-stage")).to_have_text("结果已公布")
    press(desk, desk_button(desk, "results-show"))
    table = screen.locator("#p-results tbody tr")
    expect(table).to_have_count(3, timeout=SCREEN_MS)
    expect(screen.locator("#p-live")).to_be_hidden()
    for i, row in enumerate(results):
        cells = table.nth(i).locator("td")
        expect(cells).to_have_text(
            [
                str(row.result.rank),
                row.reporter.organization.name,
                row.reporter.secretary_name,
                f"{row.result.composite:.2f}",
                row.result.grade or "—",
            ]
        )
    expect(screen.locator("#p-results")).to_contain_text("综合得分")
