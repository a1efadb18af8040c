"""Indicator arithmetic: the worked figures of domain.md, rounding rules, targets."""

from decimal import Decimal
from fractions import Fraction

import pytest

from wenshu.compute.indicators import (
    gap_to_target,
    indicator_value,
    meets,
    percent_change,
)
from wenshu.compute.rounding import round_fraction
from wenshu.generators.numbers import format_points, format_target, format_value
from wenshu.models.catalogue import Indicator, TargetSpec

# (numerator, denominator, decimals, rounding, printed) — domain.md's table.
WORKED_FIGURES = [
    (6013, 6375, 0, "half_even", "94%"),
    (224, 225, 2, "half_up", "99.56%"),
    (2022, 2156, 2, "half_even", "93.78%"),
    (161, 162, 2, "half_even", "99.38%"),
    (4714, 5080, 2, "truncate", "92.79%"),
    (4800, 5230, 2, "half_even", "91.78%"),
    (365, 386, 1, "truncate", "94.5%"),
    (8, 10, 0, "half_even", "80%"),
]


def _percent(decimals: int, rounding: str, target: TargetSpec | None = None) -> Indicator:
    return Indicator(
        key="x", label="某率", numerator={"figure": "a"}, denominator={"figure": "b"},
        unit="percent", decimals=decimals, rounding=rounding, target=target,
    )


@pytest.mark.parametrize(("num", "den", "decimals", "rounding", "printed"), WORKED_FIGURES)
def test_worked_figures_print_as_in_the_seeds(num, den, decimals, rounding, printed):
    ind = _percent(decimals, rounding)
    value = indicator_value(Decimal(num), Decimal(den), "percent", decimals, rounding)
    assert format_value(ind, value) == printed


def test_policy_birth_rate_gap_is_stated_in_percentage_points():
    target = TargetSpec(comparator="ge", value=Decimal("93"))
    ind = _percent(2, "half_even", target)
    value = indicator_value(Decimal(2022), Decimal(2156), "percent", 2, "half_even")
    gap = gap_to_target(value, target)
    assert meets(value, target)
    assert f"比目标值高{format_points(ind, gap)}" == "比目标值高0.78个百分点"


@pytest.mark.parametrize(
    ("value", "decimals", "rule", "expected"),
    [
        (Fraction(125, 1000), 2, "half_even", "0.12"),  # exact tie → even
        (Fraction(135, 1000), 2, "half_even", "0.14"),
        (Fraction(125, 1000), 2, "half_up", "0.13"),
        (Fraction(125, 1000), 2, "truncate", "0.12"),
        (Fraction(-125, 1000), 2, "half_up", "-0.13"),
        (Fraction(2, 3), 0, "half_even", "1"),
        (Fraction(1, 2), 0, "half_even", "0"),
        (Fraction(3, 2), 0, "half_even", "2"),
        (Fraction(7, 1), 2, "half_even", "7.00"),
    ],
)
def test_rounding_rules(value, decimals, rule, expected):
    assert str(round_fraction(value, decimals, rule)) == expected


def test_tie_is_detected_exactly_not_approximately():
    # 0.125 + 1e-40 is just above a tie: half-even must round up, not to even.
    value = Fraction(125, 1000) + Fraction(1, 10**40)
    assert str(round_fraction(value, 2, "half_even")) == "0.13"


def test_missing_or_zero_denominator_gives_no_value():
    assert indicator_value(Decimal(5), Decimal(0), "percent", 2) is None
    assert indicator_value(None, Decimal(5), "percent", 2) is None
    assert indicator_value(Decimal(5), None, "permille", 2) is None


def test_units_scale():
    assert indicator_value(Decimal(5), Decimal(1000), "permille", 2) == Decimal("5.00")
    assert indicator_value(Decimal(1), Decimal(12000), "per_100k", 1) == Decimal("8.3")
    assert indicator_value(Decimal(1088), Decimal(1000), "ratio_100", 2) == Decimal("108.80")
    assert indicator_value(Decimal(126), None, "count", 0) == Decimal(126)


def test_range_targets():
    spec = TargetSpec(comparator="range", value=Decimal(103), high=Decimal(107))
    assert meets(Decimal("105.5"), spec)
    assert not meets(Decimal("111.57"), spec)
    assert gap_to_target(Decimal("111.57"), spec) == Decimal("4.57")
    assert gap_to_target(Decimal("101"), spec) == Decimal("-2")
    ind = Indicator(key="r", label="出生人口性别比", numerator={"figure": "a"},
                    denominator={"figure": "b"}, unit="ratio_100", decimals=2, target=spec)
    assert format_target(ind, spec) == "103~107"


def test_target_formats():
    ge = TargetSpec(comparator="ge", value=Decimal("90.00"))
    le = TargetSpec(comparator="le", value=Decimal("5"))
    assert format_target(_percent(2, "half_even"), ge) == "≥90%"
    permille = Indicator(key="b", label="出生率", numerator={"figure": "a"},
                         denominator={"figure": "b"}, unit="permille", decimals=2)
    assert format_target(permille, le) == "≤5‰"


def test_percent_change():
    assert percent_change(Decimal(110), Decimal(100)) == Decimal("10.0")
    assert percent_change(Decimal(90), Decimal(120)) == Decimal("-25.0")
    assert percent_change(Decimal(5), Decimal(0)) is None


def test_counts_and_money_as_sentences_state_them():
    from wenshu.generators.numbers import format_count, format_yuan

    assert format_count(Decimal(89000), "份") == "89000份"
    assert format_count(Decimal(1690000), "份") == "169万份"
    assert format_count(Decimal(125400)) == "12.5万"
    assert format_yuan(Decimal("281000.00")) == "28.1万元"
    assert format_yuan(Decimal("3173456.78")) == "317.35万元"
    assert format_yuan(Decimal("3600.00")) == "3600元"
    assert format_yuan(Decimal("3600.5")) == "3600.50元"
