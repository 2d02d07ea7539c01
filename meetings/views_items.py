"""The rectification list (整改清单): the staff dashboard and item pages, the secretary's own
items, evidence downloads and the bulk progress update from Excel."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appraisal.permissions import staff_required
from appraisal.views.roster_io import xlsx_response
from meetings import items_excel as excel
from meetings import rectification as rect
from meetings.item_forms import (
    DoneForm,
    ItemCreateForm,
    ItemFilterForm,
    ItemForm,
    LinkForm,
    NoteForm,
    ProgressForm,
)
from meetings.models import ItemProgress, ItemStatus, ProblemSource, RectificationItem, Reporter
from meetings.permissions import get_meeting_or_404
from meetings.permissions_reports import secretary_required, user_secretary
from meetings.uploads import private_file_response

PAGE_SIZE = 50
STATUS_ORDER = Case(
    *(When(status=value, then=Value(i)) for i, value in enumerate(ItemStatus.values)),
    output_field=IntegerField(),
)
SORTS = {
    "deadline": [F("deadline").asc(nulls_last=True), "id"],
    "-deadline": [F("deadline").desc(nulls_last=True), "-id"],
    "organization": ["organization__code", F("deadline").asc(nulls_last=True), "id"],
    "status": [STATUS_ORDER, F("deadline").asc(nulls_last=True), "id"],
    "-updated": ["-updated_at", "-id"],
}


# Helpers shared by the staff and the secretary pages


def filtered_items(user, form: ItemFilterForm):
    """The staff member's items narrowed by the dashboard's filters, and the chosen sort."""
    items = rect.staff_items(user).select_related("organization", "meeting")
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    if q := data.get("q", "").strip():
        items = items.filter(
            Q(problem__icontains=q) | Q(measures__icontains=q) | Q(owner__icontains=q)
            | Q(organization__name__icontains=q)
        )  # fmt: skip
    for name in ("meeting", "organization", "source", "status"):
        if data.get(name):
            items = items.filter(**{name: data[name]})
    due = data.get("due")
    if due == "overdue":
        items = items.filter(rect.overdue_q(today))
    elif due == "due_soon":
        items = items.filter(rect.due_soon_q(today))
    elif due == "came_back":
        items = items.filter(previous_item__isnull=False)
    return items, data.get("sort") or "deadline"


def rate(part: int, whole: int) -> float | None:
    return part / whole * 100 if whole else None


def summary(items) -> dict:
    """Counts by status, overdue and due soon, completion and closing rates, per organization."""
    today = timezone.localdate()
    counts = dict(items.order_by().values_list("status").annotate(n=Count("id")))
    total = sum(counts.values())
    finished = counts.get(ItemStatus.DONE, 0) + counts.get(ItemStatus.CLOSED, 0)
    by_org = (
        items.order_by("organization__code")
        .values("organization_id", "organization__code", "organization__name")
        .annotate(
            total=Count("id"),
            **{f"n{i}": Count("id", filter=Q(status=s)) for i, s in enumerate(ItemStatus.values)},
            overdue=Count("id", filter=rect.overdue_q(today)),
            due_soon=Count("id", filter=rect.due_soon_q(today)),
        )
    )
    orgs = [
        {**row, "statuses": [row[f"n{i}"] for i in range(len(ItemStatus.values))],
         "rate": rate(row["n2"] + row["n3"], row["total"])}
        for row in by_org
    ]  # fmt: skip
    return {
        "total": total,
        "statuses": [(label, counts.get(value, 0)) for value, label in ItemStatus.choices],
        "completion": rate(finished, total),
        "closing": rate(counts.get(ItemStatus.CLOSED, 0), total),
        "overdue": items.filter(rect.overdue_q(today)).count(),
        "due_soon": items.filter(rect.due_soon_q(today)).count(),
        "came_back": items.filter(previous_item__isnull=False).count(),
        "orgs": orgs,
    }


def source_link(item: RectificationItem, *, staff: bool) -> str | None:
    """Where the problem came from: the leader's comment, the duty report, the opinions."""
    reporter = (
        Reporter.objects.filter(meeting_id=item.meeting_id, organization_id=item.organization_id)
        .order_by("id")
        .first()
        if item.meeting_id
        else None
    )
    if reporter is None:
        return None
    if item.source == ProblemSource.SELF:
        if staff:
            return reverse("report_edit", args=[reporter.meeting_id, reporter.pk])
        return reverse("my_report", args=[reporter.pk])
    if not staff:
        return None
    if item.source == ProblemSource.COMMENT:
        return reverse("comment_list", args=[reporter.meeting_id, reporter.pk])
    if item.source == ProblemSource.APPRAISAL:
        return reverse("reporter_opinions", args=[reporter.meeting_id, reporter.pk])
    return None


