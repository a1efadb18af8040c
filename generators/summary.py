"""Work summaries (年度工作总结, 半年工作总结): the render context, built from computed figures.

Every sentence is assembled here from phrase variants, so the template only
places finished text. Variants are picked by a hash of the unit and the
sentence's subject: the same inputs always give the same words, while units
side by side do not all read alike. The period decides the wording (全年 / 上半年,
上年 / 上年同期) and, within the year, judges accumulating indicators against the
share of their target due so far (序时进度).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from wenshu.compute.indicators import percent_change
from wenshu.compute.summary import (
    ActivitySummary,
    IndicatorResult,
    Laggard,
    UnitReport,
)
from wenshu.generators.charts import (
    CHART_WIDTH_MM,
    MONTHS,
    IndicatorBar,
    TrendSeries,
    indicator_chart,
    monthly_trend_chart,
)
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
    value_suffix,
)
from wenshu.generators.phrasing import level_noun, numbered, pick, scope_word
from wenshu.generators.render import Image
from wenshu.models.catalogue import Catalogue, Indicator
from wenshu.narrative import Narrative

DEFAULT_TOPIC = "人口和计划生育工作"
# An activity whose main measure fell by more than this share is named as a problem.
DECLINE_WORTH_NAMING = Decimal(-10)



@dataclass(frozen=True)
class Voice:
    """How a summary names its period and the one it is compared with."""

    span: str  # 全年 / 上半年
    span_label: str  # in titles: "" / 上半年
    last: str  # 上年 / 上年同期
    next_heading: str  # 2026年工作打算 / 下半年工作打算
    next_span: str  # 2026年 / 下半年
    met: str  # 达标 / 达到序时进度
    missed: str  # 未达到目标要求 / 滞后于序时进度 (a problem's lead)
    missed_short: str  # 未达标 / 滞后于序时进度 (within a sentence)

    @classmethod
    def of(cls, report: UnitReport) -> Voice:
        """The voice of the report's period: the whole year or its first half."""
        if report.period.end.month == 12:
            following = f"{report.year + 1}年"
            return cls("全年", "", "上年", f"{following}工作打算", following, "达标",
                       "未达到目标要求", "未达标")
        if report.period.end.month == 6:
            return cls("上半年", "上半年", "上年同期", "下半年工作打算", "下半年",
                       "达到序时进度", "滞后于序时进度", "滞后于序时进度")
        raise ValueError(f"summaries cover a year or its first half, not {report.period}")


def _scope(report: UnitReport) -> str:
    return scope_word(report.unit.level)


def _child_word(report: UnitReport) -> str:
    return level_noun(child.level for child in report.children)


def _change_phrase(change: Decimal | None, unit_text: str, voice: Voice, key: object) -> str:
    """比上年上升0.49个百分点 / 同比增长12.5% / 与上年同期持平 — from a signed change."""
    if change is None:
        return ""
    if change == 0:
        return f"与{voice.last}持平"
    lead = pick((f"比{voice.last}", "同比", f"较{voice.last}"), key)
    if unit_text == "%":
        verb = "增长" if change > 0 else "下降"
        return f"{lead}{verb}{format_percent(change)}"
    verb = "上升" if change > 0 else "下降"
    return f"{lead}{verb}{plain(abs(change))}{unit_text}"


def _indicator_change(result: IndicatorResult, voice: Voice) -> str:
    ind = result.indicator
    unit_text = "%" if ind.unit == "count" else point_unit(ind)
    return _change_phrase(result.change, unit_text, voice, ind.key)


def _table_change(result: IndicatorResult) -> str:
    """The 同比 cell: the column names the comparison, so the cell states only the move."""
    change = result.change
    if change is None:
        return "—"
    if change == 0:
        return "持平"
    if result.indicator.unit == "count":
        return _table_change_pct(change)
    return f"{'上升' if change > 0 else '下降'}{format_points(result.indicator, change)}"


