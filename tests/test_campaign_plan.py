"""实施方案 of a named campaign: date phrasing, the words, the template, the flow (the spec
file itself: test_campaign_spec.py)."""

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

from tests.campaign_samples import SAMPLE, campaign_spec, street_spec
from tests.sample_context import strings_in
from wenshu.compute.snapshot import Snapshot
from wenshu.compute.summary import Rollup
from wenshu.generators.campaign_plan import (
    CAMPAIGN_PLAN,
    build,
    build_context,
    build_template,
)
from wenshu.generators.campaign_words import date_phrase, date_span, goal_sentence, xun
from wenshu.generators.kinds import ContextRequest, DocumentOptions
from wenshu.generators.layout import load_layout
from wenshu.generators.layout_context import Letterhead, layout_context
from wenshu.generators.render import render_docx
from wenshu.models.campaign import (
    CampaignSpecError,
    parse_campaign,
)
from wenshu.models.catalogue import Catalogue, TargetSpec
from wenshu.periods import Period
from wenshu.services.inputs import read_input
from wenshu.templates import template_path

ISSUED = date(2025, 5, 12)


@pytest.fixture
def context(small_snapshot: Snapshot, catalogue: Catalogue) -> dict[str, Any]:
    """The street's plan for the complete spec."""
    return build_context(campaign_spec(), small_snapshot, Rollup(small_snapshot), catalogue, "S1",
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
    spec = campaign_spec()
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
