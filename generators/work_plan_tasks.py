"""主要任务, 时间安排 and 责任分工 of a 工作计划.

Each task says what will be done, by whom and how, and the figure to reach where
the data gives one: an indicator missed last year gets its gap, the units behind,
a method (per indicator, phrase ``imethod.<key>``) and, when a ledger count feeds a
rate, the count the rate needs; an activity type gets its months, the units that do
it, a method (``method.<activity>``) and its planned totals. The timetable names
each task in the stages its table row's months fall in, with the same months.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from wenshu.generators.numbers import (
    cn_number,
    format_count,
    format_points,
    format_value,
    heading_number,
)
from wenshu.generators.work_plan_facts import Phase, PlanTarget
from wenshu.generators.work_plan_goals import target_phrase
from wenshu.generators.work_plan_ledger import ActivityTask
from wenshu.generators.work_plan_writer import Writer, amount, change

# What one unit of an indicator counts per hundred: a rate's share of its denominator.
SCALE = {"percent": Decimal(100), "permille": Decimal(1000), "per_100k": Decimal(100_000)}


def indicator_title(w: Writer, goal: PlanTarget) -> str:
    """提高孕环情检查受检率 / 控制孕产妇死亡率 / 完成举办培训期数目标."""
    ind, comparator = goal.indicator, goal.target.comparator
    key = "count" if ind.unit == "count" and comparator == "ge" else comparator
    return w.say(f"task.title.{key}", label=ind.label)


def _gap(w: Writer, goal: PlanTarget) -> str:
    """比目标值低2.20个百分点 / 比参考目标高228.1/10万 / 高于正常范围上限2.1."""
    base, ind = goal.base, goal.indicator
    assert base.gap is not None and base.target is not None
    points = format_points(ind, base.gap)
    if base.target.comparator == "range":
        return w.say("gap.above_range" if base.gap > 0 else "gap.below_range", points=points)
    noun = ("noun.reference" if base.target_is_default
            else "noun.ceiling" if base.target.comparator == "le" else "noun.floor")
    return w.say("gap.above" if base.gap > 0 else "gap.below", noun=w.say(noun), points=points)


def _need(w: Writer, goal: PlanTarget) -> str:
    """，按上年应查人数4960人测算，全年需完成检查4712人以上 — the count a floor on a
    ledger-fed rate needs, from the base year's denominator."""
    ind, base, target = goal.indicator, goal.base, goal.target
    source, scale = ind.numerator, SCALE.get(ind.unit)
    figure = w.plan.catalogue.figures.get(ind.denominator.figure or "") if ind.denominator else None
    kind = w.plan.catalogue.activities.get(source.activity or "")
    measure = kind.measure(source.measure) if kind and source.measure else None
    if (target.comparator != "ge" or scale is None or figure is None or measure is None
            or not base.denominator):
        return ""
    needed = Decimal(math.ceil(target.value * base.denominator / scale))
    return w.say("task.need", figure=figure.label,
                 amount=format_count(base.denominator, figure.unit),
                 clause=amount(measure, needed))


def _who(w: Writer, goal: PlanTarget) -> str:
    """由示范区牵头，把南城街道（59.00%）作为重点，… — who carries the task."""
    plan, ind = w.plan, goal.indicator
    behind = plan.laggards.get(ind.key, ())
    if behind:
        names = "、".join(w.say("task.laggard", name=unit.name, value=format_value(ind, r.value))
                          for unit, r in behind)
        return w.say("who.laggards", names=names)
    if plan.children:
        return w.say("who.spread", children=w.children_text(plan.children))
    return w.say("who.alone")


def indicator_task(w: Writer, goal: PlanTarget) -> dict[str, Any]:
    """An indicator missed last year: the gap, then who does what, how, to reach what."""
    ind, plan = goal.indicator, w.plan
    key = "task.base_count" if ind.unit == "count" else "task.base"
    text = w.say(key, label=ind.label, value=format_value(ind, goal.base.value), gap=_gap(w, goal))
    method_key = f"imethod.{ind.key}" if w.has(f"imethod.{ind.key}") else "imethod.default"
    check = (w.say("check.quarter", review=w.stage_months(plan.phase("review"))) if plan.quarter
             else w.say("check.year", inspect=w.stage_months(plan.phase("inspect"))))
    text += w.say("task.indicator", who=_who(w, goal), method=w.say(method_key),
                  need=_need(w, goal), check=check, label=ind.label, goal=target_phrase(w, goal))
    return {"title": indicator_title(w, goal), "paragraphs": [text]}


def _by(w: Writer, task: ActivityTask) -> str:
    """由东城街道统筹、东湖社区具体组织 / 由各社区具体组织 / 由东城街道组织."""
    if task.children and task.by_self:
        return w.say("by.both", children=w.children_text(task.children))
    if task.children:
        return w.say("by.children", children=w.children_text(task.children))
    return w.say("by.self")


