"""Inspection scoring as pure functions: items of every kind, bands, subtotals, grades,
veto caps, findings with their 整改意见 and deadlines, and ranking with ties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import yaml

from wenshu.compute.checklist import ChecklistScore, findings, follow_up, score_checklist
from wenshu.compute.ranking import rank_totals
from wenshu.compute.summary import Rollup
from wenshu.models.checklist import (
    Answer,
    Checklist,
    ChecklistError,
    answers_as_plain,
    answers_from_plain,
    parse_answers,
    parse_checklist,
)

INSPECTED = date(2026, 1, 20)

# 100 points. The sample street's communities: 东湖社区 (C1) screened 1900 of 2000 (95.00%,
# its target ≥90%) and held 5 trainings; 东山社区 (C2) screened 1500 of 1800 (83.33%,
# against the catalogue's ≥90%: 6.67 short, in the 10-point band) and held none.
INSPECTION = """
key: demo_inspection
title: 测试检查评分标准
subject: 计生工作
grades:
  - {label: 模范社区, min_points: 90}
  - {label: 先进社区, min_points: 80}
  - {label: 合格社区, min_points: 60}
sections:
  - key: basic
    title: 基本条件
    items:
      - {key: check_rate, kind: indicator, indicator: check_rate, label: 孕环情检查受检率,
         points: 10, bands: [{within: 2, points: 6}, {within: 10, points: 3}],
         veto: true, veto_cap: 合格社区}
      - {key: honest, kind: observed, answer: yes_no, label: 无瞒报、漏报、错报统计信息,
         points: 5, veto: true}
  - key: software
    title: 软件要求
    items:
      - {key: plans, kind: archive, label: 年度工作计划和半年工作总结已归档, points: 10,
         documents: [{kind: work_plan}, {kind: half_year_summary, period: H1}],
         bands: [{within: 1, points: 5}]}
      - {key: campaigns, kind: archive, label: 活动有实施方案, points: 5,
         documents: [{kind: campaign_plan, period: any, filed: false}]}
      - {key: training, kind: activity, activity: training, measure: sessions,
         label: 人口学校培训, threshold: ≥4, points: 10, bands: [{within: 1, points: 5}],
         rectify_days: 45}
      - {key: work_log, kind: observed, answer: score, label: 工作记录本记录完整, points: 10}
  - key: hardware
    title: 硬件要求
    items:
      - {key: boards, kind: observed, answer: count, label: 宣传板, unit: 块, threshold: ≥5,
         points: 20, bands: [{within: 2, points: 10}]}
      - {key: families, kind: observed, answer: number, label: 文明家庭创建率, unit: "%",
         threshold: ≥70, points: 15, bands: [{within: 10, points: 7.5}]}
      - {key: infant_mortality, kind: observed, answer: number, label: 婴儿死亡率, unit: ‰,
         threshold: ≤5, points: 15}
      - {key: practices, kind: observed, answer: text, label: 特色做法, points: 0}
"""
FULL_ARCHIVE = {("work_plan", "2025"): "filed", ("half_year_summary", "2025H1"): "filed",
                ("campaign_plan", "2025"): "draft"}


def _checklist(**changes: Any) -> Checklist:
    return parse_checklist(yaml.safe_load(INSPECTION) | changes, "inspection.yaml")


def _answers(checklist: Checklist | None = None, **values: Any) -> dict[str, Answer]:
    raw = {"honest": "是", "work_log": 10, "boards": 6, "families": "75%",
           "infant_mortality": 4.2, "practices": "建成婚育新风长廊。"} | values
    return parse_answers({"answers": raw}, checklist or _checklist(), "answers.yaml")


def _score(rollup: Rollup, catalogue, unit: str = "C1", archive: dict | None = None,
           checklist: Checklist | None = None, **values: Any) -> ChecklistScore:
    checklist = checklist or _checklist()
    return score_checklist(checklist, _answers(checklist, **values), catalogue, rollup, unit,
                           2025, archive=FULL_ARCHIVE if archive is None else archive)


@pytest.fixture
def rollup(small_snapshot) -> Rollup:
    """The sample street's ledger totals and figures."""
    return Rollup(small_snapshot)


