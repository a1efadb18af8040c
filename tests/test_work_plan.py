"""The 工作计划: targets carried or proposed, tasks and timetable from the base year, the document."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document
from docx.oxml.ns import qn

from tests.sample_context import assert_no_placeholders, strings_in
from wenshu.compute.snapshot import Snapshot, TargetValue, UnitInfo
from wenshu.compute.summary import ALL_MONTHS, Rollup
from wenshu.errors import PlanError
from wenshu.generators.kinds import ContextRequest, DocumentOptions
from wenshu.generators.layout import load_layout
from wenshu.generators.layout_context import Letterhead, layout_context
from wenshu.generators.render import render_docx
from wenshu.generators.template_check import check_template
from wenshu.generators.template_variables import context_paths
from wenshu.generators.work_plan import WORK_PLAN, build_template
from wenshu.generators.work_plan_facts import (
    month_runs,
    plan_period,
    plan_phases,
    proposed_target,
)
from wenshu.models.catalogue import TargetSpec
from wenshu.narrative import Narrative, parse_narrative
from wenshu.templates import template_path

ISSUED = date(2025, 12, 28)
SAMPLE_NARRATIVE = Path(__file__).parents[1] / "wenshu" / "data" / "samples" / "work_plan_narrative.yaml"

Plan = Callable[..., dict[str, Any]]


def _target(unit: str, year: int, indicator: str, comparator: str, value: int) -> TargetValue:
    return TargetValue(unit_code=unit, year=year, indicator=indicator,
                       spec=TargetSpec(comparator=comparator, value=Decimal(value)))


def _with(snapshot: Snapshot, *targets: TargetValue, units: tuple[UnitInfo, ...] = ()
          ) -> Snapshot:
    return snapshot.model_copy(update={"targets": snapshot.targets + targets,
                                       "units": snapshot.units + units})


@pytest.fixture
def plan(small_snapshot: Snapshot, catalogue) -> Plan:
    """Build a plan's context from the small snapshot (base year 2025), as the pipeline does."""

    def build(unit: str = "S1", period: str = "2026", snapshot: Snapshot | None = None,
              narrative: Narrative = Narrative(), rollup_months: frozenset[int] | None = None
              ) -> dict[str, Any]:
        snapshot = snapshot or small_snapshot
        covered = plan_period(period)
        rollup = Rollup(snapshot, rollup_months or WORK_PLAN.months(covered))
        options = DocumentOptions(issued_on=ISSUED, narrative=narrative)
        return WORK_PLAN.build(ContextRequest(snapshot, rollup, catalogue, unit, covered, options))

    return build


def _row(rows: list[dict[str, str]], label: str) -> dict[str, str]:
    return next(r for r in rows if label in (r.get("label"), r.get("task")))


def _task(context: dict[str, Any], title: str) -> str:
    return next(t for t in context["tasks"] if t["heading"].endswith(title))["paragraphs"][0]


# --- Periods, timetable, proposal rule ---------------------------------------------------


def test_a_plan_covers_a_year_or_a_quarter() -> None:
    assert plan_period("2026").code == "2026"
    assert plan_period("2026q3").code == "2026Q3"
    for text in ("2026H1", "2026-03", "明年"):
        with pytest.raises(PlanError, match="year .*quarter"):
            plan_period(text)


def test_stages_are_laid_over_the_period() -> None:
    year = [(p.role, p.first, p.last) for p in plan_phases(plan_period("2026"))]
    assert year == [("deploy", 1, 2), ("implement", 3, 9), ("inspect", 10, 11), ("review", 12, 12)]
    quarter = [(p.first, p.last) for p in plan_phases(plan_period("2026Q2"))]
    assert quarter == [(4, 4), (5, 5), (6, 6)]


def test_months_are_written_as_runs(plan: Plan) -> None:
    assert month_runs([9, 3]) == [(3, 3), (9, 9)]
    assert month_runs([4, 5, 6, 9, 10]) == [(4, 6), (9, 10)]
    # As the plan prints them: training in April and May of 2025.
    assert _row(plan()["duty_rows"], "教育培训")["time"] == "4月至5月"


