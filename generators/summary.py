"""Work summaries (年度工作总结, 半年工作总结): the render context, built from computed figures.

Every sentence is filled here from the ``summary`` phrasebook
(wenshu/data/phrases/summary.yaml, reworded per office in the catalogue directory),
so the template only places finished text and the code holds no wording. Variants
are picked by a hash of the unit and the sentence's subject: the same inputs always
give the same words, while units side by side do not all read alike. The parts live
in summary_indicators (一), summary_work (二) and summary_problems (三, 四).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from wenshu.compute.summary import IndicatorResult, UnitReport
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
    heading_number,
    value_suffix,
)
from wenshu.generators.phrasebook import Phrasebook, load_phrasebook
from wenshu.generators.phrasing import DEFAULT_TOPIC
from wenshu.generators.render import Image
from wenshu.generators.summary_indicators import (
    basis,
    indicator_intro,
    indicator_notes,
    indicator_rows,
    signed,
)
from wenshu.generators.summary_problems import problems_and_plans
from wenshu.generators.summary_voice import Writer
from wenshu.generators.summary_work import everyone_took_part, tables, work_sections
from wenshu.models.catalogue import Catalogue
from wenshu.narrative import Narrative

PHRASEBOOK = "summary"


def phrasebook(user_dir: Path | None = None, line: str = "") -> Phrasebook:
    """The summaries' wording: shipped, with the line's and an office's rewording."""
    return load_phrasebook(PHRASEBOOK, user_dir, line)


def _range_bound(result: IndicatorResult) -> Decimal | None:
    """The one threshold a chart marks: the bound a range was judged against."""
    target, value = result.current.target, result.current.value
    if target is None or value is None:
        return None
    if target.comparator == "range" and target.high is not None and value > target.high:
        return target.high
    return target.value


def _charts(w: Writer) -> dict[str, Any]:
    """图1 indicators against their targets, 图2 activities per month; numbered as present.

    Charts are drawn when the document is rendered, not here (see :class:`Image`).
    """
    report = w.report
    figures: list[tuple[str, Image]] = []
    bars = [
        IndicatorBar(label=r.indicator.label, actual=r.current.value, target=_range_bound(r),
                     met=r.current.met, unit=value_suffix(r.indicator))
        for r in report.indicators
        if r.current.value is not None and r.current.target is not None
    ]
    if bars:
        title = w.say("chart.indicators")
        figures.append((title, Image(partial(indicator_chart, bars, title=""),
                                     CHART_WIDTH_MM)))
    this_year, last_year = report.monthly
    if any(this_year) or any(last_year):
        title = w.say("chart.trend")
        series = [TrendSeries(w.say("chart.series", year=report.year), this_year),
                  TrendSeries(w.say("chart.series", year=report.year - 1), last_year)]
        chart = partial(monthly_trend_chart, MONTHS[:len(this_year)], series, title="")
        figures.append((title, Image(chart, CHART_WIDTH_MM)))
    keys = ("indicator_chart", "trend_chart")
    context: dict[str, Any] = {f"{k}{suffix}": "" for k in keys for suffix in ("", "_caption")}
    names = iter(keys) if bars else iter(keys[1:])
    for number, (title, image) in enumerate(figures, start=1):
        name = next(names)
        context[name] = image
        context[f"{name}_caption"] = w.say("caption.figure", number=number, title=title)
    return context


def _opening(w: Writer) -> str:
    """Who, when, under what goal, which work, how much: the document's lead."""
    report = w.report
    busiest = sorted(report.activities, key=lambda a: (-a.records, a.key))[:3]
    text = w.say("opening.lead", "opening")
    text += w.say("opening.goal_signed" if signed(report) else "opening.goal_plain")
    if busiest:
        text += w.say("opening.work", headings="、".join(w.activity(a) for a in busiest))
    records = sum(a.records for a in report.activities)
    if records:
        text += w.say("opening.records", records=format_count(records))
    together = everyone_took_part(w)
    if together:
        text += "，" + together
    return text + w.say("opening.close")


def build_context(report: UnitReport, catalogue: Catalogue, *, issued_on: date,
                  narrative: Narrative | None = None, signature_unit: str | None = None,
                  topic: str = DEFAULT_TOPIC, phrases: Phrasebook | None = None
                  ) -> dict[str, Any]:
    """The template context of a year or half-year summary (every value a finished string)."""
    w = Writer(report, catalogue, phrases or phrasebook(), narrative or Narrative())
    problems, plans = problems_and_plans(w)
    return {
        "title": w.say("title", topic=topic),
        "opening": _opening(w),
        "indicator_heading": f"{heading_number(1, 1)}{w.word('indicator_heading')}",
        "indicator_intro": indicator_intro(w),
        "indicator_table_caption": w.say("caption.table", number=1,
                                         title=w.say("table.indicators")),
        "indicator_rows": indicator_rows(w),
        "indicator_notes": indicator_notes(w),
        "work_heading": f"{heading_number(1, 2)}{w.word('work_heading')}",
        "work_sections": work_sections(w),
        "problems_heading": f"{heading_number(1, 3)}{w.say('problems_heading')}",
        "problems": problems,
        "plans_heading": f"{heading_number(1, 4)}{w.word('plans_heading')}",
        "plans_intro": w.say("plans_intro", basis=basis(w)),
        "plans": plans,
        "signature_unit": signature_unit or report.unit.name,
        "signature_date": cn_date(issued_on),
        **_charts(w),
        **tables(w),
    }
