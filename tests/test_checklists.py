"""Inspection checklists as data: the shipped ones, archive and observed items, answers as
inspectors write them, and ``wenshu checklists check``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from wenshu.compute.checklist import findings, score_checklist
from wenshu.compute.summary import Rollup
from wenshu.models.checklist import (
    Answer,
    AnswerError,
    ArchiveItem,
    ArchiveRequirement,
    Checklist,
    ChecklistError,
    IndicatorItem,
    ObservedItem,
    check_catalogue,
    item_sources,
    load_checklist,
    parse_answer,
    parse_checklist,
    resolve_checklist,
)

SHIPPED = ("model_community", "maternal_child_health")


def _shipped(name: str) -> Checklist:
    return load_checklist(resolve_checklist(name))


# The shipped checklists -------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_checklists_load_and_fit_the_catalogue(name, catalogue):
    checklist = _shipped(name)
    check_catalogue(checklist, catalogue, name)
    assert checklist.key == name and checklist.max_points == 100
    assert [g.min_points for g in checklist.grades] == [90, 80, 60]
    assert len(item_sources(checklist, catalogue)) == len(checklist.items)


def test_model_community_has_the_seed_parts_and_every_item_kind(catalogue):
    checklist = _shipped("model_community")
    assert [(s.title, s.max_points) for s in checklist.sections] == [
        ("基本条件", 16), ("硬件要求", 28), ("软件要求", 32), ("优质服务", 24)]
    assert {item.kind for item in checklist.items} == {"indicator", "activity", "archive",
                                                       "observed"}
    assert {item.answer for item in checklist.observed} == {"yes_no", "count", "number",
                                                            "score", "text"}
    assert [g.label for g in checklist.grades] == ["模范社区", "先进社区", "合格社区"]
    caps = {item.key: item.veto_cap for item in checklist.items if item.veto}
    assert caps == {"check_rate": "合格社区", "policy_birth_rate": "合格社区",
                    "honest_statistics": None, "no_petitions": "先进社区"}
    boards = checklist.item("boards")
    assert (boards.unit, boards.threshold.comparator, boards.threshold.value) == ("块", "ge", 5)
    plans = checklist.item("plans_filed")
    assert isinstance(plans, ArchiveItem)
    assert [(d.kind, d.period, d.filed) for d in plans.documents] == [
        ("work_plan", "year", True), ("half_year_summary", "H1", True)]


def test_maternal_child_health_has_the_nineteen_indicators(catalogue):
    checklist = _shipped("maternal_child_health")
    assert len(checklist.items) == 20 and all(item.points == 5 for item in checklist.items)
    # Only the maternal mortality ratio has its base figures in the catalogue.
    [computed] = [item for item in checklist.items if isinstance(item, IndicatorItem)]
    assert (computed.indicator, computed.threshold.comparator, computed.threshold.value,
            computed.veto_cap) == ("maternal_mortality", "le", 10, "合格")
    figures = {item.key: (item.unit, item.threshold.comparator, item.threshold.value)
               for item in checklist.observed if item.answer == "number"}
    assert figures["maternal_care"] == ("%", "ge", 95)
    assert figures["vision_screening"] == ("%", "ge", 70)
    assert figures["infant_mortality"] == ("‰", "le", 5)
    assert figures["birth_defects"] == ("‰", "le", 7)
    assert figures["care_funding"] == ("元", "ge", 3)
    # 19 indicators: 1 computed, 16 recorded figures, 1 ledger total, 1 score; and the plans.
    assert len(figures) == 16
    assert checklist.item("staff_training").kind == "activity"
    assert checklist.item("special_funds").answer == "score"


def test_maternal_child_health_caps_a_unit_without_mortality_figures(small_snapshot,
                                                                     catalogue):
    checklist = _shipped("maternal_child_health")
    answers = {}
    for item in checklist.observed:
        if item.answer == "score":
            answers[item.key] = Answer(item.points)
        else:
            answers[item.key] = Answer(item.threshold.value)  # exactly at the standard
    archive = {("campaign_plan", "2025"): "filed", ("work_plan", "2025"): "filed"}
    score = score_checklist(checklist, answers, catalogue, Rollup(small_snapshot), "C1", 2025,
                            archive=archive)
    # 东湖社区 reports no live births: the ratio cannot be worked out, the veto item fails.
    assert score.earned == 95 and score.grade_by_total.label == "优秀"
    assert score.grade.label == "合格" and [s.item.key for s in score.vetoed] == [
        "maternal_mortality"]
    [finding] = findings(score, date(2026, 1, 20))
    assert finding.score.value is None and finding.veto
    assert finding.deadline == date(2026, 3, 21)  # 60 days for an indicator


# Archive and observed items ---------------------------------------------------------


def _one_item(item: dict) -> dict:
    return {"key": "t", "title": "测试", "subject": "测试工作",
            "sections": [{"key": "a", "title": "甲", "items": [item]}]}


def test_archive_documents_are_checked_against_the_kinds_made():
    item = {"key": "plans", "kind": "archive", "label": "计划总结已归档", "points": 5,
            "documents": [{"kind": "summary"}, {"kind": "half_year_summary", "period": "year"},
                          {"kind": "work_plan", "period": "Q3", "filed": False}]}
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(_one_item(item), "plans.yaml")
    message = str(caught.value)
    assert message.startswith("plans.yaml：检查标准有 2 处问题：")
    assert ("第1部分（a）第1项（plans）第1份文件：未知的文件种类 'summary'（可用：year_summary、"
            "half_year_summary、work_plan") in message
    assert ("第1部分（a）第1项（plans）第2份文件：half_year_summary 的 period 应为 H1 或 H2，"
            "不能是 'year'") in message
    assert "第3份文件" not in message


def test_a_file_that_is_no_checklist_says_why(tmp_path: Path):
    files = {"gbk.yaml": "检查标准".encode("gbk"), "bad.yaml": b"key: t\nsections: [1\n",
             "list.yaml": "- 基本条件\n".encode()}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    said = {}
    for name in ("missing.yaml", *files):
        with pytest.raises(ChecklistError) as caught:
            load_checklist(tmp_path / name)
        said[name] = str(caught.value)
    assert said == {
        "missing.yaml": f"找不到检查标准文件：{tmp_path / 'missing.yaml'}",
        "gbk.yaml": f"{tmp_path / 'gbk.yaml'}：检查标准不是 UTF-8 编码的文本",
        "bad.yaml": f"{tmp_path / 'bad.yaml'}：不是有效的 YAML：第3行第1列：expected ',' or ']', "
                    "but got '<stream end>'",
        "list.yaml": f"{tmp_path / 'list.yaml'}：检查标准的最外层应为字段表（key、title、"
                     "subject、sections……）"}


def test_missing_fields_and_wrong_kinds_are_named_in_chinese():
    data = _one_item({"key": "x", "kind": "survey", "label": "某项", "points": 5})
    del data["subject"]
    data["sections"].append({"key": "B", "title": "", "items": []})
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(data, "t.yaml")
    assert str(caught.value).splitlines() == [
        "t.yaml：检查标准有 5 处问题：",
        "  subject：缺少此项",
        "  第1部分（a）第1项（x）：kind 的值 'survey' 不认识，应为以下之一：'indicator'、'activity'、"
        "'archive'、'observed'",
        "  第2部分（B）的 key：应以小写英文字母开头，只用小写英文字母、数字和 _",
        "  第2部分（B）的 title：不能为空",
        "  第2部分（B）的 items：至少要有 1 项"]


def test_archived_documents_are_named_by_period():
    names = [ArchiveRequirement(kind=kind, period=period).name(2025) for kind, period in (
        ("work_plan", "year"), ("half_year_summary", "H1"), ("work_plan", "Q2"),
        ("campaign_plan", "any"), ("year_summary", "year"))]
    assert names == ["2025年度工作计划", "2025年上半年工作总结", "2025年第二季度工作计划",
                     "2025年活动实施方案", "2025年度工作总结"]
    named = ArchiveRequirement(kind="campaign_plan", period="any", label="创建工作实施方案")
    assert named.name(2026) == "2026年创建工作实施方案"
    assert [named.matches(code, 2026) for code in ("2026", "2026H1", "2026-03", "2025", "20261")] \
        == [True, True, True, False, False]


def test_observed_items_say_what_they_take():
    cases = [
        ({"answer": "score", "points": 0},
         "第1项（x）：score 项须有 points（检查人最多可给的分数）"),
        ({"answer": "number", "points": 5},
         "第1项（x）：count（计数）和 number（数值）项须有 threshold"),
        ({"answer": "score", "points": 5, "threshold": "≥3"},
         "yes_no、score、text 项不设 threshold"),
        ({"answer": "yes_no", "points": 5, "bands": [{"within": 1, "points": 2}]},
         "第1项（x）：只有设了 threshold 的项才能有 bands"),
        ({"answer": "text", "points": 5}, "第1项（x）：text 项只作说明、不计分"),
        ({"answer": "number", "points": 5, "threshold": "107～103"},
         "第1项（x）的 threshold：区间的上限 high 不能小于下限 value"),
    ]
    for fields, expected in cases:
        item = {"key": "x", "kind": "observed", "label": "某项"} | fields
        with pytest.raises(ChecklistError, match=expected):
            parse_checklist(_one_item(item), "x.yaml")


def _observed(answer: str, **fields) -> ObservedItem:
    return ObservedItem(key="x", kind="observed", label="某项", answer=answer, **fields)


def test_answers_are_read_as_inspectors_write_them():
    yes_no = _observed("yes_no", points=2)
    assert [parse_answer(yes_no, raw) for raw in ("是", "有", "√", "×", "否", True, "  无 ")] == [
        True, True, True, False, False, True, False]
    count = _observed("count", points=3, unit="块", threshold="≥5")
    assert [parse_answer(count, raw) for raw in (4, 4.0, "4", "４块", "4 块")] == [4] * 5
    number = _observed("number", points=5, unit="%", threshold="≥95")
    assert [parse_answer(number, raw) for raw in ("95.5%", 95.5, "95.5", 100)] == [
        Decimal("95.5"), Decimal("95.5"), Decimal("95.5"), 100]
    score = _observed("score", points=4)
    assert [parse_answer(score, raw) for raw in (4, "2.5", "3分", 0)] == [
        4, Decimal("2.5"), 3, 0]


@pytest.mark.parametrize(("answer", "fields", "raw", "code", "zh"), [
    ("yes_no", {"points": 2}, 1, "bad_yes_no", "应填“是”或“否”，不能填“1”"),
    ("count", {"points": 3, "unit": "块", "threshold": "≥5"}, 4.5, "bad_count",
     "应填不小于0的整数（单位：块），不能填“4.5”"),
    ("count", {"points": 3, "unit": "块", "threshold": "≥5"}, -1, "bad_count",
     "应填不小于0的整数（单位：块），不能填“-1”"),
    ("number", {"points": 5, "unit": "%", "threshold": "≥95"}, "九成", "bad_number",
     "应填不小于0的数字（单位：%），不能填“九成”"),
    ("score", {"points": 4}, 5, "bad_score", "应填0至4之间的得分，不能填“5”"),
    ("score", {"points": 4}, "2.125", "bad_score", "得分最多保留2位小数，不能填“2.125”"),
    ("text", {"points": 0}, "  ", "bad_text", "应填写文字说明"),
])
def test_wrong_answers_say_what_the_item_takes(answer, fields, raw, code, zh):
    with pytest.raises(AnswerError) as caught:
        parse_answer(_observed(answer, **fields), raw)
    assert (caught.value.code, caught.value.zh) == (code, zh)


# What each item reads, and the command ----------------------------------------------


def test_item_sources_name_indicator_ledger_archive_and_observation(catalogue):
    sources = {s.key: s for s in item_sources(_shipped("model_community"), catalogue)}
    check = sources["check_rate"]
    assert check.reads == ("indicator check_rate (孕环情检查受检率) = ledger check.participants "
                           "(已查人数) / figure expected_checks (应查人数)")
    assert check.standard == "the unit's signed target, else the catalogue's ≥90%"
    assert check.veto == "veto: at most 合格社区"
    assert sources["school_training"].reads == (
        "ledger measure training.sessions (培训期数), the year's total")
    assert sources["school_training"].standard == "≥4期"
    assert sources["plans_filed"].reads == (
        "archive: work_plan {year} (filed); half_year_summary {year}H1 (filed)")
    assert sources["campaign_plans"].reads == (
        "archive: campaign_plan any period of {year} (draft or filed)")
    assert sources["boards"].reads == "inspector observation: a count in 块"
    assert sources["civilized_families"].standard == "≥70%"
    assert sources["work_log"].reads == "inspector observation: 0–3 points"
    assert sources["honest_statistics"].veto == "veto: no grade"


@pytest.mark.prefect  # the wenshu fixture runs under the session's Prefect harness
def test_checklists_check_lists_what_each_item_reads(wenshu):
    output = wenshu("checklists", "check", "maternal_child_health")
    lines = output.splitlines()
    assert lines[0] == ("maternal_child_health.yaml: maternal_child_health 《妇幼卫生工作考核评分标准》, "
                        "3 sections, 20 items, 100 points; grades: 优秀 ≥90, 良好 ≥80, 合格 ≥60; "
                        "levels: district")
    assert "保障措施 (30 points)" in lines
    at = lines.index("  maternal_mortality  孕产妇死亡率  5 points  [veto: at most 合格]")
    assert lines[at + 1:at + 3] == [
        "      reads: indicator maternal_mortality (孕产妇死亡率) = figure maternal_deaths "
        "(孕产妇死亡数) / figure live_births (活产数)",
        "      standard: ≤10/10万"]
    at = lines.index("  infant_mortality  婴儿死亡率  5 points")
    assert lines[at + 1:at + 3] == ["      reads: inspector observation: a figure in ‰",
                                    "      standard: ≤5‰"]
    assert "      reads: ledger measure training.sessions (培训期数), the year's total" in lines
    assert ("      reads: archive: campaign_plan any period of {year} (filed); "
            "work_plan {year} (filed)") in lines
    assert lines[-1] == "maternal_child_health.yaml: OK"


@pytest.mark.prefect
def test_checklists_check_names_file_item_and_field(wenshu, tmp_path: Path):
    data = yaml.safe_load(resolve_checklist("model_community").read_text(encoding="utf-8"))
    hardware = data["sections"][1]["items"]
    hardware[1]["threshold"] = "十盘以上"
    hardware[3]["answer"] = "many"
    bad = tmp_path / "我的标准.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    output = wenshu("checklists", "check", str(bad), expect=1)
    flat = " ".join(output.split())
    assert f"error: {bad}：检查标准有 2 处问题：" in flat
    assert ("第2部分（hardware）第2项（edu_discs）的 threshold：'十盘以上' 不是 ≥4、≤12、=100 "
            "或 103～107 这样的写法") in flat
    assert ("第2部分（hardware）第4项（boards）的 answer：应为以下之一：'yes_no'、'count'、"
            "'number'、'score'、'text'") in flat
    data = yaml.safe_load(resolve_checklist("model_community").read_text(encoding="utf-8"))
    data["sections"][2]["items"][5]["activity"] = "seminar"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    flat = " ".join(wenshu("checklists", "check", str(bad), expect=1).split())
    assert ("第3部分（software）第6项（life_stage_education，“七前二后”和生殖健康专题教育讲座）"
            "的 activity：未知活动类型 'seminar'") in flat