def _by_key(score: ChecklistScore) -> dict[str, Any]:
    return {s.item.key: s for section in score.sections for s in section.items}


# Items, bands and subtotals ---------------------------------------------------------


def test_a_unit_meeting_everything_scores_full_marks(rollup, catalogue):
    score = _score(rollup, catalogue)
    assert [s.earned for s in score.sections] == [15, 35, 50]
    assert score.earned == 100 and score.grade.label == "模范社区" and not score.capped
    assert findings(score, INSPECTED) == []
    items = _by_key(score)
    assert (items["check_rate"].value, items["check_rate"].unit) == (Decimal("95.00"), "%")
    assert (items["training"].value, items["training"].unit) == (5, "期")
    assert items["practices"].level is None  # described, not judged


def test_every_kind_takes_part_points_within_its_band(rollup, catalogue):
    archive = {("work_plan", "2025"): "filed", ("half_year_summary", "2025H1"): "draft"}
    score = _score(rollup, catalogue, archive=archive, work_log=6, boards=4, families=65,
                   infant_mortality="5.5")
    items = _by_key(score)
    # One of the two documents is only a draft where a filed one is asked for: the band.
    assert (items["plans"].value, items["plans"].level, items["plans"].earned) == (
        1, "partial", 5)
    assert [(d.name, d.status, d.ok) for d in items["plans"].documents] == [
        ("2025年度工作计划", "filed", True), ("2025年上半年工作总结", "draft", False)]
    assert (items["campaigns"].level, items["campaigns"].earned) == ("missed", 0)
    assert (items["work_log"].level, items["work_log"].earned) == ("partial", 6)
    assert (items["boards"].level, items["boards"].earned) == ("partial", 10)
    assert (items["families"].level, items["families"].earned) == ("partial", Decimal("7.5"))
    # ≤5‰ with no band: 5.5‰ earns nothing.
    assert (items["infant_mortality"].level, items["infant_mortality"].earned) == ("missed", 0)
    assert [s.earned for s in score.sections] == [15, Decimal(21), Decimal("17.5")]
    assert score.earned == Decimal("53.5") and score.grade is None


def test_a_draft_counts_where_filing_is_not_asked_and_periods_must_match(rollup, catalogue):
    # A campaign plan of any period of 2025 will do, even as a draft; last year's will not,
    # and a work plan for a quarter is not the year's work plan.
    archive = {("work_plan", "2025Q1"): "filed", ("half_year_summary", "2025H1"): "filed",
               ("campaign_plan", "2024"): "filed"}
    items = _by_key(_score(rollup, catalogue, archive=archive))
    assert [(d.name, d.status) for d in items["plans"].documents] == [
        ("2025年度工作计划", None), ("2025年上半年工作总结", "filed")]
    assert items["campaigns"].earned == 0
    items = _by_key(_score(rollup, catalogue, archive={("campaign_plan", "2025"): "draft"}))
    assert items["campaigns"].earned == 5 and items["plans"].earned == 0


def test_indicator_against_the_unit_target_and_ledger_totals(rollup, catalogue):
    score = _score(rollup, catalogue, unit="C2")
    items = _by_key(score)
    check = items["check_rate"]
    assert (check.value, check.threshold.value, check.own_threshold) == (Decimal("83.33"), 90,
                                                                         False)
    assert (check.level, check.earned) == ("partial", 3)
    assert (items["training"].value, items["training"].earned) == (0, 0)
    assert score.earned == 83


# Grades and vetoes ------------------------------------------------------------------


@pytest.mark.parametrize(("points", "grade"), [
    ("100", "模范社区"), ("90", "模范社区"), ("89.99", "先进社区"), ("80", "先进社区"),
    ("79.5", "合格社区"), ("60", "合格社区"), ("59.99", None), ("0", None)])
