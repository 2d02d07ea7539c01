"""The scoring rules of SCORING.md as pure functions: exact arithmetic, no Django.

Every intermediate value is a Fraction; values are rounded once, at the end, half away from
zero (ROUND_HALF_UP): scores to 2 decimals, rates to 4 decimals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Context, Decimal, Inexact, Rounded, localcontext
from fractions import Fraction
from typing import overload

# Sums of scores are done in Decimal for speed; this context raises rather than round.
EXACT = Context(prec=200, traps=[Inexact, Rounded])

GRADES = ("好", "较好", "一般", "差")  # highest first
GOOD, FAIRLY_GOOD, AVERAGE, BAD = GRADES

FLAG_INCOMPLETE = "incomplete"
FLAG_VETOED = "vetoed"
FLAG_BAD_SHARE = "bad_share"
FLAG_FEW_BALLOTS = "few_ballots"
FLAGS_ORDER = (FLAG_INCOMPLETE, FLAG_VETOED, FLAG_BAD_SHARE, FLAG_FEW_BALLOTS)
FEW_BALLOTS_BELOW = 3

Number = Decimal | Fraction | int


def _default_grade_points() -> dict[str, Decimal]:
    """The contract's default points per grade: 好 100, 较好 80, 一般 60, 差 0."""
    return {GOOD: Decimal(100), FAIRLY_GOOD: Decimal(80), AVERAGE: Decimal(60), BAD: Decimal(0)}


@dataclass(frozen=True)
class IndicatorDef:
    """One indicator of the scheme and the most points a ballot may give it."""

    code: str
    max_points: Decimal


@dataclass(frozen=True)
class GroupDef:
    """An evaluator group and its relative weight."""

    code: str
    weight: Decimal


@dataclass(frozen=True)
class Band:
    """A grade given to composites of at least `min`."""

    grade: str
    min: Decimal


DEFAULT_BANDS = (
    Band(GOOD, Decimal(90)),
    Band(FAIRLY_GOOD, Decimal(80)),
    Band(AVERAGE, Decimal(70)),
    Band(BAD, Decimal(0)),
)


@dataclass(frozen=True)
class SchemeDef:
    """The scheme (考核方案) a meeting is scored under."""

    indicators: tuple[IndicatorDef, ...]
    groups: tuple[GroupDef, ...]
    # Relative weights of the three parts of the composite; 0 means the part is not used.
    part_indicators: Decimal
    part_grades: Decimal
    part_daily: Decimal
    grade_points: Mapping[str, Decimal] = field(default_factory=_default_grade_points)
    trim_min_ballots: int = 5
    bands: tuple[Band, ...] = DEFAULT_BANDS
    good_quota: Decimal | None = None
    # Exactly 1/3 by default, as the contract says; a bundle's Decimal("0.3333") also works.
    bad_share_limit: Decimal | Fraction = Fraction(1, 3)


@dataclass(frozen=True)
class ReporterIn:
    """A reporter (述职人): daily score (0–100) or None, and whether vetoed (一票否决)."""

    key: str
    daily: Decimal | None = None
    vetoed: bool = False


@dataclass(frozen=True)
class BallotIn:
    """One seat's ballot for one reporter: indicator scores, a grade, or both."""

    reporter: str
    group: str
    scores: Mapping[str, Decimal] | None = None
    grade: str | None = None
    seat: str = ""


@dataclass(frozen=True)
class GroupDetail:
    """One evaluator group's share in one reporter's result, rounded for display only."""

    code: str
    weight: Decimal
    totals: tuple[Decimal, ...]  # T_b of each indicator ballot, highest first, 2 dp
    trimmed: bool  # whether one highest and one lowest total were dropped
    indicator_mean: Decimal | None  # M_g, 2 dp
    grade_counts: Mapping[str, int]  # n_k for each of GRADES
    grade_mean: Decimal | None  # P_g, 2 dp


@dataclass(frozen=True)
class Result:
    """One reporter's result: rounded scores, grade, rank and flags."""

    key: str
    indicators: Decimal | None  # I, 2 dp
    grades: Decimal | None  # D, 2 dp
    daily: Decimal | None  # A, 2 dp
    composite: Decimal | None  # C, 2 dp
    good_rate: Decimal | None  # 4 dp
    bad_share: Decimal | None  # 4 dp
    grade: str | None
    rank: int | None
    flags: tuple[str, ...]  # in FLAGS_ORDER
    indicator_ballots: int
    grade_ballots: int
    grade_counts: Mapping[str, int]  # all groups together
    indicator_averages: Mapping[str, Decimal]  # plain mean of raw scores per indicator, 2 dp
    groups: tuple[GroupDetail, ...]  # one per scheme group, in scheme order


