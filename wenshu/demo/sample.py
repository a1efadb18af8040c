"""A tiny, fixed data set: a district's street of three communities over two years.

Tests compute and phrase from it; ``wenshu templates check`` builds each kind's
sample context from it to learn which variables the kind provides.
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

SAMPLE_UNIT = "S1"  # the street the samples are written for

SNAPSHOT_UNITS = (
    UnitInfo(code="D", name="示范区", level="district", organ="示范区卫生健康局"),
    UnitInfo(code="S1", name="东城街道", level="street", parent_code="D"),
    UnitInfo(code="C1", name="东湖社区", level="community", parent_code="S1"),
    UnitInfo(code="C2", name="东山社区", level="community", parent_code="S1"),
    UnitInfo(code="C3", name="东岭社区", level="community", parent_code="S1"),
)


def _checks(unit: str, year: int, done: int) -> LedgerTotal:
    # Screening happens in spring (March) and autumn (September), half each time.
    return LedgerTotal(unit_code=unit, year=year, month=3 if done % 2 == 0 else 9,
                       activity_type="check", title="孕环情检查", records=4, participants=done)


def _fig(unit: str, year: int, key: str, value: int) -> FigureValue:
    return FigureValue(unit_code=unit, year=year, key=key, value=Decimal(value))


def sample_snapshot() -> Snapshot:
    """A small district's street (东城街道, code S1) of three communities, 2024 and 2025."""
    ledger = [
        _checks("C1", 2025, 1900), _checks("C2", 2025, 1500), _checks("C3", 2025, 1314),
        _checks("C1", 2024, 1800), _checks("C2", 2024, 1600), _checks("C3", 2024, 1400),
        LedgerTotal(unit_code="S1", year=2025, month=4, activity_type="training",
                    title="计生专干业务培训",
                    records=3, sessions=3, participants=150),
        LedgerTotal(unit_code="C1", year=2025, month=5, activity_type="training",
                    title="孕前优生知识培训",
                    records=5, sessions=5, participants=200),
        LedgerTotal(unit_code="C2", year=2024, month=10, activity_type="training",
                    title="孕前优生知识培训",
                    records=4, sessions=4, participants=160),
    ]
    figures = [
        _fig("C1", 2025, "expected_checks", 2000), _fig("C2", 2025, "expected_checks", 1800),
        _fig("C3", 2025, "expected_checks", 1280),
        _fig("C1", 2024, "expected_checks", 2000), _fig("C2", 2024, "expected_checks", 1800),
        _fig("C3", 2024, "expected_checks", 1400),
        # The street reports its own births; its communities' are then not summed.
        _fig("S1", 2025, "births", 2156), _fig("S1", 2025, "births_in_policy", 2022),
        _fig("C1", 2025, "births", 1), _fig("C1", 2025, "births_in_policy", 1),
    ]
    targets = [
        TargetValue(unit_code="S1", year=2025, indicator="check_rate",
                    spec=TargetSpec(comparator="ge", value=Decimal(95))),
        TargetValue(unit_code="C1", year=2025, indicator="check_rate",
                    spec=TargetSpec(comparator="ge", value=Decimal(90))),
    ]
    return Snapshot(root_code="D", year=2025, units=SNAPSHOT_UNITS, ledger=tuple(ledger),
                    figures=tuple(figures), targets=tuple(targets))
