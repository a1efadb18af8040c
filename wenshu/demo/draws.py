"""Random draws the demo's figures and ledgers share: chances, days, splits and amounts.

Every draw takes the caller's ``random.Random``, so the order of calls fixes the data.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import cache

__all__ = ["LAST_LEDGER_DAY", "begun_months", "chance", "draw_day", "draw_money", "split_total"]

# The demo's "today": no ledger row is dated after it, so only the flawed file has future dates.
LAST_LEDGER_DAY = date(2026, 11, 23)


def chance(rng: random.Random, percent: int) -> bool:
    """True ``percent`` % of the time."""
    return rng.randint(1, 100) <= percent


@cache
def begun_months(year: int) -> tuple[int, ...]:
    """Months of ``year`` that have begun by the demo's today."""
    return tuple(month for month in range(1, 13) if date(year, month, 1) <= LAST_LEDGER_DAY)


def draw_day(rng: random.Random, year: int, months: Sequence[int]) -> date:
    """A day in one of ``months`` (any month if empty), never after the demo's today."""
    open_months = begun_months(year)
    allowed = [month for month in months if month in open_months]
    month = rng.choice(allowed or open_months)
    last = calendar.monthrange(year, month)[1]
    if (year, month) == (LAST_LEDGER_DAY.year, LAST_LEDGER_DAY.month):
        last = LAST_LEDGER_DAY.day
    return date(year, month, rng.randint(1, last))


def split_total(rng: random.Random, total: int, parts: int, minimum: int) -> list[int]:
    """``total`` as up to ``parts`` unequal integers of at least ``minimum`` each."""
    parts = max(1, min(parts, total // minimum))
    spare = total - parts * minimum
    weights = [rng.randint(60, 140) for _ in range(parts)]
    whole = sum(weights)
    shares = [spare * weight // whole for weight in weights]
    for index in range(spare - sum(shares)):
        shares[index % parts] += 1
    return [minimum + share for share in shares]


def draw_money(rng: random.Random, low: int, high: int) -> Decimal:
    """An amount in yuan: usually whole hundreds, sometimes to the fen (物资折款)."""
    if chance(rng, 80):
        return Decimal(rng.randint(low // 100, high // 100) * 100)
    return Decimal(rng.randint(low * 100, high * 100)) / 100
