"""The 工作计划 (work plan) for a year or a quarter, built from the base year before it.

A plan for the year Y, or for a quarter of Y, looks back at the base year Y-1: what
each indicator reached, which activities were done, in which months and by which
units. It carries forward:

- **工作目标**: per indicator, Y's target as signed (目标管理责任书), else a proposed
  one (建议) by :func:`proposed_target`, from last year's target (signed, else the
  catalogue's standard): a floor (≥) becomes the higher of that target and the
  base-year value with its decimals dropped (91.03% → ≥91%), so a target never
  drops; ceilings (≤), ranges and exact (=) targets are carried over; a ledger count
  with no target at all is planned at no less than the base year's. The base-year
  value stands beside it.
- **主要任务**: one task per indicator missed in the base year, then one per activity
  type done in the plan's months of the base year (a quarter plan looks at the same
  quarter). Each measure is planned at no less than the base year's total, and, in a
  year plan, no less than a count target signed for Y. A task is scheduled in the
  months it was done in the base year; done in most months, it is routine (常态化).
- **时间安排**: stages whose lengths are data (:data:`YEAR_PHASES`, :data:`QUARTER_PHASES`),
  laid over the period's months; each stage names the tasks scheduled in it.
- **责任分工**: the peer children (streets of a district …) that did the work in the base
  year, after the unit itself when it did some of it directly (or has no peer children).
- **保障措施**: organisation, inspection (the inspection and review stages' months), base
  data (naming indicators without base-year figures), funds (when money was spent),
  then the staff narrative: its 问题 become one item, 抓好问题整改; its 打算 become
  the task 其他重点工作. Its 亮点 look back, so a plan leaves them out.

The snapshot may be loaded for Y-1 (it holds targets for Y) or for Y (it holds Y-1
in full); the plan reads only base-year ledgers and figures, and targets for Y-1 and Y.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any, Literal

from wenshu.compute.indicators import Evaluation, shortfall
from wenshu.compute.snapshot import Snapshot, UnitInfo
from wenshu.compute.summary import (
    ALL_MONTHS,
    LAGGARDS_PER_INDICATOR,
    Rollup,
    peer_children,
)
from wenshu.errors import PlanError
from wenshu.generators.kinds import ContextRequest, DocumentKind
from wenshu.generators.numbers import (
    cn_date,
    cn_number,
    format_count,
    format_points,
    format_target,
    format_value,
    format_yuan,
    heading_number,
)
from wenshu.generators.phrasing import DEFAULT_TOPIC, issuing_organ, level_noun, pick, scope_word
from wenshu.generators.template_build import (
    TableColumn,
    lead_paragraphs,
    load_layout,
    loop_table,
    new_document,
    save,
    signature,
    title_block,
)
from wenshu.models.catalogue import (
    ActivityType,
    Catalogue,
    Indicator,
    Measure,
    TargetSpec,
)
from wenshu.narrative import Narrative
from wenshu.periods import Period

KIND_LABEL = "工作计划"
# An activity done in at least this many months of a year (or in every month of a
# quarter) is routine work, scheduled as 常态化 rather than in named months.
ROUTINE_MONTHS_IN_YEAR = 9

PhaseRole = Literal["deploy", "implement", "inspect", "review"]
# The timetable's stages: name, role, length in months. The month ranges printed
# (（1月至2月）…) are counted from the period's first month.
YEAR_PHASES: tuple[tuple[str, PhaseRole, int], ...] = (
    ("部署启动", "deploy", 2),
    ("全面实施", "implement", 7),
    ("督查推进", "inspect", 2),
    ("总结考核", "review", 1),
)
QUARTER_PHASES: tuple[tuple[str, PhaseRole, int], ...] = (
    ("部署启动", "deploy", 1),
    ("组织实施", "implement", 1),
    ("检查总结", "review", 1),
)

GOAL_COLUMNS = (
    TableColumn("序号", "no", Decimal(10)),
    TableColumn("指标", "label", None),
    TableColumn("上年完成值", "base", Decimal(26)),
    TableColumn("目标值", "target", Decimal(24), "全年目标"),
    TableColumn("确定依据", "source", Decimal(22), "全年目标"),
)
DUTY_COLUMNS = (
    TableColumn("序号", "no", Decimal(10)),
    TableColumn("重点任务", "task", None),
    TableColumn("时间安排", "time", Decimal(34)),
    TableColumn("责任单位", "units", Decimal(56)),
)



# --- Periods and the timetable -------------------------------------------------------


def plan_period(text: str) -> Period:
    """The period of a plan: a year (``2026``) or a quarter (``2026Q1``)."""
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise PlanError(f"a work plan covers a year or a quarter: {exc}") from None
    _check_period(period)
    return period


def _check_period(period: Period) -> None:
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
    """A stage of the timetable: name, role and its first and last month."""

    name: str
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
    for name, role, length in layout:
        phases.append(Phase(name, role, first, first + length - 1))
        first += length
    if first - 1 != period.end.month:
        raise PlanError(f"the timetable's stages do not fill {period.code}")
    return tuple(phases)


def month_span(first: int, last: int) -> str:
    """3月 / 1月至2月."""
    return f"{first}月" if first == last else f"{first}月至{last}月"


def month_list(months: Iterable[int]) -> str:
    """Months as a plan writes them, runs joined: 3月、9月 / 4月至6月、9月."""
    ordered = sorted(set(months))
    runs: list[list[int]] = []
    for month in ordered:
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return "、".join(month_span(run[0], run[-1]) for run in runs)


# --- Targets ---------------------------------------------------------------------------


def proposed_target(indicator: Indicator, last_target: TargetSpec | None,
                    last_value: Decimal | None) -> TargetSpec | None:
    """The target a plan proposes (建议) when none is signed for its year.

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
    signed: bool  # from the target file (责任书); else proposed (建议)

    @property
    def indicator(self) -> Indicator:
        """The catalogue entry."""
        return self.base.indicator


