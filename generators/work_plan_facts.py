"""The facts a 工作计划 is written from: its period and stages, its targets, and the
base year's results, gathered from the snapshot without a word of Chinese.

A plan for the year Y, or for a quarter of Y, looks back at the base year Y-1. Its
targets are those signed for Y, else proposed by :func:`proposed_target` from the
base year's target and value; each remembers where it came from (:data:`Origin`),
so the goal table can say so. The activity tasks come from work_plan_ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from wenshu.compute.indicators import Evaluation, shortfall
from wenshu.compute.snapshot import UnitInfo
from wenshu.compute.summary import (
    ALL_MONTHS,
    LAGGARDS_PER_INDICATOR,
    Rollup,
    peer_children,
)
from wenshu.errors import PlanError
from wenshu.generators.kinds import ContextRequest
from wenshu.generators.work_plan_ledger import (
    ActivityTask,
    CountGoals,
    activity_tasks,
    base_year_amounts,
)
from wenshu.models.catalogue import Catalogue, Indicator, Measure, TargetSpec
from wenshu.narrative import Narrative
from wenshu.periods import Period

PhaseRole = Literal["deploy", "implement", "inspect", "review"]
# The timetable's stages: role and length in months, counted from the period's first
# month. Their names are phrases (phase.<role>.<year|quarter>).
YEAR_PHASES: tuple[tuple[PhaseRole, int], ...] = (
    ("deploy", 2), ("implement", 7), ("inspect", 2), ("review", 1))
QUARTER_PHASES: tuple[tuple[PhaseRole, int], ...] = (
    ("deploy", 1), ("implement", 1), ("review", 1))

# Where a plan's target comes from, as the goal table's 依据 column says:
# signed for the plan's year; the base year's value (raised above last year's target);
# the base year's signed target carried over; the catalogue's standard (参考目标).
Origin = Literal["signed", "actual", "carried", "reference"]


def plan_period(text: str) -> Period:
    """The period of a plan: a year (``2026``) or a quarter (``2026Q1``)."""
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise PlanError(f"a work plan covers a year or a quarter: {exc}") from None
    check_period(period)
    return period


def check_period(period: Period) -> None:
    """Refuse a period that is neither a whole year nor a calendar quarter."""
    months = period.end.month - period.start.month + 1
    if months != 12 and not (months == 3 and period.start.month % 3 == 1):
        raise PlanError(f"a work plan covers a year (2026) or a quarter (2026Q1), "
                        f"not {period.code}")


def is_quarter(period: Period) -> bool:
    """Whether the plan covers a quarter (else the whole year)."""
    return period.end.month - period.start.month == 2


def base_year(period: Period) -> int:
    """The year a plan looks back at: the one before the plan's."""
    return period.start.year - 1


@dataclass(frozen=True)
class Phase:
    """A stage of the timetable: its role and its first and last month."""

    role: PhaseRole
    first: int
    last: int

    @property
    def months(self) -> range:
        """The stage's months."""
        return range(self.first, self.last + 1)


def plan_phases(period: Period) -> tuple[Phase, ...]:
    """The stages of a year's or a quarter's plan, laid over the period's months."""
    layout = QUARTER_PHASES if is_quarter(period) else YEAR_PHASES
    phases, first = [], period.start.month
    for role, length in layout:
        phases.append(Phase(role, first, first + length - 1))
        first += length
    if first - 1 != period.end.month:
        raise PlanError(f"the timetable's stages do not fill {period.code}")
    return tuple(phases)


def month_runs(months: Sequence[int] | set[int] | range) -> list[tuple[int, int]]:
    """Months as runs of consecutive months: [3, 4, 5, 9] → [(3, 5), (9, 9)]."""
    runs: list[list[int]] = []
    for month in sorted(set(months)):
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return [(run[0], run[-1]) for run in runs]


# --- Targets ---------------------------------------------------------------------------


def proposed_target(indicator: Indicator, last_target: TargetSpec | None,
                    last_value: Decimal | None) -> TargetSpec | None:
    """The target a plan proposes when none is signed for its year.

    ``last_target`` is the base year's (signed, else the catalogue's standard) and
    ``last_value`` the base year's value. A floor (≥) becomes the higher of the two,
    the value with its decimals dropped; other targets are carried over. A count fed
    by the ledger with no target at all is planned at no less than its value. None
    when there is nothing to go on.
    """
    if last_target is not None and last_target.comparator != "ge":
        return last_target
    if last_target is None and (indicator.unit != "count" or indicator.numerator.activity is None):
        return None
    candidates = [last_target.value] if last_target is not None else []
    if last_value is not None and last_value > 0:
        candidates.append(last_value.to_integral_value(rounding=ROUND_FLOOR))
    if not candidates:
        return None
    return TargetSpec(comparator="ge", value=max(candidates))


@dataclass(frozen=True)
class PlanTarget:
    """An indicator's target for the plan's year, with the base year's evaluation."""

    base: Evaluation  # the base year: value, its own target, met
    target: TargetSpec
    origin: Origin

    @property
    def indicator(self) -> Indicator:
        """The catalogue entry."""
        return self.base.indicator

    @property
    def signed(self) -> bool:
        """Whether the target was signed for the plan's year (责任书)."""
        return self.origin == "signed"


def _origin(proposal: TargetSpec, base: Evaluation) -> Origin:
    """Where a proposed target came from: the base year's value or target."""
    if base.target is None or proposal.value > base.target.value:
        return "actual"
    return "reference" if base.target_is_default else "carried"


