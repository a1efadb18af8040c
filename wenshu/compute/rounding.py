"""Exact rounding of ratios to printed decimals (GB/T 8170, half-up, truncate).

Values are kept as exact fractions until the last step, so a quotient that is not
exactly a tie is never mistaken for one (which a finite-precision Decimal division
could do).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from wenshu.models.catalogue import RoundingRule


def round_fraction(value: Fraction, decimals: int, rule: RoundingRule = "half_even") -> Decimal:
    """Round an exact value to ``decimals`` places.

    ``half_even`` is GB/T 8170's rule (四舍六入五成双): a dropped part of exactly
    one half rounds to the even neighbour; ``half_up`` rounds halves away from
    zero; ``truncate`` drops the digits (towards zero).
    """
    sign = -1 if value < 0 else 1
    scaled = abs(value) * 10**decimals
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    half = Fraction(remainder, scaled.denominator) - Fraction(1, 2)
    if rule == "truncate":
        pass
    elif half > 0 or (half == 0 and (rule == "half_up" or whole % 2 == 1)):
        whole += 1
    result = Decimal(sign * whole).scaleb(-decimals)
    return result.quantize(Decimal(1).scaleb(-decimals))


def to_fraction(value: Decimal | int) -> Fraction:
    """The exact fraction of a Decimal or int."""
    return Fraction(value)
