"""Where ballots enter: every input rule of SCORING.md, checked in one place.

The evaluator's interface is the hot path of the meeting day (300 laptops, 9,000 ballots in
a few minutes; bench/hall.py). A seat's first ballot for a reporter, nearly every ballot, is
one read and one INSERT that re-checks, as it writes, everything the read found. Everything
else takes the careful path: one transaction that reads the reporter under its lock with
this seat's stored ballot, and writes (an insert, or an update conditional on the row it
read, which keeps the replaced ballot's id and receipt).
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import Grade, Indicator, Scheme
from appraisal.writer_queue import single_write
from meetings.models import (
    Ballot,
    BallotReceipt,
    EventAction,
    MeetingEvent,
    Reporter,
    ScoringState,
    Seat,
    new_receipt,
)
from meetings.models.core import random_id
from meetings.tokens import token_hash

OPINION_MAX = 500
GRADES = frozenset(Grade.values)  # the enum builds the list anew on every use
# How often a ballot is tried again when another request changed the seat's stored ballot
# between the read and the write (PostgreSQL only: on SQLite the write lock is taken first).
ATTEMPTS = 3


class BallotRejected(Exception):
    """A ballot that breaks an input rule; `errors` maps each field to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ScoringNotOpen(Exception):
    """A ballot for a reporter whose scoring is not open."""


def parse_score(raw) -> Decimal | None:
    """A score as an exact Decimal with at most two decimals, or None if it is not one."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        return None
    return value


def check_scores(indicators, scores) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Parse and range-check one ballot's indicator scores against the scheme's indicators."""
    if not isinstance(scores, dict):
        return {}, {"scores": _("Scores must be an object of indicator codes and scores.")}
    known = {i.code: i for i in indicators}
    errors = {
        f"scores.{code}": _("Unknown indicator “%(code)s”.") % {"code": code}
        for code in scores
        if code not in known
    }
    parsed = {}
    for code, indicator in known.items():
        if code not in scores:
            errors[f"scores.{code}"] = _("Missing the score for “%(name)s”.") % {
                "name": indicator.name
            }
            continue
        value = parse_score(scores[code])
        if value is None or not 0 <= value <= indicator.max_points:
            errors[f"scores.{code}"] = _(
                "“%(name)s” takes a number from 0 to %(max)s with at most two decimals."
            ) % {"name": indicator.name, "max": indicator.max_points}
        else:
            parsed[code] = value
    return parsed, errors


@functools.lru_cache(maxsize=64)
def _frozen_indicators(scheme_id: int, frozen_at) -> tuple[Indicator, ...]:
    return tuple(Indicator.objects.filter(scheme_id=scheme_id).order_by("order", "id"))


def scheme_indicators(scheme_id: int, frozen_at, scheme: Scheme | None = None):
    """The scheme's indicators. A frozen scheme is read-only (permissions.can_edit_scheme), so
    its indicators are read once per process, keyed by the scheme and the moment it froze
    (`frozen_at` as stored, or as the database driver returns it)."""
    if frozen_at is not None:
        return _frozen_indicators(scheme_id, frozen_at)
    if scheme is not None:
        return list(scheme.indicators.all())  # the bundle import prefetches them
    return list(Indicator.objects.filter(scheme_id=scheme_id).order_by("order", "id"))


@dataclass(frozen=True)
class BallotInput:
    """A ballot as it arrives, from a page, the evaluator interface or a bundle."""

    scores: dict | None = None
    grade: str | None = None
    opinion: str = ""


def input_errors(seat: Seat, meeting_id: int, org_id: int, indicators, data: BallotInput):
    """(parsed scores, errors) for a ballot of `seat` for the reporter of `org_id`."""
    errors: dict[str, str] = {}
    if seat.meeting_id != meeting_id:
        errors["seat"] = _("This seat belongs to another meeting.")
    if seat.organization_id and seat.organization_id == org_id:
        errors["org"] = _("A seat never scores its own organization’s reporter.")
    parsed: dict[str, Decimal] = {}
    if data.scores:
        parsed, score_errors = check_scores(indicators, data.scores)
        errors.update(score_errors)
    if data.grade and data.grade not in GRADES:
        errors["grade"] = _("Unknown grade “%(grade)s”; use 好, 较好, 一般 or 差.") % {
            "grade": data.grade
        }
    if not data.scores and not data.grade:
        errors["ballot"] = _("A ballot needs indicator scores, a grade, or both.")
    if len(data.opinion or "") > OPINION_MAX:
        errors["opinion"] = _("The opinion may have at most %(n)d characters.") % {"n": OPINION_MAX}
    return parsed, errors


