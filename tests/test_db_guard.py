"""The database itself refuses late ballots and edits of the history (appraisal/dbguard.py).

Every refusal is tried twice: through the ORM, and through raw SQL that no model code sees.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction

from appraisal import dbguard
from meetings.ballots import BallotInput
from meetings.models import (
    Ballot,
    EventAction,
    ItemEvent,
    MeetingEvent,
    Reporter,
    ScoringState,
    Stage,
)
from meetings.paper import enter_paper
from meetings.rectification import create_item
from meetings.rehearsal import purge_rehearsal
from tests.factories import make_ballot, make_meeting, make_org, make_reporter, make_seat

pytestmark = pytest.mark.django_db

FULL = {"ZZ": "18", "ZD": "26", "ZF": "44"}


@pytest.fixture
def hall(committee, staff):
    """A meeting in session: reporter A open with one ballot, reporter B open, seats LD1/LD2."""
    meeting = make_meeting(committee, anonymous=False)
    a = make_reporter(meeting, make_org(committee, code="JD01"))
    b = make_reporter(meeting, make_org(committee, code="JD02"))
    seats = [make_seat(meeting, "LD", code=f"LD00{n}") for n in (1, 2)]
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    meeting.set_scoring(ScoringState.OPEN)
    ballot = make_ballot(seats[0], a, scores=FULL, grade="好")
    meeting.a, meeting.b, meeting.hall_seats, meeting.ballot = a, b, seats, ballot
    return meeting


@contextmanager
def refused(message: str):
    """The integrity error a guard raises, with its message (the same on both databases);
    the statement runs in its own savepoint so the test's transaction goes on."""
    with pytest.raises(IntegrityError, match=re.escape(message)), transaction.atomic():
        yield


def raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def close_a(hall) -> None:
    hall.set_scoring(ScoringState.CLOSED, reporter=hall.a)


def test_every_guard_trigger_is_installed_by_migrate():
    assert dbguard.installed_triggers(connection) == dbguard.expected_triggers(connection)


def test_ballots_change_freely_while_scoring_is_open(hall):
    Ballot.objects.filter(pk=hall.ballot.pk).update(grade="较好")
    raw("UPDATE meetings_ballot SET grade = %s WHERE id = %s", ["一般", hall.ballot.pk])
    make_ballot(hall.hall_seats[1], hall.a, scores=FULL)
    Ballot.objects.filter(pk=hall.ballot.pk).delete()
    assert Ballot.objects.filter(reporter=hall.a).count() == 1


def test_after_the_close_an_online_ballot_cannot_be_inserted(hall):
    close_a(hall)
    with refused(dbguard.CLOSED_ONLINE):
        make_ballot(hall.hall_seats[1], hall.a, scores=FULL)
    with refused(dbguard.CLOSED_ONLINE):
        raw(
            "INSERT INTO meetings_ballot (id, seat_id, reporter_id, ballot_id, receipt, scores, "
            "grade, opinion, paper) VALUES (7, %s, %s, %s, 'R', '{}', '好', '', %s)",
            [hall.hall_seats[1].pk, hall.a.pk, "0b8e6a7e2f4b4c1e9a553f2d6a1c9e20", False],
        )
    assert Ballot.objects.filter(reporter=hall.a).count() == 1


def test_after_the_close_an_online_ballot_cannot_be_changed(hall):
    close_a(hall)
    with refused(dbguard.CLOSED_ONLINE):
        Ballot.objects.filter(pk=hall.ballot.pk).update(grade="差")
    ballot = Ballot.objects.get(pk=hall.ballot.pk)
    ballot.scores = {**FULL, "ZZ": "0"}
    with refused(dbguard.CLOSED_ONLINE):
        ballot.save()
    with refused(dbguard.CLOSED_ONLINE):
        raw("UPDATE meetings_ballot SET grade = '差' WHERE id = %s", [hall.ballot.pk])
    with refused(dbguard.CLOSED_ONLINE):  # nor moved to a reporter still open
        raw(
            "UPDATE meetings_ballot SET reporter_id = %s WHERE id = %s", [hall.b.pk, hall.ballot.pk]
        )
    assert Ballot.objects.get(pk=hall.ballot.pk).grade == "好"


def test_after_the_close_no_ballot_can_be_deleted(hall):
    close_a(hall)
    with refused(dbguard.CLOSED_ONLINE):
        Ballot.objects.filter(pk=hall.ballot.pk).delete()
    with refused(dbguard.CLOSED_ONLINE):
        raw("DELETE FROM meetings_ballot WHERE id = %s", [hall.ballot.pk])
    assert Ballot.objects.filter(pk=hall.ballot.pk).exists()


def test_a_reporter_still_open_is_not_touched_by_anothers_close(hall):
    close_a(hall)
    make_ballot(hall.hall_seats[1], hall.b, scores=FULL)
    assert Ballot.objects.filter(reporter=hall.b).count() == 1


def test_closing_twice_changes_nothing_the_second_time(hall):
    assert hall.set_scoring(ScoringState.CLOSED, reporter=hall.a) == 1
    events = MeetingEvent.objects.filter(meeting=hall).count()
    assert hall.set_scoring(ScoringState.CLOSED, reporter=hall.a) == 0
    assert MeetingEvent.objects.filter(meeting=hall).count() == events


