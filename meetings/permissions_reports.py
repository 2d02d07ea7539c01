"""Who may see and change duty reports and comments: staff of the committee, the secretary of
the reporting organization, and commenting leaders through their link."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from appraisal.models import Secretary
from appraisal.permissions import committee_ids
from meetings.models import CommenterLink, DutyReport, Meeting, Reporter, Stage
from meetings.tokens import token_hash

# Secretaries hand in their report while the meeting is prepared; from the session on it is
# evidence. Staff may still correct a report or a comment until scoring closes.
SECRETARY_STAGES = (Stage.DRAFT, Stage.REPORTS)
STAFF_STAGES = (Stage.DRAFT, Stage.REPORTS, Stage.LIVE)


def user_secretary(user) -> Secretary | None:
    """The secretary in office whose login this is, or None."""
    if not user.is_authenticated:
        return None
    secretary = getattr(user, "secretary", None)
    if secretary is None:
        return None
    in_office = Secretary.objects.in_office(timezone.localdate()).filter(pk=secretary.pk)
    return secretary if in_office.exists() else None


def secretary_required(view):
    """Login first; then only a secretary in office gets in (403 otherwise)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if user_secretary(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def secretary_reporters(secretary: Secretary) -> QuerySet[Reporter]:
    """The agenda entries of the secretary's own organization, practice rounds left out."""
    return (
        Reporter.objects.filter(organization_id=secretary.organization_id, rehearsal=False)
        .select_related("meeting", "organization")
        .order_by("-meeting__year", "-meeting__date", "-meeting_id")
    )


def get_own_reporter_or_404(user, reporter_pk) -> Reporter:
    """A reporter of the signed-in secretary's organization; any other is 404."""
    secretary = user_secretary(user)
    if secretary is None:
        raise Http404
    return get_object_or_404(secretary_reporters(secretary), pk=reporter_pk)


def secretary_can_edit(meeting: Meeting) -> bool:
    return meeting.stage in SECRETARY_STAGES


def staff_can_edit(meeting: Meeting) -> bool:
    """Reports, comments and questions are corrected by staff until scoring closes."""
    return meeting.stage in STAFF_STAGES


def can_download_report(user, report: DutyReport) -> bool:
    """Staff of the meeting's committee and the organization's own secretary."""
    reporter = report.reporter
    if reporter.meeting.committee_id in committee_ids(user):
        return True
    secretary = user_secretary(user)
    return secretary is not None and secretary.organization_id == reporter.organization_id


def get_commenter_link_or_404(token: str) -> CommenterLink:
    """A commenter link that has not been revoked; unknown or revoked links are 404."""
    return get_object_or_404(
        CommenterLink.objects.select_related("meeting"),
        token_hash=token_hash(token),
        revoked_at__isnull=True,
    )
