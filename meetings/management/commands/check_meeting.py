"""`manage.py check_meeting ID`: verify a meeting's invariants; exit 1 on any violation."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from meetings.invariants import meeting_problems
from meetings.models import Meeting


class Command(BaseCommand):
    help = (
        "Check a meeting's stored record: results recomputed equal results shown, every ballot "
        "within the rules, one ballot per seat and reporter, receipts within the meeting, no "
        "open scoring after close and no ballot later than its close. Prints each problem on "
        "its own line and exits with status 1 if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("meeting_id", type=int, help="the meeting's id")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            meeting = Meeting.objects.select_related("scheme").filter(pk=options["meeting_id"])
            meeting = meeting.first()
            if meeting is None:
                raise CommandError(
                    _("No meeting with the id %(id)s; check the number.")
                    % {"id": options["meeting_id"]}
                )
            problems = meeting_problems(meeting)
            for problem in problems:
                self.stdout.write(problem)
            if problems:
                raise CommandError(
                    _("%(n)d problem(s) found in meeting %(id)s.")
                    % {"n": len(problems), "id": meeting.pk},
                    returncode=1,
                )
            self.stdout.write(
                _("OK: meeting %(id)s “%(title)s” keeps every invariant.")
                % {"id": meeting.pk, "title": meeting.title}
            )