def plan_targets(rollup: Rollup, catalogue: Catalogue, unit: str, period: Period
                 ) -> list[PlanTarget]:
    """Every indicator with a target for the plan's year: signed, else proposed."""
    year, base = period.start.year, base_year(period)
    found = []
    for indicator in catalogue.indicators.values():
        evaluation = rollup.evaluate(indicator, unit, base)
        spec, is_default = rollup.target(unit, year, indicator)
        signed = spec is not None and not is_default
        target = (spec if signed
                  else proposed_target(indicator, evaluation.target, evaluation.value))
        if target is not None:
            found.append(PlanTarget(evaluation, target, signed))
    return found


def _laggards(rollup: Rollup, indicator: Indicator, children: Sequence[str], year: int
              ) -> tuple[UnitInfo, ...]:
    """Peer children that missed their own target in ``year``, furthest behind first."""
    behind = []
    for child in children:
        result = rollup.evaluate(indicator, child, year)
        if result.met is False and result.value is not None and result.target is not None:
            behind.append((shortfall(result.value, result.target), child))
    behind.sort(key=lambda item: (-item[0], item[1]))
    return tuple(rollup.snapshot.unit_map[code] for _, code in behind[:LAGGARDS_PER_INDICATOR])


# --- Tasks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasurePlan:
    """One measure of a task: the base-year total and the planned minimum."""

    measure: Measure
    base: Decimal
    floor: Decimal
    from_contract: bool  # the floor is a count target signed for the plan's year


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
    members = set(snapshot.subtree(unit))
    tallies: dict[str, _Tally] = {}
    for total in snapshot.ledger:
        if total.year != year or total.month not in months or total.unit_code not in members:
            continue
        tally = tallies.setdefault(total.activity_type,
                                   _Tally(set(), 0, defaultdict(Decimal), set()))
        tally.months.add(total.month)
        tally.records += total.records
        for column in ("sessions", "participants", "households", "materials", "amount"):
            tally.totals[column] += Decimal(getattr(total, column))
        if total.unit_code in branch_of:
            tally.branches.add(branch_of[total.unit_code])
        else:
            tally.by_self = True
    return tallies


def _contract_counts(rollup: Rollup, catalogue: Catalogue, unit: str, year: int
                     ) -> dict[tuple[str, str], Decimal]:
    """Count targets signed for ``year``, by the (activity, measure) they count."""
    counts = {}
    for indicator in catalogue.indicators.values():
        source = indicator.numerator
        if indicator.unit != "count" or source.activity is None or source.measure is None:
            continue
        spec, is_default = rollup.target(unit, year, indicator)
        if spec is not None and not is_default and spec.comparator in ("ge", "eq"):
            counts[(source.activity, source.measure)] = spec.value
    return counts


