"""Staff pages for paper ballots (typed in, checked, decided) and the practice round (试评)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from appraisal.permissions import staff_required
from meetings import paper, rehearsal
from meetings.ballots import BallotRejected
from meetings.models import PaperDecision, PaperEntry, Stage
from meetings.paper_forms import PaperEntryForm
from meetings.permissions import get_meeting_or_404

PAGE_SIZE = 50


@staff_required
def paper_list(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    q = request.GET.get("q", "").strip()[:20]
    cases = paper.paper_cases(meeting, seat_code=q)
    counts = dict.fromkeys(paper.PaperStatus, 0)
    for case in cases:
        counts[case.status] += 1
    status = request.GET.get("status", "")
    if status in paper.PaperStatus.values:
        cases = [c for c in cases if c.status == status]
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    indicators = list(meeting.scheme.indicators.all())
    context = {
        "meeting": meeting,
        "page": page,
        "rows": [case_row(case, indicators) for case in page],
        "indicators": indicators,
        "tabs": [(s, counts[s]) for s in paper.PaperStatus],
        "total": sum(counts.values()),
        "status": status,
        "q": q,
        "query": urlencode({k: v for k, v in (("status", status), ("q", q)) if v}),
    }
    return render(request, "meetings/paper_list.html", context)


def shown(value) -> str:
    """A typed value as a cell shows it: a dash for nothing, a score as typed ("0" stays)."""
    return "—" if value is None or value == "" else str(value)


def case_row(case: paper.PaperCase, indicators) -> dict:
    """A case as the list shows it; typed values only where typings differ, so a second
    typist of an anonymous ballot types from the paper, not from the screen."""
    differing = case.differing() if case.status == paper.PaperStatus.MISMATCH else set()
    keys = [i.code for i in indicators] + ["grade", "opinion"]
    typings = [
        {"entry": e, "cells": [(shown(paper.typed_value(e, k)), k in differing) for k in keys]}
        for e in case.entries
    ]
    return {"case": case, "typings": typings if differing else []}


@staff_required
def paper_new(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    initial = {"seat": request.GET.get("seat", ""), "reporter": request.GET.get("reporter")}
    form = PaperEntryForm(request.POST or None, meeting=meeting, initial=initial)
    published = meeting.stage == Stage.PUBLISHED
    if request.method == "POST" and published:
        messages.error(request, _("Results are published: paper ballots can no longer be entered."))
    elif request.method == "POST" and form.is_valid():
        seat, reporter = form.seat_obj, form.cleaned_data["reporter"]
        try:
            case = paper.enter_paper(meeting, seat, reporter, form.ballot_input, by=request.user)
        except (paper.PaperRefused, BallotRejected) as refused:
            messages.error(request, refused_message(refused))
        else:
            return after_entry(request, meeting, case)
    status = 400 if request.method == "POST" else 200
    context = {"meeting": meeting, "form": form, "published": published}
    return render(request, "meetings/paper_form.html", context, status=status)


def refused_message(refused: Exception) -> str:
    if isinstance(refused, BallotRejected):
        return " ".join(refused.errors.values())
    return str(refused)


def after_entry(request, meeting, case: paper.PaperCase):
    """Say where the typed ballot stands; go on to the next reporter of the same paper form."""
    context = {"seat": case.seat.code, "org": case.reporter.organization}
    status = case.status
    if status == paper.PaperStatus.DECIDE:
        messages.warning(request, _("A ballot is already stored: decide which one counts."))
        return redirect("paper_decide", pk=meeting.pk, entry_pk=case.last.pk)
    if status == paper.PaperStatus.MISMATCH:
        messages.warning(
            request,
            _("Seat %(seat)s, %(org)s: the typings differ. Check the paper form.") % context,
        )
        url = reverse("paper_list", args=[meeting.pk])
        return redirect(f"{url}?{urlencode({'status': status, 'q': case.seat.code})}")
    if status == paper.PaperStatus.CHECK:
        text = _("Seat %(seat)s, %(org)s: typed once; a colleague must type it again.")
    else:
        text = _("Seat %(seat)s, %(org)s: the paper ballot is counted.")
    messages.success(request, text % context)
    following = meeting.reporters.filter(order__gt=case.reporter.order).order_by("order").first()
    query = {"seat": case.seat.code, "reporter": following.pk if following else ""}
    return redirect(f"{reverse('paper_new', args=[meeting.pk])}?{urlencode(query)}")


@staff_required
def paper_decide(request, pk, entry_pk):
    meeting = get_meeting_or_404(request.user, pk)
    entry = get_object_or_404(PaperEntry, pk=entry_pk, reporter__meeting=meeting)
    case = paper.open_case(meeting, entry.seat, entry.reporter)
    if case is None or case.status != paper.PaperStatus.DECIDE:
        messages.info(request, _("This paper ballot is not waiting for a decision."))
        return redirect("paper_list", pk=meeting.pk)
    if request.method == "POST":
        try:
            choice = paper.decide_paper(
                meeting, case.seat, case.reporter, request.POST.get("choice", ""), by=request.user
            )
        except paper.PaperRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, str(PaperDecision(choice).label))
            return redirect("paper_list", pk=meeting.pk)
    context = {"meeting": meeting, "case": case, "rows": compare_rows(meeting, case)}
    return render(request, "meetings/paper_decide.html", context)


def compare_rows(meeting, case: paper.PaperCase) -> list[dict]:
    """Paper against stored ballot, field by field, with the fields that differ marked."""
    agreed, stored = case.agreed(), case.ballot
    rows = [(i.name, i.code) for i in meeting.scheme.indicators.all()]
    rows += [(_("Grade"), "grade"), (_("Opinion"), "opinion")]
    result = []
    for label, key in rows:
        mine = paper.typed_value(agreed, key)
        theirs = paper.typed_value(stored, key) if stored else None
        result.append(
            {
                "label": label,
                "paper": shown(mine),
                "stored": shown(theirs),
                "differs": mine != theirs,
            }
        )
    return result


@staff_required
def rehearsal_page(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    if request.method == "POST":
        try:
            reporter = rehearsal.add_practice_reporter(meeting)
        except rehearsal.RehearsalRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request, _("%(org)s is on the agenda as the practice reporter.") % {"org": reporter}
            )
        return redirect("rehearsal", pk=meeting.pk)
    context = {
        "meeting": meeting,
        "practice": rehearsal.practice_reporters(meeting).select_related("organization").first(),
        "counts": rehearsal.rehearsal_counts(meeting),
        "allowed": meeting.stage in rehearsal.REHEARSAL_STAGES,
    }
    return render(request, "meetings/rehearsal.html", context)


@staff_required
def rehearsal_purge(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    if request.method == "POST":
        try:
            counts = rehearsal.purge_rehearsal(meeting, by=request.user)
        except rehearsal.RehearsalRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("Practice round purged: %(n)d ballot(s) removed; everything else is kept.")
                % {"n": counts.ballots},
            )
        return redirect("rehearsal", pk=meeting.pk)
    context = {
        "meeting": meeting,
        "counts": rehearsal.rehearsal_counts(meeting),
        "allowed": meeting.stage in rehearsal.REHEARSAL_STAGES,
    }
    return render(request, "meetings/rehearsal_purge.html", context)
