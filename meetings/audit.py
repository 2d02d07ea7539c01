"""The audit trail: who did what, and when — written once, read by staff, never changed.

Rows are MeetingEvent records (meetings/models/core.py); database triggers refuse any UPDATE
or DELETE of them (appraisal/dbguard.py). This module writes the rows other apps announce
through signals and selects rows for the audit page.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from appraisal.models import Committee
from meetings.models import EventAction, Meeting, MeetingEvent

PAGE_SIZE = 50


def record_roster_import(sender, *, committee: Committee, by, summary: str, **kwargs) -> None:
    """appraisal.signals.roster_imported: a roster workbook was stored."""
    MeetingEvent.record_committee(committee, EventAction.ROSTER_IMPORTED, by=by, note=summary)


def audit_events(
    committee_ids, meeting: Meeting | None = None, *, action: str = "", q: str = ""
) -> QuerySet[MeetingEvent]:
    """Events of the committees in scope, newest first; one meeting's when given."""
    events = MeetingEvent.objects.filter(committee_id__in=committee_ids)
    if meeting is not None:
        events = events.filter(meeting=meeting)
    if action:
        events = events.filter(action=action)
    if q:
        events = events.filter(
            Q(note__icontains=q) | Q(by__username__icontains=q) | Q(meeting__title__icontains=q)
        )
    return events.select_related("by", "meeting", "committee").order_by("-at", "-id")


def describe(event: MeetingEvent) -> str:
    """What happened, in one line: the action and, for a stage move, from where to where."""
    if event.action == EventAction.STAGE:
        return _("Stage moved: %(from)s → %(to)s") % {
            "from": event.get_from_stage_display() or "—",
            "to": event.get_to_stage_display(),
        }
    return event.get_action_display()
