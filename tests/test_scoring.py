"""The scoring rules of SCORING.md, checked without a database."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.scoring import (
    FLAG_BAD_SHARE,
    FLAG_FEW_BALLOTS,
    FLAG_INCOMPLETE,
    FLAG_VETOED,
    BallotIn,
    Band,
    GroupDef,
    IndicatorDef,
    ReporterIn,
    Result,
    SchemeDef,
    ballot_total,
    compute_results,
    round_rate,
    round_score,
)

D = Decimal


# --- factories ---------------------------------------------------------------------------


def make_scheme(**overrides) -> SchemeDef:
    """One indicator out of 100 (so a ballot's total is its score), one group, all parts."""
    fields = {
        "indicators": (IndicatorDef("ZZ", D(100)),),
        "groups": (GroupDef("LD", D(1)),),
        "part_indicators": D("0.6"),
        "part_grades": D("0.2"),
        "part_daily": D("0.2"),
    }
    fields.update(overrides)
    return SchemeDef(**fields)


def indicators_only(**overrides) -> SchemeDef:
    """A scheme whose composite is the indicator part alone."""
    return make_scheme(part_indicators=D(1), part_grades=D(0), part_daily=D(0), **overrides)


def daily_only(**overrides) -> SchemeDef:
    """A scheme whose composite is the daily score alone, handy to set C directly."""
    return make_scheme(part_indicators=D(0), part_grades=D(0), part_daily=D(1), **overrides)


def make_ballot(reporter: str = "R1", group: str = "LD", score=None, grade=None) -> BallotIn:
    """A ballot on the one-indicator scheme; `score` may be a number or None."""
    scores = None if score is None else {"ZZ": D(str(score))}
    return BallotIn(reporter=reporter, group=group, scores=scores, grade=grade)


def by_key(results: list[Result]) -> dict[str, Result]:
    return {r.key: r for r in results}


def one(scheme: SchemeDef, ballots, daily=None, vetoed=False) -> Result:
    """The result of a meeting with a single reporter R1."""
    daily = None if daily is None else D(str(daily))
    [result] = compute_results(scheme, [ReporterIn("R1", daily, vetoed)], ballots)
    return result


def with_composites(scheme: SchemeDef, composites: dict[str, str | None]) -> list[Result]:
    """Results of reporters whose composite equals their daily score (daily-only scheme)."""
    reporters = [ReporterIn(k, None if c is None else D(c)) for k, c in composites.items()]
    return compute_results(scheme, reporters, [])


# --- rounding ------------------------------------------------------------------------------


def test_round_score_rounds_halves_up_where_binary_floating_point_would_not() -> None:
    assert round_score(D("2.675")) == D("2.68")
    assert round_score(D("84.985")) == D("84.99")  # half-even would give 84.98
    assert round_score(D("-0.005")) == D("-0.01")  # half away from zero


def test_round_score_keeps_exactly_two_decimals_and_passes_none_through() -> None:
    assert str(round_score(D(90))) == "90.00"
    assert str(round_score(Fraction(1, 3))) == "0.33"
    assert str(round_score(Fraction(2, 3))) == "0.67"
    assert round_score(None) is None


def test_round_rate_rounds_to_four_decimals_half_up() -> None:
    assert str(round_rate(Fraction(1, 32))) == "0.0313"
    assert str(round_rate(Fraction(2, 3))) == "0.6667"
    assert str(round_rate(Fraction(1))) == "1.0000"
    assert round_rate(None) is None


def test_an_exact_half_cent_indicator_part_rounds_up() -> None:
    scheme = indicators_only(indicators=(IndicatorDef("ZZ", D(200)),))
    result = one(scheme, [BallotIn("R1", "LD", {"ZZ": D("169.99")})])  # T = 84.995
    assert result.indicators == D("85.00")
    assert result.composite == D("85.00")


def test_thirds_are_carried_exactly_until_the_final_rounding() -> None:
    # I = (80 + 80 + 80.01) / 3 = 80.00333…, which 28-digit decimals would store as
    # 80.00333…3. C = (3·I + A) / 4 = (240.01 + 80.01) / 4 = 80.005 exactly → 80.01;
    # via the truncated thirds it would be 80.00499… → 80.00.
    scheme = make_scheme(part_indicators=D(3), part_grades=D(0), part_daily=D(1))
    ballots = [make_ballot(score=s) for s in ("80", "80", "80.01")]
    result = one(scheme, ballots, daily="80.01")
    assert result.indicators == D("80.00")
    assert result.composite == D("80.01")


def test_composite_is_computed_from_the_unrounded_parts() -> None:
    # I = 169.99 / 2 = 84.995 (shown as 85.00), A = 99.99, weights 2 : 1.
    # C = (2 × 84.995 + 99.99) / 3 = 89.9933… → 89.99 → 较好; from the rounded I it would
    # have been (170 + 99.99) / 3 = 89.9967 → 90.00 → 好.
    scheme = make_scheme(
        indicators=(IndicatorDef("ZZ", D(200)),),
        part_indicators=D(2),
        part_grades=D(0),
        part_daily=D(1),
    )
    result = one(scheme, [BallotIn("R1", "LD", {"ZZ": D("169.99")})] * 3, daily="99.99")
    assert result.indicators == D("85.00")
    assert result.composite == D("89.99")
    assert result.grade == "较好"


def test_daily_part_is_shown_with_two_decimals() -> None:
    assert one(daily_only(), [], daily="88.5").daily == D("88.50")


# --- ballot totals ---------------------------------------------------------------------------


def test_ballot_total_is_the_exact_share_of_all_maximum_points() -> None:
    scheme = make_scheme(indicators=(IndicatorDef("A", D(20)), IndicatorDef("B", D("10"))))
    assert ballot_total(scheme, {"A": D("18.5"), "B": D(9)}) == Fraction(275, 3)


def test_ballot_total_rejects_a_missing_unknown_or_out_of_range_score() -> None:
    scheme = make_scheme(indicators=(IndicatorDef("A", D(20)), IndicatorDef("B", D(10))))
    for scores in ({"A": D(1)}, {"A": D(1), "B": D(1), "C": D(1)}, {"A": D(21), "B": D(1)}):
        with pytest.raises(ValueError):
            ballot_total(scheme, scores)


# --- indicator part ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "mean", "trimmed"),
    [
        (["100", "80", "70", "50"], "75.00", False),  # 4 = threshold − 1: plain mean
        (["100", "80", "70", "60", "50"], "70.00", True),  # 5 = threshold: (80+70+60)/3
        (["100", "90", "80", "70", "60", "10"], "75.00", True),  # 6: (90+80+70+60)/4
        (["100", "100", "80", "60", "60"], "80.00", True),  # only one of equal extremes goes
    ],
)
def test_one_highest_and_one_lowest_total_are_dropped_from_the_threshold_on(
    scores: list[str], mean: str, trimmed: bool
) -> None:
    result = one(indicators_only(), [make_ballot(score=s) for s in scores])
    assert result.indicators == D(mean)
    assert result.groups[0].trimmed is trimmed
    assert result.groups[0].indicator_mean == D(mean)


