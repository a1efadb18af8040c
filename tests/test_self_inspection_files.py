"""The 自查 checklist and answers files: the shipped ones, and every problem in a file
named with its section, item and field."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from tests.self_inspection_data import SMALL_CHECKLIST, small_checklist
from wenshu.generators.self_inspection import SAMPLE_ANSWERS, read_spec
from wenshu.models.answers import FORM_TEXT_MAX, answers_from_form, form_values
from wenshu.models.checklist import (
    Answer,
    Checklist,
    ChecklistError,
    check_catalogue,
    load_answers,
    load_checklist,
    parse_checklist,
    resolve_checklist,
)


@pytest.fixture(scope="module")
def shipped() -> Checklist:
    """The shipped family-planning checklist."""
    return load_checklist(resolve_checklist(None))



def test_shipped_checklist_fits_the_catalogue_and_the_sample_answers(shipped, catalogue):
    check_catalogue(shipped, catalogue, "family_planning.yaml")
    assert shipped.max_points == 100
    assert [s.title for s in shipped.sections] == ["基本条件", "硬件设施", "软件资料", "优质服务"]
    kinds = {item.kind for item in shipped.items}
    assert kinds == {"indicator", "activity", "observed"}
    answers = load_answers(SAMPLE_ANSWERS, shipped, unit_code="440307001001", year=2025)
    assert set(answers) == {item.key for item in shipped.observed}
    assert answers["boards"] == Answer(4, "另有2块宣传板正在制作")


def test_thresholds_are_written_as_text(shipped):
    training = shipped.item("training")
    assert (training.threshold.comparator, training.threshold.value) == ("ge", 4)
    checklist = small_checklist(sections=[{"key": "a", "title": "甲", "items": [
        {"key": "ratio", "kind": "indicator", "indicator": "sex_ratio", "label": "性别比",
         "threshold": "103～107", "points": 5},
        {"key": "rate", "kind": "indicator", "indicator": "birth_rate", "label": "出生率",
         "threshold": "<=12.5", "points": 5}]}], grades=[])
    ratio, rate = checklist.items
    assert (ratio.threshold.comparator, ratio.threshold.value, ratio.threshold.high) == (
        "range", 103, 107)
    assert (rate.threshold.comparator, rate.threshold.value) == ("le", Decimal("12.5"))


def test_checklist_problems_name_section_and_item():
    data = yaml.safe_load(SMALL_CHECKLIST)
    items = data["sections"][1]["items"]
    items[0] = items[0] | {"threshold": "约5"}
    items[1] = items[1] | {"threshold": "≥1"}
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(data, "bad.yaml")
    message = str(caught.value)
    assert message.startswith("bad.yaml：检查标准有 2 处问题：")
    assert "第2部分（facilities）第1项（boards）的 threshold：'约5' 的数字前应写 ≥、≤ 或 =" in message
    assert ("第2部分（facilities）第2项（consult_room）：count（计数）和 number（数值）项须有 "
            "threshold") in message
    data = yaml.safe_load(SMALL_CHECKLIST)
    data["sections"][0]["items"].append(data["sections"][1]["items"][2])
    with pytest.raises(ChecklistError, match="（顶层）：检查项的 key 重复使用：honest"):
        parse_checklist(data, "bad.yaml")


def test_catalogue_references_are_checked(catalogue):
    checklist = small_checklist(sections=[{"key": "a", "title": "甲", "items": [
        {"key": "x", "kind": "indicator", "indicator": "no_such_rate", "label": "某率", "points": 5},
        {"key": "y", "kind": "activity", "activity": "check", "measure": "amount",
         "label": "检查", "threshold": "≥1", "points": 5}]}], grades=[])
    with pytest.raises(ChecklistError) as caught:
        check_catalogue(checklist, catalogue, "c.yaml")
    assert str(caught.value) == (
        "c.yaml：检查标准有 2 处问题：\n"
        "  第1部分（a）第1项（x，某率）的 indicator：未知指标 'no_such_rate'\n"
        "  第1部分（a）第2项（y，检查）的 measure：活动类型 check 不记录 'amount'")


def test_a_self_inspection_without_its_checklist_says_how_to_make_one():
    with pytest.raises(ChecklistError) as caught:
        read_spec({})
    assert str(caught.value) == ("自查报告须附检查标准和本单位的自查答复，请通过自查流程生成"
                                 "（wenshu inspect self）")


def test_answers_problems_are_all_reported_with_file_and_item(tmp_path):
    path = tmp_path / "自查答卷.yaml"
    path.write_text("unit: '440307001002'\nanswers:\n  boards: 若干块\n  consult_room: 1\n"
                    "  check_rate: 95\n  no_such_item: 是\n  practices: {value: 有, remark: x}\n",
                    encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_answers(path, small_checklist(), unit_code="440307001001")
    assert str(caught.value) == (
        f"{path}：答复有 7 处问题：\n"
        "  答复写的单位是 440307001002，而本次是 440307001001\n"
        "  检查项 boards（宣传板）：应填不小于0的整数（单位：块），不能填“若干块”\n"
        "  检查项 consult_room（设有悄悄话室或咨询台）：应填“是”或“否”，不能填“1”\n"
        "  检查项 check_rate（孕环情检查受检率）：由台账和基础数据计算得出，无需填写答复\n"
        "  检查标准 small 中没有检查项 'no_such_item'\n"
        "  检查项 practices（特色做法）：带备注的答复应写成 {value: …, note: …}\n"
        "  缺少以下检查项的答复：检查项 honest（统计信息真实准确）")


def test_answers_typed_into_a_form_read_back_as_a_file_would(tmp_path):
    """Each problem is kept by item for the form; good answers become the answers file's
    content, which loads as if a clerk had written it, and shows again as typed."""
    checklist = small_checklist()
    values = {"boards": "若干块", "consult_room": "否", "honest": "是", "practices": "x" * 2001}
    answers, errors = answers_from_form(checklist, values, {"consult_room": "正在改造"})
    assert errors == {"boards": "应填不小于0的整数（单位：块），不能填“若干块”",
                      "practices": f"每项答复和说明最多{FORM_TEXT_MAX}字"}
    values.update(boards="四块", practices="结对服务")  # 四 read as a ledger reads it
    answers, errors = answers_from_form(checklist, values, {"consult_room": "正在改造"})
    assert errors == {}
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": answers}, allow_unicode=True), encoding="utf-8")
    loaded = load_answers(path, checklist)
    assert loaded["boards"] == Answer(4) and loaded["consult_room"] == Answer(False, "正在改造")
    assert form_values(answers) == ({"boards": "四块", "consult_room": "否", "honest": "是",
                                     "practices": "结对服务"}, {"consult_room": "正在改造"})
    assert form_values({"honest": True, "boards": {"value": 5, "note": None}}) == (
        {"honest": "是", "boards": "5"}, {"boards": ""})

