"""The opening, 总体要求 and 工作目标 of a 工作计划, and the clerk's note on its targets.

The wording follows what the unit signed: 责任书 is named only where the unit signed
targets (for the plan's year, or at least the base year); a target taken from the
catalogue's standard is a 参考目标. How proposed targets were set is for the clerk
to check, not for the document: it goes to ``clerk_notes``, which no template prints.
"""

from __future__ import annotations

from typing import Any

from wenshu.generators.numbers import format_count, format_target, format_value
from wenshu.generators.work_plan_facts import PlanTarget
from wenshu.generators.work_plan_writer import Writer

# How many of the busiest activity types the guidance names.
AREAS = 3


def opening(w: Writer) -> str:
    """Why and on what basis the plan is made."""
    plan = w.plan
    if any(t.signed for t in plan.targets):
        return w.say("opening.signed", "opening")
    if plan.contract:
        return w.say("opening.carried", "opening")
    if not plan.year_records and all(t.base.value is None for t in plan.targets):
        return w.say("opening.no_data")
    return w.say("opening.plain", "opening")


def guidance(w: Writer) -> list[str]:
    """The plan's principle, then the base year in one sentence and the plan's focus."""
    busiest = sorted(w.plan.activities, key=lambda task: -task.records)[:AREAS]
    if busiest:
        principle = w.say("guidance.principle", "guidance",
                          areas="、".join(w.activity(t) for t in busiest))
    else:
        principle = w.say("guidance.principle_plain")
    return [principle, _review(w)]


def _judged(w: Writer) -> str:
    """The base year's indicators against their targets, or empty when none was judged."""
    plan = w.plan
    judged = [t for t in plan.targets if t.base.met is not None]
    if not judged:
        return ""
    reference = all(t.base.target_is_default for t in judged)
    noun = w.say("review.noun_reference" if reference else "review.noun_signed")
    missed = "、".join(t.indicator.label for t in plan.missed)
    met = len(judged) - len(plan.missed)
    if not plan.missed:
        return w.say("review.all_met", judged=len(judged), noun=noun)
    if met:
        return w.say("review.some_met", judged=len(judged), met=met, missed=missed, noun=noun)
    return w.say("review.none_met", missed=missed, noun=noun)


def _review(w: Writer) -> str:
    """2025年，全街道…未达到目标要求，共组织开展各类活动20次。2026年，要…。"""
    plan = w.plan
    parts = [part for part in (_judged(w),) if part]
    if plan.year_records:
        key = "review.records" if parts else "review.records_lead"
        parts.append(w.say(key, records=format_count(plan.year_records)))
    if not parts:
        return w.say("review.no_data")
    focus = []
    if plan.missed:
        focus.append(w.say("review.focus_missed",
                           labels="、".join(t.indicator.label for t in plan.missed)))
    lagging = plan.lagging_units()
    if lagging:
        focus.append(w.say("review.focus_units", names="、".join(u.name for u in lagging)))
    if not focus:
        focus.append(w.say("review.focus_keep"))
    return "，".join(parts) + "。" + w.say(f"review.{w.voice}", focus="，".join(focus))


def goal_rows(w: Writer) -> list[dict[str, str]]:
    """The goal table: base-year value, the target, and where the target comes from."""
    return [
        {"no": str(n), "label": t.indicator.label,
         "base": format_value(t.indicator, t.base.value),
         "target": format_target(t.indicator, t.target),
         "source": w.say(f"source.{t.origin}")}
        for n, t in enumerate(w.plan.targets, start=1)
    ]


def goals_intro(w: Writer, table: str) -> str:
    """Where the table is, and what the targets rest on."""
    plan = w.plan
    lead = w.say(f"goals.{w.voice}", table=table)
    signed = sum(1 for t in plan.targets if t.signed)
    rest = len(plan.targets) - signed
    if not rest:
        return lead + w.say("goals.all_signed")
    if signed:
        return lead + w.say("goals.some_signed", signed=signed, rest=rest)
    return lead + w.say("goals.pending" if plan.contract else "goals.reference")


def clerk_notes(w: Writer) -> list[str]:
    """For the clerk, never printed: the rules the proposed targets followed, and which
    targets are only 参考目标 until the upper level sets them."""
    proposed = [t for t in w.plan.targets if not t.signed]
    rules = {
        "raised": any(t.target.comparator == "ge" and t.base.target for t in proposed),
        "carried": any(t.target.comparator != "ge" for t in proposed),
        "counted": any(t.base.target is None for t in proposed),
    }
    used = [w.say(f"note.rule.{rule}") for rule, present in rules.items() if present]
    notes = [w.say("note.rules", rules="；".join(used))] if used else []
    reference = [t.indicator.label for t in proposed if t.origin == "reference"]
    if reference:
        notes.append(w.say("note.reference", labels="、".join(reference)))
    return notes


def goal_context(w: Writer, table: str) -> dict[str, Any]:
    """The 工作目标 keys of the context (empty when the plan has no targets)."""
    rows = goal_rows(w)
    return {
        "goals_intro": goals_intro(w, table) if rows else "",
        "goals_table_caption": (w.say("caption", table=table, title=w.say("caption.goals"))
                                if rows else ""),
        "goal_rows": rows,
        "clerk_notes": clerk_notes(w),
    }


def target_phrase(w: Writer, goal: PlanTarget) -> str:
    """提高到95%以上 / 控制在10/10万以内 / 保持在103~107之间: the year's target as a goal."""
    ind, target = goal.indicator, goal.target
    if target.comparator in ("range", "eq"):
        return w.say(f"goal.{target.comparator}", target=format_target(ind, target))
    value = format_target(ind, target)[1:]  # the figure without its sign
    return w.say(f"goal.{target.comparator}", value=value)
