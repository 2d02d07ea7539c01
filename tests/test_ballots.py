"""Every input rule of SCORING.md where ballots enter, and the database's own guard."""

import pytest
from django.db import IntegrityError, transaction

from appraisal.models import Scheme
from meetings.ballots import BallotInput, BallotRejected, ScoringNotOpen, cast_ballot
from meetings.models import Ballot, ScoringState
from tests.factories import make_ballot, make_meeting, make_org, make_reporter, make_seat

pytestmark = pytest.mark.django_db
FULL = {"ZZ": "20", "ZD": "30", "ZF": "50"}


@pytest.fixture
def open_meeting(committee):
    meeting = make_meeting(committee)
    reporter = make_reporter(meeting)
    meeting.set_scoring(ScoringState.OPEN)
    return meeting, reporter, make_seat(meeting)


def rejected(seat, reporter, **fields) -> dict:
    with pytest.raises(BallotRejected) as error:
        cast_ballot(seat, reporter, BallotInput(**fields))
    assert not Ballot.objects.exists()
    return error.value.errors


def test_a_valid_ballot_is_stored_with_a_receipt_and_freezes_the_scheme(open_meeting):
    meeting, reporter, seat = open_meeting
    ballot = cast_ballot(seat, reporter, BallotInput(scores=FULL, grade="好"))
    assert ballot.receipt and ballot.scores == FULL
    assert Scheme.objects.get(pk=meeting.scheme_id).is_frozen


def test_a_second_ballot_replaces_the_seats_earlier_one(open_meeting):
    _, reporter, seat = open_meeting
    cast_ballot(seat, reporter, BallotInput(grade="好"))
    cast_ballot(seat, reporter, BallotInput(grade="一般"))
    assert list(Ballot.objects.values_list("grade", flat=True)) == ["一般"]


def test_a_missing_indicator_is_rejected(open_meeting):
    _, reporter, seat = open_meeting
    assert "scores.ZF" in rejected(seat, reporter, scores={"ZZ": "20", "ZD": "30"})


@pytest.mark.parametrize("score", ["50.01", "-1", "abc", "10.005", 1.5, True, None])
def test_a_score_out_of_range_or_not_a_two_decimal_number_is_rejected(open_meeting, score):
    _, reporter, seat = open_meeting
    assert "scores.ZF" in rejected(seat, reporter, scores={**FULL, "ZF": score})


def test_an_unknown_indicator_and_an_unknown_grade_are_rejected(open_meeting):
    _, reporter, seat = open_meeting
    errors = rejected(seat, reporter, scores={**FULL, "XX": "1"}, grade="优秀")
    assert {"scores.XX", "grade"} <= set(errors)


def test_an_empty_ballot_is_rejected(open_meeting):
    _, reporter, seat = open_meeting
    assert "ballot" in rejected(seat, reporter)


def test_a_seat_never_scores_its_own_organization(open_meeting):
    meeting, reporter, _ = open_meeting
    own = make_seat(meeting, organization=reporter.organization)
    assert "org" in rejected(own, reporter, grade="好")


def test_a_seat_of_another_meeting_is_rejected(open_meeting, committee):
    _, reporter, _ = open_meeting
    stranger = make_seat(make_meeting(committee))
    assert "seat" in rejected(stranger, reporter, grade="好")


def test_an_opinion_over_500_characters_is_rejected(open_meeting):
    _, reporter, seat = open_meeting
    assert "opinion" in rejected(seat, reporter, grade="好", opinion="意" * 501)


def test_a_ballot_for_a_reporter_whose_scoring_is_closed_is_refused(open_meeting):
    meeting, reporter, seat = open_meeting
    meeting.set_scoring(ScoringState.CLOSED)
    with pytest.raises(ScoringNotOpen):
        cast_ballot(seat, reporter, BallotInput(grade="好"))
    assert not Ballot.objects.exists()


def test_the_database_allows_one_ballot_per_seat_and_reporter(committee):
    meeting = make_meeting(committee)
    reporter, seat = make_reporter(meeting, make_org(committee)), make_seat(meeting)
    make_ballot(seat, reporter, grade="好")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(seat=seat, reporter=reporter, grade="差")
