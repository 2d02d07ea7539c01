"""Forms of the meeting pages."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appraisal.models import Organization, Scheme
from meetings.models import Meeting, Reporter, Stage


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["title", "year", "date", "venue", "scheme", "anonymous"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.committee = committee
        self.fields["scheme"].queryset = Scheme.objects.filter(committee=committee)
        if self.instance.pk and self.instance.has_ballots:
            self.fields["scheme"].disabled = True
            self.fields["anonymous"].disabled = True
            self.fields["scheme"].help_text = _("The meeting has ballots: its scheme is fixed.")
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))

    def save(self, commit=True):
        self.instance.committee = self.committee
        return super().save(commit)


class MeetingFilterForm(forms.Form):
    SORTS = [("-year", _("Newest first")), ("year", _("Oldest first")), ("title", _("Title"))]
    q = forms.CharField(label=_("Search"), required=False)
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *Stage.choices]
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)


class AddReportersForm(forms.Form):
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations"), queryset=Organization.objects.none()
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        taken = meeting.reporters.values("organization_id")
        self.fields["organizations"].queryset = (
            Organization.objects.filter(committee=meeting.committee, active=True)
            .exclude(pk__in=taken)
            .order_by("code")
        )
        self.fields["organizations"].label_from_instance = lambda o: f"{o.code} {o.name}"


class ReporterDailyForm(forms.ModelForm):
    class Meta:
        model = Reporter
        fields = ["daily", "vetoed"]
        widgets = {
            "daily": forms.NumberInput(
                attrs={"step": "0.01", "min": "0", "max": "100", "class": "form-control-sm"}
            )
        }

    def clean_daily(self) -> Decimal | None:
        daily = self.cleaned_data.get("daily")
        if daily is not None and not Decimal("0") <= daily <= Decimal("100"):
            raise forms.ValidationError(gettext("A daily score is a number from 0 to 100."))
        return daily


ReporterDailyFormSet = forms.modelformset_factory(
    Reporter, form=ReporterDailyForm, extra=0, can_delete=False
)
