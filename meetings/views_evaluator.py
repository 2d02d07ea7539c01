"""The evaluator page (测评页) and its JSON interface (SCORING.md), opened by a seat link.

A seat link is the evaluator's only credential: no account, no password, no session and no
cookie. Up to 300 laptops poll the state every 2–3 s, so the part every seat of a meeting
shares is cached for a second per meeting; only the seat's own ballots are read per request
(one indexed query), after one lookup of the seat by the hash of its token.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from appraisal.models import Grade
from meetings.ballots import (
    OPINION_MAX,
    SEAT_TO_VOTE,
    BallotRejected,
    Received,
    ScoringNotOpen,
    receive_ballot,
    store_first_ballot,
)
from meetings.models import Ballot, DutyReport, Meeting, ScoringState, Seat
from meetings.tokens import token_hash
from meetings.views_reports import report_file_response

CACHE_SECONDS = 1


def find_seat(token: str) -> Seat | None:
    """The seat whose current link is `token`; None for unknown, revoked or reissued links."""
    return (
        Seat.objects.select_related("meeting__scheme", "group", "organization")
        .filter(token_hash=token_hash(token))
        .first()
    )


def find_seat_to_vote(token: str) -> Seat | None:
    """The seat of `token` with only what storing a ballot needs (the other fields deferred):
    one indexed row, written out because the ORM takes longer to build the query than SQLite
    to run it, and this runs for every ballot."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, meeting_id, organization_id FROM meetings_seat WHERE token_hash = %s",
            [token_hash(token)],
        )
        row = cursor.fetchone()
    return None if row is None else Seat.from_db(connection.alias, SEAT_TO_VOTE, row)


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros: 20.00 → "20", 12.50 → "12.5"."""
    return f"{value.normalize():f}"


def forget_shared_state(meeting: Meeting) -> None:
    """Drop this process's cached shared state after a change made here."""
    cache.delete(f"evaluator:{meeting.pk}")


def shared_state(meeting: Meeting) -> dict:
    """What every seat of the meeting sees alike, cached for a second; never a score."""
    key = f"evaluator:{meeting.pk}"
    fingerprint = (meeting.updated_at, meeting.current_reporter_id, meeting.stage)
    hit = cache.get(key)
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    value = _shared_state(meeting)
    cache.set(key, (fingerprint, value), CACHE_SECONDS)
    return value


def ballot_parts(meeting: Meeting, indicators: list) -> dict[str, bool]:
    """Which parts of a ballot the scheme uses (a part of weight 0 is not asked for)."""
    scheme = meeting.scheme
    grades = scheme.part_grades > 0
    return {
        "indicators": bool(indicators) and (scheme.part_indicators > 0 or not grades),
        "grades": grades,
    }


def report_parts(report: DutyReport | None) -> dict | None:
    if report is None:
        return None
    return {
        "achievements": report.achievements,
        "problems": report.problems,
        "causes": report.causes,
        "plans": report.plans,
        "self_examination": report.self_examination_lines(),
        "file": bool(report.file),
    }


def _shared_state(meeting: Meeting) -> dict:
    indicators = list(meeting.scheme.indicators.all())
    reporters = list(meeting.reporters.select_related("organization").order_by("order", "id"))
    current = next((r for r in reporters if r.pk == meeting.current_reporter_id), None)
    with_file = set(
        DutyReport.objects.filter(reporter__meeting=meeting)
        .exclude(file="")
        .values_list("reporter_id", flat=True)
    )
    parts = ballot_parts(meeting, indicators)
    return {
        "meeting": {
            "id": meeting.pk,
            "title": meeting.title,
            "anonymous": meeting.anonymous,
            "stage": meeting.stage,
            "indicators": [
                {"code": i.code, "name": i.name, "max_points": plain(i.max_points)}
                for i in indicators
            ],
            "grades": list(Grade.values) if parts["grades"] else [],
            "parts": parts,
            "opinion_max": OPINION_MAX,
            "reporters": [
                {
                    "org": r.organization.code,
                    "name": r.organization.name,
                    "secretary": r.secretary_name,
                    "order": r.order,
                    "scoring": r.scoring,
                    "rehearsal": r.rehearsal,
                    "report_file": r.pk in with_file,
                }
                for r in reporters
            ],
            "report": report_parts(DutyReport.objects.filter(reporter=current).first())
            if current
            else None,
        },
        "current": current.organization.code if current else None,
        "open": [r.organization.code for r in reporters if r.scoring == ScoringState.OPEN],
    }


def own_ballots(seat: Seat) -> dict[str, dict]:
    """This seat's ballots by organization code: one query on the (seat, reporter) index."""
    rows = Ballot.objects.filter(seat=seat).values_list(
        "reporter__organization__code", "ballot_id", "scores", "grade", "opinion", "receipt"
    )
    return {
        org: {
            "ballot_id": str(ballot_id),
            "scores": scores,
            "grade": grade or None,
            "opinion": opinion,
            "receipt": receipt,
        }
        for org, ballot_id, scores, grade, opinion, receipt in rows
    }


