"""Rules the database itself enforces, whatever code (or SQL) talks to it.

Two kinds of triggers, on SQLite and on PostgreSQL alike:

- ballots: once a reporter's scoring is closed, online ballots for it can no longer be
  inserted, changed or deleted. Paper ballots (typed by staff from the paper forms collected
  in the hall) may still be entered or decided after the close, until the results are
  published; from publication on nothing changes. A practice reporter's ballots may always
  be purged.
- history: the audit trail (meeting events) and the rectification items' history are
  append-only — no row can be changed or deleted.

A refused statement fails with an integrity error whose text starts with "appraisal:".

`maintenance()` lifts the rules inside one transaction of one connection, for operations that
rewrite history wholesale — today only the test runner emptying the database between tests
(Django's flush on SQLite deletes row by row). On PostgreSQL it is a transaction-local
setting; on SQLite a row in `appraisal_guard_maintenance` that the transaction inserts and
deletes again before it commits, so no other connection ever sees it. (Not a Python function
called by the triggers: a connection shared between threads, as the test server does, could
then deadlock on the GIL.)
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections, transaction

MAINTENANCE_TABLE = "appraisal_guard_maintenance"
PG_SETTING = "appraisal.maintenance"

CLOSED_ONLINE = "appraisal: scoring for this reporter is closed; its ballots cannot change"
PUBLISHED = "appraisal: the results are published; ballots cannot change"
APPEND_ONLY = "appraisal: the history is append-only; rows cannot be changed or deleted"

# Tables whose rows are never changed or deleted.
APPEND_ONLY_TABLES = ("meetings_meetingevent", "meetings_itemevent")


@contextmanager
def maintenance(using: str = "default"):
    """Lift the database's ballot and history rules for this connection, inside a transaction."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [PG_SETTING])
            try:
                yield
            finally:
                # Transaction-local, but this block may be a savepoint in a longer transaction.
                if not connection.needs_rollback:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT set_config(%s, 'off', true)", [PG_SETTING])
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {MAINTENANCE_TABLE} DEFAULT VALUES")  # noqa: S608
            try:
                yield
            finally:
                if not connection.needs_rollback:
                    with connection.cursor() as cursor:
                        cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE}")  # noqa: S608


# SQLite --------------------------------------------------------------------------------

_SQLITE_OFF = f"NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE})"  # noqa: S608 (constants)
_SQLITE_STATE_SELECT = (
    "SELECT CASE WHEN m.stage = 'published' THEN 'published' "
    "WHEN r.rehearsal THEN 'practice' WHEN r.scoring = 'closed' THEN 'closed' "
    "ELSE 'free' END FROM meetings_reporter r JOIN meetings_meeting m ON m.id = r.meeting_id"
)


def _sqlite_ballot_state(reporter: str) -> str:
    """A subquery: 'published', 'closed', 'practice' or 'free' for the ballot's reporter."""
    # Trigger DDL built from constants, never from input.
    return f"({_SQLITE_STATE_SELECT} WHERE r.id = {reporter})"


SQLITE_CREATE = [
    f"CREATE TABLE IF NOT EXISTS {MAINTENANCE_TABLE} (id INTEGER PRIMARY KEY)",
    f"""CREATE TRIGGER appraisal_ballot_insert BEFORE INSERT ON meetings_ballot
    WHEN {_SQLITE_OFF} BEGIN
      SELECT RAISE(ABORT, '{PUBLISHED}') WHERE {_sqlite_ballot_state("NEW.reporter_id")}
        = 'published';
      SELECT RAISE(ABORT, '{CLOSED_ONLINE}') WHERE NOT NEW.paper
        AND {_sqlite_ballot_state("NEW.reporter_id")} = 'closed';
    END""",
    f"""CREATE TRIGGER appraisal_ballot_update BEFORE UPDATE ON meetings_ballot
    WHEN {_SQLITE_OFF} BEGIN
      SELECT RAISE(ABORT, '{PUBLISHED}') WHERE {_sqlite_ballot_state("OLD.reporter_id")}
        = 'published' OR {_sqlite_ballot_state("NEW.reporter_id")} = 'published';
      SELECT RAISE(ABORT, '{CLOSED_ONLINE}') WHERE NOT NEW.paper
        AND ({_sqlite_ballot_state("OLD.reporter_id")} = 'closed'
             OR {_sqlite_ballot_state("NEW.reporter_id")} = 'closed');
    END""",
    f"""CREATE TRIGGER appraisal_ballot_delete BEFORE DELETE ON meetings_ballot
    WHEN {_SQLITE_OFF} BEGIN
      SELECT RAISE(ABORT, '{PUBLISHED}') WHERE {_sqlite_ballot_state("OLD.reporter_id")}
        = 'published';
      SELECT RAISE(ABORT, '{CLOSED_ONLINE}') WHERE {_sqlite_ballot_state("OLD.reporter_id")}
        = 'closed';
    END""",
] + [
    f"""CREATE TRIGGER appraisal_{table}_{event.lower()} BEFORE {event} ON {table}
    WHEN {_SQLITE_OFF} BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"""
    for table in APPEND_ONLY_TABLES
    for event in ("UPDATE", "DELETE")
]

