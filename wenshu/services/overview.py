"""What a unit's page shows: this period's submissions, indicators against targets, the
units below (who submitted, who lags), and the unit's documents.

Read-only; every function checks that the actor may view the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from wenshu.access import Actor, authorize
from wenshu.archive.search import Hit, SearchQuery, search
from wenshu.collect import Completeness, completeness
from wenshu.compute.load import load_snapshot, load_units, subtree_codes
from wenshu.compute.snapshot import UnitInfo
from wenshu.compute.summary import Rollup, UnitReport, compute_unit
from wenshu.db import session_scope
from wenshu.errors import CatalogueError, NotFoundError
from wenshu.generators.numbers import format_target, format_value
from wenshu.ingest.units import LEVEL_LABELS  # noqa: E402  (one list of level names)
from wenshu.models.catalogue import load_catalogue
from wenshu.models.lines import Line, load_lines
from wenshu.models.tables import Activity, Unit
from wenshu.periods import Period
from wenshu.settings import Settings

# The level whose units report ledgers, per level of the unit looking.
REPORTING_LEVELS = ("community",)


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of a unit: value, target and whether it was met."""

    key: str
    label: str
    value: str
    target: str
    target_is_default: bool  # a catalogue default, not a signed target
    met: bool | None  # None: no value or no target
    last_value: str

    @property
    def verdict(self) -> str:
        """达标 / 未达标 / — (not judged)."""
        return "—" if self.met is None else ("达标" if self.met else "未达标")


@dataclass(frozen=True)
class Submission:
    """Whether a unit's subtree has ledger rows in a period, and how many."""

    rows: int
    first: date | None
    last: date | None

    @property
    def submitted(self) -> bool:
        """Whether anything was recorded."""
        return self.rows > 0


@dataclass(frozen=True)
class ChildRow:
    """One unit below, in the indicator table across units."""

    unit: UnitInfo
    values: dict[str, str]  # indicator key -> value as printed
    missed: tuple[str, ...]  # indicator keys it missed
    records: int

    @property
    def lagging(self) -> bool:
        """Missed any target."""
        return bool(self.missed)


@dataclass(frozen=True)
class UnitOverview:
    """A unit's page."""

    unit: UnitInfo
    parent: UnitInfo | None
    children: tuple[UnitInfo, ...]
    period: Period
    submission: Submission
    indicators: tuple[IndicatorRow, ...]
    documents: tuple[Hit, ...]


def unit_info(settings: Settings, actor: Actor, unit_code: str) -> tuple[UnitInfo, dict[str, UnitInfo]]:
    """The unit (whose work the actor must oversee) and the whole unit table."""
    with session_scope(settings) as session:
        units = load_units(session)
    if unit_code not in units:
        raise NotFoundError(f"没有单位代码“{unit_code}”")
    authorize(settings, actor, "overview", unit_code, target=f"unit:{unit_code}")
    return units[unit_code], units


def submission(settings: Settings, codes: list[str], period: Period) -> Submission:
    """Ledger rows dated in ``period`` for the given units."""
    with session_scope(settings) as session:
        rows, first, last = session.execute(
            sa.select(sa.func.count(), sa.func.min(Activity.date), sa.func.max(Activity.date))
            .where(Activity.unit_code.in_(codes), Activity.date.between(period.start, period.end),
                   Activity.counted())
        ).one()
    return Submission(int(rows), first, last)


def actor_units(settings: Settings, actor: Actor) -> list[UnitInfo]:
    """The units the actor acts for, in tree order (every unit for roles without one)."""
    with session_scope(settings) as session:
        units = load_units(session)
    if actor.unit_code is None or actor.units is None:
        roots = [c for c, u in units.items() if u.parent_code is None]
        return [units[c] for root in roots for c in subtree_codes(units, root)]
    return [units[c] for c in subtree_codes(units, actor.unit_code)]


def tree_depths(units: list[UnitInfo]) -> dict[str, int]:
    """How deep each of ``units`` (in tree order, parents first) sits among them: 0 where
    its parent is not among them, one more than its parent's otherwise."""
    depths: dict[str, int] = {}
    for unit in units:
        parent = unit.parent_code
        depths[unit.code] = depths[parent] + 1 if parent in depths else 0
    return depths


@dataclass(frozen=True)
class UnitGroup:
    """Units picked together: ``units`` below ``head``, a unit directly below the root;
    without a head, units directly below the root that have no units of their own."""

    head: UnitInfo | None
    units: tuple[UnitInfo, ...]


def unit_groups(units: list[UnitInfo], root: str) -> list[UnitGroup]:
    """``units`` (in tree order, below ``root``) grouped by the unit directly below
    ``root`` they belong to, e.g. a district's communities by street; neighbouring units
    with nothing below them (a street's communities, a district's 妇联) share a group."""
    by_code = {unit.code: unit for unit in units}
    branches: dict[str, list[UnitInfo]] = {}
    for unit in units:
        members = branches.setdefault(_branch(by_code, root, unit.code), [])
        if unit.parent_code != root:
            members.append(unit)
    groups: list[UnitGroup] = []
    loose: list[UnitInfo] = []
    for code, below in branches.items():
        if not below:
            loose.append(by_code[code])
            continue
        if loose:
            groups.append(UnitGroup(None, tuple(loose)))
            loose = []
        groups.append(UnitGroup(by_code[code], tuple(below)))
    return groups + ([UnitGroup(None, tuple(loose))] if loose else [])


def _branch(units: dict[str, UnitInfo], root: str, code: str) -> str:
    """The unit directly below ``root`` that ``code`` is under (or is)."""
    while (parent := units[code].parent_code) not in (root, None):
        code = parent
    return code


