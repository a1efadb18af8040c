"""Parts 三 and 四 of a work summary: each problem with its causes, and one plan for each.

A problem states the figures, then the causes the data shows: which units below
fell short, whether the activity that feeds the indicator declined, in which
months and where. The plan for it names the lagging units, the figure to reach
and by when. Problems and causes staff wrote are added after the computed ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from wenshu.compute.summary import ActivitySummary, IndicatorResult, Laggard
from wenshu.generators.numbers import cn_number, format_target, format_value, point_unit
from wenshu.generators.phrasing import numbered
from wenshu.generators.summary_indicators import (
    annual_target,
    basis,
    gap_phrase,
    indicator_change,
    target_noun,
)
from wenshu.generators.summary_voice import Writer, amount, points
from wenshu.generators.summary_work import (
    SLIGHT_CHANGE,
    judgement,
    notable_fall,
    total_text,
)

# How many months and units a cause names: the few that account for most of a change.
NAMED = 2


@dataclass(frozen=True)
class Item:
    """A problem (or plan) with its bold lead sentence and its body."""

    lead: str
    text: str
    # What the problem is about when the ledgers show no cause for it (said in
    # problems_and_plans: in full the first time, briefly after that).
    unknown_cause: str = ""


def _feeding(w: Writer, result: IndicatorResult) -> ActivitySummary | None:
    """The activity whose ledger builds the indicator's numerator, if it was recorded."""
    key = result.indicator.numerator.activity
    return next((s for s in w.report.activities if s.key == key), None)


def _fallen_months(summary: ActivitySummary) -> list[int]:
    """The months (1-12) that lost most records against last year, biggest loss first."""
    now, last = summary.monthly
    drops = [(last[i] - now[i], i + 1) for i in range(len(now)) if last[i] > now[i]]
    return [month for _drop, month in sorted(drops, key=lambda d: (-d[0], d[1]))[:NAMED]]


def _fallen_units(summary: ActivitySummary, among: Sequence[str] = ()) -> list[tuple[str, int, int]]:
    """Units below whose records fell most against last year (only ``among``, if given)."""
    fell = [c for c in summary.by_child
            if notable_fall(Decimal(c[1]), Decimal(c[2])) and (not among or c[0] in among)]
    return sorted(fell, key=lambda c: (c[1] - c[2], c[0]))[:NAMED]


def _unit_cause(w: Writer, summary: ActivitySummary, among: Sequence[str] = ()) -> list[str]:
    """The units below whose records of this activity fell most, with both figures."""
    units = _fallen_units(summary, among)
    if not units:
        return []
    parts = "、".join(w.say("cause.unit_fell", name=name, before=last, now=now)
                     for name, now, last in units)
    return [w.say("cause.units", heading=w.activity(summary), units=parts)]


def _decline_causes(w: Writer, summary: ActivitySummary) -> list[str]:
    """Where an activity's decline lies: months and units below, from the ledgers."""
    causes = []
    months = _fallen_months(summary)
    if months and sum(summary.monthly[1]) > sum(summary.monthly[0]):
        causes.append(w.say("cause.months", summary.key, heading=w.activity(summary),
                            months="、".join(w.say("month", count=m) for m in sorted(months))))
    return causes + _unit_cause(w, summary)


def _laggard_list(w: Writer, result: IndicatorResult, laggards: Sequence[Laggard]) -> str:
    """东山社区（83.33%，目标≥90%）… each with the target it is judged against."""
    ind = result.indicator
    return "、".join(
        w.say("cause.laggard", name=lag.unit.name, value=format_value(ind, lag.value),
              target=format_target(ind, lag.target),
              noun=w.say("target.reference_short" if lag.target_is_default else "target.short"))
        for lag in laggards)


def _enumerate(w: Writer, causes: list[str]) -> str:
    """主要原因：一是…；二是…。 — nothing when the data shows none (see _unknown_causes)."""
    if not causes:
        return ""
    if len(causes) == 1:
        return w.say("cause.lead_one", cause=causes[0])
    items = [w.say("cause.item", ordinal=cn_number(n), cause=cause)
             for n, cause in enumerate(causes, start=1)]
    return w.say("cause.lead", causes="；".join(items))


def _target_goal(w: Writer, result: IndicatorResult) -> str:
    """提高到95%以上 / 控制在12‰以内 / 控制在103～107之间: the year's target as a goal."""
    ind, current = result.indicator, result.current
    target = current.annual_target or current.target
    assert target is not None
    if target.comparator == "range":
        return w.say("goal.range", target=format_target(ind, target))
    value = format_value(ind, target.value.normalize())
    return w.say("goal.ceiling" if target.comparator == "le" else "goal.floor", value=value)


