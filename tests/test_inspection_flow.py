"""A supervisor's inspection: scores, ranking with ties, findings with deadlines, each unit's
检查情况反馈意见 and the 检查情况通报, the follow-up's 已整改/未整改, the templates, access,
loading an inspection from the database (the flow end to end is in
test_inspection_served.py)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import docx
import pytest
import yaml
from docx.oxml.ns import qn

from tests.inspection_data import CHECKLIST, INSPECTED, ISSUED, findings_csv
from tests.sample_context import assert_no_placeholders, strings_in
from wenshu.compute.summary import Rollup
from wenshu.demo.sample import sample_snapshot
from wenshu.errors import ChecklistError, NotFoundError
from wenshu.generators.inspection import (
    INSPECTION_BULLETIN,
    INSPECTION_REPORT,
    build_bulletin_template,
    build_report_template,
)
from wenshu.generators.inspection_inputs import (
    UnitRecord,
    bulletin_spec,
    inspect_units,
    place_of,
    rank_units,
    report_spec,
)
from wenshu.generators.kinds import ContextRequest, DocumentOptions
from wenshu.generators.layout import load_layout
from wenshu.generators.layout_context import Letterhead, layout_context
from wenshu.generators.render import render_docx
from wenshu.generators.self_inspection import SELF_INSPECTION, inspection_spec
from wenshu.ingest.findings import import_findings
from wenshu.models.checklist import (
    Checklist,
    load_checklist,
    parse_answers,
    parse_checklist,
    resolve_checklist,
)
from wenshu.periods import Period
from wenshu.templates import template_path

PLAN_2025 = {("work_plan", "2025"): "filed"}


def _checklist() -> Checklist:
    return parse_checklist(yaml.safe_load(CHECKLIST), "office_check.yaml")


def _record(checklist: Checklist, archive: dict[tuple[str, str], str] | None = None,
            **answers: Any) -> UnitRecord:
    return UnitRecord(parse_answers({"answers": answers}, checklist, "answers"), archive or {})


# The sample street's communities (wenshu.demo.sample), 2025: 东湖社区 C1 screened 95.00%,
# 东山社区 C2 83.33% (6.67 short of the catalogue's ≥90%: no points, the veto), 东岭社区 C3
# 102.66%; in 2024 90.00%, 88.89% and 100%.
NOW = {
    "C1": dict(boards=6, room="是", work_log=18),
    "C2": dict(boards=3, room={"value": "否", "note": "活动室被临时占用"}, work_log=15),
    "C3": dict(boards=6, room="是", work_log=18),
}
BEFORE = {  # 2024, for the follow-up; 东岭社区 was not inspected then
    "C1": dict(boards=4, room="是", work_log=18),
    "C2": dict(boards=3, room="否", work_log=15),
}


@pytest.fixture
def sample() -> dict[str, Any]:
    """The sample street's three communities inspected for 2025, a follow-up of 2024."""
    checklist = _checklist()
    records = {code: _record(checklist, PLAN_2025 if code != "C2" else {}, **answers)
               for code, answers in NOW.items()}
    before = {code: _record(checklist, {}, **answers) for code, answers in BEFORE.items()}
    return {"checklist": checklist, "records": records, "before": before}


def _request(kind_unit: str, spec: dict[str, Any], catalogue: Any) -> ContextRequest:
    snapshot = sample_snapshot()
    options = DocumentOptions(issued_on=ISSUED, spec=spec, topic="office_check")
    return ContextRequest(snapshot, Rollup(snapshot), catalogue, kind_unit, Period.year(2025),
                          options)


def _inspected(sample: dict[str, Any], catalogue: Any, previous: bool = False) -> list[Any]:
    earlier = (Period.year(2024), sample["before"]) if previous else None
    return inspect_units(sample["checklist"], sample["records"], catalogue, sample_snapshot(),
                         Period.year(2025), INSPECTED, earlier)


def _report(sample: dict[str, Any], catalogue: Any, code: str, previous: bool = False
            ) -> dict[str, Any]:
    units = _inspected(sample, catalogue)
    names = {u.code: u.name for u in units}
    place = place_of(code, rank_units(units), names, "社区")
    earlier = (Period.year(2024), sample["before"][code]) if previous else None
    spec = report_spec(sample["checklist"], INSPECTED, "东城街道", sample["records"][code], place,
                       earlier)
    return INSPECTION_REPORT.build(_request(code, spec, catalogue))