def test_proposed_targets_never_drop(catalogue) -> None:
    check = catalogue.indicators["check_rate"]
    floor = TargetSpec(comparator="ge", value=Decimal(90))
    # The value with its decimals dropped, when it beats last year's target …
    assert proposed_target(check, floor, Decimal("93.97")) == TargetSpec(comparator="ge",
                                                                         value=Decimal(93))
    # … else last year's target, even when the value fell short of it.
    assert proposed_target(check, floor, Decimal("83.33")) == floor
    ceiling = TargetSpec(comparator="le", value=Decimal(12))
    assert proposed_target(catalogue.indicators["birth_rate"], ceiling, Decimal("7.5")) == ceiling
    training = catalogue.indicators["training_sessions"]
    assert proposed_target(training, None, Decimal(8)) == TargetSpec(comparator="ge",
                                                                     value=Decimal(8))
    assert proposed_target(training, None, Decimal(0)) is None


# --- The year plan's content -----------------------------------------------------------------


def test_title_headings_and_signature(plan: Plan) -> None:
    context = plan()
    assert context["title"] == "东城街道2026年人口和计划生育工作计划"
    headings = [context[k] for k in ("guidance_heading", "goals_heading", "tasks_heading",
                                     "schedule_heading", "duties_heading", "safeguards_heading")]
    assert headings == ["一、总体要求", "二、工作目标", "三、主要任务", "四、时间安排", "五、责任分工",
                        "六、保障措施"]
    assert (context["signature_unit"], context["signature_date"]) == ("东城街道办事处", "2025年12月28日")


def test_targets_are_proposed_from_the_base_year(plan: Plan) -> None:
    context = plan()
    # The street signed ≥95% for 2025 and reached 92.80%: the proposal keeps ≥95%.
    # Signed for 2025, unsigned for 2026: the street's own target of last year stands.
    assert _row(context["goal_rows"], "孕环情检查受检率") == {
        "no": "1", "label": "孕环情检查受检率", "base": "92.80%", "target": "≥95%",
        "source": "上年目标"}
    # 2022 / 2156 = 93.78% against the standard ≥93%: the standard, a 参考目标.
    assert {k: _row(context["goal_rows"], "符合政策生育率")[k] for k in ("target", "source")} == {
        "target": "≥93%", "source": "参考目标"}
    # No target at all: last year's count.
    assert {k: _row(context["goal_rows"], "举办培训期数")[k] for k in ("target", "source")} == {
        "target": "≥8期", "source": "上年实际"}
    assert _row(context["goal_rows"], "人口出生率")["base"] == "—"
    assert "帮扶困难家庭户数" not in [r["label"] for r in context["goal_rows"]]
    assert "2026年目标管理责任书尚未签订" in context["goals_intro"]
    # How the targets were proposed is for the clerk, not for the document.
    assert context["clerk_notes"][0] == (
        "建议目标的确定办法：下限类（≥）指标取上年目标与上年完成值（舍去小数）中的较高值；"
        "上限类（≤）和区间类指标沿用上年目标；未设目标的工作量指标按上年完成量提出。")
    assert "goal_notes" not in context


def test_signed_targets_are_carried_and_raise_the_tasks(plan: Plan, small_snapshot) -> None:
    snapshot = _with(small_snapshot, _target("S1", 2026, "check_rate", "ge", 93),
                     _target("S1", 2026, "training_sessions", "ge", 10))
    context = plan(snapshot=snapshot)
    row = _row(context["goal_rows"], "孕环情检查受检率")
    assert (row["target"], row["source"]) == ("≥93%", "责任书目标")
    assert "其中2项为2026年目标管理责任书确定的目标，其余5项根据上年完成情况" in context["goals_intro"]
    training = _task(context, "教育培训")
    assert "全年计划举办培训班10期、参训350人次。" in training
    # A small count rises as two figures, not as a percentage.
    assert training.endswith("其中培训期数按2026年目标管理责任书要求由上年的8期增加到10期。")
    missed = _task(context, "提高孕环情检查受检率")
    assert missed.endswith("确保2026年孕环情检查受检率提高到93%以上。")
    assert context["opening"].startswith(("为全面完成2026年人口和计划生育工作目标任务，根据2026年目标",
                                          "按照2026年目标管理责任书确定的任务"))


