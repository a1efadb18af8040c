"""实施方案 of a named campaign: date phrasing, the spec file, the words, the template, the flow."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from docx.document import Document
from docx.shared import Pt
from pypdf import PdfReader

from tests.sample_context import strings_in
from wenshu.compute.snapshot import Snapshot
from wenshu.compute.summary import Rollup
from wenshu.generators.campaign_plan import (
    CAMPAIGN_PLAN,
    build,
    build_context,
    build_template,
)
from wenshu.generators.campaign_resolve import resolve_campaign
from wenshu.generators.campaign_words import date_phrase, date_span, goal_sentence, xun
from wenshu.generators.kinds import ContextRequest, DocumentOptions
from wenshu.generators.layout import load_layout
from wenshu.generators.layout_context import Letterhead, layout_context
from wenshu.generators.render import render_docx
from wenshu.models.campaign import (
    CampaignSpec,
    CampaignSpecError,
    load_campaign,
    parse_campaign,
    parse_target,
)
from wenshu.models.catalogue import Catalogue, TargetSpec
from wenshu.periods import Period
from wenshu.services.inputs import read_input
from wenshu.templates import template_path

SAMPLE = Path(__file__).resolve().parents[1] / "wenshu" / "data" / "campaigns" / "sample.yaml"
ISSUED = date(2025, 5, 12)


def street_spec() -> dict[str, Any]:
    """A complete spec for 东城街道 (S1 of ``small_snapshot``), as plain data, fresh each call."""
    return {
        "code": "hyxf-2025",
        "name": "“婚育新风进万家”宣传月活动",
        "year": 2025,
        "participants": "all communities",
        "purpose": "深入宣传新型婚育文化",
        "basis": "《关于开展2025年“婚育新风进万家”活动的通知》",
        "guiding_idea": "以群众需求为导向，宣传与服务并重",
        "principles": [{"坚持群众主体": "从群众需求出发设计活动内容"}],
        "goals": {"text": "婚育新风知识进一步普及",
                  "indicators": [{"indicator": "check_rate", "target": "≥95%"},
                                 {"indicator": "出生人口性别比", "target": "103～107"}]},
        "phases": [
            {"name": "宣传发动", "start": "2025-05-21", "end": "2025-06-30",
             "tasks": ["召开动员会议", "利用宣传栏集中宣传婚育新风。"]},
            {"name": "集中服务阶段", "start": "2025-07-01", "end": "2025-09-30",
             "tasks": "上门提醒未按时参检的对象"},
            {"name": "总结验收", "start": "2025-10-08", "end": "2025-10-31", "exact": True},
        ],
        "leading_group": {"leader": "街道办事处主任", "deputies": ["分管副主任"],
                          "members": ["各社区党委书记"], "office": "街道计生办"},
        "requirements": ["加强督促检查", {"lead": "注重宣传实效", "text": "防止走过场"}],
        "report_due": "2025-11-10",
    }


def _spec(**changes: Any) -> CampaignSpec:
    return parse_campaign(street_spec() | changes, "spec.yaml")


def _problems(data: dict[str, Any]) -> str:
    with pytest.raises(CampaignSpecError) as caught:
        parse_campaign(data, "春季活动.yaml")
    message = str(caught.value)
    assert message.startswith("春季活动.yaml：")
    return message


@pytest.fixture
def context(small_snapshot: Snapshot, catalogue: Catalogue) -> dict[str, Any]:
    """The street's plan for the complete spec."""
    return build_context(_spec(), small_snapshot, Rollup(small_snapshot), catalogue, "S1",
                         issued_on=ISSUED)


def _section(context: dict[str, Any], title: str) -> dict[str, Any]:
    return next(s for s in context["sections"] if s["heading"].endswith(title))


