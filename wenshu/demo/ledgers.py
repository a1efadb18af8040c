"""The demo's ledger rows: each unit's yearly ledger, drawn type by type, and the flawed one.

Community ledgers are drawn to the totals of the community's plan; streets, the district
and the department keep ledgers of their own activity types. The flawed supplementary
ledger holds rows an import must reject.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from wenshu.demo.draws import begun_months, chance, draw_day, split_total
from wenshu.demo.kinds import COMMUNITY_KINDS, ActivityKind
from wenshu.demo.plan import PLANNED_MIN_SHARE, CommunityPlan, CommunityProfile
from wenshu.demo.units import DemoUnit
from wenshu.models.catalogue import MEASURE_COLUMNS

__all__ = ["DemoLedger", "DemoRow", "community_rows", "flawed_rows", "kind_rows", "ledger_form",
           "own_rows"]

_NOTES = (
    "联合社康中心开展", "网格员协助", "辖区企业协办", "与居委会联合开展", "计生协志愿者参与",
    "签到表已存档", "活动照片已存档",
)
# Second-year change of how often communities do each unplanned type, in %.
_SECOND_YEAR_TREND = {"publicity": 88, "lecture": 110, "consultation": 106, "aid": 112,
                      "volunteering": 118}


@dataclass(frozen=True)
class DemoRow:
    """One ledger row as the demo draws it, before it is written as cells."""

    unit_code: str
    day: date
    kind: str  # activity key
    title: str
    measures: tuple[tuple[str, int | Decimal], ...]  # in ledger column order, blanks left out
    notes: str


@dataclass(frozen=True)
class DemoLedger:
    """One unit's ledger file for a year: its rows and the form it is sent in."""

    unit: DemoUnit
    year: int
    form: str  # utf-8-sig | gb18030 | xlsx
    rows: list[DemoRow]
    name: str = "工作台账"  # the file's name after the unit and year (one ledger a line of work)


def kind_rows(rng: random.Random, unit: DemoUnit, year: int, key: str, kind: ActivityKind,
              shares: Sequence[int | None], seen: set[DemoRow]) -> list[DemoRow]:
    """Distinct rows of one type, one per share of a planned total (``None``: unplanned)."""
    months = begun_months(year)
    rows = []
    for index, share in enumerate(shares):
        if kind.monthly and index < len(months):
            title, when = kind.monthly.format(month=months[index]), (months[index],)
        else:
            title, when = rng.choice(kind.topics)
        drawn = kind.draw(rng, share)
        measures = tuple((column, value) for column in MEASURE_COLUMNS
                         if (value := drawn.get(column)) is not None)
        notes = rng.choice(_NOTES) if chance(rng, 10) else ""
        row = DemoRow(unit.code, draw_day(rng, year, when), key, title, measures, notes)
        while row in seen:  # offices do not write the same line twice
            row = replace(row, day=draw_day(rng, year, ()))
        seen.add(row)
        rows.append(row)
    return rows


def community_rows(rng: random.Random, unit: DemoUnit, year: int, year_index: int,
                   profile: CommunityProfile, plan: CommunityPlan) -> list[DemoRow]:
    """A community's ledger for a year, drawn to the totals of its plan."""
    seen: set[DemoRow] = set()
    rows: list[DemoRow] = []
    for key, kind in COMMUNITY_KINDS.items():
        count = profile.rows[key]
        if key == "training":  # mostly one 期 a row
            count = max(1, plan.totals[key] * rng.randint(60, 90) // 100)
        elif key not in ("check", "household_visit"):  # their totals are planned; rows stay
            trend = _SECOND_YEAR_TREND.get(key, 100) if year_index else 100
            count = (count * trend * rng.randint(90, 110) + 5000) // 10_000
        if kind.monthly:
            count += len(begun_months(year))
        shares = (split_total(rng, plan.totals[key], count, PLANNED_MIN_SHARE[key])
                  if key in PLANNED_MIN_SHARE else [None] * count)
        rows += kind_rows(rng, unit, year, key, kind, shares, seen)
    return sorted(rows, key=lambda row: row.day)


def own_rows(rng: random.Random, unit: DemoUnit, year: int, kinds: dict[str, ActivityKind]
             ) -> list[DemoRow]:
    """A street's, the district's or the department's own ledger."""
    seen: set[DemoRow] = set()
    rows: list[DemoRow] = []
    for key, kind in kinds.items():
        count = rng.randint(*kind.rows) + (len(begun_months(year)) if kind.monthly else 0)
        rows += kind_rows(rng, unit, year, key, kind, [None] * count, seen)
    return sorted(rows, key=lambda row: row.day)


def ledger_form(rng: random.Random) -> str:
    """Most offices export CSV from Excel; some still save GB18030, some send the workbook."""
    draw = rng.randint(1, 100)
    return "utf-8-sig" if draw <= 70 else "gb18030" if draw <= 85 else "xlsx"


def flawed_rows(code: str, year: int) -> list[list[str]]:
    """Two good rows and four that an import must reject, the way clerks get them wrong."""
    digits = str(year)
    typo = int(digits[:2] + digits[3] + digits[2])  # 2025 typed as 2052
    future = typo if typo > year else year + 30
    return [
        [code, f"{year}-11-06", "宣传", "入户发放计生政策宣传资料", "", "", "", "260", "", "补录"],
        [code, f"{year}-11-12", "文艺汇演", "社区计生协文艺汇演", "1", "180", "", "", "", "补录"],
        [code, f"{year}-11-15", "培训", "育龄妇女生殖健康知识补训", "1", "-35", "", "", "", "补录"],
        [code, f"{future}-11-20", "入户走访", "避孕药具随访", "", "", "12", "", "", "补录"],
        [code, f"{year}-11-18", "讲座", "孕期营养与保健讲座", "1", "约50", "", "", "", "补录"],
        [code, f"{year}-11-19", "检查", "孕环情漏查对象补查", "1", "16", "", "", "", "补录"],
    ]
