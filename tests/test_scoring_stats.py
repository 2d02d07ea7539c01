"""The statistics shown beside the results: dispersion and straight-lining (pure, no database)."""

from decimal import Decimal
from fractions import Fraction

from appraisal.scoring import dispersion, straight_lined

D = Decimal
MAXIMA = {"ZZ": D(20), "ZD": D(30), "ZF": D(50)}


def test_dispersion_is_population_standard_deviation_and_spread():
    assert dispersion([D(80), D(90)]) == (D("5.00"), D("10.00"))
    # mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32 over 8 = 4 → √4 = 2
    assert dispersion([D(v) for v in (2, 4, 4, 4, 5, 5, 7, 9)]) == (D("2.00"), D("7.00"))


def test_dispersion_of_nothing_is_none_and_of_one_total_is_zero():
    assert dispersion([]) == (None, None)
    assert dispersion([D("87.5")]) == (D("0.00"), D("0.00"))


def test_dispersion_takes_exact_fractions_and_rounds_half_up_once():
    # Totals 0 and 0.025 → deviation 0.0125 exactly → 0.01; spread 0.025 → 0.03 (half up).
    assert dispersion([Fraction(0), Fraction(1, 40)]) == (D("0.01"), D("0.03"))
    # Thirds: spread 100/3 = 33.333… → 33.33; deviation 16.666… → 16.67.
    assert dispersion([Fraction(0), Fraction(100, 3)]) == (D("16.67"), D("33.33"))


def test_dispersion_of_an_irrational_root_is_rounded_to_two_decimals():
    # Population deviation of 0, 1, 2 is √(2/3) = 0.8164…
    assert dispersion([D(0), D(1), D(2)]) == (D("0.82"), D("2.00"))


def test_the_same_score_everywhere_for_two_reporters_is_straight_lining():
    same = {"ZZ": D(10), "ZD": D(10), "ZF": D(10)}
    assert straight_lined([same, same], at_least=2)


def test_full_marks_everywhere_is_straight_lining_when_maxima_are_given():
    full = dict(MAXIMA)
    assert straight_lined([full, full, full], at_least=2, maxima=MAXIMA)
    assert not straight_lined([full, full], at_least=2)


def test_one_ballot_is_not_enough_to_call_straight_lining():
    assert not straight_lined([{"ZZ": D(10), "ZD": D(10), "ZF": D(10)}], at_least=2)


def test_varied_scores_are_not_straight_lining():
    a = {"ZZ": D(18), "ZD": D(27), "ZF": D(45)}
    b = {"ZZ": D(18), "ZD": D(27), "ZF": D("45.5")}
    assert not straight_lined([a, b], at_least=2, maxima=MAXIMA)
    # The same ballot for two reporters is not straight-lining if its indicators differ.
    c = {"ZZ": D(10), "ZD": D(20), "ZF": D(30)}
    assert not straight_lined([c, c], at_least=2, maxima=MAXIMA)


def test_the_same_grade_for_everyone_is_straight_lining_from_three_grades():
    assert straight_lined(["好", "好", "好"], at_least=3)
    assert not straight_lined(["好", "好"], at_least=3)
    assert not straight_lined(["好", "好", "较好"], at_least=3)


def test_empty_answers_are_never_straight_lining():
    assert not straight_lined([], at_least=0)
    assert not straight_lined([{}, {}], at_least=2)