# --- Dates --------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "expected"), [
    (1, "上旬"), (10, "上旬"), (11, "中旬"), (20, "中旬"), (21, "下旬"), (31, "下旬"),
])
def test_xun_splits_the_month_at_the_10th_and_20th(day: int, expected: str) -> None:
    assert xun(date(2025, 5, day)) == expected


@pytest.mark.parametrize(("start", "end", "expected"), [
    # The seeds' phrasing: from a 旬 to a 旬.
    ((5, 21), (6, 30), "5月下旬至6月下旬"),
    ((6, 21), (8, 25), "6月下旬至8月下旬"),
    ((5, 1), (6, 15), "5月上旬至6月中旬"),
    ((5, 10), (5, 11), "5月上旬至中旬"),
    ((5, 11), (5, 31), "5月中旬至下旬"),
    ((5, 21), (5, 31), "5月下旬"),
    ((5, 11), (5, 20), "5月中旬"),
    # Whole months are named as months.
    ((6, 1), (6, 30), "6月"),
    ((5, 1), (10, 31), "5月至10月"),
    ((1, 1), (3, 31), "1月至3月"),
    # One day short of a whole month is not one.
    ((6, 1), (6, 29), "6月上旬至下旬"),
    ((6, 2), (6, 30), "6月上旬至下旬"),
])
def test_spans_are_stated_by_month_or_xun(start: tuple[int, int], end: tuple[int, int],
                                          expected: str) -> None:
    assert date_span(date(2025, *start), date(2025, *end), year=2025) == expected


def test_february_ends_on_its_own_last_day() -> None:
    assert date_span(date(2024, 2, 1), date(2024, 2, 29), year=2024) == "2月"
    assert date_span(date(2025, 2, 1), date(2025, 2, 28), year=2025) == "2月"
    assert date_span(date(2024, 2, 1), date(2024, 2, 28), year=2024) == "2月上旬至下旬"
    assert date_span(date(2025, 2, 21), date(2025, 2, 28), year=2025) == "2月下旬"


@pytest.mark.parametrize(("start", "end", "expected"), [
    ((5, 21), (6, 30), "5月21日至6月30日"),
    ((5, 21), (5, 30), "5月21日至30日"),
    ((6, 1), (6, 30), "6月1日至30日"),
    ((10, 31), (10, 31), "10月31日"),
])
def test_exact_spans_name_the_days(start: tuple[int, int], end: tuple[int, int],
                                   expected: str) -> None:
    assert date_span(date(2025, *start), date(2025, *end), exact=True, year=2025) == expected


def test_years_are_printed_where_the_reader_does_not_know_them() -> None:
    assert date_span(date(2025, 11, 21), date(2026, 1, 10), year=2025) == "11月下旬至2026年1月上旬"
    assert date_span(date(2025, 11, 1), date(2026, 1, 31), year=2025) == "11月至2026年1月"
    assert date_span(date(2026, 1, 1), date(2026, 3, 31), year=2025) == "2026年1月至3月"
    assert date_span(date(2025, 5, 21), date(2025, 6, 30)) == "2025年5月下旬至6月下旬"
    assert date_span(date(2025, 6, 1), date(2025, 6, 30)) == "2025年6月"
    assert date_phrase(date(2025, 11, 10), 2025) == "11月10日"
    assert date_phrase(date(2026, 1, 5), 2025) == "2026年1月5日"


def test_a_span_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        date_span(date(2025, 6, 30), date(2025, 5, 21))


# --- The spec file --------------------------------------------------------------------------

def test_shipped_sample_loads(catalogue: Catalogue) -> None:
    spec = load_campaign(SAMPLE)
    assert (spec.code, spec.year, len(spec.phases)) == ("hyxf-2025", 2025, 3)
    assert spec.participants == ("all streets",)
    # YAML folds long lines with a space; Chinese text has none.
    assert " " not in spec.guiding_idea[0]