def test_a_proposed_count_target_raises_the_task_too(plan: Plan, small_snapshot) -> None:
    """Signed 10 training sessions for 2025 and held 8: with nothing signed for 2026 the
    goals table carries ≥10期 over, and the training task plans the same 10, not 8."""
    snapshot = _with(small_snapshot, _target("S1", 2025, "training_sessions", "ge", 10))
    context = plan(snapshot=snapshot)
    row = _row(context["goal_rows"], "举办培训期数")
    assert (row["target"], row["source"]) == ("≥10期", "上年目标")
    training = _task(context, "教育培训")
    assert "全年计划举办培训班10期、参训350人次。" in training
    assert training.endswith("其中培训期数按2026年工作目标由上年的8期增加到10期。")
    assert "责任书" not in training


def test_guidance_reviews_the_base_year_and_sets_the_focus(plan: Plan) -> None:
    review = plan()["guidance"][1]
    assert review.startswith("2025年，全街道纳入考核的2项主要指标中1项达到目标要求，"
                             "孕环情检查受检率未达到，共组织开展各类活动20次。")
    assert "要把孕环情检查受检率达标作为工作重点，加强对东山社区的督促指导" in review


def test_tasks_come_from_missed_indicators_and_base_year_activities(plan: Plan) -> None:
    context = plan()
    assert [t["heading"] for t in context["tasks"]] == [
        "（一）提高孕环情检查受检率", "（二）教育培训", "（三）检查服务"]
    missed = _task(context, "提高孕环情检查受检率")
    assert missed.startswith("2025年孕环情检查受检率为92.80%，比目标值低2.20个百分点。")
    # Who, how, and the count the rate needs: 95% of last year's 5080 to check.
    assert "由东城街道牵头，把东山社区（83.33%）作为重点，" in missed
    assert "按上年应查人数5080人测算，全年需完成检查4826人以上" in missed
    assert "10月至11月督查时逐一核对" in missed
    # Every screening of 2025 was in March: the plan schedules it there, with a method.
    checks = _task(context, "检查服务")
    assert checks.startswith("计划于3月组织开展，由各社区具体组织，") or "3月，由各社区" in checks
    assert "上门补查" in checks and checks.endswith("全年计划完成检查4714人。")
    assert "4月至5月" in _task(context, "教育培训")
    assert "不少于" not in "".join(p for t in context["tasks"] for p in t["paragraphs"])


def test_duties_name_the_units_that_did_the_work(plan: Plan) -> None:
    rows = plan()["duty_rows"]
    assert [(r["task"], r["time"], r["units"]) for r in rows] == [
        ("提高孕环情检查受检率", "全年", "东山社区"),
        # The street trained its own staff; 东湖社区 trained residents.
        ("教育培训", "4月至5月", "东城街道、东湖社区"),
        ("检查服务", "3月", "各社区"),
    ]


def test_stages_name_their_months_tasks_and_laggards(plan: Plan) -> None:
    phases = plan()["phases"]
    assert [p["lead"] for p in phases] == [
        "第一阶段：部署启动（1月至2月）。", "第二阶段：全面实施（3月至9月）。",
        "第三阶段：督查推进（10月至11月）。", "第四阶段：总结考核（12月）。"]
    assert phases[1]["text"].endswith("本阶段重点做好检查服务（3月）、教育培训（4月至5月）等工作。")
    assert "重点督导东山社区" in phases[2]["text"]
    assert "研究提出2027年工作思路" in phases[3]["text"]


def test_safeguards_follow_the_data(plan: Plan) -> None:
    items = plan()["safeguards"]
    assert [i["lead"] for i in items] == ["1.加强组织领导。", "2.强化督查考核。", "3.夯实基础数据。"]
    assert "10月至11月集中开展督查，12月组织年度考核" in items[1]["text"]
    assert items[2]["text"].startswith("出生人口性别比、人口出生率、入户随访覆盖率、孕产妇死亡率"
                                       "等4项指标上年缺少基础数据，要在1月至2月内补齐报送")


def test_staff_problems_and_plans_are_merged(plan: Plan) -> None:
    context = plan(narrative=parse_narrative(SAMPLE_NARRATIVE))
    rectify = context["safeguards"][-1]
    assert rectify["lead"] == "4.抓好问题整改。"
    # Each problem with who puts it right, how, and by when.
    assert rectify["text"].endswith(
        "：一是流动人口信息更新不及时，部分社区底数不清，由各社区组织逐户核对、及时更新信息系统，"
        "2026年2月底前完成；二是个别社区台账登记不够规范，存在补记现象，由各社区对照台账登记规范"
        "逐本检查，补记、漏记的逐条核实更正，2026年2月底前整改到位。")
    other = context["tasks"][-1]
    assert other["heading"] == "（四）其他重点工作"
    assert other["paragraphs"][0].startswith("1.全面推行网格化服务管理")
    assert other["paragraphs"][1].startswith("2.开展一次流动人口专项清查")
    assert context["duty_rows"][-1] == {"no": "4", "task": "其他重点工作", "time": "全年",
                                        "units": "各社区"}


