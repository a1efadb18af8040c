"""Evaluating one indicator: value from numerator and denominator, target check, gap."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from wenshu.compute.rounding import round_fraction
from wenshu.models.catalogue import Indicator, IndicatorUnit, RoundingRule, TargetSpec

SCALE: dict[IndicatorUnit, int] = {
    "count": 1,
    "percent": 100,
    "permille": 1000,
    "per_100k": 100_000,
    "ratio_100": 100,
}


def indicator_value(
    numerator: Decimal | None,
    denominator: Decimal | None,
    unit: IndicatorUnit,
    decimals: int,
    rounding: RoundingRule = "half_even",
) -> Decimal | None:
    """The printed value of ``numerator / denominator`` in ``unit``, rounded.

    A count takes no denominator. Returns None when the figures are missing or
    the denominator is zero: there is nothing to print.
    """
    if numerator is None:
        return None
    if unit == "count":
        return round_fraction(Fraction(numerator), decimals, rounding)
    if denominator is None or denominator == 0:
        return None
    exact = Fraction(numerator) / Fraction(denominator) * SCALE[unit]
    return round_fraction(exact, decimals, rounding)


def meets(value: Decimal, target: TargetSpec) -> bool:
    """Whether a printed value satisfies the target (compared as printed)."""
    if target.comparator == "ge":
        return value >= target.value
    if target.comparator == "le":
        return value <= target.value
    if target.comparator == "eq":
        return value == target.value
    assert target.high is not None
    return target.value <= value <= target.high


def gap_to_target(value: Decimal, target: TargetSpec) -> Decimal:
    """Signed distance from the target: value minus the threshold (0 inside a range).

    For a range, the distance is to the nearer end the value lies beyond.
    """
    if target.comparator != "range":
        return value - target.value
    assert target.high is not None
    if value < target.value:
        return value - target.value
    if value > target.high:
        return value - target.high
    return Decimal(0)


def shortfall(value: Decimal, target: TargetSpec) -> Decimal:
    """How far a value is on the wrong side of its target (0 when met)."""
    if meets(value, target):
        return Decimal(0)
    return abs(gap_to_target(value, target))


def percent_change(current: Decimal, base: Decimal, decimals: int = 1) -> Decimal | None:
    """(current − base) ÷ base × 100, rounded half-even; None when base is 0."""
    if base == 0:
        return None
    exact = (Fraction(current) - Fraction(base)) / Fraction(base) * 100
    return round_fraction(exact, decimals, "half_even")


@dataclass(frozen=True)
class Evaluation:
    """One indicator for one unit and year, against its target."""

    indicator: Indicator
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    target: TargetSpec | None  # what the value is judged against (the share due, in-year)
    target_is_default: bool
    met: bool | None
    gap: Decimal | None
    annual_target: TargetSpec | None = None  # the year's target, when ``target`` is a share of it

    @property
    def paced(self) -> bool:
        """Judged against the share of the year's target due so far (序时进度)."""
        return self.annual_target is not None and self.annual_target != self.target


def evaluate(
    indicator: Indicator,
    numerator: Decimal | None,
    denominator: Decimal | None,
    target: TargetSpec | None,
    target_is_default: bool = False,
    annual_target: TargetSpec | None = None,
) -> Evaluation:
    """Compute the value, whether it meets the target, and the gap."""
    value = indicator_value(
        numerator, denominator, indicator.unit, indicator.decimals, indicator.rounding
    )
    met = gap = None
    if value is not None and target is not None:
        met = meets(value, target)
        gap = gap_to_target(value, target)
    return Evaluation(indicator, numerator, denominator, value, target, target_is_default, met, gap,
                      annual_target)
