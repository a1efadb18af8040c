"""The rules a 自查报告's words keep, checked on rendered reports of both lines of work:
the family-planning line (the sample street's communities, family_planning checklist)
and the women's federation line (a community's 妇女之家, women_home checklist)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_golden import document_text
from tests.test_phrasebook import _chinese_literals
from wenshu.compute.snapshot import FigureValue, LedgerTotal, Snapshot, TargetValue, UnitInfo
from wenshu.compute.summary import Rollup
from wenshu.demo.sample import sample_snapshot
from wenshu.generators.kinds import (
    ContextRequest,
    DocumentOptions,
    document_context,
    shipped_lines,
)
from wenshu.generators.render import render_docx
from wenshu.generators.self_inspection import (
    COLUMNS,
    SAMPLE_ANSWERS,
    SELF_INSPECTION,
    inspection_spec,
)
from wenshu.models.catalogue import TargetSpec, load_catalogue
from wenshu.models.checklist import (
    Answer,
    Checklist,
    ChecklistError,
    check_catalogue,
    load_answers,
    load_checklist,
    parse_answers,
    parse_checklist,
    resolve_checklist,
)
from wenshu.periods import Period
from wenshu.templates import template_path

ISSUED = date(2026, 1, 20)

# 东湖社区's year in the women's line, worked out by hand against women_home.yaml:
# 10 妇女之家 sessions of ≥12 (2 short: 5 of 8 points), 1 training of ≥2 and 30 trainees
# of ≥40 (bands), 15 of 30 trainees employed (50.0% against the catalogue's ≥60%, a
# 参考目标: 3 of 6), 19 of 20 petitions closed (95.0%), no family education recorded,
# 410 of 500 women screened (82.0% ≥80%). Its family-planning checks are not read.
WOMEN_LEDGER = (
    ("women_home", 10, {"sessions": 10, "participants": 420}),
    ("women_meeting", 4, {"sessions": 4, "participants": 60}),
    ("employment_training", 1, {"sessions": 1, "participants": 30}),
    ("rights_petition", 3, {"sessions": 2, "participants": 25}),
    ("cancer_screening", 2, {"sessions": 2, "participants": 410}),
    ("women_volunteering", 6, {"sessions": 6, "participants": 60, "households": 12}),
    ("check", 4, {"participants": 1900}),
)
WOMEN_FIGURES = {"women_to_screen": 500, "trainees": 30, "trainees_employed": 15, "petitions_received": 20,
                 "petitions_closed": 19}
WOMEN_ANSWERS = {"has_site": "是", "has_sign": "是",
                 "has_rules": {"value": "否", "note": "活动制度正在修订"},
                 "ledgers": 3, "committee": "是", "reports_on_time": "否",
                 "no_escalation": "是", "practices": "组建“姐妹议事会”，每月收集妇女群众意见。"}


def women_snapshot() -> Snapshot:
    """A street with two communities; 东湖社区 (C1) records the women's line's work."""
    units = (UnitInfo(code="D", name="示范区", level="district"),
             UnitInfo(code="S1", name="东城街道", level="street", parent_code="D"),
             UnitInfo(code="C1", name="东湖社区", level="community", parent_code="S1"),
             UnitInfo(code="C2", name="东山社区", level="community", parent_code="S1"))
    ledger = tuple(LedgerTotal(unit_code="C1", year=2025, month=n + 3, activity_type=kind,
                               title=kind, records=records, **measures)
                   for n, (kind, records, measures) in enumerate(WOMEN_LEDGER))
    figures = tuple(FigureValue(unit_code="C1", year=2025, key=key, value=Decimal(value))
                    for key, value in WOMEN_FIGURES.items())
    return Snapshot(root_code="D", year=2025, units=units, ledger=ledger, figures=figures)


def _checklist(name: str) -> Checklist:
    return load_checklist(resolve_checklist(name))


def _women_answers(**changes: Any) -> dict[str, Answer]:
    return parse_answers({"answers": WOMEN_ANSWERS | changes}, _checklist("women_home"),
                         "answers.yaml")


def _request(snapshot: Snapshot, unit: str, checklist: Checklist, answers: dict[str, Answer],
             line: str = "") -> ContextRequest:
    options = DocumentOptions(issued_on=ISSUED, spec=inspection_spec(checklist, answers),
                              topic=checklist.key, line=line)
    return ContextRequest(snapshot, Rollup(snapshot), load_catalogue(), unit, Period.year(2025),
                          options, line=shipped_lines().get(line))


def _women(**changes: Any) -> ContextRequest:
    return _request(women_snapshot(), "C1", _checklist("women_home"), _women_answers(**changes),
                    "women")


def _family(unit: str) -> ContextRequest:
    checklist = _checklist("family_planning")
    return _request(sample_snapshot(), unit, checklist, load_answers(SAMPLE_ANSWERS, checklist))


def _rendered(request: ContextRequest) -> str:
    """The report as the pipeline makes it: layout keys, signing organ, quotes typeset."""
    name = request.snapshot.unit_map[request.unit_code].name
    context = document_context(SELF_INSPECTION, request, name)
    return document_text(render_docx(template_path("self_inspection"), context))


@pytest.fixture(scope="module")
def women_text() -> str:
    return _rendered(_women())


# Both lines --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["family C1", "family C2", "women C1"])
def test_no_sentence_is_repeated_in_a_report(which):
    line, unit = which.split()
    text = _rendered(_family(unit) if line == "family" else _women())
    sentences = [s.strip() for s in re.split(r"[。！？\n]", text) if len(s.strip()) >= 8]
    repeated = {s: n for s, n in Counter(sentences).items() if n > 1}
    assert repeated == {}
    assert len(sentences) > 30  # the report really was read


def test_the_women_report_reads_only_its_line(women_text):
    assert "东湖社区2025年妇女之家建设工作自查报告" in women_text.replace("\n", "")
    assert "2025年，全社区共登记妇女儿童工作台账26条" in women_text
    # The community's family-planning checks are another line's work.
    assert "检查" not in women_text.split("二、自查情况")[0].split("报告如下：")[1]
    assert "孕环情" not in women_text
    assert "依托妇女之家开展活动10场，比自查标准（≥12场）低2场" in women_text


@pytest.mark.parametrize("which", ["family C1", "women C1"])
def test_numbers_follow_one_rule_each(which):
    line, unit = which.split()
    text = _rendered(_family(unit) if line == "family" else _women())
    # No 'X为X' echo of a unit (培训期数为8期, 参与人次为420人次).
    assert not re.search(r"(人次|期|场|户|人|次|份|块)为[\d.]+万?\1", text)
    assert "None" not in text and "{" not in text


def test_zero_is_printed_as_zero():
    checklist = parse_checklist({
        "key": "zero", "title": "测试评分标准", "subject": "计生工作",
        "sections": [{"key": "a", "title": "硬件", "items": [
            {"key": "boards", "kind": "observed", "answer": "count", "label": "宣传板",
             "unit": "块", "threshold": "≥5", "points": 4}]}]}, "zero.yaml")
    context = SELF_INSPECTION.build(_request(sample_snapshot(), "C1", checklist,
                                             {"boards": Answer(0)}))
    [section] = context["inspection_sections"]
    assert "现有宣传板0块，比不少于5块的要求少5块" in section["paragraphs"][1]
    assert context["score_rows"][0]["actual"] == "0块"
    assert context["score_rows"][0]["earned"] == "0"


# The phrasebook ------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["self_inspection_parts", "self_inspection_words"])
def test_the_builder_holds_no_chinese_wording(module):
    import wenshu.generators

    assert _chinese_literals(Path(wenshu.generators.__file__).parent / f"{module}.py") == []


def test_the_kind_module_holds_only_its_name_and_the_table_headers():
    import wenshu.generators

    path = Path(wenshu.generators.__file__).parent / "self_inspection.py"
    headers = {text for column in COLUMNS for text in (column.label, column.group) if text}
    assert set(_chinese_literals(path)) == headers | {SELF_INSPECTION.label}


def test_an_office_rewords_a_phrase_for_the_women_line(tmp_path):
    folder = tmp_path / "phrases" / "women"
    folder.mkdir(parents=True)
    (folder / "self_inspection.yaml").write_text(
        "phrases:\n  heading.problems: 存在的主要问题\n", encoding="utf-8")
    request = _women()
    request = ContextRequest(request.snapshot, request.rollup, load_catalogue(), "C1",
                             request.period, request.options, user_dir=tmp_path,
                             line=shipped_lines().get("women"))
    assert SELF_INSPECTION.build(request)["problems_heading"] == "三、存在的主要问题"
    assert SELF_INSPECTION.build(_family("C1"))["problems_heading"] == "三、存在问题"


# Vetoes ------------------------------------------------------------------------------------

VETO = {"key": "veto", "title": "测试评分标准", "subject": "计生工作", "levels": ["community"],
        "grades": [{"label": "模范社区", "min_points": 90}, {"label": "合格社区", "min_points": 60}],
        "sections": [{"key": "a", "title": "基本条件", "items": [
            {"key": "files", "kind": "observed", "answer": "yes_no", "label": "档案齐全",
             "points": 60},
            {"key": "room", "kind": "observed", "answer": "yes_no", "label": "设有咨询台",
             "points": 35},
            {"key": "honest", "kind": "observed", "answer": "yes_no",
             "label": "无瞒报、漏报计划生育统计信息", "shortfall": "统计信息存在漏报",
             "points": 5, "veto": True, "veto_cap": "合格社区"}]}]}


def _veto_context(room: bool, cap: str | None = "合格社区") -> dict[str, Any]:
    data = yaml.safe_load(yaml.safe_dump(VETO, allow_unicode=True))
    data["sections"][0]["items"][2]["veto_cap"] = cap
    checklist = parse_checklist(data, "veto.yaml")
    answers = {"files": Answer(True), "room": Answer(room), "honest": Answer(False)}
    return SELF_INSPECTION.build(_request(sample_snapshot(), "C1", checklist, answers))


def test_a_veto_that_lowered_the_grade_says_so():
    context = _veto_context(room=True)  # 95 points: 模范社区 by the total, capped
    assert ("自评得分95分（满分100分）。按总分可评为模范社区，但“无瞒报、漏报计划生育统计信息”"
            "未达到要求，按评分标准实行一票否决，自评等次降为合格社区。") in context["inspection_intro"]
    [honest] = context["problems"]
    assert honest["lead"] == "1.统计信息存在漏报。"
    assert honest["text"].endswith("该项为一票否决项，使自评等次由模范社区降为合格社区。")
    assert context["score_rows"][-1]["result"] == "合格社区"
    withheld = _veto_context(room=True, cap=None)
    assert "一票否决，不评定等次" in withheld["inspection_intro"]
    assert withheld["score_rows"][-1]["result"] == "一票否决"


def test_a_veto_that_changed_nothing_is_not_blamed():
    context = _veto_context(room=False)  # 60 points: 合格社区 by the total alone
    text = context["inspection_intro"] + "".join(p["text"] for p in context["problems"])
    assert "否决" not in text
    assert "合格社区" in context["inspection_intro"]
    assert context["score_rows"][-1]["result"] == "合格社区"


# Shortfalls, targets and contracts -------------------------------------------------------


def test_a_positive_requirement_is_stated_as_its_shortfall(women_text):
    context = SELF_INSPECTION.build(_women())
    leads = [p["lead"] for p in context["problems"]]
    assert "妇联工作统计报表和信息未按时报送。" in "".join(leads)
    assert not any("按时报送妇联工作统计报表" in lead for lead in leads)
    # A score item with no shortfall of its own: the generic 方面 wording, quoted.
    data = yaml.safe_load(resolve_checklist("women_home").read_text("utf-8"))
    del data["sections"][0]["items"][5]["shortfall"]
    generic = parse_checklist(data, "w.yaml")
    request = _request(women_snapshot(), "C1", generic, _women_answers(), "women")
    leads = [p["lead"] for p in SELF_INSPECTION.build(request)["problems"]]
    assert any(lead.endswith("“活动台账记录完整，图片、签到等资料齐全”方面未完全达到要求。")
               for lead in leads)


def test_a_catalogue_default_is_a_reference_target(women_text):
    # Nobody signed a target for the women's line: the catalogue's ≥60% is only a reference.
    assert "培训就业率50.0%，比参考目标（≥60%）低10.0个百分点" in women_text
    assert "信访办结率95.0%，达到参考目标（≥95%）" in women_text
    assert "目标值" not in women_text
    # 东湖社区 signed its check-rate target; its birth rate target is the catalogue's.
    family = _rendered(_family("C1"))
    assert "孕环情检查受检率95.00%，比目标值（≥90%）高5.00个百分点" in family
    assert "符合政策生育率100.00%，比参考目标（≥93%）高7.00个百分点" in family


def test_a_rate_under_its_ceiling_is_said_once_as_not_above_it():
    """8.97‰ against a signed ≤12‰: that ceiling is a 控制目标, and 控制在控制目标以内
    would say 控制 twice; the report says the rate did not exceed it."""
    snapshot = sample_snapshot()
    figures = (FigureValue(unit_code="C1", year=2025, key="population", value=Decimal(1115)),
               FigureValue(unit_code="C1", year=2025, key="births", value=Decimal(10)))
    snapshot = Snapshot(root_code="D", year=2025, units=snapshot.units, ledger=snapshot.ledger,
                        figures=tuple(f for f in snapshot.figures
                                      if (f.unit_code, f.key) != ("C1", "births")) + figures,
                        targets=(*snapshot.targets, TargetValue(
                            unit_code="C1", year=2025, indicator="birth_rate",
                            spec=TargetSpec(comparator="le", value=Decimal(12)))))
    checklist = _checklist("family_planning")
    text = _rendered(_request(snapshot, "C1", checklist, load_answers(SAMPLE_ANSWERS, checklist)))
    assert "人口出生率8.97‰，未超过控制目标（≤12‰）" in text
    assert "控制在控制目标" not in text


def test_no_contract_is_cited_by_a_unit_that_signed_nothing(women_text):
    assert "责任书" not in women_text
    assert "责任书" not in _rendered(_family("C2"))  # 东山社区 signed no target
    assert "按照年初签订的目标管理责任书和模范社区评选条件的要求" in _rendered(_family("C1"))


def test_the_women_checklist_fits_the_womens_line():
    checklist = _checklist("women_home")
    check_catalogue(checklist, load_catalogue(), "women_home.yaml")
    assert checklist.max_points == 100
    assert [(g.label, g.min_points) for g in checklist.grades] == [
        ("示范妇女之家", 90), ("达标妇女之家", 60)]
    line = shipped_lines().get("women")
    assert checklist.key in line.checklists
    reads = {getattr(item, "activity", None) or getattr(item, "indicator", None)
             for item in checklist.items} - {None}
    assert reads <= set(line.activities) | set(line.indicators)
    # 73.5 points by hand (see WOMEN_LEDGER): 达标, the veto item answered 是.
    context = SELF_INSPECTION.build(_women())
    assert context["score_rows"][-1]["earned"] == "73.5"
    assert context["score_rows"][-1]["result"] == "达标妇女之家"


# Through the flow ------------------------------------------------------------------------


@pytest.mark.prefect
@pytest.mark.soffice
def test_the_flow_reads_the_women_line_for_its_checklist_and_refuses_a_street(office, wenshu,
                                                                               tmp_path):
    import docx

    from wenshu.services.inputs import read_input
    from wenshu.workflows.self_inspection import self_inspection

    ledger = tmp_path / "妇联台账.csv"
    ledger.write_text("单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注\n"
                      "440307001001,2025-03-08,妇女之家,三八节主题活动,1,80,,,,\n"
                      "440307001001,2025-05-10,就业创业培训,家政技能培训,1,30,,,,\n",
                      encoding="utf-8")
    wenshu("ledger", "import", str(ledger))
    answers = tmp_path / "妇女之家自查.yaml"
    answers.write_text(yaml.safe_dump({"answers": WOMEN_ANSWERS}, allow_unicode=True),
                       encoding="utf-8")
    [outcome] = self_inspection("440307001001", 2025, checklist="women_home",
                                answers=read_input(answers), issued_on=ISSUED)
    assert outcome.created and outcome.key.topic.endswith("women_home")
    wenshu("archive", "get", str(outcome.document_id), "--format", "docx",
           "--to", str(tmp_path / "w.docx"))
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "w.docx")).paragraphs)
    assert "东湖社区2025年" in text and "妇女之家建设工作自查报告" in text
    assert "依托妇女之家开展活动1场，比自查标准（≥12场）低11场" in text
    assert "孕环情" not in text and "责任书" not in text
    with pytest.raises(ChecklistError, match="适用于社区，东城街道是街道，不能按此标准自查"):
        self_inspection.fn("440307001", 2025, checklist="women_home",
                           answers=read_input(answers))