# --- Quarters, units without children, sections left out -----------------------------------


def test_a_quarter_plan_reads_the_same_quarter_of_the_base_year(plan: Plan) -> None:
    context = plan(period="2026Q2")
    assert context["title"] == "东城街道2026年第二季度人口和计划生育工作计划"
    # Training was in April and May; the March screening belongs to the first quarter.
    assert [t["heading"] for t in context["tasks"]] == [
        "（一）提高孕环情检查受检率", "（二）教育培训"]
    assert "本季度计划举办培训班8期、参训350人次。" in _task(context, "教育培训")
    assert [p["lead"] for p in context["phases"]] == [
        "第一阶段：部署启动（4月）。", "第二阶段：组织实施（5月）。", "第三阶段：检查总结（6月）。"]
    assert context["phases"][0]["text"].endswith("本阶段重点做好教育培训（4月）工作。")
    assert _row(context["duty_rows"], "提高孕环情检查受检率")["time"] == "4月至6月"
    assert "4月至6月持续推进" in context["phases"][1]["text"]
    assert "6月开展季度检查" in context["safeguards"][1]["text"]


def test_a_community_is_responsible_for_its_own_tasks(plan: Plan) -> None:
    context = plan(unit="C2")
    assert {r["units"] for r in context["duty_rows"]} == {"东山社区"}
    assert context["duties_intro"] == "本计划由东山社区组织实施，各项重点任务的时间安排见表2。"
    # Its only indicator missed: no "0 of 1 met" phrasing.
    # The community signed nothing: it missed the standard, a 参考目标.
    assert context["guidance"][1].startswith("2025年，全社区孕环情检查受检率未达到参考目标，")
    assert "由东山社区明确专人负责，" in _task(context, "提高孕环情检查受检率")


def test_sections_with_nothing_to_say_are_left_out(plan: Plan, small_snapshot) -> None:
    office = UnitInfo(code="W", name="区妇联", level="department", parent_code="D")
    context = plan(unit="W", snapshot=_with(small_snapshot, units=(office,)))
    assert context["tasks"] == [] and context["duty_rows"] == []
    assert (context["tasks_heading"], context["duties_heading"]) == ("", "")
    assert [context["goals_heading"], context["schedule_heading"],
            context["safeguards_heading"]] == ["二、工作目标", "三、时间安排", "四、保障措施"]
    # No base-year results to review: the plan says so and claims nothing done.
    assert context["guidance"][1] == ("2025年本单位尚无人口和计划生育工作的台账记录和指标数据，"
                                      "2026年要先行建立工作台账、补齐基础数据，按月记录工作开展情况。")


def test_the_plan_reads_whole_base_years_from_either_snapshot(plan: Plan, small_snapshot) -> None:
    from_base = plan(period="2026Q1")
    # A snapshot loaded for the plan's own year holds the base year in full.
    assert plan(period="2026Q1", snapshot=small_snapshot.model_copy(update={"year": 2026})) == from_base
    # A rollup built for the quarter's months alone is not used.
    assert plan(period="2026Q1", rollup_months=frozenset({1, 2, 3})) == from_base
    assert WORK_PLAN.months(plan_period("2026Q1")) == ALL_MONTHS
    assert WORK_PLAN.snapshot_year(plan_period("2026Q3")) == 2025
    with pytest.raises(PlanError, match="reads 2025"):
        plan(period="2026", snapshot=small_snapshot.model_copy(update={"year": 2024}))


def test_no_placeholder_text(plan: Plan) -> None:
    for context in (plan(), plan(period="2026Q4"), plan(unit="C3"), plan(unit="D")):
        for text in strings_in(context):
            for bad in ("None", "nan", "{{", "}}", "{value}", "[]"):
                assert bad not in text, (bad, text)


# --- The Word template ------------------------------------------------------------------------


