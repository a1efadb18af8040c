"""A 自查报告 and the unit's level: checklists declare the levels they are for, one for
another level is refused naming both, and grades named after another level (模范社区 for
a street) are never printed."""

from __future__ import annotations

import pytest
import yaml

from tests.test_self_inspection_rules import WOMEN_ANSWERS, _checklist, _request
from wenshu.demo.sample import sample_snapshot
from wenshu.generators.self_inspection import SAMPLE_ANSWERS, SELF_INSPECTION
from wenshu.models.checklist import (
    ChecklistError,
    check_level,
    load_answers,
    parse_checklist,
    resolve_checklist,
)
from wenshu.services.inputs import checked_self_inspection


def test_shipped_checklists_declare_their_levels():
    assert {name: _checklist(name).levels for name in (
        "family_planning", "model_community", "maternal_child_health", "women_home")} == {
        "family_planning": ("community",), "model_community": ("community",),
        "maternal_child_health": ("district",), "women_home": ("community",)}
    with pytest.raises(ChecklistError, match="levels：未知的单位级别 '小区'"):
        parse_checklist(yaml.safe_load(resolve_checklist("women_home").read_text("utf-8"))
                        | {"levels": ["社区", "小区"]}, "w.yaml")
    assert parse_checklist(yaml.safe_load(resolve_checklist("women_home").read_text("utf-8"))
                           | {"levels": ["社区", "街道"]}, "w.yaml").levels == (
        "community", "street")


def test_a_checklist_for_another_level_is_refused_naming_both():
    check_level(_checklist("women_home"), "东湖社区", "community")  # fits: no error
    with pytest.raises(ChecklistError) as caught:
        check_level(_checklist("family_planning"), "示范区", "district")
    message = str(caught.value)
    assert message.startswith("检查标准 family_planning（社区人口和计划生育工作自查评分标准）"
                              "适用于社区，示范区是区，不能按此标准自查")
    assert "适用于区的内置检查标准：maternal_child_health" in message


def test_the_request_check_refuses_a_street_with_a_community_checklist(db_settings, small_tree):
    answers = {"name": "答复.yaml", "text": yaml.safe_dump({"answers": WOMEN_ANSWERS},
                                                           allow_unicode=True)}
    checklist, answered = checked_self_inspection(db_settings, "440307001001", 2025,
                                                  "women_home", answers)
    assert checklist.key == "women_home" and answered["ledgers"].value == 3
    with pytest.raises(ChecklistError, match="适用于社区，东城街道是街道"):
        checked_self_inspection(db_settings, "440307001", 2025, "women_home", answers)


def test_grades_named_after_another_level_are_never_printed():
    # A checklist with no levels, graded 模范社区/先进社区, used by a street: no grade words.
    data = yaml.safe_load(resolve_checklist("family_planning").read_text("utf-8"))
    del data["levels"]
    undeclared = parse_checklist(data, "undeclared.yaml")
    answers = load_answers(SAMPLE_ANSWERS, undeclared)
    street = SELF_INSPECTION.build(_request(sample_snapshot(), "S1", undeclared, answers))
    assert "社区标准" not in street["inspection_intro"] and "等次" not in street["inspection_intro"]
    assert street["score_rows"][-1]["result"] == ""
    community = SELF_INSPECTION.build(_request(sample_snapshot(), "C1", undeclared, answers))
    assert "未达到先进社区标准" in community["inspection_intro"]
    # Grades that name no level (优秀) are a street's as much as anyone's.
    neutral = parse_checklist(data | {"grades": [{"label": "优秀", "min_points": 90},
                                                 {"label": "合格", "min_points": 40}]}, "n.yaml")
    graded = SELF_INSPECTION.build(_request(sample_snapshot(), "S1", neutral, answers))
    assert graded["score_rows"][-1]["result"] == "合格"
