"""SQLite writers of the hall's hot path queue on a lock file instead of polling SQLite's lock.

SQLite lets one connection write at a time. A connection that finds the write lock taken
sleeps in SQLite's busy handler for 1, 2, 5, 10… ms before it tries again, while a ballot's
INSERT holds the lock for about 0.1 ms: with several gunicorn workers, one ballot in five
slept for a lock that had long been free (bench/hall.py). Queued on flock(2) on a file next to
the database, the next writer is woken the moment the previous one is done.

Only single statements outside any transaction queue: the queued writer then holds no SQLite
lock the queue's holder could be waiting for, and the holder waits for SQLite's lock at most
the connection's timeout. Every other write takes SQLite's lock as before; the queue only
orders the hot path's writers among themselves. The kernel drops a killed process's place.
"""

from __future__ import annotations

import fcntl
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

SUFFIX = "-writers"


def _queue_file(db) -> int | None:
    """This connection's handle on the queue file, opened by this process (flock(2) excludes
    open files: one per connection, so threads of one process queue too, and never one
    inherited across a fork); None where there is no queue."""
    if db.vendor != "sqlite" or db.is_in_memory_db():
        return None
    pid, fd = getattr(db, "_writer_queue", (None, None))
    if pid != os.getpid():
        path = f"{db.settings_dict['NAME']}{SUFFIX}"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        db._writer_queue = (os.getpid(), fd)
        weakref.finalize(db, os.close, fd)
    return fd


@contextmanager
def single_write(db) -> Iterator[None]:
    """Around one write statement run outside a transaction: wait for this database's
    previous writer of the hot path to finish (SQLite); nothing elsewhere."""
    fd = None if db.in_atomic_block else _queue_file(db)
    if fd is None:
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