def test_grades_follow_their_bars(rollup, catalogue, points, grade):
    checklist = _checklist(sections=[{"key": "a", "title": "综合评价", "items": [
        {"key": "overall", "kind": "observed", "answer": "score", "label": "综合评价",
         "points": 100}]}])
    score = score_checklist(checklist, {"overall": Answer(Decimal(points))}, catalogue, rollup,
                            "C1", 2025)
    assert score.earned == Decimal(points)
    assert (score.grade.label if score.grade else None) == grade


def test_a_failed_veto_caps_the_grade_at_its_cap(rollup, catalogue):
    # 东山社区: 83 points would be 先进社区, but its screening rate misses the target.
    score = _score(rollup, catalogue, unit="C2")
    assert score.grade_by_total.label == "先进社区"
    assert score.grade.label == "合格社区" and score.capped
    assert [s.item.key for s in score.vetoed] == ["check_rate"]


def test_a_veto_without_cap_withholds_every_grade_and_the_lowest_cap_wins(rollup, catalogue):
    # 东湖社区 scores 95 with falsified statistics: no grade at all.
    score = _score(rollup, catalogue, honest="否")
    assert (score.earned, score.grade_by_total.label, score.grade) == (95, "模范社区", None)
    both = _score(rollup, catalogue, unit="C2", honest="否")
    assert both.grade is None and [s.item.key for s in both.vetoed] == ["check_rate", "honest"]


def test_a_cap_above_the_grade_earned_changes_nothing(rollup, catalogue):
    # 东山社区 without boards: 63, 合格社区 by its total; the cap is 合格社区 too.
    score = _score(rollup, catalogue, unit="C2", boards=0)
    assert score.earned == 63 and score.grade.label == "合格社区" and not score.capped


def test_checklist_refuses_a_cap_that_is_not_a_grade():
    data = yaml.safe_load(INSPECTION)
    data["sections"][0]["items"][0]["veto_cap"] = "优秀"
    with pytest.raises(ChecklistError, match="第1部分（basic）第1项（check_rate）的 veto_cap："
                                             "'优秀' 不是 grades 中的等级（模范社区、先进社区、合格社区）"):
        parse_checklist(data, "bad.yaml")
    data = yaml.safe_load(INSPECTION)
    data["sections"][0]["items"][0]["veto"] = False
    with pytest.raises(ChecklistError, match="第1部分（basic）第1项（check_rate）："
                                             "veto_cap 只用于一票否决项"):
        parse_checklist(data, "bad.yaml")


# Findings ---------------------------------------------------------------------------


def test_every_lost_point_is_a_finding_with_a_deadline(rollup, catalogue):
    archive = {("work_plan", "2025"): "filed", ("half_year_summary", "2025H1"): "draft"}
    boards = {"value": 4, "note": "另有1块正在制作。"}
    score = _score(rollup, catalogue, archive=archive, work_log={"value": 6, "note": "3月至5月无记录"},
                   boards=boards, families=65, infant_mortality="5.5")
    found = {f.item.key: f for f in findings(score, INSPECTED)}
    assert list(found) == ["plans", "campaigns", "work_log", "boards", "families",
                           "infant_mortality"]
    assert sum(f.lost for f in found.values()) == 100 - Decimal("53.5")
    plans = found["plans"]
    assert (plans.section, plans.lost) == ("软件要求", 5)
    assert found["boards"].score.note == "另有1块正在制作。"
    assert all(f.days == 30 and f.deadline == date(2026, 2, 19) for f in found.values())


def test_indicator_and_ledger_findings_and_their_deadlines(rollup, catalogue):
    score = _score(rollup, catalogue, unit="C2", honest={"value": "否", "note": "漏报出生2人"})
    found = {f.item.key: f for f in findings(score, INSPECTED)}
    check = found["check_rate"]
    assert check.veto and check.lost == 7
    assert (check.days, check.deadline) == (60, date(2026, 3, 21))  # 60 days for indicators
    training = found["training"]
    assert (training.score.value, training.lost) == (0, 10)
    assert (training.days, training.deadline) == (45, date(2026, 3, 6))  # the item's own days
    # A checklist-wide default replaces the kinds' defaults, not an item's own days.
    score = _score(rollup, catalogue, unit="C2", checklist=_checklist(rectify_days=20))
    days = {f.item.key: f.days for f in findings(score, INSPECTED)}
    assert days == {"check_rate": 20, "training": 45}