def validate_ballot(seat: Seat, reporter: Reporter, data: BallotInput) -> dict[str, Decimal]:
    """Check every input rule; return the parsed scores or raise BallotRejected."""
    scheme = reporter.meeting.scheme
    indicators = scheme_indicators(scheme.pk, scheme.frozen_at, scheme)
    parsed, errors = input_errors(
        seat, reporter.meeting_id, reporter.organization_id, indicators, data
    )
    if errors:
        raise BallotRejected(errors)
    return parsed


def build_ballot(seat: Seat, reporter: Reporter, data: BallotInput, ballot_id=None) -> Ballot:
    """A validated, unsaved ballot (for bulk storage by the bundle import)."""
    parsed = validate_ballot(seat, reporter, data)
    return Ballot(
        seat=seat,
        reporter=reporter,
        ballot_id=ballot_id or uuid.uuid4(),
        scores={code: str(value) for code, value in parsed.items()},
        grade=data.grade or "",
        opinion=(data.opinion or "").strip(),
    )


# Storing a ballot ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """The answer to a ballot sent through the evaluator's interface."""

    ballot_id: str
    receipt: str


class AlreadyReceived(Exception):
    """A ballot id this seat sent before: the answer is the receipt it got then."""

    def __init__(self, received: Received):
        super().__init__(received.receipt)
        self.received = received


class NoSuchReporter(Exception):
    """The ballot names no reporter of the seat's meeting."""


class _SentBefore(Exception):
    """The ballot id belongs to a ballot replaced since: answered from its receipt row."""


class _Changed(Exception):
    """The seat's stored ballot changed between the read and the write: read again."""


@dataclass(frozen=True)
class Target:
    """A reporter as read (under its lock, on the careful path) with the seat's stored ballot
    for it, if any, and whether this ballot id was stored before and replaced since."""

    reporter_id: int
    meeting_id: int
    committee_id: int
    organization_id: int
    org_name: str
    scoring: str
    anonymous: bool
    scheme_id: int
    frozen_at: object  # as the database returns it: only compared, never shown
    stored_pk: int | None
    stored_id: uuid.UUID | None
    stored_receipt: str | None
    stored_content: tuple | None
    stored_paper: bool
    sent_before: bool  # the ballot id has a receipt row: a ballot of it was replaced


# The reporter (by meeting and organization code, or by id) with the meeting's anonymity, the
# scheme's freeze, this seat's stored ballot and whether the ballot id was replaced before:
# one statement, written out because it runs for every ballot and the ORM takes longer to
# build it (≈ 1 ms) than SQLite to run it.
TARGET_COLUMNS = """r.id, r.meeting_id, m.committee_id, r.organization_id, o.name, r.scoring,
       m.anonymous, m.scheme_id, s.frozen_at, b.id, b.ballot_id, b.receipt, b.scores, b.grade,
       b.opinion, b.paper, h.id"""
REPORTER_JOINS = """JOIN appraisal_organization o ON o.id = r.organization_id
JOIN meetings_meeting m ON m.id = r.meeting_id
JOIN appraisal_scheme s ON s.id = m.scheme_id"""
RECEIPT_JOIN = "LEFT JOIN meetings_ballotreceipt h ON h.ballot_id = %s"
TARGET_SQL = f"""SELECT {TARGET_COLUMNS}
FROM meetings_reporter r
{REPORTER_JOINS}
LEFT JOIN meetings_ballot b ON b.reporter_id = r.id AND b.seat_id = %s
{RECEIPT_JOIN}
"""  # noqa: S608 (constants)
BY_CODE = "WHERE r.meeting_id = %s AND o.code = %s"
BY_ID = "WHERE r.id = %s"
# PostgreSQL: closing scoring (an UPDATE of the row) and paper entries (FOR UPDATE) wait for
# this lock, and it for them. SQLite has no row locks: the IMMEDIATE transaction holds the
# database's write lock from its first statement, so nothing changes until it commits.
LOCK_PG = " FOR NO KEY UPDATE OF r"


@functools.cache
def _insert_sql(model) -> tuple[str, tuple]:
    fields = tuple(model._meta.concrete_fields)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})", fields  # noqa: S608 (model metadata)


