"""The rules a summary's words keep, checked on the rendered documents of a district,
a street and a community (tests/summary_district.py), for both summary kinds."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.summary_district import district_snapshot
from tests.test_golden import document_text
from wenshu.compute.summary import Rollup, compute_unit
from wenshu.generators.kinds import (
    ContextRequest,
    DocumentOptions,
    document_context,
    registered_kinds,
)
from wenshu.generators.render import render_docx
from wenshu.generators.summary import build_context, phrasebook
from wenshu.generators.summary_indicators import table_move
from wenshu.generators.summary_problems import problems_and_plans
from wenshu.generators.summary_voice import Writer
from wenshu.generators.summary_work import work_sections
from wenshu.narrative import Narrative
from wenshu.periods import Period
from wenshu.templates import template_path

KINDS = {"2025": "year_summary", "2025H1": "half_year_summary"}
ISSUED = date(2026, 1, 15)


@pytest.fixture(scope="module")
def snapshot():
    return district_snapshot()


def _context(snapshot, catalogue, unit: str, period: str, **options) -> dict:
    report = compute_unit(snapshot, catalogue, unit, Period.parse(period))
    return build_context(report, catalogue, issued_on=ISSUED, **options)


def _rendered(snapshot, catalogue, unit: str, period: str) -> str:
    """The document as the pipeline builds it: layout keys, signing organ, quotes typeset."""
    kind, span = registered_kinds()[KINDS[period]], Period.parse(period)
    request = ContextRequest(snapshot, Rollup(snapshot, kind.months(span)), catalogue, unit, span,
                             DocumentOptions(issued_on=ISSUED))
    context = document_context(kind, request, snapshot.unit_map[unit].name)
    return document_text(render_docx(template_path(kind.template), context))


def _problem(context: dict, label: str) -> tuple[dict, dict]:
    """The problem whose lead names ``label``, and the plan in the same place."""
    index = next(i for i, p in enumerate(context["problems"]) if label in p["lead"])
    return context["problems"][index], context["plans"][index]


@pytest.mark.parametrize("period", sorted(KINDS))
@pytest.mark.parametrize("unit", ["D", "S2", "S3C1"])
def test_no_sentence_is_repeated_in_a_document(snapshot, catalogue, unit, period):
    text = _rendered(snapshot, catalogue, unit, period)
    sentences = [s.strip() for s in re.split(r"[。！？\n]", text) if len(s.strip()) >= 8]
    repeated = {s: n for s, n in Counter(sentences).items() if n > 1}
    assert repeated == {}
    assert len(sentences) > 20  # the document really was read


def test_what_every_street_did_is_said_once_in_the_lead(snapshot, catalogue):
    context = _context(snapshot, catalogue, "D", "2025")
    text = _rendered(snapshot, catalogue, "D", "2025")
    assert text.count("均开展了") == 1
    assert "辖区3个街道均开展了宣传教育、入户走访、检查服务工作" in context["opening"]
    # Training, which only one street did, says so in its own part, naming the others.
    training = next(s for s in context["work_sections"] if "教育培训" in s["heading"])
    assert "辖区3个街道中有1个开展，西城街道、南城街道尚未开展" in training["paragraphs"][0]


def test_each_activity_part_leads_with_a_judgement_then_measures_then_effect(snapshot, catalogue):
    sections = {s["heading"][3:]: s["paragraphs"][0]
                for s in _context(snapshot, catalogue, "D", "2025")["work_sections"]}
    # Lectures 6 → 21 sessions: a rise; checks 5780 → 4980 people: a fall; meetings level.
    assert "健康讲座工作量明显增加" in sections or "健康讲座力度加大" in sections
    assert "检查服务工作有所放缓" in sections
    assert any(h.startswith("会议部署") and h.endswith(("稳步推进", "有序开展", "扎实推进"))
               for h in sections)
    checks = sections["检查服务工作有所放缓"]
    topic, total, effect = (checks.index("“孕环情检查”"), checks.index("完成检查4980人"),
                            checks.index("孕环情检查受检率为83.00%"))
    assert topic < total < effect
    assert "已查人数同比下降13.8%" in checks


def test_a_change_from_a_small_base_is_stated_as_two_figures(snapshot, catalogue):
    lectures = next(s for s in _context(snapshot, catalogue, "D", "2025")["work_sections"]
                    if "健康讲座" in s["heading"])["paragraphs"][0]
    assert "讲座场次由上年的6场增加到21场" in lectures
    assert "讲座场次同比" not in lectures and "250.0%" in lectures  # 180 → 630 listeners


def test_a_change_that_prints_as_nothing_is_said_as_level(snapshot, catalogue):
    """14240 → 14238 is −0.014 %: 下降0.0% would read as a fall of nothing."""
    report = compute_unit(snapshot, catalogue, "D", Period.parse("2025"))
    checks = next(a for a in report.activities if a.key == "check")
    people, sessions = checks.measures[:2]
    nudged = replace(checks, measures=(
        replace(people, value=Decimal(14238), last_value=Decimal(14240)),
        replace(sessions, value=Decimal(74), last_value=Decimal(80)),
        *checks.measures[2:]))
    w = Writer(replace(report, activities=tuple(
        nudged if a is checks else a for a in report.activities)), catalogue, phrasebook(),
        Narrative())
    paragraph = next(s for s in work_sections(w) if "检查服务" in s["heading"])["paragraphs"][0]
    assert "已查人数同比基本持平，检查场次同比下降7.5%" in paragraph
    assert "0.0%" not in paragraph and "同比分别" not in paragraph
    assert table_move(w, Decimal(14238), Decimal(14240), "人") == "基本持平"
    assert table_move(w, Decimal(14240), Decimal(14240), "人") == "持平"
    assert w.move(Decimal(14310), Decimal(14240), "人") == "同比增长0.5%"


def test_a_cause_the_ledgers_do_not_show_is_said_in_full_once(snapshot, catalogue):
    """A community whose work fell on two fronts (and missed a target), with no month or unit to blame: the
    hedge is said in full for the first problem and briefly, reworded, after that."""
    report = compute_unit(snapshot, catalogue, "S3C1", Period.parse("2025"))
    fallen = tuple(
        replace(a, measures=(replace(a.measures[0], value=a.measures[0].last_value / 2),
                             *a.measures[1:]), monthly=((), ()), by_child=())
        if a.measures[0].last_value >= 20 else a for a in report.activities)
    w = Writer(replace(report, activities=fallen), catalogue, phrasebook(), Narrative())
    problems, _plans = problems_and_plans(w)
    hedged = [p["text"] for p in problems if "督导检查" in p["text"]]
    assert len(hedged) >= 3
    assert "从现有台账数据看" in hedged[0]
    assert not any("从现有台账数据看" in text for text in hedged[1:])
    assert all("一并" in text for text in hedged[1:])


@pytest.mark.parametrize("period", sorted(KINDS))
def test_numbers_follow_one_rule_each(snapshot, catalogue, period):
    text = _rendered(snapshot, catalogue, "D", period)
    # Every percentage change to one decimal.
    changes = re.findall(r"(?:增长|下降)(\d+(?:\.\d+)?)%", text)
    assert changes and all(re.fullmatch(r"\d+\.\d", c) for c in changes), changes
    # No 'X为X' echo of a measure's unit (培训期数为8期, 参训人次为350人次).
    assert not re.search(r"(人次|期|场|户|人|次|份)为[\d.]+万?\1", text)
    # One wording for a change on last year: 同比 (or the two figures), never 较上年/比上年增长.
    assert not re.search(r"(较|比)上年(同期)?(增长|下降|上升)", text)
    assert "同比" in text


def test_zero_is_printed_as_zero(snapshot, catalogue):
    rows = _context(snapshot, catalogue, "D", "2025")["indicator_rows"]
    mortality = next(r for r in rows if r["label"] == "孕产妇死亡率")
    assert mortality["last_year"] == "0/10万"


def test_pace_is_only_for_accumulating_indicators(snapshot, catalogue):
    context = _context(snapshot, catalogue, "D", "2025H1")
    mortality_problem, _plan = _problem(context, "孕产妇死亡率")
    assert "序时进度" not in mortality_problem["lead"] + mortality_problem["text"]
    assert mortality_problem["lead"].endswith("孕产妇死亡率未达到参考目标。")
    rows = {r["label"]: r for r in context["indicator_rows"]}
    assert (rows["孕产妇死亡率"]["due"], rows["孕产妇死亡率"]["met"]) == ("≤10/10万", "未达标")
    # Checks build up over the year: half of ≥95% is due by June.
    assert rows["孕环情检查受检率"]["due"] == "≥47.5%"


def test_a_missed_indicator_states_its_causes_from_the_data(snapshot, catalogue):
    context = _context(snapshot, catalogue, "D", "2025")
    problem, plan = _problem(context, "孕环情检查受检率")
    text = problem["text"]
    assert "全年孕环情检查受检率83.00%，目标值≥95%，差12.00个百分点" in text
    # The lagging street, judged against the standard it was given (it signed nothing) …
    assert "一是南城街道（59.00%，参考目标≥90%）与目标差距较大" in text
    # … the fall in the checks the rate counts, the month they fell, and where.
    assert "二是作为指标基础的已查人数同比下降13.8%" in text
    assert "三是检查服务工作量的减少集中在9月" in text
    assert "四是检查服务活动减少，以南城街道（由16次减少到10次）为主" in text
    # One plan for it: the street, the figures to reach, by when.
    assert plan["lead"] == "1.推动孕环情检查受检率达标。"
    assert plan["text"] == ("对南城街道逐一分析原因、制定整改方案，2026年已查人数恢复到不低于"
                            "2024年的5780人，2026年底前将孕环情检查受检率提高到95%以上。")


def test_there_is_one_plan_per_problem_and_staff_text_follows(snapshot, catalogue):
    narrative = Narrative(problems=("南城街道专干岗位空缺半年。",), plans=("年内补齐专干。",))
    context = _context(snapshot, catalogue, "D", "2025", narrative=narrative)
    assert len(context["plans"]) == len(context["problems"]) == 4
    assert context["problems"][-1]["text"] == "4.南城街道专干岗位空缺半年。"
    assert context["plans"][-1]["text"] == "4.年内补齐专干。"
    visits, plan = _problem(context, "入户随访覆盖率")
    assert "入户走访工作量的减少集中在9月、10月" in visits["text"]
    assert "西城街道" in plan["text"] and "2026年底前" in plan["text"]


def test_half_year_plans_make_up_the_shortfall_by_year_end(snapshot, catalogue):
    context = _context(snapshot, catalogue, "D", "2025H1")
    for plan in context["plans"]:
        assert "2026" not in plan["text"]
    assert context["plans_heading"] == "四、下半年工作打算"


def test_no_contract_is_claimed_for_a_street_that_signed_nothing(snapshot, catalogue):
    text = _rendered(snapshot, catalogue, "S2", "2025")
    assert "责任书" not in text
    assert "对照统一考核标准" in text and "参考目标" in text
    signed = _rendered(snapshot, catalogue, "S1", "2025")
    assert "紧紧围绕年初签订的目标管理责任书" in signed


def test_staff_measures_join_the_part_of_the_work_they_name(snapshot, catalogue):
    narrative = Narrative(measures=("检查服务：对南城街道漏查对象逐户电话预约补查。",
                                    "志愿服务：组建计生志愿者队伍。"))
    context = _context(snapshot, catalogue, "D", "2025", narrative=narrative)
    checks = next(s for s in context["work_sections"] if "检查服务" in s["heading"])
    text = checks["paragraphs"][0]
    # Topics from the ledgers, then the staff's measures, then the figures.
    assert text.index("“孕环情检查”") < text.index("对南城街道漏查对象逐户电话预约补查。")
    assert text.index("逐户电话预约补查") < text.index("完成检查4980人")
    assert "检查服务：" not in text
    # No volunteering was recorded: its paragraph is kept, among the highlights.
    assert context["work_sections"][-1]["paragraphs"] == ["志愿服务：组建计生志愿者队伍。"]
