"""The live hall: what the control desk does, and what the desk and the projector read.

Every action is one transaction on the locked meeting row, takes the acting user and writes
one history row. The live state lives in the database, so every server process sees it; the
read helpers cache their few GROUP BY queries for a second per meeting.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import (
    Ballot,
    EventAction,
    Meeting,
    MeetingEvent,
    Reporter,
    ScoringState,
    Stage,
)

CACHE_SECONDS = 1
# Results reach anyone but staff only once published (the projector too).
RESULT_STAGES = (Stage.PUBLISHED,)


class LiveError(Exception):
    """A desk action that is not possible now; the message says why, for the user."""


def clock(seconds: int) -> str:
    """Seconds as mm:ss, with a minus sign once a report runs over (e.g. -00:42)."""
    sign = "-" if seconds < 0 else ""
    minutes, secs = divmod(abs(seconds), 60)
    return f"{sign}{minutes:02d}:{secs:02d}"


def forget(meeting: Meeting) -> None:
    """Drop this process's cached reads of the meeting after a change made here."""
    cache.delete_many(
        [f"live:desk:{meeting.pk}", f"live:projector:{meeting.pk}", f"evaluator:{meeting.pk}"]
    )


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def _save(meeting: Meeting, locked: Meeting, fields: list[str]) -> None:
    """Save the locked copy and bring the caller's object up to date."""
    locked.save(update_fields=[*fields, "updated_at"])
    for field in (*fields, "updated_at"):
        setattr(meeting, field, getattr(locked, field))


def call_reporter(meeting: Meeting, reporter: Reporter, by) -> Reporter:
    """Make `reporter` the current one and set the countdown back to the full time limit."""
    if reporter.meeting_id != meeting.pk:
        raise LiveError(_("This reporter is not on this meeting’s agenda."))
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.stage != Stage.LIVE:
            raise LiveError(_("Move the meeting to “In session” before calling a reporter."))
        locked.current_reporter = reporter
        locked.countdown_started_at, locked.countdown_elapsed = None, 0
        _save(meeting, locked, ["current_reporter", "countdown_started_at", "countdown_elapsed"])
        MeetingEvent.record(
            meeting, EventAction.REPORTER_STARTED, by=by, note=reporter.organization.code
        )
    forget(meeting)
    return reporter


def call_next(meeting: Meeting, by) -> Reporter:
    """Call the reporter after the current one on the agenda (the first if none is current)."""
    reporters = meeting.reporters.select_related("organization").order_by("order", "id")
    current = meeting.current_reporter
    if current is not None:
        reporters = reporters.filter(order__gt=current.order)
    following = reporters.first()
    if following is None:
        raise LiveError(_("The last reporter on the agenda has been called already."))
    return call_reporter(meeting, following, by)


def _countdown(meeting: Meeting, by, note: str, change) -> None:
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.current_reporter_id is None:
            raise LiveError(_("Call a reporter first: the countdown belongs to a report."))
        change(locked, timezone.now())
        _save(meeting, locked, ["countdown_started_at", "countdown_elapsed"])
        MeetingEvent.record(meeting, EventAction.COUNTDOWN, by=by, note=note)
    forget(meeting)


def countdown_start(meeting: Meeting, by) -> None:
    """Run the countdown from where it stands (no change if it runs already)."""

    def start(locked, now):
        if locked.countdown_started_at is None:
            locked.countdown_started_at = now

    _countdown(meeting, by, "start", start)


def countdown_pause(meeting: Meeting, by) -> None:
    """Stop the countdown and keep the time used so far."""

    def pause(locked, now):
        if locked.countdown_started_at is not None:
            used = int((now - locked.countdown_started_at).total_seconds())
            locked.countdown_elapsed += max(used, 0)
            locked.countdown_started_at = None

    _countdown(meeting, by, "pause", pause)