def test_a_trim_threshold_of_zero_never_trims() -> None:
    scores = ["100", "90", "80", "70", "60", "50", "0"]
    result = one(indicators_only(trim_min_ballots=0), [make_ballot(score=s) for s in scores])
    assert result.indicators == D("64.29")  # 450 / 7
    assert result.groups[0].trimmed is False


def test_group_means_are_weighted_by_relative_group_weights() -> None:
    ballots = [make_ballot(group="LD", score=100), make_ballot(group="DB", score=60)]
    for weights in ((D(3), D(1)), (D("0.75"), D("0.25"))):
        groups = (GroupDef("LD", weights[0]), GroupDef("DB", weights[1]))
        assert one(indicators_only(groups=groups), ballots).indicators == D("90.00")


def test_a_group_without_ballots_is_left_out_of_the_weighted_mean() -> None:
    groups = (GroupDef("LD", D("0.4")), GroupDef("BM", D("0.3")), GroupDef("DB", D("0.3")))
    ballots = [make_ballot(group="LD", score=100), make_ballot(group="BM", score=86)]
    result = one(indicators_only(groups=groups), ballots)
    assert result.indicators == D("94.00")  # (0.4·100 + 0.3·86) / 0.7
    empty = result.groups[2]
    assert (empty.code, empty.totals, empty.indicator_mean, empty.grade_mean) == (
        "DB",
        (),
        None,
        None,
    )