def test_scoring_names_every_unanswered_item_and_needs_the_archive(rollup, catalogue):
    checklist = _checklist()
    with pytest.raises(ChecklistError) as caught:
        score_checklist(checklist, {"honest": Answer(True)}, catalogue, rollup, "C1", 2025,
                        archive=FULL_ARCHIVE)
    assert str(caught.value) == (
        "单位 C1：缺少以下检查项的答复：检查项 work_log（工作记录本记录完整）、检查项 boards（宣传板）、"
        "检查项 families（文明家庭创建率）、检查项 infant_mortality（婴儿死亡率）、"
        "检查项 practices（特色做法）")
    with pytest.raises(ChecklistError) as caught:
        score_checklist(checklist, _answers(), catalogue, rollup, "C1", 2025)
    assert str(caught.value) == "检查标准 demo_inspection 含档案项：评分须提供该单位在档案中存有的文件"


def test_answers_survive_plain_data_for_document_options(rollup, catalogue):
    answers = _answers(families="72.5", work_log="7.5")
    plain = answers_as_plain(answers)
    assert (plain["families"]["value"], plain["work_log"]["value"]) == ("72.5", "7.5")
    again = score_checklist(_checklist(), answers_from_plain(plain), catalogue, rollup, "C1",
                            2025, archive=FULL_ARCHIVE)
    items = _by_key(again)
    assert (items["families"].value, items["work_log"].earned) == (Decimal("72.5"),
                                                                   Decimal("7.5"))
    assert again.earned == Decimal("97.5")


def test_a_follow_up_says_which_findings_were_rectified(rollup, catalogue):
    archive = {("work_plan", "2025"): "filed", ("half_year_summary", "2025H1"): "draft"}
    before = _score(rollup, catalogue, archive=archive, boards=4, families=65)
    after = _score(rollup, catalogue, archive=FULL_ARCHIVE, boards=4, families=50)
    checked = [(f.before.item.key, f.rectified, f.gained) for f in follow_up(before, after)]
    assert checked == [("plans", True, 5), ("campaigns", True, 5), ("boards", False, 0),
                       ("families", False, Decimal("-7.5"))]


# Ranking ----------------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_is_skipped():
    totals = {"C3": Decimal("88"), "C1": Decimal("95.5"), "C2": Decimal("95.50"),
              "C4": Decimal("70"), "C5": Decimal("88.0")}
    ranked = rank_totals(totals)
    assert [(r.unit_code, r.rank, r.tied) for r in ranked] == [
        ("C1", 1, True), ("C2", 1, True), ("C3", 3, True), ("C5", 3, True), ("C4", 5, False)]


def test_ranking_without_ties_and_with_everyone_tied():
    assert [r.rank for r in rank_totals({"a": Decimal(3), "b": Decimal(2), "c": Decimal(1)})] \
        == [1, 2, 3]
    assert [(r.unit_code, r.rank) for r in rank_totals({"b": Decimal(0), "a": Decimal(0)})] \
        == [("a", 1), ("b", 1)]
    assert rank_totals({}) == []


def test_scores_rank_by_total(rollup, catalogue):
    scores = {"C1": _score(rollup, catalogue), "C2": _score(rollup, catalogue, unit="C2"),
              "C3": _score(rollup, catalogue, unit="C3")}
    ranked = rank_totals({code: score.earned for code, score in scores.items()})
    # 东岭社区 (C3): 102.66% screened, but no trainings: 90, still 模范社区.
    assert [(r.unit_code, r.total, r.rank) for r in ranked] == [
        ("C1", 100, 1), ("C3", 90, 2), ("C2", 83, 3)]
    assert scores["C3"].grade.label == "模范社区"
