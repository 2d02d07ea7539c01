"""`manage.py import_meeting FILE.json [--committee CODE]`: store a meeting bundle."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from appraisal.models import Committee
from meetings.bundle import BundleInvalid, import_bundle, loads, validate_bundle
from meetings.models import Ballot

DEFAULT_COMMITTEE = {"code": "DEFAULT", "name": "本级党委"}


class Command(BaseCommand):
    help = (
        "Import a meeting bundle (JSON). Every problem goes to stderr, one a line, starting "
        "with its JSON path; on success the new meeting's id is the last line of stdout."
    )
    from_command_line = False

    def add_arguments(self, parser):
        parser.add_argument("file", help="the bundle, a UTF-8 JSON file")
        parser.add_argument("--committee", help="code of the committee the meeting belongs to")

    def run_from_argv(self, argv):
        # From a shell, problems are the only lines on stderr (no "CommandError:" prefix).
        self.from_command_line = True
        super().run_from_argv(argv)

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            data = self.read(options["file"])
            committee = self.committee(options["committee"])
            if committee is None:  # an empty installation: validate before creating anything
                self.check_problems(validate_bundle(data))
            with transaction.atomic():
                committee = committee or Committee.objects.create(**DEFAULT_COMMITTEE)
                try:
                    meeting = import_bundle(data, committee)
                except BundleInvalid as exc:
                    self.check_problems(exc.problems)
            self.stdout.write(
                _("Imported “%(title)s” (%(stage)s): %(reporters)d reporters, %(ballots)d ballots.")
                % {
                    "title": meeting.title,
                    "stage": meeting.get_stage_display(),
                    "reporters": meeting.reporters.count(),
                    "ballots": Ballot.objects.for_meeting(meeting).count(),
                }
            )
            self.stdout.write(str(meeting.pk))

    def read(self, name: str) -> dict:
        try:
            raw = Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read the file %(file)s: %(error)s.")
                % {"file": name, "error": exc.strerror}
            ) from exc
        try:
            return loads(raw)
        except BundleInvalid as exc:
            self.check_problems(exc.problems)

    def committee(self, code: str | None) -> Committee | None:
        """The named committee; the only one; or None when there is none yet."""
        committees = list(Committee.objects.order_by("code"))
        codes = "、".join(c.code for c in committees) or "—"
        if code:
            for committee in committees:
                if committee.code == code:
                    return committee
            raise CommandError(
                _("No committee with the code %(code)s; the codes are: %(codes)s.")
                % {"code": code, "codes": codes}
            )
        if len(committees) > 1:
            raise CommandError(
                _("There are several committees: pass --committee with one of: %(codes)s.")
                % {"codes": codes}
            )
        return committees[0] if committees else None

    def check_problems(self, problems: list[str]) -> None:
        """Write every problem to stderr, one a line, and stop without storing anything."""
        if not problems:
            return
        for line in problems:
            self.stderr.write(line, style_func=lambda text: text)
        if self.from_command_line:
            sys.exit(1)
        raise CommandError(
            _("The bundle has %(n)d problem(s); nothing was stored.") % {"n": len(problems)}
        )
