"""The 自查报告: scoring against the checklist, the report's words and template (its files:
test_self_inspection_files.py)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import docx
import pytest
import yaml
from docx.document import Document

from tests.sample_context import assert_no_placeholders, strings_in
from tests.self_inspection_data import SMALL_CHECKLIST, small_checklist
from wenshu.compute.checklist import score_checklist
from wenshu.compute.snapshot import Snapshot
from wenshu.compute.summary import Rollup
from wenshu.generators.kinds import ContextRequest, DocumentOptions
from wenshu.generators.layout import load_layout
from wenshu.generators.layout_context import Letterhead, layout_context
from wenshu.generators.render import render_docx
from wenshu.generators.self_inspection import SELF_INSPECTION, build_template, inspection_spec
from wenshu.generators.template_check import check_template
from wenshu.generators.template_variables import context_paths
from wenshu.models.catalogue import Catalogue
from wenshu.models.checklist import (
    Answer,
    Checklist,
    ChecklistError,
    parse_answers,
    parse_checklist,
)
from wenshu.narrative import Narrative
from wenshu.periods import Period
from wenshu.templates import template_path

ISSUED = date(2026, 1, 20)

def _answers(**values: Any) -> dict[str, Answer]:
    raw = {"boards": 4, "consult_room": True, "honest": "是",
           "practices": "建成婚育新风宣传长廊。"} | values
    return parse_answers({"answers": raw}, small_checklist(), "answers.yaml")


def _request(snapshot: Snapshot, catalogue: Catalogue, unit: str, checklist: Checklist,
             answers: dict[str, Answer], narrative: Narrative | None = None) -> ContextRequest:
    options = DocumentOptions(issued_on=ISSUED, narrative=narrative or Narrative(),
                              spec=inspection_spec(checklist, answers), topic=checklist.key)
    return ContextRequest(snapshot, Rollup(snapshot), catalogue, unit, Period.year(2025), options)


def _render(context: dict[str, Any], unit_name: str = "东城街道") -> bytes:
    """The shipped template filled with a kind's context and the shared letterhead blocks."""
    full = context | layout_context(context["title"], unit_name, Letterhead(), ISSUED,
                                     organ=context["signature_unit"])
    return render_docx(template_path("self_inspection"), full)


# Scoring -----------------------------------------------------------------------------


def test_items_are_judged_against_target_threshold_and_bands(small_snapshot, catalogue):
    score = score_checklist(small_checklist(), _answers(), catalogue, Rollup(small_snapshot),
                            "S1", 2025)
    by_key = {s.item.key: s for s in score.judged}
    # 4714 / 5080 = 92.80% against the street's signed ≥95%: 2.20 short, the 5-point band.
    check = by_key["check_rate"]
    assert (check.value, check.threshold.value, check.own_threshold) == (Decimal("92.80"), 95, False)
    assert (check.level, check.earned) == ("partial", 3)
    # Trainings: the street's 3 and 东湖社区's 5 sessions, 2 short of ≥10: the band.
    assert (by_key["training"].value, by_key["training"].level, by_key["training"].earned) == (
        8, "partial", 2)
    assert (by_key["publicity"].value, by_key["publicity"].level) == (0, "missed")
    assert (by_key["boards"].level, by_key["boards"].earned) == ("partial", Decimal("1.5"))
    assert [s.earned for s in score.sections] == [5, Decimal("10.5")]
    assert score.earned == Decimal("15.5") and score.grade is None


def test_item_threshold_overrides_the_unit_target(small_snapshot, catalogue):
    data = yaml.safe_load(SMALL_CHECKLIST)
    data["sections"][0]["items"][0]["threshold"] = "≥92"
    checklist = parse_checklist(data, "small.yaml")
    score = score_checklist(checklist, _answers(), catalogue, Rollup(small_snapshot), "S1", 2025)
    check = score.judged[0]
    assert (check.level, check.earned, check.own_threshold) == ("met", 10, True)


