"""The results page: the ranking from the shared rows, sorting, drill-down to the ballots,
careless seats, changes since last year, anonymity and committee scoping."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from meetings.exports import rows
from meetings.models import Stage
from tests.factories import (
    make_ballot,
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_seat,
    make_staff,
)

D = Decimal


def close(meeting):
    """Mark scoring closed without going through the hall (test data only)."""
    type(meeting).objects.filter(pk=meeting.pk).update(stage=Stage.CLOSED)
    meeting.refresh_from_db()


def scores(zz, zd, zf):
    return {"ZZ": str(zz), "ZD": str(zd), "ZF": str(zf)}


def results_url(meeting, **query):
    url = reverse("meeting_results", args=[meeting.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def reporter_url(reporter):
    return reverse("meeting_results_reporter", args=[reporter.meeting_id, reporter.pk])


def table_row(html: str, org_code: str) -> str:
    """The ranking table's row of one organization."""
    match = re.search(rf'<tr data-org="{org_code}".*?</tr>', html, re.S)
    assert match, f"no row for {org_code}"
    return match.group(0)


def page_order(html: str) -> list[str]:
    return re.findall(r'<tr data-org="([^"]+)"', html)


@pytest.fixture
def orgs(committee):
    return [
        make_org(committee, code="A01", name="东华门街道党工委"),
        make_org(committee, code="A02", name="景山街道党工委"),
        make_org(committee, code="A03", name="交道口街道党工委"),
    ]


def scored_meeting(committee, orgs, *, year=2025, anonymous=True, title=None, table=None):
    """Three reporters; five LD seats (so LD totals are trimmed) and one BM seat each."""
    meeting = make_meeting(
        committee, year=year, anonymous=anonymous, title=title or f"{year}年度述职评议会"
    )
    reporters = [
        make_reporter(meeting, org, secretary_name=name, daily=D(daily))
        for org, name, daily in zip(orgs, ("甲", "乙", "丙"), (95, 85, 75), strict=True)
    ]
    seats = [make_seat(meeting, "LD", code=f"LD00{n}", holder=f"持票人{n}") for n in range(1, 6)]
    seats.append(make_seat(meeting, "BM", code="BM001", holder="部门代表"))
    table = table or {
        0: [(18, 27, 46), (19, 28, 45), (17, 26, 44), (20, 29, 48), (10, 15, 30), (18, 28, 45)],
        1: [(15, 22, 40), (16, 25, 41), (14, 20, 38), (15, 24, 39), (15, 23, 40), (16, 24, 40)],
        2: [(12, 20, 35), (13, 21, 36), (16, 23, 42), (11, 18, 30), (13, 22, 37), (12, 21, 35)],
    }
    grades = ("好", "较好", "一般", "差", "较好", "好")
    for index, reporter in enumerate(reporters):
        for n, (seat, points) in enumerate(zip(seats, table[index], strict=True)):
            grade = grades[(n + index) % len(grades)]  # no seat gives everyone the same grade
            make_ballot(
                seat, reporter, scores=scores(*points), grade=grade, opinion=f"意见{seat.code}"
            )
    return meeting, reporters


def test_the_page_shows_the_numbers_of_the_ranking_rows(staff_client, committee, orgs):
    meeting, _reporters = scored_meeting(committee, orgs)
    response = staff_client.get(results_url(meeting))
    html = response.content.decode()
    ranking = rows.ranking_rows(meeting)
    assert page_order(html) == [r.org_code for r in ranking]
    for row in ranking:
        cells = table_row(html, row.org_code)
        for value in (row.indicators, row.grades, row.daily, row.composite, row.stdev, row.spread):
            assert f">{value}<" in cells
        assert f"{row.good_rate * 100:.2f}%" in cells and f"{row.bad_share * 100:.2f}%" in cells
        assert f">{row.rank}<" in cells and f">{row.grade}<" in cells
    for row in rows.indicator_rows(meeting):
        for value in row.averages.values():
            assert f">{value}<" in html