def activity_tasks(request: ContextRequest, rollup: Rollup) -> list[ActivityTask]:
    """The activity types the base year recorded in the plan's months, in catalogue order."""
    snapshot, unit, period = request.snapshot, request.unit_code, request.period
    children = peer_children(snapshot, unit)
    branch_of = {code: child for child in children for code in snapshot.subtree(child)}
    months = range(period.start.month, period.end.month + 1)
    tallies = _tally(snapshot, unit, base_year(period), months, branch_of)
    contract = ({} if is_quarter(period)
                else _contract_counts(rollup, request.catalogue, unit, period.start.year))
    routine_at = len(months) if is_quarter(period) else ROUTINE_MONTHS_IN_YEAR
    tasks = []
    for kind in request.catalogue.activities.values():
        tally = tallies.get(kind.key)
        if tally is None:
            continue
        measures = []
        for measure in kind.measures:
            base = tally.totals[measure.column]
            signed = contract.get((kind.key, measure.column))
            floor = max(base, signed) if signed is not None else base
            if floor > 0:
                measures.append(MeasurePlan(measure, base, floor,
                                            signed is not None and signed > base))
        active = tuple(snapshot.unit_map[c] for c in children if c in tally.branches)
        tasks.append(ActivityTask(kind, tuple(sorted(tally.months)), tally.records,
                                  tuple(measures), tally.by_self, active,
                                  len(tally.months) >= routine_at))
    return tasks


# --- Phrasing --------------------------------------------------------------------------


def _child_word(children: Sequence[UnitInfo]) -> str:
    return level_noun(child.level for child in children)


@dataclass(frozen=True)
class _Voice:
    """What the plan calls its span and the base it compares with."""

    year: int
    span: str  # "" / 第一季度 (in titles)
    within: str  # 全年 / 本季度
    base_span: str  # 上年 / 上年同期

    @classmethod
    def of(cls, period: Period) -> _Voice:
        """The voice of a year's or a quarter's plan."""
        if is_quarter(period):
            quarter = (period.start.month - 1) // 3 + 1
            return cls(period.start.year, f"第{cn_number(quarter)}季度", "本季度", "上年同期")
        return cls(period.start.year, "", "全年", "上年")


@dataclass(frozen=True)
class _Plan:
    """Everything the plan's sentences are made from."""

    unit: UnitInfo
    period: Period
    voice: _Voice
    children: tuple[UnitInfo, ...]
    targets: tuple[PlanTarget, ...]
    missed: tuple[PlanTarget, ...]  # missed in the base year
    laggards: dict[str, tuple[UnitInfo, ...]]  # per indicator key, base year
    activities: tuple[ActivityTask, ...]
    year_records: int  # ledger rows of the whole base year
    year_amounts: tuple[tuple[Measure, Decimal], ...]  # money spent in the base year
    phases: tuple[Phase, ...]
    narrative: Narrative

    @property
    def scope(self) -> str:
        """全区 / 全街道 / 全社区 / 本单位."""
        return scope_word(self.unit.level)

    @property
    def child_word(self) -> str:
        """What the peer children are: 街道, 社区 …"""
        return _child_word(self.children)

    @property
    def base(self) -> int:
        """The base year."""
        return self.voice.year - 1

    def units_text(self, children: Sequence[UnitInfo], by_self: bool = False) -> str:
        """Responsible units: the plan's unit (when ``by_self`` or no child takes part),
        then the children, as 各街道 when all of several take part."""
        if len(self.children) > 1 and len(children) == len(self.children):
            names = [f"各{self.child_word}"]
        else:
            names = [unit.name for unit in children]
        if by_self or not children:
            names.insert(0, self.unit.name)
        return "、".join(names)


def _format_measure(measure: Measure, value: Decimal, at_least: bool) -> str:
    """举办培训班不少于3期 / 发放慰问金和帮扶资金1.5万元."""
    text = format_yuan(value) if measure.unit == "元" else format_count(value)
    return measure.render_phrase(("不少于" if at_least else "") + text)


def _gap_phrase(evaluation: Evaluation) -> str:
    """比目标值低1.2个百分点 / 比控制目标高0.5‰ / 高于正常范围上限2.1 (base year)."""
    ind, gap, target = evaluation.indicator, evaluation.gap, evaluation.target
    if gap is None or target is None or gap == 0:
        return ""
    points = format_points(ind, gap)
    if target.comparator == "range":
        return f"{'高于正常范围上限' if gap > 0 else '低于正常范围下限'}{points}"
    noun = "控制目标" if target.comparator == "le" else "目标值"
    return f"比{noun}{'高' if gap > 0 else '低'}{points}"