def countdown_reset(meeting: Meeting, by) -> None:
    """Stop the countdown and give the current report its full time again."""

    def reset(locked, now):
        locked.countdown_started_at, locked.countdown_elapsed = None, 0

    _countdown(meeting, by, "reset", reset)


def set_time_limit(meeting: Meeting, seconds: int, by) -> None:
    """Change the time limit of each report (30 s to 60 min)."""
    if not 30 <= seconds <= 3600:
        raise LiveError(_("The time limit must be between 00:30 and 60:00."))
    with transaction.atomic():
        locked = _locked(meeting)
        locked.report_seconds = seconds
        _save(meeting, locked, ["report_seconds"])
        MeetingEvent.record(meeting, EventAction.TIME_LIMIT, by=by, note=clock(seconds))
    forget(meeting)


def open_scoring(meeting: Meeting, reporter: Reporter | None, by) -> int:
    """Open scoring for one reporter, or for every reporter at once (民主测评 style)."""
    if meeting.stage != Stage.LIVE:
        raise LiveError(_("Scoring opens only while the meeting is “In session”."))
    changed = meeting.set_scoring(ScoringState.OPEN, reporter=reporter, by=by)
    forget(meeting)
    return changed


def close_scoring(meeting: Meeting, reporter: Reporter | None, by) -> int:
    """Close scoring for one reporter or for all; ballots arriving later are refused."""
    changed = meeting.set_scoring(ScoringState.CLOSED, reporter=reporter, by=by)
    forget(meeting)
    return changed


def show_results(meeting: Meeting, shown: bool, by) -> bool:
    """Show or hide the results on the projector; shown only once they are published."""
    with transaction.atomic():
        locked = _locked(meeting)
        if shown and locked.stage not in RESULT_STAGES:
            raise LiveError(
                _(
                    "Results reach the hall only once they are published: move the meeting "
                    "to “Results published” first, then show them."
                )
            )
        if locked.results_shown == shown:
            return False
        locked.results_shown = shown
        _save(meeting, locked, ["results_shown"])
        action = EventAction.RESULTS_SHOWN if shown else EventAction.RESULTS_HIDDEN
        MeetingEvent.record(meeting, action, by=by)
    forget(meeting)
    return True


def issue_projector_link(meeting: Meeting, by) -> str:
    """A new projector token (shown once); the earlier projector link stops working."""
    with transaction.atomic():
        token = _locked(meeting).issue_projector_link()
        MeetingEvent.record(meeting, EventAction.PROJECTOR_LINK, by=by)
    meeting.refresh_from_db(fields=["projector_token_hash", "updated_at"])
    return token


# Reading the hall -------------------------------------------------------------------------


def countdown_state(meeting: Meeting) -> dict:
    """The countdown as the pages need it: limit, seconds left (negative when over), running."""
    return {
        "limit": meeting.report_seconds,
        "remaining": meeting.countdown_remaining(),
        "running": meeting.countdown_running,
    }


