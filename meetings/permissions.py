"""Who may see and change a meeting: staff of its committee's subtree."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from appraisal.permissions import committee_ids
from meetings.models import Meeting, Reporter, Stage


def get_meeting_or_404(user, pk) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related("scheme", "committee"),
        pk=pk,
        committee_id__in=committee_ids(user),
    )


def get_reporter_or_404(meeting: Meeting, pk) -> Reporter:
    return get_object_or_404(
        Reporter.objects.select_related("organization"), pk=pk, meeting=meeting
    )


def can_change_agenda(meeting: Meeting) -> bool:
    """Reporters are added, moved and removed while the meeting is being prepared."""
    return meeting.stage in (Stage.DRAFT, Stage.REPORTS)


def can_change_daily(meeting: Meeting) -> bool:
    """Daily scores feed the composite: they stay open until results are published."""
    return meeting.stage != Stage.PUBLISHED
