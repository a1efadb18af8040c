"""A district of three streets and six communities, 2024 and 2025, for summary wording tests.

Every street records lectures, publicity, checks, household visits and meetings (so a
sentence per activity saying so would repeat); only 东城街道 trains. Built so that:

- the check rate (≥95%, signed by the district) is missed, with 南城街道 far behind
  and its checks falling in September;
- household visits fall by more than a tenth, 西城街道 stopping after August;
- lectures grow from 6 to 21 sessions (a small base: no percentage);
- maternal mortality (not accumulating) misses its ceiling; last year it was 0.
"""

from __future__ import annotations

from decimal import Decimal

from wenshu.compute.snapshot import (
    FigureValue,
    LedgerTotal,
    Snapshot,
    TargetValue,
    UnitInfo,
)
from wenshu.models.catalogue import TargetSpec

STREETS = {"S1": "东城街道", "S2": "西城街道", "S3": "南城街道"}
COMMUNITIES = {"S1": ("东湖社区", "东山社区"), "S2": ("西湖社区", "西山社区"),
               "S3": ("南湖社区", "南山社区")}


def _units() -> tuple[UnitInfo, ...]:
    units = [UnitInfo(code="D", name="示范区", level="district")]
    for street, name in STREETS.items():
        units.append(UnitInfo(code=street, name=name, level="street", parent_code="D"))
        for n, community in enumerate(COMMUNITIES[street], start=1):
            units.append(UnitInfo(code=f"{street}C{n}", name=community, level="community",
                                  parent_code=street))
    return tuple(units)


def _row(unit: str, year: int, month: int, kind: str, title: str, records: int = 1,
         **measures: int) -> LedgerTotal:
    return LedgerTotal(unit_code=unit, year=year, month=month, activity_type=kind, title=title,
                       records=records, **measures)


def _community_rows(code: str, street: str, year: int) -> list[LedgerTotal]:
    rows = []
    # Checks in March and September; 南城街道's September round shrank in 2025.
    shrank = year == 2025 and street == "S3"
    spring, autumn = (480, 470) if street != "S3" else (500, 490)
    rows.append(_row(code, year, 3, "check", "孕环情检查", 4, participants=spring))
    rows.append(_row(code, year, 9, "check", "孕环情检查", 1 if shrank else 4,
                     participants=90 if shrank else autumn))
    # Household visits every month; 西城街道 stopped after August in 2025.
    last_month = 8 if (year == 2025 and street == "S2") else 12
    for month in range(1, last_month + 1):
        rows.append(_row(code, year, month, "household_visit", "入户随访", households=40))
    # Lectures: 1 each in 2024, 3 or 4 each in 2025 (6 → 21 in all).
    lectures = 1 if year == 2024 else (4 if street == "S1" or code == "S2C1" else 3)
    rows.append(_row(code, year, 5, "lecture", "优生优育知识讲座", lectures, sessions=lectures,
                     participants=30 * lectures))
    materials = 2000 if year == 2024 else 2400
    rows.append(_row(code, year, 7, "publicity", "世界人口日宣传", 2, materials=materials,
                     sessions=2, participants=300))
    if street == "S1":
        sessions = 2 if year == 2024 else 5
        rows.append(_row(code, year, 4, "training", "孕前优生知识培训", sessions,
                         sessions=sessions, participants=25 * sessions))
    return rows


def _figures(code: str, year: int) -> list[FigureValue]:
    values = {"expected_checks": 1000, "households_to_visit": 500, "population": 10000,
              "births": 70, "births_in_policy": 66, "births_male": 36, "births_female": 34,
              "live_births": 70, "maternal_deaths": 1 if (year, code) == (2025, "S3C1") else 0}
    return [FigureValue(unit_code=code, year=year, key=key, value=Decimal(value))
            for key, value in values.items()]


def district_snapshot() -> Snapshot:
    """The district (code D) with its streets' and communities' ledgers, figures, targets."""
    ledger, figures = [], []
    for year in (2024, 2025):
        for street in STREETS:
            ledger.append(_row(street, year, 2, "meeting", "计生工作例会", 4, sessions=4,
                               participants=60))
            for n in range(1, 3):
                code = f"{street}C{n}"
                ledger.extend(_community_rows(code, street, year))
                figures.extend(_figures(code, year))
    signed = TargetSpec(comparator="ge", value=Decimal(95))
    targets = [TargetValue(unit_code=unit, year=2025, indicator=key, spec=signed)
               for unit in ("D", "S1") for key in ("check_rate", "visit_coverage")]
    return Snapshot(root_code="D", year=2025, units=_units(), ledger=tuple(ledger),
                    figures=tuple(figures), targets=tuple(targets))
