"""Part 二 of a work summary: one part per activity type, and the work tables.

Each part's heading is a judgement drawn from its main measure against last year
(力度加大 / 稳步推进 / 有所下降 / 新开展); the paragraph then says how (the topics the
ledgers record, which units took part) and what came of it, in figures. A fact true
of every unit below (all of them took part) is said once, in the document's lead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wenshu.compute.summary import ActivitySummary
from wenshu.generators.numbers import YUAN, format_value, heading_number
from wenshu.generators.summary_indicators import table_move
from wenshu.generators.summary_voice import (
    ROUNDS_TO_NOTHING,
    SMALL_BASE,
    Writer,
    amount,
    pct_between,
)

# A main measure moving by more than this share on last year is a rise or a decline;
# a smaller fall still keeps a heading from praising the work.
NOTABLE_CHANGE = Decimal("0.1")
SLIGHT_CHANGE = Decimal("0.03")


def notable_fall(now: Decimal, before: Decimal) -> bool:
    """Whether ``now`` is more than NOTABLE_CHANGE below ``before``."""
    return before > 0 and (before - now) / before > NOTABLE_CHANGE


def judgement(summary: ActivitySummary) -> str:
    """new / up / steady / level / down: the main measure this period against last year's."""
    main = summary.measures[0]
    if main.last_value == 0:
        return "new" if main.value else "steady"
    ratio = (main.value - main.last_value) / main.last_value
    if ratio > NOTABLE_CHANGE:
        return "up"
    if ratio < -NOTABLE_CHANGE:
        return "down"
    return "level" if ratio < -SLIGHT_CHANGE else "steady"


def covered_by_all(w: Writer, summary: ActivitySummary) -> bool:
    """Whether every unit below (more than one) recorded this activity."""
    return len(w.report.children) > 1 and summary.children_active == len(w.report.children)


def _how(w: Writer, summary: ActivitySummary) -> str:
    """The measures taken: the topics the ledgers record, and who took part when not all did."""
    heading = w.activity(summary)
    if summary.top_titles:
        # GB/T 15834: no 顿号 between quoted items in a series.
        topics = "".join(f"“{title}”" for title in summary.top_titles)
        text = w.say("work.topics", summary.key, heading=heading, topics=topics)
    else:
        text = w.say("work.no_topics", summary.key, heading=heading)
    if w.report.children and summary.children_active and not covered_by_all(w, summary):
        idle = [name for name, now, _last in summary.by_child if not now]
        text += w.say("work.coverage", total=len(w.report.children),
                      active=summary.children_active)
        if 0 < len(idle) <= 3:
            text += w.say("work.idle", names="、".join(idle))
    return text + "。" + "".join(staff_measures(w, summary.key))


def total_text(value: Decimal, unit: str) -> str:
    """A total for a measure's phrase, which names its own unit (money aside)."""
    return amount(value, YUAN if unit == YUAN else "")


def _changes(w: Writer, summary: ActivitySummary) -> str:
    """How each measure moved on last year; 同比分别增长… when all moved alike in %."""
    moved = [(w.measure(summary, t.column), t) for t in summary.measures if t.last_value]
    if not moved:
        return ""
    rises = {t.value > t.last_value for _m, t in moved}
    if len(moved) > 1 and len(rises) == 1 and all(t.last_value >= SMALL_BASE for _m, t in moved):
        pcts = [pct_between(t.value, t.last_value) for _m, t in moved]
        if ROUNDS_TO_NOTHING not in pcts:  # also leaves out any measure that did not move
            return w.say("change.group_up" if rises == {True} else "change.group_down",
                         labels="、".join(m.label for m, _t in moved), pcts="、".join(pcts))
    return "，".join(m.label + w.move(t.value, t.last_value, m.unit) for m, t in moved)


def _fed(w: Writer, summary: ActivitySummary) -> str:
    """The indicators this activity feeds, as they stand: the work's effect."""
    results = [r for r in w.report.indicators
               if r.indicator.numerator.activity == summary.key and r.current.value is not None
               and r.indicator.unit != "count"]
    return "".join(w.say("work.fed", label=r.indicator.label,
                         value=format_value(r.indicator, r.current.value)) for r in results)


def _effect(w: Writer, summary: ActivitySummary) -> str:
    """What was done, in totals, how it moved on last year (and on the period before), and
    the indicators it feeds."""
    clauses = [w.measure(summary, t.column).render_phrase(total_text(t.value, w.measure(
        summary, t.column).unit)) for t in summary.measures if t.value]
    if not clauses:
        return w.say("work.none_now", summary.key, last=w.word("last"))
    text = w.say("work.totals", summary.key, totals="，".join(clauses))
    changes = _changes(w, summary)
    if changes:
        text += "，" + changes
    elif summary.last_records == 0:
        text += w.say("work.new")
    if summary.previous_records:
        text += w.say("work.sequential", move=w.move(Decimal(summary.records),
                                                     Decimal(summary.previous_records),
                                                     w.say("unit.times"), sequential=True))
    return text + _fed(w, summary) + "。"