def test_shorthands_offices_write_are_understood() -> None:
    spec = _spec(participants=[440307001, "All  Streets"], guiding_idea="一段话",
                 principles=["只有正文", {"坚持以人为本": "正文"}])
    assert spec.participants == ("440307001", "all streets")
    assert spec.guiding_idea == ("一段话",)
    assert [(p.lead, p.text) for p in spec.principles] == [(None, "只有正文"), ("坚持以人为本", "正文")]
    assert spec.phases[1].tasks == ("上门提醒未按时参检的对象",)


def test_plain_data_round_trip_keeps_the_spec() -> None:
    spec = _spec()
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
    plan = resolve_campaign(_spec(), _units(small_snapshot, "S1"), "S1", catalogue, "spec.yaml")
    assert [u.code for u in plan.participants] == ["C1", "C2", "C3"]
    assert (plan.participant_phrase, plan.participant_noun) == ("辖区3个社区", "各社区")
    named = resolve_campaign(_spec(participants=["C2", "C1"], lead_unit="C1"),
                             _units(small_snapshot, "S1"), "S1", catalogue, "spec.yaml")
    assert named.participant_phrase == "东山社区、东湖社区" and named.lead.name == "东湖社区"


def test_unknown_units_indicators_and_units_of_measure_are_all_named(
        small_snapshot: Snapshot, catalogue: Catalogue) -> None:
    spec = _spec(lead_unit="S9", participants=["all communities", "C2", "X1"],
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
        resolve_campaign(_spec(participants="all streets"), _units(small_snapshot, "S1"), "S1",
                         catalogue, "spec.yaml")


# --- The words ----------------------------------------------------------------------------------

def test_title_opening_and_signature(context: dict[str, Any]) -> None:
    assert context["title"] == "东城街道“婚育新风进万家”宣传月活动实施方案"
    assert context["opening"].startswith("为深入宣传新型婚育文化，")
    assert ("结合本街道实际，决定于2025年5月下旬至10月下旬在辖区3个社区组织开展"
            "“婚育新风进万家”宣传月活动。") in context["opening"]
    assert "《关于开展2025年“婚育新风进万家”活动的通知》" in context["opening"]
    assert (context["signature_unit"], context["signature_date"]) == ("东城街道办事处", "2025年5月12日")


def test_sections_are_numbered_in_the_seeds_order(context: dict[str, Any]) -> None:
    assert [s["heading"] for s in context["sections"]] == [
        "一、指导思想", "二、基本原则", "三、工作目标", "四、实施步骤", "五、组织领导", "六、工作要求"]


def test_sections_with_nothing_to_say_are_left_out(small_snapshot: Snapshot,
                                                   catalogue: Catalogue) -> None:
    data = {key: street_spec()[key] for key in ("code", "name", "year", "phases")}
    context = build_context(parse_campaign(data, "spec.yaml"), small_snapshot,
                            Rollup(small_snapshot), catalogue, "S1", issued_on=ISSUED)
    assert [s["heading"] for s in context["sections"]] == ["一、实施步骤"]
    # Only the last phase is exact: the campaign's whole span is stated by 旬.
    assert context["sections"][0]["paragraphs"] == ["本次活动时间为5月下旬至10月下旬，分三个阶段进行："]
    assert context["opening"].startswith("为扎实做好“婚育新风进万家”宣传月活动各项工作，结合本街道实际")
    texts = list(strings_in(context))
    assert not any(bad in t for t in texts for bad in ("None", "nan", "{{", "{%"))


def test_phases_carry_their_dates_and_numbered_tasks(context: dict[str, Any]) -> None:
    steps = _section(context, "实施步骤")
    assert steps["paragraphs"] == ["本次活动在辖区3个社区开展，时间为5月下旬至10月下旬，分三个阶段进行："]
    assert [p["heading"] for p in steps["parts"]] == [
        "（一）宣传发动阶段（5月下旬至6月下旬）",
        "（二）集中服务阶段（7月至9月）",
        "（三）总结验收阶段（10月8日至31日）",
    ]
    assert steps["parts"][0]["paragraphs"] == ["1.召开动员会议。", "2.利用宣传栏集中宣传婚育新风。"]
    assert steps["parts"][1]["paragraphs"] == ["上门提醒未按时参检的对象。"]
    assert steps["parts"][2]["paragraphs"] == []


def test_goals_start_from_last_year_figure(context: dict[str, Any]) -> None:
    goals = _section(context, "工作目标")
    assert goals["paragraphs"][0] == "婚育新风知识进一步普及。"
    first, second = (p["text"] for p in goals["points"])
    # 2024: (1800 + 1600 + 1400) / (2000 + 1800 + 1400) = 92.31%.
    assert first.startswith("1.全街道孕环情检查受检率") and "2024年" in first
    assert "92.31%" in first and first.endswith("提高到95%以上。")
    # No births reported for 2024: the goal stands without a starting figure.
    assert second == "2.全街道出生人口性别比保持在103~107的正常范围内。"


@pytest.mark.parametrize(("target", "baseline", "expected"), [
    (TargetSpec(comparator="ge", value=Decimal("90.0")), Decimal("92.31"),
     "全区受检率保持在90%以上（2024年为92.31%）。"),
    (TargetSpec(comparator="ge", value=Decimal(95)), None, "全区受检率达到95%以上。"),
    (TargetSpec(comparator="le", value=Decimal(12)), Decimal("13.50"),
     "全区受检率由2024年的13.50%下降到12%以内。"),
    (TargetSpec(comparator="le", value=Decimal(12)), Decimal("11"),
     "全区受检率控制在12%以内（2024年为11%）。"),
    (TargetSpec(comparator="eq", value=Decimal(100)), Decimal("98.5"),
     "全区受检率由2024年的98.5%提高到100%。"),
    (TargetSpec(comparator="eq", value=Decimal(100)), Decimal(100), "全区受检率保持100%。"),
    (TargetSpec(comparator="range", value=Decimal(103), high=Decimal(107)), Decimal("108.2"),
     "全区受检率由2024年的108.2%回落到103%~107%的正常范围内。"),
    (TargetSpec(comparator="range", value=Decimal(103), high=Decimal(107)), Decimal("101"),
     "全区受检率由2024年的101%回升到103%~107%的正常范围内。"),
])
def test_goal_sentences_follow_the_kind_of_target(catalogue: Catalogue, target: TargetSpec,
                                                  baseline: Decimal | None, expected: str) -> None:
    indicator = catalogue.indicators["check_rate"].model_copy(update={"label": "受检率"})
    assert goal_sentence(indicator, target, baseline, 2024, "全区") == expected


def test_goal_below_a_floor_states_both_figures(catalogue: Catalogue) -> None:
    indicator = catalogue.indicators["training_sessions"]
    text = goal_sentence(indicator, TargetSpec(comparator="ge", value=Decimal(20)), Decimal(8),
                         2024, "全区", "key")
    assert text.startswith("全区举办培训期数") and text.endswith("增加到20期以上。")
    assert "2024年" in text and "8期" in text


def test_leading_group_and_units_duties(context: dict[str, Any]) -> None:
    first, office, units = _section(context, "组织领导")["paragraphs"]
    assert ("成立东城街道“婚育新风进万家”宣传月活动领导小组，由街道办事处主任任组长，"
            "分管副主任任副组长，各社区党委书记为成员。") in first
    assert office.startswith("领导小组下设办公室，办公室设在街道计生办")
    assert units.startswith("各社区要")


def test_requirements_end_with_the_report_deadline(context: dict[str, Any]) -> None:
    points = _section(context, "工作要求")["points"]
    assert points[0] == {"lead": "", "text": "1.加强督促检查。"}
    assert points[1] == {"lead": "2.注重宣传实效。", "text": "防止走过场。"}
    assert points[2] == {"lead": "3.及时报送活动情况。",
                         "text": "各社区要于11月10日前将活动开展情况和工作总结报送街道计生办。"}
    principles = _section(context, "基本原则")["points"]
    assert principles == [{"lead": "1.坚持群众主体。", "text": "从群众需求出发设计活动内容。"}]


def test_the_kind_builds_from_plain_options(small_snapshot: Snapshot, catalogue: Catalogue,
                                            context: dict[str, Any]) -> None:
    spec = _spec()
    options = DocumentOptions(issued_on=ISSUED, spec=spec.model_dump(mode="json"), topic=spec.code)
    year = Period.year(2025)
    request = ContextRequest(small_snapshot, Rollup(small_snapshot, CAMPAIGN_PLAN.months(year)),
                             catalogue, "S1", year, options)
    assert build(request) == context
    with pytest.raises(CampaignSpecError, match="文档主题应为活动代码"):
        build(ContextRequest(small_snapshot, request.rollup, catalogue, "S1", year,
                             DocumentOptions(issued_on=ISSUED, spec=options.spec, topic="other")))
    with pytest.raises(CampaignSpecError, match="方案年度为 2025，不是 2024"):
        build(ContextRequest(small_snapshot, request.rollup, catalogue, "S1", Period.year(2024),
                             options))


# --- The template ---------------------------------------------------------------------------------

@pytest.fixture
def rendered(context: dict[str, Any]) -> Document:
    """The street's plan rendered with the shipped template, with a 发文字号 and 主送机关."""
    letterhead = Letterhead(doc_number="东城〔2025〕8号", addressee="各社区")
    full = context | layout_context(context["title"], "东城街道", letterhead, ISSUED,
                                        organ=context["signature_unit"])
    return docx.Document(io.BytesIO(render_docx(template_path("campaign_plan"), full)))


def test_template_places_sections_in_their_styles(rendered: Document) -> None:
    styled = [(p.style.name, p.text) for p in rendered.paragraphs if p.text]
    assert styled[:2] == [("Issuer Mark", "东城街道办事处文件"), ("Doc Number", "东城〔2025〕8号")]
    assert "".join(t for s, t in styled if s == "Title") == "东城街道“婚育新风进万家”宣传月活动实施方案"
    assert ("Addressee", "各社区：") in styled
    assert [t for s, t in styled if s == "Heading 1"] == [
        "一、指导思想", "二、基本原则", "三、工作目标", "四、实施步骤", "五、组织领导", "六、工作要求"]
    assert [t for s, t in styled if s == "Heading 2"][0] == "（一）宣传发动阶段（5月下旬至6月下旬）"
    assert [t.lstrip("\u3000") for s, t in styled if s == "Signature"] == ["东城街道办事处", "2025年5月12日"]
    body = "\n".join(t for _, t in styled)
    assert "None" not in body and "{{" not in body and "{%" not in body


def test_leads_are_bold_and_share_their_paragraph(rendered: Document) -> None:
    paragraph = next(p for p in rendered.paragraphs if p.text.startswith("3.及时报送活动情况。"))
    bold = [r.text for r in paragraph.runs if r.bold]
    assert bold == ["3.及时报送活动情况。"]
    assert paragraph.text.endswith("报送街道计生办。")


def test_page_and_styles_come_from_the_layout_profile(rendered: Document) -> None:
    profile = load_layout()
    section = rendered.sections[0]
    assert round(section.page_width.mm) == profile.page.width_mm
    assert round(section.page_height.mm) == profile.page.height_mm
    assert round(section.top_margin.mm) == profile.margins_mm.top
    assert round(section.left_margin.mm) == profile.margins_mm.left
    normal = profile.styles["Normal"]
    body = rendered.styles["Normal"]
    assert body.font.size == Pt(normal.size_pt)
    assert body.paragraph_format.first_line_indent == Pt(normal.size_pt * normal.first_line_indent_chars)
    assert rendered.styles["Heading 2"].font.size == Pt(profile.styles["Heading 2"].size_pt)
    assert rendered.core_properties.title == "东城街道“婚育新风进万家”宣传月活动实施方案"
    assert rendered.core_properties.subject == "实施方案"


def test_shipped_template_is_what_the_builder_makes(tmp_path: Path) -> None:
    built = tmp_path / "campaign_plan.docx"
    build_template(built)
    assert built.read_bytes() == template_path("campaign_plan").read_bytes()


# --- End to end: the flow, the archive, Word and PDF ---------------------------------------------

@pytest.mark.prefect
@pytest.mark.soffice
def test_flow_archives_the_plan_and_versions_it_when_the_spec_changes(office, wenshu, tmp_path):
    from wenshu.workflows.campaign_plan import campaign_plan

    outcomes = campaign_plan("440307", read_input(SAMPLE), issued_on=date(2025, 5, 12))
    (first,) = outcomes
    assert (first.key.kind, first.key.period, first.key.topic) == ("campaign_plan", "2025",
                                                                   "hyxf-2025")
    assert first.created and first.version == 1
    wenshu("archive", "get", str(first.document_id), "--format", "docx", "--to",
           str(tmp_path / "p.docx"))
    wenshu("archive", "get", str(first.document_id), "--format", "pdf", "--to",
           str(tmp_path / "p.pdf"))

    document = docx.Document(str(tmp_path / "p.docx"))
    paragraphs = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、指导思想", "二、基本原则", "三、工作目标", "四、实施步骤", "五、组织领导",
                        "六、工作要求"]
    assert "（一）宣传发动阶段（5月下旬至6月下旬）" in paragraphs
    assert "（二）集中服务阶段（7月至9月）" in paragraphs
    # The district's 2024 screening rate: 3650 / 4080 = 89.46%.
    goal = next(p for p in paragraphs if "孕环情检查受检率" in p)
    assert "2024年" in goal and "89.46%" in goal and goal.endswith("提高到95%以上。")
    assert any("辖区2个街道" in p for p in paragraphs)
    assert "各街道要于11月10日前将活动开展情况和工作总结报送区卫生健康局家庭发展科。" in "".join(paragraphs)
    assert round(document.sections[0].left_margin.mm) == 28

    reader = PdfReader(tmp_path / "p.pdf")
    assert reader.metadata.title == "示范区“婚育新风进万家”宣传月活动实施方案"
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    pdf_text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    assert "5月下旬至6月下旬" in pdf_text and "89.46%" in pdf_text and "实施步骤" in pdf_text

    (again,) = campaign_plan("440307", read_input(SAMPLE), issued_on=date(2025, 5, 20))
    assert not again.created and again.version == 1

    edited = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    edited["phases"][0]["exact"] = True
    changed = tmp_path / "方案.yaml"
    changed.write_text(yaml.safe_dump(edited, allow_unicode=True), encoding="utf-8")
    (second,) = campaign_plan("440307", read_input(changed), issued_on=date(2025, 5, 20))
    assert second.created and second.version == 2 and second.document_id == first.document_id
    wenshu("archive", "get", str(first.document_id), "--format", "docx", "--to",
           str(tmp_path / "v2.docx"))
    assert "（一）宣传发动阶段（5月21日至6月30日）" in [
        p.text for p in docx.Document(str(tmp_path / "v2.docx")).paragraphs]


@pytest.mark.prefect
def test_flow_rejects_a_spec_naming_a_unit_outside_the_tree(office, wenshu, tmp_path):
    from wenshu.workflows.campaign_plan import campaign_plan

    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    data["participants"] = ["440307001001", "440399001"]
    spec = tmp_path / "春季活动.yaml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CampaignSpecError, match=r"春季活动.yaml：活动方案有 1 处问题.*\n.*participants\[2\]："
                                                r"未知单位代码 '440399001'"):
        campaign_plan("440307001", read_input(spec))