def test_the_page_says_whether_the_results_are_provisional_or_official(
    staff_client, committee, orgs
):
    meeting, _reporters = scored_meeting(committee, orgs)
    assert (
        "Provisional"
        in staff_client.get(results_url(meeting), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    close(meeting)
    html = staff_client.get(results_url(meeting), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Official results" in html and "Provisional" not in html


def test_sorting_by_a_column_orders_the_rows_and_marks_the_header(staff_client, committee, orgs):
    meeting, _reporters = scored_meeting(committee, orgs)
    by_daily = staff_client.get(results_url(meeting, sort="daily")).content.decode()
    assert page_order(by_daily) == ["A01", "A02", "A03"]
    header = re.search(r'<th[^>]*data-key="daily".*?</th>', by_daily, re.S).group(0)
    assert 'aria-sort="descending"' in header and "▼" in header and "?sort=-daily" in header
    lowest_first = staff_client.get(results_url(meeting, sort="-daily")).content.decode()
    assert page_order(lowest_first) == ["A03", "A02", "A01"]
    header = re.search(r'<th[^>]*data-key="daily".*?</th>', lowest_first, re.S).group(0)
    assert 'aria-sort="ascending"' in header and "▲" in header and "?sort=daily" in header


def test_an_unknown_sort_falls_back_to_the_ranking(staff_client, committee, orgs):
    meeting, _reporters = scored_meeting(committee, orgs)
    html = staff_client.get(results_url(meeting, sort="secret")).content.decode()
    assert page_order(html) == [r.org_code for r in rows.ranking_rows(meeting)]


def test_the_most_disputed_reporter_is_highlighted(staff_client, committee, orgs):
    meeting, _reporters = scored_meeting(committee, orgs)
    html = staff_client.get(results_url(meeting)).content.decode()
    widest = max(rows.ranking_rows(meeting), key=lambda r: r.stdev)
    assert 'class="disputed"' in table_row(html, widest.org_code)
    assert html.count('class="disputed"') == 1  # a quarter of three reporters: one


def test_each_number_links_to_the_reporters_ballots(staff_client, committee, orgs):
    meeting, reporters = scored_meeting(committee, orgs)
    html = staff_client.get(results_url(meeting)).content.decode()
    cells = table_row(html, "A02")
    assert f'href="{reporter_url(reporters[1])}#ballots"' in cells
    assert f'href="{reporter_url(reporters[1])}#indicator-part"' in cells


def test_the_drill_down_lists_exactly_that_reporters_ballots(staff_client, committee, orgs):
    meeting, reporters = scored_meeting(committee, orgs)
    other = make_seat(meeting, "BM", code="BM009")
    make_ballot(other, reporters[2], scores=scores(10, 10, 10), grade="差")
    response = staff_client.get(reporter_url(reporters[0]))
    html = response.content.decode()
    # The single BM ballot of this anonymous meeting is a group of one: not listed.
    mine = [b for b in rows.ballot_rows(meeting) if b.org_code == "A01" and b.seat]
    seats = re.findall(r'<tr class="ballot-row[^"]*" data-seat="([^"]+)"', html)
    assert sorted(seats) == sorted(b.seat for b in mine) and "BM009" not in seats
    for ballot in mine:
        assert f">{ballot.total}<" in html and f"意见{ballot.seat}" in html


def test_the_drill_down_marks_and_explains_the_trimmed_totals(staff_client, committee, orgs):
    meeting, reporters = scored_meeting(committee, orgs, anonymous=False)
    html = staff_client.get(reporter_url(reporters[0]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # LD totals of A01: 91, 92, 87, 97, 55 → drop 97.00 (LD004) and 55.00 (LD005).
    assert re.search(r'data-seat="LD004" data-dropped="high"', html)
    assert re.search(r'data-seat="LD005" data-dropped="low"', html)
    assert len(re.findall(r"data-dropped=", html)) == 2  # the single BM ballot is not trimmed
    assert "Dropped one highest total 97.00 and one lowest total 55.00" in html
    assert "the other 3: 90.00" in html
    assert "Fewer than 5 ballots, so nothing was dropped" in html


def test_an_anonymous_meeting_hides_a_group_with_fewer_than_five_ballots(
    staff_client, committee, orgs
):
    meeting, reporters = scored_meeting(committee, orgs, anonymous=True)
    url = reporter_url(reporters[0])
    html = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # Five LD ballots are shown; the single BM ballot is neither listed nor averaged.
    assert 'id="group-LD"' in html and 'id="group-BM"' not in html
    assert "Fewer than 5 ballots: not shown" in html
    assert "意见BM" not in html and "BM00" not in html
    assert html.count('class="small-group"') == 2  # the indicator and the grade breakdown


def test_an_anonymous_meeting_shows_seat_codes_and_never_a_holder(staff_client, committee, orgs):
    meeting, reporters = scored_meeting(committee, orgs, anonymous=True)
    pages = [results_url(meeting), reporter_url(reporters[0])]
    for url in pages:
        html = staff_client.get(url).content.decode()
        assert "持票人" not in html and "部门代表" not in html
    assert "LD001" in staff_client.get(reporter_url(reporters[0])).content.decode()


def test_a_named_meeting_shows_who_held_each_seat(staff_client, committee, orgs):
    meeting, reporters = scored_meeting(committee, orgs, anonymous=False)
    html = staff_client.get(reporter_url(reporters[0])).content.decode()
    assert "持票人1" in html and "部门代表" in html


def test_careless_seats_are_listed_in_their_own_panel(staff_client, committee, orgs):
    flat = {i: [(18, 27, 46)] * 4 + [(15, 15, 15), (16, 24, 40)] for i in range(3)}
    meeting, _reporters = scored_meeting(committee, orgs, table=flat)
    careless = rows.careless_seats(meeting)
    assert {c.seat for c in careless} >= {"LD005"}
    html = staff_client.get(results_url(meeting)).content.decode()
    panel = re.search(r'<section id="careless".*?</section>', html, re.S).group(0)
    for seat in careless:
        assert seat.seat in panel and str(seat.label) in panel
    assert panel.count('class="careless-seat"') == len(careless)


def test_no_careless_seat_says_so(staff_client, committee, orgs):
    meeting, _reporters = scored_meeting(committee, orgs)
    assert rows.careless_seats(meeting) == []
    html = staff_client.get(results_url(meeting), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "careless-seat" not in html and "No seat gave the same score" in html


def test_changes_since_last_year_show_arrows_and_history(staff_client, committee, orgs):
    reverse_table = {
        0: [(12, 20, 35)] * 6,
        1: [(15, 22, 40)] * 6,
        2: [(18, 27, 46)] * 6,
    }
    last, _old = scored_meeting(
        committee, orgs, year=2024, title="2024年度述职评议会", table=reverse_table
    )
    close(last)
    meeting, reporters = scored_meeting(committee, orgs)
    ranking = {r.org_code: r for r in rows.ranking_rows(meeting)}
    assert ranking["A01"].rank_change == 2 and ranking["A03"].rank_change == -2
    html = staff_client.get(results_url(meeting)).content.decode()
    assert "▲2" in table_row(html, "A01") and "▼2" in table_row(html, "A03")
    assert "＝" in table_row(html, "A02")
    movers = re.search(r'<section id="movers".*?</section>', html, re.S).group(0)
    assert re.search(r'class="mover-up">东华门街道党工委', movers)
    assert re.search(r'class="mover-down">交道口街道党工委', movers)
    detail = staff_client.get(reporter_url(reporters[0])).content.decode()
    history = re.findall(r'<tr class="history-row[^"]*"><td>(\d+)</td><td>([^<]+)</td>', detail)
    assert history == [("2024", "2024年度述职评议会")]
    assert "▲2" in detail


def test_download_buttons_appear_for_every_download_that_exists(staff_client, committee, orgs):
    meeting, _reporters = scored_meeting(committee, orgs)
    html = staff_client.get(results_url(meeting)).content.decode()
    buttons = re.search(r'<div[^>]*id="downloads".*?</div>', html, re.S).group(0)
    assert reverse("meeting_export_json", args=[meeting.pk]) in buttons
    for name in ("meeting_export_xlsx", "meeting_report_pdf", "meeting_letters_zip"):
        try:
            url = reverse(name, args=[meeting.pk])
        except Exception:
            continue
        assert url in buttons


def test_the_charts_carry_the_ranking_and_grade_numbers(staff_client, committee, orgs):
    meeting, reporters = scored_meeting(committee, orgs)
    response = staff_client.get(results_url(meeting))
    charts = response.context["charts"]
    ranking = rows.ranking_rows(meeting)
    assert [c["value"] for c in charts["ranking"]] == [r.composite for r in ranking]
    assert {c["name"]: c["value"] for c in charts["grades"]} == rows.overview(meeting).grade_counts
    assert 'id="results-data"' in response.content.decode()
    detail = staff_client.get(reporter_url(reporters[0])).context["charts"]
    averages = rows.indicator_rows(meeting)[0].averages
    assert [p["value"] for p in detail["profile"]] == list(averages.values())


def test_a_practice_reporter_has_no_results_page(staff_client, committee, orgs):
    meeting, _reporters = scored_meeting(committee, orgs)
    practice = make_reporter(meeting, make_org(committee, code="P01"), rehearsal=True)
    assert staff_client.get(reporter_url(practice)).status_code == 404


def test_another_committees_results_are_not_found(client, committee, orgs):
    meeting, reporters = scored_meeting(committee, orgs)
    client.force_login(make_staff(make_committee(code="XC"), username="xc_staff"))
    assert client.get(results_url(meeting)).status_code == 404
    assert client.get(reporter_url(reporters[0])).status_code == 404


def test_a_reporter_of_another_meeting_is_not_found_under_this_one(staff_client, committee, orgs):
    meeting, _reporters = scored_meeting(committee, orgs)
    other, others = scored_meeting(committee, orgs, year=2024)
    url = reverse("meeting_results_reporter", args=[meeting.pk, others[0].pk])
    assert staff_client.get(url).status_code == 404


def test_people_who_are_not_staff_are_turned_away(client, committee, orgs):
    meeting, reporters = scored_meeting(committee, orgs)
    assert client.get(results_url(meeting)).status_code == 302  # to the login page
    from tests.factories import make_user

    client.force_login(make_user())
    assert client.get(reporter_url(reporters[0])).status_code == 403
