"""The rules an inspection's words keep, checked on rendered 检查情况反馈意见 and 检查情况通报
of the sample street's communities (the fixtures of tests/test_inspection_flow.py), and
the ``inspection`` phrasebook they are filled from."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_golden import document_text
from tests.test_inspection_flow import BEFORE, INSPECTED, ISSUED, NOW, PLAN_2025
from tests.test_phrasebook import _chinese_literals
from wenshu.compute.summary import Rollup
from wenshu.demo.sample import sample_snapshot
from wenshu.generators.inspection import INSPECTION_BULLETIN, INSPECTION_REPORT
from wenshu.generators.inspection_inputs import (
    Place,
    UnitRecord,
    bulletin_spec,
    inspect_units,
    place_of,
    rank_units,
    report_spec,
)
from wenshu.generators.kinds import (
    ContextRequest,
    DocumentKind,
    DocumentOptions,
    document_context,
    sample_context,
)
from wenshu.generators.render import render_docx
from wenshu.models.checklist import Checklist, parse_answers, parse_checklist
from wenshu.periods import Period
from wenshu.templates import template_path

# The flow tests' checklist, with a section of four requirements (yes/no, no remedies of
# their own) and a positively worded one, so a unit can miss several at once.
CHECKLIST = """
key: office_check
title: 计划生育基层工作检查评分标准
subject: 计划生育基层工作
basis: 区卫生健康局年度检查工作方案
grades: [{label: 优秀, min_points: 90}, {label: 良好, min_points: 75}, {label: 合格, min_points: 60}]
sections:
  - key: targets
    title: 目标任务
    items:
      - {key: check_rate, kind: indicator, indicator: check_rate, label: 孕环情检查受检率,
         points: 30, bands: [{within: 5, points: 15}], veto: true, veto_cap: 合格}
  - key: facilities
    title: 阵地建设
    items:
      - {key: boards, kind: observed, answer: count, label: 宣传板, unit: 块, threshold: ≥5,
         points: 10, bands: [{within: 2, points: 5}]}
      - {key: room, kind: observed, answer: yes_no, label: 设有咨询室, points: 5}
      - {key: phone_pc, kind: observed, answer: yes_no, label: 配备电话和计算机, points: 5}
      - {key: cabinet, kind: observed, answer: yes_no, label: 设有避孕节育药具柜, points: 5}
      - {key: library, kind: observed, answer: yes_no, label: 设有图书室, points: 5}
  - key: records
    title: 资料管理
    items:
      - {key: work_log, kind: observed, answer: score, label: 工作记录完整, points: 20}
      - {key: reports, kind: observed, answer: yes_no, label: 按时报送统计报表, points: 10}
      - {key: plan_filed, kind: archive, label: 年度工作计划已归档, points: 20, rectify_days: 15,
         documents: [{kind: work_plan, period: year, filed: true}]}
