"""Staff pages of a meeting: list, set-up, agenda, daily scores, stage, results."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appraisal.permissions import committee_for_new_objects, committee_ids, staff_required
from meetings.bundle import dumps, export_bundle
from meetings.forms import (
    AddReportersForm,
    MeetingFilterForm,
    MeetingForm,
    ReporterDailyFormSet,
)
from meetings.models import Ballot, Meeting, Stage, StageError
from meetings.permissions import (
    can_change_agenda,
    can_change_daily,
    get_meeting_or_404,
    get_reporter_or_404,
)

PAGE_SIZE = 20


@staff_required
def meeting_list(request):
    form = MeetingFilterForm(request.GET)
    meetings = Meeting.objects.for_committees(committee_ids(request.user)).annotate(
        n_reporters=Count("reporters", distinct=True), n_seats=Count("seats", distinct=True)
    )
    data = form.cleaned_data if form.is_valid() else {}
    if q := data.get("q", "").strip():
        meetings = meetings.filter(Q(title__icontains=q) | Q(venue__icontains=q))
    if stage := data.get("stage"):
        meetings = meetings.filter(stage=stage)
    meetings = meetings.order_by(data.get("sort") or "-year", "-date", "-id")
    page = Paginator(meetings.select_related("scheme"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "meetings/meeting_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@staff_required
def meeting_create(request):
    committee = committee_for_new_objects(request.user)
    initial = {"year": timezone.localdate().year}
    form = MeetingForm(request.POST or None, committee=committee, initial=initial)
    if request.method == "POST" and form.is_valid():
        meeting = form.save()
        messages.success(request, _("Meeting created. Now add the reporters."))
        return redirect("meeting_detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form})


@staff_required
def meeting_edit(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    form = MeetingForm(request.POST or None, instance=meeting, committee=meeting.committee)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Meeting saved."))
        return redirect("meeting_detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


def detail_context(meeting, daily_formset=None) -> dict:
    reporters = (
        meeting.reporters.select_related("organization")
        .annotate(n_ballots=Count("ballots"))
        .order_by("order", "id")  # Meta.ordering is dropped in GROUP BY queries
    )
    return {
        "meeting": meeting,
        "reporters": reporters,
        "daily_formset": daily_formset or ReporterDailyFormSet(queryset=reporters),
        "add_form": AddReportersForm(meeting=meeting),
        "seat_counts": meeting.seats.values("group__name").annotate(n=Count("id")).order_by(),
        "n_ballots": Ballot.objects.for_meeting(meeting).count(),
        "next_stages": [(Stage(to), reasons) for to, reasons in meeting.next_stages()],
        "events": meeting.events.select_related("by").order_by("-at", "-id")[:5],
        "agenda_open": can_change_agenda(meeting),
        "daily_open": can_change_daily(meeting),
    }


@staff_required
def meeting_detail(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    return render(request, "meetings/meeting_detail.html", detail_context(meeting))


@staff_required
@require_POST
def reporter_add(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    form = AddReportersForm(request.POST, meeting=meeting)
    if not can_change_agenda(meeting):
        messages.error(request, _("The agenda is fixed once the meeting is in session."))
    elif form.is_valid():
        added = meeting.add_reporters(form.cleaned_data["organizations"])
        messages.success(request, _("%(n)d reporter(s) added to the agenda.") % {"n": len(added)})
    else:
        messages.error(request, _("Pick at least one organization that is not on the agenda yet."))
    return redirect("meeting_detail", pk=meeting.pk)


@staff_required
@require_POST
def reporter_move(request, pk, reporter_pk):
    meeting = get_meeting_or_404(request.user, pk)
    reporter = get_reporter_or_404(meeting, reporter_pk)
    if not can_change_agenda(meeting):
        messages.error(request, _("The agenda is fixed once the meeting is in session."))
    elif meeting.move_reporter(reporter, -1 if request.POST.get("direction") == "up" else 1):
        messages.success(request, _("Order changed."))
    return redirect("meeting_detail", pk=meeting.pk)


@staff_required
@require_POST
def reporter_remove(request, pk, reporter_pk):
    meeting = get_meeting_or_404(request.user, pk)
    reporter = get_reporter_or_404(meeting, reporter_pk)
    if not can_change_agenda(meeting) or reporter.ballots.exists():
        messages.error(request, _("A reporter with ballots, or of a meeting in session, stays."))
    else:
        reporter.delete()
        messages.success(request, _("%(org)s removed from the agenda.") % {"org": reporter})
    return redirect("meeting_detail", pk=meeting.pk)


@staff_required
@require_POST
def reporter_daily(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    if not can_change_daily(meeting):
        messages.error(request, _("Results are published: daily scores can no longer change."))
        return redirect("meeting_detail", pk=meeting.pk)
    formset = ReporterDailyFormSet(request.POST, queryset=meeting.reporters.all())
    if formset.is_valid():
        formset.save()
        messages.success(request, _("Daily scores and vetoes saved."))
        return redirect("meeting_detail", pk=meeting.pk)
    messages.error(request, _("Nothing was saved: correct the marked scores and save again."))
    context = detail_context(meeting, daily_formset=formset)
    return render(request, "meetings/meeting_detail.html", context, status=400)


@staff_required
@require_POST
def meeting_advance(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    to = request.POST.get("to", "")
    try:
        meeting.advance(to, by=request.user)
    except StageError as error:
        messages.error(request, " ".join(error.reasons))
    else:
        messages.success(request, _("The meeting is now “%(stage)s”.") % {"stage": Stage(to).label})
    return redirect("meeting_detail", pk=meeting.pk)


@staff_required
def meeting_export_json(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    response = HttpResponse(
        dumps(export_bundle(meeting)), content_type="application/json; charset=utf-8"
    )
    filename = f"{meeting.title}-{meeting.pk}.json"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response
