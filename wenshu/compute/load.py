"""Reading a :class:`Snapshot` from the database (the only I/O of the compute layer)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from wenshu.compute.snapshot import (
    FigureValue,
    LedgerTotal,
    Snapshot,
    TargetValue,
    UnitInfo,
    walk_subtree,
)
from wenshu.errors import NotFoundError
from wenshu.models.catalogue import TargetSpec
from wenshu.models.tables import Activity, BaseFigure, Target, Unit


def load_units(session: Session) -> dict[str, UnitInfo]:
    """Every unit, by code."""
    rows = session.execute(select(Unit.code, Unit.name, Unit.level, Unit.parent_code, Unit.organ))
    return {code: UnitInfo(code=code, name=name, level=level, parent_code=parent,
                           organ=organ or "")
            for code, name, level, parent, organ in rows}


def subtree_codes(units: dict[str, UnitInfo], root: str) -> list[str]:
    """``root`` and its descendants, parents first, children in code order."""
    if root not in units:
        raise NotFoundError(f"单位代码“{root}”不在单位名录中")
    children: dict[str, list[str]] = {}
    for unit in sorted(units.values(), key=lambda u: u.code):
        if unit.parent_code is not None:
            children.setdefault(unit.parent_code, []).append(unit.code)
    return walk_subtree(children, root)


def load_snapshot(session: Session, root: str, year: int) -> Snapshot:
    """Ledger totals (per month), figures and targets of ``root``'s subtree for ``year`` and
    ``year - 1``, and targets for ``year + 1``."""
    units = load_units(session)
    codes = subtree_codes(units, root)
    years = (year - 1, year)
    activity_year = extract("year", Activity.date)
    activity_month = extract("month", Activity.date)
    ledger_rows = session.execute(
        select(
            Activity.unit_code, activity_year, activity_month, Activity.activity_type, Activity.title,
            func.count(), func.sum(Activity.sessions), func.sum(Activity.participants),
            func.sum(Activity.households), func.sum(Activity.materials), func.sum(Activity.amount),
        )
        .where(Activity.unit_code.in_(codes), Activity.date.between(date(year - 1, 1, 1), date(year, 12, 31)),
               Activity.counted())
        .group_by(Activity.unit_code, activity_year, activity_month, Activity.activity_type,
                  Activity.title)
    )
    ledger = tuple(
        LedgerTotal(
            unit_code=unit, year=int(yr), month=int(month), activity_type=kind, title=title,
            records=count,
            sessions=sessions or 0, participants=participants or 0, households=households or 0,
            materials=materials or 0, amount=Decimal(amount or 0).quantize(Decimal("0.01")),
        )
        for unit, yr, month, kind, title, count, sessions, participants, households, materials,
        amount in ledger_rows
    )
    figures = tuple(
        FigureValue(unit_code=f.unit_code, year=f.year, key=f.key, value=Decimal(f.value).normalize())
        for f in session.scalars(
            select(BaseFigure).where(BaseFigure.unit_code.in_(codes), BaseFigure.year.in_(years))
        )
    )
    targets = tuple(
        TargetValue(
            unit_code=t.unit_code, year=t.year, indicator=t.indicator,
            spec=TargetSpec(
                comparator=t.comparator, value=Decimal(t.value).normalize(),
                high=None if t.high is None else Decimal(t.high).normalize(),
            ),
        )
        for t in session.scalars(
            # Next year's too: a work plan carries the targets already signed for it.
            select(Target).where(Target.unit_code.in_(codes), Target.year.in_((*years, year + 1)))
        )
    )
    return Snapshot(
        root_code=root, year=year, units=tuple(units[c] for c in codes),
        ledger=ledger, figures=figures, targets=targets,
    )
