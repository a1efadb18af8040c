"""The rules a work plan's words keep, checked on the rendered plans of a district, a street
and a community (tests/summary_district.py), for a year and a quarter, and for a line of
work the snapshot holds no data for (the women's federation line)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from tests.summary_district import district_snapshot
from tests.test_golden import document_text
from wenshu.compute.snapshot import TargetValue
from wenshu.compute.summary import Rollup
from wenshu.generators.kinds import (
    ContextRequest,
    DocumentOptions,
    document_context,
    registered_kinds,
    shipped_lines,
)
from wenshu.generators.render import render_docx
from wenshu.models.catalogue import TargetSpec, load_catalogue
from wenshu.narrative import Narrative
from wenshu.periods import Period
from wenshu.templates import template_path

ISSUED = date(2025, 12, 28)
NARRATIVE = Narrative(problems=("流动人口信息更新不及时，部分社区底数不清。",
                                "个别社区台账登记不够规范，存在补记现象。",
                                "南城街道专干岗位空缺半年。"),
                      plans=("开展一次流动人口专项清查。",))
SOURCES = {"责任书目标", "上年实际", "上年目标", "参考目标"}


@pytest.fixture(scope="module")
def snapshot():
    return district_snapshot()


def _plan(snapshot, unit: str, period: str, line: str = "",
          narrative: Narrative = NARRATIVE) -> tuple[dict, str]:
    """The plan's context as the pipeline builds it (from the whole catalogue, of which the
    request keeps the line's part), and its rendered text."""
    catalogue = load_catalogue()
    kind, span = registered_kinds()["work_plan"], Period.parse(period)
    request = ContextRequest(snapshot, Rollup(snapshot, kind.months(span)), catalogue, unit, span,
                             DocumentOptions(issued_on=ISSUED, narrative=narrative),
                             line=shipped_lines().get(line))
    context = document_context(kind, request, snapshot.unit_map[unit].name)
    return context, document_text(render_docx(template_path(kind.template), context))


def _signed(snapshot, *targets: tuple[str, str, int]):
    """The snapshot with targets signed for 2026: (unit, indicator, floor)."""
    extra = tuple(TargetValue(unit_code=unit, year=2026, indicator=key,
                              spec=TargetSpec(comparator="ge", value=Decimal(value)))
                  for unit, key, value in targets)
    return snapshot.model_copy(update={"targets": snapshot.targets + extra})


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。！？\n]", text) if len(s.strip()) >= 8]


@pytest.mark.parametrize("line", ["", "women"])
@pytest.mark.parametrize("period", ["2026", "2026Q3"])
@pytest.mark.parametrize("unit", ["D", "S2", "S3C1"])
def test_no_sentence_is_repeated_in_a_plan(snapshot, unit, period, line):
    _context, text = _plan(snapshot, unit, period, line)
    sentences = _sentences(text)
    repeated = {s: n for s, n in Counter(sentences).items() if n > 1}
    assert repeated == {}
    assert len(sentences) > 15  # the document really was read


@pytest.mark.parametrize("period", ["2026", "2026Q1"])
def test_a_line_without_data_makes_a_plan_that_claims_nothing(snapshot, period):
    context, text = _plan(snapshot, "D", period, "women", Narrative())
    assert context["title"] == f"示范区{'2026年' if period == '2026' else '2026年第一季度'}妇女儿童工作计划"
    assert "人口和计划生育" not in text and "计生" not in text
    # Nothing done, nothing met, nothing signed: no count, no 达到, no 责任书.
    for claim in ("共组织开展", "达到目标要求", "达到参考目标", "责任书", "台账记录条"):
        assert claim not in text, claim
    assert "2025年全区尚无妇女儿童工作的台账记录和指标数据" in text
    assert context["tasks"] == [] and context["duty_rows"] == []
    rows = context["goal_rows"]
    assert {r["label"] for r in rows} == {"培训就业率", "两癌筛查覆盖率", "信访办结率"}
    assert {(r["base"], r["source"]) for r in rows} == {("—", "参考目标")}
    assert "培训就业率、两癌筛查覆盖率、信访办结率等3项指标上年缺少基础数据" in text


def test_tasks_say_who_does_what_how_and_the_figure_to_reach(snapshot):
    context, text = _plan(snapshot, "D", "2026")
    tasks = {t["heading"][3:]: t["paragraphs"][0] for t in context["tasks"]}
    checks = tasks["检查服务"]
    assert checks.startswith(("集中安排在3月、9月，", "计划于3月、9月组织开展，", "主要安排在3月、9月，"))
    assert "由各街道具体组织，提前摸清应查对象、逐人预约，集中检查后对漏查人员上门补查。" in checks
    assert checks.endswith("全年计划完成检查4980人。")
    rate = tasks["提高孕环情检查受检率"]
    assert "由示范区牵头，把南城街道（59.00%）作为重点" in rate
    # 95% of the 6000 to check last year.
    assert "按上年应查人数6000人测算，全年需完成检查5700人以上" in rate
    assert rate.endswith("确保2026年孕环情检查受检率提高到95%以上。")
    assert tasks["控制孕产妇死亡率"].endswith("确保2026年孕产妇死亡率控制在10/10万以内。")
    # No task merely carries last year's figure forward.
    assert "不少于" not in text and "（上年" not in text