def row_values(obj) -> list:
    """The values `save()` would INSERT for a new row of a model with a client-side primary
    key, through each field's own conversion (UUIDs, JSON, times on either database)."""
    _sql, fields = _insert_sql(type(obj))
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs a lookup per use
    return [f.get_db_prep_save(f.pre_save(obj, add=True), db) for f in fields]


def insert_row(obj) -> None:
    """INSERT one new row of a model with a client-side primary key, as `save()` would, in a
    quarter of the time (the careful path runs it inside the write lock)."""
    sql, _fields = _insert_sql(type(obj))
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, row_values(obj))


def _db_ballot_id(ballot_id: uuid.UUID):
    return BALLOT_ID.get_db_prep_value(ballot_id, connections[DEFAULT_DB_ALIAS])


BALLOT_ID = Ballot._meta.get_field("ballot_id")


def lock_target(
    seat: Seat, ballot_id: uuid.UUID, *, reporter_id=None, meeting_id=None, org_code=None
) -> Target | None:
    """Read the reporter under its lock, inside the transaction that stores the ballot."""
    by_code = reporter_id is None
    params = [
        seat.pk,
        _db_ballot_id(ballot_id),
        *((meeting_id, org_code) if by_code else (reporter_id,)),
    ]
    sql = TARGET_SQL + (BY_CODE if by_code else BY_ID)
    if connection.vendor == "postgresql":
        sql += LOCK_PG
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else _target(row)


def _target(row) -> Target:
    *head, anonymous, scheme_id, frozen_at = row[:9]
    stored_pk, stored_id, receipt, scores, grade, opinion, paper, sent_before = row[9:]
    if stored_pk is None:
        content = None
    else:
        stored_id = uuid.UUID(str(stored_id))
        content = (json.loads(scores) if isinstance(scores, str) else scores, grade, opinion)
    return Target(
        *head,
        bool(anonymous),
        scheme_id,
        frozen_at,
        stored_pk,
        stored_id,
        receipt,
        content,
        bool(paper),
        sent_before is not None,
    )


def not_open_message(target: Target) -> str:
    """Why a ballot for the reporter is refused, in words the evaluator understands."""
    if target.scoring == ScoringState.CLOSED:
        return _("Scoring for %(org)s has closed: this ballot was not counted.") % {
            "org": target.org_name
        }
    return _("Scoring for %(org)s has not opened yet: this ballot was not counted.") % {
        "org": target.org_name
    }


def _checked(seat: Seat, target: Target, data) -> tuple[BallotInput, dict[str, Decimal]]:
    """The ballot's input and parsed scores, checked against the reporter `target` read."""
    if not isinstance(data, BallotInput):
        data = ballot_input(data)
    indicators = scheme_indicators(target.scheme_id, target.frozen_at)
    parsed, errors = input_errors(seat, target.meeting_id, target.organization_id, indicators, data)
    if errors:
        raise BallotRejected(errors)
    return data, parsed


def _new_ballot(seat: Seat, target: Target, data: BallotInput, parsed, ballot_id) -> Ballot:
    return Ballot(
        seat=seat,
        reporter_id=target.reporter_id,
        ballot_id=ballot_id,
        receipt=new_receipt(),
        scores={code: str(value) for code, value in parsed.items()},
        grade=data.grade or "",
        opinion=(data.opinion or "").strip(),
        paper=False,
        # An anonymous meeting's ballots carry no time (issue 6, point 4).
        submitted_at=None if target.anonymous else timezone.now(),
    )


def keep_receipt(seat_id: int, reporter_id: int, ballot_id, receipt: str) -> None:
    """Remember a ballot id whose ballot no longer counts (replaced by a newer ballot of the
    seat, or by staff's paper decision) with its receipt: a late retry of it gets the same
    answer and changes nothing. (Ignored if remembered already.)"""
    BallotReceipt.objects.bulk_create(
        [
            BallotReceipt(
                ballot_id=ballot_id, seat_id=seat_id, reporter_id=reporter_id, receipt=receipt
            )
        ],
        ignore_conflicts=True,
    )