def test_indicator_averages_are_plain_means_of_the_raw_scores() -> None:
    scheme = indicators_only(
        indicators=(IndicatorDef("A", D(20)), IndicatorDef("B", D(80))),
        groups=(GroupDef("LD", D(1)), GroupDef("DB", D(9))),
    )
    ballots = [
        BallotIn("R1", "LD", {"A": D(20), "B": D(80)}),
        BallotIn("R1", "DB", {"A": D(10), "B": D(41)}),
        BallotIn("R1", "DB", {"A": D(11), "B": D(40)}),
    ]
    assert one(scheme, ballots).indicator_averages == {"A": D("13.67"), "B": D("53.67")}
    assert one(scheme, []).indicator_averages == {}


# --- grade part ------------------------------------------------------------------------------


def test_grade_part_averages_grade_points_per_group_then_weights_the_groups() -> None:
    scheme = make_scheme(groups=(GroupDef("LD", D(1)), GroupDef("DB", D(3))))
    ballots = [
        make_ballot(group="LD", grade="好"),
        make_ballot(group="DB", grade="较好"),
        make_ballot(group="DB", grade="差"),
    ]
    result = one(scheme, ballots)
    assert result.grades == D("55.00")  # (1·100 + 3·40) / 4
    assert result.grade_counts == {"好": 1, "较好": 1, "一般": 0, "差": 1}
    assert result.good_rate == D("0.6667")
    assert result.bad_share == D("0.3333")
    assert result.grade_ballots == 3


def test_custom_grade_points_are_used() -> None:
    points = {"好": D(95), "较好": D(85), "一般": D(70), "差": D(40)}
    result = one(make_scheme(grade_points=points), [make_ballot(grade="一般")] * 2)
    assert result.grades == D("70.00")


def test_rates_are_rounded_to_four_decimals() -> None:
    ballots = [make_ballot(grade="差")] + [make_ballot(grade="较好")] * 31
    result = one(make_scheme(), ballots)
    assert result.bad_share == D("0.0313")  # 1/32 = 0.03125
    assert result.good_rate == D("0.9688")  # 31/32 = 0.96875


def test_rates_are_none_without_grade_votes() -> None:
    result = one(make_scheme(), [make_ballot(score=90)])
    assert (result.grades, result.good_rate, result.bad_share) == (None, None, None)


def test_a_ballot_counts_in_the_parts_it_carries() -> None:
    ballots = [
        make_ballot(score=90, grade="好"),
        make_ballot(score=80),
        BallotIn("R1", "LD", scores={}, grade="一般"),
    ]
    result = one(make_scheme(), ballots, daily=90)
    assert (result.indicator_ballots, result.grade_ballots) == (2, 2)
    assert (result.indicators, result.grades) == (D("85.00"), D("80.00"))


# --- composite -------------------------------------------------------------------------------


def test_part_weights_are_relative() -> None:
    ballots = [make_ballot(score=90, grade="较好")] * 3
    small = make_scheme(part_indicators=D("0.6"), part_grades=D("0.2"), part_daily=D("0.2"))
    large = make_scheme(part_indicators=D(3), part_grades=D(1), part_daily=D(1))
    # C = 0.6·90 + 0.2·80 + 0.2·70 = 54 + 16 + 14
    assert one(small, ballots, daily=70).composite == D("84.00")
    assert one(large, ballots, daily=70).composite == D("84.00")


