"""The audit trail: every consequential action leaves one row (actor, time, what); staff read
it per meeting and for their committees; other committees never see it."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from appraisal.roster_io import export_workbook, workbook_bytes
from meetings.ballots import BallotInput
from meetings.bundle.store import import_bundle
from meetings.bundle.write import export_bundle
from meetings.models import EventAction, MeetingEvent, ScoringState, Stage
from meetings.paper import decide_paper, enter_paper
from meetings.rectification import close_item, create_item, mark_done
from meetings.rehearsal import purge_rehearsal
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

FULL = {"ZZ": "18", "ZD": "26", "ZF": "44"}


@pytest.fixture
def hall(committee):
    meeting = make_meeting(committee, anonymous=False, title="2026年度述职评议会")
    a = make_reporter(meeting, make_org(committee, code="JD01"))
    seats = [make_seat(meeting, "LD", code=f"LD00{n}") for n in (1, 2)]
    meeting.a, meeting.hall_seats = a, seats
    return meeting


def actions(meeting) -> list[tuple[str, str]]:
    """(action, actor) of the meeting's events, oldest first."""
    return [
        (e.action, e.by.username if e.by else "")
        for e in MeetingEvent.objects.filter(meeting=meeting).order_by("at", "id")
    ]


def test_a_whole_meeting_leaves_one_row_per_consequential_action(hall, staff):
    hall.advance(Stage.REPORTS, by=staff)
    hall.advance(Stage.LIVE, by=staff)
    hall.set_scoring(ScoringState.OPEN, by=staff)
    make_ballot(hall.hall_seats[0], hall.a, scores=FULL)
    hall.set_scoring(ScoringState.CLOSED, by=staff)
    # A paper ballot for a seat that already voted online: typed, then decided.
    enter_paper(hall, hall.hall_seats[0], hall.a, BallotInput(scores=FULL, grade="好"), by=staff)
    decide_paper(hall, hall.hall_seats[0], hall.a, "paper", by=staff)
    hall.advance(Stage.CLOSED, by=staff)
    hall.advance(Stage.PUBLISHED, by=staff)
    item = create_item(by=staff, organization=hall.a.organization, meeting=hall, problem="台账")
    mark_done(item, by=staff, note="已补齐")
    close_item(item, by=staff, note="核实")
    got = actions(hall)
    assert got == [
        (EventAction.STAGE, "dc_staff"),
        (EventAction.STAGE, "dc_staff"),
        (EventAction.SCORING_OPENED, "dc_staff"),
        (EventAction.SCORING_CLOSED, "dc_staff"),
        (EventAction.PAPER_ENTERED, "dc_staff"),
        (EventAction.PAPER_DECIDED, "dc_staff"),
        (EventAction.STAGE, "dc_staff"),
        (EventAction.STAGE, "dc_staff"),
        (EventAction.ITEM_STATUS, "dc_staff"),
        (EventAction.ITEM_STATUS, "dc_staff"),
    ]
    published = MeetingEvent.objects.get(meeting=hall, to_stage=Stage.PUBLISHED)
    assert published.from_stage == Stage.CLOSED
    assert abs((timezone.now() - published.at).total_seconds()) < 60
    notes = list(
        MeetingEvent.objects.filter(action=EventAction.ITEM_STATUS).values_list("note", flat=True)
    )
    assert all(n.startswith(f"JD01 #{item.pk}:") for n in notes) and "已完成" in notes[0]


@pytest.mark.parametrize("anonymous", [False, True])
def test_a_seat_replacing_its_ballot_is_recorded_without_its_content(client, committee, anonymous):
    meeting = make_meeting(committee, anonymous=anonymous)
    reporter = make_reporter(meeting, make_org(committee, code="JD01", name="东华门街道"))
    seat = make_seat(meeting, "LD", code="LD001")
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    meeting.set_scoring(ScoringState.OPEN)
    url = f"/s/{seat.issue_link()}/ballots"

    def send(grade: str, ballot_id: str | None = None) -> str:
        body = {"ballot_id": ballot_id or str(uuid.uuid4()), "org": "JD01", "grade": grade}
        assert client.post(url, body, content_type="application/json").status_code == 200
        return body["ballot_id"]

    first = send("好")
    send("好", first)  # a retry: nothing replaced
    send("好")  # a new id with the same content: nothing replaced either
    send("差")
    replaced = MeetingEvent.objects.filter(action=EventAction.BALLOT_REPLACED)
    assert replaced.count() == 1
    event = replaced.get()
    assert event.meeting == meeting and event.by is None
    assert event.note == ("东华门街道" if anonymous else "LD001 → 东华门街道")
    assert "差" not in event.note and reporter.ballots.get().grade == "差"


