"""The shared row builders of the exports: the same numbers as the results, nothing more."""

import dataclasses
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from appraisal import scoring
from meetings.exports import rows
from meetings.models import ItemProgress, ItemStatus, ProblemSource, RectificationItem, Stage
from meetings.models.notes import Comment
from meetings.results import meeting_results
from tests.factories import make_ballot, make_meeting, make_org, make_reporter, make_seat

D = Decimal


def scores(zz, zd, zf):
    return {"ZZ": str(zz), "ZD": str(zd), "ZF": str(zf)}


def close(meeting):
    """Mark a meeting's scoring closed without going through the hall (test data only)."""
    type(meeting).objects.filter(pk=meeting.pk).update(stage=Stage.CLOSED)
    meeting.refresh_from_db()


@pytest.fixture
def orgs(committee):
    return [
        make_org(committee, code="A01", name="东华门街道党工委"),
        make_org(committee, code="A02", name="景山街道党工委"),
        make_org(committee, code="A03", name="交道口街道党工委"),
    ]


@pytest.fixture
def meeting(committee, orgs):
    """Three reporters, one practice reporter, five seats in three groups, varied ballots."""
    # Named: its groups are too small to be broken down in an anonymous meeting.
    meeting = make_meeting(committee, year=2025, anonymous=False)
    a, b, c = (
        make_reporter(meeting, org, secretary_name=n, daily=D(d))
        for org, n, d in zip(orgs, "甲乙丙", (95, 85, 75), strict=True)
    )
    practice = make_reporter(meeting, make_org(committee, code="P01"), rehearsal=True)
    seats = [
        make_seat(meeting, "LD", code="LD001"),
        make_seat(meeting, "LD", code="LD002"),
        make_seat(meeting, "BM", code="BM001"),
        make_seat(meeting, "DB", code="DB001"),
        make_seat(meeting, "DB", code="DB002"),
    ]
    table = {
        a: [(18, 27, 46, "好"), (19, 28, 45, "好"), (17, 26, 44, "较好"), (20, 29, 48, "好")],
        b: [(15, 22, 40, "较好"), (16, 25, 41, "一般"), (14, 20, 38, "较好"), (15, 24, 39, "差")],
        c: [(12, 20, 35, "一般"), (13, 21, 36, "差"), (16, 23, 42, "好"), (11, 18, 30, "差")],
    }
    for reporter, ballots in table.items():
        for seat, (zz, zd, zf, grade) in zip(seats[:4], ballots, strict=True):
            make_ballot(seat, reporter, scores(zz, zd, zf), grade, opinion=f"{seat.code}意见")
    for seat in seats:
        make_ballot(seat, practice, scores(20, 30, 50), "好")
    return meeting


def test_ranking_rows_carry_exactly_the_results_in_display_order(meeting):
    results = meeting_results(meeting)
    ranking = rows.ranking_rows(meeting)
    assert [r.org_code for r in ranking] == [r.reporter.organization.code for r in results]
    assert [r.org_code for r in ranking] == ["A01", "A02", "A03"]
    for row, result in zip(ranking, (r.result for r in results), strict=True):
        for name in ("indicators", "grades", "daily", "composite", "grade", "rank"):
            assert getattr(row, name) == getattr(result, name)
        assert (row.good_rate, row.bad_share) == (result.good_rate, result.bad_share)
        assert row.flags == result.flags
        assert len(row.flag_labels) == len(row.flags)
        assert (row.indicator_ballots, row.grade_ballots) == (4, 4)
        assert row.grade_counts == dict(result.grade_counts)
    assert [r.secretary for r in ranking] == ["甲", "乙", "丙"]


def test_practice_reporters_never_appear_in_any_rows(meeting):
    assert "P01" not in {r.org_code for r in rows.ranking_rows(meeting)}
    assert "P01" not in {r.org_code for r in rows.indicator_rows(meeting)}
    assert "P01" not in {r.org_code for r in rows.ballot_rows(meeting)}
    info = rows.overview(meeting)
    assert (info.reporters, info.seats, info.ballots) == (3, 5, 12)


def test_dispersion_is_taken_from_each_ballot_total(meeting):
    a = rows.ranking_rows(meeting)[0]
    points = [18 + 27 + 46, 19 + 28 + 45, 17 + 26 + 44, 20 + 29 + 48]  # out of 100 points
    assert (a.stdev, a.spread) == scoring.dispersion([D(p) for p in points])
    assert a.spread == D("10.00")


def test_indicator_rows_give_the_plain_mean_per_indicator(meeting):
    assert rows.indicator_columns(meeting) == [
        ("ZZ", "政治建设", D(20)),
        ("ZD", "组织建设", D(30)),
        ("ZF", "作风建设", D(50)),
    ]
    first = rows.indicator_rows(meeting)[0]
    assert first.org_code == "A01"
    assert first.averages == {"ZZ": D("18.50"), "ZD": D("27.50"), "ZF": D("45.75")}


def test_ballot_rows_are_anonymous_and_shuffled_by_the_given_random_source(meeting):
    names = {f.name for f in dataclasses.fields(rows.BallotRow)}
    assert not names & {"ballot_id", "created_at", "updated_at", "receipt", "holder", "time"}
    once = rows.ballot_rows(meeting, shuffle=random.Random(1))
    again = rows.ballot_rows(meeting, shuffle=random.Random(1))
    assert once == again
    ordered = sorted(once, key=lambda r: (r.org_code, r.seat))
    assert once != ordered
    assert len(once) == 12
    first = next(r for r in once if (r.org_code, r.seat) == ("A01", "LD001"))
    assert first.scores == {"ZZ": D(18), "ZD": D(27), "ZF": D(46)}
    assert (first.total, first.grade, first.opinion) == (D("91.00"), "好", "LD001意见")
    assert first.group == "LD"