def test_a_part_with_weight_zero_is_not_needed() -> None:
    result = one(indicators_only(), [make_ballot(score=91)] * 3)
    assert result.composite == D("91.00")
    assert result.flags == ()


def test_a_missing_used_part_leaves_no_composite_grade_or_rank() -> None:
    no_daily = one(make_scheme(), [make_ballot(score=95, grade="好")] * 3)
    no_grades = one(make_scheme(), [make_ballot(score=95)] * 3, daily=95)
    for result in (no_daily, no_grades):
        assert (result.composite, result.grade, result.rank) == (None, None, None)
        assert result.flags == (FLAG_INCOMPLETE,)
    assert no_daily.indicators == D("95.00")


def test_all_part_weights_zero_leaves_the_composite_empty() -> None:
    scheme = make_scheme(part_indicators=D(0), part_grades=D(0), part_daily=D(0))
    result = one(scheme, [make_ballot(score=90, grade="好")], daily=90)
    assert result.composite is None
    assert FLAG_INCOMPLETE in result.flags


# --- grades, quota, rank ---------------------------------------------------------------------


def test_default_bands_grade_the_rounded_composite() -> None:
    results = by_key(with_composites(daily_only(), {"a": "90", "b": "89.99", "c": "70", "d": "0"}))
    assert [results[k].grade for k in "abcd"] == ["好", "较好", "一般", "差"]


def test_custom_bands_are_applied_highest_minimum_first() -> None:
    bands = (Band("一般", D(60)), Band("好", D(95)), Band("较好", D(85)))  # no floor band
    scheme = daily_only(bands=bands)
    composites = {"a": "95", "b": "94.99", "c": "85", "d": "60", "e": "59.99"}
    results = by_key(with_composites(scheme, composites))
    assert [results[k].grade for k in "abcde"] == ["好", "较好", "较好", "一般", "差"]


def test_ranks_are_competition_ranks_and_ties_keep_input_order() -> None:
    composites = {"a": "80", "b": "90", "c": "95", "d": "90"}
    results = with_composites(daily_only(), composites)
    assert [(r.key, r.rank) for r in results] == [("c", 1), ("b", 2), ("d", 2), ("a", 4)]


def test_ties_are_decided_on_the_rounded_composite() -> None:
    results = by_key(with_composites(daily_only(), {"a": "90.004", "b": "90.00"}))
    assert results["a"].rank == results["b"].rank == 1


def test_good_quota_keeps_the_highest_and_moves_a_crossing_tie_down_as_a_whole() -> None:
    composites = {"a": "95", "b": "92", "c": "92", "d": "85"}
    results = by_key(with_composites(daily_only(good_quota=D("0.5")), composites))
    # floor(0.5 × 4) = 2 places; a takes one, b and c would make three, so both drop.
    assert [results[k].grade for k in "abcd"] == ["好", "较好", "较好", "较好"]


def test_good_quota_limit_is_rounded_down() -> None:
    composites = {"a": "95", "b": "93", "c": "91", "d": "80", "e": "70"}
    results = by_key(with_composites(daily_only(good_quota=D("0.3")), composites))
    assert [results[k].grade for k in "abc"] == ["好", "较好", "较好"]  # floor(1.5) = 1
    results = by_key(with_composites(daily_only(good_quota=D("0.1")), composites))
    assert results["a"].grade == "较好"  # floor(0.5) = 0


def test_good_quota_changes_nothing_when_within_the_limit() -> None:
    composites = {"a": "95", "b": "95", "c": "80"}
    results = by_key(with_composites(daily_only(good_quota=D("0.7")), composites))
    assert [results[k].grade for k in "abc"] == ["好", "好", "较好"]  # floor(2.1) = 2


