"""`manage.py scoring ID open|close [--org CODE]`: open or close scoring from the shell."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from meetings import live
from meetings.models import Meeting, ScoringState, Stage, StageError
from meetings.views_evaluator import forget_shared_state

STATES = {"open": ScoringState.OPEN, "close": ScoringState.CLOSED}


class Command(BaseCommand):
    help = (
        "Open or close scoring for one reporter (--org CODE) or for every reporter of a "
        "meeting. Closing is idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("meeting_id", type=int, help="the meeting's id")
        parser.add_argument("action", choices=sorted(STATES), help="open or close")
        parser.add_argument("--org", help="the organization code of one reporter (default: all)")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            meeting = Meeting.objects.filter(pk=options["meeting_id"]).first()
            if meeting is None:
                raise CommandError(
                    _("No meeting with the id %(id)s; check the number.")
                    % {"id": options["meeting_id"]}
                )
            reporter = self.reporter(meeting, options["org"])
            state = STATES[options["action"]]
            if state == ScoringState.OPEN:
                self.prepare_to_open(meeting)
            changed = meeting.set_scoring(state, reporter=reporter)
            forget_shared_state(meeting)
            live.forget(meeting)
            self.stdout.write(self.summary(state, reporter, changed))

    def reporter(self, meeting: Meeting, code: str | None):
        if code is None:
            return None
        reporter = meeting.reporters.select_related("organization").filter(organization__code=code)
        if not reporter:
            codes = ", ".join(meeting.reporters.values_list("organization__code", flat=True))
            raise CommandError(
                _("“%(org)s” is not a reporter of meeting %(id)s; its reporters are: %(codes)s.")
                % {"org": code, "id": meeting.pk, "codes": codes or "—"}
            )
        return reporter[0]

    def prepare_to_open(self, meeting: Meeting) -> None:
        """Scoring opens in any stage before publication; a closed meeting goes back live."""
        if meeting.stage == Stage.PUBLISHED:
            raise CommandError(
                _(
                    "The results of meeting %(id)s are published: scoring cannot open again. "
                    "Withdraw the publication first (back to “Scoring closed”)."
                )
                % {"id": meeting.pk}
            )
        if meeting.stage != Stage.CLOSED:
            if meeting.stage != Stage.LIVE:
                self.stdout.write(
                    _("Note: the meeting is at stage “%(stage)s”, not in session.")
                    % {"stage": Stage(meeting.stage).label}
                )
            return
        # Results are official only while scoring is closed: reopening takes the meeting back.
        try:
            meeting.advance(Stage.LIVE, note=_("scoring reopened from the command line"))
        except StageError as error:
            self.stderr.write(
                _("Warning: the meeting stays at “Scoring closed”: %(reasons)s")
                % {"reasons": " ".join(error.reasons)}
            )
        else:
            self.stdout.write(_("The meeting is back “In session”."))

    def summary(self, state: str, reporter, changed: int) -> str:
        opened = state == ScoringState.OPEN
        if reporter is not None:
            if not changed:
                text = (
                    _("Scoring for %(org)s was open already.")
                    if opened
                    else _("Scoring for %(org)s was closed already.")
                )
            else:
                text = (
                    _("Scoring opened for %(org)s.") if opened else _("Scoring closed for %(org)s.")
                )
            return text % {"org": f"{reporter.organization.code} {reporter.organization.name}"}
        text = (
            _("Scoring opened for %(n)d reporter(s); the others were open already.")
            if opened
            else _("Scoring closed for %(n)d reporter(s); the others were closed already.")
        )
        return text % {"n": changed}
