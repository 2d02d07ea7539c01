"""The practice round (试评): a practice reporter, ballots that never count, one recorded purge."""

import pytest
from django.urls import reverse

from appraisal.models import Organization, OrgKind
from meetings import rehearsal
from meetings.models import (
    Ballot,
    BallotReceipt,
    Comment,
    EventAction,
    Meeting,
    MeetingEvent,
    PaperEntry,
    RectificationItem,
    Reporter,
    ScoringState,
    Stage,
)
from meetings.results import meeting_results
from tests.factories import (
    make_ballot,
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_seat,
    make_staff,
)

pytestmark = pytest.mark.django_db

SCORES = [
    {"ZZ": "18", "ZD": "25", "ZF": "40"},
    {"ZZ": "20", "ZD": "30", "ZF": "48.5"},
    {"ZZ": "12", "ZD": "21", "ZF": "33"},
]


def make_scored_meeting(committee):
    """A live meeting with two real reporters, three seats and their real ballots."""
    meeting = make_meeting(committee, anonymous=False)
    reporters = [make_reporter(meeting), make_reporter(meeting)]
    seats = [make_seat(meeting, code=f"LD00{n}") for n in range(1, 4)]
    for seat, scores in zip(seats, SCORES, strict=True):
        for reporter in reporters:
            make_ballot(seat, reporter, scores=scores, grade="好")
    Meeting.objects.filter(pk=meeting.pk).update(stage=Stage.LIVE)
    meeting.refresh_from_db()
    return meeting, reporters, seats


def practise(meeting, seats, staff):
    """Add the practice reporter and score it: online ballots, a receipt, a paper typing."""
    practice = rehearsal.add_practice_reporter(meeting)
    for seat in seats:
        ballot = make_ballot(seat, practice, scores={"ZZ": "1", "ZD": "1", "ZF": "1"}, grade="差")
        BallotReceipt.objects.create(
            ballot_id=ballot.ballot_id, seat=seat, reporter=practice, receipt=ballot.receipt
        )
    PaperEntry.objects.create(seat=seats[0], reporter=practice, grade="差", entered_by=staff)
    return practice


def real_ballots():
    return list(Ballot.objects.order_by("pk").values_list("pk", "receipt", "scores", "grade"))


def result_numbers(meeting):
    return [
        (row.reporter.pk, row.result.composite, row.result.grade, row.result.rank)
        for row in meeting_results(meeting)
    ]


def test_a_practice_reporter_goes_first_for_an_inactive_placeholder_organization(
    staff_client, committee
):
    meeting, reporters, _ = make_scored_meeting(committee)
    staff_client.post(reverse("rehearsal", args=[meeting.pk]))
    practice = Reporter.objects.get(meeting=meeting, rehearsal=True)
    assert practice.order == 0
    assert list(meeting.reporters.order_by("order"))[0] == practice
    org = practice.organization
    assert (org.code, org.name, org.kind, org.active) == (
        "REHEARSAL",
        "试评单位（演练）",
        OrgKind.OTHER,
        False,
    )
    assert org.committee == committee


def test_a_meeting_has_at_most_one_practice_reporter(staff_client, committee):
    meeting, _, _ = make_scored_meeting(committee)
    staff_client.post(reverse("rehearsal", args=[meeting.pk]))
    staff_client.post(reverse("rehearsal", args=[meeting.pk]))
    assert meeting.reporters.filter(rehearsal=True).count() == 1


def test_the_placeholder_organization_is_reused_by_the_committees_meetings(committee):
    first, _, _ = make_scored_meeting(committee)
    second, _, _ = make_scored_meeting(committee)
    a = rehearsal.add_practice_reporter(first)
    b = rehearsal.add_practice_reporter(second)
    assert a.organization == b.organization
    assert Organization.objects.filter(code="REHEARSAL").count() == 1


def test_the_practice_reporter_goes_last_when_order_zero_is_taken(committee):
    meeting = make_meeting(committee)
    make_reporter(meeting, order=0)
    make_reporter(meeting, order=1)
    assert rehearsal.add_practice_reporter(meeting).order == 2


def test_practice_ballots_never_change_the_results(committee, staff):
    meeting, _, seats = make_scored_meeting(committee)
    before = result_numbers(meeting)
    practise(meeting, seats, staff)
    assert result_numbers(meeting) == before
    assert len(before) == 2


def test_the_confirmation_page_deletes_nothing(staff_client, staff, committee):
    meeting, _, seats = make_scored_meeting(committee)
    practise(meeting, seats, staff)
    page = staff_client.get(reverse("rehearsal_purge", args=[meeting.pk]))
    assert page.status_code == 200 and page.context["counts"].ballots == 3
    assert Ballot.objects.count() == 9


