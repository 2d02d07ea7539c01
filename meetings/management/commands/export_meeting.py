"""`manage.py export_meeting ID --format json|xlsx|pdf --output FILE`: write a meeting out."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from meetings.bundle import dumps, export_bundle
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
            if options["format"] != "json":
                raise CommandError(
                    _("Export as %(format)s is not available yet; use --format json.")
                    % {"format": options["format"]}
                )
            text = dumps(export_bundle(meeting)) + "\n"
            if options["output"] == "-":
                self.stdout.write(text, ending="")
                return
            try:
                Path(options["output"]).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(
                    _("Cannot write the file %(file)s: %(error)s.")
                    % {"file": options["output"], "error": exc.strerror}
                ) from exc
            self.stdout.write(_("Wrote %(file)s.") % {"file": options["output"]})
