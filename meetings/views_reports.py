"""Duty reports: staff pages per meeting, the secretary's own pages, and the file download."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appraisal.permissions import staff_required
from meetings.models import Comment, DutyReport, ProblemSource, RectificationItem, Reporter
from meetings.permissions import get_meeting_or_404, get_reporter_or_404
from meetings.permissions_reports import (
    can_download_report,
    get_own_reporter_or_404,
    secretary_can_edit,
    secretary_reporters,
    secretary_required,
    staff_can_edit,
    user_secretary,
)
from meetings.problems import strip_marker
from meetings.report_forms import DutyReportForm, SecretaryAccountForm
from meetings.uploads import private_file_response


def report_file_response(report: DutyReport) -> FileResponse:
    """The report's file as a download (never shown inline); callers decide who may have it."""
    return private_file_response(report.file, report.file_name)


@transaction.atomic
def add_rectification_items(
    reporter: Reporter, problems: list[str], source: str, comment: Comment | None = None
) -> tuple[int, int]:
    """Store each problem once as an item of the reporter's organization; (added, present)."""
    present = set(
        RectificationItem.objects.filter(
            organization_id=reporter.organization_id, meeting_id=reporter.meeting_id, source=source
        ).values_list("problem", flat=True)
    )
    added = 0
    for problem in dict.fromkeys(p.strip() for p in problems if p.strip()):
        if problem in present:
            continue
        RectificationItem.objects.create(
            organization_id=reporter.organization_id,
            meeting_id=reporter.meeting_id,
            comment=comment,
            problem=problem,
            source=source,
        )
        added += 1
    return added, len(problems) - added


def report_of(reporter: Reporter) -> DutyReport:
    """The reporter's report, or a new unsaved one (nothing is created by looking)."""
    try:
        return reporter.report
    except DutyReport.DoesNotExist:
        return DutyReport(reporter=reporter)


def report_page(request, reporter: Reporter, *, editable: bool, template: str, context: dict):
    """Show the report form; on POST store a valid one and return None so the caller redirects."""
    report = report_of(reporter)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    form = DutyReportForm(request.POST or None, request.FILES or None, instance=report)
    if request.method == "POST" and form.is_valid():
        form.save_report(by=request.user)
        messages.success(request, _("The duty report of %(org)s is saved.") % {"org": reporter})
        return None
    context = {**context, "reporter": reporter, "report": report, "form": form}
    return render(request, template, {**context, "editable": editable})


@staff_required
def report_list(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    reporters = (
        meeting.reporters.select_related("organization", "secretary", "secretary__user", "report")
        .annotate(n_comments=Count("comments", distinct=True))
        .order_by("order", "id")
    )
    return render(
        request, "meetings/report_list.html", {"meeting": meeting, "reporters": reporters}
    )


@staff_required
def report_edit(request, pk, reporter_pk):
    meeting = get_meeting_or_404(request.user, pk)
    reporter = get_reporter_or_404(meeting, reporter_pk)
    response = report_page(
        request,
        reporter,
        editable=staff_can_edit(meeting),
        template="meetings/report_form.html",
        context={"meeting": meeting, "staff_view": True},
    )
    return response or redirect("report_edit", pk=meeting.pk, reporter_pk=reporter.pk)


@never_cache
@staff_required
def report_download(request, pk, reporter_pk):
    meeting = get_meeting_or_404(request.user, pk)
    reporter = get_reporter_or_404(meeting, reporter_pk)
    return report_file_response(report_of(reporter))


@staff_required
@require_POST
def report_self_items(request, pk, reporter_pk):
    """The self-examination lines become items with source 自己查摆, each once."""
    meeting = get_meeting_or_404(request.user, pk)
    reporter = get_reporter_or_404(meeting, reporter_pk)
    lines = [strip_marker(line) for line in report_of(reporter).self_examination_lines()]
    if not any(lines):
        messages.error(request, _("The report lists no self-examination problem yet."))
    else:
        added, present = add_rectification_items(reporter, lines, ProblemSource.SELF)
        messages.success(
            request,
            _("%(added)d rectification item(s) added; %(present)d were already there.")
            % {"added": added, "present": present},
        )
    return redirect("report_edit", pk=meeting.pk, reporter_pk=reporter.pk)


@staff_required
def secretary_account(request, pk, reporter_pk):
    """Staff open a login for the reporter's secretary, who then hands in the report."""
    meeting = get_meeting_or_404(request.user, pk)
    reporter = get_reporter_or_404(meeting, reporter_pk)
    secretary = reporter.secretary
    if secretary is None or secretary.user_id is not None:
        return render(
            request,
            "meetings/report_secretary_account.html",
            {"meeting": meeting, "reporter": reporter, "secretary": secretary},
        )
    form = SecretaryAccountForm(request.POST or None, secretary=secretary)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(
            request,
            _("Account “%(user)s” opened for %(name)s. Hand over the initial password.")
            % {"user": user.username, "name": secretary.name},
        )
        return redirect("report_edit", pk=meeting.pk, reporter_pk=reporter.pk)
    context = {"meeting": meeting, "reporter": reporter, "secretary": secretary, "form": form}
    return render(request, "meetings/report_secretary_account.html", context)


@secretary_required
def my_reports(request):
    secretary = user_secretary(request.user)
    reporters = secretary_reporters(secretary).select_related("report")
    rows = [(r, secretary_can_edit(r.meeting)) for r in reporters]
    return render(request, "meetings/my_reports.html", {"secretary": secretary, "rows": rows})


@secretary_required
def my_report(request, reporter_pk):
    reporter = get_own_reporter_or_404(request.user, reporter_pk)
    response = report_page(
        request,
        reporter,
        editable=secretary_can_edit(reporter.meeting),
        template="meetings/report_form.html",
        context={"meeting": reporter.meeting, "staff_view": False},
    )
    return response or redirect("my_report", reporter_pk=reporter.pk)


@never_cache
@secretary_required
def my_report_download(request, reporter_pk):
    reporter = get_own_reporter_or_404(request.user, reporter_pk)
    report = report_of(reporter)
    if not can_download_report(request.user, report):
        raise Http404
    return report_file_response(report)
