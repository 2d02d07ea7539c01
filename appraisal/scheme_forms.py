"""The scheme editor's forms: the scheme's own rules plus its indicator and group rows."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.validators import DecimalValidator
from django.db import router, transaction
from django.db.models import ProtectedError
from django.db.models.deletion import Collector
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.models import EvaluatorGroup, Grade, Indicator, Scheme

CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]+")
WEIGHT_MAX = Decimal(1000)
POINTS_MAX = Decimal(100)
GRADE_POINT_FIELDS = ["points_good", "points_fairly_good", "points_average", "points_poor"]
BAND_FIELDS = ["band_good", "band_fairly_good", "band_average", "band_poor"]
GRADE_OF = dict(zip(GRADE_POINT_FIELDS + BAND_FIELDS, [*Grade.values, *Grade.values], strict=True))


def places(value: Decimal) -> int:
    """How many decimals a value really has: 12.50 has one."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def in_range(value, low, high, *, decimals: int, low_open: bool = False) -> bool:
    above_low = value > low if low_open else value >= low
    return above_low and value <= high and places(value) <= decimals


def relax_decimals(form: forms.BaseForm) -> None:
    """Our clean_* methods check decimals with messages that say how to fix the value."""
    for field in form.fields.values():
        if isinstance(field, forms.DecimalField):
            field.validators = [v for v in field.validators if not isinstance(v, DecimalValidator)]
            field.widget.attrs.update(step="any", inputmode="decimal")
    for name, value in form.initial.items():
        if isinstance(value, Decimal):
            form.initial[name] = format(value.normalize(), "f")  # 0.4000 → 0.4, 100.00 → 100


