"""Forms of the seats page: seats by count, seats by a pasted list of holders, link scope."""

from __future__ import annotations

import re

from django import forms
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appraisal.models import EvaluatorGroup, Organization
from meetings.models import Meeting, Seat

MAX_SEATS = 500
HOLDER_MAX = Seat._meta.get_field("holder").max_length
# A pasted line is "name" or "name,organization": an ASCII or a full-width comma, or the tab
# that a copy from Excel puts between cells.
SEPARATOR = re.compile(r"[,，\t]")


def group_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Evaluator group"), queryset=EvaluatorGroup.objects.none()
    )


class SeatCountForm(forms.Form):
    group = group_field()
    count = forms.IntegerField(
        label=_("Number of seats"), min_value=1, max_value=MAX_SEATS, initial=10
    )
    organization = forms.ModelChoiceField(
        label=_("Holders' organization"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Seats of an organization never score that organization's reporter."),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["group"].queryset = meeting.scheme.groups.all()
        self.fields["organization"].queryset = Organization.objects.filter(
            committee=meeting.committee
        ).order_by("code")
        self.fields["organization"].label_from_instance = lambda o: f"{o.code} {o.name}"

    def save(self) -> list[Seat]:
        data = self.cleaned_data
        return self.meeting.add_seats(data["group"], data["count"], data["organization"])


class NamedSeatsForm(forms.Form):
    group = group_field()
    holders = forms.CharField(
        label=_("Holders, one per line"),
        strip=False,  # leading blank lines count: errors name the line the user sees
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Write “name” or “name,organization” on each line; the organization by its code "
            "or its name in the roster."
        ),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        kwargs.setdefault("auto_id", "named_%s")  # the count form on the same page has a group
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["group"].queryset = meeting.scheme.groups.all()

    def clean_holders(self) -> list[tuple[str, Organization | None]]:
        """Every line checked; any error keeps the whole list out, each error names its line."""
        text = self.cleaned_data["holders"]
        lines = [(n, line.strip()) for n, line in enumerate(text.split("\n"), 1) if line.strip()]
        if not lines:
            raise forms.ValidationError(gettext("Write at least one holder, one per line."))
        if len(lines) > MAX_SEATS:
            raise forms.ValidationError(
                gettext("At most %(max)d holders at a time.") % {"max": MAX_SEATS}
            )
        finder = OrganizationFinder(self.meeting)
        holders, errors = [], []
        for n, line in lines:
            try:
                holders.append(parse_holder(n, line, finder))
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        return holders

    @transaction.atomic
    def save(self) -> list[Seat]:
        holders = self.cleaned_data["holders"]
        seats = self.meeting.add_seats(self.cleaned_data["group"], len(holders))
        for seat, (name, org) in zip(seats, holders, strict=True):
            seat.holder, seat.organization = name, org
        Seat.objects.bulk_update(seats, ["holder", "organization"])
        return seats


class OrganizationFinder:
    """Finds a roster organization of the meeting's committee by code (any case) or name."""

    def __init__(self, meeting: Meeting):
        orgs = list(Organization.objects.filter(committee=meeting.committee))
        self.by_code = {o.code.upper(): o for o in orgs}
        self.by_name: dict[str, list[Organization]] = {}
        for org in orgs:
            self.by_name.setdefault(org.name, []).append(org)

    def find(self, n: int, text: str) -> Organization:
        if org := self.by_code.get(text.upper()):
            return org
        found = self.by_name.get(text, [])
        if len(found) == 1:
            return found[0]
        if found:
            message = gettext(
                "Line %(line)d: several organizations are called “%(org)s”; write its code instead."
            )
        else:
            message = gettext(
                "Line %(line)d: no organization “%(org)s” found; write a code or a name "
                "from the roster."
            )
        raise forms.ValidationError(message % {"line": n, "org": text})


def parse_holder(n: int, line: str, finder: OrganizationFinder) -> tuple[str, Organization | None]:
    """One line "name[,organization]" → (name, organization or None), or a line's error."""
    parts = [part.strip() for part in SEPARATOR.split(line)]
    if len(parts) > 2:
        raise forms.ValidationError(
            gettext("Line %(line)d: write at most two parts, “name,organization”.") % {"line": n}
        )
    name, org_text = parts[0], parts[1] if len(parts) == 2 else ""
    if not name:
        raise forms.ValidationError(
            gettext("Line %(line)d: the name is missing; write “name,organization”.") % {"line": n}
        )
    if len(name) > HOLDER_MAX:
        raise forms.ValidationError(
            gettext("Line %(line)d: the name “%(name)s” is longer than %(max)d characters.")
            % {"line": n, "name": name, "max": HOLDER_MAX}
        )
    return name, finder.find(n, org_text) if org_text else None


class LinkScope(forms.Form):
    """Which seats get fresh links: all, one group, or the ticked ones."""

    SCOPES = [("all", _("All seats")), ("group", _("One group")), ("selected", _("Ticked seats"))]
    scope = forms.ChoiceField(choices=SCOPES, initial="all", widget=forms.RadioSelect)
    group = forms.ModelChoiceField(queryset=EvaluatorGroup.objects.none(), required=False)
    seats = forms.ModelMultipleChoiceField(queryset=Seat.objects.none(), required=False)
    csv = forms.BooleanField(label=_("Download the link list as CSV"), required=False)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        kwargs.setdefault("auto_id", "scope_%s")
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["group"].queryset = meeting.scheme.groups.all()
        self.fields["seats"].queryset = meeting.seats.all()

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == "group" and not data.get("group"):
            raise forms.ValidationError(gettext("Choose the group whose seats get links."))
        if scope == "selected" and not data.get("seats"):
            raise forms.ValidationError(gettext("Tick at least one seat, or choose all seats."))
        return data

    def chosen_seats(self):
        data = self.cleaned_data
        seats = self.meeting.seats.select_related("group", "organization")
        if data["scope"] == "group":
            seats = seats.filter(group=data["group"])
        elif data["scope"] == "selected":
            seats = seats.filter(pk__in=[s.pk for s in data["seats"]])
        return seats.order_by("group__order", "code")