def test_ballot_rows_without_a_random_source_still_hold_every_ballot(meeting):
    assert len(rows.ballot_rows(meeting)) == 12


def test_normal_ballots_are_not_called_careless(meeting):
    assert rows.careless_seats(meeting) == []


def test_a_seat_giving_the_same_score_to_every_indicator_of_every_reporter_is_careless(meeting):
    seat = meeting.seats.get(code="DB002")
    for reporter in meeting.reporters.real()[:2]:
        make_ballot(seat, reporter, scores(10, 10, 10))
    [careless] = rows.careless_seats(meeting)
    assert (careless.seat, careless.group, careless.kind) == ("DB002", "DB", "same_scores")
    assert "2" in careless.label


def test_full_marks_for_everyone_is_careless_too(meeting):
    seat = meeting.seats.get(code="DB002")
    for reporter in meeting.reporters.real():
        make_ballot(seat, reporter, scores(20, 30, 50))
    assert [(c.seat, c.kind) for c in rows.careless_seats(meeting)] == [("DB002", "same_scores")]


def test_a_seat_giving_everyone_the_same_grade_is_careless_from_three_grades(meeting):
    seat = meeting.seats.get(code="DB002")
    real = list(meeting.reporters.real())
    make_ballot(seat, real[0], grade="好")
    make_ballot(seat, real[1], grade="好")
    assert rows.careless_seats(meeting) == []
    make_ballot(seat, real[2], grade="好")
    assert [(c.seat, c.kind) for c in rows.careless_seats(meeting)] == [("DB002", "same_grade")]


def test_ranks_are_compared_with_the_committees_previous_meeting(committee, orgs, meeting):
    last_year = make_meeting(committee, title="2024年度述职评议会", year=2024)
    seat = make_seat(last_year, "LD", code="LD001")
    # Last year A03 came first and A02 second; A01 did not report.
    for org, points in ((orgs[2], (20, 30, 50)), (orgs[1], (15, 20, 40))):
        reporter = make_reporter(last_year, org, daily=D(90))
        make_ballot(seat, reporter, scores(*points), "好")
    close(last_year)
    # A draft meeting of an earlier year has no official results: it is never compared with.
    make_meeting(committee, title="2023", year=2023)
    by_code = {r.org_code: r for r in rows.ranking_rows(meeting)}
    assert (by_code["A03"].previous_rank, by_code["A03"].rank) == (1, 3)
    assert by_code["A03"].rank_change == -2
    assert by_code["A03"].previous_grade == "好"
    assert (by_code["A02"].previous_rank, by_code["A02"].rank_change) == (2, 0)
    assert (by_code["A01"].previous_rank, by_code["A01"].rank_change) == (None, None)


def test_an_unofficial_earlier_meeting_gives_no_previous_rank(committee, orgs, meeting):
    last_year = make_meeting(committee, title="2024", year=2024)
    make_ballot(make_seat(last_year, "LD"), make_reporter(last_year, orgs[0]), scores(1, 1, 1))
    assert all(r.previous_rank is None for r in rows.ranking_rows(meeting))


def test_overview_counts_grades_of_reporters_and_says_whether_results_are_official(meeting):
    info = rows.overview(meeting)
    assert sum(info.grade_counts.values()) == 3
    assert set(info.grade_counts) == {"好", "较好", "一般", "差", "无"}
    assert info.official is False
    assert info.parts == (D("0.6"), D("0.2"), D("0.2"))
    close(meeting)
    assert rows.overview(meeting).official is True


def test_item_rows_show_latest_progress_overdue_and_recurrence(committee, orgs, meeting):
    old = RectificationItem.objects.create(
        organization=orgs[0], problem="旧问题", source=ProblemSource.SELF
    )
    item = RectificationItem.objects.create(
        organization=orgs[0],
        meeting=meeting,
        problem='=HYPERLINK("http://x","点我")',
        source=ProblemSource.COMMENT,
        measures="建立台账",
        owner="李四",
        deadline=timezone.localdate() - timedelta(days=1),
        previous_item=old,
    )
    ItemProgress.objects.create(item=item, day=date(2025, 3, 1), note="已部署")
    ItemProgress.objects.create(item=item, day=date(2025, 4, 1), note="已完成一半")
    [row] = rows.item_rows(meeting)
    assert (row.id, row.org_code, row.problem) == (item.pk, "A01", item.problem)
    assert (row.overdue, row.came_back, row.progress) == (True, True, "已完成一半")
    assert row.status == str(ItemStatus.NOT_STARTED.label)
    assert len(rows.item_rows(organization=orgs[0])) == 2
    done = RectificationItem.objects.filter(pk=old.pk)
    assert [r.came_back for r in rows.item_rows(items=done)] == [False]


def test_comment_rows_and_an_organizations_history(committee, orgs, meeting):
    Comment.objects.create(
        reporter=meeting.reporters.get(organization=orgs[1]), author="王书记", text="+1 基础扎实"
    )
    assert rows.comment_rows(meeting) == [rows.CommentRow("A02", "王书记", "+1 基础扎实")]
    assert rows.org_history(orgs[0]) == []
    close(meeting)
    [(year, title, rank, grade, composite)] = rows.org_history(orgs[0])
    first = rows.ranking_rows(meeting)[0]
    assert (year, title, rank, grade, composite) == (
        2025,
        meeting.title,
        first.rank,
        first.grade,
        first.composite,
    )
