"""Writing a meeting as a bundle: fixed order of keys and rows, so the same meeting gives
the same bytes."""

from __future__ import annotations

from decimal import Decimal

from appraisal.models import (
    Organization,
    Scheme,
)
from meetings.bundle.read import FORMAT, decimal_text
from meetings.models import (
    Ballot,
    Comment,
    Meeting,
    RectificationItem,
    Reporter,
    Seat,
)
from meetings.results import meeting_results


def export_bundle(meeting: Meeting) -> dict:
    """The meeting as a bundle document with its results; the same meeting gives the same bytes."""
    # A practice round (试评) is not part of the meeting's record.
    reporters = list(
        meeting.reporters.real().select_related("organization").order_by("order", "id")
    )
    seats = list(meeting.seats.select_related("group", "organization").order_by("code", "id"))
    items = list(
        meeting.rectification_items.select_related("organization").order_by(
            "organization__code", "id"
        )
    )
    return {
        "format": FORMAT,
        "meeting": {
            "title": meeting.title,
            "year": meeting.year,
            "date": meeting.date.isoformat() if meeting.date else None,
            "venue": meeting.venue,
            "anonymous": meeting.anonymous,
        },
        "scheme": export_scheme(meeting.scheme),
        "organizations": export_organizations(
            [r.organization for r in reporters]
            + [s.organization for s in seats if s.organization]
            + [i.organization for i in items]
        ),
        "reporters": [export_reporter(r) for r in reporters],
        "seats": [export_seat(s) for s in seats],
        "ballots": export_ballots(meeting),
        "comments": [
            {"org": c.reporter.organization.code, "author": c.author, "text": c.text}
            for c in Comment.objects.filter(reporter__meeting=meeting, reporter__rehearsal=False)
            .select_related("reporter__organization")
            .order_by("reporter__order", "id")
        ],
        "rectifications": [export_item(i) for i in items],
        "results": export_results(meeting),
    }


def export_scheme(scheme: Scheme) -> dict:
    return {
        "indicators": [
            {"code": i.code, "name": i.name, "max_points": decimal_text(i.max_points)}
            for i in scheme.indicators.all()
        ],
        "grade_points": {str(g): decimal_text(p) for g, p in scheme.grade_points().items()},
        "parts": {
            "indicators": decimal_text(scheme.part_indicators),
            "grades": decimal_text(scheme.part_grades),
            "daily": decimal_text(scheme.part_daily),
        },
        "groups": [
            {"code": g.code, "name": g.name, "weight": decimal_text(g.weight)}
            for g in scheme.groups.all()
        ],
        "trim_min_ballots": scheme.trim_min_ballots,
        "bands": [{"grade": str(g), "min": decimal_text(m)} for g, m in scheme.bands()],
        "good_quota": decimal_text(scheme.good_quota),
        "bad_share_limit": decimal_text(scheme.bad_share_limit),
    }


def export_organizations(orgs: list[Organization]) -> list[dict]:
    """The meeting's organizations and all their ancestors, so every parent is in the file."""
    by_code = {}
    for org in orgs:
        for node in [org, *org.ancestors()]:
            by_code.setdefault(node.code, node)
    return [
        {
            "code": o.code,
            "name": o.name,
            "kind": o.kind,
            "parent": o.parent.code if o.parent_id and o.parent.code in by_code else None,
        }
        for o in sorted(by_code.values(), key=lambda o: o.code)
    ]


def export_reporter(r: Reporter) -> dict:
    return {
        "org": r.organization.code,
        "secretary": r.secretary_name,
        "order": r.order,
        "daily": decimal_text(r.daily),
        "vetoed": r.vetoed,
    }


def export_seat(s: Seat) -> dict:
    seat = {
        "code": s.code,
        "group": s.group.code,
        "org": s.organization.code if s.organization else None,
    }
    if s.holder:  # named meetings only; anonymous ones never tie a seat to a person
        seat["holder"] = s.holder
    return seat


def export_ballots(meeting: Meeting) -> list[dict]:
    codes = [i.code for i in meeting.scheme.indicators.all()]
    ballots = (
        Ballot.objects.for_meeting(meeting)
        .filter(reporter__rehearsal=False)
        .select_related("seat", "reporter__organization")
        .order_by("seat__code", "reporter__order", "id")
    )
    return [
        {
            "seat": b.seat.code,
            "org": b.reporter.organization.code,
            "scores": {c: decimal_text(Decimal(b.scores[c])) for c in codes if c in b.scores}
            or None,
            "grade": b.grade or None,
            "opinion": b.opinion,
        }
        for b in ballots
    ]


def export_item(i: RectificationItem) -> dict:
    return {
        "org": i.organization.code,
        "problem": i.problem,
        "source": i.source,
        "measures": i.measures,
        "owner": i.owner,
        "deadline": i.deadline.isoformat() if i.deadline else None,
        "status": i.status,
    }


def export_results(meeting: Meeting) -> list[dict]:
    """One entry per reporter, in agenda order, exactly as meetings.results computes them."""
    rows = sorted(meeting_results(meeting), key=lambda row: (row.reporter.order, row.reporter.pk))
    return [
        {
            "org": row.reporter.organization.code,
            "indicators": as_text(row.result.indicators),
            "grades": as_text(row.result.grades),
            "daily": as_text(row.result.daily),
            "composite": as_text(row.result.composite),
            "good_rate": as_text(row.result.good_rate),
            "bad_share": as_text(row.result.bad_share),
            "grade": row.result.grade,
            "rank": row.result.rank,
            "flags": list(row.result.flags),
        }
        for row in rows
    ]


def as_text(value: Decimal | None) -> str | None:
    """A rounded result as it was rounded: "87.50" keeps its two decimals."""
    return None if value is None else str(value)