def _areas(plan: _Plan) -> str:
    """检查服务、教育培训、关怀帮扶等 — the three busiest areas in the plan's base months."""
    busiest = sorted(plan.activities, key=lambda task: -task.records)[:3]
    names = [task.kind.heading or task.kind.label for task in busiest]
    return "、".join(names) + "等" if names else ""


def _opening(plan: _Plan) -> str:
    voice, name = plan.voice, plan.unit.name
    what = f"{voice.year}年{voice.span}{DEFAULT_TOPIC}"
    return pick(
        (f"为全面完成{what}目标任务，根据目标管理责任书要求，结合{plan.base}年工作完成情况"
         f"和{name}实际，制定本计划。",
         f"为扎实推进{what}，在认真总结{plan.base}年工作的基础上，结合{name}实际，"
         "特制定本计划。"),
        plan.unit.code, "opening",
    )


def _guidance(plan: _Plan) -> list[str]:
    areas = _areas(plan)
    principle = pick(
        (f"以目标管理责任书为统领，坚持以人为本、服务群众，统筹推进{areas}各项工作，"
         f"着力补短板、强基础、促均衡，推动{DEFAULT_TOPIC}再上新台阶。",
         f"坚持目标导向和问题导向相结合，把{areas}各项工作抓在日常、落到基层，"
         f"不断提高服务管理的精细化水平，确保{DEFAULT_TOPIC}各项任务落到实处。",
         f"按照上级部署和目标管理责任书要求，坚持常规工作与重点工作统筹兼顾，"
         f"扎实做好{areas}各项工作，进一步夯实基层基础，提高群众满意度。"),
        plan.unit.code, "guidance",
    )
    paragraphs = [principle]
    review = _review(plan)
    if review:
        paragraphs.append(review)
    return paragraphs


def _review(plan: _Plan) -> str:
    """The base year in one sentence, then the plan's focus."""
    judged = [t for t in plan.targets if t.base.met is not None]
    parts = []
    if judged:
        head = f"{plan.base}年，{plan.scope}纳入考核的{len(judged)}项主要指标"
        names = "、".join(t.indicator.label for t in plan.missed)
        met = len(judged) - len(plan.missed)
        if not plan.missed:
            head += "全部达到目标要求"
        elif met:
            head += f"中{met}项达到目标要求，{names}未达标"
        else:
            head = f"{plan.base}年，{plan.scope}{names}未达到目标要求"
        parts.append(head)
    if plan.year_records:
        lead = "" if parts else f"{plan.base}年，{plan.scope}"
        parts.append(f"{lead}共组织开展各类活动{format_count(plan.year_records)}次")
    if not parts:
        return ""
    focus = []
    if plan.missed:
        focus.append(f"把提升{'、'.join(t.indicator.label for t in plan.missed)}作为工作重点")
    lagging = _lagging_units(plan)
    if lagging:
        focus.append(f"加强对{'、'.join(u.name for u in lagging)}的督促指导")
    if not focus:
        focus.append("巩固已有工作成效")
    voice = plan.voice
    close = ("确保全面完成全年目标任务" if not is_quarter(plan.period)
             else "确保各项工作按时间节点推进，为完成全年目标打好基础")
    when = f"{voice.year}年" if not is_quarter(plan.period) else voice.within
    return "，".join(parts) + f"。{when}，要{'，'.join(focus)}，{close}。"


def _lagging_units(plan: _Plan) -> list[UnitInfo]:
    """Peer children behind on any indicator in the base year, in unit order."""
    found = {u.code: u for units in plan.laggards.values() for u in units}
    return [found[code] for code in sorted(found)]


def _goal_rows(plan: _Plan) -> list[dict[str, str]]:
    return [
        {"no": str(n), "label": t.indicator.label,
         "base": format_value(t.indicator, t.base.value),
         "target": format_target(t.indicator, t.target),
         "source": "责任书" if t.signed else "建议"}
        for n, t in enumerate(plan.targets, start=1)
    ]