def ballot_counts(meeting: Meeting) -> dict[int, tuple[int, int]]:
    """Per reporter id: (ballots in, seats eligible); a seat never scores its own organization."""
    seats = meeting.seats.count()
    own = dict(
        meeting.seats.exclude(organization=None)
        .values_list("organization_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    received = Ballot.objects.for_meeting(meeting).order_by().counts_by_reporter()
    return {
        r_id: (received.get(r_id, 0), seats - own.get(org_id, 0))
        for r_id, org_id in meeting.reporters.values_list("id", "organization_id")
    }


def group_counts(meeting: Meeting, reporter: Reporter) -> list[dict]:
    """For one reporter, per evaluator group: name, ballots in, seats eligible."""
    seats = dict(
        meeting.seats.exclude(organization_id=reporter.organization_id)
        .values_list("group_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    received = dict(
        Ballot.objects.filter(reporter=reporter)
        .values_list("seat__group_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        {"name": g.name, "in": received.get(g.pk, 0), "eligible": seats[g.pk]}
        for g in meeting.scheme.groups.all()
        if g.pk in seats
    ]


def missing_seats(meeting: Meeting, reporter: Reporter) -> list[dict]:
    """Named meetings only: the eligible seats with no ballot yet for `reporter`."""
    if meeting.anonymous:
        return []
    rows = (
        meeting.seats.exclude(organization_id=reporter.organization_id)
        .exclude(ballots__reporter=reporter)
        .order_by("code")
        .values_list("code", "holder")
    )
    return [{"code": code, "holder": holder} for code, holder in rows]


def _reporter_row(reporter: Reporter, counts: dict) -> dict:
    received, eligible = counts.get(reporter.pk, (0, 0))
    return {
        "pk": reporter.pk,
        "order": reporter.order,
        "org": reporter.organization.code,
        "organization": reporter.organization.name,
        "secretary": reporter.secretary_name,
        "rehearsal": reporter.rehearsal,
        "scoring": reporter.scoring,
        "in": received,
        "eligible": eligible,
    }


def _cached(key: str, fingerprint: tuple, compute):
    """A value cached for a second, recomputed at once when `fingerprint` changed."""
    hit = cache.get(key)
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    value = compute()
    cache.set(key, (fingerprint, value), CACHE_SECONDS)
    return value


def desk_counts(meeting: Meeting) -> dict:
    """The agenda with live counts, and the current reporter's groups and missing seats."""
    return _cached(
        f"live:desk:{meeting.pk}",
        (meeting.current_reporter_id, meeting.anonymous, meeting.updated_at),
        lambda: _desk_counts(meeting),
    )


def _desk_counts(meeting: Meeting) -> dict:
    counts = ballot_counts(meeting)
    reporters = list(meeting.reporters.select_related("organization").order_by("order", "id"))
    current = next((r for r in reporters if r.pk == meeting.current_reporter_id), None)
    return {
        "reporters": [_reporter_row(r, counts) for r in reporters],
        "current": _reporter_row(current, counts) if current else None,
        "groups": group_counts(meeting, current) if current else [],
        "missing": missing_seats(meeting, current) if current else [],
    }


def results_visible(meeting: Meeting) -> bool:
    """Results reach the projector only when staff show them and they are published."""
    return meeting.results_shown and meeting.stage in RESULT_STAGES


def projector_state(meeting: Meeting) -> dict:
    """What the hall screen shows; scores only once results are visible. No cache of time."""
    state = _cached(
        f"live:projector:{meeting.pk}",
        (meeting.current_reporter_id, meeting.stage, meeting.results_shown, meeting.updated_at),
        lambda: _projector_state(meeting),
    )
    return {**state, "countdown": countdown_state(meeting), "now": int(timezone.now().timestamp())}


def _projector_state(meeting: Meeting) -> dict:
    current = None
    if meeting.current_reporter_id:
        reporter = meeting.reporters.select_related("organization").get(
            pk=meeting.current_reporter_id
        )
        received, eligible = ballot_counts(meeting).get(reporter.pk, (0, 0))
        current = {
            "org": reporter.organization.code,
            "organization": reporter.organization.name,
            "secretary": reporter.secretary_name,
            "rehearsal": reporter.rehearsal,
            "scoring": reporter.scoring,
            "in": received,
            "eligible": eligible,
        }
    state = {
        "meeting": {"title": meeting.title, "stage": meeting.stage},
        "current": current,
        "results": None,
    }
    if results_visible(meeting):
        state["results"] = projector_results(meeting)
    return state


def projector_results(meeting: Meeting) -> list[dict]:
    """The ranking for the hall: rank, organization, secretary, composite and grade."""
    from meetings.results import meeting_results  # the scoring rules load only when needed

    return [
        {
            "rank": row.result.rank,
            "organization": row.reporter.organization.name,
            "secretary": row.reporter.secretary_name,
            "composite": None if row.result.composite is None else f"{row.result.composite:.2f}",
            "grade": row.result.grade,
        }
        for row in meeting_results(meeting)
    ]
