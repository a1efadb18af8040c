"""检查情况反馈意见 and 检查情况通报: what a supervisor's inspection of units puts on paper.

One inspection (a checklist applied to a set of units for a period) makes two kinds of
document:

- ``inspection_report`` (检查情况反馈意见), one per inspected unit and filed under it
  (:mod:`~wenshu.generators.inspection_report`);
- ``inspection_bulletin`` (检查情况通报), one per inspection and filed under the issuing
  unit (:mod:`~wenshu.generators.inspection_bulletin`).

A follow-up inspection (the same checklist for a later period) also says, for every
problem the previous inspection found, whether it was put right, in both documents.
The inputs travel as plain data in ``DocumentOptions.spec``
(:mod:`~wenshu.generators.inspection_inputs`); every word comes from the ``inspection``
phrasebook (:mod:`~wenshu.generators.inspection_voice`). This module holds the kinds:
their builders, templates and built-in samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from docx.document import Document

from wenshu.compute.summary import Rollup
from wenshu.generators import template_build, template_tables
from wenshu.generators.inspection_bulletin import bulletin_context
from wenshu.generators.inspection_inputs import (
    Place,
    UnitRecord,
    bulletin_spec,
    inspect_unit,
    inspect_units,
    period_months,
    report_spec,
)
from wenshu.generators.inspection_report import report_context
from wenshu.generators.inspection_voice import Voice, phrasebook
from wenshu.generators.kinds import ContextRequest, DocumentKind
from wenshu.generators.layout import load_layout
from wenshu.generators.phrasing import issuing_organ, level_noun
from wenshu.generators.template_tables import TableColumn
from wenshu.models.checklist import (
    Answer,
    Checklist,
    ChecklistError,
    load_checklist,
    parse_answers,
    parse_checklist,
    resolve_checklist,
)
from wenshu.models.inspection_words import ATTACHED_CHECKLIST, inspection_problem
from wenshu.periods import Period

REPORT_COLUMNS = (
    TableColumn("序号", "no", Decimal(9)),
    TableColumn("检查项目及评分标准", "label", None),
    TableColumn("检查情况", "actual", Decimal(30)),
    TableColumn("分值", "points", Decimal(13)),
    TableColumn("得分", "earned", Decimal(13)),
)
REPORT_FOLLOWUP_COLUMNS = (
    TableColumn("序号", "no", Decimal(9)),
    TableColumn("上次检查指出的问题", "problem", None),
    TableColumn("此次复查情况", "now", Decimal(50)),
    TableColumn("整改情况", "status", Decimal(20)),
)
BULLETIN_FOLLOWUP_COLUMNS = (
    TableColumn("序号", "no", Decimal(9)),
    TableColumn("单位", "name", Decimal(28)),
    TableColumn("上次问题", "found", Decimal(15), "问题数（个）"),
    TableColumn("已整改", "fixed", Decimal(15), "问题数（个）"),
    TableColumn("未整改", "open", Decimal(15), "问题数（个）"),
    TableColumn("未整改的问题", "pending", None),
)
# The scores table: rank and unit, one column per checklist section, total and grade.
RANKING_LEAD = (TableColumn("名次", "rank", None), TableColumn("单位", "name", None))
RANKING_TAIL = (TableColumn("总分", "total", None), TableColumn("等次", "grade", None))


# The kinds' builders ------------------------------------------------------------------------


def _spec_checklist(spec: Mapping[str, Any]) -> Checklist:
    if "checklist" not in spec or "inspected_on" not in spec:
        raise ChecklistError(inspection_problem("inspection_needs_flow"))
    return parse_checklist(spec["checklist"], ATTACHED_CHECKLIST["inspection"])


def _previous(spec: Mapping[str, Any]) -> tuple[Period, Mapping[str, Any]] | None:
    previous = spec.get("previous")
    if not previous:
        return None
    return Period.parse(previous["period"]), previous


def _voice(request: ContextRequest, checklist: Checklist, noun: str, vary: str) -> Voice:
    """The document's phrasebook (its line's and its office's wording) and checklist."""
    return Voice(phrasebook(request.user_dir, request.line.key), checklist, request.catalogue,
                 request.line.topic, noun, vary)