def _goals_intro(plan: _Plan, table: str) -> str:
    voice = plan.voice
    lead = (f"{voice.year}年，{plan.scope}主要工作目标见{table}。" if not is_quarter(plan.period)
            else f"本季度工作围绕{voice.year}年全年目标展开，全年主要工作目标见{table}。")
    signed = sum(1 for t in plan.targets if t.signed)
    proposed = len(plan.targets) - signed
    if not proposed:
        return lead + f"各项目标均依据{voice.year}年目标管理责任书确定。"
    if not signed:
        return lead + (f"{voice.year}年目标管理责任书尚未签订，表中目标均为根据上年完成情况"
                       "提出的建议目标，责任书签订后以责任书为准。")
    return lead + (f"其中{signed}项依据{voice.year}年目标管理责任书确定，其余{proposed}项"
                   "尚未签订责任书，根据上年完成情况提出建议目标，责任书签订后以责任书为准。")


def _goal_notes(plan: _Plan) -> list[str]:
    """How the proposed targets were set: only the rules the table uses."""
    proposed = [t for t in plan.targets if not t.signed]
    rules = {
        "raised": any(t.target.comparator == "ge" and t.base.target for t in proposed),
        "carried": any(t.target.comparator != "ge" for t in proposed),
        "counted": any(t.base.target is None for t in proposed),
    }
    wording = {
        "raised": "下限类（≥）指标取上年目标与上年完成值（舍去小数）中的较高值",
        "carried": "上限类（≤）和区间类指标沿用上年目标",
        "counted": "未设目标的工作量指标按不低于上年完成量提出",
    }
    clauses = [wording[rule] for rule, used in rules.items() if used]
    if not clauses:
        return []
    return ["注：建议目标的确定办法：" + "；".join(clauses) + "。"]


def _indicator_task(plan: _Plan, goal: PlanTarget) -> dict[str, Any]:
    ind, base = goal.indicator, goal.base
    text = f"{plan.base}年{ind.label}为{format_value(ind, base.value)}"
    gap = _gap_phrase(base)
    text += f"，{gap}" if gap else ""
    source = "目标管理责任书要求" if goal.signed else "建议目标"
    text += f"。{plan.voice.year}年{source}为{format_target(ind, goal.target)}，要"
    laggards = plan.laggards.get(ind.key, ())
    if laggards:
        text += f"把{'、'.join(u.name for u in laggards)}作为重点，"
    text += pick(("逐月跟踪进度、加强督导，确保按期达标。",
                   "查找原因、逐月调度，确保达到目标要求。"), plan.unit.code, ind.key)
    return {"title": f"确保{ind.label}达到目标要求", "paragraphs": [text]}


def _activity_text(plan: _Plan, task: ActivityTask) -> str:
    voice, kind = plan.voice, task.kind
    if task.routine:
        when = pick(("坚持常态化开展", f"{voice.within}经常性开展"), plan.unit.code, kind.key)
    else:
        months = month_list(task.months)
        when = pick((f"集中安排在{months}", f"计划于{months}组织开展", f"主要安排在{months}"),
                     plan.unit.code, kind.key)
    if not task.measures:
        return (f"{when}，{voice.within}开展{kind.label}活动不少于{task.records}次"
                f"（{voice.base_span}{task.records}次）。")
    planned = "、".join(_format_measure(m.measure, m.floor, True) for m in task.measures)
    done = "、".join(_format_measure(m.measure, m.base, False) for m in task.measures if m.base)
    text = f"{when}，{voice.within}{planned}"
    text += f"（{voice.base_span}{done}）。" if done else "。"
    contract = [m.measure.label for m in task.measures if m.from_contract]
    if contract:
        text += f"其中{'、'.join(contract)}按{voice.year}年目标管理责任书要求确定。"
    return text


def _task_title(task: ActivityTask) -> str:
    return task.kind.heading or f"{task.kind.label}工作"


def _tasks(plan: _Plan) -> list[dict[str, Any]]:
    sections = [_indicator_task(plan, goal) for goal in plan.missed]
    sections += [{"title": _task_title(t), "paragraphs": [_activity_text(plan, t)]}
                 for t in plan.activities]
    if plan.narrative.plans:
        sections.append({"title": "其他重点工作",
                         "paragraphs": [f"{heading_number(3, n)}{text}"
                                        for n, text in enumerate(plan.narrative.plans, start=1)]})
    return [{"heading": f"{heading_number(2, n)}{s['title']}", "paragraphs": s["paragraphs"]}
            for n, s in enumerate(sections, start=1)]


def _all_months(plan: _Plan) -> str:
    return "全年" if not is_quarter(plan.period) else month_span(plan.period.start.month,
                                                               plan.period.end.month)