def test_grade_and_veto(small_snapshot, catalogue):
    rollup = Rollup(small_snapshot)
    full = _answers(boards=6)
    # 东湖社区: 95.00% ≥90% (10), 5 trainings (0), no publicity (0), boards, room, honest (13).
    score = score_checklist(small_checklist(), full, catalogue, rollup, "C1", 2025)
    assert (score.earned, score.grade.label) == (23, "先进社区")
    vetoed = score_checklist(small_checklist(), _answers(boards=6, consult_room="否"), catalogue,
                             rollup, "C1", 2025)
    assert vetoed.grade is None and [s.item.key for s in vetoed.vetoed] == ["consult_room"]


def test_an_indicator_without_any_target_is_a_clear_error(small_snapshot, catalogue):
    checklist = small_checklist(sections=[{"key": "a", "title": "甲", "items": [
        {"key": "trainings", "kind": "indicator", "indicator": "training_sessions",
         "label": "举办培训期数", "points": 5}]}], grades=[])
    with pytest.raises(ChecklistError) as caught:
        score_checklist(checklist, {}, catalogue, Rollup(small_snapshot), "S1", 2025)
    assert str(caught.value) == ("检查标准 small 第1部分（a）第1项（trainings，举办培训期数）："
                                 "单位 S1 没有 2025 年举办培训期数（training_sessions）的目标，"
                                 "本项也未设 threshold")


# The report's words ------------------------------------------------------------------


@pytest.fixture
def context(small_snapshot, catalogue) -> dict[str, Any]:
    """The street's self-inspection against the small checklist."""
    return SELF_INSPECTION.build(_request(small_snapshot, catalogue, "S1", small_checklist(),
                                          _answers()))


def test_title_headings_and_signature(context):
    assert context["title"] == "东城街道2025年计生工作自查报告"
    assert [context[k] for k in ("basic_heading", "inspection_heading", "problems_heading",
                                 "measures_heading")] == [
        "一、基本情况", "二、自查情况", "三、存在问题", "四、整改措施"]
    # The street signed a target for 2025: its 目标管理责任书 is cited with the basis.
    assert "按照年初签订的目标管理责任书和区卫生健康局年度考核工作部署的要求，东城街道" in context["opening"]
    assert context["opening"].endswith("报告如下：")
    assert (context["signature_unit"], context["signature_date"]) == ("东城街道办事处", "2026年1月20日")
    assert not [s for s in strings_in(context) if "None" in s or "{{" in s or "nan" in s]


def test_basic_situation_states_the_unit_and_its_ledgers(context):
    first, ledgers = context["basic_paragraphs"]
    assert first == "东城街道下辖3个社区。"
    # Activity types with the most ledger records first: 12 screenings, 8 trainings.
    assert ledgers == "2025年，全街道共登记人口和计划生育工作台账20条，完成检查4714人，举办培训班8期。"


def test_inspection_states_each_figure_against_its_standard(context):
    # The checklist's grades are a community's (模范社区, 先进社区): a street's report names none.
    assert context["inspection_intro"] == (
        "东城街道按照《测试评分标准》的6项评分内容逐项打分，自评得分15.5分（满分30分）。"
        "其中2项达到要求，3项基本达到要求，1项未达到要求。各项自查结果及得分见表1。")
    targets, facilities = context["inspection_sections"]
    assert targets["heading"] == "（一）目标任务"
    assert targets["paragraphs"][0] == "“目标任务”共3项，满分17分，自评5分，其中2项基本达到要求，1项未达到要求。"
    assert targets["paragraphs"][1] == (
        "孕环情检查受检率92.80%，比目标值（≥95%）低2.20个百分点；"
        "2025年举办培训班8期，比每年不少于10期的要求少2期；"
        "2025年台账中未登记集中宣传活动，比每年不少于2场的要求少2场。")
    assert facilities["paragraphs"][2] == (
        "经逐项核对，“设有悄悄话室或咨询台”“统计信息真实准确”等2项要求均已落实。")
    assert facilities["paragraphs"][3] == "特色做法：建成婚育新风宣传长廊。"


