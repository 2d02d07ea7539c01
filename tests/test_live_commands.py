"""The contract's commands: `seat_links` issues links to a CSV, `scoring` opens and closes."""

from __future__ import annotations

import csv
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from meetings.models import EventAction, Meeting, MeetingEvent, ScoringState, Seat, Stage
from tests.factories import make_ballot, make_meeting, make_org, make_reporter, make_seat

pytestmark = pytest.mark.django_db

BASE = "http://192.168.1.10:8000"


@pytest.fixture
def meeting(committee):
    meeting = make_meeting(committee)
    make_reporter(meeting, make_org(committee, code="JD01", name="东城街道党工委"))
    make_reporter(meeting, make_org(committee, code="JD02", name="和平社区党委"))
    for group, code in (("LD", "LD001"), ("LD", "LD002"), ("BM", "BM001"), ("DB", "DB001")):
        make_seat(meeting, group, code=code)
    return meeting


def seat_links(meeting: Meeting, tmp_path, name: str = "links.csv") -> list[dict]:
    output = tmp_path / name
    call_command("seat_links", meeting.pk, "--base-url", BASE, "--output", str(output))
    with output.open(encoding="utf-8", newline="") as handle:
        assert handle.readline().strip() == "seat,group,url"
        handle.seek(0)
        return list(csv.DictReader(handle))