@dataclass(frozen=True)
class _GroupTally:
    detail: GroupDetail
    indicator_mean: Fraction | None
    grade_mean: Fraction | None


def _half_up(x: Number, places: int) -> Decimal:
    """Round an exact value to `places` decimals, halves away from zero (ROUND_HALF_UP)."""
    scaled = abs(Fraction(x)) * 10**places
    units = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    # Built from a string so that no decimal context can round it a second time.
    return Decimal(f"{-units if x < 0 else units}E-{places}")


@overload
def round_score(x: None) -> None: ...
@overload
def round_score(x: Number) -> Decimal: ...
def round_score(x: Number | None) -> Decimal | None:
    """Round a score to 2 decimals, ROUND_HALF_UP (四舍五入); None stays None."""
    return None if x is None else _half_up(x, 2)


@overload
def round_rate(x: None) -> None: ...
@overload
def round_rate(x: Number) -> Decimal: ...
def round_rate(x: Number | None) -> Decimal | None:
    """Round a rate to 4 decimals, ROUND_HALF_UP (四舍五入); None stays None."""
    return None if x is None else _half_up(x, 4)


def ballot_points(scheme: SchemeDef, scores: Mapping[str, Decimal]) -> Decimal:
    """Σ s_bi, exact (sums of two-decimal scores need no rounding); ValueError on a bad score."""
    if len(scores) != len(scheme.indicators) or any(
        not 0 <= scores.get(i.code, -1) <= i.max_points for i in scheme.indicators
    ):
        codes = sorted(i.code for i in scheme.indicators)
        raise ValueError(f"scores must cover exactly the indicators {codes}, each in range")
    with localcontext(EXACT):
        return sum((scores[i.code] for i in scheme.indicators), Decimal(0))


def max_points(scheme: SchemeDef) -> Fraction:
    """Σ max_i over the scheme's indicators."""
    return Fraction(sum((i.max_points for i in scheme.indicators), Decimal(0)))


def ballot_total(scheme: SchemeDef, scores: Mapping[str, Decimal]) -> Fraction:
    """T_b = 100 × Σ s_bi / Σ max_i, exact; ValueError on a missing, unknown or bad score."""
    return 100 * Fraction(ballot_points(scheme, scores)) / max_points(scheme)


def _trimmed_mean(points: Sequence[Decimal], trim_min: int) -> tuple[Fraction | None, bool]:
    """Mean of the point sums, less one highest and one lowest if there are ≥ trim_min > 0.

    The totals T_b are the point sums times one constant, so trimming and averaging the sums
    exactly gives the same mean; summing Decimals first keeps 9,000 ballots fast.
    """
    if not points:
        return None, False
    # Trimming one or two totals would leave nothing to average, so it needs at least three.
    trimmed = 0 < trim_min <= len(points) and len(points) >= 3
    kept = sorted(points)[1:-1] if trimmed else points
    with localcontext(EXACT):
        return Fraction(sum(kept, Decimal(0))) / len(kept), trimmed


def _weighted_mean(pairs: Iterable[tuple[Fraction | None, Number]]) -> Fraction | None:
    """Σ w·v / Σ w over the pairs whose value is not None; None if their weights sum to 0."""
    present = [(value, Fraction(weight)) for value, weight in pairs if value is not None]
    total_weight = sum((weight for _, weight in present), Fraction(0))
    if total_weight == 0:
        return None
    return sum((value * weight for value, weight in present), Fraction(0)) / total_weight


def _grade_counts(ballots: Iterable[BallotIn]) -> dict[str, int]:
    """Votes per grade (all four grades present, highest first)."""
    counts = dict.fromkeys(GRADES, 0)
    for ballot in ballots:
        if ballot.grade is not None:
            counts[ballot.grade] += 1
    return counts


def _grade_mean(scheme: SchemeDef, counts: Mapping[str, int]) -> Fraction | None:
    """P = Σ n_k·points_k / N; None without votes."""
    votes = sum(counts.values())
    if votes == 0:
        return None
    points = sum(Fraction(scheme.grade_points[k]) * n for k, n in counts.items() if n)
    return Fraction(points) / votes


def _share(counts: Mapping[str, int], grades: Iterable[str]) -> Fraction | None:
    """Exact share of all votes that went to the given grades; None without votes."""
    votes = sum(counts.values())
    return None if votes == 0 else Fraction(sum(counts[g] for g in grades), votes)


