"""In a real browser: the results page draws its charts, sorts by a header and leads from a
composite score down to the ballots behind it."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

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


def make_scored_meeting():
    committee = make_committee(code="DC", name="东城区委")
    make_staff(committee, username="dc_staff")
    meeting = make_meeting(committee, title="2025年度东城区述职评议会")
    reporters = [
        make_reporter(meeting, make_org(committee, code=code, name=name), daily=daily)
        for code, name, daily in [
            ("A", "东城街道党工委", 70),
            ("B", "和平社区党委", 95),
            ("C", "景山街道党工委", 85),
        ]
    ]
    points = {"A": (19, 28, 47), "B": (15, 22, 40), "C": (17, 25, 44)}
    for n in range(5):
        seat = make_seat(meeting, "LD", code=f"LD00{n + 1}")
        for reporter in reporters:
            zz, zd, zf = points[reporter.organization.code]
            scores = {"ZZ": str(zz - n % 2), "ZD": str(zd), "ZF": str(zf - n)}
            make_ballot(seat, reporter, scores=scores, grade=("好", "较好", "一般")[n % 3])
    return meeting, reporters


def test_charts_render_sorting_works_and_a_composite_leads_to_its_ballots(page, live_server):
    meeting, reporters = make_scored_meeting()
    sign_in(page, live_server, "dc_staff")
    page.goto(live_server.url + reverse("meeting_results", args=[meeting.pk]))

    for chart in ("ranking", "grades", "dispersion"):
        expect(page.locator(f"#chart-{chart}").locator("svg, canvas").first).to_be_attached()
    expect(page.locator("#chart-ranking")).to_contain_text("东城街道党工委")

    orgs = page.locator("#ranking-table tbody tr")
    expect(orgs.first).to_have_attribute("data-org", "A")  # ranked by composite
    page.locator('#ranking-table th[data-key="daily"] a').click()
    expect(page).to_have_url(re.compile(r"\?sort=daily$"))
    expect(page.locator('#ranking-table th[data-key="daily"]')).to_contain_text("▼")
    assert [orgs.nth(i).get_attribute("data-org") for i in range(3)] == ["B", "C", "A"]
    page.locator('#ranking-table th[data-key="daily"] a').click()
    expect(page).to_have_url(re.compile(r"\?sort=-daily$"))
    expect(page.locator('#ranking-table th[data-key="daily"]')).to_contain_text("▲")
    assert [orgs.nth(i).get_attribute("data-org") for i in range(3)] == ["A", "C", "B"]

    page.locator('#ranking-table tr[data-org="C"] a.drill-composite').click()
    expect(page.locator("h1")).to_contain_text("景山街道党工委")
    expect(page.locator(".ballot-row")).to_have_count(5)
    expect(page.locator(".ballot-row[data-dropped]")).to_have_count(2)
    for end in ("high", "low"):  # the note names the dropped totals
        total = page.locator(f'.ballot-row[data-dropped="{end}"] td.fw-semibold').inner_text()
        expect(page.locator(".trim-note").first).to_contain_text(total)
    for chart in ("profile", "votes", "history"):
        expect(page.locator(f"#chart-{chart}").locator("svg, canvas").first).to_be_attached()
    page.set_viewport_size({"width": 1366, "height": 768})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