def test_the_purge_removes_the_practice_round_and_keeps_every_real_ballot(
    staff_client, staff, committee
):
    meeting, reporters, seats = make_scored_meeting(committee)
    real = real_ballots()
    practice = practise(meeting, seats, staff)
    Comment.objects.create(reporter=practice, author="区委书记", text="一是……")
    RectificationItem.objects.create(
        organization=practice.organization, meeting=meeting, problem="试评问题", source="领导点评"
    )
    Meeting.objects.filter(pk=meeting.pk).update(current_reporter=practice)
    response = staff_client.post(reverse("rehearsal_purge", args=[meeting.pk]))
    assert response.status_code == 302
    assert (
        list(Ballot.objects.order_by("pk").values_list("pk", "receipt", "scores", "grade")) == real
    )
    assert not BallotReceipt.objects.exists() and not PaperEntry.objects.exists()
    assert not Comment.objects.exists() and not RectificationItem.objects.exists()
    assert list(meeting.reporters.all()) == reporters
    assert meeting.seats.count() == 3
    assert Meeting.objects.get(pk=meeting.pk).current_reporter is None
    event = MeetingEvent.objects.get(action=EventAction.REHEARSAL_PURGED)
    assert event.by == staff and "3" in event.note


def test_rehearsing_again_after_a_purge_is_one_click(staff_client, staff, committee):
    meeting, _, seats = make_scored_meeting(committee)
    practise(meeting, seats, staff)
    rehearsal.purge_rehearsal(meeting, by=staff)
    staff_client.post(reverse("rehearsal", args=[meeting.pk]))
    assert meeting.reporters.filter(rehearsal=True).count() == 1


def test_there_is_nothing_to_purge_without_a_practice_round(staff, committee):
    meeting, _, _ = make_scored_meeting(committee)
    with pytest.raises(rehearsal.RehearsalRefused):
        rehearsal.purge_rehearsal(meeting, by=staff)
    assert not MeetingEvent.objects.filter(action=EventAction.REHEARSAL_PURGED).exists()


def test_closing_scoring_waits_for_the_purge_and_ignores_the_practice_reporters_scoring(
    committee, staff
):
    meeting, _, seats = make_scored_meeting(committee)
    practise(meeting, seats, staff)
    meeting.set_scoring(ScoringState.CLOSED)
    meeting.reporters.filter(rehearsal=True).update(scoring=ScoringState.OPEN)
    reasons = meeting.blockers(Stage.CLOSED)
    assert len(reasons) == 1 and "试评" in reasons[0]
    rehearsal.purge_rehearsal(meeting, by=staff)
    assert meeting.blockers(Stage.CLOSED) == []


def test_a_practice_reporter_alone_does_not_make_an_agenda(committee):
    meeting = make_meeting(committee)
    rehearsal.add_practice_reporter(meeting)
    assert meeting.blockers(Stage.REPORTS)


def test_no_practice_round_once_scoring_is_closed(staff_client, staff, committee):
    meeting, _, seats = make_scored_meeting(committee)
    practise(meeting, seats, staff)
    Meeting.objects.filter(pk=meeting.pk).update(stage=Stage.CLOSED)
    staff_client.post(reverse("rehearsal_purge", args=[meeting.pk]))
    assert Ballot.objects.count() == 9
    other = make_meeting(committee)
    Meeting.objects.filter(pk=other.pk).update(stage=Stage.PUBLISHED)
    staff_client.post(reverse("rehearsal", args=[other.pk]))
    assert not other.reporters.exists()


def test_staff_of_another_committee_see_and_change_nothing(client, staff, committee):
    meeting, _, seats = make_scored_meeting(committee)
    practise(meeting, seats, staff)
    client.force_login(make_staff(make_committee()))
    assert client.get(reverse("rehearsal", args=[meeting.pk])).status_code == 404
    assert client.post(reverse("rehearsal", args=[meeting.pk])).status_code == 404
    assert client.post(reverse("rehearsal_purge", args=[meeting.pk])).status_code == 404
    assert Ballot.objects.count() == 9


def test_the_pages_render(staff_client, staff, committee):
    meeting, _, seats = make_scored_meeting(committee)
    assert staff_client.get(reverse("rehearsal", args=[meeting.pk])).status_code == 200
    practise(meeting, seats, staff)
    page = staff_client.get(reverse("rehearsal", args=[meeting.pk]))
    assert "试评单位（演练）" in page.content.decode()


def test_a_seat_of_the_practice_organization_does_not_exist_so_every_seat_may_score_it(committee):
    meeting, _, _ = make_scored_meeting(committee)
    practice = rehearsal.add_practice_reporter(meeting)
    seat = make_seat(meeting, organization=make_org(committee))
    assert make_ballot(seat, practice, grade="好").pk