@pytest.mark.parametrize("period", ["2026", "2026Q2"])
@pytest.mark.parametrize("unit", ["D", "S2"])
def test_the_proposal_rule_is_for_the_clerk_only(snapshot, unit, period):
    context, text = _plan(snapshot, unit, period)
    assert context["clerk_notes"][0].startswith("建议目标的确定办法：")
    assert "确定办法" not in text and "建议" not in text


def test_the_source_column_says_where_each_target_comes_from(snapshot):
    context, _text = _plan(snapshot, "D", "2026")
    sources = {r["label"]: r["source"] for r in context["goal_rows"]}
    assert set(sources.values()) <= SOURCES
    # The district signed ≥95% for 2025 and reached 83.00%: its own target carries over;
    # 94.29% beats the standard ≥93%; the rest are the standard.
    assert sources["孕环情检查受检率"] == "上年目标"
    assert sources["符合政策生育率"] == "上年实际"
    assert sources["孕产妇死亡率"] == "参考目标"
    signed, _ = _plan(_signed(snapshot, ("D", "check_rate", 96)), "D", "2026")
    assert {r["label"]: r["source"] for r in signed["goal_rows"]}["孕环情检查受检率"] == "责任书目标"


@pytest.mark.parametrize("period", ["2026", "2026Q3"])
def test_no_contract_is_claimed_for_a_street_that_signed_nothing(snapshot, period):
    context, text = _plan(snapshot, "S2", period)
    assert "责任书" not in text
    assert "参考目标" in text
    assert "比参考目标低31.0个百分点" in text
    # The district signed: its plan may say so.
    _context, signed = _plan(snapshot, "D", period)
    assert "目标管理责任书" in signed


@pytest.mark.parametrize(("period", "deploy_end", "later_end"),
                         [("2026", "2026年2月底前", "2026年9月底前"),
                          ("2026Q3", "2026年7月底前", "2026年8月底前")])
def test_each_problem_has_a_measure_and_a_date_within_the_timetable(
        snapshot, period, deploy_end, later_end):
    context, _text = _plan(snapshot, "D", period)
    rectify = context["safeguards"][-1]
    assert rectify["lead"].endswith("抓好问题整改。")
    items = rectify["text"].split("：", 1)[1].rstrip("。").split("；")
    assert len(items) == len(NARRATIVE.problems)
    for item, problem in zip(items, NARRATIVE.problems, strict=True):
        assert item[2:].startswith(problem.rstrip("。") + "，由")
        assert re.search(r"，\d{4}年\d{1,2}月底前(完成|整改到位|到位)$", item), item
    assert deploy_end in items[0] and deploy_end in items[1]
    assert "由示范区协调配齐配强工作人员" in items[2] and later_end in items[2]


def _months(text: str) -> set[int]:
    """Every month a text names: 3月、9月 / 4月至6月 / 全年 is left to the caller."""
    found: set[int] = set()
    for first, last in re.findall(r"(\d{1,2})月(?:至(\d{1,2})月)?", text):
        found |= set(range(int(first), int(last or first) + 1))
    return found


@pytest.mark.parametrize("period", ["2026Q1", "2026Q3", "2026"])
@pytest.mark.parametrize("unit", ["D", "S1"])
def test_the_stages_agree_with_the_duty_table(snapshot, unit, period):
    context, _text = _plan(snapshot, unit, period)
    span = Period.parse(period)
    covered = set(range(span.start.month, span.end.month + 1))
    stages = [(_months(p["lead"]), p["text"]) for p in context["phases"]]
    assert set().union(*(months for months, _ in stages)) == covered
    for row in context["duty_rows"]:
        months = covered if row["time"] == "全年" else _months(row["time"])
        assert months <= covered, row
        if months == covered:  # the whole span: said once, with the table's words
            assert any(row["task"] in text and f"{row['time']}持续推进" in text
                       for _, text in stages), row
            continue
        for stage_months, text in stages:
            inside = months & stage_months
            if inside:
                named = re.search(re.escape(row["task"]) + r"（([^）]*)）", text)
                assert named and _months(named.group(1)) == inside, (row, text)


def test_numbers_follow_one_rule_each(snapshot):
    context, text = _plan(_signed(snapshot, ("D", "training_sessions", 12)), "D", "2026")
    # A small count rises as two figures, never as a percentage.
    assert "其中培训期数按2026年目标管理责任书要求由上年的10期增加到12期。" in text
    assert not re.search(r"增加\d+(\.\d+)?%", text)
    # No 'X为X' echo of a unit (培训期为8期, 参训人次为350人次).
    assert not re.search(r"(人次|期|场|户|人|次|份)为[\d.]+万?\1", text)
    # Each indicator to its own decimals, in the table and in the task alike.
    rows = {r["label"]: r["base"] for r in context["goal_rows"]}
    assert (rows["孕环情检查受检率"], rows["入户随访覆盖率"]) == ("83.00%", "85.3%")
    assert "入户随访覆盖率为85.3%" in text and "孕环情检查受检率为83.00%" in text
    # Zero is printed as 0: the street had no maternal deaths.
    street, _ = _plan(snapshot, "S2", "2026")
    assert {r["label"]: r["base"] for r in street["goal_rows"]}["孕产妇死亡率"] == "0/10万"