def build_report(request: ContextRequest) -> dict[str, Any]:
    """One unit's 检查情况反馈意见 (the ``inspection_report`` kind's builder)."""
    spec = request.options.spec
    checklist = _spec_checklist(spec)
    inspected_on = date.fromisoformat(spec["inspected_on"])
    previous, previous_period = None, None
    earlier = _previous(spec)
    if earlier is not None:
        previous_period, data = earlier
        previous = (previous_period, UnitRecord.from_plain(data["unit"]),
                    Rollup(request.snapshot, period_months(previous_period)))
    name = request.snapshot.unit_map[request.unit_code].name
    unit = inspect_unit(checklist, UnitRecord.from_plain(spec["unit"]), request.catalogue,
                        request.rollup, request.unit_code, name, request.period, inspected_on,
                        previous)
    place = Place.from_plain(spec["place"])
    options = request.options
    return report_context(_voice(request, checklist, place.noun, request.unit_code), unit, place,
                          period=request.period, inspected_on=inspected_on,
                          issuer=spec["issuer"], issued_on=options.issued_on,
                          previous_period=previous_period, narrative=options.narrative,
                          signature_unit=options.signature_unit)


def build_bulletin(request: ContextRequest) -> dict[str, Any]:
    """An inspection's 检查情况通报 (the ``inspection_bulletin`` kind's builder)."""
    spec = request.options.spec
    checklist = _spec_checklist(spec)
    inspected_on = date.fromisoformat(spec["inspected_on"])
    records = {code: UnitRecord.from_plain(data) for code, data in spec["units"].items()}
    if not records:
        raise ChecklistError(inspection_problem("no_units"))
    previous = None
    earlier = _previous(spec)
    if earlier is not None:
        previous = (earlier[0], {code: UnitRecord.from_plain(data)
                                 for code, data in earlier[1]["units"].items()})
    snapshot = request.snapshot
    units = inspect_units(checklist, records, request.catalogue, snapshot, request.period,
                          inspected_on, previous, request.rollup)
    issuer = snapshot.unit_map[request.unit_code]
    noun = level_noun((snapshot.unit_map[code].level for code in records), "")
    options = request.options
    return bulletin_context(
        _voice(request, checklist, noun, request.unit_code), units, period=request.period,
        inspected_on=inspected_on, issuer=issuer.name, issued_on=options.issued_on,
        previous_period=None if previous is None else previous[0],
        narrative=options.narrative,
        signature_unit=options.signature_unit or issuing_organ(issuer, request.line))


# Templates ------------------------------------------------------------------------------


def _paragraphs(document: Document, name: str) -> None:
    document.add_paragraph(f"{{%p for paragraph in {name} %}}")
    document.add_paragraph("{{ paragraph }}")
    document.add_paragraph("{%p endfor %}")


def build_report_template(path: Path) -> None:
    """Write the 检查情况反馈意见 template to ``path``.

    The title lines, 发文字号, 主送机关, 附件说明 and 版记 come from the shared blocks.
    """
    profile = load_layout("gbt9704")
    document = template_build.new_document(profile, "检查情况反馈意见")
    add = document.add_paragraph

    template_build.title_block(document)
    add("{{ opening }}")

    add("{{ score_heading }}", style="Heading 1")
    _paragraphs(document, "score_paragraphs")
    add("{{ score_caption }}", style="Caption")
    template_tables.loop_table(document, profile, REPORT_COLUMNS, "score_rows")

    add("{%p if followup_heading %}")
    add("{{ followup_heading }}", style="Heading 1")
    _paragraphs(document, "followup_paragraphs")
    add("{%p if followup_rows %}")
    add("{{ followup_caption }}", style="Caption")
    template_tables.loop_table(document, profile, REPORT_FOLLOWUP_COLUMNS, "followup_rows")
    add("{%p endif %}")
    add("{%p endif %}")

    add("{{ problems_heading }}", style="Heading 1")
    template_build.lead_paragraphs(document, "problems")

    add("{%p if measures %}")
    add("{{ measures_heading }}", style="Heading 1")
    add("{{ measures_intro }}")
    template_build.lead_paragraphs(document, "measures")
    add("{%p endif %}")

    add("{{ requirements_heading }}", style="Heading 1")
    _paragraphs(document, "requirements")

    template_build.signature(document)
    template_build.save(document, path)


def build_bulletin_template(path: Path) -> None:
    """Write the 检查情况通报 template to ``path``.

    The scores table has one column per checklist section (a column loop), so one
    template serves checklists of any number of sections.
    """
    profile = load_layout("gbt9704")
    document = template_build.new_document(profile, "检查情况通报")
    add = document.add_paragraph

    template_build.title_block(document)
    add("{{ opening }}")

    add("{{ basic_heading }}", style="Heading 1")
    _paragraphs(document, "basic_paragraphs")

    add("{{ result_heading }}", style="Heading 1")
    _paragraphs(document, "result_paragraphs")
    add("{{ ranking_caption }}", style="Caption")
    template_tables.column_loop_table(document, profile, RANKING_LEAD, "ranking_heads",
                                      "sections", RANKING_TAIL, "ranking_rows")

    add("{%p if followup_heading %}")
    add("{{ followup_heading }}", style="Heading 1")
    _paragraphs(document, "followup_paragraphs")
    add("{%p if followup_rows %}")
    add("{{ followup_caption }}", style="Caption")
    template_tables.loop_table(document, profile, BULLETIN_FOLLOWUP_COLUMNS, "followup_rows")
    add("{%p endif %}")
    add("{%p endif %}")

    add("{{ problems_heading }}", style="Heading 1")
    add("{{ common_heading }}", style="Heading 2")
    add("{{ common_intro }}")
    template_build.lead_paragraphs(document, "common_problems")
    add("{{ units_heading }}", style="Heading 2")
    add("{%p if units_intro %}")
    add("{{ units_intro }}")
    add("{%p endif %}")
    template_build.lead_paragraphs(document, "unit_problems")

    add("{{ requirements_heading }}", style="Heading 1")
    template_build.lead_paragraphs(document, "requirements")

    template_build.signature(document)
    template_build.save(document, path)


