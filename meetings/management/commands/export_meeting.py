"""`manage.py export_meeting ID --format json|xlsx|pdf --output FILE`: write a meeting out."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from meetings.bundle import dumps, export_bundle
from meetings.exports import xlsx
from meetings.models import Meeting

FORMATS = ("json", "xlsx", "pdf")


class Command(BaseCommand):
    help = (
        "Export a meeting: the bundle with results (json), the results workbook (xlsx) or the "
        "leadership report (pdf). --output - writes to stdout."
    )

    def add_arguments(self, parser):
        parser.add_argument("meeting_id", type=int, help="the meeting's id")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--output", default="-", help="file to write, or - for stdout")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            meeting = Meeting.objects.filter(pk=options["meeting_id"]).first()
            if meeting is None:
                raise CommandError(
                    _("No meeting with the id %(id)s; check the number.")
                    % {"id": options["meeting_id"]}
                )
            data = self.render(meeting, options["format"])
            if options["output"] == "-":
                self.write_stdout(data, text=options["format"] == "json")
                return
            try:
                Path(options["output"]).write_bytes(data)
            except OSError as exc:
                raise CommandError(
                    _("Cannot write the file %(file)s: %(error)s.")
                    % {"file": options["output"], "error": exc.strerror}
                ) from exc
            self.stdout.write(_("Wrote %(file)s.") % {"file": options["output"]})

    def render(self, meeting: Meeting, fmt: str) -> bytes:
        """The file's bytes: the same builders as the download buttons use."""
        if fmt == "xlsx":
            return xlsx.meeting_xlsx(meeting)
        if fmt == "pdf":
            try:
                from meetings.exports.pdf import leadership_report_pdf
            except ImportError as exc:
                raise CommandError(
                    _("Export as %(format)s is not available yet; use --format json.")
                    % {"format": fmt}
                ) from exc
            return leadership_report_pdf(meeting)
        return (dumps(export_bundle(meeting)) + "\n").encode()

    def write_stdout(self, data: bytes, *, text: bool) -> None:
        """Text through the command's stdout; a binary file straight to the process's."""
        if text:
            self.stdout.write(data.decode(), ending="")
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