def _store(seat: Seat, where: dict, data, ballot_id: uuid.UUID) -> Ballot:
    """The careful path, in one transaction: read under the lock, check, write the ballot.

    `data` is a BallotInput, or the interface's JSON object (checked only once the reporter
    is known and open: the contract's order)."""
    with transaction.atomic():
        target = lock_target(seat, ballot_id, **where)
        if target is None:
            raise NoSuchReporter
        # The open check happens under the reporter's lock, in the transaction that stores:
        # closing scoring and a late ballot never pass each other.
        if target.scoring != ScoringState.OPEN:
            raise ScoringNotOpen(not_open_message(target))
        # A paper ballot staff typed in is replaced only by their decision, never silently.
        if target.stored_paper:
            raise ScoringNotOpen(
                _("A paper ballot of this seat for %(org)s counts already; ask the staff.")
                % {"org": target.org_name}
            )
        # A retry: of the stored ballot (also of one imported without a receipt), or of a
        # ballot replaced since (answered from its receipt row, by the caller).
        if target.stored_id == ballot_id:
            raise AlreadyReceived(Received(str(ballot_id), target.stored_receipt))
        if target.sent_before:
            raise _SentBefore
        ballot = _new_ballot(seat, target, *_checked(seat, target, data), ballot_id)
        if target.stored_pk is None:
            insert_row(ballot)
        else:
            # Conditional on the row as read: if another request replaced it (or staff
            # decided for a paper ballot) meanwhile, nothing is written and we read again.
            written = Ballot.objects.filter(
                pk=target.stored_pk, ballot_id=target.stored_id, paper=False
            ).update(
                **{
                    f: getattr(ballot, f)
                    for f in ("ballot_id", "receipt", "scores", "grade", "opinion", "submitted_at")
                }
            )
            if written != 1:
                raise _Changed
            ballot.pk = target.stored_pk
            keep_receipt(seat.pk, target.reporter_id, target.stored_id, target.stored_receipt)
        ballot._state.adding = False
        if target.frozen_at is None:  # the scheme's first ballot: from now on it is read-only
            Scheme.objects.filter(pk=target.scheme_id, frozen_at__isnull=True).update(
                frozen_at=timezone.now()
            )
        # The audit trail notes a ballot replaced with other content, never what it holds;
        # an anonymous meeting's row does not even say which seat.
        ballot.replaced = target.stored_content not in (
            None,
            (ballot.scores, ballot.grade, ballot.opinion),
        )
        if ballot.replaced:
            MeetingEvent.objects.create(
                committee_id=target.committee_id,
                meeting_id=target.meeting_id,
                action=EventAction.BALLOT_REPLACED,
                note=target.org_name if target.anonymous else f"{seat.code} → {target.org_name}",
            )
    return ballot


def _cast(seat: Seat, where: dict, data, ballot_id: uuid.UUID) -> Ballot:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _store(seat, where, data, ballot_id)
        except _Changed:
            if attempt == ATTEMPTS:
                raise
        except (IntegrityError, _SentBefore):
            # The same id arrived meanwhile, or it belongs to another seat's ballot, or (rare)
            # another request stored this seat's ballot between our read and our insert.
            earlier = earlier_receipt(seat, ballot_id)
            if earlier is not None:
                raise AlreadyReceived(earlier) from None
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


# A seat's first ballot for a reporter, the common case: one read, then one INSERT that
# stores the row only if, as it runs, the reporter's scoring is open, the meeting still uses
# the frozen scheme the ballot was checked against with the same anonymity, and the ballot id
# was never replaced; the unique constraints refuse a second ballot of the seat and a ballot
# id in use. Outside a transaction the INSERT is one: SQLite holds its write lock only while
# the statement runs in C (that lock is the hall's bottleneck), PostgreSQL shares the
# reporter's row lock with other ballots and waits for a close in progress. Anything else (a
# replacement, a retry, a refusal, an unknown link) takes the careful path.
FIRST_READ_SQL = f"""SELECT st.id, st.meeting_id, st.organization_id, {TARGET_COLUMNS}
FROM meetings_seat st
JOIN meetings_reporter r ON r.meeting_id = st.meeting_id
{REPORTER_JOINS}
LEFT JOIN meetings_ballot b ON b.reporter_id = r.id AND b.seat_id = st.id
{RECEIPT_JOIN}
WHERE st.token_hash = %s AND o.code = %s"""  # noqa: S608 (constants)
FIRST_INSERT_SQL = """
INSERT INTO meetings_ballot ({columns}) SELECT {marks}
FROM meetings_reporter r
JOIN meetings_meeting m ON m.id = r.meeting_id
JOIN appraisal_scheme s ON s.id = m.scheme_id
WHERE r.id = %s AND r.scoring = %s AND m.scheme_id = %s AND m.anonymous = %s
  AND s.frozen_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM meetings_ballotreceipt h WHERE h.ballot_id = %s)
"""
SHARE_PG = " FOR SHARE OF r"
# What storing a ballot needs of its seat (the other fields deferred).
SEAT_TO_VOTE = ("id", "meeting_id", "organization_id")