def activity_task(w: Writer, task: ActivityTask) -> dict[str, Any]:
    """When, by whom and how an activity is carried on, and how much is planned."""
    kind = task.kind
    timing = (w.say("timing.routine") if task.routine
              else w.say("timing.months", kind.key, months=w.months(task.months)))
    method = w.say(f"method.{kind.key}" if w.has(f"method.{kind.key}") else "method.default")
    text = w.say("task.activity", timing=timing, who=_by(w, task), method=method)
    if task.measures:
        planned = "、".join(amount(m.measure, m.planned) for m in task.measures)
        text += w.say("task.planned", planned=planned)
    else:
        text += w.say("task.planned_records", heading=w.activity(task), count=task.records)
    for m in task.measures:
        if m.raised_by is not None:
            text += w.say(f"task.{m.raised_by}", label=m.measure.label,
                          change=change(w, m.measure, m.base, m.planned))
    return {"title": w.activity(task), "paragraphs": [text]}


def tasks(w: Writer) -> list[dict[str, Any]]:
    """The numbered tasks: indicators missed, activities, then staff's own plans."""
    plan = w.plan
    sections = [indicator_task(w, goal) for goal in plan.missed]
    sections += [activity_task(w, task) for task in plan.activities]
    if plan.narrative.plans:
        sections.append({"title": w.say("task.other"),
                         "paragraphs": [f"{heading_number(3, n)}{text}"
                                        for n, text in enumerate(plan.narrative.plans, start=1)]})
    return [{"heading": f"{heading_number(2, n)}{s['title']}", "paragraphs": s["paragraphs"]}
            for n, s in enumerate(sections, start=1)]


def duty_rows(w: Writer) -> list[dict[str, str]]:
    """The 责任分工 table: each task, its months and its units."""
    plan = w.plan
    everyone = w.units(plan.children)
    rows = []
    for goal in plan.missed:
        behind = [unit for unit, _ in plan.laggards.get(goal.indicator.key, ())]
        rows.append((indicator_title(w, goal), w.whole(), w.units(behind) if behind else everyone))
    for task in plan.activities:
        time = w.whole() if task.routine else w.months(task.months)
        rows.append((w.activity(task), time, w.units(task.children, task.by_self)))
    if plan.narrative.plans:
        rows.append((w.say("task.other"), w.whole(), everyone))
    return [{"no": str(n), "task": task, "time": time, "units": units}
            for n, (task, time, units) in enumerate(rows, start=1)]


def _continuous(w: Writer) -> str:
    """The tasks that run through the whole span, as the table schedules them."""
    plan = w.plan
    titles = [indicator_title(w, goal) for goal in plan.missed]
    titles += [w.activity(t) for t in plan.activities if t.routine]
    titles += [w.say("task.other")] if plan.narrative.plans else []
    if not titles:
        return ""
    key = "phase.continuous_many" if len(titles) > 1 else "phase.continuous_one"
    return w.say(key, titles="、".join(titles))


def _scheduled(w: Writer, phase: Phase) -> str:
    """本阶段重点做好检查服务（3月）、教育培训（4月至5月）等工作。"""
    found = []
    for task in w.plan.activities:
        overlap = [m for m in task.months if m in phase.months]
        if overlap and not task.routine:
            found.append((overlap[0], w.say("phase.item", title=w.activity(task),
                                            months=w.months(overlap))))
    if not found:
        return ""
    items = [text for _, text in sorted(found, key=lambda item: item[0])]
    key = "phase.scheduled_many" if len(items) > 1 else "phase.scheduled_one"
    return w.say(key, items="、".join(items))


def _phase_text(w: Writer, phase: Phase, goal_table: str) -> str:
    plan = w.plan
    if phase.role == "deploy":
        key = ("phase.deploy.quarter" if plan.quarter
               else "phase.deploy.alone" if not plan.children
               else "phase.deploy.signed" if plan.contract else "phase.deploy.children")
        text = w.say(key, children=w.children_text(plan.children))
    elif phase.role == "implement":
        text = w.say("phase.implement") + _continuous(w)
    elif phase.role == "inspect":
        against = (w.say("phase.against_table", table=goal_table) if goal_table
                   else w.say("phase.against_year"))
        lagging = plan.lagging_units()
        focus = (w.say("phase.focus", names="、".join(u.name for u in lagging))
                 if lagging else "")
        text = w.say("phase.inspect", against=against, focus=focus)
    else:
        text = w.say(f"phase.review.{w.voice}")
    return text + _scheduled(w, phase)


def phases(w: Writer, goal_table: str) -> list[dict[str, str]]:
    """The timetable's stages, each with its months, its work and the tasks it holds."""
    return [{"lead": w.say("phase.lead", ordinal=cn_number(n),
                           name_of_stage=w.say(f"phase.{w.voice}.{phase.role}"),
                           months=w.stage_months(phase)),
             "text": _phase_text(w, phase, goal_table)}
            for n, phase in enumerate(w.plan.phases, start=1)]
