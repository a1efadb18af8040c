"""The 年度工作总结 (year-end summary): its render context, built from computed figures.

Every sentence is assembled here from phrase variants, so the template only
places finished text. Variants are picked by a hash of the unit and the
sentence's subject: the same inputs always give the same words, while units
side by side do not all read alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from wenshu.compute.summary import ActivitySummary, IndicatorResult, Laggard, UnitYearReport
from wenshu.generators.numbers import (
    cn_date,
    format_count,
    format_percent,
    format_points,
    format_target,
    format_value,
    format_yuan,
    heading_number,
    plain,
    point_unit,
)
from wenshu.models.catalogue import Catalogue, Indicator
from wenshu.narrative import Narrative

DEFAULT_TOPIC = "人口和计划生育工作"
# An activity whose main measure fell by more than this share is named as a problem.
DECLINE_WORTH_NAMING = Decimal(-10)

_SCOPE = {"district": "全区", "street": "全街道", "community": "全社区", "department": "本单位"}
_LEVEL_NOUN = {"street": "街道", "community": "社区", "department": "部门"}


def _pick(options: Sequence[str], *keys: object) -> str:
    digest = hashlib.sha256("|".join(map(str, keys)).encode("utf-8")).digest()
    return options[digest[0] % len(options)]


def _scope(report: UnitYearReport) -> str:
    return _SCOPE.get(report.unit.level, "本单位")


def _child_word(report: UnitYearReport) -> str:
    levels = {child.level for child in report.children}
    return _LEVEL_NOUN.get(levels.pop(), "单位") if len(levels) == 1 else "单位"


def _change_phrase(change: Decimal | None, unit_text: str, key: object) -> str:
    """比上年上升0.49个百分点 / 同比增长12.5% / 与上年持平 — from a signed change."""
    if change is None:
        return ""
    if change == 0:
        return "与上年持平"
    lead = _pick(("比上年", "同比", "较上年"), key)
    if unit_text == "%":
        verb = "增长" if change > 0 else "下降"
        return f"{lead}{verb}{format_percent(change)}"
    verb = "上升" if change > 0 else "下降"
    return f"{lead}{verb}{plain(abs(change))}{unit_text}"


def _indicator_change(result: IndicatorResult) -> str:
    ind = result.indicator
    unit_text = "%" if ind.unit == "count" else point_unit(ind)
    return _change_phrase(result.change, unit_text, ind.key)


def _table_change(result: IndicatorResult) -> str:
    """The 同比 cell: the column names the comparison, so the cell states only the move."""
    change = result.change
    if change is None:
        return "—"
    if change == 0:
        return "持平"
    if result.indicator.unit == "count":
        return f"{'增长' if change > 0 else '下降'}{format_percent(change)}"
    return f"{'上升' if change > 0 else '下降'}{format_points(result.indicator, change)}"


def _gap_phrase(result: IndicatorResult) -> str:
    """How the value stands to its target, in the target's own terms.

    比目标值高0.78个百分点 (≥), 比控制目标低7.6/10万 (≤), 处于103～107的正常范围内 (range).
    """
    current, ind = result.current, result.indicator
    target = current.target
    if current.gap is None or target is None or current.value is None:
        return ""
    points = format_points(ind, current.gap)
    if target.comparator == "range":
        if current.gap == 0:
            return f"处于{format_target(ind, target)}的正常范围内"
        bound = "上限" if current.gap > 0 else "下限"
        return f"{'高' if current.gap > 0 else '低'}于正常范围{bound}{points}"
    if current.gap == 0:
        return "与目标值持平"
    noun = "控制目标" if target.comparator == "le" else "目标值"
    return f"比{noun}{'高' if current.gap > 0 else '低'}{points}"


def _relative_gap(result: IndicatorResult) -> Decimal:
    """The gap as a share of the target, to compare indicators of different units."""
    current = result.current
    if current.gap is None or current.target is None or current.target.value == 0:
        return Decimal(0)
    return abs(current.gap) / abs(current.target.value)


def indicator_rows(report: UnitYearReport) -> list[dict[str, str]]:
    """The indicator table: 序号, 指标, 目标值, 完成值, 是否达标, 上年, 同比."""
    rows = []
    for number, result in enumerate(report.indicators, start=1):
        ind, current = result.indicator, result.current
        met = {True: "达标", False: "未达标", None: "—"}[current.met]
        rows.append({
            "no": str(number),
            "label": ind.label,
            "target": format_target(ind, current.target),
            "actual": format_value(ind, current.value),
            "met": met,
            "last_year": format_value(ind, result.last_value),
            "change": _table_change(result),
        })
    return rows


def _indicator_intro(report: UnitYearReport) -> str:
    judged = [r for r in report.indicators if r.current.met is not None]
    met = [r for r in judged if r.current.met]
    missed = [r for r in judged if not r.current.met]
    scope = _scope(report)
    if not judged:
        return f"{report.year}年{scope}主要指标暂无可考核数据，具体数值见表1。"
    if not missed:
        head = f"对照目标管理责任书，{scope}纳入考核的{len(judged)}项主要指标全部达到目标要求。"
    else:
        names = "、".join(r.indicator.label for r in missed)
        count = f"{len(missed)}项" if len(missed) > 1 else ""
        head = (f"对照目标管理责任书，{scope}纳入考核的{len(judged)}项主要指标中，"
                f"{len(met)}项达到目标要求，{names}{count}未达标。")
    # Exceeding a floor is an achievement worth a figure; keeping under a ceiling or
    # inside a range is stated together.
    floors = sorted((r for r in met if r.current.target and r.current.target.comparator == "ge"
                     and r.indicator.unit != "count" and r.current.gap),
                    key=lambda r: -_relative_gap(r))[:2]
    clauses = []
    for result in floors:
        clause = f"{result.indicator.label}{format_value(result.indicator, result.current.value)}"
        clauses.append("，".join(p for p in (clause, _gap_phrase(result), _indicator_change(result))
                                if p))
    held = [r.indicator.label for r in met
            if r.current.target and r.current.target.comparator in ("le", "range")]
    if held:
        clauses.append(f"{'、'.join(held)}{'均' if len(held) > 1 else ''}控制在目标范围内")
    if clauses:
        head += "其中，" + "；".join(clauses) + "。"
    return head + "各项指标完成情况见表1。"


def _indicator_notes(report: UnitYearReport) -> list[str]:
    notes = []
    defaults = [r.indicator.label for r in report.indicators
                if r.current.target_is_default and r.current.value is not None]
    if defaults:
        notes.append(f"注：{'、'.join(defaults)}本年度未单独签订目标，按统一考核标准计算。")
    return notes


def _measure_text(unit: str, value: Decimal, with_unit: bool = False) -> str:
    """A measure total as a sentence states it; money in 元/万元 always carries its unit."""
    if unit == "元":
        return format_yuan(value)
    return format_count(value, unit if with_unit else "")


def _activity_paragraph(report: UnitYearReport, catalogue: Catalogue,
                        summary: ActivitySummary) -> str:
    kind = catalogue.activities[summary.key]
    clauses, changes = [], []
    for total in summary.measures:
        measure = kind.measure(total.column)
        assert measure is not None
        if total.value == 0:
            continue
        clauses.append(measure.render_phrase(_measure_text(measure.unit, total.value)))
        if total.change_pct is not None:
            change = _change_phrase(total.change_pct, "%", (report.unit.code, kind.key, total.column))
            changes.append(f"{measure.label}{change}")
    if not clauses:
        return ""
    opener = _pick(("全年", "一年来", "本年度"), report.unit.code, kind.key)
    text = f"{opener}，{_scope(report)}共{'，'.join(clauses)}"
    if changes:
        text += "，" + "，".join(changes)
    elif summary.last_records == 0:
        text += "，为本年度新开展的工作"
    text += "。"
    if summary.top_titles:
        # GB/T 15834: no 顿号 between quoted items in a series.
        quoted = "".join(f"“{title}”" for title in summary.top_titles)
        text += _pick(
            (f"开展的活动以{quoted}等为主",
             f"主要围绕{quoted}等主题开展",
             f"重点组织了{quoted}等活动"),
            report.unit.code, kind.key, "titles",
        )
        text += "。"
    if report.children and summary.children_active:
        count, child = summary.children_active, _child_word(report)
        if count == len(report.children) and count > 1:
            text += f"辖区{count}个{child}均开展了此项工作。"
        else:
            text += f"辖区{len(report.children)}个{child}中有{count}个开展了此项工作。"
    return text


def _work_sections(report: UnitYearReport, catalogue: Catalogue,
                   narrative: Narrative) -> list[dict[str, Any]]:
    sections = []
    for summary in report.activities:
        paragraph = _activity_paragraph(report, catalogue, summary)
        if paragraph:
            kind = catalogue.activities[summary.key]
            sections.append({"title": kind.heading or f"{kind.label}工作", "paragraphs": [paragraph]})
    if narrative.highlights:
        sections.append({"title": "特色亮点", "paragraphs": list(narrative.highlights)})
    return [
        {"heading": f"{heading_number(2, n)}{s['title']}", "paragraphs": s["paragraphs"]}
        for n, s in enumerate(sections, start=1)
    ]


def _missed_problem(report: UnitYearReport, result: IndicatorResult) -> dict[str, str]:
    ind, current = result.indicator, result.current
    assert current.target is not None
    text = (f"全年{ind.label}为{format_value(ind, current.value)}，目标要求为"
            f"{format_target(ind, current.target)}，{_gap_phrase(result)}")
    change = _indicator_change(result)
    if change:
        text += f"，{change}"
    text += "。"
    laggards = report.laggards.get(ind.key, ())
    if laggards:
        text += (f"从各{_child_word(report)}情况看，{_laggard_list(ind, laggards)}与目标差距较大，"
                 f"工作进展不平衡的问题比较突出。")
    return {"lead": f"{ind.label}未达到目标要求。", "text": text}


def _declines(report: UnitYearReport, catalogue: Catalogue) -> list[tuple[ActivitySummary, str, Decimal]]:
    found = []
    for summary in report.activities:
        kind = catalogue.activities[summary.key]
        main = summary.measures[0]
        if main.change_pct is not None and main.change_pct <= DECLINE_WORTH_NAMING:
            found.append((summary, kind.heading or kind.label, main.change_pct))
    return found


def _laggard_list(ind: Indicator, laggards: Sequence[Laggard]) -> str:
    """东山社区（83.33%，目标≥90%）、… — each with its own signed target."""
    return "、".join(
        f"{lag.unit.name}（{format_value(ind, lag.value)}，目标{format_target(ind, lag.target)}）"
        for lag in laggards
    )


def _uneven(report: UnitYearReport) -> list[IndicatorResult]:
    """Indicators met overall that some peer children still missed."""
    return [r for r in report.indicators if r.current.met and report.laggards.get(r.indicator.key)]


def _uneven_problem(report: UnitYearReport, results: list[IndicatorResult]) -> dict[str, str]:
    child = _child_word(report)
    parts = []
    for result in results:
        ind = result.indicator
        parts.append(f"{ind.label}为{format_value(ind, result.current.value)}，"
                     f"但{_laggard_list(ind, report.laggards[ind.key])}未达标")
    return {
        "lead": f"{child}之间工作进展不够平衡。",
        "text": f"从全年情况看，{_scope(report)}" + "；".join(parts)
                + f"，个别{child}与整体水平差距明显。",
    }


def _problems(report: UnitYearReport, catalogue: Catalogue, narrative: Narrative
              ) -> list[dict[str, str]]:
    items = [_missed_problem(report, r) for r in report.missed]
    if _uneven(report):
        items.append(_uneven_problem(report, _uneven(report)))
    for summary, heading, change in _declines(report, catalogue):
        kind = catalogue.activities[summary.key]
        main = summary.measures[0]
        measure = kind.measure(main.column)
        assert measure is not None
        items.append({
            "lead": f"{heading}工作力度有所减弱。",
            "text": (f"全年{measure.label}为{_measure_text(measure.unit, main.value, True)}，"
                     f"比上年下降{format_percent(change)}，需要引起重视。"),
        })
    missing = [r.indicator.label for r in report.indicators
               if r.current.value is None and r.current.target is not None]
    if missing:
        items.append({
            "lead": "基础数据报送还不够完整。",
            "text": f"{'、'.join(missing)}等{len(missing)}项指标缺少基础数据，本年度无法准确评价，"
                    "数据报送的及时性和完整性有待加强。",
        })
    items.extend({"lead": "", "text": text} for text in narrative.problems)
    if not items:
        items.append({"lead": "", "text": "对照目标管理责任书，本年度各项指标均达到目标要求，"
                                          "未发现突出问题。"})
    return _numbered(items)


def _plans(report: UnitYearReport, catalogue: Catalogue, narrative: Narrative
           ) -> list[dict[str, str]]:
    if narrative.plans:
        return _numbered([{"lead": "", "text": text} for text in narrative.plans])
    next_year = report.year + 1
    items = []
    for result in report.missed:
        ind = result.indicator
        laggards = report.laggards.get(ind.key, ())
        focus = (f"把{'、'.join(lag.unit.name for lag in laggards)}作为重点，" if laggards else "")
        items.append({
            "lead": f"着力提升{ind.label}。",
            "text": (f"针对{ind.label}未达标的问题，{next_year}年将{focus}逐月跟踪进度、"
                     f"加强督导，确保达到{format_target(ind, result.current.target)}的目标要求。"),
        })
    uneven = _uneven(report)
    if uneven:
        names = sorted({lag.unit.name for r in uneven for lag in report.laggards[r.indicator.key]})
        items.append({
            "lead": "加强对薄弱单位的分类指导。",
            "text": (f"对{'、'.join(names)}等指标未达标的{_child_word(report)}开展专项督导，"
                     "帮助查找原因、制定整改措施，推动各项工作均衡发展。"),
        })
    for _summary, heading, _change in _declines(report, catalogue):
        items.append({
            "lead": f"加大{heading}工作力度。",
            "text": f"合理安排全年{heading}工作计划，按季度检查落实情况，扭转工作量下降的势头。",
        })
    met = [r for r in report.indicators if r.current.met]
    if met:
        labels = "、".join(r.indicator.label for r in met[:3])
        items.append({
            "lead": "巩固已有工作成效。",
            "text": f"保持{labels}等指标的良好态势，总结推广行之有效的做法，推动各项工作常态化开展。",
        })
    if any(r.current.value is None and r.current.target is not None for r in report.indicators):
        items.append({
            "lead": "加强基础数据管理。",
            "text": "落实基础数据按时报送制度，做到底数清、情况明，为科学考核提供依据。",
        })
    return _numbered(items)


def _numbered(items: list[dict[str, str]]) -> list[dict[str, str]]:
    """Prefix each item with 1. 2. …; an item without a lead is numbered in its text."""
    numbered = []
    for n, item in enumerate(items, start=1):
        prefix = heading_number(3, n)
        if item["lead"]:
            numbered.append({"lead": f"{prefix}{item['lead']}", "text": item["text"]})
        else:
            numbered.append({"lead": "", "text": f"{prefix}{item['text']}"})
    return numbered


def _opening(report: UnitYearReport) -> str:
    scope = _scope(report)
    records = sum(a.records for a in report.activities)
    lead = _pick(
        (f"{report.year}年，{report.unit.name}在上级党委、政府的正确领导下，",
         f"{report.year}年，在上级部门的关心指导下，{report.unit.name}",
         f"{report.year}年以来，{report.unit.name}"),
        report.unit.code, "opening",
    )
    body = "紧紧围绕年初签订的目标管理责任书，扎实推进宣传教育、检查服务、关怀帮扶等各项工作"
    if records:
        body += f"，{scope}全年共组织开展各类活动{format_count(records)}次"
    return f"{lead}{body}。现将全年工作情况总结如下："


def build_context(report: UnitYearReport, catalogue: Catalogue, *, issued_on: date,
                  narrative: Narrative | None = None, signature_unit: str | None = None,
                  topic: str = DEFAULT_TOPIC) -> dict[str, Any]:
    """The template context of a year-end summary (every value a finished string)."""
    narrative = narrative or Narrative()
    next_year = report.year + 1
    return {
        "title": f"{report.unit.name}{report.year}年{topic}总结",
        "opening": _opening(report),
        "indicator_heading": f"{heading_number(1, 1)}主要指标完成情况",
        "indicator_intro": _indicator_intro(report),
        "indicator_table_caption": f"表1  {report.year}年主要指标完成情况",
        "indicator_rows": indicator_rows(report),
        "indicator_notes": _indicator_notes(report),
        "work_heading": f"{heading_number(1, 2)}工作开展情况",
        "work_sections": _work_sections(report, catalogue, narrative),
        "problems_heading": f"{heading_number(1, 3)}存在问题及原因",
        "problems": _problems(report, catalogue, narrative),
        "plans_heading": f"{heading_number(1, 4)}{next_year}年工作打算",
        "plans_intro": (f"{next_year}年，{report.unit.name}将继续对照目标管理责任书，"
                        "突出重点、补齐短板，重点抓好以下几方面工作："),
        "plans": _plans(report, catalogue, narrative),
        "signature_unit": signature_unit or report.unit.name,
        "signature_date": cn_date(issued_on),
    }
