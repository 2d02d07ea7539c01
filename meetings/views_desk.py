"""The control desk: staff run the hall from here, one POST per button."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appraisal.permissions import staff_required
from meetings import live
from meetings.models import Stage, StageError
from meetings.permissions import get_meeting_or_404, get_reporter_or_404

HISTORY_ROWS = 8


class TimeLimitForm(forms.Form):
    """The time limit of each report, typed as minutes:seconds ("6:00") or whole minutes."""

    limit = forms.CharField(
        label=gettext_lazy("Time limit per report (mm:ss)"),
        max_length=6,
        error_messages={"required": gettext_lazy("Enter the time limit, e.g. 6:00.")},
    )

    def clean_limit(self) -> int:
        match = re.fullmatch(r"\s*(\d{1,2})(?::([0-5]\d))?\s*", self.cleaned_data["limit"])
        seconds = int(match[1]) * 60 + int(match[2] or 0) if match else 0
        if not 30 <= seconds <= 3600:
            raise forms.ValidationError(
                _("Write the time limit as minutes:seconds from 00:30 to 60:00, e.g. 6:00.")
            )
        return seconds


def desk_context(meeting, time_form=None) -> dict:
    return {
        **panel_context(meeting),
        "time_form": time_form
        or TimeLimitForm(initial={"limit": live.clock(meeting.report_seconds)}),
        "next_stages": [(Stage(to), reasons) for to, reasons in meeting.next_stages()],
        "events": meeting.events.select_related("by").order_by("-at", "-id")[:HISTORY_ROWS],
    }


def panel_context(meeting) -> dict:
    countdown = live.countdown_state(meeting)
    return {
        "meeting": meeting,
        "counts": live.desk_counts(meeting),
        "countdown": {
            **countdown,
            "clock": live.clock(countdown["remaining"]),
            "limit_clock": live.clock(countdown["limit"]),
        },
        "is_live": meeting.stage == Stage.LIVE,
        "results_allowed": meeting.stage in live.RESULT_STAGES,
    }


@staff_required
def desk(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    return render(request, "meetings/desk.html", desk_context(meeting))


@staff_required
def desk_panel(request, pk):
    """The polled part of the desk (every 2 s): current reporter, countdown, live counts."""
    meeting = get_meeting_or_404(request.user, pk)
    return render(request, "meetings/desk_panel.html", panel_context(meeting))


@staff_required
@require_POST
def desk_action(request, pk, action):
    meeting = get_meeting_or_404(request.user, pk)
    handler = DESK_ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        message = handler(request, meeting)
    except live.LiveError as error:
        messages.error(request, str(error))
    except StageError as error:
        messages.error(request, " ".join(error.reasons))
    else:
        messages.success(request, message)
    return redirect("desk", pk=meeting.pk)


@staff_required
@require_POST
def desk_time_limit(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    form = TimeLimitForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["limit"]))
        return render(request, "meetings/desk.html", desk_context(meeting, form), status=400)
    live.set_time_limit(meeting, form.cleaned_data["limit"], request.user)
    messages.success(
        request,
        _("Time limit per report: %(limit)s.") % {"limit": live.clock(meeting.report_seconds)},
    )
    return redirect("desk", pk=meeting.pk)


@never_cache
@staff_required
@require_POST
def desk_projector_link(request, pk):
    """Issue a fresh projector link and show it once; the earlier link stops working."""
    meeting = get_meeting_or_404(request.user, pk)
    token = live.issue_projector_link(meeting, request.user)
    url = request.build_absolute_uri(reverse("projector", args=[token]))
    return render(request, "meetings/desk_projector_link.html", {"meeting": meeting, "url": url})


# One small handler per button: each calls one action of `meetings.live` and says what it did.


def posted_reporter(request, meeting):
    """The reporter a button names: its id, "all" (None), or the current one if none given."""
    value = request.POST.get("reporter", "")
    if value == "all":
        return None
    if value.isdigit():
        return get_reporter_or_404(meeting, int(value))
    if meeting.current_reporter_id is None:
        raise live.LiveError(_("No reporter has been called yet."))
    return get_reporter_or_404(meeting, meeting.current_reporter_id)


def call_reporter(request, meeting) -> str:
    reporter = live.call_reporter(meeting, posted_reporter(request, meeting), request.user)
    return _("Now reporting: %(reporter)s.") % {"reporter": reporter}


def call_next(request, meeting) -> str:
    reporter = live.call_next(meeting, request.user)
    return _("Now reporting: %(reporter)s.") % {"reporter": reporter}


def countdown_start(request, meeting) -> str:
    live.countdown_start(meeting, request.user)
    return _("The countdown is running.")


def countdown_pause(request, meeting) -> str:
    live.countdown_pause(meeting, request.user)
    return _("The countdown is paused.")


def countdown_reset(request, meeting) -> str:
    live.countdown_reset(meeting, request.user)
    return _("The countdown is back to %(limit)s.") % {"limit": live.clock(meeting.report_seconds)}


def scoring_open(request, meeting) -> str:
    reporter = posted_reporter(request, meeting)
    changed = live.open_scoring(meeting, reporter, request.user)
    who = reporter or _("all reporters")
    if not changed:
        return _("Scoring was already open for %(who)s.") % {"who": who}
    return _("Scoring is open for %(who)s.") % {"who": who}


def scoring_close(request, meeting) -> str:
    reporter = posted_reporter(request, meeting)
    changed = live.close_scoring(meeting, reporter, request.user)
    who = reporter or _("all reporters")
    if not changed:
        return _("Scoring was already closed for %(who)s.") % {"who": who}
    return _("Scoring is closed for %(who)s; later ballots are refused.") % {"who": who}


def results_show(request, meeting) -> str:
    live.show_results(meeting, True, request.user)
    return _("The results are on the projector.")


def results_hide(request, meeting) -> str:
    live.show_results(meeting, False, request.user)
    return _("The results are hidden from the projector.")


def stage_advance(request, meeting) -> str:
    to = request.POST.get("to", "")
    if to not in Stage.values:
        raise live.LiveError(_("Choose a stage to move to."))
    meeting.advance(to, by=request.user)
    live.forget(meeting)
    return _("The meeting is now “%(stage)s”.") % {"stage": Stage(to).label}


DESK_ACTIONS = {
    "call": call_reporter,
    "next": call_next,
    "countdown-start": countdown_start,
    "countdown-pause": countdown_pause,
    "countdown-reset": countdown_reset,
    "scoring-open": scoring_open,
    "scoring-close": scoring_close,
    "results-show": results_show,
    "results-hide": results_hide,
    "stage": stage_advance,
}
