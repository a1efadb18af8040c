"""保障措施 of a 工作计划: organisation, inspection, base data or ledgers, funds, and the
rectification of last year's problems.

Every date is a stage's month (the timetable's), so the safeguards agree with it.
Each problem staff wrote gets a measure, a responsible unit and a deadline: the
measure of the first ``rectify.match.<rule>`` whose words the problem contains.
"""

from __future__ import annotations

from wenshu.generators.numbers import (
    cn_number,
    format_count,
    format_yuan,
    heading_number,
)
from wenshu.generators.work_plan_writer import Writer

MATCH, MEASURE = "rectify.match.", "rectify.measure."


def _organise(w: Writer, goal_table: str) -> dict[str, str]:
    plan = w.plan
    what = (w.say("safe.what.table", table=goal_table) if goal_table
            else w.say("safe.what.plain"))
    spread = (w.say("safe.spread.children", what=what, children=w.children_text(plan.children))
              if plan.children else w.say("safe.spread.alone"))
    return {"lead": w.say("safe.organise.lead"), "text": w.say("safe.organise", spread=spread)}


def _check(w: Writer) -> dict[str, str]:
    plan = w.plan
    months = {role: w.stage_months(plan.phase(role)) for role in ("inspect", "review")}
    return {"lead": w.say("safe.check.lead"), "text": w.say(f"safe.check.{w.voice}", **months)}


def _records(w: Writer) -> dict[str, str] | None:
    """Base data missing for some indicators, else the ledger kept in order."""
    plan = w.plan
    missing = [t.indicator.label for t in plan.targets if t.base.value is None]
    if missing:
        count = w.say("safe.data_count", count=len(missing)) if len(missing) > 1 else ""
        return {"lead": w.say("safe.data.lead"),
                "text": w.say("safe.data", labels="、".join(missing), count=count,
                              deploy=w.stage_months(plan.phase("deploy")))}
    if plan.year_records:
        return {"lead": w.say("safe.records.lead"),
                "text": w.say("safe.records", records=format_count(plan.year_records))}
    return None


def _funds(w: Writer) -> dict[str, str] | None:
    plan = w.plan
    if not plan.year_amounts:
        return None
    spent = "，".join(w.say("safe.spent", label=m.label, amount=format_yuan(v))
                     for m, v in plan.year_amounts)
    return {"lead": w.say("safe.funds.lead"), "text": w.say("safe.funds", spent=spent)}


def rectify_rule(w: Writer, problem: str) -> str:
    """The phrase key of the measure for a staff problem: the first rule it matches."""
    for key, variants in w.book.phrases.items():
        if key.startswith(MATCH) and any(word and word in problem
                                         for word in variants[0].split("|")):
            return MEASURE + key[len(MATCH):]
    return MEASURE + "default"


def _rectify(w: Writer) -> dict[str, str] | None:
    """Each of last year's problems with its measure, who carries it, and by when."""
    plan = w.plan
    if not plan.narrative.problems:
        return None
    who = w.units(plan.children)
    deadlines = {"deploy_end": w.month_end(plan.phase("deploy")),
                 "implement_end": w.month_end(plan.phase("implement"))}
    items = []
    for n, problem in enumerate(plan.narrative.problems, start=1):
        text = problem.strip().rstrip("。；;.")
        measure = w.say(rectify_rule(w, text), text, who=who, **deadlines)
        items.append(w.say("safe.rectify.item", ordinal=cn_number(n), problem=text,
                           measure=measure))
    return {"lead": w.say("safe.rectify.lead"), "text": w.say("safe.rectify", items="；".join(items))}


def safeguards(w: Writer, goal_table: str) -> list[dict[str, str]]:
    """The numbered 保障措施, each a bold lead and its text; items with nothing to say left out."""
    found = [_organise(w, goal_table), _check(w), _records(w), _funds(w), _rectify(w)]
    items = [item for item in found if item is not None]
    return [{"lead": f"{heading_number(3, n)}{item['lead']}", "text": item["text"]}
            for n, item in enumerate(items, start=1)]