# The built-in samples (wenshu.demo.sample: 示范区 D > 东城街道 S1 > 东湖 C1, 东山 C2, 东岭 C3) -------

SAMPLE_INSPECTED_ON = date(2026, 1, 12)
SAMPLE_EARLIER = Period.parse("2025H1")


def _sample_answers(checklist: Checklist, values: Mapping[str, Any]) -> dict[str, Answer]:
    """Every observed item answered: the defaults below, overridden by ``values``."""
    defaults = {"yes_no": "是", "count": 10, "number": 100, "text": "无"}
    raw: dict[str, Any] = {}
    for item in checklist.observed:
        if item.answer == "score":
            raw[item.key] = item.points
        elif item.answer == "number" and item.threshold is not None:
            raw[item.key] = item.threshold.value  # exactly at the standard
        else:
            raw[item.key] = defaults[item.answer]
    raw.update(values)
    return parse_answers({"answers": raw}, checklist, "the built-in sample")


def sample_report_options() -> dict[str, Any]:
    """东城街道's 妇幼卫生 inspection by 示范区, a follow-up of the first half's."""
    checklist = load_checklist(resolve_checklist("maternal_child_health"))
    now = UnitRecord(_sample_answers(checklist, {
        "special_funds": {"value": 4, "note": "专项资金已到位，但使用台账不完整"},
        "physician_licensed": 97, "child_care": 93.2, "gynecological_screening": 68,
        "birth_defects": 7.6, "care_funding": "3.5元"}),
        {("work_plan", "2025"): "filed", ("campaign_plan", "2025"): "filed"})
    before = UnitRecord(_sample_answers(checklist, {
        "special_funds": 3, "physician_licensed": 95, "child_care": 90,
        "gynecological_screening": 66, "birth_defects": 8.2, "care_funding": 2.8}),
        {("work_plan", "2025"): "draft"})
    spec = report_spec(checklist, SAMPLE_INSPECTED_ON, "示范区卫生健康局", now,
                       Place(1, 1, ()), (SAMPLE_EARLIER, before))
    return {"spec": spec, "topic": checklist.key}


def sample_bulletin_options() -> dict[str, Any]:
    """东城街道's model-community inspection of its three communities, a follow-up."""
    checklist = load_checklist(resolve_checklist("model_community"))
    filed = {("work_plan", "2025"): "filed", ("half_year_summary", "2025H1"): "filed",
             ("campaign_plan", "2025"): "draft"}
    now = {
        "C1": UnitRecord(_sample_answers(checklist, {
            "boards": {"value": 4, "note": "另有1块正在制作"}, "practices": "建成婚育新风宣传长廊"}),
            filed),
        "C2": UnitRecord(_sample_answers(checklist, {
            "boards": 3, "edu_discs": 8, "work_log": 1.5, "civilized_families": 62,
            "honest_statistics": {"value": "否", "note": "漏报出生2人"}}),
            {("work_plan", "2025"): "filed"}),
        "C3": UnitRecord(_sample_answers(checklist, {"boards": 4, "work_log": 2}), filed),
    }
    before = {
        "C1": UnitRecord(_sample_answers(checklist, {"boards": 2, "library": "否"}),
                         {("work_plan", "2025"): "draft"}),
        "C2": UnitRecord(_sample_answers(checklist, {"boards": 3, "edu_discs": 8}), {}),
    }
    spec = bulletin_spec(checklist, SAMPLE_INSPECTED_ON, now, (SAMPLE_EARLIER, before))
    return {"spec": spec, "topic": checklist.key}


INSPECTION_REPORT = DocumentKind("inspection_report", "检查情况反馈意见", "inspection_report",
                                 build_report, build_report_template,
                                 sample_options=sample_report_options)
INSPECTION_BULLETIN = DocumentKind("inspection_bulletin", "检查情况通报", "inspection_bulletin",
                                   build_bulletin, build_bulletin_template,
                                   sample_options=sample_bulletin_options)