def _duty_rows(plan: _Plan) -> list[dict[str, str]]:
    everyone = plan.units_text(plan.children)
    rows = []
    for goal in plan.missed:
        laggards = plan.laggards.get(goal.indicator.key, ())
        rows.append((f"确保{goal.indicator.label}达到目标要求", _all_months(plan),
                     plan.units_text(laggards) if laggards else everyone))
    for task in plan.activities:
        time = _all_months(plan) if task.routine else month_list(task.months)
        rows.append((_task_title(task), time, plan.units_text(task.children, task.by_self)))
    if plan.narrative.plans:
        rows.append(("其他重点工作", _all_months(plan), everyone))
    return [{"no": str(n), "task": task, "time": time, "units": units}
            for n, (task, time, units) in enumerate(rows, start=1)]


def _scheduled(plan: _Plan, phase: Phase) -> str:
    """本阶段重点做好检查服务（3月）、教育培训（5月）等工作。"""
    found = []
    for task in plan.activities:
        overlap = [m for m in task.months if m in phase.months]
        if overlap and not task.routine:
            found.append((overlap[0], f"{_task_title(task)}（{month_list(overlap)}）"))
    if not found:
        return ""
    items = [text for _, text in sorted(found, key=lambda item: item[0])]
    return f"本阶段重点做好{'、'.join(items)}{'等' if len(items) > 1 else ''}工作。"


def _phase_text(plan: _Plan, phase: Phase, goal_table: str) -> str:
    voice, quarter = plan.voice, is_quarter(plan.period)
    children = plan.units_text(plan.children) if plan.children else ""
    if phase.role == "deploy":
        if quarter:
            text = "对照全年目标细化本季度工作安排，明确任务分工和完成时限。"
        elif children:
            text = (f"制定{voice.year}年工作计划，将目标任务分解到{children}，签订目标管理责任书，"
                    "召开工作部署会议，明确各项任务的责任单位和完成时限。")
        else:
            text = (f"对照{voice.year}年目标任务细化工作安排，明确各项任务的责任人和完成时限，"
                    "做好宣传发动和基础数据核对。")
    elif phase.role == "implement":
        text = "按照本计划确定的任务和时间节点，全面推进各项工作。"
        routine = [_task_title(t) for t in plan.activities if t.routine]
        if routine:
            text += (f"{'、'.join(routine)}{'等工作' if len(routine) > 1 else '工作'}"
                     f"{'每月' if quarter else '全年'}常态化开展。")
    elif phase.role == "inspect":
        against = f"对照{goal_table}所列目标" if goal_table else "对照全年目标"
        lagging = _lagging_units(plan)
        focus = f"，重点督导{'、'.join(u.name for u in lagging)}" if lagging else ""
        text = (f"{against}全面检查工作进度和台账资料{focus}，对发现的问题限期整改，"
                "确保全年目标如期完成。")
    elif quarter:
        text = "检查本季度各项任务完成情况，做好季度工作小结，研究部署下一季度工作。"
    else:
        text = (f"全面总结{voice.year}年工作，开展年度目标考核，形成年度工作总结，"
                f"研究提出{voice.year + 1}年工作思路。")
    return text + _scheduled(plan, phase)


def _phases(plan: _Plan, goal_table: str) -> list[dict[str, str]]:
    return [{"lead": f"第{cn_number(n)}阶段：{phase.name}（{month_span(phase.first, phase.last)}）。",
             "text": _phase_text(plan, phase, goal_table)}
            for n, phase in enumerate(plan.phases, start=1)]


def _months_of(plan: _Plan, role: PhaseRole) -> str:
    return month_list(m for phase in plan.phases if phase.role == role for m in phase.months)