"""
MORE = {"phone_pc": "是", "cabinet": "是", "library": "是", "reports": "是"}
# 东山社区 misses all four requirements and the reports; 东岭社区 misses the reports too.
MISSED = {"C2": {"phone_pc": "否", "cabinet": "否", "library": "否", "reports": "否"},
          "C3": {"reports": {"value": "否", "note": "二季度报表迟报10天"}}}


def _checklist() -> Checklist:
    return parse_checklist(yaml.safe_load(CHECKLIST), "office_check.yaml")


def _records(checklist: Checklist, answers: dict[str, dict], archive: bool = True
             ) -> dict[str, UnitRecord]:
    return {code: UnitRecord(parse_answers(
        {"answers": MORE | values | MISSED.get(code, {})}, checklist, "answers"),
        PLAN_2025 if archive and code != "C2" else {}) for code, values in answers.items()}


def _rendered(kind: DocumentKind, unit: str, spec: dict[str, Any], catalogue: Any) -> str:
    """The document as the pipeline builds it: layout keys, quotes typeset, rendered."""
    snapshot = sample_snapshot()
    request = ContextRequest(snapshot, Rollup(snapshot), catalogue, unit, Period.year(2025),
                             DocumentOptions(issued_on=ISSUED, spec=spec))
    context = document_context(kind, request, snapshot.unit_map[unit].name)
    return document_text(render_docx(template_path(kind.template), context))


def _report(catalogue: Any, unit: str, previous: bool = False) -> str:
    checklist = _checklist()
    records = _records(checklist, NOW)
    units = inspect_units(checklist, records, catalogue, sample_snapshot(), Period.year(2025),
                          INSPECTED)
    place = place_of(unit, rank_units(units), {u.code: u.name for u in units}, "社区")
    before = _records(checklist, BEFORE, False)
    earlier = (Period.year(2024), before[unit]) if previous and unit in before else None
    spec = report_spec(checklist, INSPECTED, "东城街道", records[unit], place, earlier)
    return _rendered(INSPECTION_REPORT, unit, spec, catalogue)


def _bulletin(catalogue: Any, previous: bool = False) -> str:
    checklist = _checklist()
    earlier = (Period.year(2024), _records(checklist, BEFORE, False)) if previous else None
    spec = bulletin_spec(checklist, INSPECTED, _records(checklist, NOW), earlier)
    return _rendered(INSPECTION_BULLETIN, "S1", spec, catalogue)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。！？\n]", text) if len(s.strip()) >= 8]


def _part(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end)]


@pytest.mark.parametrize("previous", [False, True])
@pytest.mark.parametrize("unit", ["C1", "C2", "C3", "bulletin"])
def test_no_sentence_is_repeated_in_a_document(catalogue, unit, previous):
    text = _bulletin(catalogue, previous) if unit == "bulletin" else _report(catalogue, unit,
                                                                             previous)
    sentences = _sentences(text)
    assert {s: n for s, n in Counter(sentences).items() if n > 1} == {}
    assert len(sentences) > 15  # the document really was read


@pytest.mark.parametrize("kind", [INSPECTION_REPORT, INSPECTION_BULLETIN])
def test_no_sentence_is_repeated_in_the_built_in_samples(kind):
    text = document_text(render_docx(template_path(kind.template), sample_context(kind)))
    assert {s: n for s, n in Counter(_sentences(text)).items() if n > 1} == {}


def test_requirements_missed_in_one_section_are_said_together(catalogue):
    text = _report(catalogue, "C2")
    problems = _part(text, "存在的问题", "整改意见")
    assert ("未落实“设有咨询室”“配备电话和计算机”“设有避孕节育药具柜”“设有图书室”4项要求未落实"
            not in problems)
    assert "“设有咨询室”“配备电话和计算机”“设有避孕节育药具柜”“设有图书室”4项要求未落实" in problems
    measures = _part(text, "整改意见", "有关要求")
    # One measure for the four, not four copies differing in the item's name.
    facilities = next(line for line in measures.splitlines() if "阵地建设" in line)
    assert facilities.count("指定专人管理") == 1
    assert text.count("“配备电话和计算机”") == 2  # the problem and its measure


def test_each_measure_names_the_unit_a_concrete_action_and_a_date(catalogue):
    text = _report(catalogue, "C2")
    measures = _part(text, "整改意见", "有关要求").splitlines()[2:-1]
    assert len(measures) == 3
    for line in measures:
        assert "东山社区要" in line and re.search(r"于20\d\d年\d+月\d+日前", line), line
    assert "补充宣传板，至少再增加" in text and "补齐2025年度工作计划，按规定审核后归档" in text
    bulletin = _bulletin(catalogue)
    for line in bulletin[bulletin.index("整改要求"):].splitlines()[1:3]:
        assert re.search(r"社区要.+于20\d\d年\d+月\d+日前整改到位", line), line


def test_a_positively_worded_item_is_never_the_problem_itself(catalogue):
    for text in (_report(catalogue, "C2"), _report(catalogue, "C3"), _bulletin(catalogue)):
        problems = text[text.index("存在的"):]
        for label in ("按时报送统计报表", "设有咨询室"):
            # Wherever the item is named, its shortfall is said: not in place (未落实),
            # or the requirement to meet (对照…的要求).
            for clause in re.split(r"[。；\n]", problems):
                if label in clause:
                    assert "未落实" in clause or "对照" in clause, clause
            assert f"{label}扣" not in problems and f"“{label}”扣" not in problems


def test_a_veto_is_mentioned_only_where_it_lowered_the_grade(catalogue):
    # 东山社区's 25 points earn no grade: its failed veto changed nothing.
    assert "一票否决" not in _part(_report(catalogue, "C2"), "检查得分情况", "有关要求")
    bulletin = _bulletin(catalogue)
    assert "一票否决" not in bulletin[bulletin.index("检查结果"):]
    # The sample street's 妇幼卫生 total (81) is 良好; the veto lowers it to 合格.
    sample = document_text(render_docx(template_path("inspection_report"),
                                       sample_context(INSPECTION_REPORT)))
    assert "按总分你单位可评为良好，但“孕产妇死亡率”为一票否决项且未达到要求，等次降为合格。" in sample
    assert sample.count("一票否决") == 2  # that sentence and the item's mark


def test_a_target_from_the_catalogue_default_is_a_reference_target(catalogue):
    text = _report(catalogue, "C2")
    assert "孕环情检查受检率83.33%，与参考目标（≥90%）相差6.67个百分点，差距较大" in text
    assert "目标值（≥90%）" not in text


def test_how_far_short_decides_the_words(catalogue):
    text = _report(catalogue, "C2")
    assert "宣传板3块，比标准（≥5块）少2块" in text  # within the band
    assert "差距较大" in text  # the screening rate, beyond its band


def test_a_problem_every_unit_shares_is_said_once_in_the_lead(catalogue):
    text = _bulletin(catalogue)
    common = _part(text, "共性问题", "各社区存在的问题")
    assert "有1项问题3个社区均存在，另有1项问题在部分社区中存在" in common
    assert "东岭社区、东山社区在此项共扣" in common  # the reports, two of three
    own = _part(text, "各社区存在的问题", "整改要求")
    assert "工作记录完整" not in own and "按时报送统计报表" not in own
    assert "除上述共性问题外" in own


def test_numbers_follow_one_rule_each(catalogue):
    text = _bulletin(catalogue, previous=True)
    # A handful of problems gets its counts, never a rate.
    assert "整改率" not in text and "%" not in _part(text, "上次检查问题整改情况", "存在的主要问题")
    for document in (text, _report(catalogue, "C2", previous=True)):
        assert not re.search(r"(人次|期|场|户|人|次|份|块)为[\d.]+万?\1", document)
        assert "0.00" not in document and "None" not in document
    sample = document_text(render_docx(template_path("inspection_bulletin"),
                                       sample_context(INSPECTION_BULLETIN)))
    assert "均为0场（标准≥4场）" in sample  # no lectures recorded by any: 0, said once


@pytest.mark.parametrize("module", ["inspection_voice", "inspection_findings",
                                    "inspection_report", "inspection_bulletin",
                                    "inspection_inputs"])
def test_the_builders_hold_no_chinese_wording(module):
    import wenshu.generators

    path = Path(wenshu.generators.__file__).parent / f"{module}.py"
    assert _chinese_literals(path) == []


def test_an_office_rewords_a_phrase(tmp_path, catalogue):
    folder = tmp_path / "catalogue" / "phrases"
    folder.mkdir(parents=True)
    (folder / "inspection.yaml").write_text(
        "phrases:\n  report.problems_heading: 检查发现的问题\n", encoding="utf-8")
    checklist = _checklist()
    records = _records(checklist, NOW)
    spec = report_spec(checklist, INSPECTED, "东城街道", records["C2"],
                       place_of("C2", rank_units(inspect_units(
                           checklist, records, catalogue, sample_snapshot(), Period.year(2025),
                           INSPECTED)), {"C1": "a", "C2": "b", "C3": "c"}, "社区"))
    snapshot = sample_snapshot()
    request = ContextRequest(snapshot, Rollup(snapshot), catalogue, "C2", Period.year(2025),
                             DocumentOptions(issued_on=date(2026, 1, 22), spec=spec),
                             user_dir=tmp_path / "catalogue")
    assert INSPECTION_REPORT.build(request)["problems_heading"] == "二、检查发现的问题"


def test_a_line_of_work_names_its_own_subject(catalogue):
    from wenshu.generators.kinds import shipped_lines
    from wenshu.models.catalogue import load_catalogue

    checklist = parse_checklist({
        "key": "women_home_check", "title": "妇女之家建设检查评分标准",
        "subject": "妇女之家建设工作", "grades": [{"label": "达标", "min_points": 60}],
        "sections": [{"key": "base", "title": "阵地建设", "items": [
            {"key": "sign", "kind": "observed", "answer": "yes_no", "label": "悬挂妇女之家标牌",
             "points": 50},
            {"key": "rules", "kind": "observed", "answer": "yes_no", "label": "制度上墙",
             "points": 50}]}]}, "women.yaml")
    answers = parse_answers({"answers": {"sign": "否", "rules": "是"}}, checklist, "answers")
    record = UnitRecord(answers, {})
    snapshot = sample_snapshot()
    spec = report_spec(checklist, INSPECTED, "东城街道妇联", record, Place(1, 1))
    request = ContextRequest(snapshot, Rollup(snapshot), load_catalogue(), "C1",
                             Period.year(2025), DocumentOptions(issued_on=ISSUED, spec=spec),
                             line=shipped_lines().get("women"))
    context = document_context(INSPECTION_REPORT, request, "东湖社区")
    text = document_text(render_docx(template_path("inspection_report"), context))
    assert context["title"] == "关于东湖社区2025年妇女之家建设工作检查情况的反馈意见"
    assert "复查结果纳入年度妇女儿童工作考核" in text
    assert "人口和计划生育" not in text


def test_like_findings_in_a_section_are_said_together_in_the_shipped_checklist():
    # The reviewer's case: a unit short of four requirements of 模范社区's hardware.
    from wenshu.generators.inspection import SAMPLE_INSPECTED_ON, _sample_answers
    from wenshu.models.checklist import load_checklist, resolve_checklist

    checklist = load_checklist(resolve_checklist("model_community"))
    answers = _sample_answers(checklist, {"phone_pc": "否", "contraceptive_cabinet": "否",
                                          "library": "否", "av_equipment": "否", "boards": 3})
    spec = report_spec(checklist, SAMPLE_INSPECTED_ON, "示范区卫生健康局",
                       UnitRecord(answers, {("work_plan", "2025"): "filed"}), Place(2, 3))
    context = sample_context(INSPECTION_REPORT, DocumentOptions(issued_on=ISSUED, spec=spec))
    text = document_text(render_docx(template_path("inspection_report"), context))
    assert ("“配备电视机、影碟机等电化教育设备”“设有图书室和计划生育宣传品摆放架”“配备电话和计算机”"
            "“设有避孕节育药具柜”4项要求未落实") in text
    # No lectures and no publicity recorded: one clause; both documents missing: one clause.
    assert "社会化宣传教育活动2项均为0（标准依次为≥4场、≥4场）" in text
    assert "未见2025年上半年工作总结、2025年活动实施方案" in text
    # Each requirement gets its own remedy from the checklist, not one sentence four times.
    measures = _part(text, "整改意见", "有关要求")
    assert "为计生服务室配备固定电话和计算机" in measures and "添置避孕节育药具柜" in measures
    assert "明确专人负责" not in measures
    assert {s: n for s, n in Counter(_sentences(text)).items() if n > 1} == {}