def _tally_group(scheme: SchemeDef, group: GroupDef, ballots: Sequence[BallotIn]) -> _GroupTally:
    """One group's M_g and P_g for one reporter, exact, plus their display detail."""
    own = [b for b in ballots if b.group == group.code]
    points = sorted((ballot_points(scheme, b.scores) for b in own if b.scores), reverse=True)
    mean_points, trimmed = _trimmed_mean(points, scheme.trim_min_ballots)
    scale = 100 / max_points(scheme) if points else Fraction(0)
    totals = [scale * Fraction(p) for p in points]
    indicator_mean = None if mean_points is None else scale * mean_points
    counts = _grade_counts(own)
    grade_mean = _grade_mean(scheme, counts)
    detail = GroupDetail(
        code=group.code,
        weight=group.weight,
        totals=tuple(round_score(t) for t in totals),
        trimmed=trimmed,
        indicator_mean=round_score(indicator_mean),
        grade_counts=counts,
        grade_mean=round_score(grade_mean),
    )
    return _GroupTally(detail, indicator_mean, grade_mean)


def _composite(scheme: SchemeDef, parts: Sequence[Fraction | None]) -> Fraction | None:
    """C = Σ w_p·S_p / Σ w_p over parts with weight > 0; None if any of them is missing."""
    weights = (scheme.part_indicators, scheme.part_grades, scheme.part_daily)
    used = [(part, weight) for part, weight in zip(parts, weights, strict=True) if weight > 0]
    if any(part is None for part, _ in used):
        return None
    return _weighted_mean(used)


def _indicator_averages(scheme: SchemeDef, ballots: Sequence[BallotIn]) -> dict[str, Decimal]:
    """Plain mean of the raw scores per indicator over all indicator ballots, 2 dp."""
    scored = [b.scores for b in ballots if b.scores]
    if not scored:
        return {}
    with localcontext(EXACT):
        sums = {i.code: sum((s[i.code] for s in scored), Decimal(0)) for i in scheme.indicators}
    return {code: round_score(Fraction(total) / len(scored)) for code, total in sums.items()}


def _flags(
    scheme: SchemeDef,
    reporter: ReporterIn,
    composite: Fraction | None,
    bad: Fraction | None,
    indicator_ballots: int,
) -> tuple[str, ...]:
    """Flags in FLAGS_ORDER; bad_share compares the exact share, strictly above the limit."""
    raised = {
        FLAG_INCOMPLETE: composite is None,
        FLAG_VETOED: reporter.vetoed,
        FLAG_BAD_SHARE: bad is not None and bad > Fraction(scheme.bad_share_limit),
        FLAG_FEW_BALLOTS: scheme.part_indicators > 0 and indicator_ballots < FEW_BALLOTS_BELOW,
    }
    return tuple(flag for flag in FLAGS_ORDER if raised[flag])


def _score_reporter(scheme: SchemeDef, reporter: ReporterIn, ballots: Sequence[BallotIn]) -> Result:
    """One reporter's scores and flags, rounded once at the end; grade and rank left None."""
    tallies = [_tally_group(scheme, g, ballots) for g in scheme.groups]
    weights = [g.weight for g in scheme.groups]
    indicators = _weighted_mean(zip([t.indicator_mean for t in tallies], weights, strict=True))
    grades = _weighted_mean(zip([t.grade_mean for t in tallies], weights, strict=True))
    daily = None if reporter.daily is None else Fraction(reporter.daily)
    composite = _composite(scheme, (indicators, grades, daily))
    counts = _grade_counts(ballots)
    bad = _share(counts, (BAD,))
    indicator_ballots = sum(1 for b in ballots if b.scores)
    return Result(
        key=reporter.key,
        indicators=round_score(indicators),
        grades=round_score(grades),
        daily=round_score(daily),
        composite=round_score(composite),
        good_rate=round_rate(_share(counts, (GOOD, FAIRLY_GOOD))),
        bad_share=round_rate(bad),
        grade=None,
        rank=None,
        flags=_flags(scheme, reporter, composite, bad, indicator_ballots),
        indicator_ballots=indicator_ballots,
        grade_ballots=sum(counts.values()),
        grade_counts=counts,
        indicator_averages=_indicator_averages(scheme, ballots),
        groups=tuple(t.detail for t in tallies),
    )


def _band_grade(scheme: SchemeDef, result: Result) -> str | None:
    """Vetoed: 差; no C: None; else the first band, highest minimum first, with min ≤ C, or 差."""
    if FLAG_VETOED in result.flags:
        return BAD
    if result.composite is None:
        return None
    for band in sorted(scheme.bands, key=lambda b: b.min, reverse=True):
        if band.min <= result.composite:
            return band.grade
    return BAD