def test_score_table_has_results_points_and_subtotals(context):
    rows = {r["label"]: r for r in context["score_rows"]}
    assert [rows["孕环情检查受检率≥95%"][k] for k in ("no", "actual", "result", "points", "earned")] == [
        "1", "92.80%", "基本符合", "10", "3"]
    assert [rows["人口学校培训≥10期"][k] for k in ("actual", "result", "earned")] == [
        "8期", "基本完成", "2"]
    assert [rows["宣传板≥5块"][k] for k in ("actual", "earned")] == ["4块", "1.5"]
    assert rows["设有悄悄话室或咨询台"]["actual"] == "已落实"
    assert [(r["label"], r["earned"]) for r in context["score_rows"] if not r["no"]] == [
        ("目标任务小计", "5"), ("硬件设施小计", "10.5"), ("合计", "15.5")]
    assert "特色做法" not in rows  # text answers are described, not scored


def test_every_item_not_met_is_a_problem_with_a_dated_measure(context):
    problems = context["problems"]
    # Leads that recur vary by item (the same item always reads the same).
    assert [p["lead"] for p in problems] == [
        "1.孕环情检查受检率基本达到要求，但仍有差距。", "2.人口学校培训与标准尚有差距。",
        "3.集中宣传活动未按要求开展。", "4.宣传板与标准尚有差距。"]
    assert problems[0]["text"] == (
        "孕环情检查受检率92.80%，比目标值（≥95%）低2.20个百分点，本项10分，自评得3分。")
    assert problems[2]["text"].endswith("少2场，本项3分，自评不得分。")
    measures = context["measures"]
    assert [m["lead"] for m in measures] == [
        "1.提升孕环情检查受检率。", "2.按计划开展人口学校培训。", "3.按计划开展集中宣传活动。",
        "4.补充宣传板。"]
    # 60 days for ledger work and indicators, the item's own 45 days for the boards.
    assert measures[0]["text"].endswith("确保孕环情检查受检率不低于95%，于2026年3月21日前整改到位（60日内）。")
    assert measures[3]["text"] == "补充配置宣传板，确保不少于5块，于2026年3月6日前整改到位（45日内）。"


def test_missing_base_figures_and_unanswered_facilities_read_as_problems(small_snapshot, catalogue):
    checklist = small_checklist(sections=[{"key": "a", "title": "甲", "items": [
        {"key": "ratio", "kind": "indicator", "indicator": "sex_ratio", "label": "出生人口性别比",
         "points": 5},
        {"key": "consult_room", "kind": "observed", "answer": "yes_no",
         "label": "设有悄悄话室或咨询台", "points": 3, "veto": True}]}], grades=[])
    answers = {"consult_room": Answer(False, "活动室正在改造")}
    context = SELF_INSPECTION.build(_request(small_snapshot, catalogue, "S1", checklist, answers))
    ratio, room = context["problems"]
    assert ratio == {"lead": "1.出生人口性别比缺少基础数据。",
                     "text": "因出生男婴数、出生女婴数未报送，出生人口性别比无法计算，本项5分，自评不得分。"}
    # A veto item with no grades to lower changed nothing: it is not called a veto.
    assert room == {"lead": "2.“设有悄悄话室或咨询台”的要求尚未落实。",
                    "text": "对照评分标准，“设有悄悄话室或咨询台”满分3分，自评不得分。活动室正在改造。"}
    assert context["measures"][1]["text"].endswith("于2026年2月19日前整改到位（30日内）。")
    assert context["score_rows"][-1]["result"] == ""