def test_good_quota_counts_vetoed_reporters_with_a_composite_but_not_those_without() -> None:
    scheme = daily_only(good_quota=D("0.4"))
    reporters = [
        ReporterIn("a", D(95)),
        ReporterIn("b", D(94)),
        ReporterIn("v1", D(99), vetoed=True),
        ReporterIn("v2", D(99), vetoed=True),
        ReporterIn("x1"),
        ReporterIn("x2"),
    ]
    results = by_key(compute_results(scheme, reporters, []))
    # n = 4 (a, b, v1, v2) → floor(1.6) = 1; counting x1, x2 would give 2, without v1, v2 0.
    assert [results[k].grade for k in ("a", "b", "v1", "x1")] == ["好", "较好", "差", None]


def test_a_vetoed_reporter_is_graded_bad_unranked_and_listed_last() -> None:
    reporters = [
        ReporterIn("v", D(99), vetoed=True),
        ReporterIn("x"),
        ReporterIn("a", D(80)),
        ReporterIn("w", vetoed=True),
    ]
    results = compute_results(daily_only(), reporters, [])
    assert [(r.key, r.grade, r.rank) for r in results] == [
        ("a", "较好", 1),
        ("v", "差", None),
        ("x", None, None),
        ("w", "差", None),
    ]
    assert results[1].composite == D("99.00")
    assert results[1].flags == (FLAG_VETOED,)
    assert results[3].flags == (FLAG_INCOMPLETE, FLAG_VETOED)


# --- flags -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "total", "limit", "flagged"),
    [
        (1, 3, Fraction(1, 3), False),  # exactly the default limit: not more than it
        (2, 6, Fraction(1, 3), False),
        (2, 5, Fraction(1, 3), True),
        (1, 3, D("0.3333"), True),  # 0.3333… > 0.3333, although both show as 0.3333
        (1, 4, D("0.25"), False),
    ],
)
def test_bad_share_is_flagged_only_when_strictly_above_the_limit(
    bad: int, total: int, limit: Fraction | Decimal, flagged: bool
) -> None:
    ballots = [make_ballot(grade="差")] * bad + [make_ballot(grade="好")] * (total - bad)
    result = one(make_scheme(bad_share_limit=limit), ballots, daily=90)
    assert (FLAG_BAD_SHARE in result.flags) is flagged


def test_default_bad_share_limit_is_one_third() -> None:
    assert make_scheme().bad_share_limit == Fraction(1, 3)


@pytest.mark.parametrize(("count", "flagged"), [(0, True), (2, True), (3, False)])
def test_fewer_than_three_indicator_ballots_are_flagged(count: int, flagged: bool) -> None:
    ballots = [make_ballot(score=90)] * count + [make_ballot(grade="好")] * 3
    assert (FLAG_FEW_BALLOTS in one(make_scheme(), ballots, daily=90).flags) is flagged


def test_few_ballots_is_not_flagged_when_the_indicator_part_is_unused() -> None:
    scheme = make_scheme(part_indicators=D(0))
    assert one(scheme, [make_ballot(grade="好")], daily=90).flags == ()


def test_flags_come_in_the_contract_order() -> None:
    result = one(make_scheme(), [make_ballot(grade="差")], vetoed=True)
    assert result.flags == (FLAG_INCOMPLETE, FLAG_VETOED, FLAG_BAD_SHARE, FLAG_FEW_BALLOTS)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ballot",
    [
        make_ballot(group="XX", score=90),
        make_ballot(reporter="nobody", score=90),
        make_ballot(grade="优秀"),
        BallotIn("R1", "LD", {"ZZ": D(101)}),
    ],
)
def test_ballots_the_django_layer_would_reject_raise_value_error(ballot: BallotIn) -> None:
    with pytest.raises(ValueError):
        one(make_scheme(), [ballot])


def test_duplicate_reporter_keys_raise_value_error() -> None:
    with pytest.raises(ValueError):
        compute_results(make_scheme(), [ReporterIn("R1"), ReporterIn("R1")], [])


