"""Ranking units by their inspection totals (pure).

Ties are explicit: units with the same total share a rank and the next rank is
skipped (standard competition ranking, "1, 1, 3"). Nothing breaks a tie: no second
criterion makes one tied unit better than another. Within a tie, units are listed by
unit code only so that the order is stable from one run to the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Ranked:
    """One unit's place: its total, rank (1 is best) and whether it shares that rank."""

    unit_code: str
    total: Decimal
    rank: int
    tied: bool


def rank_totals(totals: Mapping[str, Decimal]) -> list[Ranked]:
    """Units ordered from the highest total down, with competition ranks (1, 1, 3)."""
    ordered = sorted(totals.items(), key=lambda entry: (-entry[1], entry[0]))
    counts: dict[Decimal, int] = {}
    for _, total in ordered:
        # Decimal("89.5") and Decimal("89.50") are the same total and the same key.
        counts[total] = counts.get(total, 0) + 1
    ranked: list[Ranked] = []
    for position, (code, total) in enumerate(ordered, start=1):
        same = ranked[-1] if ranked and ranked[-1].total == total else None
        rank = same.rank if same is not None else position
        ranked.append(Ranked(code, total, rank, counts[total] > 1))
    return ranked
