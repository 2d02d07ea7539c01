"""The seats page: seats per evaluator group, their links (shown once) and QR cards."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appraisal.permissions import staff_required
from meetings import cards
from meetings.models import EventAction, Meeting, MeetingEvent, Seat, Stage
from meetings.permissions import get_meeting_or_404
from meetings.seat_forms import LinkScope, NamedSeatsForm, SeatCountForm


def can_change_seats(meeting: Meeting) -> bool:
    """Seats may be added (and removed, if they have no ballots) until scoring is closed."""
    return meeting.stage not in (Stage.CLOSED, Stage.PUBLISHED)


def seat_context(meeting: Meeting, **forms) -> dict:
    seats = list(
        meeting.seats.select_related("group", "organization")
        .annotate(n_ballots=Count("ballots"))
        .order_by("code")
    )
    groups = [
        {"group": g, "seats": [s for s in seats if s.group_id == g.pk]}
        for g in meeting.scheme.groups.all()
    ]
    for row in groups:
        row["n_links"] = sum(1 for s in row["seats"] if s.has_link)
    scope_form = forms.get("scope_form") or LinkScope(meeting=meeting)
    return {
        "meeting": meeting,
        "groups": groups,
        "n_seats": len(seats),
        "n_links": sum(1 for s in seats if s.has_link),
        "seats_open": can_change_seats(meeting),
        "count_form": forms.get("count_form") or SeatCountForm(meeting=meeting),
        "named_form": forms.get("named_form") or NamedSeatsForm(meeting=meeting),
        "scope_form": scope_form,
        "checked": {str(pk) for pk in scope_form["seats"].value() or []},
    }


@staff_required
def seat_list(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    return render(request, "meetings/seat_list.html", seat_context(meeting))


@staff_required
@require_POST
def seat_create(request, pk):
    """Seats by count, or (named meetings) by a pasted list of holders; all or nothing."""
    meeting = get_meeting_or_404(request.user, pk)
    named = request.POST.get("kind") == "named" and not meeting.anonymous
    form_class, key = (NamedSeatsForm, "named_form") if named else (SeatCountForm, "count_form")
    form = form_class(request.POST, meeting=meeting)
    if not can_change_seats(meeting):
        messages.error(request, _("Scoring is closed: seats can no longer change."))
    elif form.is_valid():
        seats = form.save()
        messages.success(request, _("%(n)d seat(s) added.") % {"n": len(seats)})
    else:
        messages.error(request, _("No seat was added: correct the marked input and try again."))
        context = seat_context(meeting, **{key: form})
        return render(request, "meetings/seat_list.html", context, status=400)
    return redirect("seat_list", pk=meeting.pk)


@staff_required
@require_POST
def seat_remove(request, pk, seat_pk):
    """Only a seat nobody has voted on goes: its ballots (online or paper) keep it."""
    meeting = get_meeting_or_404(request.user, pk)
    seat = get_object_or_404(Seat, pk=seat_pk, meeting=meeting)
    if not can_change_seats(meeting):
        messages.error(request, _("Scoring is closed: seats can no longer change."))
    elif seat.ballots.exists() or seat.paper_entries.exists():
        messages.error(request, _("Seat %(code)s has ballots and stays.") % {"code": seat.code})
    else:
        seat.delete()
        messages.success(request, _("Seat %(code)s removed.") % {"code": seat.code})
    return redirect("seat_list", pk=meeting.pk)


@staff_required
@require_POST
def seat_revoke(request, pk, seat_pk):
    meeting = get_meeting_or_404(request.user, pk)
    seat = get_object_or_404(Seat, pk=seat_pk, meeting=meeting)
    if seat.has_link:
        seat.revoke_link()
        MeetingEvent.record(meeting, EventAction.LINK_REVOKED, by=request.user, note=seat.code)
    messages.success(request, _("The link of seat %(code)s no longer works.") % {"code": seat.code})
    return redirect("seat_list", pk=meeting.pk)


def scoped_links(request, meeting: Meeting, note: str = ""):
    """Issue fresh links for the chosen seats: (form, card rows), rows None if the form fails."""
    form = LinkScope(request.POST, meeting=meeting)
    if not form.is_valid():
        return form, None

    def url_for(token: str) -> str:
        return request.build_absolute_uri(f"/s/{token}/")

    seats = form.chosen_seats()
    return form, cards.issue_links(meeting, seats, by=request.user, url_for=url_for, note=note)


def invalid_scope(request, meeting: Meeting, form: LinkScope) -> HttpResponse:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    context = seat_context(meeting, scope_form=form)
    return render(request, "meetings/seat_list.html", context, status=400)


@never_cache
@staff_required
@require_POST
def seat_links(request, pk):
    """The links, shown this once: as a CSV file, or as a table with a CSV to save."""
    meeting = get_meeting_or_404(request.user, pk)
    form, rows = scoped_links(request, meeting)
    if rows is None:
        return invalid_scope(request, meeting, form)
    if not rows:
        messages.error(request, _("There are no seats to give links to; add seats first."))
        return redirect("seat_list", pk=meeting.pk)
    csv_text = cards.links_csv(meeting, rows)
    if form.cleaned_data["csv"]:
        response = HttpResponse(csv_text, content_type="text/csv; charset=utf-8")
        return attach(response, _("seat-links-%(title)s.csv") % {"title": meeting.title})
    context = {"meeting": meeting, "rows": rows, "csv_text": csv_text}
    context["csv_name"] = _("seat-links-%(title)s.csv") % {"title": meeting.title}
    return render(request, "meetings/seat_links.html", context)


@never_cache
@staff_required
@require_POST
def seat_cards(request, pk):
    """Fresh links for the chosen seats, printed as QR cards (8 per A4 sheet) in one go."""
    meeting = get_meeting_or_404(request.user, pk)
    form, rows = scoped_links(request, meeting, note=_("QR cards"))
    if rows is None:
        return invalid_scope(request, meeting, form)
    if not rows:
        messages.error(request, _("There are no seats to print; add seats first."))
        return redirect("seat_list", pk=meeting.pk)
    response = HttpResponse(cards.cards_pdf(meeting, rows), content_type="application/pdf")
    return attach(response, _("seat-cards-%(title)s.pdf") % {"title": meeting.title})


def attach(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response