# --- worked example --------------------------------------------------------------------------


def worked_scheme() -> SchemeDef:
    """ZZ out of 30 and JC out of 50, so T_b = 100 × (ZZ + JC) / 80 = 1.25 × (ZZ + JC)."""
    return SchemeDef(
        indicators=(IndicatorDef("ZZ", D(30)), IndicatorDef("JC", D(50))),
        groups=(GroupDef("LD", D("0.4")), GroupDef("BM", D("0.3")), GroupDef("DB", D("0.3"))),
        part_indicators=D("0.6"),
        part_grades=D("0.2"),
        part_daily=D("0.2"),
        good_quota=D("0.3"),
    )


def worked_ballots() -> list[BallotIn]:
    def b(reporter: str, group: str, zz: int, jc: int, grade: str) -> BallotIn:
        return BallotIn(reporter, group, {"ZZ": D(zz), "JC": D(jc)}, grade)

    return [
        # JD01. LD: T 92.5, 90 → M 91.25; P (100+100)/2 = 100.
        b("JD01", "LD", 28, 46, "好"),
        b("JD01", "LD", 27, 45, "好"),
        # BM, five ballots, trimmed: T 100, 90, 85, 80, 50 → drop 100 and 50 → M 85;
        # P (100+100+80+80+60)/5 = 84.
        b("JD01", "BM", 30, 50, "好"),
        b("JD01", "BM", 27, 45, "好"),
        b("JD01", "BM", 26, 42, "较好"),
        b("JD01", "BM", 24, 40, "较好"),
        b("JD01", "BM", 15, 25, "一般"),
        # DB: T 95, 87.5, 82.5 → M 265/3 = 88.33…; P (100+80+0)/3 = 60.
        b("JD01", "DB", 28, 48, "好"),
        b("JD01", "DB", 26, 44, "较好"),
        b("JD01", "DB", 25, 41, "差"),
        # JD02. LD: T 100 → M 100, P 100. BM, four, untrimmed: T 95, 90, 90, 85 → M 90,
        # P 100. DB: no ballots.
        b("JD02", "LD", 30, 50, "好"),
        b("JD02", "BM", 28, 48, "好"),
        b("JD02", "BM", 27, 45, "好"),
        b("JD02", "BM", 22, 50, "好"),
        b("JD02", "BM", 26, 42, "好"),
        # JD03 (vetoed): T 100 and 好 in every group.
        b("JD03", "LD", 30, 50, "好"),
        b("JD03", "BM", 30, 50, "好"),
        b("JD03", "DB", 30, 50, "好"),
        # JD04 (no daily score): LD T 90, 较好.
        b("JD04", "LD", 27, 45, "较好"),
        # JD05. LD: T 97.5, 92.5 → 95; P 100. BM: T 95, 95 → 95; P (100+80)/2 = 90.
        # DB: T 87.5 → 87.5; P 0.
        b("JD05", "LD", 30, 48, "好"),
        b("JD05", "LD", 28, 46, "好"),
        b("JD05", "BM", 28, 48, "好"),
        b("JD05", "BM", 26, 50, "较好"),
        b("JD05", "DB", 26, 44, "差"),
    ]


def worked_reporters() -> list[ReporterIn]:
    return [
        ReporterIn("JD01", D("92.50")),
        ReporterIn("JD02", D("95")),
        ReporterIn("JD03", D("90"), vetoed=True),
        ReporterIn("JD04"),
        ReporterIn("JD05", D("96")),
    ]


def test_worked_example_orders_ranks_and_grades_the_reporters() -> None:
    results = compute_results(worked_scheme(), worked_reporters(), worked_ballots())
    # C: JD02 96.43 (1st), JD05 88.25 (2nd), JD01 88.24 (3rd); JD03 vetoed; JD04 no C.
    # Quota: n = 4 (JD03 has C) → floor(0.3 × 4) = 1 好 allowed; only JD02 is 好.
    assert [(r.key, r.rank, r.grade) for r in results] == [
        ("JD02", 1, "好"),
        ("JD05", 2, "较好"),
        ("JD01", 3, "较好"),
        ("JD03", None, "差"),
        ("JD04", None, None),
    ]