@functools.cache
def _first_insert_sql(vendor: str) -> tuple[str, tuple]:
    insert, fields = _insert_sql(Ballot)
    columns = insert[insert.index("(") + 1 : insert.index(")")]
    if vendor == "postgresql":
        # Bound on the server, a value in a SELECT list needs its column's type.
        marks = ", ".join(f"%s::{f.db_type(connection)}" for f in fields)
        return FIRST_INSERT_SQL.format(columns=columns, marks=marks) + SHARE_PG, fields
    marks = insert[insert.rindex("(") + 1 : -1]
    return FIRST_INSERT_SQL.format(columns=columns, marks=marks), fields


class _PreparedCursor:
    """PostgreSQL: a cursor binding values on the server, whose statements psycopg prepares
    once per connection (settings: `prepare_threshold`). Parsing and planning the hot path's
    two statements cost the backend more than running them. (Django binds on the client and
    prepares nothing, which keeps connection poolers working; only these two are prepared.)"""

    def __init__(self, db):
        import psycopg  # PostgreSQL deployments only

        db.ensure_connection()
        self.db, self.cursor = db, psycopg.Cursor(db.connection)

    def execute(self, sql, params):
        start = time.monotonic()
        with self.db.wrap_database_errors:
            self.cursor.execute(sql, params, prepare=True)
        if self.db.queries_logged:  # as Django's own cursors do (DEBUG, tests)
            self.db.queries_log.append(
                {"sql": sql, "time": f"{time.monotonic() - start:.3f}", "params": params}
            )

    def fetchone(self):
        return self.cursor.fetchone()

    @property
    def rowcount(self):
        return self.cursor.rowcount

    def close(self):
        self.cursor.close()


def store_first_ballot(token: str, payload: dict) -> Received | None:
    """A seat's first ballot for a reporter, sent through the seat link `token`, in one read
    and one write; None when the careful path must decide (anything but a valid first ballot
    for an open reporter of a frozen scheme, through a valid link)."""
    org = payload.get("org")
    try:
        ballot_id = parse_ballot_id(payload.get("ballot_id"))
    except BallotRejected:
        return None
    if not isinstance(org, str):
        return None
    db = connections[DEFAULT_DB_ALIAS]
    cursor = _PreparedCursor(db) if db.vendor == "postgresql" else db.cursor()
    try:
        return _store_first(db, cursor, token, org, ballot_id, payload)
    finally:
        cursor.close()


def _store_first(db, cursor, token, org, ballot_id, payload) -> Received | None:
    cursor.execute(FIRST_READ_SQL, [_db_ballot_id(ballot_id), token_hash(token), org])
    row = cursor.fetchone()
    if row is None:
        return None
    seat, target = Seat.from_db(db.alias, SEAT_TO_VOTE, row[:3]), _target(row[3:])
    if (
        target.scoring != ScoringState.OPEN
        or target.stored_pk is not None
        or target.sent_before
        or target.frozen_at is None
    ):
        return None
    try:
        data, parsed = _checked(seat, target, payload)
    except BallotRejected:
        return None
    receipt = new_receipt()
    values = {
        "id": random_id(),
        "seat_id": seat.pk,
        "reporter_id": target.reporter_id,
        "ballot_id": ballot_id,
        "receipt": receipt,
        "scores": {code: str(value) for code, value in parsed.items()},
        "grade": data.grade or "",
        "opinion": (data.opinion or "").strip(),
        "paper": False,
        # An anonymous meeting's ballots carry no time (issue 6, point 4).
        "submitted_at": None if target.anonymous else timezone.now(),
    }
    sql, fields = _first_insert_sql(db.vendor)
    params = [f.get_db_prep_save(values[f.attname], db) for f in fields]
    params += [target.reporter_id, ScoringState.OPEN, target.scheme_id, target.anonymous]
    params.append(_db_ballot_id(ballot_id))
    try:
        # Inside a caller's transaction (a script, a test) the statement gets a savepoint;
        # outside, it is its own transaction, queued behind other SQLite writers.
        with transaction.atomic() if db.in_atomic_block else single_write(db):
            cursor.execute(sql, params)
            stored = cursor.rowcount == 1
    except IntegrityError:
        return None
    return Received(str(ballot_id), receipt) if stored else None


