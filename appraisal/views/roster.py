"""The roster pages: organizations as a tree, and their secretaries over time."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appraisal.forms import OrganizationFilterForm, OrganizationForm, SecretaryForm
from appraisal.models import Organization, Secretary
from appraisal.permissions import (
    committee_for_new_objects,
    committee_ids,
    get_organization_or_404,
    get_secretary_or_404,
    staff_required,
)

PAGE_SIZE = 50


def tree_order(orgs: list[Organization]) -> list[tuple[Organization, int]]:
    """Organizations depth-first under their parents, each with its depth."""
    children: dict[int | None, list[Organization]] = {}
    ids = {o.pk for o in orgs}
    for org in orgs:
        children.setdefault(org.parent_id if org.parent_id in ids else None, []).append(org)
    ordered, stack = [], [(o, 0) for o in reversed(children.get(None, []))]
    while stack:
        org, depth = stack.pop()
        ordered.append((org, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(org.pk, [])))
    return ordered


def filtered_organizations(user, form: OrganizationFilterForm):
    today = timezone.localdate()
    current = Secretary.objects.in_office(today).filter(organization=OuterRef("pk"))
    orgs = (
        Organization.objects.for_committees(committee_ids(user))
        .select_related("parent", "committee")
        .annotate(secretary_name=Subquery(current.order_by("-term_start").values("name")[:1]))
    )
    data = form.cleaned_data if form.is_valid() else {}
    if q := data.get("q", "").strip():
        orgs = orgs.filter(
            Q(name__icontains=q) | Q(code__icontains=q) | Q(secretaries__name__icontains=q)
        ).distinct()
    if kind := data.get("kind"):
        orgs = orgs.filter(kind=kind)
    status = data.get("status") or "active"
    if status != "all":
        orgs = orgs.filter(active=status == "active")
    return orgs, data.get("sort") or "tree"


@staff_required
def org_list(request):
    form = OrganizationFilterForm(request.GET)
    orgs, sort = filtered_organizations(request.user, form)
    if sort == "tree":
        rows = tree_order(list(orgs.order_by("code")))
    else:
        rows = [(o, 0) for o in orgs.order_by(sort, "code")]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "appraisal/org_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "total": len(rows)},
    )


@staff_required
def org_create(request):
    committee = committee_for_new_objects(request.user)
    form = OrganizationForm(request.POST or None, committee=committee)
    if request.method == "POST" and form.is_valid():
        org = form.save()
        messages.success(request, _("Organization “%(name)s” added.") % {"name": org.name})
        return redirect("org_detail", pk=org.pk)
    return render(request, "appraisal/org_form.html", {"form": form})


@staff_required
def org_edit(request, pk):
    org = get_organization_or_404(request.user, pk)
    form = OrganizationForm(request.POST or None, instance=org, committee=org.committee)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Organization “%(name)s” saved.") % {"name": org.name})
        return redirect("org_detail", pk=org.pk)
    return render(request, "appraisal/org_form.html", {"form": form, "org": org})


@staff_required
def org_detail(request, pk):
    org = get_organization_or_404(request.user, pk)
    return render(
        request,
        "appraisal/org_detail.html",
        {
            "org": org,
            "secretaries": org.secretaries.order_by("-term_start", "-id"),
            "current": org.current_secretary(),
            "children": org.children.order_by("code"),
        },
    )


@staff_required
@require_POST
def org_set_active(request, pk):
    """Deactivate or reactivate: organizations are never deleted, meetings refer to them."""
    org = get_organization_or_404(request.user, pk)
    org.active = request.POST.get("active") == "1"
    org.save(update_fields=["active", "updated_at"])
    if org.active:
        messages.success(request, _("“%(name)s” is active again.") % {"name": org.name})
    else:
        messages.success(
            request,
            _("“%(name)s” is deactivated; it stays on record in earlier meetings.")
            % {"name": org.name},
        )
    return redirect("org_detail", pk=org.pk)


@staff_required
def secretary_create(request, pk):
    org = get_organization_or_404(request.user, pk)
    current = org.current_secretary()
    form = SecretaryForm(request.POST or None, initial={"term_start": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            data = form.cleaned_data
            if current and data["term_start"] and request.POST.get("replaces") == "1":
                current.succeed(
                    name=data["name"],
                    title=data["title"],
                    phone=data["phone"],
                    start=data["term_start"],
                )
                messages.success(
                    request,
                    _("%(new)s succeeds %(old)s; %(old)s stays on record.")
                    % {"new": data["name"], "old": current.name},
                )
            else:
                form.instance.organization = org
                form.save()
                messages.success(request, _("Secretary %(name)s added.") % {"name": data["name"]})
        return redirect("org_detail", pk=org.pk)
    return render(
        request, "appraisal/secretary_form.html", {"form": form, "org": org, "current": current}
    )


@staff_required
def secretary_edit(request, pk):
    secretary = get_secretary_or_404(request.user, pk)
    form = SecretaryForm(request.POST or None, instance=secretary)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Secretary %(name)s saved.") % {"name": secretary.name})
        return redirect("org_detail", pk=secretary.organization_id)
    return render(
        request,
        "appraisal/secretary_form.html",
        {"form": form, "org": secretary.organization, "secretary": secretary},
    )
