"""A unit's period: indicators against targets and last year, activity totals, laggards.

Pure functions over a :class:`~wenshu.compute.snapshot.Snapshot`; no database.
Figures roll up the tree by summing numerators and denominators (never by
averaging rates): a unit's ledger sum covers its whole subtree, and a base
figure is the unit's own report or, when it has none, the sum of its children's.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from wenshu.compute.indicators import Evaluation, evaluate, percent_change, shortfall
from wenshu.compute.rounding import round_fraction
from wenshu.compute.snapshot import Snapshot, UnitInfo
from wenshu.models.catalogue import Catalogue, Indicator, Source, TargetSpec
from wenshu.periods import Period

ALL_MONTHS = frozenset(range(1, 13))
LAGGARDS_PER_INDICATOR = 3
TOP_TITLES = 3
# The level a unit's peers-to-compare sit at; departments beside them are not peers.
PEER_LEVEL = {"district": "street", "street": "community"}
# Ledger titles often carry the month or a sequence number; the topic is the rest.
_TITLE_NOISE = re.compile(
    r"^(?:\d{4}年)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})月份?|"
    r"[（(]?第?[\d一二三四五六七八九十]+(?:期|次|场|批)[)）]?$"
)


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator this year, with last year's value and the change."""

    current: Evaluation
    last_value: Decimal | None
    # Change on last year: in points for rates (个百分点), in % for counts.
    change: Decimal | None

    @property
    def indicator(self) -> Indicator:
        """The catalogue entry."""
        return self.current.indicator


@dataclass(frozen=True)
class MeasureTotal:
    """One measure of an activity type, this year and last."""

    column: str
    value: Decimal
    last_value: Decimal
    change_pct: Decimal | None  # None when last year had none


@dataclass(frozen=True)
class ActivitySummary:
    """An activity type's totals over the unit's subtree."""

    key: str
    records: int
    last_records: int
    measures: tuple[MeasureTotal, ...]
    top_titles: tuple[str, ...]
    children_active: int  # child units whose subtree recorded this type this year
    # For part of a year: records in the period just before (H1 → last year's H2), for 环比.
    previous_records: int | None = None
    # Records per month of the period (January first), this year and last: where a change lies.
    monthly: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())
    # Per peer child (code order): its name and its subtree's records this year and last.
    by_child: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class Laggard:
    """A child unit that missed an indicator, and by how much."""

    unit: UnitInfo
    value: Decimal
    target: TargetSpec
    shortfall: Decimal
    target_is_default: bool = False  # the catalogue's standard, not a target the unit signed


@dataclass(frozen=True)
class ChildResult:
    """How one peer child did: activities recorded and indicators met of those judged."""

    unit: UnitInfo
    records: int
    met: tuple[str, ...]  # indicator keys
    missed: tuple[str, ...]

    @property
    def judged(self) -> int:
        """Indicators with both a value and a target."""
        return len(self.met) + len(self.missed)


@dataclass(frozen=True)
class UnitReport:
    """Everything a summary says in figures about one unit and period."""

    unit: UnitInfo
    period: Period
    indicators: tuple[IndicatorResult, ...]
    activities: tuple[ActivitySummary, ...]
    # Per indicator, the peer children that missed their own target, furthest behind first.
    laggards: dict[str, tuple[Laggard, ...]] = field(default_factory=dict)
    children: tuple[UnitInfo, ...] = ()  # peer children (streets of a district, ...)
    # Activities recorded per month of the period, this year and last (January first).
    monthly: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())
    child_results: tuple[ChildResult, ...] = ()  # per peer child, in code order

    @property
    def year(self) -> int:
        """The period's calendar year."""
        return self.period.start.year

    @property
    def elapsed(self) -> Fraction:
        """The share of the year the period covers to its end (序时进度): 1/2 for H1."""
        return Fraction(self.period.end.month, 12)

    @property
    def missed(self) -> list[IndicatorResult]:
        """Indicators with a target that was not met."""
        return [r for r in self.indicators if r.current.met is False]


