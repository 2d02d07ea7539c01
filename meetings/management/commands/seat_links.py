"""`manage.py seat_links ID --base-url URL --output FILE.csv`: a fresh link for every seat."""

from __future__ import annotations

import csv

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from meetings.models import EventAction, Meeting, MeetingEvent


class Command(BaseCommand):
    help = (
        "Issue a fresh link for every seat of a meeting (earlier links stop working) and write "
        "them as CSV rows seat,group,url. Only a hash of each token is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("meeting_id", type=int, help="the meeting's id")
        parser.add_argument(
            "--base-url", required=True, help="where evaluators reach the site, http://HOST:PORT"
        )
        parser.add_argument("--output", required=True, help="the CSV file to write")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            meeting = Meeting.objects.filter(pk=options["meeting_id"]).first()
            if meeting is None:
                raise CommandError(
                    _("No meeting with the id %(id)s; check the number.")
                    % {"id": options["meeting_id"]}
                )
            base = options["base_url"].strip().rstrip("/")
            if not base.startswith(("http://", "https://")):
                raise CommandError(
                    _("The base URL must start with http:// or https://, e.g. %(example)s.")
                    % {"example": "http://192.168.1.10:8000"}
                )
            seats = list(meeting.seats.select_related("group").order_by("code"))
            if not seats:
                raise CommandError(
                    _("Meeting %(id)s has no seats yet; create them on the seats page first.")
                    % {"id": meeting.pk}
                )
            self.write_links(meeting, seats, base, options["output"])
            self.stdout.write(
                _("Issued %(n)d seat link(s); earlier links no longer work. Wrote %(file)s.")
                % {"n": len(seats), "file": options["output"]}
            )

    def write_links(self, meeting, seats, base: str, output: str) -> None:
        """Issue and write in one transaction: if the file cannot be written, no link changes."""
        try:
            with transaction.atomic(), open(output, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(["seat", "group", "url"])
                for seat in seats:
                    url = base + reverse("evaluator", args=[seat.issue_link()])
                    writer.writerow([seat.code, seat.group.code, url])
                MeetingEvent.record(
                    meeting,
                    EventAction.LINKS_ISSUED,
                    note=_("%(n)d seat(s), from the command line") % {"n": len(seats)},
                )
        except OSError as exc:
            raise CommandError(
                _("Cannot write the file %(file)s: %(error)s.")
                % {"file": output, "error": exc.strerror}
            ) from exc