def plan_targets(rollup: Rollup, catalogue: Catalogue, unit: str, period: Period
                 ) -> list[PlanTarget]:
    """Every indicator with a target for the plan's year: signed, else proposed."""
    year, base = period.start.year, base_year(period)
    found = []
    for indicator in catalogue.indicators.values():
        evaluation = rollup.evaluate(indicator, unit, base)
        spec, is_default = rollup.target(unit, year, indicator)
        if spec is not None and not is_default:
            found.append(PlanTarget(evaluation, spec, "signed"))
            continue
        proposal = proposed_target(indicator, evaluation.target, evaluation.value)
        if proposal is not None:
            found.append(PlanTarget(evaluation, proposal, _origin(proposal, evaluation)))
    return found


def count_goals(targets: Sequence[PlanTarget]) -> CountGoals:
    """The plan year's count targets (≥ or =), by the ledger measure they count."""
    goals: CountGoals = {}
    for goal in targets:
        source = goal.indicator.numerator
        if (goal.indicator.unit == "count" and source.activity is not None
                and source.measure is not None and goal.target.comparator in ("ge", "eq")):
            goals[(source.activity, source.measure)] = (
                goal.target.value, "contract" if goal.signed else "goal")
    return goals


def laggards(rollup: Rollup, indicator: Indicator, children: Sequence[str], year: int
             ) -> tuple[tuple[UnitInfo, Evaluation], ...]:
    """Peer children that missed their own target in ``year``, furthest behind first."""
    behind = []
    for child in children:
        result = rollup.evaluate(indicator, child, year)
        if result.met is False and result.value is not None and result.target is not None:
            behind.append((shortfall(result.value, result.target), child, result))
    behind.sort(key=lambda item: (-item[0], item[1]))
    return tuple((rollup.snapshot.unit_map[code], result)
                 for _, code, result in behind[:LAGGARDS_PER_INDICATOR])


# --- Everything a plan says, in one place ----------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Everything the plan's sentences are made from."""

    unit: UnitInfo
    period: Period
    children: tuple[UnitInfo, ...]
    targets: tuple[PlanTarget, ...]
    laggards: dict[str, tuple[tuple[UnitInfo, Evaluation], ...]]  # per indicator, base year
    activities: tuple[ActivityTask, ...]
    year_records: int  # ledger rows of the whole base year
    year_amounts: tuple[tuple[Measure, Decimal], ...]  # money spent in the base year
    phases: tuple[Phase, ...]
    narrative: Narrative
    contract: bool  # the unit signed targets for the plan's year or the base year
    catalogue: Catalogue

    @property
    def quarter(self) -> bool:
        """Whether the plan covers a quarter."""
        return is_quarter(self.period)

    @property
    def year(self) -> int:
        """The plan's year."""
        return self.period.start.year

    @property
    def base(self) -> int:
        """The base year."""
        return self.year - 1

    @property
    def missed(self) -> tuple[PlanTarget, ...]:
        """Targets whose indicator missed its own target in the base year."""
        return tuple(t for t in self.targets if t.base.met is False)

    def lagging_units(self) -> list[UnitInfo]:
        """Peer children behind on any indicator in the base year, in unit order."""
        found = {u.code: u for units in self.laggards.values() for u, _ in units}
        return [found[code] for code in sorted(found)]

    def phase(self, role: PhaseRole) -> Phase | None:
        """The stage with ``role``, if the plan has one."""
        return next((p for p in self.phases if p.role == role), None)


def _signed_any(rollup: Rollup, catalogue: Catalogue, unit: str, years: Sequence[int]) -> bool:
    """Whether the unit signed a target (目标管理责任书) for any of ``years``."""
    found = (rollup.target(unit, year, ind) for ind in catalogue.indicators.values()
             for year in years)
    return any(spec is not None and not is_default for spec, is_default in found)


def gather(request: ContextRequest) -> Plan:
    """The plan's facts from the snapshot: targets, base-year results, tasks, stages."""
    snapshot, period, unit = request.snapshot, request.period, request.unit_code
    check_period(period)
    base = base_year(period)
    if snapshot.year not in (base, base + 1):
        raise PlanError(f"a plan for {period.code} reads {base}: load the snapshot for "
                        f"{base} or {base + 1}, not {snapshot.year}")
    # A plan reads whole base years, whatever months the shared rollup was built for.
    rollup = request.rollup if request.rollup.months == ALL_MONTHS else Rollup(snapshot)
    catalogue = request.catalogue
    children = peer_children(snapshot, unit)
    targets = plan_targets(rollup, catalogue, unit, period)
    behind = {t.indicator.key: laggards(rollup, t.indicator, children, base) for t in targets}
    records, amounts = base_year_amounts(snapshot, catalogue, unit, base)
    return Plan(
        unit=snapshot.unit_map[unit],
        period=period,
        children=tuple(snapshot.unit_map[c] for c in children),
        targets=tuple(targets),
        laggards={key: units for key, units in behind.items() if units},
        # A quarter's tasks keep the base quarter's totals: the year's goals do not divide.
        activities=tuple(activity_tasks(request, base, is_quarter(period),
                                        {} if is_quarter(period) else count_goals(targets))),
        year_records=records,
        year_amounts=amounts,
        phases=plan_phases(period),
        narrative=request.options.narrative,
        contract=_signed_any(rollup, catalogue, unit, (base, period.start.year)),
        catalogue=catalogue,
    )