def _render(context: dict[str, Any], letterhead: Letterhead = Letterhead()) -> bytes:
    context = context | layout_context(context["title"], "东城街道", letterhead, ISSUED,
                                        organ=context["signature_unit"])
    return render_docx(template_path("work_plan"), context)


def _open(data: bytes) -> Document:
    return docx.Document(io.BytesIO(data))


def test_rendered_plan_places_sections_tables_and_leads(plan: Plan) -> None:
    context = plan(narrative=parse_narrative(SAMPLE_NARRATIVE))
    data = _render(context, Letterhead(doc_number="东城〔2026〕1号", attachments=("2026年目标分解表",)))
    assert_no_placeholders(data)
    document = _open(data)
    h1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert h1 == ["一、总体要求", "二、工作目标", "三、主要任务", "四、时间安排", "五、责任分工", "六、保障措施"]
    h2 = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert h2[0] == "（一）提高孕环情检查受检率" and h2[-1] == "（四）其他重点工作"
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == ["表1  2026年主要工作目标", "表2  重点任务责任分工"]
    goals, duties = document.tables
    assert [c.text for c in goals.rows[0].cells] == ["序号", "指标", "上年完成值", "全年目标", "全年目标"]
    assert [c.text for c in goals.rows[1].cells] == ["序号", "指标", "上年完成值", "目标值", "确定依据"]
    assert [c.text for c in goals.rows[2].cells] == ["1", "孕环情检查受检率", "92.80%", "≥95%",
                                                     "上年目标"]
    # The rule that proposed the targets is not printed.
    assert not any("确定办法" in p.text for p in document.paragraphs)
    assert [c.text for c in duties.rows[-1].cells] == ["4", "其他重点工作", "全年", "各社区"]
    stage = next(p for p in document.paragraphs if p.text.startswith("第一阶段"))
    assert [run.bold for run in stage.runs] == [True, None]
    texts = [p.text for p in document.paragraphs]
    assert "东城〔2026〕1号" in texts and "附件：2026年目标分解表" in texts
    assert [text.lstrip("\u3000") for text in texts[-2:]] == ["东城街道办事处", "2025年12月28日"]


def test_tables_fill_the_type_area_and_keep_rows_whole(plan: Plan) -> None:
    profile = load_layout("gbt9704")
    document = _open(_render(plan()))
    section = document.sections[0]
    assert round(section.left_margin.mm) == profile.margins_mm.left
    assert round(section.top_margin.mm) == profile.margins_mm.top
    # The goal table's header has a grouped row above the column labels.
    for table, header_rows in zip(document.tables, (2, 1), strict=True):
        widths = sum(column.width.mm for column in table.columns)
        assert widths == pytest.approx(float(profile.type_area_width_mm), abs=0.5)
        rows = table._tbl.tr_lst
        assert all(row.trPr.find(qn("w:cantSplit")) is not None for row in rows)
        headers = [row for row in rows if row.trPr.find(qn("w:tblHeader")) is not None]
        assert len(headers) == header_rows


def test_left_out_sections_leave_no_trace_in_the_document(plan: Plan, small_snapshot) -> None:
    office = UnitInfo(code="W", name="区妇联", level="department", parent_code="D")
    document = _open(_render(plan(unit="W", snapshot=_with(small_snapshot, units=(office,)))))
    h1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert h1 == ["一、总体要求", "二、工作目标", "三、时间安排", "四、保障措施"]
    assert len(document.tables) == 1
    assert all(p.text or p.style.name == "Normal" for p in document.paragraphs)


def test_template_reads_only_what_the_plan_provides(plan: Plan) -> None:
    context = plan(narrative=parse_narrative(SAMPLE_NARRATIVE))
    context |= layout_context(context["title"], "东城街道",
                              Letterhead(doc_number="1号", addressee="区卫健局", attachments=("表",),
                                         copy_to=("区妇联",), printed_by="东城街道办"), ISSUED,
                              organ=context["signature_unit"])
    problems = check_template(template_path("work_plan"), context_paths(context))
    assert [str(p) for p in problems if p.severity == "error"] == []


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_committed_template_is_what_the_builder_makes(tmp_path: Path) -> None:
    built = tmp_path / "work_plan.docx"
    build_template(built)
    assert _entries(built) == _entries(template_path("work_plan"))