def test_worked_example_first_reporter_in_full() -> None:
    results = by_key(compute_results(worked_scheme(), worked_reporters(), worked_ballots()))
    r = results["JD01"]
    # I = 0.4·91.25 + 0.3·85 + 0.3·265/3 = 36.5 + 25.5 + 26.5 = 88.5
    # D = 0.4·100 + 0.3·84 + 0.3·60 = 40 + 25.2 + 18 = 83.2
    # C = 0.6·88.5 + 0.2·83.2 + 0.2·92.5 = 53.1 + 16.64 + 18.5 = 88.24
    assert (r.indicators, r.grades, r.daily, r.composite) == (
        D("88.50"),
        D("83.20"),
        D("92.50"),
        D("88.24"),
    )
    # Votes: 好 5, 较好 3, 一般 1, 差 1 → good 8/10, bad 1/10.
    assert r.grade_counts == {"好": 5, "较好": 3, "一般": 1, "差": 1}
    assert (r.good_rate, r.bad_share) == (D("0.8000"), D("0.1000"))
    assert (r.indicator_ballots, r.grade_ballots, r.flags) == (10, 10, ())
    # ZZ: (28+27+30+27+26+24+15+28+26+25)/10 = 25.6; JC: 426/10 = 42.6.
    assert r.indicator_averages == {"ZZ": D("25.60"), "JC": D("42.60")}
    ld, bm, db = r.groups
    assert (ld.totals, ld.trimmed, ld.indicator_mean, ld.grade_mean) == (
        (D("92.50"), D("90.00")),
        False,
        D("91.25"),
        D("100.00"),
    )
    assert bm.totals == (D("100.00"), D("90.00"), D("85.00"), D("80.00"), D("50.00"))
    assert (bm.trimmed, bm.indicator_mean, bm.grade_mean) == (True, D("85.00"), D("84.00"))
    assert (db.indicator_mean, db.grade_mean) == (D("88.33"), D("60.00"))
    assert db.grade_counts == {"好": 1, "较好": 1, "一般": 0, "差": 1}


def test_worked_example_other_reporters() -> None:
    results = by_key(compute_results(worked_scheme(), worked_reporters(), worked_ballots()))
    # JD02: I = (0.4·100 + 0.3·90) / 0.7 = 95.714…; D = 100;
    # C = 0.6·670/7 + 0.2·100 + 0.2·95 = 57.428… + 39 = 96.428… → 96.43.
    jd02 = results["JD02"]
    assert (jd02.indicators, jd02.grades, jd02.composite) == (D("95.71"), D("100.00"), D("96.43"))
    assert jd02.groups[2].totals == ()
    # JD05: I = 38 + 28.5 + 26.25 = 92.75; D = 40 + 27 + 0 = 67;
    # C = 55.65 + 13.4 + 19.2 = 88.25; 差 1 of 5 votes.
    jd05 = results["JD05"]
    assert (jd05.indicators, jd05.grades, jd05.composite) == (D("92.75"), D("67.00"), D("88.25"))
    assert (jd05.good_rate, jd05.bad_share) == (D("0.8000"), D("0.2000"))
    # JD03: 0.6·100 + 0.2·100 + 0.2·90 = 98, but vetoed.
    assert (results["JD03"].composite, results["JD03"].flags) == (D("98.00"), (FLAG_VETOED,))
    # JD04: I 90, D 80, no daily score, one indicator ballot.
    jd04 = results["JD04"]
    assert (jd04.indicators, jd04.grades, jd04.composite) == (D("90.00"), D("80.00"), None)
    assert jd04.flags == (FLAG_INCOMPLETE, FLAG_FEW_BALLOTS)