def _gap_phrase(result: IndicatorResult) -> str:
    """How the value stands to what it is judged against, in that target's own terms.

    比目标值高0.78个百分点 (≥), 比控制目标低7.6/10万 (≤), 处于103~107的正常范围内
    (range), 比序时进度高3.2个百分点 (a share of the year's target, in-year).
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
        return "与序时进度持平" if current.paced else "与目标值持平"
    noun = "序时进度" if current.paced else "控制目标" if target.comparator == "le" else "目标值"
    return f"比{noun}{'高' if current.gap > 0 else '低'}{points}"


def _relative_gap(result: IndicatorResult) -> Decimal:
    """The gap as a share of the target, to compare indicators of different units."""
    current = result.current
    if current.gap is None or current.target is None or current.target.value == 0:
        return Decimal(0)
    return abs(current.gap) / abs(current.target.value)


def _annual_target(result: IndicatorResult) -> str:
    current = result.current
    return format_target(result.indicator, current.annual_target or current.target)


def indicator_rows(report: UnitReport) -> list[dict[str, str]]:
    """The indicator table: 序号, 指标, 目标值 (and 序时进度), 完成值, 达标, 上年, 同比."""
    voice = Voice.of(report)
    rows = []
    for number, result in enumerate(report.indicators, start=1):
        ind, current = result.indicator, result.current
        met = {True: "达标", False: "未达标", None: "—"}[current.met]
        if voice.span != "全年" and current.met is not None:
            met = "达到" if current.met else "滞后"
        row = {
            "no": str(number),
            "label": ind.label,
            "target": _annual_target(result),
            "actual": format_value(ind, current.value),
            "met": met,
            "last_year": format_value(ind, result.last_value),
            "change": _table_change(result),
        }
        if voice.span != "全年":
            row["due"] = format_target(ind, current.target)
        rows.append(row)
    return rows


def _signed(report: UnitReport) -> bool:
    """Whether the unit signed any target for the year (a 目标管理责任书 to cite)."""
    return any(r.current.target is not None and not r.current.target_is_default
               for r in report.indicators)


def _basis(report: UnitReport) -> str:
    """What the indicators are judged against: the signed contract, or, when nothing was
    signed, the catalogue's standard targets (never a contract that does not exist)."""
    return "对照目标管理责任书" if _signed(report) else "对照统一考核标准"


def _indicator_intro(report: UnitReport, voice: Voice) -> str:
    judged = [r for r in report.indicators if r.current.met is not None]
    met = [r for r in judged if r.current.met]
    missed = [r for r in judged if not r.current.met]
    scope = _scope(report)
    if not judged:
        return f"{report.year}年{voice.span_label}{scope}主要指标暂无可考核数据，具体数值见表1。"
    requirement = "目标要求" if voice.span == "全年" else "序时进度要求"
    if not missed:
        head = (f"{_basis(report)}，{scope}纳入考核的{len(judged)}项主要指标"
                f"全部达到{requirement}。")
    else:
        names = "、".join(r.indicator.label for r in missed)
        count = f"{len(missed)}项" if len(missed) > 1 else ""
        head = (f"{_basis(report)}，{scope}纳入考核的{len(judged)}项主要指标中，"
                f"{len(met)}项达到{requirement}，{names}{count}{voice.missed_short}。")
    # Exceeding a floor is an achievement worth a figure; keeping under a ceiling or
    # inside a range is stated together.
    floors = sorted((r for r in met if r.current.target and r.current.target.comparator == "ge"
                     and r.indicator.unit != "count" and r.current.gap),
                    key=lambda r: -_relative_gap(r))[:2]
    clauses = []
    for result in floors:
        clause = f"{result.indicator.label}{format_value(result.indicator, result.current.value)}"
        parts = (clause, _gap_phrase(result), _indicator_change(result, voice))
        clauses.append("，".join(p for p in parts if p))
    held = [r.indicator.label for r in met
            if r.current.target and r.current.target.comparator in ("le", "range")]
    if held:
        clauses.append(f"{'、'.join(held)}{'均' if len(held) > 1 else ''}控制在目标范围内")
    if clauses:
        head += "其中，" + "；".join(clauses) + "。"
    return head + "各项指标完成情况见表1。"