def test_staff_narrative_is_merged(small_snapshot, catalogue):
    narrative = Narrative(highlights=("建成示范点3个。",), problems=("人员流动大",),
                          plans=("完善考核办法。",))
    context = SELF_INSPECTION.build(_request(small_snapshot, catalogue, "S1", small_checklist(),
                                             _answers(), narrative))
    assert context["basic_paragraphs"][-1] == "建成示范点3个。"
    assert context["problems"][-1] == {"lead": "", "text": "5.人员流动大。"}
    assert context["measures"][-1] == {"lead": "", "text": "5.完善考核办法。"}


def test_nothing_to_rectify_leaves_the_measures_out(small_snapshot, catalogue):
    checklist = small_checklist(sections=[{"key": "a", "title": "甲", "items": [
        {"key": "honest", "kind": "observed", "answer": "yes_no", "label": "统计信息真实准确",
         "points": 30}]}])
    context = SELF_INSPECTION.build(_request(small_snapshot, catalogue, "C1", checklist,
                                             {"honest": Answer(True)}))
    assert context["problems"] == [{"lead": "", "text": "1.对照《测试评分标准》逐项自查，各项内容均达到要求，未发现问题。"}]
    assert context["measures"] == []
    assert "模范社区" in context["inspection_intro"]  # a community's own grade
    rendered = docx.Document(io.BytesIO(_render(context, "东湖社区")))
    texts = [p.text for p in rendered.paragraphs]
    assert "三、存在问题" in texts and "四、整改措施" not in texts


# The template ------------------------------------------------------------------------


@pytest.fixture
def rendered(context) -> Document:
    """The street's report rendered with the shipped template."""
    data = _render(context)
    assert_no_placeholders(data)
    return docx.Document(io.BytesIO(data))


def test_shipped_template_is_current_and_reads_only_what_the_context_gives(tmp_path, context):
    build_template(tmp_path / "self_inspection.docx")
    assert (tmp_path / "self_inspection.docx").read_bytes() == template_path("self_inspection").read_bytes()
    shared = layout_context(context["title"], "东城街道", Letterhead(attachments=("a",),
                                                                    copy_to=("b",)), ISSUED,
                            organ=context["signature_unit"])
    provided = context_paths(context | shared)
    assert check_template(template_path("self_inspection"), provided) == []


def test_rendered_report_has_its_parts_in_order(rendered, context):
    styled = [(p.style.name, p.text) for p in rendered.paragraphs if p.text]
    assert styled[0] == ("Title", context["title"])
    headings = [text for style, text in styled if style in ("Heading 1", "Heading 2")]
    assert headings == ["一、基本情况", "二、自查情况", "（一）目标任务", "（二）硬件设施",
                        "三、存在问题", "四、整改措施"]
    assert ("Caption", "表1  东城街道2025年计生工作自查评分表") in styled
    assert [(style, text.lstrip("\u3000")) for style, text in styled[-2:]] == [
        ("Signature", "东城街道办事处"), ("Signature", "2026年1月20日")]
    lead = next(p for p in rendered.paragraphs if p.text.startswith("1.提升"))
    assert lead.runs[0].bold and not lead.runs[1].bold


def test_score_table_layout_follows_the_profile(rendered):
    profile = load_layout()
    table = rendered.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "自查内容及标准", "自查情况",
                                                     "自评结果", "自评结果", "自评结果"]
    assert [c.text for c in table.rows[1].cells][3:] == ["结论", "分值", "得分"]
    assert [c.text for c in table.rows[-1].cells] == ["", "合计", "", "", "30", "15.5"]
    widths = [round(c.width.mm) for c in table.columns]
    assert sum(widths) == round(profile.type_area_width_mm)
    assert table.rows[2].cells[1].paragraphs[0].style.name == "Table Text"
    section = rendered.sections[0]
    assert (round(section.left_margin.mm), round(section.top_margin.mm)) == (
        profile.margins_mm.left, profile.margins_mm.top)
