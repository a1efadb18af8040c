"""Part 一 of a work summary: the indicators against their targets and last year.

A target the unit signed is a 目标; a catalogue standard applied because nothing was
signed is a 参考目标, and the text never calls it the unit's own. Only accumulating
indicators (``Indicator.accumulating``) are judged within the year by 序时进度.
"""

from __future__ import annotations

from decimal import Decimal

from wenshu.compute.summary import IndicatorResult, UnitReport
from wenshu.generators.numbers import (
    format_percent,
    format_target,
    format_value,
    point_unit,
)
from wenshu.generators.summary_voice import (
    ROUNDS_TO_NOTHING,
    SMALL_BASE,
    Writer,
    pct_between,
    points,
)

# 达标 against a target; in-year, an indicator judged by 序时进度 is 达到 or 滞后 it.
_MET_CELL = {(False, True): "cell.met", (False, False): "cell.missed",
             (True, True): "cell.on_pace", (True, False): "cell.behind"}


def signed(report: UnitReport) -> bool:
    """Whether the unit signed any target for the year (a 目标管理责任书 to cite)."""
    return any(r.current.target is not None and not r.current.target_is_default
               for r in report.indicators)


def basis(w: Writer) -> str:
    """What the indicators are judged against: the signed contract, or the standard."""
    return w.say("basis.signed" if signed(w.report) else "basis.standard")


def target_noun(w: Writer, result: IndicatorResult) -> str:
    """目标值 / 控制目标 / 参考目标 / 序时进度: what the value is judged against."""
    current = result.current
    assert current.target is not None
    if current.paced:
        return w.say("target.paced")
    if current.target_is_default:
        return w.say("target.reference")
    return w.say("target.ceiling" if current.target.comparator == "le" else "target.floor")


def indicator_change(w: Writer, result: IndicatorResult) -> str:
    """同比上升0.49个百分点 / 同比增长12.5% / 由上年的4期增加到8期."""
    ind, last = result.indicator, result.last_value
    if result.change is None or last is None or result.current.value is None:
        return ""
    if ind.unit == "count":
        return w.move(result.current.value, last, ind.count_unit)
    if result.change == 0:
        return w.say("change.flat", against=w.word("last"), kind=w.word("yoy"))
    verb = "change.up_points" if result.change > 0 else "change.down_points"
    return w.say(verb, points=points(result.change, point_unit(ind)))


def gap_phrase(w: Writer, result: IndicatorResult) -> str:
    """How the value stands to what it is judged against, in that target's own terms."""
    current, ind = result.current, result.indicator
    target = current.target
    if current.gap is None or target is None or current.value is None:
        return ""
    gap = points(current.gap, point_unit(ind))
    if target.comparator == "range":
        if current.gap == 0:
            return w.say("gap.in_range", target=format_target(ind, target))
        return w.say("gap.above_range" if current.gap > 0 else "gap.below_range", gap=gap)
    noun = target_noun(w, result)
    if current.gap == 0:
        return w.say("gap.equal", target=noun)
    return w.say("gap.above" if current.gap > 0 else "gap.below", target=noun, gap=gap)


def annual_target(result: IndicatorResult) -> str:
    """The year's target as printed (≥95%), even when judged by 序时进度."""
    current = result.current
    return format_target(result.indicator, current.annual_target or current.target)


def indicator_rows(w: Writer) -> list[dict[str, str]]:
    """The indicator table: 序号, 指标, 目标值 (and 序时进度), 完成值, 达标, 上年, 同比."""
    rows = []
    for number, result in enumerate(w.report.indicators, start=1):
        ind, current = result.indicator, result.current
        target = annual_target(result)
        if current.target_is_default and current.target is not None:
            target = w.say("table.reference", target=target)
        row = {
            "no": str(number), "label": ind.label, "target": target,
            "actual": format_value(ind, current.value),
            "met": "—" if current.met is None else w.say(_MET_CELL[(current.paced, current.met)]),
            "last_year": format_value(ind, result.last_value),
            "change": _table_change(w, result),
        }
        if not w.whole_year:
            row["due"] = format_target(ind, current.target)
        rows.append(row)
    return rows


