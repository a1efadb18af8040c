"""The year-end summary's words: figures in sentences, problems, plans, staff text."""

from datetime import date
from decimal import Decimal

import pytest

from tests.sample_context import strings_in
from wenshu.compute.snapshot import FigureValue
from wenshu.compute.summary import compute_unit
from wenshu.generators.summary import build_context
from wenshu.narrative import Narrative
from wenshu.periods import Period

YEAR = Period.year(2025)


@pytest.fixture
def context(small_snapshot, catalogue):
    report = compute_unit(small_snapshot, catalogue, "S1", YEAR)
    return build_context(report, catalogue, issued_on=date(2026, 1, 15))


def test_heading_numbers_title_and_signature(context):
    assert context["title"] == "东城街道2025年人口和计划生育工作总结"
    assert context["indicator_heading"] == "一、主要指标完成情况"
    assert context["plans_heading"] == "四、2026年工作打算"
    assert context["signature_unit"] == "东城街道"
    assert context["signature_date"] == "2026年1月15日"
    assert context["opening"].endswith("现将全年工作情况总结如下：")


def test_indicator_table_row(context):
    row = next(r for r in context["indicator_rows"] if r["label"] == "孕环情检查受检率")
    assert (row["target"], row["actual"], row["met"], row["last_year"]) == (
        "≥95%", "92.80%", "未达标", "92.31%")
    assert row["change"].endswith("上升0.49个百分点")
    empty = next(r for r in context["indicator_rows"] if r["label"] == "人口出生率")
    assert (empty["actual"], empty["met"], empty["change"]) == ("—", "—", "—")


def test_intro_counts_met_and_missed(context):
    assert ("纳入考核的2项主要指标中，1项达到考核要求，孕环情检查受检率未达到。"
            in context["indicator_intro"])
    # The street signed no target for this one: the catalogue's is a 参考目标, not its own.
    assert "符合政策生育率93.78%，比参考目标高0.78个百分点" in context["indicator_intro"]


def test_work_sections_state_figures_and_change(context):
    training = next(s for s in context["work_sections"] if "教育培训" in s["heading"])
    # The heading judges the work from its figures: 4 → 8 sessions is a rise.
    assert training["heading"] == "（一）教育培训力度加大"
    text = training["paragraphs"][0]
    assert "举办培训班8期" in text and "参训350人次" in text
    assert "培训期数由上年的4期增加到8期" in text and "参训人次同比增长118.8%" in text
    assert "“孕前优生知识培训”“计生专干业务培训”" in text
    assert "辖区3个社区中有1个开展，东山社区、东岭社区尚未开展" in text
    # How (the topics), before what came of it (the totals).
    assert text.index("孕前优生知识培训") < text.index("举办培训班8期")
    assert [s["heading"][:3] for s in context["work_sections"]] == ["（一）", "（二）"]


def test_problems_name_the_missed_indicator_and_lagging_units(context):
    first = context["problems"][0]
    assert first["lead"] == "1.孕环情检查受检率未达到目标值。"
    assert "全年孕环情检查受检率92.80%，目标值≥95%，差2.20个百分点，同比上升0.49个百分点" in first["text"]
    # 东山社区 signed nothing: it is measured against the catalogue's 参考目标.
    assert "主要原因是东山社区（83.33%，参考目标≥90%）与目标差距较大" in first["text"]
    # Missing base figures are a problem of their own, stated with the indicators affected.
    assert any("缺少基础数据" in p["text"] for p in context["problems"])


def test_plans_follow_from_the_problems(context):
    leads = [p["lead"] for p in context["plans"]]
    assert leads[0] == "1.推动孕环情检查受检率达标。"
    assert context["plans"][0]["text"] == ("对东山社区逐一分析原因、制定整改方案，"
                                           "2026年底前将孕环情检查受检率提高到95%以上。")
    assert len(context["plans"]) == len(context["problems"])


def test_staff_narrative_is_merged(small_snapshot, catalogue):
    report = compute_unit(small_snapshot, catalogue, "S1", YEAR)
    narrative = Narrative(highlights=("建成示范点3个。",), problems=("人员流动大。",),
                          plans=("完善考核办法。", "加强队伍建设。"))
    context = build_context(report, catalogue, issued_on=date(2026, 1, 15), narrative=narrative)
    assert context["work_sections"][-1] == {"heading": "（三）特色亮点", "paragraphs": ["建成示范点3个。"]}
    assert context["problems"][-1] == {"lead": "", "text": f"{len(context['problems'])}.人员流动大。"}
    # Staff plans follow the one plan per computed problem.
    computed = len(context["problems"]) - 1
    assert context["plans"][computed:] == [{"lead": "", "text": f"{computed + 1}.完善考核办法。"},
                                           {"lead": "", "text": f"{computed + 2}.加强队伍建设。"}]


def test_no_placeholder_text_reaches_the_document(context):
    for text in strings_in(context):
        for bad in ("None", "nan", "{{", "}}", "{value}"):
            assert bad not in text, (bad, text)


def test_same_inputs_same_words(small_snapshot, catalogue):
    report = compute_unit(small_snapshot, catalogue, "S1", YEAR)
    first = build_context(report, catalogue, issued_on=date(2026, 1, 15))
    assert build_context(report, catalogue, issued_on=date(2026, 1, 15)) == first