def _apply_good_quota(
    scheme: SchemeDef, results: Sequence[Result], grades: list[str | None]
) -> list[str | None]:
    """Keep 好 for at most floor(quota × n) reporters, highest C first; ties move down together."""
    if scheme.good_quota is None:
        return grades
    scored = sum(1 for r in results if r.composite is not None)
    limit = math.floor(Fraction(scheme.good_quota) * scored)
    pairs = zip(results, grades, strict=True)
    good = [r.composite for r, g in pairs if g == GOOD and r.composite is not None]
    kept: set[Decimal] = set()
    count = 0
    for composite in sorted(set(good), reverse=True):
        count += good.count(composite)
        if count > limit:
            break
        kept.add(composite)
    return [
        FAIRLY_GOOD if g == GOOD and r.composite not in kept else g
        for r, g in zip(results, grades, strict=True)
    ]


def _ranks(results: Sequence[Result]) -> list[int | None]:
    """Competition ranking (1, 2, 2, 4) on rounded C, highest first; vetoed or no C: None."""
    rankable = [r.composite for r in results if _is_ranked(r)]
    return [
        1 + sum(1 for c in rankable if c > r.composite) if _is_ranked(r) else None for r in results
    ]


def _is_ranked(result: Result) -> bool:
    """Whether the reporter takes part in the ranking: it has C and is not vetoed."""
    return result.composite is not None and FLAG_VETOED not in result.flags


def _group_ballots(
    scheme: SchemeDef, reporters: Sequence[ReporterIn], ballots: Iterable[BallotIn]
) -> dict[str, list[BallotIn]]:
    """Ballots per reporter key; ValueError on an unknown reporter, group or grade."""
    by_reporter: dict[str, list[BallotIn]] = {r.key: [] for r in reporters}
    if len(by_reporter) != len(reporters):
        raise ValueError("reporter keys must be unique")
    groups = {g.code for g in scheme.groups}
    points = scheme.grade_points
    for ballot in ballots:
        if ballot.reporter not in by_reporter:
            raise ValueError(f"ballot for unknown reporter {ballot.reporter!r}")
        if ballot.group not in groups:
            raise ValueError(f"ballot from unknown group {ballot.group!r}")
        if ballot.grade is not None and not (ballot.grade in GRADES and ballot.grade in points):
            raise ValueError(f"unknown grade {ballot.grade!r}")
        by_reporter[ballot.reporter].append(ballot)
    return by_reporter


def compute_results(
    scheme: SchemeDef, reporters: Sequence[ReporterIn], ballots: Iterable[BallotIn]
) -> list[Result]:
    """All results: ranked by rank (ties in input order), then the unranked in input order."""
    by_reporter = _group_ballots(scheme, reporters, ballots)
    results = [_score_reporter(scheme, r, by_reporter[r.key]) for r in reporters]
    grades = _apply_good_quota(scheme, results, [_band_grade(scheme, r) for r in results])
    ranks = _ranks(results)
    final = [
        replace(result, grade=grade, rank=rank)
        for result, grade, rank in zip(results, grades, ranks, strict=True)
    ]
    return sorted(final, key=lambda r: (r.rank is None, r.rank or 0))


# Statistics shown beside the results: they explain results and never change them.

STDEV = Context(prec=60)  # √ of an exact variance; an exact square root stays exact


def dispersion(totals: Iterable[Number]) -> tuple[Decimal | None, Decimal | None]:
    """(population standard deviation, max − min) of ballot totals, each 2 dp ROUND_HALF_UP.

    The variance is exact; its square root is taken at 60 digits, which is exact whenever the
    root has two decimals, so a root ending in 5 at the third decimal rounds up as it should.
    No totals: (None, None); one total: (0.00, 0.00)."""
    values = [Fraction(t) for t in totals]
    if not values:
        return None, None
    mean = sum(values, Fraction(0)) / len(values)
    variance = sum(((v - mean) ** 2 for v in values), Fraction(0)) / len(values)
    with localcontext(STDEV):
        root = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
    return round_score(root), round_score(max(values) - min(values))


def straight_lined(
    answers: Sequence[Mapping[str, Decimal]] | Sequence[str],
    *,
    at_least: int,
    maxima: Mapping[str, Decimal] | None = None,
) -> bool:
    """Whether one seat's answers for the reporters it judged do not vary at all (straight-lining).

    `answers` are its grades, or its ballots' scores (indicator code → score). True when there
    are at least `at_least` answers and every grade is the same, or every score of every ballot
    is the same number — or, given `maxima`, the same share of each indicator's maximum (full
    marks everywhere)."""
    if len(answers) < at_least:
        return False
    if all(isinstance(a, str) for a in answers):
        return len(set(answers)) == 1
    pairs = [(code, score) for a in answers if not isinstance(a, str) for code, score in a.items()]
    if not pairs or any(not a for a in answers):
        return False
    if len({score for _, score in pairs}) == 1:
        return True
    if maxima is None or any(not maxima.get(code) for code, _ in pairs):
        return False
    return len({Fraction(score) / Fraction(maxima[code]) for code, score in pairs}) == 1