# --- properties ------------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=10_000)
weights = st.integers(min_value=0, max_value=5).map(D)


@st.composite
def meetings(draw: st.DrawFn) -> tuple[SchemeDef, list[ReporterIn], list[BallotIn]]:
    """A random small meeting: scheme, reporters and valid ballots."""
    maxima = draw(st.lists(st.sampled_from(["10", "20", "25.5", "40"]), min_size=1, max_size=3))
    indicators = tuple(IndicatorDef(f"I{i}", D(m)) for i, m in enumerate(maxima))
    group_weights = draw(st.lists(st.integers(1, 10), min_size=1, max_size=3))
    groups = tuple(GroupDef(f"G{i}", D(w) / 10) for i, w in enumerate(group_weights))
    scheme = SchemeDef(
        indicators=indicators,
        groups=groups,
        part_indicators=draw(weights),
        part_grades=draw(weights),
        part_daily=draw(weights),
        trim_min_ballots=draw(st.sampled_from([0, 3, 5])),
        good_quota=draw(st.sampled_from([None, D("0.3"), D("0.5")])),
    )
    dailies = st.none() | cents.map(lambda c: D(c) / 100)
    reporters = [
        ReporterIn(f"R{i}", draw(dailies), draw(st.booleans()))
        for i in range(draw(st.integers(1, 4)))
    ]
    ballots = draw(st.lists(ballots_for(scheme, reporters), max_size=20))
    return scheme, reporters, ballots


def ballots_for(scheme: SchemeDef, reporters: list[ReporterIn]) -> st.SearchStrategy[BallotIn]:
    """Valid ballots: every indicator scored within range, or none; a grade or none."""

    def scores(fractions: list[int]) -> dict[str, Decimal]:
        return {
            i.code: (i.max_points * f / 10_000).quantize(D("0.01"))
            for i, f in zip(scheme.indicators, fractions, strict=True)
        }

    n = len(scheme.indicators)
    return st.builds(
        BallotIn,
        reporter=st.sampled_from([r.key for r in reporters]),
        group=st.sampled_from([g.code for g in scheme.groups]),
        scores=st.none() | st.lists(cents, min_size=n, max_size=n).map(scores),
        grade=st.none() | st.sampled_from(["好", "较好", "一般", "差"]),
    )


@settings(max_examples=150, deadline=None)
@given(meeting=meetings(), data=st.data())
def test_ballot_order_never_changes_results(meeting, data: st.DataObject) -> None:
    scheme, reporters, ballots = meeting
    shuffled = data.draw(st.permutations(ballots))
    assert compute_results(scheme, reporters, shuffled) == compute_results(
        scheme, reporters, ballots
    )


@settings(max_examples=150, deadline=None)
@given(meeting=meetings())
def test_every_score_lies_between_0_and_100_and_every_rate_between_0_and_1(meeting) -> None:
    for result in compute_results(*meeting):
        for score in (result.indicators, result.grades, result.daily, result.composite):
            assert score is None or 0 <= score <= 100
        for rate in (result.good_rate, result.bad_share):
            assert rate is None or 0 <= rate <= 1


@settings(max_examples=150, deadline=None)
@given(meeting=meetings(), data=st.data())
def test_a_full_marks_ballot_never_lowers_the_indicator_part(meeting, data) -> None:
    scheme, reporters, ballots = meeting
    group = data.draw(st.sampled_from([g.code for g in scheme.groups]))
    full = BallotIn("R0", group, {i.code: i.max_points for i in scheme.indicators})
    before = by_key(compute_results(scheme, reporters, ballots))["R0"].indicators
    after = by_key(compute_results(scheme, reporters, [*ballots, full]))["R0"].indicators
    assert after is not None
    assert before is None or after >= before


@settings(max_examples=100, deadline=None)
@given(meeting=meetings())
def test_results_are_deterministic(meeting) -> None:
    assert compute_results(*meeting) == compute_results(*meeting)