def _safeguards(plan: _Plan, goal_table: str) -> list[dict[str, str]]:
    unit, quarter = plan.unit.name, is_quarter(plan.period)
    what = f"{goal_table}所列目标" if goal_table else "各项目标任务"
    spread = (f"将{what}分解落实到{plan.units_text(plan.children)}，层层压实责任，"
              "形成一级抓一级、层层抓落实的工作格局。" if plan.children
              else "做到任务到人、责任到人。")
    items = [{
        "lead": "加强组织领导。",
        "text": (f"{unit}要把{DEFAULT_TOPIC}列入重要议事日程，主要负责同志亲自抓、负总责，"
                 f"明确专人具体负责，{spread}"),
    }]
    if quarter:
        check = (f"每月对照本计划检查一次任务进度，{_months_of(plan, 'review')}开展季度检查，"
                 "对进度滞后的工作及时督促整改。")
    else:
        check = (f"建立目标进度按月统计、按季通报制度，{_months_of(plan, 'inspect')}集中开展督查，"
                 f"{_months_of(plan, 'review')}组织年度考核，考核结果作为评先评优的重要依据。")
    items.append({"lead": "强化督查考核。", "text": check})
    missing = [t.indicator.label for t in plan.targets if t.base.value is None]
    if missing:
        count = f"等{len(missing)}项指标" if len(missing) > 1 else ""
        items.append({
            "lead": "夯实基础数据。",
            "text": (f"{'、'.join(missing)}{count}上年缺少基础数据，要在"
                     f"{_months_of(plan, 'deploy')}内补齐报送，并建立基础数据按月更新、按季核对制度，"
                     "确保底数清、情况明。"),
        })
    elif plan.year_records:
        items.append({
            "lead": "规范台账管理。",
            "text": (f"{plan.base}年{plan.scope}共登记工作台账{format_count(plan.year_records)}条，"
                     f"{plan.voice.year}年要坚持活动开展一次、登记一次，按月录入、按季核对，"
                     "确保台账完整准确。"),
        })
    if plan.year_amounts:
        spent = "，".join(f"{m.label}{format_yuan(v)}" for m, v in plan.year_amounts)
        items.append({
            "lead": "落实经费保障。",
            "text": (f"{plan.base}年{plan.scope}投入{spent}。{plan.voice.year}年要积极争取财政支持，"
                     "保障工作经费足额到位、专款专用，投入不低于上年水平。"),
        })
    if plan.narrative.problems:
        found = "".join(_sentence(p) for p in plan.narrative.problems)
        items.append({"lead": "抓好问题整改。",
                      "text": f"针对上年工作中存在的问题，逐项明确整改措施和完成时限：{found}"})
    return [{"lead": f"{heading_number(3, n)}{item['lead']}", "text": item["text"]}
            for n, item in enumerate(items, start=1)]


def _sentence(text: str) -> str:
    """Staff text as a sentence of its own (ending in 。 unless it ends in punctuation)."""
    text = text.strip()
    return text if text[-1:] in "。！？；" else text + "。"


# --- The context ----------------------------------------------------------------------


def _gather(request: ContextRequest) -> _Plan:
    """The plan's facts from the snapshot: targets, base-year results, tasks, stages."""
    snapshot, period, unit = request.snapshot, request.period, request.unit_code
    _check_period(period)
    base = base_year(period)
    if snapshot.year not in (base, base + 1):
        raise PlanError(f"a plan for {period.code} reads {base}: load the snapshot for "
                        f"{base} or {base + 1}, not {snapshot.year}")
    # A plan reads whole base years, whatever months the shared rollup was built for.
    rollup = request.rollup if request.rollup.months == ALL_MONTHS else Rollup(snapshot)
    catalogue = request.catalogue
    children = peer_children(snapshot, unit)
    targets = plan_targets(rollup, catalogue, unit, period)
    laggards = {}
    for target in targets:
        behind = _laggards(rollup, target.indicator, children, base)
        if behind:
            laggards[target.indicator.key] = behind
    whole_year = _tally(snapshot, unit, base, range(1, 13), {})
    amounts = []
    for kind in catalogue.activities.values():
        measure = kind.measure("amount")
        spent = whole_year[kind.key].totals["amount"] if kind.key in whole_year else Decimal(0)
        if measure is not None and spent > 0:
            amounts.append((measure, spent))
    return _Plan(
        unit=snapshot.unit_map[unit],
        period=period,
        voice=_Voice.of(period),
        children=tuple(snapshot.unit_map[c] for c in children),
        targets=tuple(targets),
        missed=tuple(t for t in targets if t.base.met is False),
        laggards=laggards,
        activities=tuple(activity_tasks(request, rollup)),
        year_records=sum(t.records for t in whole_year.values()),
        year_amounts=tuple(amounts),
        phases=plan_phases(period),
        narrative=request.options.narrative,
    )


