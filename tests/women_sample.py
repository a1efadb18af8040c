"""The sample street (wenshu.demo.sample) as its women's federation line sees it: each
community's 妇联 ledger for 2024 and 2025, drawn by the demo's own generator, summed
the way the database load sums it."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from wenshu.compute.snapshot import FigureValue, LedgerTotal, Snapshot
from wenshu.demo.sample import SNAPSHOT_UNITS
from wenshu.demo.units import DemoUnit
from wenshu.demo.women import women_data

COLUMNS = ("sessions", "participants", "households", "materials", "amount")


def women_snapshot(seed: int = 9704) -> Snapshot:
    """東城街道's three communities with their 妇联 ledgers and figures, 2024 and 2025."""
    units = [DemoUnit(u.code, u.name, u.level, u.parent_code) for u in SNAPSHOT_UNITS]
    ledgers, figures = women_data(units, (2024, 2025), seed)
    sums: dict[tuple[str, int, int, str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(("records", *COLUMNS), 0))
    for ledger in ledgers:
        for row in ledger.rows:
            total = sums[(row.unit_code, row.day.year, row.day.month, row.kind, row.title)]
            total["records"] += 1
            for column, value in row.measures:
                total[column] += int(value)
    ledger_totals = tuple(
        LedgerTotal(unit_code=unit, year=year, month=month, activity_type=kind, title=title,
                    **{**values, "amount": Decimal(values["amount"])})
        for (unit, year, month, kind, title), values in sorted(sums.items()))
    values = tuple(FigureValue(unit_code=unit, year=year, key=key, value=Decimal(value))
                   for unit, year, key, value in figures)
    return Snapshot(root_code="D", year=2025, units=SNAPSHOT_UNITS, ledger=ledger_totals,
                    figures=values)
