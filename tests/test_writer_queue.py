"""SQLite writers of the hall's hot path queue on a lock file (appraisal.writer_queue)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from appraisal.writer_queue import SUFFIX, single_write

pytestmark = pytest.mark.django_db


def file_database(path) -> DatabaseWrapper:
    """A real SQLite connection wrapper of its own, on a database file."""
    return DatabaseWrapper({**connection.settings_dict, "NAME": str(path)}, alias="queue")


def test_a_second_writer_waits_until_the_first_is_done_then_goes_at_once(tmp_path):
    first, second = file_database(tmp_path / "db.sqlite3"), file_database(tmp_path / "db.sqlite3")
    inside, release, entered = threading.Event(), threading.Event(), []

    def hold():
        with single_write(first):
            inside.set()
            release.wait(5)

    def write():
        with single_write(second):
            entered.append(time.monotonic())

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(5)
    waiter = threading.Thread(target=write)
    waiter.start()
    time.sleep(0.3)
    assert not entered  # queued behind the first writer
    released = time.monotonic()
    release.set()
    holder.join(5)
    waiter.join(5)
    assert entered and entered[0] - released < 0.2  # woken when the first is done, no sleep
    assert (tmp_path / f"db.sqlite3{SUFFIX}").exists()


def test_a_writer_whose_process_dies_leaves_no_one_waiting(tmp_path):
    import multiprocessing

    path = tmp_path / "db.sqlite3"
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    child = context.Process(target=_hold_forever, args=(str(path), ready))
    child.start()
    assert ready.wait(10)
    child.kill()
    child.join(10)
    started = time.monotonic()
    with single_write(file_database(path)):
        pass
    assert time.monotonic() - started < 1


def _hold_forever(path, ready) -> None:
    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": path}, alias="queue")
    with single_write(wrapper):
        ready.set()
        time.sleep(60)


def test_no_queue_in_memory_nor_for_a_statement_inside_a_transaction(tmp_path):
    if connection.vendor == "sqlite":
        assert connection.is_in_memory_db()
    with single_write(connection):  # the test database: in memory, or PostgreSQL
        pass
    assert getattr(connection, "_writer_queue", None) is None
    holder, inside = file_database(tmp_path / "db.sqlite3"), file_database(tmp_path / "db.sqlite3")
    inside.in_atomic_block = True  # as within `transaction.atomic()` on that connection
    with single_write(holder):
        started = time.monotonic()
        with single_write(inside):  # would wait for ever if it queued
            pass
        assert time.monotonic() - started < 0.5


def test_a_connection_carried_across_a_fork_queues_on_a_file_of_its_own(tmp_path):
    import multiprocessing

    wrapper = file_database(tmp_path / "db.sqlite3")
    context = multiprocessing.get_context("fork")
    entered = context.Event()
    with single_write(wrapper):  # the parent holds the queue with the handle it opened
        child = context.Process(target=_write_once, args=(wrapper, entered))
        child.start()
        assert not entered.wait(0.5)  # the child, with the same wrapper, waits its turn
    assert entered.wait(5)
    child.join(5)
    assert child.exitcode == 0


def _write_once(wrapper, entered) -> None:
    with single_write(wrapper):
        entered.set()