def unit_name(settings: Settings, unit_code: str) -> str:
    """The unit's name, or its code when the register no longer has it (a filed record
    outlives a unit that was merged away)."""
    with session_scope(settings) as session:
        name = session.scalar(sa.select(Unit.name).where(Unit.code == unit_code))
    return name or unit_code


def latest_year(settings: Settings, unit_code: str) -> int:
    """The latest year with ledger rows under the unit (this year when there are none):
    the period a unit's page opens on."""
    with session_scope(settings) as session:
        codes = subtree_codes(load_units(session), unit_code)
        last = session.scalar(sa.select(sa.func.max(Activity.date))
                              .where(Activity.unit_code.in_(codes),
                                     Activity.counted()))
    return last.year if last else date.today().year


def period_or_latest(settings: Settings, unit_code: str, period: str | None) -> Period:
    """The period asked for, or the unit's latest year with ledger rows."""
    return Period.parse(period) if period else Period.year(latest_year(settings, unit_code))


def _rows(report: UnitReport) -> tuple[IndicatorRow, ...]:
    rows = []
    for result in report.indicators:
        ev, indicator = result.current, result.indicator
        rows.append(IndicatorRow(indicator.key, indicator.label, format_value(indicator, ev.value),
                                 format_target(indicator, ev.target), ev.target_is_default,
                                 ev.met, format_value(indicator, result.last_value)))
    return tuple(rows)


def indicator_rows(settings: Settings, unit_code: str, period: Period) -> tuple[IndicatorRow, ...]:
    """The unit's indicators for a period starting in January (a year, H1, Q1…)."""
    catalogue = load_catalogue(settings.catalogue_dir)
    with session_scope(settings) as session:
        snapshot = load_snapshot(session, unit_code, period.start.year)
    return _rows(compute_unit(snapshot, catalogue, unit_code, period))


def unit_overview(settings: Settings, actor: Actor, unit_code: str, period: Period) -> UnitOverview:
    """Everything the unit's page shows for ``period``."""
    unit, units = unit_info(settings, actor, unit_code)
    subtree = subtree_codes(units, unit_code)
    judged = period if period.start.month == 1 else Period.year(period.start.year)
    documents = search(settings, SearchQuery(unit_code=unit_code, limit=50), actor=actor)
    return UnitOverview(
        unit=unit, parent=units.get(unit.parent_code or ""),
        children=tuple(u for u in units.values() if u.parent_code == unit_code),
        period=period, submission=submission(settings, subtree, period),
        indicators=indicator_rows(settings, unit_code, judged), documents=tuple(documents))


@dataclass(frozen=True)
class BranchReporting:
    """A unit directly below the one looking (a district's street) and how the units
    under it reported."""

    unit: UnitInfo
    report: Completeness


def reporting(settings: Settings, actor: Actor, unit_code: str, period: Period,
              due: date | None = None) -> Completeness:
    """Who below the unit submitted ledgers for ``period`` and who did not (DHIS2's
    reporting rate); with ``due``, who submitted after that deadline."""
    unit_info(settings, actor, unit_code)
    with session_scope(settings) as session:
        return completeness(session, period, root=unit_code, levels=REPORTING_LEVELS, due=due)


def by_branch(report: Completeness, units: dict[str, UnitInfo], root: str
              ) -> list[BranchReporting]:
    """``report`` split by the unit directly below ``root`` each expected unit is under,
    in code order; empty when the expected units are themselves directly below ``root``
    (a street's communities): the whole report says it all."""
    groups: dict[str, list[UnitInfo]] = {}
    for unit in report.expected:
        groups.setdefault(_branch(units, root, unit.code), []).append(unit)
    if all(len(members) == 1 and members[0].code == code for code, members in groups.items()):
        return []
    rows = []
    for code in sorted(groups):
        codes = {u.code for u in groups[code]}
        submitted, missing, late = (tuple(u for u in part if u.code in codes)
                                    for part in (report.submitted, report.missing, report.late))
        rows.append(BranchReporting(units[code], Completeness(
            report.period, tuple(groups[code]), submitted, missing, report.due, late)))
    return rows


def line_of(settings: Settings, key: str) -> Line:
    """The office's line of work ``key`` (empty: the default line); NotFoundError if none."""
    try:
        return load_lines(load_catalogue(settings.catalogue_dir),
                          settings.catalogue_dir).get(key)
    except CatalogueError as exc:
        raise NotFoundError(str(exc)) from None


def child_indicators(settings: Settings, actor: Actor, unit_code: str, year: int,
                     line: Line) -> tuple[list[IndicatorRow], list[ChildRow]]:
    """The unit's indicators of ``line`` and, per peer child (streets of a district…),
    their values and the targets each missed: laggards are the rows with any."""
    unit_info(settings, actor, unit_code)
    catalogue = line.restrict(load_catalogue(settings.catalogue_dir))
    with session_scope(settings) as session:
        snapshot = load_snapshot(session, unit_code, year)
    period = Period.year(year)
    rollup = Rollup(snapshot)
    report = compute_unit(snapshot, catalogue, unit_code, period, rollup)
    children = []
    for result in report.child_results:
        child = compute_unit(snapshot, catalogue, result.unit.code, period, rollup)
        values = {r.indicator.key: format_value(r.indicator, r.current.value)
                  for r in child.indicators}
        children.append(ChildRow(result.unit, values, result.missed, result.records))
    return list(_rows(report)), children


__all__ = ["BranchReporting", "ChildRow", "IndicatorRow", "LEVEL_LABELS", "Submission",
           "UnitGroup", "UnitOverview", "actor_units", "by_branch", "child_indicators",
           "indicator_rows", "latest_year", "line_of", "period_or_latest", "reporting",
           "unit_groups", "unit_overview"]