def _bulletin(sample: dict[str, Any], catalogue: Any, previous: bool = False) -> dict[str, Any]:
    earlier = (Period.year(2024), sample["before"]) if previous else None
    spec = bulletin_spec(sample["checklist"], INSPECTED, sample["records"], earlier)
    return INSPECTION_BULLETIN.build(_request("S1", spec, catalogue))


# Scores, ranking and findings ---------------------------------------------------------------


def test_units_are_ranked_with_ties_and_every_lost_point_is_a_dated_finding(sample, catalogue):
    units = {u.code: u for u in _inspected(sample, catalogue)}
    # 东湖 and 东岭: 30 + 20 + 10 + 18 + 20; 东山: 0 + 10 + 0 + 15 + 0.
    assert {code: u.total for code, u in units.items()} == {"C1": 98, "C3": 98, "C2": 25}
    ranked = rank_units(list(units.values()))
    assert [(r.unit_code, r.rank, r.tied) for r in ranked] == [
        ("C1", 1, True), ("C3", 1, True), ("C2", 3, False)]
    east_hill = units["C2"]
    assert (east_hill.score.grade, east_hill.score.grade_by_total) == (None, None)
    found = {f.item.key: (f.lost, f.deadline) for f in east_hill.findings}
    assert found == {
        "check_rate": (30, date(2026, 3, 21)),  # an indicator: 60 days
        "boards": (10, date(2026, 2, 19)), "room": (10, date(2026, 2, 19)),
        "work_log": (5, date(2026, 2, 19)),  # observed: 30 days
        "plan_filed": (20, date(2026, 2, 4)),  # the item's own 15 days
    }
    assert sum(f.lost for f in east_hill.findings) == 100 - east_hill.total


def test_a_units_report_states_score_place_problems_and_deadlines(sample, catalogue):
    context = _report(sample, catalogue, "C2")
    assert context["title"] == "关于东山社区2025年计划生育基层工作检查情况的反馈意见"
    # 25 points earn no grade: the failed veto changed nothing and is not mentioned.
    [intro] = context["score_paragraphs"]
    assert ("你单位得分25分，未达到合格标准，在参加检查的3个社区中排第3名。共有5项扣分，合计扣75分，"
            "其中目标任务扣30分、阵地建设扣20分、资料管理扣25分。") in intro
    assert "一票否决" not in "".join(strings_in(context))
    rows = context["score_rows"]
    assert [(r["label"], r["actual"], r["points"], r["earned"]) for r in rows] == [
        ("孕环情检查受检率≥90%", "83.33%", "30", "0"), ("目标任务小计", "", "30", "0"),
        ("宣传板≥5块", "3块", "20", "10"), ("设有咨询室", "未落实", "10", "0"),
        ("阵地建设小计", "", "30", "10"), ("工作记录完整", "现场评定", "20", "15"),
        ("年度工作计划已归档", "缺1份", "20", "0"), ("资料管理小计", "", "40", "15"),
        ("合计", "未达等次", "100", "25")]
    # One problem per section, each finding worded by what its data say.
    problems = {p["lead"]: p["text"] for p in context["problems"]}
    assert list(problems) == ["1.目标任务方面（扣30分）：", "2.阵地建设方面（扣20分）：",
                              "3.资料管理方面（扣25分）："]
    assert "孕环情检查受检率83.33%，与参考目标（≥90%）相差6.67个百分点，差距较大" in (
        problems["1.目标任务方面（扣30分）："])
    assert ("宣传板3块，比标准（≥5块）少2块；未落实“设有咨询室”的要求（检查记录：活动室被临时占用）"
            in problems["2.阵地建设方面（扣20分）："])
    assert "未见2025年度工作计划" in problems["3.资料管理方面（扣25分）："]
    measures = {m["lead"]: m["text"] for m in context["measures"]}
    assert measures["3.关于资料管理方面的问题："].endswith(
        "补齐2025年度工作计划，按规定审核后归档，于2026年2月4日前完成。")
    assert measures["1.关于目标任务方面的问题："].startswith("东山社区要")
    assert measures["1.关于目标任务方面的问题："].endswith(
        "使孕环情检查受检率达到90%以上，于2026年3月21日前整改到位。")
    assert context["requirements"][0].endswith("并于2026年3月21日前将整改情况书面报送东城街道。")
    assert (context["signature_unit"], context["signature_date"]) == ("东城街道", "2026年1月22日")
    assert context["followup_heading"] == "" and context["problems_heading"] == "二、存在的问题"
    tied = _report(sample, catalogue, "C1")
    assert "你单位得分98分，评定为优秀，在参加检查的3个社区中排第1名（与东岭社区并列）。" in (
        tied["score_paragraphs"][0])