class Rollup:
    """Sums of ledger measures and base figures per unit subtree, memoised.

    ``months`` limits the ledger to those months of each year (1-6 for a first
    half); base figures and targets are yearly and unaffected.
    """

    def __init__(self, snapshot: Snapshot, months: frozenset[int] = ALL_MONTHS):
        self.snapshot = snapshot
        self.months = months
        own_ledger: dict[tuple[str, int, str, str], Decimal] = defaultdict(Decimal)
        for total in snapshot.ledger:
            if total.month not in months:
                continue
            for column in ("sessions", "participants", "households", "materials", "amount"):
                own_ledger[(total.unit_code, total.year, total.activity_type, column)] += Decimal(
                    getattr(total, column)
                )
        self._own_ledger = own_ledger
        self._own_figures = {(f.unit_code, f.year, f.key): f.value for f in snapshot.figures}
        self._targets = {(t.unit_code, t.year, t.indicator): t.spec for t in snapshot.targets}
        self._ledger_memo: dict[tuple[str, int, str, str], Decimal] = {}
        self._figure_memo: dict[tuple[str, int, str], Decimal | None] = {}

    def ledger_sum(self, unit: str, year: int, activity: str, column: str) -> Decimal:
        """A measure summed over the unit's subtree."""
        key = (unit, year, activity, column)
        if key not in self._ledger_memo:
            total = self._own_ledger.get(key, Decimal(0))
            for child in self.snapshot.children.get(unit, []):
                total += self.ledger_sum(child, year, activity, column)
            self._ledger_memo[key] = total
        return self._ledger_memo[key]

    def figure(self, unit: str, year: int, key: str) -> Decimal | None:
        """The unit's own figure, else the sum of its children's (None if nobody reported)."""
        memo_key = (unit, year, key)
        if memo_key not in self._figure_memo:
            value = self._own_figures.get(memo_key)
            if value is None:
                parts = [self.figure(c, year, key) for c in self.snapshot.children.get(unit, [])]
                reported = [p for p in parts if p is not None]
                value = sum(reported, Decimal(0)) if reported else None
            self._figure_memo[memo_key] = value
        return self._figure_memo[memo_key]

    def source(self, source: Source, unit: str, year: int, own_only: bool) -> Decimal | None:
        """A numerator or denominator for a unit and year."""
        if source.figure is not None:
            if own_only:
                return self._own_figures.get((unit, year, source.figure))
            return self.figure(unit, year, source.figure)
        assert source.activity is not None and source.measure is not None
        if own_only:
            return self._own_ledger.get((unit, year, source.activity, source.measure), Decimal(0))
        return self.ledger_sum(unit, year, source.activity, source.measure)

    def target(self, unit: str, year: int, indicator: Indicator) -> tuple[TargetSpec | None, bool]:
        """The unit's signed target, else the catalogue default (flagged as default)."""
        signed = self._targets.get((unit, year, indicator.key))
        if signed is not None:
            return signed, False
        return indicator.target, indicator.target is not None

    def evaluate(self, indicator: Indicator, unit: str, year: int,
                 elapsed: Fraction = Fraction(1)) -> Evaluation:
        """Evaluate an indicator for a unit and year against its target (due by ``elapsed``)."""
        own_only = indicator.rollup == "own"
        numerator = self.source(indicator.numerator, unit, year, own_only)
        denominator = (
            self.source(indicator.denominator, unit, year, own_only)
            if indicator.denominator is not None
            else None
        )
        target, is_default = self.target(unit, year, indicator)
        return evaluate(indicator, numerator, denominator, _paced(indicator, target, elapsed),
                        is_default, annual_target=target)


def _change(indicator: Indicator, value: Decimal | None, last: Decimal | None) -> Decimal | None:
    if value is None or last is None:
        return None
    if indicator.unit == "count":
        return percent_change(value, last)
    return value - last


def topic_of(title: str) -> str:
    """A ledger title without its month or sequence number: 10月份计生工作例会 → 计生工作例会."""
    topic = _TITLE_NOISE.sub("", title.strip()).strip()
    return topic or title.strip()


def peer_children(snapshot: Snapshot, unit: str) -> list[str]:
    """The children compared with each other: those at the unit's peer level, else all."""
    children = snapshot.children.get(unit, [])
    level = PEER_LEVEL.get(snapshot.unit_map[unit].level)
    peers = [c for c in children if snapshot.unit_map[c].level == level]
    return peers or children


def _activities(snapshot: Snapshot, catalogue: Catalogue, unit: str, year: int,
                rollup: Rollup) -> tuple[ActivitySummary, ...]:
    """Per activity type: totals over the subtree in the rollup's months, against last year."""
    # Each descendant's branch: the peer child of ``unit`` it sits under.
    branch_of = {code: child for child in peer_children(snapshot, unit)
                 for code in snapshot.subtree(child)}
    records: Counter[tuple[str, int]] = Counter()
    months: Counter[tuple[str, int, int]] = Counter()
    per_child: Counter[tuple[str, str, int]] = Counter()
    titles: dict[str, Counter[str]] = defaultdict(Counter)
    active: dict[str, set[str]] = defaultdict(set)
    # The period just before one of the year's first k months: last year's final k months.
    span = len(rollup.months)
    before = frozenset(range(13 - span, 13)) if span < 12 else frozenset()
    previous: Counter[str] = Counter()
    for total in snapshot.subtree_ledger(unit):
        if total.year == year - 1 and total.month in before:
            previous[total.activity_type] += total.records
        if total.month not in rollup.months:
            continue
        records[(total.activity_type, total.year)] += total.records
        months[(total.activity_type, total.year, total.month)] += total.records
        if total.unit_code in branch_of:
            per_child[(total.activity_type, branch_of[total.unit_code], total.year)] += total.records
        if total.year == year:
            titles[total.activity_type][topic_of(total.title)] += total.records
            if total.unit_code in branch_of:
                active[total.activity_type].add(branch_of[total.unit_code])
    result = []
    for kind in catalogue.activities.values():
        now, last_year = records[(kind.key, year)], records[(kind.key, year - 1)]
        if now == 0 and last_year == 0:
            continue
        measures = []
        for measure in kind.measures:
            value = rollup.ledger_sum(unit, year, kind.key, measure.column)
            last = rollup.ledger_sum(unit, year - 1, kind.key, measure.column)
            measures.append(MeasureTotal(measure.column, value, last, percent_change(value, last)))
        top = tuple(t for t, _ in sorted(titles[kind.key].items(), key=lambda i: (-i[1], i[0])))
        monthly = tuple(tuple(months[(kind.key, y, m)] for m in sorted(rollup.months))
                        for y in (year, year - 1))
        by_child = tuple((snapshot.unit_map[child].name, per_child[(kind.key, child, year)],
                          per_child[(kind.key, child, year - 1)])
                         for child in peer_children(snapshot, unit))
        result.append(
            ActivitySummary(kind.key, now, last_year, tuple(measures), top[:TOP_TITLES],
                            len(active[kind.key]), previous[kind.key] if before else None,
                            (monthly[0], monthly[1]), by_child)
        )
    return tuple(result)