def item_page(request, item, *, staff: bool, progress_form=None, status=200):
    """The item with its progress, history and the forms the viewer may use."""
    context = {
        "item": item,
        "staff_view": staff,
        "due_state": rect.due_state(item),
        "source_url": source_link(item, staff=staff),
        "progress": item.progress.select_related("by"),
        "history": rect.history(item),
        "progress_form": progress_form or ProgressForm(),
        "can_progress": item.status != ItemStatus.CLOSED,
        "can_done": rect.can_move(request.user, item, "done"),
        "can_close": staff and rect.can_move(request.user, item, "close"),
        "can_send_back": staff and rect.can_move(request.user, item, "send_back"),
        "note_form": NoteForm(),
    }
    if staff:
        context["link_form"] = LinkForm(initial={"previous": item.previous_item_id}, item=item)
        context["suggestions"] = rect.suggest_previous(item)
    return render(request, "meetings/item_detail.html", context, status=status)


def evidence_response(progress: ItemProgress) -> FileResponse:
    """An evidence file as a download (never inline); callers decide who may have it."""
    return private_file_response(progress.evidence, progress.evidence_name)


def post_progress(request, item, *, staff: bool):
    """Store a valid progress note, or show the page again with the typed text kept."""
    form = ProgressForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("The progress note was not saved; see below."))
        return item_page(request, item, staff=staff, progress_form=form, status=400)
    try:
        rect.add_progress(
            item,
            by=request.user,
            day=form.cleaned_data["day"],
            note=form.cleaned_data["note"],
            evidence=form.cleaned_data.get("evidence"),
            document=form.document,
        )
    except rect.ItemError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Progress note saved."))
    return None


def apply(request, change, item, **kwargs) -> None:
    """Run one change of the item, reporting success or the reason it was refused."""
    try:
        change(item, by=request.user, **kwargs)
    except rect.ItemError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Item updated: %(status)s.") % {"status": item.get_status_display()}
        )


# Staff pages


@staff_required
def item_dashboard(request):
    form = ItemFilterForm(request.GET or None, user=request.user)
    items, sort = filtered_items(request.user, form)
    page = Paginator(items.order_by(*SORTS[sort]), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [(item, rect.due_state(item, today)) for item in page],
        "query": query.urlencode(),
        "summary": summary(items),
        "came_back": items.filter(previous_item__isnull=False).select_related(
            "previous_item", "previous_item__meeting"
        )[:20],
    }
    return render(request, "meetings/items_dashboard.html", context)


@staff_required
def meeting_items(request, pk):
    """A meeting's items: the dashboard filtered to it."""
    meeting = get_meeting_or_404(request.user, pk)
    return redirect(f"{reverse('item_dashboard')}?meeting={meeting.pk}")


@staff_required
def item_create(request):
    initial = {k: request.GET[k] for k in ("organization", "meeting") if request.GET.get(k)}
    form = ItemCreateForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = rect.create_item(
            by=request.user,
            organization=data["organization"],
            meeting=data["meeting"],
            **form.changed_values(),
        )
        messages.success(request, _("Rectification item added."))
        return redirect("item_detail", item_pk=item.pk)
    return render(request, "meetings/item_form.html", {"form": form})


@staff_required
def item_detail(request, item_pk):
    return item_page(request, rect.get_item_or_404(request.user, item_pk), staff=True)