def _table_change(w: Writer, result: IndicatorResult) -> str:
    """The 同比 cell: the column names the comparison, so the cell states only the move."""
    ind, last, value = result.indicator, result.last_value, result.current.value
    if result.change is None or last is None or value is None:
        return "—"
    if ind.unit != "count":
        return table_move(w, value, last, point_unit(ind), rate=True)
    return table_move(w, value, last, ind.count_unit)


def table_move(w: Writer, now: Decimal, before: Decimal, unit: str, rate: bool = False) -> str:
    """持平 / 基本持平 / 增长12.5% / 增加4期 / 上升0.49个百分点, for a table cell."""
    if now == before:
        return w.say("cell.flat")
    if rate:
        return w.say("cell.up_points" if now > before else "cell.down_points",
                     points=points(now - before, unit))
    if before < SMALL_BASE:
        return w.say("cell.up_by" if now > before else "cell.down_by",
                     diff=f"{abs(now - before)}{unit}")
    pct = pct_between(now, before)
    if pct == ROUNDS_TO_NOTHING:
        return w.say("cell.about_flat")
    return w.say("cell.up_pct" if now > before else "cell.down_pct", pct=pct)


def indicator_intro(w: Writer) -> str:
    """How many indicators were met, which were not, and the best results with figures."""
    report = w.report
    judged = [r for r in report.indicators if r.current.met is not None]
    if not judged:
        return w.say("intro.no_data")
    met = [r for r in judged if r.current.met]
    missed = [r for r in judged if not r.current.met]
    if not missed:
        text = w.say("intro.all_met", basis=basis(w), judged=len(judged))
    else:
        text = w.say("intro.some_missed", basis=basis(w), judged=len(judged), met=len(met),
                     missed=_labels(w, [r.indicator.label for r in missed]))
    # Exceeding a floor is an achievement worth a figure; keeping under a ceiling or
    # inside a range is stated together.
    floors = sorted((r for r in met if r.current.target and r.current.target.comparator == "ge"
                     and r.indicator.unit != "count" and r.current.gap),
                    key=lambda r: -_relative_gap(r))[:2]
    clauses = []
    for result in floors:
        parts = (f"{result.indicator.label}{format_value(result.indicator, result.current.value)}",
                 gap_phrase(w, result), indicator_change(w, result))
        clauses.append("，".join(p for p in parts if p))
    held = [r.indicator.label for r in met
            if r.current.target and r.current.target.comparator in ("le", "range")]
    if held:
        clauses.append(w.say("intro.held" if len(held) > 1 else "intro.held_one",
                             labels="、".join(held)))
    if clauses:
        text += w.say("intro.details", details="；".join(clauses))
    return text + w.say("intro.see_table")


def _labels(w: Writer, labels: list[str]) -> str:
    """孕环情检查受检率 / 受检率、性别比2项."""
    if len(labels) == 1:
        return labels[0]
    return w.say("labels.counted", labels="、".join(labels), count=len(labels))


def _relative_gap(result: IndicatorResult) -> Decimal:
    """The gap as a share of the target, to compare indicators of different units."""
    current = result.current
    if current.gap is None or current.target is None or current.target.value == 0:
        return Decimal(0)
    return abs(current.gap) / abs(current.target.value)


def indicator_notes(w: Writer) -> list[str]:
    """Notes under the table: how in-year figures are judged, which targets are standard."""
    report, notes = w.report, []
    if not w.whole_year and any(r.current.paced for r in report.indicators):
        share = format_percent(Decimal(report.elapsed.numerator * 100) / report.elapsed.denominator)
        notes.append(w.say("note.paced", share=share))
    defaults = [r.indicator.label for r in report.indicators
                if r.current.target_is_default and r.current.value is not None]
    if defaults:
        notes.append(w.say("note.reference" if not notes else "note.reference_more",
                           labels="、".join(defaults)))
    return notes
