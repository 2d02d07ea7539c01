"""Anonymous meetings stay anonymous: ballot rows carry no person, no time and no sequential
id; nothing lists ballots in the order they arrived; small groups are not broken down; the
server's logs carry neither seat tokens nor ballot contents."""

from __future__ import annotations

import json
import logging
import random
import uuid
from io import BytesIO, StringIO

import pytest
from django.db import connection, models
from openpyxl import load_workbook

from meetings.bundle.write import export_bundle
from meetings.exports import rows, xlsx
from meetings.models import Ballot, BallotReceipt, ScoringState, Stage
from tests.factories import make_committee, make_meeting, make_org, make_reporter, make_seat

pytestmark = pytest.mark.django_db

FULL = {"ZZ": "18", "ZD": "26", "ZF": "44"}


def hall(committee, *, anonymous: bool, seats: int = 12):
    """In session, JD01 open; LD seats 1–`seats` (the last two in the small BM group)."""
    meeting = make_meeting(committee, anonymous=anonymous, title="2026年度述职评议会")
    reporter = make_reporter(meeting, make_org(committee, code="JD01"))
    groups = ["LD"] * (seats - 2) + ["BM", "BM"]
    made = [make_seat(meeting, g, code=f"{g}{n:03d}") for n, g in enumerate(groups, 1)]
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    meeting.set_scoring(ScoringState.OPEN)
    return meeting, reporter, made


def vote(client, seat, opinion: str = "意见") -> dict:
    body = {"ballot_id": str(uuid.uuid4()), "org": "JD01", "scores": FULL, "opinion": opinion}
    response = client.post(
        f"/s/{seat.issue_link()}/ballots",
        data=json.dumps(body, ensure_ascii=False),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return body


def test_a_ballot_row_has_no_person_and_no_sequential_key(client, committee):
    meeting, _, seats = hall(committee, anonymous=True)
    for seat in seats:
        vote(client, seat)
    fields = {f.name for f in Ballot._meta.get_fields()}
    assert not fields & {"created_at", "updated_at", "user", "holder", "ip", "device"}
    assert not any(isinstance(f, models.AutoField) for f in Ballot._meta.get_fields())
    arrival = [Ballot.objects.get(seat=s).pk for s in seats]
    # Random 62-bit keys: not in arrival order, not neighbours.
    assert arrival != sorted(arrival)
    assert min(abs(a - b) for a, b in zip(arrival, arrival[1:], strict=False)) > 1000
    for seat in seats:  # a second ballot each: the replaced ones keep a receipt row
        vote(client, seat, opinion="改")
    receipts = list(BallotReceipt.objects.values_list("pk", flat=True))
    assert len(receipts) == len(seats) and max(receipts) > 10**9
    if connection.vendor == "sqlite":
        # The random key is the rowid: no hidden counter in the file orders the rows.
        for table in ("meetings_ballot", "meetings_ballotreceipt"):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT rowid, id FROM {table}")  # noqa: S608 (constant)
                rows = cursor.fetchall()
            assert rows and all(rowid == key for rowid, key in rows)


def test_an_anonymous_ballot_carries_no_time_and_a_named_one_does(client, committee):
    meeting, _, seats = hall(committee, anonymous=True, seats=3)
    vote(client, seats[0])
    assert Ballot.objects.get(seat=seats[0]).submitted_at is None
    named, _, named_seats = hall(make_committee(code="XC"), anonymous=False, seats=3)
    vote(client, named_seats[0])
    assert Ballot.objects.get(seat=named_seats[0]).submitted_at is not None


def test_no_export_lists_ballots_in_the_order_they_arrived(client, committee):
    meeting, _, seats = hall(committee, anonymous=True)
    for seat in reversed(seats):  # arrival order: the last seat first
        vote(client, seat)
    bundle_seats = [b["seat"] for b in export_bundle(meeting)["ballots"]]
    assert bundle_seats == sorted(bundle_seats)
    shuffled = [r.seat for r in rows.ballot_rows(meeting, shuffle=random.Random(3)) if r.seat]
    assert shuffled not in (sorted(shuffled), sorted(shuffled, reverse=True))


def test_a_group_with_fewer_than_five_ballots_is_not_named_in_the_ballot_sheet(client, committee):
    meeting, _, seats = hall(committee, anonymous=True)
    for seat in seats:
        vote(client, seat)
    meeting.set_scoring(ScoringState.CLOSED)
    sheet = load_workbook(BytesIO(xlsx.meeting_xlsx(meeting))).worksheets[2]
    lines = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(lines) == 12
    seat_codes = [line[0] for line in lines]
    groups = [line[1] for line in lines]
    assert sorted(c for c in seat_codes if c) == [f"LD{n:03d}" for n in range(1, 11)]
    assert groups.count("LD") == 10 and "BM" not in groups and "BM011" not in seat_codes


def test_a_named_meeting_shows_every_group(client, committee):
    meeting, _, seats = hall(committee, anonymous=False)
    for seat in seats:
        vote(client, seat)
    assert {r.group for r in rows.ballot_rows(meeting)} == {"LD", "BM"}


@pytest.fixture
def server_log():
    """What the configured console handler (settings.LOGGING) writes, at every level."""
    handler = next(h for h in logging.getLogger().handlers if h.filters)
    stream, level = StringIO(), logging.getLogger().level
    old = handler.setStream(stream)
    logging.getLogger().setLevel(logging.DEBUG)
    yield stream
    handler.setStream(old)
    logging.getLogger().setLevel(level)


def test_the_server_logs_neither_the_seat_token_nor_the_ballot(client, committee, server_log):
    meeting, _, seats = hall(committee, anonymous=True, seats=3)
    seat = seats[0]
    token = seat.issue_link()
    body = {"ballot_id": str(uuid.uuid4()), "org": "JD01", "scores": FULL, "opinion": "秘密意见"}
    for payload in (body, {**body, "scores": {"ZZ": "999"}}, "not json"):
        client.post(
            f"/s/{token}/ballots",
            data=payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False),
            content_type="application/json",
        )
    client.post(f"/s/{token}x/ballots", data="{}", content_type="application/json")  # 404
    client.get(f"/p/{token}/state")  # someone tries the seat token as a projector link
    logged = server_log.getvalue()
    assert "Bad Request: /s/[link]/ballots" in logged  # the 400s were logged, without the token
    assert token[:8] not in logged and "秘密意见" not in logged and "999" not in logged
