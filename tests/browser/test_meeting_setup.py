"""In a real browser: staff set up a meeting's agenda and daily scores, then read the results."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from meetings.models import Meeting, Reporter
from tests.browser.conftest import sign_in
from tests.factories import (
    make_ballot,
    make_committee,
    make_org,
    make_scheme,
    make_seat,
    make_secretary,
    make_staff,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_build_the_agenda_enter_daily_scores_and_see_the_ranking(page, live_server):
    committee = make_committee(code="DC", name="东城区委")
    make_staff(committee, username="dc_staff")
    scheme = make_scheme(committee, name="百分制方案")
    for code, name, secretary in [
        ("JD01", "东城街道党工委", "王珺"),
        ("SQ01", "和平社区党委", "李赟"),
    ]:
        make_secretary(make_org(committee, code=code, name=name), name=secretary)
    sign_in(page, live_server, "dc_staff")

    page.goto(live_server.url + reverse("meeting_create"))
    page.fill("#id_title", "2026年度述职评议会")
    page.select_option("#id_scheme", str(scheme.pk))
    page.click("main form [type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("会议已创建")

    page.select_option("#id_organizations", label=["JD01 东城街道党工委", "SQ01 和平社区党委"])
    page.click("text=加入议程")
    expect(page.locator(".alert-success")).to_contain_text("2 名述职人")
    expect(page.locator("#daily-form table")).to_contain_text("王珺")
    page.locator('button[title="上移"]').nth(1).click()
    first_row = page.locator("#daily-form tbody tr").first
    expect(first_row).to_contain_text("和平社区党委")

    daily = page.get_by_label("平时考核得分 和平社区党委")
    daily.fill("101")
    page.click("text=保存平时考核得分和一票否决")
    # The browser refuses the form (max 100) and keeps what was typed; the server checks too.
    expect(daily).to_have_value("101")
    assert daily.evaluate("input => !input.validity.valid")
    page.get_by_label("平时考核得分 和平社区党委").fill("92.5")
    page.get_by_label("平时考核得分 东城街道党工委").fill("88")
    page.click("text=保存平时考核得分和一票否决")
    expect(page.locator(".alert-success")).to_contain_text("已保存")

    meeting = Meeting.objects.get()
    reporters = {r.organization.code: r for r in Reporter.objects.filter(meeting=meeting)}
    for _ in range(3):
        seat = make_seat(meeting, "LD")
        make_ballot(
            seat, reporters["JD01"], scores={"ZZ": "20", "ZD": "30", "ZF": "50"}, grade="好"
        )
        make_ballot(
            seat, reporters["SQ01"], scores={"ZZ": "15", "ZD": "25", "ZF": "40"}, grade="较好"
        )

    page.click("text=测评结果")
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text("东城街道党工委")
    expect(rows.first).to_contain_text("97.60")  # 0.6 × 100 + 0.2 × 100 + 0.2 × 88
    expect(rows.nth(1)).to_contain_text("和平社区党委")
    expect(page.locator("text=临时结果")).to_be_visible()