def test_the_bulletin_tabulates_subtotals_ranks_ties_and_common_problems(sample, catalogue):
    context = _bulletin(sample, catalogue)
    assert context["title"] == "东城街道关于2025年计划生育基层工作检查情况的通报"
    assert context["ranking_heads"] == ["目标任务（30分）", "阵地建设（30分）", "资料管理（40分）"]
    assert [(r["rank"], r["name"], r["sections"], r["total"], r["grade"])
            for r in context["ranking_rows"]] == [
        ("1（并列）", "东湖社区", ["30", "30", "38"], "98", "优秀"),
        ("1（并列）", "东岭社区", ["30", "30", "38"], "98", "优秀"),
        ("3", "东山社区", ["0", "10", "15"], "25", "未达等次")]
    assert context["result_paragraphs"] == [
        "3个社区平均得分73.67分，最高98分（东湖社区、东岭社区），最低25分（东山社区）。",
        "按评分标准，评定优秀2个，1个社区未达到等次标准。",
        "东湖社区、东岭社区得分相同，并列第1名；得分相同的社区名次并列，其后名次顺延。",
        "各社区得分及名次见表1。"]
    # The work log is the one item all three lost points on (2 + 5 + 2): said in the lead,
    # then left out of each community's own list.
    assert context["common_intro"] == "此次检查中，以下1项问题3个社区均存在："
    assert context["common_problems"] == [{"lead": "1.“工作记录完整”一项未得满分：",
                                           "text": "此项合计扣9分。"}]
    assert context["unit_problems"][2] == {
        "lead": "3.东山社区（25分）：",
        "text": "目标任务方面，孕环情检查受检率83.33%（参考目标≥90%）。阵地建设方面，宣传板3块"
                "（标准≥5块）；未落实“设有咨询室”。资料管理方面，未见2025年度工作计划。"}
    requirements = [r["lead"] + r["text"] for r in context["requirements"]]
    assert requirements[0].startswith("1.集中整改共性问题。针对“工作记录完整”一项未得满分，各社区要")
    assert requirements[1].startswith("2.逐项整改各社区自身问题。东山社区要")
    assert requirements[1].endswith("于2026年3月21日前整改到位。")
    assert requirements[2] == ("3.按时报送整改情况。请东湖社区、东岭社区、东山社区于2026年3月21日前"
                               "将整改落实情况书面报送东城街道。")
    assert not any("一票否决" in r for r in requirements)
    assert context["followup_heading"] == "" and context["requirements_heading"] == "四、整改要求"