def _laggards(rollup: Rollup, indicator: Indicator, children: list[str], year: int,
              elapsed: Fraction) -> tuple[Laggard, ...]:
    behind = []
    for child in children:
        result = rollup.evaluate(indicator, child, year, elapsed)
        if result.met is False and result.value is not None and result.target is not None:
            behind.append(Laggard(rollup.snapshot.unit_map[child], result.value, result.target,
                                  shortfall(result.value, result.target),
                                  result.target_is_default))
    behind.sort(key=lambda lag: (-lag.shortfall, lag.unit.code))
    return tuple(behind[:LAGGARDS_PER_INDICATOR])


def _paced(indicator: Indicator, target: TargetSpec | None, elapsed: Fraction
           ) -> TargetSpec | None:
    """The target due by now (序时进度) for indicators that accumulate over the year.

    Accumulating indicators (ledger-fed, see ``Indicator.accumulating``) grow month by
    month against a yearly denominator or count, so by the end of June half of a ≥
    target is due. Ratios of base figures, ceilings and ranges are judged as they stand.
    """
    if (target is None or elapsed >= 1 or not indicator.accumulating
            or target.comparator not in ("ge", "eq")):
        return target
    due = round_fraction(Fraction(target.value) * elapsed, indicator.decimals, indicator.rounding)
    return TargetSpec(comparator=target.comparator, value=due)


def compute_unit(snapshot: Snapshot, catalogue: Catalogue, unit_code: str, period: Period,
                 rollup: Rollup | None = None) -> UnitReport:
    """Compute a unit's indicators, activity totals and lagging children for ``period``.

    ``period`` lies in the snapshot's year: the whole year, or its first months
    (H1, Q1 …), in which case accumulating indicators are judged against the
    share of their target due by the period's end. Pass a shared ``rollup``
    (built with the period's months) when computing many units of one snapshot.
    """
    if period.start.year != snapshot.year or period.start.month != 1:
        raise ValueError(f"period {period} must start in January of {snapshot.year}")
    months = frozenset(range(1, period.end.month + 1))
    rollup = rollup or Rollup(snapshot, months)
    year = snapshot.year
    elapsed = Fraction(period.end.month, 12)
    children = peer_children(snapshot, unit_code)
    indicators, laggards = [], {}
    for indicator in catalogue.indicators.values():
        current = rollup.evaluate(indicator, unit_code, year, elapsed)
        last = rollup.evaluate(indicator, unit_code, year - 1).value
        indicators.append(IndicatorResult(current, last, _change(indicator, current.value, last)))
        behind = _laggards(rollup, indicator, children, year, elapsed)
        if behind:
            laggards[indicator.key] = behind
    return UnitReport(
        unit=snapshot.unit_map[unit_code],
        period=period,
        indicators=tuple(indicators),
        activities=_activities(snapshot, catalogue, unit_code, year, rollup),
        laggards=laggards,
        children=tuple(snapshot.unit_map[c] for c in children),
        monthly=(_monthly_records(snapshot, unit_code, year, months),
                 _monthly_records(snapshot, unit_code, year - 1, months)),
        child_results=tuple(_child_result(rollup, catalogue, child, year, elapsed)
                            for child in children),
    )


def _child_result(rollup: Rollup, catalogue: Catalogue, child: str, year: int,
                  elapsed: Fraction) -> ChildResult:
    met, missed = [], []
    for indicator in catalogue.indicators.values():
        result = rollup.evaluate(indicator, child, year, elapsed)
        if result.met is not None:
            (met if result.met else missed).append(indicator.key)
    records = sum(_monthly_records(rollup.snapshot, child, year, rollup.months))
    return ChildResult(rollup.snapshot.unit_map[child], records, tuple(met), tuple(missed))


def _monthly_records(snapshot: Snapshot, unit_code: str, year: int, months: frozenset[int]
                     ) -> tuple[int, ...]:
    """Ledger records per month over the unit's subtree, for the given months in order."""
    counts: Counter[int] = Counter()
    for total in snapshot.subtree_ledger(unit_code):
        if total.year == year and total.month in months:
            counts[total.month] += total.records
    return tuple(counts[month] for month in sorted(months))
