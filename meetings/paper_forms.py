"""The form staff type a paper ballot into: the online input rules, errors on the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.models import Grade
from meetings.ballots import OPINION_MAX, BallotInput, BallotRejected, validate_ballot
from meetings.models import Meeting, Seat


def score_field_name(code: str) -> str:
    return f"score_{code}"


class PaperEntryForm(forms.Form):
    """Seat (typed from the paper), reporter, one input per indicator, grade and opinion."""

    seat = forms.CharField(
        label=gettext_lazy("Seat code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
        error_messages={"required": gettext_lazy("Type the seat code printed on the paper.")},
    )
    reporter = forms.ModelChoiceField(
        label=gettext_lazy("Reporter"),
        queryset=None,
        error_messages={"required": gettext_lazy("Choose the reporter this paper scores.")},
    )
    grade = forms.ChoiceField(
        label=gettext_lazy("Grade"),
        required=False,
        choices=[("", gettext_lazy("no grade")), *Grade.choices],
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(
        label=gettext_lazy("Opinion (意见建议)"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": OPINION_MAX}),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.indicators = list(meeting.scheme.indicators.all())
        reporters = meeting.reporters.select_related("organization").order_by("order", "id")
        self.fields["reporter"].queryset = reporters
        self.fields["reporter"].label_from_instance = reporter_label
        scores = {
            score_field_name(i.code): forms.CharField(
                label=f"{i.name}（0–{i.max_points}）",
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )
            for i in self.indicators
        }
        # Keep the paper's order: seat, reporter, the indicators, grade, opinion.
        fields = dict(self.fields)
        self.fields = {
            "seat": fields["seat"],
            "reporter": fields["reporter"],
            **scores,
            "grade": fields["grade"],
            "opinion": fields["opinion"],
        }
        self.ballot_input: BallotInput | None = None
        self.seat_obj: Seat | None = None

    def score_fields(self):
        return [self[score_field_name(i.code)] for i in self.indicators]

    def clean_seat(self) -> str:
        code = self.cleaned_data["seat"].strip()
        self.seat_obj = self.meeting.seats.filter(code__iexact=code).first()
        if self.seat_obj is None:
            raise forms.ValidationError(
                _(
                    "This meeting has no seat “%(code)s”: type the seat code exactly as "
                    "printed on the paper form."
                )
                % {"code": code}
            )
        return self.seat_obj.code

    def clean(self):
        data = super().clean()
        reporter = data.get("reporter")
        if self.seat_obj is None or reporter is None:
            return data
        scores = {
            i.code: raw
            for i in self.indicators
            if (raw := (data.get(score_field_name(i.code)) or "").strip())
        }
        ballot = BallotInput(
            scores=scores or None, grade=data.get("grade") or None, opinion=data.get("opinion", "")
        )
        try:
            validate_ballot(self.seat_obj, reporter, ballot)
        except BallotRejected as rejected:
            for key, message in rejected.errors.items():
                self.add_error(self.field_for(key), message)
        else:
            self.ballot_input = ballot
        return data

    def field_for(self, key: str) -> str | None:
        """The form field an input rule's error belongs on (None: the whole form)."""
        if key.startswith("scores."):
            name = score_field_name(key.removeprefix("scores."))
            return name if name in self.fields else None
        return {"org": "reporter", "seat": "seat", "grade": "grade", "opinion": "opinion"}.get(key)


def reporter_label(reporter) -> str:
    label = f"{reporter.order}. {reporter.organization.name}"
    if reporter.rehearsal:
        label += " " + _("(practice)")
    return label
