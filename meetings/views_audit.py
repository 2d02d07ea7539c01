"""The audit trail pages: one meeting's history, and the committee's (roster imports too)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from appraisal.permissions import committee_ids, staff_required
from meetings.audit import PAGE_SIZE, audit_events, describe
from meetings.models import EventAction
from meetings.permissions import get_meeting_or_404


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *EventAction.choices]
    )


def render_audit(request, meeting=None):
    form = AuditFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    events = audit_events(
        committee_ids(request.user),
        meeting,
        action=data.get("action", ""),
        q=data.get("q", "").strip(),
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [(event, describe(event)) for event in page]
    context = {"meeting": meeting, "form": form, "page": page, "rows": rows}
    return render(request, "meetings/audit.html", {**context, "query": query.urlencode()})


@staff_required
def meeting_audit(request, pk):
    """Everything that happened to one meeting, newest first."""
    return render_audit(request, get_meeting_or_404(request.user, pk))


@staff_required
def committee_audit(request):
    """Every meeting's events and the roster imports of the committees in scope."""
    return render_audit(request)
