"""The work a plan carries forward from the base year's ledgers.

One task per activity type recorded in the plan's months of the base year (a
quarter's plan looks at the same quarter): the months it was done, by which peer
children, and its totals. Each measure is planned at the base year's total or, in a
year's plan, at a higher count target the plan sets for the year (signed, or proposed
in its goals table), so the tasks and the goals never disagree. An activity done in most
months is routine (常态化) rather than scheduled in named months.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from wenshu.compute.snapshot import Snapshot, UnitInfo
from wenshu.compute.summary import peer_children
from wenshu.generators.kinds import ContextRequest
from wenshu.models.catalogue import ActivityType, Catalogue, Measure

# An activity done in at least this many months of a year (or in every month of a
# quarter) is routine work, scheduled as 常态化 rather than in named months.
ROUTINE_MONTHS_IN_YEAR = 9
LEDGER_COLUMNS = ("sessions", "participants", "households", "materials", "amount")

# Where a measure's planned figure above the base year comes from: a count target
# signed for the plan's year (目标管理责任书), or one the plan proposes (its goals table).
RaisedBy = Literal["contract", "goal"]
# The plan year's count targets by the (activity, measure) they count: value, raised by.
CountGoals = dict[tuple[str, str], tuple[Decimal, RaisedBy]]


@dataclass(frozen=True)
class MeasurePlan:
    """One measure of a task: the base-year total and the figure planned."""

    measure: Measure
    base: Decimal
    planned: Decimal
    raised_by: RaisedBy | None  # None: planned at the base year's total


@dataclass(frozen=True)
class ActivityTask:
    """An activity type to carry on: when, how much, by whom."""

    kind: ActivityType
    months: tuple[int, ...]  # the plan's months in which the base year recorded it
    records: int
    measures: tuple[MeasurePlan, ...]
    by_self: bool  # the unit recorded it itself (or through units outside its peer children)
    children: tuple[UnitInfo, ...]  # peer children whose subtree recorded it
    routine: bool


@dataclass
class _Tally:
    """Base-year ledger totals of one activity type over the unit's subtree."""

    months: set[int]
    records: int
    totals: dict[str, Decimal]
    branches: set[str]  # peer children whose subtree recorded it
    by_self: bool = False  # recorded outside every peer child's subtree


def _tally(snapshot: Snapshot, unit: str, year: int, months: range,
           branch_of: dict[str, str]) -> dict[str, _Tally]:
    """One pass over the ledger: per activity type, in ``months`` of ``year``."""
    tallies: dict[str, _Tally] = {}
    for total in snapshot.subtree_ledger(unit):
        if total.year != year or total.month not in months:
            continue
        tally = tallies.setdefault(total.activity_type,
                                   _Tally(set(), 0, defaultdict(Decimal), set()))
        tally.months.add(total.month)
        tally.records += total.records
        for column in LEDGER_COLUMNS:
            tally.totals[column] += Decimal(getattr(total, column))
        if total.unit_code in branch_of:
            tally.branches.add(branch_of[total.unit_code])
        else:
            tally.by_self = True
    return tallies


def base_year_amounts(snapshot: Snapshot, catalogue: Catalogue, unit: str, year: int
                      ) -> tuple[int, tuple[tuple[Measure, Decimal], ...]]:
    """The base year's ledger rows over the unit's subtree, and the money each
    activity type with a money measure spent (only those that spent some)."""
    whole_year = _tally(snapshot, unit, year, range(1, 13), {})
    amounts = []
    for kind in catalogue.activities.values():
        measure = kind.measure("amount")
        spent = whole_year[kind.key].totals["amount"] if kind.key in whole_year else Decimal(0)
        if measure is not None and spent > 0:
            amounts.append((measure, spent))
    records = sum(t.records for k, t in whole_year.items() if k in catalogue.activities)
    return records, tuple(amounts)


def _measures(kind: ActivityType, tally: _Tally, goals: CountGoals) -> tuple[MeasurePlan, ...]:
    """Each measure the base year recorded, planned at its total or a higher count goal."""
    plans = []
    for measure in kind.measures:
        base = tally.totals[measure.column]
        goal, raised_by = goals.get((kind.key, measure.column), (Decimal(0), None))
        if goal > base:
            plans.append(MeasurePlan(measure, base, goal, raised_by))
        elif base > 0:
            plans.append(MeasurePlan(measure, base, base, None))
    return tuple(plans)


def activity_tasks(request: ContextRequest, base: int, quarter: bool, goals: CountGoals
                   ) -> list[ActivityTask]:
    """The activity types the base year recorded in the plan's months, in catalogue order;
    a measure is raised to its count goal in ``goals``."""
    snapshot, unit, period = request.snapshot, request.unit_code, request.period
    children = peer_children(snapshot, unit)
    branch_of = {code: child for child in children for code in snapshot.subtree(child)}
    months = range(period.start.month, period.end.month + 1)
    tallies = _tally(snapshot, unit, base, months, branch_of)
    routine_at = len(months) if quarter else ROUTINE_MONTHS_IN_YEAR
    tasks = []
    for kind in request.catalogue.activities.values():
        tally = tallies.get(kind.key)
        if tally is None:
            continue
        active = tuple(snapshot.unit_map[c] for c in children if c in tally.branches)
        tasks.append(ActivityTask(kind, tuple(sorted(tally.months)), tally.records,
                                  _measures(kind, tally, goals), tally.by_self, active,
                                  len(tally.months) >= routine_at))
    return tasks