def cast_ballot(seat: Seat, reporter: Reporter, data: BallotInput, ballot_id=None) -> Ballot:
    """Store a seat's ballot for a reporter whose scoring is open, replacing its earlier one.

    Raises ScoringNotOpen, BallotRejected, or AlreadyReceived for a ballot id stored before.
    The ballot returned has `replaced`: True when it replaced a stored ballot of this seat
    with other scores, grade or opinion (known without another query).
    """
    try:
        return _cast(seat, {"reporter_id": reporter.pk}, data, ballot_id or uuid.uuid4())
    except NoSuchReporter:
        raise BallotRejected({"org": _("This reporter is not on this meeting’s agenda.")}) from None


# The evaluator's interface (SCORING.md): one JSON ballot from a seat link -----------------


def parse_ballot_id(raw) -> uuid.UUID:
    """The client's ballot id as a UUID, or BallotRejected."""
    try:
        if not isinstance(raw, str):
            raise ValueError
        return uuid.UUID(raw.strip())
    except ValueError:
        raise BallotRejected(
            {
                "ballot_id": _("Send a ballot id made by the client, a UUID such as %(example)s.")
                % {"example": "0b8e6a7e-2f4b-4c1e-9a55-3f2d6a1c9e20"}
            }
        ) from None


def earlier_receipt(seat: Seat, ballot_id: uuid.UUID) -> Received | None:
    """The receipt this seat got for `ballot_id` before; BallotRejected if another seat used it."""
    known = BallotReceipt.objects.filter(ballot_id=ballot_id).only("seat_id", "receipt").first()
    if known is None:
        # The ballot that counts carries its own id and receipt.
        stored = (
            Ballot.objects.filter(ballot_id=ballot_id)
            .order_by()  # not Meta.ordering: that joins seat and reporter
            .only("seat_id", "receipt")
            .first()
        )
        if stored is None:
            return None
        known = stored
    if known.seat_id != seat.pk:
        raise BallotRejected({"ballot_id": _("This ballot id is already used.")})
    return Received(str(ballot_id), known.receipt)


def ballot_input(payload: dict) -> BallotInput:
    """The ballot's fields as BallotInput; BallotRejected for fields of the wrong type."""
    scores, grade, opinion = payload.get("scores"), payload.get("grade"), payload.get("opinion")
    errors = {}
    if scores is not None and not isinstance(scores, dict):
        errors["scores"] = _("Scores must be an object of indicator codes and scores.")
    if grade is not None and not isinstance(grade, str):
        errors["grade"] = _("Unknown grade “%(grade)s”; use 好, 较好, 一般 or 差.") % {
            "grade": grade
        }
    if opinion is not None and not isinstance(opinion, str):
        errors["opinion"] = _("The opinion must be text.")
    if errors:
        raise BallotRejected(errors)
    return BallotInput(scores=scores or None, grade=grade or None, opinion=opinion or "")


def receive_ballot(seat: Seat, payload) -> Received:
    """One ballot of the evaluator's interface, checked in the contract's order.

    The id first (a retry gets its first answer, whatever changed since), then the reporter,
    then whether scoring is open (ScoringNotOpen), then every input rule (BallotRejected).
    A new id goes straight to the store (the view tried `store_first_ballot` before); the id
    is looked up only when the store fails or refuses, which gives the same answers in the
    contract's order.
    """
    if not isinstance(payload, dict):
        raise BallotRejected({"json": _("Send the ballot as one JSON object.")})
    ballot_id = parse_ballot_id(payload.get("ballot_id"))
    org = payload.get("org")
    where = {"meeting_id": seat.meeting_id, "org_code": org if isinstance(org, str) else None}
    try:
        ballot = _cast(seat, where, payload, ballot_id)
    except AlreadyReceived as replay:
        return replay.received
    except (NoSuchReporter, BallotRejected, ScoringNotOpen) as refused:
        earlier = earlier_receipt(seat, ballot_id)
        if earlier is not None:
            return earlier
        if isinstance(refused, NoSuchReporter):
            raise BallotRejected(
                {"org": _("“%(org)s” is not a reporter of this meeting.") % {"org": org}}
            ) from None
        raise
    return Received(str(ballot.ballot_id), ballot.receipt)