def _fed_column(result: IndicatorResult) -> str:
    """The ledger column the indicator counts."""
    column = result.indicator.numerator.measure
    assert column is not None
    return column


def _feeding_causes(w: Writer, result: IndicatorResult, feeding: ActivitySummary) -> list[str]:
    """A fall in the ledger measure the indicator counts: by how much, in which months, where."""
    total = next(t for t in feeding.measures if t.column == _fed_column(result))
    if total.last_value == 0 or (total.last_value - total.value) / total.last_value <= SLIGHT_CHANGE:
        return []  # a fall of a few per cent explains no miss
    causes = []
    if result.indicator.unit != "count":  # a count's own change is stated already
        measure = w.measure(feeding, total.column)
        causes.append(w.say("cause.feeding", label=measure.label,
                            move=w.move(total.value, total.last_value, measure.unit)))
    return causes + _decline_causes(w, feeding)


def _restore(w: Writer, summary: ActivitySummary, key: str, column: str | None = None) -> str:
    """The workload to reach: last year's level next year; after a half, the shortfall."""
    main = next(t for t in summary.measures if t.column == (column or summary.measures[0].column))
    measure = w.measure(summary, main.column)
    if w.whole_year:
        return w.say(f"{key}_year", label=measure.label,
                     last_value=amount(main.last_value, measure.unit))
    return w.say(f"{key}_half", label=measure.label,
                 gap=amount(main.last_value - main.value, measure.unit))


def _short_gap(w: Writer, result: IndicatorResult) -> str:
    """差2.20个百分点 / 超出2.37个千分点 — the target is named just before."""
    current = result.current
    if current.target is None or current.gap is None or current.target.comparator == "range":
        return gap_phrase(w, result)
    gap = points(current.gap, point_unit(result.indicator))
    return w.say("problem.gap_over" if current.gap > 0 else "problem.gap_short", gap=gap)


def _missed(w: Writer, result: IndicatorResult) -> tuple[Item, Item]:
    ind, current = result.indicator, result.current
    noun = target_noun(w, result)
    figures = [w.say("problem.missed_value", label=ind.label,
                     value=format_value(ind, current.value))]
    if current.paced:
        figures.append(w.say("problem.paced_target", target=annual_target(result),
                             due=format_target(ind, current.target)))
    else:
        figures.append(w.say("problem.target", noun=noun,
                             target=format_target(ind, current.target)))
    figures += [_short_gap(w, result), indicator_change(w, result)]
    laggards = w.report.laggards.get(ind.key, ())
    causes = [w.say("cause.laggards", list=_laggard_list(w, result, laggards))] if laggards else []
    feeding = _feeding(w, result)
    fell = _feeding_causes(w, result, feeding) if feeding is not None else []
    causes.extend(fell)
    restore = _restore(w, feeding, "plan.restore", _fed_column(result)) if fell and feeding else ""
    lead_key = "problem.missed_paced" if current.paced else "problem.missed"
    problem = Item(w.say(lead_key, label=ind.label, target=noun),
                   "，".join(f for f in figures if f) + "。" + _enumerate(w, causes),
                   "" if causes else ind.label)
    names = "、".join(lag.unit.name for lag in laggards)
    plan_key = "plan.raise" if laggards else "plan.raise_overall"
    plan = Item(w.say("plan.raise_lead", label=ind.label),
                w.say(plan_key, names=names, label=ind.label, restore=restore,
                      goal=_target_goal(w, result)))
    return problem, plan


def _uneven(w: Writer) -> tuple[Item, Item] | None:
    """Indicators met overall that some units below still missed."""
    results = [r for r in w.report.indicators
               if r.current.met and w.report.laggards.get(r.indicator.key)]
    if not results:
        return None
    parts, causes = [], []
    missed_by: dict[str, list[str]] = {}
    for result in results:
        ind, laggards = result.indicator, w.report.laggards[result.indicator.key]
        parts.append(w.say("problem.uneven_part", label=ind.label,
                           value=format_value(ind, result.current.value),
                           list=_laggard_list(w, result, laggards)))
        for lag in laggards:
            missed_by.setdefault(lag.unit.name, []).append(ind.label)
        feeding = _feeding(w, result)
        if feeding is not None:
            causes.extend(_unit_cause(w, feeding, [lag.unit.name for lag in laggards]))
    weak = sorted(((len(c.missed), c.unit.name) for c in w.report.child_results
                   if len(c.missed) > 1 and c.unit.name in missed_by), key=lambda p: -p[0])
    if weak:
        counts = sorted({n for n, _name in weak}, reverse=True)
        key = ("cause.weak_unit" if len(weak) == 1 else
               "cause.weak_units_alike" if len(counts) == 1 else "cause.weak_units")
        causes.insert(0, w.say(key, names="、".join(name for _n, name in weak),
                               counts="、".join(str(n) for n, _name in weak)
                               if len(counts) > 1 else counts[0]))
    labels = "、".join(r.indicator.label for r in results)
    problem = Item(w.say("problem.uneven"), w.say("problem.uneven_text", parts="；".join(parts))
                   + _enumerate(w, causes), "" if causes else labels)
    # Units that missed the same indicators are named together.
    by_labels: dict[str, list[str]] = {}
    for name, missed in missed_by.items():
        by_labels.setdefault("、".join(missed), []).append(name)
    goals = "，".join(w.say("plan.unit_goal", name="、".join(names), labels=labels_)
                     for labels_, names in by_labels.items())
    plan = Item(w.say("plan.uneven_lead"),
                w.say("plan.uneven", names="、".join(missed_by), goals=goals))
    return problem, plan