SQLITE_DROP = (
    [
        "DROP TRIGGER IF EXISTS appraisal_ballot_insert",
        "DROP TRIGGER IF EXISTS appraisal_ballot_update",
        "DROP TRIGGER IF EXISTS appraisal_ballot_delete",
    ]
    + [
        f"DROP TRIGGER IF EXISTS appraisal_{table}_{event}"
        for table in APPEND_ONLY_TABLES
        for event in ("update", "delete")
    ]
    + [f"DROP TABLE IF EXISTS {MAINTENANCE_TABLE}"]
)


# PostgreSQL ----------------------------------------------------------------------------

_PG_OFF = f"coalesce(current_setting('{PG_SETTING}', true), '') <> 'on'"

PG_CREATE = [
    # PL/pgSQL, not SQL: its query's plan is kept for the session instead of being made
    # again for every ballot (a fifth of the ballot INSERT's time in bench/hall.py).
    """CREATE OR REPLACE FUNCTION appraisal_ballot_state(reporter bigint) RETURNS text
    LANGUAGE plpgsql STABLE AS $$
    BEGIN
      RETURN (
        SELECT CASE WHEN m.stage = 'published' THEN 'published'
          WHEN r.rehearsal THEN 'practice' WHEN r.scoring = 'closed' THEN 'closed'
          ELSE 'free' END
        FROM meetings_reporter r JOIN meetings_meeting m ON m.id = r.meeting_id
        WHERE r.id = reporter
      );
    END $$""",
    f"""CREATE OR REPLACE FUNCTION appraisal_ballot_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      states text[];
    BEGIN
      IF NOT ({_PG_OFF}) THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END IF;
      IF TG_OP = 'INSERT' THEN
        states := ARRAY[appraisal_ballot_state(NEW.reporter_id)];
      ELSIF TG_OP = 'UPDATE' THEN
        states := ARRAY[appraisal_ballot_state(OLD.reporter_id),
                        appraisal_ballot_state(NEW.reporter_id)];
      ELSE
        states := ARRAY[appraisal_ballot_state(OLD.reporter_id)];
      END IF;
      IF 'published' = ANY(states) THEN
        RAISE EXCEPTION '{PUBLISHED}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF 'closed' = ANY(states) AND (TG_OP = 'DELETE' OR NOT NEW.paper) THEN
        RAISE EXCEPTION '{CLOSED_ONLINE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$""",
    """CREATE TRIGGER appraisal_ballot_guard BEFORE INSERT OR UPDATE OR DELETE
    ON meetings_ballot FOR EACH ROW EXECUTE FUNCTION appraisal_ballot_guard()""",
    f"""CREATE OR REPLACE FUNCTION appraisal_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF {_PG_OFF} THEN
        RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$""",
] + [
    f"""CREATE TRIGGER appraisal_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION appraisal_append_only()"""
    for table in APPEND_ONLY_TABLES
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS appraisal_ballot_guard ON meetings_ballot",
    *(f"DROP TRIGGER IF EXISTS appraisal_append_only ON {t}" for t in APPEND_ONLY_TABLES),
    "DROP FUNCTION IF EXISTS appraisal_ballot_guard()",
    "DROP FUNCTION IF EXISTS appraisal_ballot_state(bigint)",
    "DROP FUNCTION IF EXISTS appraisal_append_only()",
]


def create_triggers(schema_editor) -> None:
    statements = PG_CREATE if schema_editor.connection.vendor == "postgresql" else SQLITE_CREATE
    for sql in statements:
        schema_editor.execute(sql, params=None)


def drop_triggers(schema_editor) -> None:
    statements = PG_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for sql in statements:
        schema_editor.execute(sql, params=None)


def ensure_triggers(sender=None, *, using: str = "default", **kwargs) -> None:
    """post_migrate: put every guard trigger back, whatever a migration did.

    On SQLite a migration that rebuilds meetings_ballot (most AlterFields do) drops the
    table's triggers with it; recreating them after every migrate keeps the guard. Runs
    with a plain cursor, so it also works inside a transaction."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if not {"meetings_ballot", *APPEND_ONLY_TABLES} <= tables:
        return  # not migrated that far yet
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for sql in (PG_DROP if postgres else SQLITE_DROP) + (
            PG_CREATE if postgres else SQLITE_CREATE
        ):
            cursor.execute(sql)


def installed_triggers(connection) -> set[str]:
    """Names of the guard triggers present in the database (check_meeting verifies them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname || ' ON ' || tgrelid::regclass::text FROM pg_trigger "
                "WHERE tgname LIKE 'appraisal_%' AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'appraisal_%'"
            )
        return {row[0] for row in cursor.fetchall()}


def expected_triggers(connection) -> set[str]:
    if connection.vendor == "postgresql":
        return {"appraisal_ballot_guard ON meetings_ballot"} | {
            f"appraisal_append_only ON {t}" for t in APPEND_ONLY_TABLES
        }
    return {"appraisal_ballot_insert", "appraisal_ballot_update", "appraisal_ballot_delete"} | {
        f"appraisal_{t}_{e}" for t in APPEND_ONLY_TABLES for e in ("update", "delete")
    }
