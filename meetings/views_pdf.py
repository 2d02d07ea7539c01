"""Downloads of the leadership report and the feedback letters (staff of the committee)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _

from appraisal.permissions import staff_required
from meetings.exports import pdf
from meetings.permissions import get_meeting_or_404, get_reporter_or_404


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A download with an RFC 5987 file name that browsers must not sniff."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required
def meeting_report_pdf(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    filename = _("Report-%(title)s.pdf") % {"title": meeting.title}
    return attachment(pdf.leadership_report_pdf(meeting), "application/pdf", filename)


@staff_required
def meeting_letters_zip(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    filename = _("Feedback-letters-%(title)s.zip") % {"title": meeting.title}
    return attachment(pdf.feedback_letters_zip(meeting), "application/zip", filename)


@staff_required
def meeting_letter_pdf(request, pk, reporter_pk):
    meeting = get_meeting_or_404(request.user, pk)
    reporter = get_reporter_or_404(meeting, reporter_pk)
    row = None if reporter.rehearsal else pdf.ranking_row_for(meeting, reporter)
    if row is None:
        raise Http404("A practice reporter has no feedback letter.")
    content = pdf.feedback_letter_pdf(meeting, row)
    return attachment(content, "application/pdf", pdf.letter_filename(row))
