"""What must always hold for a meeting's stored record, checked from the database itself.

Each check returns the problems it finds, one sentence each; an empty list means it holds.
`manage.py check_meeting ID` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from appraisal import dbguard, scoring
from meetings.ballots import BallotInput, BallotRejected, validate_ballot
from meetings.bundle.write import as_text, export_bundle, export_results
from meetings.models import (
    Ballot,
    BallotReceipt,
    EventAction,
    Meeting,
    MeetingEvent,
    ScoringState,
    Stage,
)

FINISHED = (Stage.CLOSED, Stage.PUBLISHED)


def results_problems(meeting: Meeting, shown: list[dict] | None = None) -> list[str]:
    """The results shown (the bundle's) equal results recomputed from the bundle's own ballots.

    The recomputation takes reporters, seats and ballots as the bundle writes them, so a result
    that the stored ballots do not support is found even though both use the same rules."""
    try:
        bundle = export_bundle(meeting)
        again = export_results(meeting)
        recomputed, unplaced = recompute_from_bundle(meeting, bundle)
    except ValueError as error:  # the scoring rules refuse a ballot no input rule let through
        return [
            _("The results cannot be computed from the stored ballots: %(reason)s")
            % {"reason": error}
        ]
    problems = []
    if again != bundle["results"]:
        problems.append(_("Computing the results twice gave two different answers."))
    shown = bundle["results"] if shown is None else shown
    problems += [
        _("Ballot of seat %(seat)s for %(org)s: the seat is not one of this meeting’s seats.")
        % {"seat": seat, "org": org}
        for seat, org in unplaced
    ]
    shown_by_org = {row["org"]: row for row in shown}
    for org in sorted(set(shown_by_org) | set(recomputed)):
        mine, theirs = recomputed.get(org), shown_by_org.get(org)
        if mine == theirs:
            continue
        mine, theirs = mine or {}, theirs or {}
        fields = sorted(k for k in {**mine, **theirs} if mine.get(k) != theirs.get(k))
        problems.append(
            _(
                "Results of %(org)s: the stored ballots give other values than the results "
                "shown (%(fields)s)."
            )
            % {"org": org, "fields": ", ".join(fields)}
        )
    return problems


def recompute_from_bundle(meeting: Meeting, bundle: dict) -> tuple[dict[str, dict], list]:
    """Results by organization code from the bundle's reporters and ballots; ballots whose seat
    the bundle does not list come back apart, as (seat, org)."""
    reporters = [
        scoring.ReporterIn(
            key=r["org"],
            daily=None if r["daily"] is None else Decimal(r["daily"]),
            vetoed=r["vetoed"],
        )
        for r in bundle["reporters"]
    ]
    groups = {s["code"]: s["group"] for s in bundle["seats"]}
    ballots, unplaced = [], []
    for b in bundle["ballots"]:
        if b["seat"] not in groups:
            unplaced.append((b["seat"], b["org"]))
            continue
        ballots.append(
            scoring.BallotIn(
                reporter=b["org"],
                group=groups[b["seat"]],
                seat=b["seat"],
                scores={c: Decimal(v) for c, v in (b["scores"] or {}).items()} or None,
                grade=b["grade"],
            )
        )
    results = scoring.compute_results(meeting.scheme.to_def(), reporters, ballots)
    return {r.key: result_entry(r) for r in results}, unplaced


def result_entry(r: scoring.Result) -> dict:
    """One result in the shape of the bundle's results."""
    return {
        "org": r.key,
        "indicators": as_text(r.indicators),
        "grades": as_text(r.grades),
        "daily": as_text(r.daily),
        "composite": as_text(r.composite),
        "good_rate": as_text(r.good_rate),
        "bad_share": as_text(r.bad_share),
        "grade": r.grade,
        "rank": r.rank,
        "flags": list(r.flags),
    }


def ballots_touching(meeting: Meeting):
    """Every ballot whose seat or reporter belongs to the meeting."""
    return Ballot.objects.filter(Q(reporter__meeting=meeting) | Q(seat__meeting=meeting))


def ballot_rule_problems(meeting: Meeting) -> list[str]:
    """Every stored ballot passes the input rules a new ballot must pass."""
    ballots = (
        ballots_touching(meeting)
        .select_related("seat", "reporter__organization", "reporter__meeting__scheme")
        .prefetch_related("reporter__meeting__scheme__indicators")
        .order_by("reporter__order", "seat__code", "id")
    )
    problems = []
    for ballot in ballots.iterator(chunk_size=2000):
        data = BallotInput(
            scores=ballot.scores or None, grade=ballot.grade or None, opinion=ballot.opinion
        )
        try:
            validate_ballot(ballot.seat, ballot.reporter, data)
        except BallotRejected as rejected:
            problems.append(
                _("Ballot of seat %(seat)s for %(org)s breaks the rules: %(reasons)s")
                % {
                    "seat": ballot.seat.code,
                    "org": ballot.reporter.organization.code,
                    "reasons": " ".join(rejected.errors.values()),
                }
            )
    return problems


def duplicate_problems(meeting: Meeting) -> list[str]:
    """One ballot per seat and reporter (the database's unique constraint, checked again)."""
    twice = (
        ballots_touching(meeting)
        .values("seat__code", "reporter__organization__code")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("reporter__organization__code", "seat__code")
    )
    return [
        _("Seat %(seat)s has %(n)d ballots for %(org)s; only one may count.")
        % {"seat": row["seat__code"], "org": row["reporter__organization__code"], "n": row["n"]}
        for row in twice
    ]


def receipt_problems(meeting: Meeting) -> list[str]:
    """Every receipt ties a seat and a reporter of the same meeting."""
    receipts = (
        BallotReceipt.objects.filter(Q(reporter__meeting=meeting) | Q(seat__meeting=meeting))
        .exclude(seat__meeting_id=meeting.pk, reporter__meeting_id=meeting.pk)
        .select_related("seat", "reporter__organization")
        .order_by("receipt")
    )
    return [
        _("Receipt %(receipt)s ties seat %(seat)s and %(org)s of two different meetings.")
        % {"receipt": r.receipt, "seat": r.seat.code, "org": r.reporter.organization.code}
        for r in receipts
    ]


def open_scoring_problems(meeting: Meeting) -> list[str]:
    """Once scoring is closed for the meeting, no reporter's scoring is open or pending."""
    if meeting.stage not in FINISHED:
        return []
    still = meeting.reporters.exclude(scoring=ScoringState.CLOSED).select_related("organization")
    return [
        _("The meeting is at “%(stage)s” but scoring for %(org)s is “%(state)s”.")
        % {
            "stage": Stage(meeting.stage).label,
            "org": r.organization.code,
            "state": ScoringState(r.scoring).label,
        }
        for r in still
    ]


def late_ballot_problems(meeting: Meeting) -> list[str]:
    """No ballot from a seat changed after scoring for its reporter last closed.

    Close times are not stored per reporter, so the bound is the last event that may have
    closed it: a close for its organization, a close for all, or the move to "Scoring closed".
    Paper ballots are typed in by staff after the session until publication: not checked."""
    if meeting.stage not in FINISHED:
        return []
    codes = set(meeting.reporters.values_list("organization__code", flat=True))
    events = MeetingEvent.objects.filter(meeting=meeting).filter(
        Q(action=EventAction.SCORING_CLOSED) | Q(action=EventAction.STAGE, to_stage=Stage.CLOSED)
    )
    closed_all, closed_org = None, {}
    for event in events.order_by("at", "id"):
        if event.action == EventAction.SCORING_CLOSED and event.note in codes:
            closed_org[event.note] = event.at
        else:
            closed_all = event.at
    ballots = (
        ballots_touching(meeting)
        .filter(paper=False)
        .select_related("seat", "reporter__organization")
        .order_by("reporter__order", "seat__code")
    )
    if closed_all is None and not closed_org:
        if not ballots.exists():
            return []
        return [_("No event records when scoring closed: the ballots’ times cannot be checked.")]
    problems = []
    for ballot in ballots.iterator(chunk_size=2000):
        code = ballot.reporter.organization.code
        bound = max((t for t in (closed_all, closed_org.get(code)) if t), default=None)
        if ballot.submitted_at is None:  # anonymous or imported: the triggers vouch for it
            continue
        if bound is None or ballot.submitted_at > bound:
            problems.append(
                _("Ballot of seat %(seat)s for %(org)s was stored after scoring closed.")
                % {"seat": ballot.seat.code, "org": code}
            )
    return problems


def guard_problems(meeting: Meeting) -> list[str]:
    """The database triggers that refuse late ballots and keep the history append-only exist:
    they vouch for the ballots whose rows carry no time (anonymous meetings, imports)."""
    missing = dbguard.expected_triggers(connection) - dbguard.installed_triggers(connection)
    return [
        _("The database trigger %(name)s is missing: run “manage.py migrate”.") % {"name": name}
        for name in sorted(missing)
    ]


CHECKS: tuple[Callable[[Meeting], list[str]], ...] = (
    guard_problems,
    ballot_rule_problems,
    duplicate_problems,
    receipt_problems,
    open_scoring_problems,
    late_ballot_problems,
    results_problems,
)


def meeting_problems(meeting: Meeting) -> list[str]:
    """Every problem of every check, in the order of CHECKS."""
    return [problem for check in CHECKS for problem in check(meeting)]