def seat_state(seat: Seat, token: str) -> dict:
    """The contract's state: the shared part, this seat, and this seat's own ballots only."""
    shared = shared_state(seat.meeting)
    meeting = {
        **shared["meeting"],
        "seat": {
            "code": seat.code,
            "group": seat.group.code,
            "group_name": seat.group.name,
            "org": seat.organization.code if seat.organization_id else None,
        },
    }
    report, current = meeting["report"], shared["current"]
    if report and report["file"]:
        meeting["report"] = {
            **report,
            "file_url": reverse("evaluator_report", args=[token, current]),
        }
    return {**shared, "meeting": meeting, "ballots": own_ballots(seat)}


def link_gone() -> JsonResponse:
    # The same answer for unknown, revoked and reissued links: it tells nothing about seats.
    return JsonResponse({"error": _("This link is not valid (any more).")}, status=404)


def js_strings() -> dict[str, str]:
    """The page script's words, translated here (the catalogue lives on the server)."""
    return {
        "next": _("Next: %(org)s"),
        "switch": _("Switch"),
        "not_scored": _("Not scored"),
        "draft": _("Not submitted"),
        "pending": _("Waiting to send"),
        "sent": _("Submitted"),
        "refused": _("Closed, not counted"),
        "invalid": _("Needs correction"),
        "own": _("Own organization"),
        "own_long": _("Your own organization: you do not score it."),
        "receipt": _("Receipt %(code)s"),
        "counted": _("Counted: receipt %(code)s"),
        "pending_long": _(
            "Saved on this device, waiting to send: it is sent by itself when the network is back."
        ),
        "sent_long": _("You may change it until scoring closes."),
        "not_open": _("Scoring for this reporter has not opened yet."),
        "closed": _("Scoring for this reporter has closed."),
        "open": _("Scoring open"),
        "online": _("Online"),
        "offline": _("Offline: ballots are kept on this device"),
        "gone": _("This link is not valid any more: ask the staff for a new one."),
        "invalid_score": _("Enter a number from 0 to %(max)s with at most two decimals."),
        "missing": _("Score every indicator, or choose a grade."),
        "choose_grade": _("Choose a grade."),
        "total": _("Total %(total)s / %(max)s"),
        "waiting": _("Waiting for the next reporter."),
        "practice": _("practice"),
        "next_unscored": _("Next reporter to score"),
        "max": _("max. %(max)s"),
        "order": _("No. %(n)s on the agenda"),
        "submit": _("Submit"),
        "resubmit": _("Submit the change"),
    }


@never_cache
@require_safe
def evaluator_page(request, token):
    seat = find_seat(token)
    if seat is None:
        return render(request, "meetings/evaluator_gone.html", status=404)
    context = {
        "meeting": seat.meeting,
        "seat": seat,
        "base_url": reverse("evaluator", args=[token]),
        "state": seat_state(seat, token),
        "strings": js_strings(),
        "grades": Grade.values,
    }
    return render(request, "meetings/evaluator.html", context)


@never_cache
@require_safe
def evaluator_state(request, token):
    """The state as JSON, polled every 2–3 s by the page."""
    seat = find_seat(token)
    if seat is None:
        return link_gone()
    return JsonResponse(seat_state(seat, token), json_dumps_params={"ensure_ascii": False})


NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
NOT_JSON = object()


def no_store(view):
    """`never_cache`'s headers, set directly: Django patches them in by parsing and rewriting
    Cache-Control, which costs the ballot endpoint (the hall's hot path) 3 % of its time."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Expires"] = http_date()
        response.headers["Cache-Control"] = NEVER_CACHE
        return response

    return wrapped


# No CSRF check here: the seat token in the URL is the credential, and no cookie or session
# is read, so a request forged by another site carries nothing the attacker does not know.
@csrf_exempt
@no_store
@require_POST
def evaluator_ballot(request, token):
    """One ballot: 200 with its receipt (also for a retry), 400 invalid, 409 not open."""
    try:
        # JSON numbers become exact Decimals (18.5 as written), never binary floats.
        payload = json.loads(request.body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        payload = NOT_JSON
    # A seat's first ballot for a reporter, nearly every request of the day: one read, one
    # write. Everything else (and every answer but 200) comes from the careful path below.
    if isinstance(payload, dict):
        received = store_first_ballot(token, payload)
        if received is not None:
            return receipt_response(received)
    seat = find_seat_to_vote(token)
    if seat is None:
        return link_gone()
    if payload is NOT_JSON:
        return JsonResponse({"errors": {"json": _("The ballot is not valid JSON.")}}, status=400)
    try:
        received = receive_ballot(seat, payload)
    except BallotRejected as rejected:
        return JsonResponse({"errors": rejected.errors}, status=400)
    except ScoringNotOpen as refused:
        return JsonResponse({"error": str(refused)}, status=409)
    return receipt_response(received)


def receipt_response(received: Received) -> HttpResponse:
    body = json.dumps({"ballot_id": received.ballot_id, "receipt": received.receipt})
    return HttpResponse(body, content_type="application/json")


@never_cache
@require_safe
def evaluator_report(request, token, org):
    """A reporter's written duty report as a download, for the seats of its meeting."""
    seat = find_seat(token)
    report = (
        DutyReport.objects.filter(
            reporter__meeting_id=seat.meeting_id, reporter__organization__code=org
        ).first()
        if seat is not None
        else None
    )
    if report is None:
        raise Http404
    return report_file_response(report)
