"""Forms of the rectification list: items, progress notes, verification, links, filters."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appraisal.models import Organization
from appraisal.permissions import committee_ids
from meetings.models import ItemStatus, Meeting, ProblemSource, RectificationItem
from meetings.rectification import EDITABLE_FIELDS, earlier_items
from meetings.uploads import Document, check_document

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemForm(forms.ModelForm):
    """The fields staff edit; the status changes only through the item's actions."""

    class Meta:
        model = RectificationItem
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 4}),
            "deadline": DATE_INPUT,
        }

    def changed_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class ItemCreateForm(ItemForm):
    """A new item: also its organization and, optionally, the meeting it came out of."""

    class Meta(ItemForm.Meta):
        fields = ["organization", "meeting", *EDITABLE_FIELDS]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        ids = committee_ids(user)
        self.fields["organization"].queryset = Organization.objects.for_committees(ids)
        self.fields["meeting"].queryset = Meeting.objects.filter(committee_id__in=ids).order_by(
            "-year", "-id"
        )


class ProgressForm(forms.Form):
    """A progress note: its date, what was done, and an optional evidence file."""

    day = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("Progress"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    evidence = forms.FileField(
        label=_("Evidence file (PDF or Word .docx, up to 20 MB)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx"}),
    )

    document: Document | None = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                gettext("The date lies in the future; give the day of the work.")
            )
        return day

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            try:
                self.document = check_document(upload)
            except forms.ValidationError as error:
                again = forms.ValidationError(gettext("Please choose the file again."))
                raise forms.ValidationError([*error.error_list, again]) from None
        return upload


class NoteForm(forms.Form):
    """The note staff give when they close an item or send it back."""

    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class DoneForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LinkForm(forms.Form):
    """Pick the earlier item this problem came back from (or none)."""

    previous = forms.ModelChoiceField(
        label=_("Same problem last time"),
        queryset=RectificationItem.objects.none(),
        required=False,
        empty_label=_("(not linked)"),
    )

    def __init__(self, *args, item: RectificationItem, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["previous"]
        field.queryset = earlier_items(item).order_by("-meeting__year", "-id")
        field.label_from_instance = lambda other: (
            f"#{other.pk} {other.meeting.year if other.meeting else ''} {other.problem[:60]}"
        )


class ItemFilterForm(forms.Form):
    DUE = [
        ("", _("All")),
        ("overdue", _("Overdue")),
        ("due_soon", _("Due within 7 days")),
        ("came_back", _("Came back from an earlier item")),
    ]
    SORTS = [
        ("deadline", _("Deadline, earliest first")),
        ("-deadline", _("Deadline, latest first")),
        ("organization", _("Organization")),
        ("status", _("Status")),
        ("-updated", _("Recently changed")),
    ]
    q = forms.CharField(label=_("Search"), required=False)
    meeting = forms.ModelChoiceField(
        label=_("Meeting"), queryset=Meeting.objects.none(), required=False
    )
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), required=False
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("All sources")), *ProblemSource.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ItemStatus.choices]
    )
    due = forms.ChoiceField(label=_("Deadline"), required=False, choices=DUE)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        ids = committee_ids(user)
        self.fields["meeting"].queryset = Meeting.objects.filter(committee_id__in=ids).order_by(
            "-year", "-id"
        )
        self.fields["organization"].queryset = Organization.objects.for_committees(ids)