def test_a_follow_up_marks_each_earlier_problem_fixed_or_not_in_both_documents(sample,
                                                                               catalogue):
    report = _report(sample, catalogue, "C1", previous=True)
    assert report["followup_heading"] == "二、上次检查问题整改情况"
    assert report["followup_paragraphs"] == [
        "2024年检查指出你单位扣分问题3个，经此次复查，已整改2个，未整改1个。具体情况见表2。"]
    assert [(r["problem"], r["now"], r["status"]) for r in report["followup_rows"]] == [
        ("宣传板4块（标准≥5块）", "已达到要求", "已整改"),
        ("“工作记录完整”得18分（满分20分）", "“工作记录完整”得18分（满分20分）", "未整改"),
        ("未见2024年度工作计划", "已达到要求", "已整改")]
    [work_log] = report["problems"]
    assert work_log["text"].endswith("“工作记录完整”一项未得满分的问题上次检查已经指出，至今仍未整改到位。")
    assert report["problems_heading"] == "三、存在的问题"

    bulletin = _bulletin(sample, catalogue, previous=True)
    # 8 problems: too few for a rate to say more than the two counts.
    assert bulletin["followup_paragraphs"] == [
        "此次检查对2024年检查指出的问题逐项进行了复查。2个社区上次共有扣分问题8个，已整改2个，"
        "未整改6个。",
        "东湖社区、东山社区仍有问题未整改到位，具体见表2。",
        "东岭社区未参加2024年检查，不作整改情况复查。"]
    assert [(r["name"], r["found"], r["fixed"], r["open"], r["pending"])
            for r in bulletin["followup_rows"]] == [
        ("东湖社区", "3", "2", "1", "“工作记录完整”一项未得满分"),
        ("东山社区", "5", "0", "5", "孕环情检查受检率未达到参考目标；宣传板数量不足；"
                                 "未落实“设有咨询室”的要求；“工作记录完整”一项未得满分；"
                                 "2025年度工作计划归档不全")]
    assert any("至今仍未整改到位的6个问题，东湖社区、东山社区要说明原因" in r["text"]
               for r in bulletin["requirements"])
    assert bulletin["requirements_heading"] == "五、整改要求"


def test_contexts_hold_finished_text_only(sample, catalogue):
    for context in (_report(sample, catalogue, "C2", previous=True),
                    _bulletin(sample, catalogue, previous=True)):
        assert not [s for s in strings_in(context)
                    if "None" in s or "{{" in s or "Decimal" in s or "nan" in s]


# Templates ---------------------------------------------------------------------------------------


def test_shipped_templates_are_what_the_builders_make(tmp_path):
    for build, name in ((build_report_template, "inspection_report"),
                        (build_bulletin_template, "inspection_bulletin")):
        build(tmp_path / f"{name}.docx")
        assert (tmp_path / f"{name}.docx").read_bytes() == template_path(name).read_bytes()


def test_the_scores_table_has_a_column_per_section_sharing_the_type_area(sample, catalogue):
    context = _bulletin(sample, catalogue, previous=True)
    full = context | layout_context(context["title"], "东城街道", Letterhead(), ISSUED,
                                    organ=context["signature_unit"])
    data = render_docx(template_path("inspection_bulletin"), full)
    assert_no_placeholders(data)
    document = docx.Document(io.BytesIO(data))
    ranking = document.tables[0]
    assert [c.text for c in ranking.rows[0].cells] == [
        "名次", "单位", "目标任务（30分）", "阵地建设（30分）", "资料管理（40分）", "总分", "等次"]
    assert [c.text for c in ranking.rows[3].cells] == [
        "3", "东山社区", "0", "10", "15", "25", "未达等次"]
    grid = [int(col.get(qn("w:w"))) for col in ranking._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert len(grid) == 7 and max(grid) - min(grid) <= 1
    assert abs(sum(grid) / 56.7 - float(load_layout().type_area_width_mm)) < 1  # twips → mm
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.text]
    headings = [text for style, text in styled if style in ("Heading 1", "Heading 2")]
    assert headings == ["一、检查的基本情况", "二、检查结果", "三、上次检查问题整改情况",
                        "四、存在的主要问题", "（一）共性问题", "（二）各社区存在的问题", "五、整改要求"]
    assert [c.text for c in document.tables[1].rows[2].cells] == [
        "1", "东湖社区", "3", "2", "1", "“工作记录完整”一项未得满分"]


# Self-inspection with the new item kinds ------------------------------------------------------


