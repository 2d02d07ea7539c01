"""Meeting set-up pages, the stage machine and the results table."""

from decimal import Decimal

import pytest
from django.urls import reverse

from meetings.models import Meeting, MeetingEvent, ScoringState, Stage, StageError
from tests.factories import (
    make_ballot,
    make_meeting,
    make_org,
    make_reporter,
    make_scheme,
    make_seat,
    make_secretary,
)

pytestmark = pytest.mark.django_db


def test_staff_create_a_meeting_with_a_scheme_of_their_committee(staff_client, committee):
    scheme = make_scheme(committee)
    response = staff_client.post(
        reverse("meeting_create"),
        {
            "title": "2026年度述职评议会",
            "year": 2026,
            "date": "2026-12-18",
            "scheme": scheme.pk,
            "venue": "区委第一会议室",
            "anonymous": "on",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and meeting.committee == committee
    assert meeting.stage == Stage.DRAFT and meeting.anonymous


def test_picking_reporters_records_the_secretary_in_office(staff_client, committee):
    meeting = make_meeting(committee)
    a, b = make_org(committee, code="A"), make_org(committee, code="B")
    make_secretary(a, name="赵昇")
    staff_client.post(reverse("reporter_add", args=[meeting.pk]), {"organizations": [a.pk, b.pk]})
    reporters = list(meeting.reporters.order_by("order"))
    assert [(r.organization.code, r.order, r.secretary_name) for r in reporters] == [
        ("A", 1, "赵昇"),
        ("B", 2, ""),
    ]


def test_moving_a_reporter_up_swaps_the_order(staff_client, committee):
    meeting = make_meeting(committee)
    first, second = make_reporter(meeting), make_reporter(meeting)
    staff_client.post(reverse("reporter_move", args=[meeting.pk, second.pk]), {"direction": "up"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.order, first.order) == (1, 2)


def test_daily_scores_are_saved_and_a_bad_one_saves_nothing_and_keeps_the_input(
    staff_client, committee
):
    meeting = make_meeting(committee)
    a, b = make_reporter(meeting), make_reporter(meeting)
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": a.pk,
        "form-0-daily": "88.5",
        "form-1-id": b.pk,
        "form-1-daily": "120",
        "form-1-vetoed": "on",
    }
    response = staff_client.post(reverse("reporter_daily", args=[meeting.pk]), data)
    a.refresh_from_db()
    assert response.status_code == 400 and a.daily is None
    assert 'value="120"' in response.content.decode()
    data["form-1-daily"] = "91"
    staff_client.post(reverse("reporter_daily", args=[meeting.pk]), data)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.daily, b.daily, b.vetoed) == (Decimal("88.5"), Decimal("91"), True)


def test_the_stage_machine_explains_why_it_cannot_move(committee, staff):
    meeting = make_meeting(committee)
    with pytest.raises(StageError) as error:
        meeting.advance(Stage.REPORTS, by=staff)
    assert "reporter" in str(error.value).lower() or "述职人" in str(error.value)
    with pytest.raises(StageError):
        meeting.advance(Stage.PUBLISHED, by=staff)
    reporter = make_reporter(meeting)
    meeting.advance(Stage.REPORTS, by=staff)
    with pytest.raises(StageError):
        meeting.advance(Stage.LIVE, by=staff)  # no seats yet
    make_seat(meeting)
    meeting.advance(Stage.LIVE, by=staff)
    meeting.set_scoring(ScoringState.OPEN, reporter=reporter)
    with pytest.raises(StageError):
        meeting.advance(Stage.CLOSED, by=staff)  # scoring still open
    meeting.set_scoring(ScoringState.CLOSED)
    meeting.advance(Stage.CLOSED, by=staff)
    meeting.advance(Stage.PUBLISHED, by=staff)
    assert Meeting.objects.get(pk=meeting.pk).stage == Stage.PUBLISHED
    moves = list(
        MeetingEvent.objects.filter(meeting=meeting, action="stage").values_list(
            "to_stage", flat=True
        )
    )
    assert moves == ["reports", "live", "closed", "published"]


def test_a_blocked_move_through_the_page_says_why_and_changes_nothing(staff_client, committee):
    meeting = make_meeting(committee)
    response = staff_client.post(
        reverse("meeting_advance", args=[meeting.pk]), {"to": "reports"}, follow=True
    )
    meeting.refresh_from_db()
    assert meeting.stage == Stage.DRAFT
    assert len(list(response.context["messages"])) == 1


def test_the_results_table_shows_the_scoring_rules_numbers(staff_client, committee):
    scheme = make_scheme(
        committee, part_indicators=Decimal("1"), part_grades=Decimal("0"), part_daily=Decimal("0")
    )
    meeting = make_meeting(committee, scheme)
    top, low = make_reporter(meeting), make_reporter(meeting)
    for n in range(3):
        seat = make_seat(meeting, "LD")
        make_ballot(seat, top, scores={"ZZ": "20", "ZD": "30", "ZF": "45"})
        make_ballot(seat, low, scores={"ZZ": "10", "ZD": "20", "ZF": str(30 + n)})
    response = staff_client.get(reverse("meeting_results", args=[meeting.pk]))
    rows = [line.row for line in response.context["lines"]]
    assert [r.org_code for r in rows] == [top.organization.code, low.organization.code]
    assert rows[0].composite == Decimal("95.00") and rows[0].rank == 1
    assert rows[1].composite == Decimal("61.00") and rows[1].grade == "差"
    assert "95.00" in response.content.decode()


def test_the_agenda_lists_reporters_in_their_order_after_a_move(staff_client, committee):
    meeting = make_meeting(committee)
    first, second = make_reporter(meeting), make_reporter(meeting)
    meeting.move_reporter(second, -1)
    response = staff_client.get(reverse("meeting_detail", args=[meeting.pk]))
    assert [r.pk for r in response.context["reporters"]] == [second.pk, first.pk]
    forms = response.context["daily_formset"].forms
    assert [f.instance.pk for f in forms] == [second.pk, first.pk]
