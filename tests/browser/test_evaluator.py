"""In a real browser on a phone: an evaluator scores, loses the network, and follows the desk."""

import re

import pytest
from playwright.sync_api import expect

from meetings.models import Ballot, Meeting, ScoringState, Stage
from tests.factories import make_committee, make_meeting, make_org, make_reporter, make_seat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRADES = ["好", "较好", "一般", "差"]


def make_hall():
    """A meeting in session, 东城街道党工委 reporting with scoring open, and one seat link."""
    committee = make_committee(code="DC", name="东城区委")
    meeting = make_meeting(committee, title="2025年度东城区述职评议会")
    first = make_reporter(meeting, make_org(committee, code="JD01", name="东城街道党工委"))
    second = make_reporter(meeting, make_org(committee, code="JD02", name="和平社区党委"))
    seat = make_seat(meeting, "LD", code="LD001")
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    meeting.current_reporter = first
    meeting.save()
    meeting.set_scoring(ScoringState.OPEN, reporter=first)
    return meeting, first, second, seat.issue_link()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    yield context
    context.close()


def fill_ballot(page, scores, grade=None):
    for i, value in enumerate(scores):
        page.fill(f"#ev-score-{i}", value)
    if grade:
        page.locator("#ev-grades label").nth(GRADES.index(grade)).click()


def test_an_evaluator_submits_on_a_phone_and_a_change_sent_offline_arrives_once(phone, live_server):
    meeting, first, second, token = make_hall()
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{token}/")
    expect(page.locator("#ev-org")).to_have_text("东城街道党工委")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    fill_ballot(page, ["18", "27.5", "45"], "好")
    expect(page.locator("#ev-total")).to_contain_text("90.5")
    page.fill("#ev-opinion", "建议进一步压实基层党建责任。")
    expect(page.locator("#ev-count")).to_have_text("14")
    page.click("#ev-submit")
    status = page.locator("#ev-status")
    expect(status).to_have_attribute("data-status", "sent")
    stored = Ballot.objects.get()
    expect(page.locator("#ev-receipt")).to_contain_text(stored.receipt)
    assert stored.opinion == "建议进一步压实基层党建责任。"

    phone.set_offline(True)
    page.fill("#ev-score-2", "40")
    page.click("#ev-submit")
    expect(status).to_have_attribute("data-status", "pending")
    expect(page.locator('.ev-chip[data-org="JD01"]')).to_have_attribute("data-status", "pending")
    assert Ballot.objects.get().scores["ZF"] == "45"

    phone.set_offline(False)
    expect(status).to_have_attribute("data-status", "sent", timeout=8000)
    stored = Ballot.objects.get()
    assert stored.scores == {"ZZ": "18", "ZD": "27.5", "ZF": "40"}
    expect(page.locator("#ev-receipt")).to_contain_text(stored.receipt)
    assert Ballot.objects.count() == 1


def test_a_half_filled_ballot_survives_the_desk_moving_on_and_a_reload(phone, live_server):
    meeting, first, second, token = make_hall()
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{token}/")
    page.fill("#ev-score-0", "18")

    Meeting.objects.filter(pk=meeting.pk).update(current_reporter=second)
    banner = page.locator("#ev-banner")
    expect(banner).to_be_visible(timeout=4000)
    expect(banner).to_contain_text("和平社区党委")
    expect(page.locator("#ev-org")).to_have_text("东城街道党工委")
    expect(page.locator("#ev-score-0")).to_have_value("18")

    page.reload()
    expect(page.locator("#ev-score-0")).to_have_value("18")
    expect(banner).to_be_visible()

    page.click("#ev-switch")
    expect(page.locator("#ev-org")).to_have_text("和平社区党委")
    expect(banner).to_be_hidden()
    expect(page.locator("#ev-score-0")).to_have_value("")
    page.locator('.ev-chip[data-org="JD01"]').click()
    expect(page.locator("#ev-score-0")).to_have_value("18")


def test_a_clean_sheet_follows_the_desk_and_a_late_ballot_is_shown_as_not_counted(
    phone, live_server
):
    meeting, first, second, token = make_hall()
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{token}/")
    expect(page.locator("#ev-org")).to_have_text("东城街道党工委")
    meeting.set_scoring(ScoringState.OPEN, reporter=second)
    Meeting.objects.filter(pk=meeting.pk).update(current_reporter=second)
    expect(page.locator("#ev-org")).to_have_text("和平社区党委", timeout=4000)
    expect(page.locator("#ev-banner")).to_be_hidden()

    fill_ballot(page, ["20", "30", "50"], "较好")
    phone.set_offline(True)
    page.click("#ev-submit")
    expect(page.locator("#ev-status")).to_have_attribute("data-status", "pending")
    meeting.set_scoring(ScoringState.CLOSED, reporter=second)
    phone.set_offline(False)
    expect(page.locator("#ev-status")).to_have_attribute("data-status", "refused", timeout=8000)
    expect(page.locator("#ev-status-text")).to_contain_text("和平社区党委")
    expect(page.locator('.ev-chip[data-org="JD02"]')).to_have_attribute("data-status", "refused")
    assert not Ballot.objects.exists()


def test_a_seat_of_the_reporters_own_organization_is_told_so(phone, live_server):
    meeting, first, second, token = make_hall()
    own = make_seat(meeting, "BM", code="BM001", organization=first.organization)
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{own.issue_link()}/")
    expect(page.locator("#ev-own")).to_be_visible()
    expect(page.locator("#ev-form")).to_be_hidden()
    expect(page.locator('.ev-chip[data-org="JD01"]')).to_have_attribute("data-status", "own")
    expect(page.locator("#ev-scoring")).to_have_text(re.compile(".+"))