def test_parent_met_but_a_child_missed_is_a_problem(small_snapshot, catalogue):
    # The district meets the default ≥90% check rate (92.80%); its street signed ≥95%.
    report = compute_unit(small_snapshot, catalogue, "D", YEAR)
    context = build_context(report, catalogue, issued_on=date(2026, 1, 15))
    uneven = next(p for p in context["problems"] if "工作进展不够平衡" in p["lead"])
    assert uneven["lead"].endswith("街道之间工作进展不够平衡。")
    assert "孕环情检查受检率92.80%，但东城街道（92.80%，目标≥95%）未达到" in uneven["text"]
    assert any(p["lead"].endswith("加强对薄弱街道的督导。") for p in context["plans"])


def _street_with_figures(snapshot, catalogue, **figures: int) -> dict:
    """The street's context after it also reported ``figures`` for 2025."""
    extra = tuple(FigureValue(unit_code="S1", year=2025, key=key, value=Decimal(value))
                  for key, value in figures.items())
    snapshot = snapshot.model_copy(update={"figures": snapshot.figures + extra})
    return build_context(compute_unit(snapshot, catalogue, "S1", YEAR), catalogue,
                         issued_on=date(2026, 1, 15))


def test_range_and_ceiling_targets_are_phrased_in_their_own_terms(small_snapshot, catalogue):
    context = _street_with_figures(small_snapshot, catalogue, births_male=1200,
                                   births_female=1050, population=150000)
    sex_ratio = next(p for p in context["problems"] if "出生人口性别比" in p["lead"])
    assert "参考目标103~107，高于正常范围上限7.29" in sex_ratio["text"]
    # 2156 births / 150000 = 14.37‰ against a ≤12‰ ceiling.
    birth = next(p for p in context["problems"] if "人口出生率" in p["lead"])
    assert "参考目标≤12‰，超出2.37个千分点" in birth["text"]
    assert "控制在12‰以内" in " ".join(p["text"] for p in context["plans"])
    assert "受检率、出生人口性别比、人口出生率3项未达到" in context["indicator_intro"]


def test_ceilings_met_are_stated_together(small_snapshot, catalogue):
    context = _street_with_figures(small_snapshot, catalogue, births_male=1100,
                                   births_female=1056, population=200000)
    # 1100/1056 = 104.17 inside 103～107; 2156/200000 = 10.78‰ under ≤12‰.
    assert "出生人口性别比、人口出生率均控制在考核范围内" in context["indicator_intro"]


def test_half_year_voice_and_pace(small_snapshot, catalogue):
    report = compute_unit(small_snapshot, catalogue, "S1", Period.parse("2025H1"))
    context = build_context(report, catalogue, issued_on=date(2025, 7, 10))
    assert context["title"] == "东城街道2025年上半年人口和计划生育工作总结"
    assert context["indicator_heading"] == "一、上半年主要指标完成情况"
    assert context["plans_heading"] == "四、下半年工作打算"
    assert context["opening"].endswith("现将上半年工作情况总结如下：")
    row = next(r for r in context["indicator_rows"] if r["label"] == "孕环情检查受检率")
    assert (row["target"], row["due"], row["met"]) == ("≥95%", "≥47.5%", "达到")
    assert any("按序时进度（50%）考核" in note for note in context["indicator_notes"])
    training = next(s for s in context["work_sections"] if "教育培训" in s["heading"])
    assert "全街道" in training["paragraphs"][0] and "举办培训班8期" in training["paragraphs"][0]
    for text in strings_in(context):
        assert "全年" not in text or "全年目标" in text, text


def test_charts_are_numbered_and_captioned(context):
    from wenshu.generators.render import Image

    assert isinstance(context["indicator_chart"], Image)
    assert context["indicator_chart_caption"] == "图1  2025年主要指标完成情况"
    assert isinstance(context["trend_chart"], Image)
    assert context["trend_chart_caption"] == "图2  2025年各月开展活动次数"
    assert context["trend_chart"].png.startswith(b"\x89PNG")


def test_half_year_states_the_sequential_change(small_snapshot, catalogue):
    report = compute_unit(small_snapshot, catalogue, "S1", Period.parse("2025H1"))
    context = build_context(report, catalogue, issued_on=date(2025, 7, 10))
    training = next(s for s in context["work_sections"] if "教育培训" in s["heading"])
    # 8 trainings in 2025H1 against 4 in 2024H2: too few for a percentage.
    assert "活动次数由上年下半年的4次增加到8次" in training["paragraphs"][0]


def test_no_signed_targets_no_contract_claimed(small_snapshot, catalogue):
    """A unit that signed nothing is judged against the catalogue's standard targets, and
    the text says so: no 目标管理责任书 it never signed."""
    unsigned = small_snapshot.model_copy(update={"targets": ()})
    report = compute_unit(unsigned, catalogue, "S1", YEAR)
    context = build_context(report, catalogue, issued_on=date(2026, 1, 15))
    text = "\n".join(strings_in(context))
    assert "责任书" not in text
    assert "对照统一考核标准" in context["indicator_intro"]
    assert "按统一考核标准（参考目标）评价" in "".join(context["indicator_notes"])
    assert "目标值" not in text and "参考目标" in text
    assert "年度工作目标" in context["opening"]
