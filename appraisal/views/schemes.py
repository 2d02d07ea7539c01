"""The scheme pages: list, start from a preset, read, edit in one page, copy a frozen one."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from appraisal.models import Scheme
from appraisal.permissions import (
    can_edit_scheme,
    committee_for_new_objects,
    committee_ids,
    get_scheme_or_404,
    staff_required,
)
from appraisal.presets import PRESETS, create_from_preset
from appraisal.scheme_forms import SchemeEditor

PAGE_SIZE = 20


class SchemeFilterForm(forms.Form):
    SORTS = [
        ("-created_at", gettext_lazy("Newest first")),
        ("created_at", gettext_lazy("Oldest first")),
        ("name", gettext_lazy("Name")),
    ]
    q = forms.CharField(label=gettext_lazy("Search"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort"), required=False, choices=SORTS)


@staff_required
def scheme_list(request):
    form = SchemeFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    schemes = Scheme.objects.for_committees(committee_ids(request.user)).select_related("committee")
    if q := data.get("q", "").strip():
        schemes = schemes.filter(name__icontains=q)
    schemes = schemes.annotate(
        indicator_count=Count("indicators", distinct=True),
        total_points=Sum("indicators__max_points"),
    ).order_by(data.get("sort") or "-created_at", "-pk")
    page = Paginator(schemes, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "appraisal/scheme_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "presets": PRESETS.values()},
    )


@staff_required
@require_POST
def scheme_create(request):
    committee = committee_for_new_objects(request.user)
    key = request.POST.get("preset", "")
    if key not in PRESETS:
        messages.error(request, _("Choose one of the schemes to start from."))
        return redirect("scheme_list")
    scheme = create_from_preset(committee, key)
    messages.success(
        request,
        _("Scheme “%(name)s” created from “%(preset)s”; check it and save.")
        % {"name": scheme.name, "preset": PRESETS[key].label},
    )
    return redirect("scheme_edit", pk=scheme.pk)


@staff_required
def scheme_detail(request, pk):
    scheme = get_scheme_or_404(request.user, pk)
    indicators = list(scheme.indicators.all())
    return render(
        request,
        "appraisal/scheme_detail.html",
        {
            "scheme": scheme,
            "indicators": indicators,
            "groups": scheme.groups.all(),
            "total_points": sum((i.max_points for i in indicators), 0),
            "can_edit": can_edit_scheme(request.user, scheme),
        },
    )


@staff_required
def scheme_edit(request, pk):
    scheme = get_scheme_or_404(request.user, pk)
    if not can_edit_scheme(request.user, scheme):
        messages.warning(request, frozen_message())
        return redirect("scheme_detail", pk=scheme.pk)
    stored_name = scheme.name  # the form puts rejected input on the instance; keep the title
    editor = SchemeEditor(scheme, request.POST if request.method == "POST" else None)
    if request.method == "POST" and editor.is_valid():
        editor.save()
        messages.success(request, _("Scheme “%(name)s” saved.") % {"name": scheme.name})
        return redirect("scheme_detail", pk=scheme.pk)
    return render(
        request,
        "appraisal/scheme_form.html",
        {"scheme": scheme, "stored_name": stored_name, "editor": editor},
    )


@staff_required
@require_POST
def scheme_copy(request, pk):
    scheme = get_scheme_or_404(request.user, pk)
    copy = scheme.copy(name=copy_name(scheme.name))
    messages.success(
        request,
        _("Copied to “%(name)s”; this copy is not used by any meeting and can be changed.")
        % {"name": copy.name},
    )
    return redirect("scheme_edit", pk=copy.pk)


def copy_name(name: str) -> str:
    """“<old name>（副本）”, shortened so that it still fits the name field."""
    suffix = _("%(name)s (copy)") % {"name": ""}
    limit = Scheme._meta.get_field("name").max_length - len(suffix)
    return _("%(name)s (copy)") % {"name": name[:limit]}


def frozen_message() -> str:
    return _(
        "This scheme is used by a meeting that has ballots, so it can no longer be changed: "
        "copy it as a new scheme and change the copy."
    )