def build_context(request: ContextRequest) -> dict[str, Any]:
    """The template context of a work plan (every value a finished string)."""
    plan = _gather(request)
    voice, options = plan.voice, request.options
    when = f"{voice.year}年{voice.span}"
    goal_rows = _goal_rows(plan)
    duty_rows = _duty_rows(plan)
    tasks = _tasks(plan)
    goal_table = "表1" if goal_rows else ""
    duty_table = f"表{2 if goal_rows else 1}"
    sections = iter(range(1, 7))

    def heading(title: str, shown: bool = True) -> str:
        return f"{heading_number(1, next(sections))}{title}" if shown else ""

    phases = _phases(plan, goal_table)
    return {
        "title": f"{plan.unit.name}{when}{DEFAULT_TOPIC}计划",
        "opening": _opening(plan),
        "guidance_heading": heading("总体要求"),
        "guidance": _guidance(plan),
        "goals_heading": heading("工作目标", bool(goal_rows)),
        "goals_intro": _goals_intro(plan, goal_table) if goal_rows else "",
        "goals_table_caption": f"{goal_table}  {voice.year}年主要工作目标" if goal_rows else "",
        "goal_rows": goal_rows,
        "goal_notes": _goal_notes(plan),
        "tasks_heading": heading("主要任务", bool(tasks)),
        "tasks": tasks,
        "schedule_heading": heading("时间安排"),
        "schedule_intro": (f"{when}工作分{cn_number(len(phases))}个阶段推进，"
                           "各阶段安排如下："),
        "phases": phases,
        "duties_heading": heading("责任分工", bool(duty_rows)),
        "duties_intro": (_duties_intro(plan, duty_table) if duty_rows else ""),
        "duties_table_caption": f"{duty_table}  重点任务责任分工" if duty_rows else "",
        "duty_rows": duty_rows,
        "safeguards_heading": heading("保障措施"),
        "safeguards": _safeguards(plan, goal_table),
        "signature_unit": options.signature_unit or issuing_organ(plan.unit),
        "signature_date": cn_date(options.issued_on),
    }


def _duties_intro(plan: _Plan, table: str) -> str:
    if plan.children:
        return (f"{plan.unit.name}负责本计划的统筹协调和督促检查，{plan.units_text(plan.children)}"
                f"按照分工抓好落实。各项重点任务的时间安排和责任单位见{table}。")
    return f"本计划由{plan.unit.name}组织实施，各项重点任务的时间安排见{table}。"


# --- The template and the kind ---------------------------------------------------------


def build_template(path: Path) -> None:
    """Write the 工作计划 template to ``path``: the shared title and closing blocks around
    six numbered sections; 工作目标, 主要任务 and 责任分工 sit inside ``{%p if %}``."""
    profile = load_layout("gbt9704")
    document = new_document(profile, KIND_LABEL)
    add = document.add_paragraph

    title_block(document)
    add("{{ opening }}")

    add("{{ guidance_heading }}", style="Heading 1")
    add("{%p for paragraph in guidance %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")

    add("{%p if goal_rows %}")
    add("{{ goals_heading }}", style="Heading 1")
    add("{{ goals_intro }}")
    add("{{ goals_table_caption }}", style="Caption")
    loop_table(document, profile, GOAL_COLUMNS, "goal_rows")
    add("{%p for note in goal_notes %}")
    add("{{ note }}")
    add("{%p endfor %}")
    add("{%p endif %}")

    add("{%p if tasks %}")
    add("{{ tasks_heading }}", style="Heading 1")
    add("{%p for task in tasks %}")
    add("{{ task.heading }}", style="Heading 2")
    add("{%p for paragraph in task.paragraphs %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")
    add("{%p endfor %}")
    add("{%p endif %}")

    add("{{ schedule_heading }}", style="Heading 1")
    add("{{ schedule_intro }}")
    lead_paragraphs(document, "phases")

    add("{%p if duty_rows %}")
    add("{{ duties_heading }}", style="Heading 1")
    add("{{ duties_intro }}")
    add("{{ duties_table_caption }}", style="Caption")
    loop_table(document, profile, DUTY_COLUMNS, "duty_rows")
    add("{%p endif %}")

    add("{{ safeguards_heading }}", style="Heading 1")
    lead_paragraphs(document, "safeguards")

    signature(document)
    save(document, path)


@dataclass(frozen=True)
class WorkPlanKind(DocumentKind):
    """A document kind that reads the whole year before its period."""

    def months(self, period: Period) -> frozenset[int]:
        """Every month: a plan reads whole base years, whatever span it plans."""
        return ALL_MONTHS

    def snapshot_year(self, period: Period) -> int:
        """The year whose snapshot the plan needs: the base year (it holds next year's targets)."""
        return base_year(period)


# The built-in sample holds 2024 and 2025: its plan is the one for 2026.
WORK_PLAN = WorkPlanKind("work_plan", KIND_LABEL, "work_plan", build_context, build_template,
                         sample_period="2026")