def _measure_work(w: Writer, paragraph: str) -> tuple[str | None, str]:
    """The activity key a staff 做法 paragraph names before its colon, and its text."""
    head, colon, body = paragraph.replace(":", "：", 1).partition("：")
    if colon:
        for kind in w.catalogue.activities.values():
            if head.strip() in (kind.heading, kind.label, *kind.aliases):
                return kind.key, body.strip()
    return None, paragraph


def staff_measures(w: Writer, key: str | None) -> list[str]:
    """Staff 做法 paragraphs for the activity ``key`` (None: those naming no recorded work)."""
    recorded = {s.key for s in w.report.activities}
    found = []
    for paragraph in w.narrative.measures:
        named, text = _measure_work(w, paragraph)
        if named == key or (key is None and named not in recorded):
            found.append(text if named == key else paragraph)
    return found


def work_sections(w: Writer) -> list[dict[str, Any]]:
    """（一）教育培训力度加大 … each with its paragraph; staff highlights last (with any
    做法 paragraph that names no work recorded this period)."""
    sections = []
    for summary in w.report.activities:
        title = w.say(f"work.heading.{judgement(summary)}", summary.key,
                      heading=w.activity(summary))
        sections.append((title, [_how(w, summary) + _effect(w, summary)]))
    extra = list(w.narrative.highlights) + staff_measures(w, None)
    if extra:
        sections.append((w.say("work.highlights"), extra))
    return [{"heading": f"{heading_number(2, n)}{title}", "paragraphs": paragraphs}
            for n, (title, paragraphs) in enumerate(sections, start=1)]


def everyone_took_part(w: Writer) -> str:
    """辖区3个街道均开展了教育培训、检查服务等工作 — said once, or nothing."""
    shared = [w.activity(s) for s in w.report.activities if covered_by_all(w, s)]
    if not shared:
        return ""
    if len(shared) == len(w.report.activities):
        return w.say("lead.all_took_part_all", count=len(w.report.children))
    return w.say("lead.all_took_part", count=len(w.report.children),
                 headings="、".join(shared[:3]))


def tables(w: Writer) -> dict[str, Any]:
    """表2 the units below side by side (with the unit's own total), 表3 the work by type.

    Numbered after 表1 as present; a community has no units below it, so no 表2.
    """
    report = w.report
    labels = {r.indicator.key: r.indicator.label for r in report.indicators}
    unit_rows = [
        {"no": str(n), "name": child.unit.name, "records": str(child.records),
         "met": _met_cell(w, len(child.met), child.judged),
         "missed": "、".join(labels[key] for key in child.missed) or w.say("table.none")}
        for n, child in enumerate(report.child_results, start=1)
    ]
    judged = [r for r in report.indicators if r.current.met is not None]
    own_missed = [r.indicator.label for r in judged if not r.current.met]
    activity_rows = []
    for n, summary in enumerate(report.activities, start=1):
        workload = []
        for total in summary.measures:
            measure = w.measure(summary, total.column)
            if total.value:
                workload.append(measure.render_phrase(total_text(total.value, measure.unit)))
        activity_rows.append({
            "no": str(n), "kind": w.activity(summary), "records": str(summary.records),
            "workload": "，".join(workload) or "—", "last_records": str(summary.last_records),
            "change": _records_cell(w, summary.records, summary.last_records),
        })
    records = sum(a.records for a in report.activities)
    last = sum(a.last_records for a in report.activities)
    context: dict[str, Any] = {
        "unit_rows": unit_rows,
        "unit_rows_total": {
            "no": "", "name": w.say("table.total_unit"), "records": str(records),
            "met": _met_cell(w, len(judged) - len(own_missed), len(judged)),
            "missed": "、".join(own_missed) or w.say("table.none")},
        "activity_rows": activity_rows,
        "activity_rows_total": {
            "no": "", "kind": w.say("table.total"), "records": str(records), "workload": "—",
            "last_records": str(last), "change": _records_cell(w, records, last)},
    }
    number = 2
    for name in ("unit_rows", "activity_rows"):
        title = w.say(f"table.{name}")
        context[f"{name}_caption"] = (w.say("caption.table", number=number, title=title)
                                      if context[name] else "")
        number += bool(context[name])
    return context


def _records_cell(w: Writer, now: int, last: int) -> str:
    return "—" if not last else table_move(w, Decimal(now), Decimal(last), w.say("unit.times"))


def _met_cell(w: Writer, met: int, judged: int) -> str:
    """2/3项: indicators met of those judged; — when none could be judged."""
    return w.say("table.met_count", count=met, total=judged) if judged else "—"