def _indicator_notes(report: UnitReport, voice: Voice) -> list[str]:
    notes = []
    if voice.span != "全年" and any(r.current.paced for r in report.indicators):
        share = format_percent(Decimal(report.elapsed.numerator * 100) / report.elapsed.denominator)
        notes.append(f"注：台账累计类指标按序时进度（{share}）考核，比率类指标按全年目标考核。")
    defaults = [r.indicator.label for r in report.indicators
                if r.current.target_is_default and r.current.value is not None]
    if defaults:
        prefix = "" if notes else "注："
        notes.append(f"{prefix}{'、'.join(defaults)}本年度未单独签订目标，按统一考核标准计算。")
    return notes


def _measure_text(unit: str, value: Decimal, with_unit: bool = False) -> str:
    """A measure total as a sentence states it; money in 元/万元 always carries its unit."""
    if unit == "元":
        return format_yuan(value)
    return format_count(value, unit if with_unit else "")


def _activity_paragraph(report: UnitReport, voice: Voice, catalogue: Catalogue,
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
            change = _change_phrase(total.change_pct, "%", voice,
                                    (report.unit.code, kind.key, total.column))
            changes.append(f"{measure.label}{change}")
    if not clauses:
        return ""
    openers = ("全年", "一年来", "本年度") if voice.span == "全年" else (voice.span,)
    opener = pick(openers, report.unit.code, kind.key)
    text = f"{opener}，{_scope(report)}共{'，'.join(clauses)}"
    if changes:
        text += "，" + "，".join(changes)
    elif summary.last_records == 0:
        text += "，为本年度新开展的工作"
    if summary.previous_records:
        # 环比: against the period just before (for a first half, last year's second half).
        sequential = percent_change(Decimal(summary.records), Decimal(summary.previous_records))
        if sequential is not None:
            move = ("持平" if sequential == 0 else
                    f"{'增长' if sequential > 0 else '下降'}{format_percent(sequential)}")
            text += f"；开展次数环比{move}"
    text += "。"
    if summary.top_titles:
        # GB/T 15834: no 顿号 between quoted items in a series.
        quoted = "".join(f"“{title}”" for title in summary.top_titles)
        text += pick(
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


def _work_sections(report: UnitReport, voice: Voice, catalogue: Catalogue,
                   narrative: Narrative) -> list[dict[str, Any]]:
    sections = []
    for summary in report.activities:
        paragraph = _activity_paragraph(report, voice, catalogue, summary)
        if paragraph:
            kind = catalogue.activities[summary.key]
            sections.append({"title": kind.heading or f"{kind.label}工作", "paragraphs": [paragraph]})
    if narrative.highlights:
        sections.append({"title": "特色亮点", "paragraphs": list(narrative.highlights)})
    return [
        {"heading": f"{heading_number(2, n)}{s['title']}", "paragraphs": s["paragraphs"]}
        for n, s in enumerate(sections, start=1)
    ]


def _laggard_list(ind: Indicator, laggards: Sequence[Laggard]) -> str:
    """东山社区（83.33%，目标≥90%）、… — each with the target it is judged against."""
    return "、".join(
        f"{lag.unit.name}（{format_value(ind, lag.value)}，目标{format_target(ind, lag.target)}）"
        for lag in laggards
    )


def _missed_problem(report: UnitReport, voice: Voice, result: IndicatorResult) -> dict[str, str]:
    ind, current = result.indicator, result.current
    assert current.target is not None
    if current.paced:
        text = (f"{voice.span}{ind.label}为{format_value(ind, current.value)}，全年目标为"
                f"{_annual_target(result)}，按序时进度应达到{format_value(ind, current.target.value)}，"
                f"{_gap_phrase(result)}")
    else:
        text = (f"{voice.span}{ind.label}为{format_value(ind, current.value)}，目标要求为"
                f"{format_target(ind, current.target)}，{_gap_phrase(result)}")
    change = _indicator_change(result, voice)
    if change:
        text += f"，{change}"
    text += "。"
    laggards = report.laggards.get(ind.key, ())
    if laggards:
        text += (f"从各{_child_word(report)}情况看，{_laggard_list(ind, laggards)}与目标差距较大，"
                 f"工作进展不平衡的问题比较突出。")
    return {"lead": f"{ind.label}{voice.missed}。", "text": text}


def _declines(report: UnitReport, catalogue: Catalogue
              ) -> list[tuple[ActivitySummary, str, Decimal]]:
    found = []
    for summary in report.activities:
        kind = catalogue.activities[summary.key]
        main = summary.measures[0]
        if main.change_pct is not None and main.change_pct <= DECLINE_WORTH_NAMING:
            found.append((summary, kind.heading or kind.label, main.change_pct))
    return found


def _uneven(report: UnitReport) -> list[IndicatorResult]:
    """Indicators met overall that some peer children still missed."""
    return [r for r in report.indicators if r.current.met and report.laggards.get(r.indicator.key)]


def _uneven_problem(report: UnitReport, voice: Voice,
                    results: list[IndicatorResult]) -> dict[str, str]:
    child = _child_word(report)
    parts = []
    for result in results:
        ind = result.indicator
        parts.append(f"{ind.label}为{format_value(ind, result.current.value)}，"
                     f"但{_laggard_list(ind, report.laggards[ind.key])}{voice.missed_short}")
    return {
        "lead": f"{child}之间工作进展不够平衡。",
        "text": f"从{voice.span}情况看，{_scope(report)}" + "；".join(parts)
                + f"，个别{child}与整体水平差距明显。",
    }


def _problems(report: UnitReport, voice: Voice, catalogue: Catalogue, narrative: Narrative
              ) -> list[dict[str, str]]:
    items = [_missed_problem(report, voice, r) for r in report.missed]
    if _uneven(report):
        items.append(_uneven_problem(report, voice, _uneven(report)))
    for summary, heading, change in _declines(report, catalogue):
        kind = catalogue.activities[summary.key]
        main = summary.measures[0]
        measure = kind.measure(main.column)
        assert measure is not None
        items.append({
            "lead": f"{heading}工作力度有所减弱。",
            "text": (f"{voice.span}{measure.label}为{_measure_text(measure.unit, main.value, True)}，"
                     f"比{voice.last}下降{format_percent(change)}，需要引起重视。"),
        })
    missing = [r.indicator.label for r in report.indicators
               if r.current.value is None and r.current.target is not None]
    if missing:
        items.append({
            "lead": "基础数据报送还不够完整。",
            "text": f"{'、'.join(missing)}等{len(missing)}项指标缺少基础数据，无法准确评价，"
                    "数据报送的及时性和完整性有待加强。",
        })
    items.extend({"lead": "", "text": text} for text in narrative.problems)
    if not items:
        items.append({"lead": "", "text": f"{_basis(report)}，{voice.span}各项指标均达到"
                                          f"{'目标' if voice.span == '全年' else '序时进度'}要求，"
                                          "未发现突出问题。"})
    return numbered(items)


def _plans(report: UnitReport, voice: Voice, catalogue: Catalogue, narrative: Narrative
           ) -> list[dict[str, str]]:
    if narrative.plans:
        return numbered([{"lead": "", "text": text} for text in narrative.plans])
    items = []
    for result in report.missed:
        ind = result.indicator
        laggards = report.laggards.get(ind.key, ())
        focus = (f"把{'、'.join(lag.unit.name for lag in laggards)}作为重点，" if laggards else "")
        items.append({
            "lead": f"着力提升{ind.label}。",
            "text": (f"针对{ind.label}{voice.missed_short}的问题，{voice.next_span}将{focus}逐月跟踪进度、"
                     f"加强督导，确保达到{_annual_target(result)}的全年目标要求。"),
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
            "text": f"合理安排{voice.next_span}{heading}工作计划，按季度检查落实情况，"
                    "扭转工作量下降的势头。",
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
    return numbered(items)


def _tables(report: UnitReport, voice: Voice, catalogue: Catalogue) -> dict[str, Any]:
    """表2 the peer units side by side (with the unit's own total), 表3 the work by type.

    Numbered after 表1 as present; a community has no units below it, so no 表2.
    """
    when = f"{report.year}年{voice.span_label}"
    labels = {r.indicator.key: r.indicator.label for r in report.indicators}
    unit_rows = [
        {"no": str(n), "name": child.unit.name, "records": str(child.records),
         "met": f"{len(child.met)}/{child.judged}项" if child.judged else "—",
         "missed": "、".join(labels[key] for key in child.missed) or "无"}
        for n, child in enumerate(report.child_results, start=1)
    ]
    judged = [r for r in report.indicators if r.current.met is not None]
    own_missed = [r.indicator.label for r in judged if not r.current.met]
    activity_rows = []
    for n, summary in enumerate(report.activities, start=1):
        kind = catalogue.activities[summary.key]
        workload = []
        for total in summary.measures:
            measure = kind.measure(total.column)
            assert measure is not None
            if total.value:
                workload.append(f"{measure.label}{_measure_text(measure.unit, total.value, True)}")
        change = percent_change(Decimal(summary.records), Decimal(summary.last_records))
        activity_rows.append({
            "no": str(n), "kind": kind.heading or kind.label, "records": str(summary.records),
            "workload": "，".join(workload) or "—", "last_records": str(summary.last_records),
            "change": "—" if change is None else _table_change_pct(change),
        })
    records = sum(a.records for a in report.activities)
    last = sum(a.last_records for a in report.activities)
    total_change = percent_change(Decimal(records), Decimal(last))
    context: dict[str, Any] = {
        "unit_rows": unit_rows,
        "unit_rows_total": {
            "no": "", "name": f"{_scope(report)}合计", "records": str(records),
            "met": f"{len(judged) - len(own_missed)}/{len(judged)}项" if judged else "—",
            "missed": "、".join(own_missed) or "无"},
        "activity_rows": activity_rows,
        "activity_rows_total": {
            "no": "", "kind": "合计", "records": str(records), "workload": "—",
            "last_records": str(last),
            "change": "—" if total_change is None else _table_change_pct(total_change)},
    }
    number = 2
    for name, title in (("unit_rows", f"各{_child_word(report)}{when}工作情况"),
                        ("activity_rows", f"{when}各类工作开展情况")):
        context[f"{name}_caption"] = f"表{number}  {title}" if context[name] else ""
        number += bool(context[name])
    return context


def _table_change_pct(change: Decimal) -> str:
    if change == 0:
        return "持平"
    return f"{'增长' if change > 0 else '下降'}{format_percent(change)}"


def _range_bound(result: IndicatorResult) -> Decimal | None:
    """The one threshold a chart marks: the bound a range was judged against."""
    target, value = result.current.target, result.current.value
    if target is None or value is None:
        return None
    if target.comparator == "range" and target.high is not None and value > target.high:
        return target.high
    return target.value


def _charts(report: UnitReport, voice: Voice) -> dict[str, Any]:
    """图1 indicators against their targets, 图2 activities per month; numbered as present."""
    when = f"{report.year}年{voice.span_label}"
    figures: list[tuple[str, Image]] = []
    bars = [
        IndicatorBar(label=r.indicator.label, actual=r.current.value, target=_range_bound(r),
                     met=r.current.met, unit=value_suffix(r.indicator))
        for r in report.indicators
        if r.current.value is not None and r.current.target is not None
    ]
    if bars:
        title = f"{when}主要指标完成情况"
        figures.append((title, Image(indicator_chart(bars, title=""), CHART_WIDTH_MM)))
    this_year, last_year = report.monthly
    if any(this_year) or any(last_year):
        title = f"{when}各月开展活动次数"
        series = [TrendSeries(f"{report.year}年", this_year),
                  TrendSeries(f"{report.year - 1}年", last_year)]
        chart = monthly_trend_chart(MONTHS[:len(this_year)], series, title="")
        figures.append((title, Image(chart, CHART_WIDTH_MM)))
    keys = ("indicator_chart", "trend_chart")
    context: dict[str, Any] = {f"{k}{suffix}": "" for k in keys for suffix in ("", "_caption")}
    names = iter(keys) if bars else iter(keys[1:])
    for number, (title, image) in enumerate(figures, start=1):
        name = next(names)
        context[name] = image
        context[f"{name}_caption"] = f"图{number}  {title}"
    return context


def _opening(report: UnitReport, voice: Voice) -> str:
    scope = _scope(report)
    records = sum(a.records for a in report.activities)
    when = f"{report.year}年{voice.span_label}"
    since = f"{report.year}年以来" if voice.span == "全年" else "今年以来"
    lead = pick(
        (f"{when}，{report.unit.name}在上级党委、政府的正确领导下，",
         f"{when}，在上级部门的关心指导下，{report.unit.name}",
         f"{since}，{report.unit.name}"),
        report.unit.code, "opening",
    )
    goal = "年初签订的目标管理责任书" if _signed(report) else "年度工作目标"
    body = f"紧紧围绕{goal}，扎实推进宣传教育、检查服务、关怀帮扶等各项工作"
    if records:
        body += f"，{scope}{voice.span}共组织开展各类活动{format_count(records)}次"
    return f"{lead}{body}。现将{voice.span}工作情况总结如下："


def build_context(report: UnitReport, catalogue: Catalogue, *, issued_on: date,
                  narrative: Narrative | None = None, signature_unit: str | None = None,
                  topic: str = DEFAULT_TOPIC) -> dict[str, Any]:
    """The template context of a year or half-year summary (every value a finished string)."""
    narrative = narrative or Narrative()
    voice = Voice.of(report)
    when = f"{report.year}年{voice.span_label}"
    return {
        "title": f"{report.unit.name}{when}{topic}总结",
        "opening": _opening(report, voice),
        "indicator_heading": f"{heading_number(1, 1)}{voice.span_label}主要指标完成情况",
        "indicator_intro": _indicator_intro(report, voice),
        "indicator_table_caption": f"表1  {when}主要指标完成情况",
        "indicator_rows": indicator_rows(report),
        "indicator_notes": _indicator_notes(report, voice),
        "work_heading": f"{heading_number(1, 2)}{'主要工作及成效' if voice.span_label else '工作开展情况'}",
        "work_sections": _work_sections(report, voice, catalogue, narrative),
        "problems_heading": f"{heading_number(1, 3)}存在问题及原因",
        "problems": _problems(report, voice, catalogue, narrative),
        "plans_heading": f"{heading_number(1, 4)}{voice.next_heading}",
        "plans_intro": (f"{voice.next_span}，{report.unit.name}将继续{_basis(report)}，"
                        "突出重点、补齐短板，重点抓好以下几方面工作："),
        "plans": _plans(report, voice, catalogue, narrative),
        "signature_unit": signature_unit or report.unit.name,
        "signature_date": cn_date(issued_on),
        **_charts(report, voice),
        **_tables(report, voice, catalogue),
    }
