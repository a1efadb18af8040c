"""Chinese number, date and heading formatting per GB/T 9704 and office practice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from wenshu.compute.rounding import round_fraction
from wenshu.models.catalogue import Indicator, IndicatorUnit, TargetSpec

_DIGITS = "〇一二三四五六七八九"
_UNIT_SUFFIX: dict[IndicatorUnit, str] = {
    "count": "",
    "percent": "%",
    "permille": "‰",
    "per_100k": "/10万",
    "ratio_100": "",
}
_POINTS: dict[IndicatorUnit, str] = {
    "percent": "个百分点",
    "permille": "个千分点",
    "per_100k": "/10万",
    "ratio_100": "",
}


def cn_number(n: int) -> str:
    """1..99 as Chinese numerals: 1→一, 10→十, 12→十二, 21→二十一."""
    if not 0 < n < 100:
        raise ValueError(f"heading numbers run from 1 to 99, got {n}")
    tens, ones = divmod(n, 10)
    text = ("" if tens <= 1 else _DIGITS[tens]) + ("十" if tens else "")
    return text + (_DIGITS[ones] if ones else "")


def heading_number(level: int, n: int) -> str:
    """The GB/T 9704 heading prefix: 一、 / （一） / 1. / （1）."""
    if level == 1:
        return f"{cn_number(n)}、"
    if level == 2:
        return f"（{cn_number(n)}）"
    if level == 3:
        return f"{n}."
    if level == 4:
        return f"（{n}）"
    raise ValueError(f"heading levels run from 1 to 4, got {level}")


def cn_date(day: date) -> str:
    """2026年1月5日: Arabic digits, full year, no zero padding."""
    return f"{day.year}年{day.month}月{day.day}日"


def plain(value: Decimal) -> str:
    """A Decimal as written, with its own decimals and no exponent."""
    return format(value, "f")


def value_suffix(indicator: Indicator) -> str:
    """What follows an indicator's number: %, ‰, /10万, 期 … or nothing (a ratio)."""
    return indicator.count_unit if indicator.unit == "count" else _UNIT_SUFFIX[indicator.unit]


def format_value(indicator: Indicator, value: Decimal | None) -> str:
    """An indicator value as printed: 92.79%, 5.12‰, 8.5/10万, 107.71, 126期; — if none.

    Zero is printed as 0, whatever the decimals (0/10万, not 0.0/10万)."""
    if value is None:
        return "—"
    return f"{plain(value) if value else '0'}{value_suffix(indicator)}"


# The mark between a range's ends: the ASCII tilde, so 103~107 is one Latin word that no
# printer breaks (LibreOffice breaks between Latin digits and the full-width ～).
RANGE = "~"


def format_target(indicator: Indicator, target: TargetSpec | None, *,
                  signed: bool = True) -> str:
    """A target as printed: ≥90%, ≤12‰, 103~107, =100%; — if none. Unsigned (90%, 12‰)
    for sentences that say the comparison in words (不低于90%)."""
    if target is None:
        return "—"
    if target.comparator == "range":
        assert target.high is not None
        low = format_value(indicator, target.value.normalize())
        return f"{low}{RANGE}{format_value(indicator, target.high.normalize())}"
    sign = {"ge": "≥", "le": "≤", "eq": "="}[target.comparator] if signed else ""
    return f"{sign}{format_value(indicator, _trim(target.value))}"


def goal_comparator(target: TargetSpec, unit: str) -> str:
    """How a goal to reach is said: its comparator, but a floor of 100% is reached, not
    gone beyond (达到100%, not 达到100%以上 or 不低于100%)."""
    if target.comparator == "ge" and unit == "%" and target.value >= 100:
        return "eq"
    return target.comparator


def _trim(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent form (90.00 → 90)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def point_unit(indicator: Indicator) -> str:
    """What a difference of this indicator is counted in: 个百分点, 个千分点, 期 ..."""
    if indicator.unit == "count":
        return indicator.count_unit
    return _POINTS[indicator.unit]


def format_points(indicator: Indicator, diff: Decimal) -> str:
    """An absolute difference with its unit, e.g. 0.78个百分点, 3期."""
    return f"{plain(abs(diff))}{point_unit(indicator)}"


def format_count(value: Decimal | int, unit: str = "") -> str:
    """A count as a sentence states it; from 100,000 up as 万 (12.5万份)."""
    number = Decimal(value)
    if number >= 100_000:
        wan = round_fraction(Fraction(number) / 10_000, 1)
        return f"{plain(_trim(wan))}万{unit}"
    return f"{plain(_trim(number))}{unit}"


# The money unit a catalogue measure names; its totals are printed in 元 or 万元.
YUAN = "元"


def format_yuan(amount: Decimal) -> str:
    """Money as a sentence states it: 3600元, 28.1万元, 317.35万元."""
    if amount >= 10_000:
        wan = round_fraction(Fraction(amount) / 10_000, 2)
        return f"{plain(_trim(wan))}万元"
    if amount == amount.to_integral():
        return f"{plain(_trim(amount))}元"
    return f"{plain(amount.quantize(Decimal('0.01')))}元"


def format_percent(value: Decimal) -> str:
    """A percentage change magnitude: 12.5%, 100% (no trailing zeros)."""
    return f"{plain(_trim(abs(value)))}%"
