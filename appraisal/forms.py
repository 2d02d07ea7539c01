"""Forms of the roster pages."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appraisal.models import Organization, OrgKind, Secretary


class DateInput(forms.DateInput):
    input_type = "date"


def submit_helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "code", "kind", "parent"]

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.committee = committee
        parents = Organization.objects.filter(committee=committee).order_by("code")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = lambda o: f"{o.code} {o.name}"
        self.helper = submit_helper(_("Save"))

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        clash = Organization.objects.filter(committee=self.committee, code=code)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                gettext("Code “%(code)s” is already used by another organization.") % {"code": code}
            )
        return code

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        own = self.instance.pk
        if parent and own and (parent.pk == own or own in {a.pk for a in parent.ancestors()}):
            raise forms.ValidationError(
                gettext("An organization cannot sit below itself or its own branches.")
            )
        return parent

    def save(self, commit=True):
        self.instance.committee = self.committee
        return super().save(commit)


class OrganizationFilterForm(forms.Form):
    SORTS = [
        ("tree", _("Tree")),
        ("code", _("Code")),
        ("name", _("Name")),
        ("kind", _("Kind")),
        ("-updated_at", _("Recently changed")),
    ]
    STATUSES = [("active", _("Active")), ("inactive", _("Deactivated")), ("all", _("All"))]
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrgKind.choices]
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUSES)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)


class SecretaryForm(forms.ModelForm):
    class Meta:
        model = Secretary
        fields = ["name", "title", "phone", "term_start", "term_end"]
        widgets = {"term_start": DateInput(), "term_end": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = submit_helper(_("Save"))

    def clean(self):
        data = super().clean()
        start, end = data.get("term_start"), data.get("term_end")
        if start and end and end < start:
            self.add_error("term_end", gettext("The term cannot end before it starts."))
        return data
