"""Staff downloads of a meeting's results documents, built from the shared rows."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.encoding import escape_uri_path

from appraisal.permissions import staff_required
from meetings.exports import xlsx
from meetings.permissions import get_meeting_or_404


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition for a download: an ASCII name, and the real one per RFC 5987."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{escape_uri_path(filename)}"


@staff_required
def meeting_export_xlsx(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    response = HttpResponse(xlsx.meeting_xlsx(meeting), content_type=xlsx.CONTENT_TYPE)
    response["Content-Disposition"] = attachment(
        xlsx.filename(meeting), f"meeting-{meeting.pk}-results.xlsx"
    )
    return response