def test_self_inspection_reads_archive_score_and_number_items(catalogue):
    checklist = load_checklist(resolve_checklist("model_community"))
    raw = {item.key: {"yes_no": "是", "count": 10, "number": 75, "score": item.points,
                      "text": "无"}[item.answer] for item in checklist.observed}
    raw |= {"civilized_families": 65, "work_log": {"value": 1.5, "note": "下半年记录缺失"}}
    answers = parse_answers({"answers": raw}, checklist, "answers")
    holdings = {("work_plan", "2025"): "filed", ("half_year_summary", "2025H1"): "draft"}
    snapshot = sample_snapshot()
    options = DocumentOptions(issued_on=date(2026, 1, 20),
                              spec=inspection_spec(checklist, answers, holdings))
    context = SELF_INSPECTION.build(ContextRequest(snapshot, Rollup(snapshot), catalogue, "C1",
                                                   Period.year(2025), options))
    text = "\n".join(strings_in(context))
    assert "已归档2025年度工作计划，2025年上半年工作总结尚未归档（仅有草稿）" in text
    assert "文明家庭创建率65%，比不少于70%的要求低5个百分点" in text
    assert "“工作记录本记录完整、资料齐全”一项自评1.5分（满分3分）（下半年记录缺失）" in text
    problems = {p["lead"]: p["text"] for p in context["problems"]}
    # The score item's positive wording is not the problem: its shortfall is.
    assert problems["3.“工作记录本记录完整、资料齐全”方面未完全达到要求。"] == (
        "对照评分标准，“工作记录本记录完整、资料齐全”满分3分，自评得1.5分。下半年记录缺失。")
    assert problems["1.2025年上半年工作总结未按要求归档。"].startswith(
        "已归档2025年度工作计划，2025年上半年工作总结尚未归档（仅有草稿）")
    measures = [m["lead"] + m["text"] for m in context["measures"]]
    assert ("1.补齐2025年上半年工作总结。按规定审核后及时归档，做到资料齐全、查找方便，"
            "于2026年2月19日前整改到位（30日内）。") in measures
    rows = {r["label"]: r for r in context["score_rows"]}
    assert (rows["年度工作计划和半年工作总结已归档"]["actual"],
            rows["年度工作计划和半年工作总结已归档"]["earned"]) == ("缺1份", "3")
    assert rows["工作记录本记录完整、资料齐全"]["actual"] == "1.5分"


# The database: loading an inspection ----------------------------------------------------------


def test_loading_names_units_without_findings_and_refuses_a_missing_earlier_inspection(
        db_settings, session, small_tree, tmp_path):
    from wenshu.workflows.inspection_steps import load_inspection

    checklist = _checklist()
    import_findings(session, findings_csv(tmp_path / "f.csv", {
        "440307001001": dict(boards=6, room="是", work_log=18),
        "440307001002": dict(boards=6)}), checklist, "2025")
    session.commit()
    units = ["440307001001", "440307001002", "440307002001"]
    with pytest.raises(ChecklistError) as caught:
        load_inspection(db_settings, checklist, units, Period.year(2025), "440307", INSPECTED)
    # Items as the findings sheet names them (检查项目), not by their keys.
    assert str(caught.value) == (
        "《计划生育基层工作检查评分标准》（2025）缺少检查记录："
        "东山社区（440307001002）缺“设有咨询室”“工作记录完整”；"
        "西湖社区（440307002001）尚未录入检查结果。"
        "请先录入检查记录（网页“填写检查结果”或 wenshu inspect record）")
    with pytest.raises(ChecklistError) as caught:
        load_inspection(db_settings, checklist, ["440307002001"], Period.year(2025),
                        "440307001", INSPECTED)
    assert str(caught.value) == "单位 440307002001 不在检查单位 440307001 的管辖范围内"
    with pytest.raises(NotFoundError, match="单位代码“440307009009”不在单位名录中"):
        load_inspection(db_settings, checklist, ["440307009009"], Period.year(2025), "440307",
                        INSPECTED)
    inspection = load_inspection(db_settings, checklist, ["440307001001"], Period.year(2025),
                                 "440307", INSPECTED)
    assert inspection.records["440307001001"].answers["boards"].value == 6
    with pytest.raises(ChecklistError) as caught:
        load_inspection(db_settings, checklist, ["440307001001"], Period.year(2025), "440307",
                        INSPECTED, follow_up=True)
    assert str(caught.value) == "检查标准 office_check 在 2025 之前没有检查记录，无法复查"
    import_findings(session, findings_csv(tmp_path / "2023.csv", {
        "440307001001": dict(boards=6, room="是", work_log=18)}), checklist, "2023")
    session.commit()
    with pytest.raises(ChecklistError) as caught:
        load_inspection(db_settings, checklist, ["440307001001"], Period.year(2025), "440307",
                        INSPECTED, follow_up=True)
    assert str(caught.value) == "检查标准 office_check 的上一次检查是 2023：复查最多回看一年"
