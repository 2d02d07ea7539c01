"""The practice round (试评): a practice reporter that exercises the whole flow in the hall,
then one action that purges what the practice left behind and keeps everything else.

Choices made here:
- The practice reporter reports for a placeholder organization of the meeting's committee,
  code REHEARSAL, kind 其他, inactive (so it never shows among the organizations to add to an
  agenda); it is created once per committee and reused by every meeting.
- It goes first on the agenda: order 0, which real reporters never take (they start at 1).
  Should 0 be taken (an imported agenda), it goes last instead.
- Purging removes the practice reporter with its ballots, receipts, paper entries, comments,
  questions and rectification items, so the real meeting starts with a clean agenda; to
  rehearse again, add a practice reporter again. The purge is allowed until scoring is closed,
  and closing the meeting waits for it, so practice ballots never outlive the meeting's
  scoring. (Results leave practice reporters out in any case.)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction
from django.utils.translation import gettext as _

from appraisal.models import Organization, OrgKind
from meetings.models import (
    Ballot,
    BallotReceipt,
    EventAction,
    Meeting,
    MeetingEvent,
    PaperEntry,
    RectificationItem,
    Reporter,
    Stage,
)

PRACTICE_ORG_CODE = "REHEARSAL"
PRACTICE_ORG_NAME = "试评单位（演练）"
PRACTICE_SECRETARY = "试评"
REHEARSAL_STAGES = (Stage.DRAFT, Stage.REPORTS, Stage.LIVE)


class RehearsalRefused(Exception):
    """A rehearsal action not allowed now; the message says why."""


@dataclass(frozen=True)
class RehearsalCounts:
    """What a purge removes (or removed)."""

    reporters: int
    ballots: int
    paper_entries: int


def practice_reporters(meeting: Meeting):
    return meeting.reporters.filter(rehearsal=True)


def rehearsal_counts(meeting: Meeting) -> RehearsalCounts:
    practice = practice_reporters(meeting)
    return RehearsalCounts(
        reporters=practice.count(),
        ballots=Ballot.objects.filter(reporter__in=practice).count(),
        paper_entries=PaperEntry.objects.filter(reporter__in=practice).count(),
    )


def _lock_for_rehearsal(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.stage not in REHEARSAL_STAGES:
        raise RehearsalRefused(
            _("Scoring of this meeting is closed: a practice round is no longer possible.")
        )
    return locked


def practice_organization(meeting: Meeting) -> Organization:
    """The committee's inactive placeholder organization for practice reporters."""
    org, _created = Organization.objects.get_or_create(
        committee=meeting.committee,
        code=PRACTICE_ORG_CODE,
        defaults={"name": PRACTICE_ORG_NAME, "kind": OrgKind.OTHER, "active": False},
    )
    return org


def add_practice_reporter(meeting: Meeting) -> Reporter:
    """Put one practice reporter first on the agenda; a meeting has at most one."""
    with transaction.atomic():
        locked = _lock_for_rehearsal(meeting)
        org = practice_organization(locked)
        if (
            practice_reporters(locked).exists()
            or locked.reporters.filter(organization=org).exists()
        ):
            raise RehearsalRefused(_("This meeting already has a practice reporter."))
        taken = locked.reporters.filter(order=0).exists()
        last = locked.reporters.aggregate(m=models.Max("order"))["m"] or 0
        return Reporter.objects.create(
            meeting=locked,
            organization=org,
            secretary_name=PRACTICE_SECRETARY,
            order=last + 1 if taken else 0,
            rehearsal=True,
        )


def purge_rehearsal(meeting: Meeting, *, by) -> RehearsalCounts:
    """Delete the practice reporters and all they gathered; log how much went."""
    with transaction.atomic():
        locked = _lock_for_rehearsal(meeting)
        counts = rehearsal_counts(locked)
        if not counts.reporters:
            raise RehearsalRefused(_("There is no practice round to purge."))
        practice = list(practice_reporters(locked))
        BallotReceipt.objects.filter(reporter__in=practice).delete()
        PaperEntry.objects.filter(reporter__in=practice).delete()
        Ballot.objects.filter(reporter__in=practice).delete()
        RectificationItem.objects.filter(
            meeting=locked, organization__in=[r.organization_id for r in practice]
        ).delete()
        if locked.current_reporter_id in {r.pk for r in practice}:
            locked.current_reporter = None
            locked.countdown_started_at, locked.countdown_elapsed = None, 0
            locked.save(
                update_fields=[
                    "current_reporter",
                    "countdown_started_at",
                    "countdown_elapsed",
                    "updated_at",
                ]
            )
        # Duty reports, comments and questions of a practice reporter go with it (CASCADE).
        Reporter.objects.filter(pk__in=[r.pk for r in practice]).delete()
        note = _("%(ballots)d ballot(s) and %(paper)d paper entry(ies) of the practice round") % {
            "ballots": counts.ballots,
            "paper": counts.paper_entries,
        }
        MeetingEvent.record(locked, EventAction.REHEARSAL_PURGED, by=by, note=note)
    return counts