class SchemeForm(forms.ModelForm):
    """The scheme's own rules: part weights, grade points, bands, trimming and quotas."""

    class Meta:
        model = Scheme
        fields = [
            "name",
            "description",
            "part_indicators",
            "part_grades",
            "part_daily",
            *GRADE_POINT_FIELDS,
            *BAND_FIELDS,
            "trim_min_ballots",
            "good_quota",
            "bad_share_limit",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relax_decimals(self)
        self.fields["trim_min_ballots"].widget.attrs["min"] = 0

    def _part(self, name: str) -> Decimal:
        value = self.cleaned_data[name]
        if not in_range(value, 0, WEIGHT_MAX, decimals=4):
            raise forms.ValidationError(
                _(
                    "Enter a weight from 0 to 1000 with at most 4 decimals, e.g. 0.6; "
                    "0 means this part is not used."
                )
            )
        return value

    def clean_part_indicators(self):
        return self._part("part_indicators")

    def clean_part_grades(self):
        return self._part("part_grades")

    def clean_part_daily(self):
        return self._part("part_daily")

    def _points(self, name: str) -> Decimal:
        value = self.cleaned_data[name]
        if not in_range(value, 0, POINTS_MAX, decimals=2):
            raise forms.ValidationError(
                _("Enter a number from 0 to 100 with at most 2 decimals, e.g. 80 or 87.5.")
            )
        return value

    def clean_points_good(self):
        return self._points("points_good")

    def clean_points_fairly_good(self):
        return self._points("points_fairly_good")

    def clean_points_average(self):
        return self._points("points_average")

    def clean_points_poor(self):
        return self._points("points_poor")

    def clean_band_good(self):
        return self._points("band_good")

    def clean_band_fairly_good(self):
        return self._points("band_fairly_good")

    def clean_band_average(self):
        return self._points("band_average")

    def clean_band_poor(self):
        return self._points("band_poor")

    def clean_trim_min_ballots(self):
        value = self.cleaned_data["trim_min_ballots"]
        if value in (1, 2):
            raise forms.ValidationError(
                _(
                    "Enter 0 (never drop any total) or a number of 3 or more: with only 1 or 2 "
                    "ballots, dropping the highest and the lowest total would leave nothing "
                    "to average."
                )
            )
        return value

    def clean_good_quota(self):
        value = self.cleaned_data["good_quota"]
        if value is not None and not in_range(value, 0, 1, decimals=4, low_open=True):
            raise forms.ValidationError(
                _(
                    "Enter a fraction above 0 and at most 1 with at most 4 decimals, "
                    "e.g. 0.3 for three in ten; leave it empty for no quota."
                )
            )
        return value

    def clean_bad_share_limit(self):
        value = self.cleaned_data["bad_share_limit"]
        if value is not None and not in_range(value, 0, 1, decimals=10, low_open=True):
            raise forms.ValidationError(
                _(
                    "Enter a fraction above 0 and at most 1, e.g. 0.3; leave it empty "
                    "for exactly 1/3."
                )
            )
        return value

    def clean(self):
        data = super().clean()
        parts = [data.get(n) for n in ("part_indicators", "part_grades", "part_daily")]
        if None not in parts and not any(parts):
            self.add_error(
                None,
                _(
                    "At least one of the three parts (indicator scoring, grade appraisal, "
                    "daily assessment) must have a weight above 0."
                ),
            )
        self._check_descending(GRADE_POINT_FIELDS, strict_until=0, what="points")
        self._check_descending(BAND_FIELDS, strict_until=2, what="band")
        return data

    def _check_descending(self, names: list[str], *, strict_until: int, what: str) -> None:
        """Each value against the one above it; the first `strict_until` steps must drop."""
        for step, (upper, lower) in enumerate(zip(names, names[1:], strict=False)):
            high, low = self.cleaned_data.get(upper), self.cleaned_data.get(lower)
            if high is None or low is None:
                continue
            strict = step < strict_until
            if (low >= high) if strict else (low > high):
                self.add_error(lower, self._order_message(what, strict, upper, lower))

    def _order_message(self, what: str, strict: bool, upper: str, lower: str) -> str:
        values = {
            "higher": GRADE_OF[upper],
            "lower": GRADE_OF[lower],
            "high": self.cleaned_data[upper],
            "low": self.cleaned_data[lower],
        }
        if what == "points":
            return (
                _(
                    "Points for %(lower)s (%(low)s) cannot be above points for %(higher)s "
                    "(%(high)s): lower this value or raise the one for %(higher)s."
                )
                % values
            )
        if strict:
            return (
                _(
                    "The lowest composite for %(lower)s (%(low)s) must be below the one for "
                    "%(higher)s (%(high)s): bands go down from 好 to 差."
                )
                % values
            )
        return (
            _(
                "The lowest composite for %(lower)s (%(low)s) cannot be above the one for "
                "%(higher)s (%(high)s): bands go down from 好 to 差."
            )
            % values
        )


class RowForm(forms.ModelForm):
    """One indicator or group row. The code is a plain field so that the model's per-row unique
    check never sees it: the formset checks codes across all rows, which lets two rows swap."""

    code = forms.CharField(label=gettext_lazy("code"), max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("code", self.instance.code)
        relax_decimals(self)
        self.fields["code"].widget.attrs.update(size=8, autocapitalize="characters")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not CODE_PATTERN.fullmatch(code):
            raise forms.ValidationError(
                _(
                    "Use only the letters A–Z, digits, “_” and “-” in a code, without spaces "
                    "or Chinese characters, e.g. ZZ or LD1: codes are keys in exported files."
                )
            )
        return code


class IndicatorForm(RowForm):
    class Meta:
        model = Indicator
        fields = ["name", "max_points"]

    field_order = ["code", "name", "max_points"]

    def clean_max_points(self):
        value = self.cleaned_data["max_points"]
        if not in_range(value, 0, WEIGHT_MAX, decimals=2, low_open=True):
            raise forms.ValidationError(
                _(
                    "Enter maximum points above 0 and at most 1000, with at most 2 decimals, "
                    "e.g. 20 or 12.5."
                )
            )
        return value


class GroupForm(RowForm):
    class Meta:
        model = EvaluatorGroup
        fields = ["name", "weight"]

    field_order = ["code", "name", "weight"]

    def clean_weight(self):
        value = self.cleaned_data["weight"]
        if not in_range(value, 0, WEIGHT_MAX, decimals=4, low_open=True):
            raise forms.ValidationError(
                _(
                    "Enter a weight above 0 and at most 1000, with at most 4 decimals, "
                    "e.g. 0.4; weights are relative and need not add up to 1."
                )
            )
        return value


def is_protected(obj) -> bool:
    """Whether deleting the object would hit a PROTECT reference (e.g. a meeting's seats)."""
    try:
        Collector(using=router.db_for_write(type(obj))).collect([obj])
    except ProtectedError:
        return True
    return False


class RowFormSet(BaseInlineFormSet):
    duplicate_message = ""  # set by each table: says what kind of row needs its own code

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.get_queryset().exists():
            self.extra = 1  # an empty table still offers one row to fill, even without JS

    def kept_forms(self) -> list[tuple[int, forms.Form]]:
        """(row number, form) of the rows that stay: not deleted and not left blank."""
        return [
            (row, form)
            for row, form in enumerate(self.forms, start=1)
            if not self._should_delete_form(form) and (form.instance.pk or form.has_changed())
        ]

    def clean(self):
        super().clean()
        seen: dict[str, int] = {}
        for row, form in self.kept_forms():
            code = form.cleaned_data.get("code")
            if not code:
                continue
            if code.casefold() in seen:
                form.add_error(
                    "code", self.duplicate_message % {"code": code, "row": seen[code.casefold()]}
                )
            else:
                seen[code.casefold()] = row

    @transaction.atomic
    def save_rows(self) -> None:
        """Delete, then save the kept rows numbered in the order chosen; codes may swap."""
        for form in self.deleted_forms:
            if form.instance.pk:
                form.instance.delete()
        kept = [f for f in self.ordered_forms if f.instance.pk or f.has_changed()]
        model = self.model
        for form in kept:
            if form.instance.pk and form.cleaned_data["code"] != form.instance.code:
                # Park the old code out of the way first, since the new one may be another
                # row's old code ('~' never appears in a valid code).
                model.objects.filter(pk=form.instance.pk).update(code=f"~{form.instance.pk}")
        for order, form in enumerate(kept, start=1):
            form.instance.code = form.cleaned_data["code"]
            form.instance.order = order
            form.instance.save()


class IndicatorRowFormSet(RowFormSet):
    @property
    def duplicate_message(self) -> str:
        return _(
            "Code “%(code)s” is already used in row %(row)s: give each indicator its own code "
            "(capital and small letters count as the same)."
        )


class GroupRowFormSet(RowFormSet):
    @property
    def duplicate_message(self) -> str:
        return _(
            "Code “%(code)s” is already used in row %(row)s: give each evaluator group its own "
            "code (capital and small letters count as the same)."
        )

    def clean(self):
        super().clean()
        errors = [
            _(
                "Row %(row)s: evaluator group “%(name)s” has seats in a meeting, so it cannot be "
                "deleted; move those seats to another group first, or keep the row."
            )
            % {"row": row, "name": form.instance.name}
            for row, form in enumerate(self.forms, start=1)
            if form.instance.pk and self._should_delete_form(form) and is_protected(form.instance)
        ]
        if not self.kept_forms():
            errors.append(_("Add at least one evaluator group: every seat belongs to a group."))
        if errors:
            raise forms.ValidationError(errors)


IndicatorFormSet = inlineformset_factory(
    Scheme,
    Indicator,
    form=IndicatorForm,
    formset=IndicatorRowFormSet,
    extra=0,
    can_order=True,
    can_delete=True,
)
GroupFormSet = inlineformset_factory(
    Scheme,
    EvaluatorGroup,
    form=GroupForm,
    formset=GroupRowFormSet,
    extra=0,
    can_order=True,
    can_delete=True,
)


class SchemeEditor:
    """The scheme form and its two row tables, validated together and saved in one go."""

    def __init__(self, scheme: Scheme, data=None):
        self.scheme = scheme
        self.form = SchemeForm(data, instance=scheme)
        self.indicators = IndicatorFormSet(data, instance=scheme, prefix="indicators")
        self.groups = GroupFormSet(data, instance=scheme, prefix="groups")

    def is_valid(self) -> bool:
        valid = [self.form.is_valid(), self.indicators.is_valid(), self.groups.is_valid()]
        weight = self.form.cleaned_data.get("part_indicators")
        if weight and not self.indicators.kept_forms():
            self.form.add_error(
                "part_indicators",
                _(
                    "Indicator scoring has a weight above 0, so add at least one indicator "
                    "below, or set this weight to 0."
                ),
            )
            valid.append(False)
        return all(valid)

    @transaction.atomic
    def save(self) -> Scheme:
        scheme = self.form.save()
        self.indicators.save_rows()
        self.groups.save_rows()
        return scheme

    def error_summary(self) -> list[str]:
        """Every error in words that say where it is, for the box at the top of the page."""
        if not self.form.is_bound:
            return []
        summary = list(self.form.non_field_errors())
        for name, errors in self.form.errors.items():
            if name != NON_FIELD_ERRORS:
                label = capfirst(self.form.fields[name].label)
                summary += [
                    _("%(field)s: %(error)s") % {"field": label, "error": e} for e in errors
                ]
        for title, formset in (
            (_("Indicators"), self.indicators),
            (_("Evaluator groups"), self.groups),
        ):
            summary += [f"{title}: {e}" for e in formset.non_form_errors()]
            for row, form in enumerate(formset.forms, start=1):
                if formset.can_delete and formset._should_delete_form(form):
                    continue
                for name, errors in form.errors.items():
                    label = capfirst(form.fields[name].label) if name in form.fields else ""
                    summary += [
                        _("%(table)s, row %(row)s, %(field)s: %(error)s")
                        % {"table": title, "row": row, "field": label, "error": e}
                        for e in errors
                    ]
        return summary