@staff_required
def item_edit(request, item_pk):
    item = rect.get_item_or_404(request.user, item_pk)
    form = ItemForm(request.POST or None, instance=RectificationItem.objects.get(pk=item.pk))
    if request.method == "POST" and form.is_valid():
        changes = rect.edit_item(item, by=request.user, **form.changed_values())
        if changes:
            messages.success(request, _("Rectification item saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("item_detail", item_pk=item.pk)
    return render(request, "meetings/item_form.html", {"form": form, "item": item})


@staff_required
@require_POST
def item_progress(request, item_pk):
    item = rect.get_item_or_404(request.user, item_pk)
    return post_progress(request, item, staff=True) or redirect("item_detail", item_pk=item.pk)


@staff_required
@require_POST
def item_done(request, item_pk):
    item = rect.get_item_or_404(request.user, item_pk)
    form = DoneForm(request.POST)
    apply(request, rect.mark_done, item, note=form.data.get("note", "").strip())
    return redirect("item_detail", item_pk=item.pk)


@staff_required
@require_POST
def item_close(request, item_pk):
    item = rect.get_item_or_404(request.user, item_pk)
    apply(request, rect.close_item, item, note=request.POST.get("note", ""))
    return redirect("item_detail", item_pk=item.pk)


@staff_required
@require_POST
def item_send_back(request, item_pk):
    item = rect.get_item_or_404(request.user, item_pk)
    apply(request, rect.send_back, item, note=request.POST.get("note", ""))
    return redirect("item_detail", item_pk=item.pk)


@staff_required
@require_POST
def item_link(request, item_pk):
    """Link the item to the earlier item of the same problem, or remove the link."""
    item = rect.get_item_or_404(request.user, item_pk)
    form = LinkForm(request.POST, item=item)
    if not form.is_valid():
        messages.error(request, _("Choose an earlier item of the same organization."))
    else:
        try:
            rect.link_previous(item, form.cleaned_data["previous"], by=request.user)
        except rect.ItemError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Link saved."))
    return redirect("item_detail", item_pk=item.pk)


@never_cache
@staff_required
def item_evidence(request, item_pk, progress_pk):
    item = rect.get_item_or_404(request.user, item_pk)
    return evidence_response(get_object_or_404(item.progress, pk=progress_pk))


def progress_upload(request, scope, *, done: str, template: str, staff_view: bool):
    """Bulk progress update from a workbook, for the items in `scope`; all rows or none."""
    form = excel.ItemsUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        result = excel.import_progress(form.cleaned_data["file"], scope, by=request.user)
        if not result.errors:
            messages.success(request, result.summary())
            return redirect(done)
        errors = result.errors
    context = {"form": form, "errors": errors, "template_url": reverse(template)}
    return render(request, "meetings/items_excel.html", {**context, "staff_view": staff_view})


@staff_required
def items_excel(request):
    """Bulk progress update: download the items as a workbook, fill it in, upload it back."""
    scope = rect.staff_items(request.user)
    return progress_upload(
        request, scope, done="item_dashboard", template="items_excel_template", staff_view=True
    )


@staff_required
def items_excel_template(request):
    """The items the dashboard's filters select, in the workbook the upload reads back."""
    items, sort = filtered_items(
        request.user, ItemFilterForm(request.GET or None, user=request.user)
    )
    workbook = excel.progress_workbook(items.order_by(*SORTS[sort]))
    return xlsx_response(workbook, f"整改进展-{timezone.localdate():%Y%m%d}.xlsx")


# The secretary's own items


@secretary_required
def my_items(request):
    secretary = user_secretary(request.user)
    items = rect.secretary_items(secretary).select_related("meeting").order_by(*SORTS["deadline"])
    today = timezone.localdate()
    context = {
        "secretary": secretary,
        "rows": [(item, rect.due_state(item, today)) for item in items],
        "summary": summary(items),
    }
    return render(request, "meetings/my_items.html", context)


@secretary_required
def my_item(request, item_pk):
    return item_page(request, rect.get_own_item_or_404(request.user, item_pk), staff=False)


@secretary_required
@require_POST
def my_item_progress(request, item_pk):
    item = rect.get_own_item_or_404(request.user, item_pk)
    return post_progress(request, item, staff=False) or redirect("my_item", item_pk=item.pk)


@secretary_required
@require_POST
def my_item_done(request, item_pk):
    item = rect.get_own_item_or_404(request.user, item_pk)
    apply(request, rect.mark_done, item, note=request.POST.get("note", "").strip())
    return redirect("my_item", item_pk=item.pk)


@never_cache
@secretary_required
def my_item_evidence(request, item_pk, progress_pk):
    item = rect.get_own_item_or_404(request.user, item_pk)
    return evidence_response(get_object_or_404(item.progress, pk=progress_pk))


@secretary_required
def my_items_excel(request):
    scope = rect.secretary_items(user_secretary(request.user))
    return progress_upload(
        request, scope, done="my_items", template="my_items_excel_template", staff_view=False
    )


@secretary_required
def my_items_excel_template(request):
    items = rect.secretary_items(user_secretary(request.user)).select_related("organization")
    workbook = excel.progress_workbook(items.order_by(*SORTS["deadline"]))
    return xlsx_response(workbook, f"整改进展-{timezone.localdate():%Y%m%d}.xlsx")
