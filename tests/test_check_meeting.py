"""`manage.py check_meeting ID`: a clean meeting passes; each kind of corruption is named."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from meetings.bundle.write import export_results
from meetings.invariants import results_problems
from meetings.models import (
    Ballot,
    BallotReceipt,
    EventAction,
    Meeting,
    MeetingEvent,
    Reporter,
    ScoringState,
    Seat,
    Stage,
)
from tests.factories import make_ballot, make_meeting, make_org, make_reporter, make_seat

pytestmark = pytest.mark.django_db

FULL = {"ZZ": "18", "ZD": "26", "ZF": "44"}


@pytest.fixture(autouse=True)
def english(settings):
    """The command speaks the site's language; these tests read its English msgids."""
    settings.LANGUAGE_CODE = "en"


def check(meeting: Meeting) -> tuple[bool, list[str]]:
    """Run the command; whether it passed and the lines it printed."""
    out = io.StringIO()
    try:
        call_command("check_meeting", str(meeting.pk), stdout=out)
    except CommandError as error:
        assert error.returncode == 1
        return False, out.getvalue().splitlines()
    return True, out.getvalue().splitlines()


@pytest.fixture
def hall(committee):
    """A meeting in session with two reporters open for scoring and three seats that scored."""
    meeting = make_meeting(committee, title="2025年度东城区述职评议会")
    a = make_reporter(meeting, make_org(committee, code="JD01"), daily=90)
    b = make_reporter(meeting, make_org(committee, code="JD02"), daily=80)
    seats = [make_seat(meeting, g, code=f"{g}001") for g in ("LD", "BM", "DB")]
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    meeting.set_scoring(ScoringState.OPEN)
    for seat in seats:
        make_ballot(seat, a, scores=FULL, grade="好")
        make_ballot(seat, b, scores=FULL, grade="较好")
    meeting.a, meeting.b, meeting.hall_seats = a, b, seats
    return meeting


def close(meeting: Meeting) -> None:
    meeting.set_scoring(ScoringState.CLOSED)
    meeting.advance(Stage.CLOSED)


def test_a_meeting_closed_by_the_rules_passes_with_an_ok_line(hall):
    close(hall)
    ok, lines = check(hall)
    assert ok, lines
    assert len(lines) == 1 and lines[0].startswith("OK")


def test_a_meeting_in_session_passes_too(hall):
    assert check(hall)[0]


def test_an_unknown_meeting_id_is_an_error_that_names_it(db):
    with pytest.raises(CommandError, match="9999"):
        call_command("check_meeting", "9999", stdout=io.StringIO())


def test_a_score_above_the_indicators_maximum_is_named(hall):
    Ballot.objects.filter(seat=hall.hall_seats[0], reporter=hall.a).update(
        scores={**FULL, "ZZ": "25"}
    )
    close(hall)
    ok, lines = check(hall)
    assert not ok
    assert lines[0] == (
        "Ballot of seat LD001 for JD01 breaks the rules: "
        "“政治建设” takes a number from 0 to 20.00 with at most two decimals."
    )
    # The scoring rules refuse such a ballot too: the results cannot stand.
    assert lines[1].startswith("The results cannot be computed from the stored ballots: ")
    assert len(lines) == 2


def test_a_ballot_missing_an_indicator_is_named(hall):
    Ballot.objects.filter(seat=hall.hall_seats[1], reporter=hall.b).update(
        scores={"ZZ": "18", "ZD": "26"}
    )
    close(hall)
    ok, lines = check(hall)
    assert not ok
    assert lines[0] == (
        "Ballot of seat BM001 for JD02 breaks the rules: Missing the score for “作风建设”."
    )
    assert lines[1].startswith("The results cannot be computed from the stored ballots: ")
    assert len(lines) == 2


def test_a_seat_that_scored_its_own_organization_is_named(hall):
    Seat.objects.filter(pk=hall.hall_seats[2].pk).update(organization=hall.a.organization)
    close(hall)
    ok, lines = check(hall)
    assert not ok
    assert lines == [
        "Ballot of seat DB001 for JD01 breaks the rules: "
        "A seat never scores its own organization’s reporter."
    ]


def test_a_ballot_from_a_seat_of_another_meeting_is_named(hall, committee):
    other = make_meeting(committee, scheme=hall.scheme, title="另一个会")
    stranger = make_seat(other, "LD", code="X001")
    low = {"ZZ": "10", "ZD": "10", "ZF": "10"}
    Ballot.objects.bulk_create([Ballot(seat=stranger, reporter=hall.a, scores=low, grade="差")])
    close(hall)
    ok, lines = check(hall)
    assert not ok
    assert (
        "Ballot of seat X001 for JD01 breaks the rules: This seat belongs to another meeting."
        in lines
    )
    assert "Ballot of seat X001 for JD01: the seat is not one of this meeting’s seats." in lines
    assert any(line.startswith("Results of JD01: the stored ballots give other") for line in lines)


def test_a_receipt_that_ties_two_meetings_is_named(hall, committee):
    other = make_meeting(committee, scheme=hall.scheme, title="另一个会")
    stranger = make_seat(other, "LD", code="X001")
    BallotReceipt.objects.create(
        ballot_id=uuid.uuid4(), seat=stranger, reporter=hall.b, receipt="BADC0DE1"
    )
    close(hall)
    ok, lines = check(hall)
    assert not ok
    assert lines == ["Receipt BADC0DE1 ties seat X001 and JD02 of two different meetings."]


def test_scoring_left_open_after_the_meeting_closed_is_named(hall):
    close(hall)
    Reporter.objects.filter(pk=hall.b.pk).update(scoring=ScoringState.OPEN)
    ok, lines = check(hall)
    assert not ok
    assert lines == ["The meeting is at “Scoring closed” but scoring for JD02 is “Open”."]


def test_a_ballot_stored_after_scoring_closed_is_named(hall):
    # Close as the events say it happened an hour ago: every ballot stored since is late.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Ballot.objects.filter(reporter__meeting=hall).update(submitted_at=timezone.now())
    Reporter.objects.filter(meeting=hall).update(scoring=ScoringState.CLOSED)
    MeetingEvent.objects.create(
        committee=hall.committee,
        meeting=hall,
        action=EventAction.SCORING_CLOSED,
        note="JD01",
        at=an_hour_ago,
    )
    Meeting.objects.filter(pk=hall.pk).update(stage=Stage.CLOSED)
    MeetingEvent.objects.create(
        committee=hall.committee,
        meeting=hall,
        from_stage=Stage.LIVE,
        to_stage=Stage.CLOSED,
        at=an_hour_ago,
    )
    hall.refresh_from_db()
    ok, lines = check(hall)
    assert not ok
    assert "Ballot of seat LD001 for JD01 was stored after scoring closed." in lines
    assert len(lines) == 6


def test_paper_ballots_typed_in_after_the_close_are_not_late(hall):
    later = timezone.now() + timedelta(hours=1)
    Ballot.objects.filter(reporter=hall.a).update(paper=True, submitted_at=later)
    Ballot.objects.filter(reporter=hall.b).update(submitted_at=timezone.now() - timedelta(hours=1))
    close(hall)
    assert check(hall)[0]


def test_results_shown_that_the_ballots_do_not_give_are_named(hall):
    close(hall)
    shown = export_results(hall)
    shown[1] = {**shown[1], "composite": "99.99", "rank": 1}
    assert results_problems(hall, shown) == [
        "Results of JD02: the stored ballots give other values than the results shown "
        "(composite, rank)."
    ]
    assert results_problems(hall) == []