def scoring(meeting: Meeting, action: str, org: str | None = None) -> str:
    out = StringIO()
    args = [meeting.pk, action, *(["--org", org] if org else [])]
    call_command("scoring", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def states(meeting: Meeting) -> dict[str, str]:
    return dict(meeting.reporters.values_list("organization__code", "scoring"))


# seat_links -----------------------------------------------------------------------------------


def test_seat_links_writes_one_row_per_seat_with_its_group_code_and_url(meeting, tmp_path):
    rows = seat_links(meeting, tmp_path)
    assert [(r["seat"], r["group"]) for r in rows] == [
        ("BM001", "BM"),
        ("DB001", "DB"),
        ("LD001", "LD"),
        ("LD002", "LD"),
    ]
    for row in rows:
        assert row["url"].startswith(BASE + "/s/") and row["url"].endswith("/")
    assert len({r["url"] for r in rows}) == 4


def test_every_issued_link_opens_its_seats_page(client, meeting, tmp_path):
    for row in seat_links(meeting, tmp_path):
        path = row["url"].removeprefix(BASE)
        assert client.get(path).status_code == 200
        assert client.get(path + "state").json()["meeting"]["seat"]["code"] == row["seat"]


def test_issuing_again_makes_the_earlier_links_stop_working(client, meeting, tmp_path):
    old = seat_links(meeting, tmp_path, "old.csv")
    new = seat_links(meeting, tmp_path, "new.csv")
    for before, after in zip(old, new, strict=True):
        assert client.get(before["url"].removeprefix(BASE) + "state").status_code == 404
        assert client.get(after["url"].removeprefix(BASE) + "state").status_code == 200


def test_only_a_hash_of_each_token_is_stored(meeting, tmp_path):
    rows = seat_links(meeting, tmp_path)
    stored = str(list(Seat.objects.values()))
    for row in rows:
        token = row["url"].rstrip("/").rsplit("/", 1)[1]
        assert len(token) >= 22  # at least 128 bits in URL-safe base64
        assert token not in stored
        seat = Seat.objects.get(code=row["seat"])
        assert seat.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_seat_links_records_the_issue_in_the_meetings_history(meeting, tmp_path):
    seat_links(meeting, tmp_path)
    event = MeetingEvent.objects.get(meeting=meeting, action=EventAction.LINKS_ISSUED)
    assert "4" in event.note


def test_seat_links_accepts_a_base_url_with_a_trailing_slash(meeting, tmp_path):
    output = tmp_path / "links.csv"
    call_command("seat_links", meeting.pk, "--base-url", BASE + "/", "--output", str(output))
    assert f"{BASE}/s/" in output.read_text(encoding="utf-8")
    assert "//s/" not in output.read_text(encoding="utf-8")


def test_seat_links_for_an_unknown_meeting_fails_and_writes_nothing(tmp_path, db):
    with pytest.raises(CommandError, match="9999"):
        call_command("seat_links", 9999, "--base-url", BASE, "--output", str(tmp_path / "x.csv"))
    assert not (tmp_path / "x.csv").exists()


def test_seat_links_that_cannot_write_its_file_changes_no_link(meeting, tmp_path):
    before = list(Seat.objects.order_by("code").values_list("token_hash", flat=True))
    with pytest.raises(CommandError):
        call_command(
            "seat_links", meeting.pk, "--base-url", BASE, "--output", str(tmp_path / "no/x.csv")
        )
    assert list(Seat.objects.order_by("code").values_list("token_hash", flat=True)) == before


def test_seat_links_refuses_a_base_url_without_a_scheme(meeting, tmp_path):
    with pytest.raises(CommandError, match="http://"):
        call_command(
            "seat_links", meeting.pk, "--base-url", "192.168.1.10", "--output", str(tmp_path / "x")
        )


# scoring --------------------------------------------------------------------------------------


def test_scoring_opens_and_closes_for_one_reporter(meeting):
    scoring(meeting, "open", "JD01")
    assert states(meeting) == {"JD01": ScoringState.OPEN, "JD02": ScoringState.PENDING}
    scoring(meeting, "close", "JD01")
    assert states(meeting) == {"JD01": ScoringState.CLOSED, "JD02": ScoringState.PENDING}
    actions = MeetingEvent.objects.filter(meeting=meeting).values_list("action", flat=True)
    assert list(actions) == [EventAction.SCORING_OPENED, EventAction.SCORING_CLOSED]


def test_scoring_opens_and_closes_for_all_reporters(meeting):
    scoring(meeting, "open")
    assert set(states(meeting).values()) == {ScoringState.OPEN}
    scoring(meeting, "close")
    assert set(states(meeting).values()) == {ScoringState.CLOSED}


def test_closing_twice_is_harmless_and_logged_once(meeting):
    scoring(meeting, "open")
    scoring(meeting, "close")
    assert "0" in scoring(meeting, "close")
    assert "JD01" in scoring(meeting, "close", "JD01")
    closed = MeetingEvent.objects.filter(meeting=meeting, action=EventAction.SCORING_CLOSED)
    assert closed.count() == 1


def test_scoring_for_an_unknown_organization_fails_and_names_the_reporters(meeting):
    with pytest.raises(CommandError, match="JD01, JD02"):
        scoring(meeting, "open", "NOPE")
    assert set(states(meeting).values()) == {ScoringState.PENDING}


def test_scoring_for_an_unknown_meeting_fails(db):
    with pytest.raises(CommandError, match="9999"):
        call_command("scoring", 9999, "open")


def test_scoring_opens_on_a_meeting_that_is_not_in_session_yet(meeting):
    assert meeting.stage == Stage.DRAFT
    assert "JD01" in scoring(meeting, "open", "JD01")
    assert states(meeting)["JD01"] == ScoringState.OPEN


def test_reopening_scoring_takes_a_closed_meeting_back_in_session(meeting):
    for stage in (Stage.REPORTS, Stage.LIVE):
        meeting.advance(stage)
    scoring(meeting, "close")
    meeting.advance(Stage.CLOSED)
    scoring(meeting, "open", "JD02")
    meeting.refresh_from_db()
    assert meeting.stage == Stage.LIVE and states(meeting)["JD02"] == ScoringState.OPEN


def test_scoring_never_opens_once_results_are_published(meeting):
    seat = meeting.seats.first()
    make_ballot(seat, meeting.reporters.first(), grade="好")
    for stage in (Stage.REPORTS, Stage.LIVE):
        meeting.advance(stage)
    scoring(meeting, "close")
    meeting.advance(Stage.CLOSED)
    meeting.advance(Stage.PUBLISHED)
    with pytest.raises(CommandError):
        scoring(meeting, "open")
    assert set(states(meeting).values()) == {ScoringState.CLOSED}


def test_the_evaluators_state_shows_a_change_of_scoring_at_once(client, meeting, tmp_path):
    url = seat_links(meeting, tmp_path)[0]["url"].removeprefix(BASE)
    assert client.get(url + "state").json()["open"] == []
    scoring(meeting, "open", "JD02")
    assert client.get(url + "state").json()["open"] == ["JD02"]
