"""Ready-made schemes a committee can start from, as plain data, and the one call that makes one."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from appraisal.models import Committee, EvaluatorGroup, Indicator, Scheme


@dataclass(frozen=True)
class Preset:
    """A scheme's rules as data: names are Chinese because they are what the ballots show."""

    key: str
    label: str
    description: str
    scheme_name: str
    indicators: tuple[tuple[str, str, str], ...] = ()  # (code, name, max points)
    groups: tuple[tuple[str, str, str], ...] = ()  # (code, name, weight)
    fields: dict[str, object] = field(default_factory=dict)  # Scheme fields off the defaults


HUNDRED_POINTS = Preset(
    key="hundred",
    label=_("100-point indicator scoring"),
    description=_(
        "Seven indicator categories worth 100 points in all; indicator scoring 0.6, "
        "grades 0.2, daily assessment 0.2; three evaluator groups; at most three in ten may be 好."
    ),
    scheme_name="百分制 指标测评",
    indicators=(
        ("ZX", "重大专项", "20"),
        ("SX", "思想建设", "15"),
        ("ZZ", "组织建设", "20"),
        ("ZF", "作风建设", "15"),
        ("FF", "反腐倡廉建设", "10"),
        ("ZD", "制度建设", "10"),
        ("TG", "提高从严管党治党水平", "10"),
    ),
    groups=(
        ("LD", "区委领导", "0.4"),
        ("BM", "部门负责人", "0.3"),
        ("DB", "党代表及群众代表", "0.3"),
    ),
    fields={
        "part_indicators": Decimal("0.6"),
        "part_grades": Decimal("0.2"),
        "part_daily": Decimal("0.2"),
        "trim_min_ballots": 5,
        "good_quota": Decimal("0.3"),
    },
)

FOUR_GRADES = Preset(
    key="grades",
    label=_("Democratic appraisal, four grades"),
    description=_(
        "No indicators: evaluators give one of 好 / 较好 / 一般 / 差; two evaluator groups "
        "of equal weight; no quota."
    ),
    scheme_name="民主测评 四等次",
    groups=(("LD", "区委领导", "0.5"), ("DY", "党员群众代表", "0.5")),
    fields={
        "part_indicators": Decimal("0"),
        "part_grades": Decimal("1"),
        "part_daily": Decimal("0"),
        "good_quota": None,
    },
)

BLANK = Preset(
    key="blank",
    label=_("Blank scheme"),
    description=_(
        "Default weights, points and bands, but no indicators and no evaluator groups yet: "
        "add your own."
    ),
    scheme_name="空白方案",
)

PRESETS: dict[str, Preset] = {p.key: p for p in (HUNDRED_POINTS, FOUR_GRADES, BLANK)}


@transaction.atomic
def create_from_preset(committee: Committee, key: str, name: str | None = None) -> Scheme:
    """A new, unfrozen scheme of the committee with the preset's rules; KeyError if unknown."""
    preset = PRESETS[key]
    scheme = Scheme.objects.create(
        committee=committee, name=name or preset.scheme_name, **preset.fields
    )
    Indicator.objects.bulk_create(
        Indicator(scheme=scheme, code=code, name=label, max_points=Decimal(points), order=n)
        for n, (code, label, points) in enumerate(preset.indicators, start=1)
    )
    EvaluatorGroup.objects.bulk_create(
        EvaluatorGroup(scheme=scheme, code=code, name=label, weight=Decimal(weight), order=n)
        for n, (code, label, weight) in enumerate(preset.groups, start=1)
    )
    return scheme
