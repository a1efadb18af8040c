"""A campaign spec as the office writes it: the file, its fields, its targets, and what it
names against the unit tree and the catalogue; every problem named in Chinese."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.campaign_samples import SAMPLE, campaign_spec, street_spec
from wenshu.compute.snapshot import Snapshot
from wenshu.generators.campaign_resolve import resolve_campaign
from wenshu.models.campaign import (
    CampaignSpec,
    CampaignSpecError,
    load_campaign,
    parse_campaign,
    parse_target,
)
from wenshu.models.catalogue import Catalogue, TargetSpec


def _problems(data: dict[str, Any]) -> str:
    with pytest.raises(CampaignSpecError) as caught:
        parse_campaign(data, "春季活动.yaml")
    message = str(caught.value)
    assert message.startswith("春季活动.yaml：")
    return message


# --- The spec file --------------------------------------------------------------------------

def test_shipped_sample_loads(catalogue: Catalogue) -> None:
    spec = load_campaign(SAMPLE)
    assert (spec.code, spec.year, len(spec.phases)) == ("hyxf-2025", 2025, 3)
    assert spec.participants == ("all streets",)
    # YAML folds long lines with a space; Chinese text has none.
    assert " " not in spec.guiding_idea[0]


def test_shorthands_offices_write_are_understood() -> None:
    spec = campaign_spec(participants=[440307001, "All  Streets"], guiding_idea="一段话",
                 principles=["只有正文", {"坚持以人为本": "正文"}])
    assert spec.participants == ("440307001", "all streets")
    assert spec.guiding_idea == ("一段话",)
    assert [(p.lead, p.text) for p in spec.principles] == [(None, "只有正文"), ("坚持以人为本", "正文")]
    assert spec.phases[1].tasks == ("上门提醒未按时参检的对象",)


def test_plain_data_round_trip_keeps_the_spec() -> None:
    spec = campaign_spec()
    assert CampaignSpec.model_validate(spec.model_dump(mode="json")) == spec


def test_overlapping_phases_are_named() -> None:
    data = street_spec()
    data["phases"][1]["start"] = "2025-06-15"
    message = _problems(data)
    assert "phases[2]（集中服务阶段）开始于 2025-06-15，早于 phases[1]（宣传发动）结束的 " \
           "2025-06-30：各阶段不能重叠" in message


def test_phases_out_of_order_are_named() -> None:
    data = street_spec()
    data["phases"][0], data["phases"][2] = data["phases"][2], data["phases"][0]
    assert "phases[2]（集中服务阶段）开始于 2025-07-01，早于 phases[1]（总结验收）的 " \
           "2025-10-08：请按日期先后排列各阶段" in _problems(data)


def test_end_before_start_names_the_phase() -> None:
    data = street_spec()
    data["phases"][2]["end"] = "2025-10-01"
    assert "phases[3]：阶段「总结验收」的结束日期 2025-10-01 早于开始日期 2025-10-08" in _problems(data)


def test_phase_outside_the_year_is_named() -> None:
    data = street_spec()
    data["year"] = 2026
    assert "phases[1]（宣传发动）开始于 2025-05-21，不在活动年度 2026 内" in _problems(data)


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("code", "婚育新风", "code：'婚育新风' 不是简短代码"),
    ("code", "HYXF 2025", "code：'HYXF 2025' 不是简短代码"),
    ("participants", ["all villages"], "participants：不认识的单位组 'all villages'"),
    ("participants", ["S1", "S1"], "participants：重复填写：S1"),
    ("guiding_idea", ["{{ guiding_idea }}"], "guiding_idea[1]：含有模板标记"),
    ("name", "  ", "name：不能为空"),
    ("report_due", "2025-05-01", "report_due：2025-05-01 早于活动开始日期"),
    ("phases", [], "phases：至少要有一个阶段"),
    ("goals", {"indicators": [{"indicator": "check_rate", "target": "95%"}]},
     "goals.indicators[1].target：目标 '95%'：请以 ≥、≤ 或 = 开头"),
    ("colour", "red", "colour：不认识的字段"),
    ("year", "二〇二五", "year：应为整数"),
    ("phases", [{"name": "宣传", "start": "5月1日", "end": "2025-06-30"}],
     "phases[1].start：应为日期，如 2025-03-01"),
])
def test_field_errors_name_the_file_and_the_field(field: str, value: Any, expected: str) -> None:
    assert expected in _problems(street_spec() | {field: value})


def test_every_problem_is_reported_at_once() -> None:
    data = street_spec() | {"code": "x y", "name": ""}
    data["phases"][0]["end"] = "2025-05-01"
    message = _problems(data)
    assert "活动方案有 3 处问题" in message
    assert "code：" in message and "name：" in message and "phases[1]：" in message


def test_unreadable_files_are_errors_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(CampaignSpecError, match="找不到活动方案文件：.*missing.yaml"):
        load_campaign(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: [unclosed\n", encoding="utf-8")
    with pytest.raises(CampaignSpecError, match="broken.yaml：不是有效的 YAML"):
        load_campaign(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- code: x\n", encoding="utf-8")
    with pytest.raises(CampaignSpecError, match="list.yaml：活动方案的最外层应为字段表"):
        load_campaign(listed)


@pytest.mark.parametrize(("text", "target", "unit"), [
    ("≥95%", TargetSpec(comparator="ge", value=Decimal(95)), "%"),
    (">= 95.5 %", TargetSpec(comparator="ge", value=Decimal("95.5")), "%"),
    ("≤12‰", TargetSpec(comparator="le", value=Decimal(12)), "‰"),
    ("=100%", TargetSpec(comparator="eq", value=Decimal(100)), "%"),
    ("103～107", TargetSpec(comparator="range", value=Decimal(103), high=Decimal(107)), ""),
    ("63%～68%", TargetSpec(comparator="range", value=Decimal(63), high=Decimal(68)), "%"),
    ("≥20期", TargetSpec(comparator="ge", value=Decimal(20)), "期"),
])
def test_targets_are_written_as_offices_write_them(text: str, target: TargetSpec, unit: str) -> None:
    assert parse_target(text) == (target, unit)


@pytest.mark.parametrize(("text", "reason"), [
    ("95%", "请以 ≥、≤ 或 = 开头"), ("≥103～107", "区间前不加"),
    ("107～103", "区间上限小于下限"), ("63%～68‰", "两个不同的单位"), ("高于95", "格式不对"),
])
def test_bad_targets_say_what_is_accepted(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_target(text)


# --- The spec against units and catalogue ----------------------------------------------------

def _units(snapshot: Snapshot, root: str) -> dict[str, Any]:
    return {code: snapshot.unit_map[code] for code in snapshot.subtree(root)}


def test_groups_select_the_units_under_the_plan_unit(small_snapshot: Snapshot,
                                                     catalogue: Catalogue) -> None:
    plan = resolve_campaign(campaign_spec(), _units(small_snapshot, "S1"), "S1", catalogue, "spec.yaml")
    assert [u.code for u in plan.participants] == ["C1", "C2", "C3"]
    assert (plan.participant_phrase, plan.participant_noun) == ("辖区3个社区", "各社区")
    named = resolve_campaign(campaign_spec(participants=["C2", "C1"], lead_unit="C1"),
                             _units(small_snapshot, "S1"), "S1", catalogue, "spec.yaml")
    assert named.participant_phrase == "东山社区、东湖社区" and named.lead.name == "东湖社区"


def test_unknown_units_indicators_and_units_of_measure_are_all_named(
        small_snapshot: Snapshot, catalogue: Catalogue) -> None:
    spec = campaign_spec(lead_unit="S9", participants=["all communities", "C2", "X1"],
                 goals={"indicators": [{"indicator": "受孕率", "target": "≥95%"},
                                       {"indicator": "check_rate", "target": "≥95‰"},
                                       {"indicator": "出生人口性别比", "target": "103～107"},
                                       {"indicator": "sex_ratio", "target": "104～106"}]})
    with pytest.raises(CampaignSpecError) as caught:
        resolve_campaign(spec, _units(small_snapshot, "S1"), "S1", catalogue, "春季活动.yaml")
    message = str(caught.value)
    assert message.startswith("春季活动.yaml：活动方案有 6 处问题")
    assert "lead_unit：未知单位代码 'S9'（不是东城街道（S1）或其下属单位）" in message
    assert "participants[3]：未知单位代码 'X1'" in message
    assert "participants：C2 重复" in message
    assert "goals.indicators[1].indicator：未知指标 '受孕率'" in message
    assert ("goals.indicators[2].target：'≥95‰' 的单位是 ‰，而孕环情检查受检率以%计"
            in message)
    assert "goals.indicators[4].indicator：出生人口性别比 已有目标" in message


def test_a_group_with_no_members_is_an_error(small_snapshot: Snapshot, catalogue: Catalogue) -> None:
    with pytest.raises(CampaignSpecError, match=r"participants\[1\]：'all streets'：东城街道下没有街道"):
        resolve_campaign(campaign_spec(participants="all streets"), _units(small_snapshot, "S1"), "S1",
                         catalogue, "spec.yaml")
