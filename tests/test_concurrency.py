"""Exactly once, never after close (issue 6, point 2), with real threads through the real view.

Each thread is a laptop with its own test client and its own database connection; the
transactional tests commit for real, so the threads race as requests in gunicorn's workers
do (SQLite: one writer at a time; PostgreSQL: the reporter's row lock).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client

from meetings.models import Ballot, BallotReceipt, ScoringState, Stage
from tests.factories import make_committee, make_meeting, make_reporter, make_seat

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("database_in_a_file"),
]

THREADS = 8
FULL = {"ZZ": "18.5", "ZD": "27", "ZF": "45"}


@pytest.fixture(scope="module")
def database_in_a_file(django_db_setup, django_db_blocker, tmp_path_factory):
    """On SQLite, these tests run on a database file, as the application does.

    The test runner's in-memory database shares one cache between connections, where a
    writer makes the others fail at once ("database table is locked") instead of waiting;
    a file in WAL mode with IMMEDIATE transactions behaves as in production. PostgreSQL
    needs nothing.
    """
    if connections["default"].vendor != "sqlite":
        yield
        return
    memory = connections["default"]
    in_memory = connections.settings["default"]
    in_a_file = {**in_memory, "NAME": str(tmp_path_factory.mktemp("db") / "test.sqlite3")}
    with django_db_blocker.unblock():
        connections.settings["default"] = in_a_file  # every thread's new connection
        connections["default"] = memory.__class__(in_a_file, "default")
        try:
            call_command("migrate", verbosity=0, interactive=False)
            yield
        finally:
            connections["default"].close()
            connections.settings["default"] = in_memory
            connections["default"] = memory


@pytest.fixture
def hall():
    """A meeting in session with one reporter open for scoring and eight seat links."""
    meeting = make_meeting(make_committee())
    reporter = make_reporter(meeting)
    seats = [make_seat(meeting) for _ in range(THREADS)]
    links = [f"/s/{seat.issue_link()}/ballots" for seat in seats]
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    meeting.set_scoring(ScoringState.OPEN)
    return meeting, reporter, seats, links


def ballot(reporter, ballot_id: str, grade: str = "好") -> str:
    org = reporter.organization.code
    return json.dumps({"ballot_id": ballot_id, "org": org, "scores": FULL, "grade": grade})


def send_together(requests: list[tuple[str, str]]) -> list[tuple[int, dict, float]]:
    """POST every (url, body) from its own thread, all released at once by a barrier:
    (status, answer, moment the request was sent) in the order given."""
    barrier = threading.Barrier(len(requests))

    def send(url_body):
        url, body = url_body
        try:
            client = Client()
            barrier.wait(timeout=30)
            sent = time.monotonic()
            response = client.post(url, body, content_type="application/json")
            return response.status_code, response.json(), sent
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def test_the_same_ballot_sent_from_many_threads_at_once_is_stored_once_with_one_receipt(hall):
    _meeting, reporter, seats, links = hall
    ballot_id = str(uuid.uuid4())
    answers = send_together([(links[0], ballot(reporter, ballot_id))] * THREADS)
    assert [status for status, _answer, _sent in answers] == [200] * THREADS
    receipts = {answer["receipt"] for _status, answer, _sent in answers}
    stored = Ballot.objects.get(seat=seats[0], reporter=reporter)
    assert receipts == {stored.receipt}
    assert str(stored.ballot_id) == ballot_id
    assert not BallotReceipt.objects.filter(ballot_id=ballot_id).exists()


def test_two_devices_of_one_seat_sending_at_once_leave_exactly_one_ballot(hall):
    _meeting, reporter, seats, links = hall
    phone, laptop = str(uuid.uuid4()), str(uuid.uuid4())
    sends = [(links[0], ballot(reporter, phone, "好")), (links[0], ballot(reporter, laptop, "差"))]
    answers = send_together(sends * (THREADS // 2))
    assert [status for status, _answer, _sent in answers] == [200] * THREADS
    by_id = {}
    for _status, answer, _sent in answers:
        by_id.setdefault(answer["ballot_id"], set()).add(answer["receipt"])
    assert set(by_id) == {phone, laptop}
    assert all(len(receipts) == 1 for receipts in by_id.values())
    stored = Ballot.objects.get(seat=seats[0], reporter=reporter)  # exactly one row
    assert by_id[str(stored.ballot_id)] == {stored.receipt}
    assert stored.grade == ("好" if str(stored.ballot_id) == phone else "差")


def test_closing_scoring_while_ballots_arrive_keeps_every_acknowledged_one_and_no_later_one(
    hall,
):
    meeting, reporter, _seats, links = hall
    sends = [(link, ballot(reporter, str(uuid.uuid4()))) for _ in range(5) for link in links]
    first_wave_done, closed_at = threading.Event(), []

    def close_meanwhile():
        try:
            first_wave_done.wait(timeout=30)
            meeting.set_scoring(ScoringState.CLOSED, reporter=reporter)
            closed_at.append(time.monotonic())
        finally:
            connections.close_all()

    closer = threading.Thread(target=close_meanwhile)
    closer.start()
    answers = []
    for wave in range(0, len(sends), THREADS):  # eight laptops at a time; the close races
        answers += send_together(sends[wave : wave + THREADS])  # the second wave onwards
        first_wave_done.set()
    closer.join()
    retries = send_together(sends[:THREADS])  # the first wave, sent again after the close

    assert {status for status, _answer, _sent in answers} <= {200, 409}
    # The ballots that count carry their ids and receipts; replaced ones left a receipt row.
    receipts = {
        str(ballot_id): receipt
        for model in (Ballot, BallotReceipt)
        for ballot_id, receipt in model.objects.filter(reporter=reporter).values_list(
            "ballot_id", "receipt"
        )
    }
    acknowledged = [answer for status, answer, _sent in answers + retries if status == 200]
    assert len(acknowledged) >= THREADS * 2  # the first wave, and its retries after the close
    # Every acknowledged ballot is kept with its receipt (the same one, also for the retries);
    # the seat's ballot is the last one it sent before the close, one per seat.
    assert all(receipts[a["ballot_id"]] == a["receipt"] for a in acknowledged)
    assert set(receipts) == {a["ballot_id"] for a in acknowledged}
    stored = Ballot.objects.filter(reporter=reporter).values_list("ballot_id", "receipt")
    assert {(str(b), r) for b, r in stored} <= set(receipts.items())
    assert len(stored) == len(links)
    # Nothing sent after the close committed was counted: each new ballot got 409.
    late = [status for status, _answer, sent in answers if sent > closed_at[0]]
    assert set(late) <= {409}
    # And from the close on, the count stays fixed.
    before = sorted(stored)
    extra = send_together([(link, ballot(reporter, str(uuid.uuid4()))) for link in links])
    assert {status for status, _answer, _sent in extra} == {409}
    assert (
        sorted(Ballot.objects.filter(reporter=reporter).values_list("ballot_id", "receipt"))
        == before
    )
