"""Storing a checked bundle as a new meeting, in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from appraisal.models import (
    Committee,
    EvaluatorGroup,
    Grade,
    Indicator,
    Organization,
    Scheme,
)
from meetings.ballots import BallotInput, BallotRejected, build_ballot
from meetings.bundle.read import BundleInvalid, read_bundle
from meetings.models import (
    Ballot,
    Comment,
    EventAction,
    Meeting,
    MeetingEvent,
    RectificationItem,
    Reporter,
    ScoringState,
    Seat,
    Stage,
)

# A bundle with ballots is a finished meeting: these are the moves that get it there.
STAGES_TO_CLOSED = (Stage.REPORTS, Stage.LIVE, Stage.CLOSED)


def import_bundle(data: dict, committee: Committee, *, by=None) -> Meeting:
    """Store a valid bundle as a new meeting of the committee, all in one transaction.

    A bundle with ballots becomes a finished meeting: scoring closed for every reporter,
    the scheme frozen, the stage moved step by step to closed.
    """
    bundle, problems = read_bundle(data, committee)
    if problems:
        raise BundleInvalid(problems)
    with transaction.atomic():
        scheme = store_scheme(bundle, committee)
        orgs = store_organizations(bundle["organizations"], committee)
        m = bundle["meeting"]
        meeting = Meeting.objects.create(
            committee=committee,
            scheme=scheme,
            title=m["title"],
            year=m["year"],
            date=m["date"],
            venue=m["venue"],
            anonymous=m["anonymous"],
        )
        MeetingEvent.record(
            meeting,
            EventAction.MEETING_IMPORTED,
            by=by,
            note=_("%(reporters)d reporters, %(seats)d seats, %(ballots)d ballots")
            % {
                "reporters": len(bundle["reporters"]),
                "seats": len(bundle["seats"]),
                "ballots": len(bundle["ballots"]),
            },
        )
        reporters = store_reporters(meeting, bundle["reporters"], orgs)
        seats = store_seats(meeting, bundle["seats"], orgs)
        store_ballots(bundle["ballots"], seats, reporters)
        Comment.objects.bulk_create(
            Comment(reporter=reporters[c["org"]], author=c["author"], text=c["text"])
            for c in bundle["comments"]
        )
        RectificationItem.objects.bulk_create(
            RectificationItem(meeting=meeting, organization=orgs[i["org"]], **item_fields(i))
            for i in bundle["rectifications"]
        )
        if bundle["ballots"]:
            finish(meeting, by)
    return meeting


def item_fields(row: dict) -> dict:
    return {k: row[k] for k in ("problem", "source", "measures", "owner", "deadline", "status")}


def store_scheme(bundle: dict, committee: Committee) -> Scheme:
    s = bundle["scheme"]
    points, bands, parts = s["grade_points"], s["bands"], s["parts"]
    name = _("%(title)s scheme") % {"title": bundle["meeting"]["title"]}
    scheme = Scheme.objects.create(
        committee=committee,
        name=name[:100],
        part_indicators=parts["indicators"],
        part_grades=parts["grades"],
        part_daily=parts["daily"],
        points_good=points[Grade.GOOD],
        points_fairly_good=points[Grade.FAIRLY_GOOD],
        points_average=points[Grade.AVERAGE],
        points_poor=points[Grade.POOR],
        band_good=bands[Grade.GOOD],
        band_fairly_good=bands[Grade.FAIRLY_GOOD],
        band_average=bands[Grade.AVERAGE],
        band_poor=bands[Grade.POOR],
        trim_min_ballots=s["trim_min_ballots"],
        good_quota=s["good_quota"],
        bad_share_limit=s["bad_share_limit"],
    )
    Indicator.objects.bulk_create(
        Indicator(scheme=scheme, order=n, **i) for n, i in enumerate(s["indicators"])
    )
    EvaluatorGroup.objects.bulk_create(
        EvaluatorGroup(scheme=scheme, order=n, **g) for n, g in enumerate(s["groups"])
    )
    # build_ballot reads the indicators for every ballot: one query instead of thousands.
    prefetch_related_objects([scheme], "indicators", "groups")
    return scheme


def store_organizations(rows: list[dict], committee: Committee) -> dict[str, Organization]:
    """Every organization by code: the roster's as they are, missing ones created."""
    orgs = {o.code: o for o in Organization.objects.filter(committee=committee)}
    created = []
    for row in rows:
        if row["code"] not in orgs:
            org = Organization.objects.create(
                committee=committee, code=row["code"], name=row["name"], kind=row["kind"]
            )
            orgs[org.code] = org
            created.append((org, row["parent"]))
    for org, parent in created:  # parents may come later in the list than their children
        if parent:
            org.parent = orgs[parent]
            org.save(update_fields=["parent", "updated_at"])
    return orgs


def store_reporters(meeting: Meeting, rows: list[dict], orgs: dict) -> dict[str, Reporter]:
    reporters = {}
    for row in rows:
        org = orgs[row["org"]]
        name = row["secretary"]
        secretary = (
            org.secretaries.filter(name=name).order_by("-term_start").first() if name else None
        )
        reporters[org.code] = Reporter.objects.create(
            meeting=meeting,
            organization=org,
            secretary=secretary,
            secretary_name=name,
            order=row["order"],
            daily=row["daily"],
            vetoed=row["vetoed"],
        )
    return reporters


def store_seats(meeting: Meeting, rows: list[dict], orgs: dict) -> dict[str, Seat]:
    groups = {g.code: g for g in meeting.scheme.groups.all()}
    seats = Seat.objects.bulk_create(
        Seat(
            meeting=meeting,
            code=row["code"],
            group=groups[row["group"]],
            organization=orgs[row["org"]] if row["org"] else None,
            holder=row["holder"],
        )
        for row in rows
    )
    return {seat.code: seat for seat in seats}


def store_ballots(rows: list[dict], seats: dict, reporters: dict) -> None:
    """Every ballot through build_ballot, the check the live interface uses, then in bulk."""
    ballots = []
    for n, row in enumerate(rows):
        data = BallotInput(scores=row["scores"], grade=row["grade"], opinion=row["opinion"])
        try:
            ballots.append(build_ballot(seats[row["seat"]], reporters[row["org"]], data))
        except BallotRejected as exc:  # cannot happen after read_bundle; never store half
            problems = [f"ballots[{n}].{key}: {message}" for key, message in exc.errors.items()]
            raise BundleInvalid(problems) from exc
    Ballot.objects.bulk_create(ballots, batch_size=500)


def finish(meeting: Meeting, by) -> None:
    """Close scoring for every reporter, freeze the scheme, move the stage to closed."""
    meeting.set_scoring(ScoringState.CLOSED)
    meeting.scheme.freeze()
    note = _("Imported from a bundle.")
    for stage in STAGES_TO_CLOSED:
        meeting.advance(stage, by=by, note=note)