def _declined(w: Writer, handled: set[str]) -> list[tuple[Item, Item]]:
    """Activities whose main measure fell notably (unless a missed indicator covered it)."""
    pairs = []
    for summary in w.report.activities:
        if judgement(summary) != "down" or summary.key in handled:
            continue
        main = summary.measures[0]
        measure = w.measure(summary, main.column)
        heading = w.activity(summary)
        text = w.say("problem.decline_text", summary.key, label=measure.label,
                     total=measure.render_phrase(total_text(main.value, measure.unit)),
                     move=w.move(main.value, main.last_value, measure.unit))
        units = _fallen_units(summary)
        causes = _decline_causes(w, summary)
        problem = Item(w.say("problem.decline", summary.key, heading=heading),
                       text + _enumerate(w, causes), "" if causes else heading)
        focus = (w.say("plan.focus_units", names="、".join(u[0] for u in units)) if units else "")
        plan = Item(w.say("plan.decline_lead", summary.key, heading=heading),
                    w.say("plan.decline", focus=focus, restore=_restore(w, summary, "plan.catch_up")))
        pairs.append((problem, plan))
    return pairs


def _missing(w: Writer) -> tuple[Item, Item] | None:
    """Indicators with a target but no value: the base figures nobody reported."""
    results = [r for r in w.report.indicators
               if r.current.value is None and r.current.target is not None]
    if not results:
        return None
    figures: list[str] = []
    for result in results:
        sides = ((result.indicator.numerator, result.current.numerator),
                 (result.indicator.denominator, result.current.denominator))
        for source, value in sides:
            if source is not None and source.figure is not None and value is None:
                label = w.catalogue.figures[source.figure].label
                figures.extend([label] if label not in figures else [])
    labels = "、".join(r.indicator.label for r in results)
    problem = Item(w.say("problem.missing"),
                   w.say("problem.missing_text", labels=labels, count=len(results),
                         figures="、".join(figures)))
    plan = Item(w.say("plan.missing_lead"), w.say("plan.missing", figures="、".join(figures)))
    return problem, plan


def problems_and_plans(w: Writer) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """存在问题及原因 and 工作打算: numbered, one plan per problem, staff text after."""
    pairs = [_missed(w, r) for r in w.report.missed]
    handled = {r.indicator.numerator.activity for r in w.report.missed
               if r.indicator.numerator.activity is not None}
    pairs.extend(p for p in (_uneven(w),) if p is not None)
    pairs.extend(_declined(w, handled))
    pairs.extend(p for p in (_missing(w),) if p is not None)
    problems = _unknown_causes(w, [problem for problem, _plan in pairs])
    plans = [plan for _problem, plan in pairs]
    problems.extend(Item("", text) for text in w.narrative.problems)
    plans.extend(Item("", text) for text in w.narrative.plans)
    if not problems:
        problems.append(Item("", w.say("problem.none", basis=basis(w))))
    if not plans:
        plans.append(_keep_up(w))
    return (numbered({"lead": i.lead, "text": i.text} for i in problems),
            numbered({"lead": i.lead, "text": i.text} for i in plans))


def _unknown_causes(w: Writer, problems: list[Item]) -> list[Item]:
    """That the ledgers show no cause is said in full once, then briefly: a community's
    summary could otherwise repeat the same sentence for each of five problems."""
    said, out = False, []
    for item in problems:
        if item.unknown_cause:
            key = "cause.unknown_again" if said else "cause.unknown"
            item = Item(item.lead, item.text + w.say(key, item.unknown_cause,
                                                     subject=item.unknown_cause))
            said = True
        out.append(item)
    return out


def _keep_up(w: Writer) -> Item:
    """With nothing to fix: keep the indicators met where they are."""
    met = [r for r in w.report.indicators if r.current.met]
    labels = "、".join(r.indicator.label for r in met[:3])
    key = "plan.keep_up" if met else "plan.keep_up_work"
    return Item(w.say("plan.keep_up_lead"), w.say(key, labels=labels))