def test_paper_ballots_may_still_be_typed_after_the_close_until_publication(hall, staff):
    close_a(hall)
    case = enter_paper(hall, hall.hall_seats[1], hall.a, BallotInput(scores=FULL), by=staff)
    assert case.ballot is None or case.ballot.paper
    assert Ballot.objects.get(seat=hall.hall_seats[1], reporter=hall.a).paper
    # But an online ballot cannot be turned into a "paper" one to slip past the close.
    with refused(dbguard.CLOSED_ONLINE):
        raw("UPDATE meetings_ballot SET paper = %s WHERE id = %s", [False, hall.ballot.pk])


def test_once_published_not_even_a_paper_ballot_changes(hall):
    hall.set_scoring(ScoringState.CLOSED)
    hall.advance(Stage.CLOSED)
    hall.advance(Stage.PUBLISHED)
    with refused(dbguard.PUBLISHED):
        raw("UPDATE meetings_ballot SET paper = %s WHERE id = %s", [True, hall.ballot.pk])
    with refused(dbguard.PUBLISHED):
        raw("DELETE FROM meetings_ballot WHERE id = %s", [hall.ballot.pk])


def test_practice_ballots_can_be_purged_after_their_close(hall, staff):
    practice = make_reporter(hall, make_org(hall.committee, code="P01"), rehearsal=True)
    Reporter.objects.filter(pk=practice.pk).update(scoring=ScoringState.OPEN)
    make_ballot(hall.hall_seats[0], practice, scores=FULL)
    hall.set_scoring(ScoringState.CLOSED, reporter=practice)
    purge_rehearsal(hall, by=staff)
    assert not Ballot.objects.filter(reporter__rehearsal=True).exists()


def test_the_audit_trail_cannot_be_changed_or_deleted(hall):
    event = MeetingEvent.objects.filter(meeting=hall).first()
    with refused(dbguard.APPEND_ONLY):
        MeetingEvent.objects.filter(pk=event.pk).update(note="改写")
    with refused(dbguard.APPEND_ONLY):
        MeetingEvent.objects.filter(pk=event.pk).delete()
    with refused(dbguard.APPEND_ONLY):
        raw("UPDATE meetings_meetingevent SET note = 'x' WHERE id = %s", [event.pk])
    with refused(dbguard.APPEND_ONLY):
        raw("DELETE FROM meetings_meetingevent")
    MeetingEvent.record(hall, EventAction.COUNTDOWN, note="appending is fine")
    assert MeetingEvent.objects.get(pk=event.pk).note == event.note


def test_an_items_history_cannot_be_changed_or_deleted(hall, staff):
    item = create_item(by=staff, organization=hall.a.organization, meeting=hall, problem="台账不全")
    row = ItemEvent.objects.get(item=item)
    with refused(dbguard.APPEND_ONLY):
        ItemEvent.objects.filter(pk=row.pk).update(note="x")
    with refused(dbguard.APPEND_ONLY):
        raw("DELETE FROM meetings_itemevent WHERE id = %s", [row.pk])
    assert ItemEvent.objects.filter(pk=row.pk).exists()


def test_a_meeting_with_history_cannot_be_deleted_by_the_orm(committee):
    from django.db.models import ProtectedError

    meeting = make_meeting(committee)
    make_reporter(meeting, make_org(committee, code="JD09"))
    meeting.advance(Stage.REPORTS)
    with pytest.raises(ProtectedError):
        meeting.delete()


def test_maintenance_lifts_the_rules_for_this_connection_only_and_only_inside(hall):
    close_a(hall)
    with dbguard.maintenance():
        Ballot.objects.filter(pk=hall.ballot.pk).update(grade="差")
        MeetingEvent.objects.filter(meeting=hall).update(note="rewritten")
    assert Ballot.objects.get(pk=hall.ballot.pk).grade == "差"
    with refused(dbguard.CLOSED_ONLINE):
        Ballot.objects.filter(pk=hall.ballot.pk).update(grade="好")


def test_every_migrate_puts_a_dropped_trigger_back(hall):
    from django.core.management.sql import emit_post_migrate_signal

    # A later migration that rebuilds the ballot table on SQLite drops its triggers.
    name = sorted(dbguard.installed_triggers(connection))[0]
    raw(f"DROP TRIGGER {name}")
    assert name not in dbguard.installed_triggers(connection)
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert dbguard.installed_triggers(connection) == dbguard.expected_triggers(connection)
    close_a(hall)
    with refused(dbguard.CLOSED_ONLINE):
        Ballot.objects.filter(pk=hall.ballot.pk).delete()


def test_check_meeting_names_a_missing_trigger(hall):
    from meetings.invariants import guard_problems

    assert guard_problems(hall) == []
    name = sorted(dbguard.installed_triggers(connection))[0]
    with transaction.atomic():
        raw(f"DROP TRIGGER {name}")  # PostgreSQL's names read "trigger ON table"
        problems = guard_problems(hall)
        transaction.set_rollback(True)
    assert len(problems) == 1 and name in problems[0]
    assert guard_problems(hall) == []