def test_seat_links_issued_and_revoked_are_recorded(staff_client, hall):
    response = staff_client.post(reverse("seat_cards", args=[hall.pk]), {"scope": "all"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    seat = hall.hall_seats[0]
    staff_client.post(reverse("seat_revoke", args=[hall.pk, seat.pk]))
    assert [a for a, _ in actions(hall)] == [EventAction.LINKS_ISSUED, EventAction.LINK_REVOKED]
    assert MeetingEvent.objects.get(action=EventAction.LINK_REVOKED).note == "LD001"


def test_the_rehearsal_purge_is_recorded(hall, staff):
    practice = make_reporter(hall, make_org(hall.committee, code="P01"), rehearsal=True)
    make_ballot(hall.hall_seats[0], practice, scores=FULL)
    purge_rehearsal(hall, by=staff)
    assert [a for a, _ in actions(hall)] == [EventAction.REHEARSAL_PURGED]


def test_a_roster_import_is_recorded_for_the_committee_with_its_summary(staff_client, committee):
    make_org(committee, code="JD01", name="东华门街道")
    data = workbook_bytes(export_workbook(committee, timezone.localdate()))
    response = staff_client.post(
        reverse("roster_import"), {"file": SimpleUploadedFile("名册.xlsx", data)}
    )
    assert response.status_code == 302
    event = MeetingEvent.objects.get(action=EventAction.ROSTER_IMPORTED)
    assert (event.committee, event.meeting, event.by.username) == (committee, None, "dc_staff")
    assert event.note


def test_a_refused_roster_import_records_nothing(staff_client):
    staff_client.post(
        reverse("roster_import"), {"file": SimpleUploadedFile("名册.xlsx", b"PK\x03\x04junk")}
    )
    assert not MeetingEvent.objects.exists()


def test_a_meeting_imported_from_a_bundle_says_so_first(hall, committee, staff):
    hall.advance(Stage.REPORTS)
    hall.advance(Stage.LIVE)
    hall.set_scoring(ScoringState.OPEN)
    make_ballot(hall.hall_seats[0], hall.a, scores=FULL)
    copy = import_bundle(export_bundle(hall), committee, by=staff)
    first = MeetingEvent.objects.filter(meeting=copy).order_by("at", "id").first()
    assert first.action == EventAction.MEETING_IMPORTED and first.by == staff
    assert "1" in first.note


# The page ------------------------------------------------------------------------------


def page_rows(html: str) -> int:
    return len(re.findall(r"<tr>\s*<td class=\"text-nowrap small\">", html))


def test_staff_read_a_meetings_trail_newest_first(staff_client, hall, staff):
    hall.advance(Stage.REPORTS, by=staff)
    hall.advance(Stage.LIVE, by=staff)
    response = staff_client.get(reverse("meeting_audit", args=[hall.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and page_rows(html) == 2
    moves = re.findall(r"→ (\S+?)</td>", html)
    assert moves == ["会议进行中", "收集述职报告"]  # newest first


def test_the_trail_filters_by_action_and_searches_notes(staff_client, hall, staff):
    hall.advance(Stage.REPORTS, by=staff)
    MeetingEvent.record(hall, EventAction.LINK_REVOKED, by=staff, note="LD002")
    url = reverse("meeting_audit", args=[hall.pk])
    html = staff_client.get(url, {"action": EventAction.LINK_REVOKED}).content.decode()
    assert page_rows(html) == 1 and "LD002" in html
    html = staff_client.get(url, {"q": "LD002"}).content.decode()
    assert page_rows(html) == 1
    html = staff_client.get(url, {"q": "无此内容"}).content.decode()
    assert page_rows(html) == 0


def test_the_trail_pages_fifty_rows_at_a_time(staff_client, hall, staff):
    for n in range(60):
        MeetingEvent.record(hall, EventAction.COUNTDOWN, by=staff, note=f"n{n}")
    url = reverse("meeting_audit", args=[hall.pk])
    assert page_rows(staff_client.get(url).content.decode()) == 50
    assert page_rows(staff_client.get(url, {"page": 2}).content.decode()) == 10


def test_the_committee_trail_has_roster_imports_and_every_meeting(staff_client, hall, committee):
    hall.advance(Stage.REPORTS)
    MeetingEvent.record_committee(committee, EventAction.ROSTER_IMPORTED, note="新增 3 个组织")
    html = staff_client.get(reverse("committee_audit")).content.decode()
    assert page_rows(html) == 2 and "新增 3 个组织" in html and hall.title in html


def test_another_committees_staff_see_nothing_of_it(client, hall):
    hall.advance(Stage.REPORTS)
    other = make_staff(make_committee(code="XC", name="西城区委"), username="xc_staff")
    client.force_login(other)
    assert client.get(reverse("meeting_audit", args=[hall.pk])).status_code == 404
    assert page_rows(client.get(reverse("committee_audit")).content.decode()) == 0


def test_the_page_is_for_staff_only(client, hall):
    response = client.get(reverse("meeting_audit", args=[hall.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
