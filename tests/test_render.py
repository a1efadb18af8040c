"""The year-summary template renders a GB/T 9704 document: strict, sandboxed, reproducible."""

from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from docx.shared import Length, Pt

from tests.sample_context import year_summary_context
from wenshu.errors import TemplateError
from wenshu.generators.render import render_docx, template_sha256
from wenshu.generators.template_build import build_year_summary
from wenshu.pipeline import render_document
from wenshu.templates import template_path

TEMPLATE = template_path("year_summary")
FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _open(data: bytes) -> Document:
    return docx.Document(io.BytesIO(data))


@pytest.fixture(scope="module")
def rendered() -> Document:
    """The sample year summary, rendered and reopened with python-docx."""
    return _open(render_docx(TEMPLATE, year_summary_context()))


def _mm(length: Length | None) -> float:
    assert length is not None
    return round(length.mm, 1)


def _east_asia_font(document: Document, style: str) -> str | None:
    return document.styles[style].element.rPr.rFonts.get(qn("w:eastAsia"))


def _texts(document: Document, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]


def test_page_is_a4_with_gbt9704_margins(rendered: Document) -> None:
    section = rendered.sections[0]
    assert (_mm(section.page_width), _mm(section.page_height)) == (210.0, 297.0)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [_mm(m) for m in margins] == [37.0, 35.0, 28.0, 26.0]


def test_styles_carry_the_official_faces_and_sizes(rendered: Document) -> None:
    styles = rendered.styles
    assert styles["Title"].font.size == Pt(22)
    assert styles["Normal"].font.size == Pt(16)
    assert styles["Table Text"].font.size == Pt(10.5)
    assert {name: _east_asia_font(rendered, name) for name in
            ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Footer")} == {
        "Normal": "仿宋_GB2312",
        "Title": "方正小标宋简体",
        "Heading 1": "黑体",
        "Heading 2": "楷体_GB2312",
        "Heading 3": "仿宋_GB2312",
        "Footer": "宋体",
    }
    assert styles["Heading 3"].font.bold is True
    assert styles["Heading 1"].font.bold is False
    body = styles["Normal"].paragraph_format
    assert body.first_line_indent == Pt(32)  # two characters of 16 pt
    assert body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert styles["Title"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_body_line_pitch_fits_22_lines_in_the_type_area(rendered: Document) -> None:
    body = rendered.styles["Normal"].paragraph_format
    assert body.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    pitch_mm = body.line_spacing.mm
    assert 22 * pitch_mm <= 225.0 < 23 * pitch_mm
    assert 28.8 <= body.line_spacing.pt <= 29.0


def test_language_is_zh_cn(rendered: Document) -> None:
    defaults = rendered.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:eastAsia")) == "zh-CN"


def test_page_numbers_are_dashed_fields_outside_on_odd_and_even_pages(rendered: Document) -> None:
    section = rendered.sections[0]
    assert rendered.settings.odd_and_even_pages_header_footer is True
    for footer, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                         (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        paragraph = footer.paragraphs[0]
        fields = paragraph._p.findall(qn("w:fldSimple"))
        assert [f.get(qn("w:instr")).strip() for f in fields] == ["PAGE"]
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert paragraph.paragraph_format.alignment == side
    # 7 mm under the type area: the number's 18 pt line ends 35 - 7 = 28 mm above the edge.
    assert _mm(section.footer_distance) + Pt(18).mm == pytest.approx(28.0, abs=0.1)


def test_word_falls_back_to_installed_faces(tmp_path: Path) -> None:
    with zipfile.ZipFile(TEMPLATE) as package:
        font_table = package.read("word/fontTable.xml").decode("utf-8")
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="FangSong"/>' in font_table
    assert '<w:font w:name="楷体_GB2312"><w:altName w:val="KaiTi"/>' in font_table


def test_figures_land_in_table_cells_headings_and_signature(rendered: Document) -> None:
    context = year_summary_context()
    keys = ["no", "label", "target", "actual", "met", "last_year", "change"]
    table = rendered.tables[0]
    # Two header rows: groups merged across their columns, lone columns merged down.
    assert [c.text for c in table.rows[0].cells] == [
        "序号", "指标", "目标值", "本年完成情况", "本年完成情况", "与上年比较", "与上年比较"]
    assert [c.text for c in table.rows[1].cells] == [
        "序号", "指标", "目标值", "完成值", "是否达标", "上年", "同比"]
    assert [[c.text for c in row.cells] for row in table.rows[2:]] == [
        [r[k] for k in keys] for r in context["indicator_rows"]
    ]
    assert _texts(rendered, "Title") == [context["title"]]
    assert rendered.core_properties.title == context["title"]
    assert _texts(rendered, "Heading 1") == [context[k] for k in (
        "indicator_heading", "work_heading", "problems_heading", "plans_heading")]
    assert _texts(rendered, "Heading 2") == [s["heading"] for s in context["work_sections"]]
    assert _texts(rendered, "Caption") == [context["indicator_table_caption"]]
    # Organ and date placed by ideographic spaces (GB/T 9704 7.3.5.2).
    assert _texts(rendered, "Signature") == [
        context["signature_unit_indent"] + context["signature_unit"],
        context["signature_date_indent"] + context["signature_date"]]
    body = _texts(rendered, "Normal")
    for paragraph in context["work_sections"][0]["paragraphs"] + context["indicator_notes"]:
        assert paragraph in body
    assert "{{" not in rendered.element.xml and "{%" not in rendered.element.xml


def test_problem_leads_are_bold_and_share_the_paragraph(rendered: Document) -> None:
    problems = year_summary_context()["problems"]
    lead_text = problems[0]["lead"]
    paragraphs = [p for p in rendered.paragraphs if p.runs and p.runs[0].text == lead_text]
    assert len(paragraphs) == 1
    lead, text = paragraphs[0].runs
    assert lead.bold is True and not text.bold
    assert text.text == problems[0]["text"]


def test_table_header_repeats_and_rows_do_not_split(rendered: Document) -> None:
    rows = rendered.tables[0].rows
    assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in rows)
    grid = [col.width for col in rendered.tables[0].columns]
    assert all(width for width in grid)
    assert round(sum(w.mm for w in grid)) == 156  # the whole type-area width
    assert [c.width for c in rows[1].cells] == grid


def test_empty_lists_render_and_markup_characters_stay_text() -> None:
    context = year_summary_context()
    context.update(indicator_rows=[], indicator_notes=[], work_sections=[], problems=[], plans=[],
                   opening="出生率<5‰ & 死亡率>1‰的情况如下：")
    document = _open(render_docx(TEMPLATE, context))
    assert len(document.tables[0].rows) == 2  # the two header rows only
    assert _texts(document, "Heading 2") == []
    assert "出生率<5‰ & 死亡率>1‰的情况如下：" in _texts(document, "Normal")


def test_missing_variable_is_named() -> None:
    context = year_summary_context()
    del context["signature_date"]
    with pytest.raises(TemplateError, match=r"year_summary\.docx.*'signature_date' is undefined"):
        render_docx(TEMPLATE, context)


def test_missing_row_field_is_named() -> None:
    context = year_summary_context()
    del context["indicator_rows"][2]["last_year"]
    with pytest.raises(TemplateError, match="last_year"):
        render_docx(TEMPLATE, context)


def _template_with(tmp_path: Path, where: str, text: str) -> Path:
    """A small template with ``text`` in one part: body, header, footer, properties, footnotes."""
    document = docx.Document()
    document.add_paragraph("正文")
    if where == "body":
        document.add_paragraph(text)
    elif where == "header":
        document.sections[0].header.paragraphs[0].text = text
    elif where == "footer":
        document.sections[0].footer.paragraphs[0].text = text
    elif where == "properties":
        document.core_properties.title = text
    elif where == "footnotes":
        xml = (f'<w:footnotes xmlns:w="{W_NS}"><w:footnote w:id="1">'
               f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote></w:footnotes>")
        part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES, xml.encode("utf-8"),
                    document.part.package)
        document.part.relate_to(part, RT.FOOTNOTES)
    path = tmp_path / f"{where}.docx"
    document.save(path)
    return path


PARTS = ["body", "header", "footer", "properties", "footnotes"]


@pytest.mark.parametrize("where", PARTS)
def test_sandbox_refuses_python_internals_in_every_part(tmp_path: Path, where: str) -> None:
    template = _template_with(tmp_path, where, "{{ ''.__class__.__mro__ }}")
    with pytest.raises(TemplateError, match=rf"{where}\.docx: 模板被安全沙箱拒绝"):
        render_docx(template, {})


@pytest.mark.parametrize("where", PARTS)
def test_every_part_is_strict_about_undefined_variables(tmp_path: Path, where: str) -> None:
    template = _template_with(tmp_path, where, "{{ unit_name }}")
    with pytest.raises(TemplateError, match="'unit_name' is undefined"):
        render_docx(template, {})


def test_header_and_footer_variables_are_rendered(tmp_path: Path) -> None:
    template = _template_with(tmp_path, "footer", "{{ unit_name }}")
    document = _open(render_docx(template, {"unit_name": "东湖社区"}))
    assert document.sections[0].footer.paragraphs[0].text == "东湖社区"


def test_a_template_edited_between_renders_renders_as_edited(tmp_path: Path) -> None:
    # Word splits a tag over runs (here at a spell-check boundary); docxtpl joins them.
    def save(text: str) -> Path:
        document = docx.Document()
        paragraph = document.add_paragraph(text)
        paragraph.add_run("{{ unit_")
        paragraph.add_run("name }}")
        document.save(tmp_path / "t.docx")
        return tmp_path / "t.docx"

    context = {"unit_name": "东湖社区"}
    assert _open(render_docx(save("一："), context)).paragraphs[0].text == "一：东湖社区"
    assert _open(render_docx(save("二："), context)).paragraphs[0].text == "二：东湖社区"
    assert _open(render_docx(save("一："), context)).paragraphs[0].text == "一：东湖社区"


def test_not_a_docx_is_a_template_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.docx"
    bogus.write_text("not a word file", encoding="utf-8")
    with pytest.raises(TemplateError, match="bogus.docx: not a usable .docx"):
        render_docx(bogus, {})


def test_render_is_reproducible() -> None:
    first = render_docx(TEMPLATE, year_summary_context())
    second = render_docx(TEMPLATE, year_summary_context())
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        entries = package.infolist()
    # The zip clock has 2 s resolution, so equal bytes alone could be luck: check the stamps.
    assert {e.date_time for e in entries} == {(1980, 1, 1, 0, 0, 0)}
    assert entries[0].filename == "[Content_Types].xml"
    properties = _open(first).core_properties
    assert properties.modified.year == 2026 and properties.created == properties.modified


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_committed_template_is_what_the_builder_makes(tmp_path: Path) -> None:
    first, second = tmp_path / "first.docx", tmp_path / "second.docx"
    build_year_summary(first)
    build_year_summary(second)
    assert first.read_bytes() == second.read_bytes()
    assert template_sha256(first) == hashlib.sha256(second.read_bytes()).hexdigest()
    # Compared by content: another zlib build may compress the same parts differently.
    assert _entries(first) == _entries(TEMPLATE)


def test_template_syntax_error_is_named_with_the_text_around_it(tmp_path: Path) -> None:
    template = _template_with(tmp_path, "body", "截至{% if year %}年底")
    with pytest.raises(TemplateError, match=r"body\.docx: template syntax error.*near: .*截至"):
        render_docx(template, {"year": "2025"})


# Ways to work or grow without end besides the payloads of test_template_payloads.
RUNAWAYS = {
    "doubling_concat": "{% set ns = namespace(s='x') %}{% for i in range(60) %}"
                       "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "doubling_replace": "{% set ns = namespace(s='xx') %}{% for i in range(60) %}"
                        "{% set ns.s = ns.s.replace('x', 'xx') %}{% endfor %}",
    "exponential_macro": "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}"
                         "{% endmacro %}{{ f(60) }}",
    "endless_recursion": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "padding_filter": "{{ '章'|center(1000000000) }}",
    "padding_method": "{{ '章'.ljust(999999999) }}",
    "percent_width": "{{ '%999999999d' % 1 }}",
    "format_filter_width": "{{ '%999999999d'|format(1) }}",
    "brace_width": "{{ '{:>999999999}'.format(1) }}",
    "loop_output": "{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}"
                   "{% endfor %}",
}


@pytest.mark.parametrize("name", sorted(RUNAWAYS))
def test_runaway_templates_stop_at_a_limit_with_a_chinese_message(tmp_path: Path,
                                                                   name: str) -> None:
    template = _template_with(tmp_path, "body", RUNAWAYS[name])
    started = time.monotonic()
    with pytest.raises(TemplateError, match=r"body\.docx：模板运算量超出限制，已停止渲染（.+）"):
        render_docx(template, {})
    assert time.monotonic() - started < 10.0 + 2.0  # the render limit, and a margin


def test_the_last_body_paragraph_keeps_with_the_signature_and_the_signing_date_dates_it(
        ) -> None:
    document = _open(render_document(TEMPLATE, year_summary_context(), date(2026, 1, 15)))
    created = document.core_properties.created
    assert (created.date(), document.core_properties.modified.date()) == (
        date(2026, 1, 15), date(2026, 1, 15))
    paragraphs = document.paragraphs
    first = next(i for i, p in enumerate(paragraphs) if p.style.name == "Signature")
    blank, body = paragraphs[first - 1], paragraphs[first - 2]
    assert blank.text == "" and body.text.endswith("分两批完成全区基层专干轮训。")
    assert blank.paragraph_format.keep_with_next and body.paragraph_format.keep_with_next
    assert not paragraphs[first - 3].paragraph_format.keep_with_next


def test_a_finished_document_prints_empty_properties_as_earlier_releases_did() -> None:
    """Finished in memory, an empty property must still print as <a/>, not <a></a>: the
    bytes of every document archived by earlier releases depend on it (a rerun of their
    years would file a new version of each)."""
    with zipfile.ZipFile(io.BytesIO(render_document(TEMPLATE, year_summary_context(),
                                                    date(2026, 1, 15)))) as package:
        core = package.read("docProps/core.xml").decode()
    assert "<dc:description/>" in core
    assert not re.search(r"<([\w:]+)[^>/]*></\1>", core), core


def test_word_gets_the_grid_the_line_break_rules_and_the_faces(rendered: Document) -> None:
    grid = rendered.sections[0]._sectPr.find(qn("w:docGrid"))
    # 22 lines: 225 mm / 22 = 579 twips; 28 characters: body text condensed to the pitch.
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", "579")
    normal = rendered.styles["Normal"].element
    assert normal.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"
    assert 28 * (16 - 5 / 20) <= 156 / 25.4 * 72  # 28 condensed characters fit the line
    settings = rendered.settings.element
    after = settings.find(qn("w:noLineBreaksAfter"))
    before = settings.find(qn("w:noLineBreaksBefore"))
    assert after.get(qn("w:lang")) == before.get(qn("w:lang")) == "zh-CN"
    assert "“" in after.get(qn("w:val")) and "，" in before.get(qn("w:val"))
    defaults = rendered.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert (lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))) == ("en-US", "zh-CN")
    overflow = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:overflowPunct')}")
    assert overflow is not None and overflow.get(qn("w:val")) is None
    fonts = normal.rPr.rFonts
    assert (fonts.get(qn("w:ascii")), fonts.get(qn("w:eastAsia"))) == ("Times New Roman",
                                                                     "仿宋_GB2312")
    assert _east_asia_font(rendered, "Title") == "方正小标宋简体"


def test_the_application_is_wenshu() -> None:
    with zipfile.ZipFile(TEMPLATE) as template:
        app = template.read("docProps/app.xml").decode("utf-8")
    assert "<Application>wenshu</Application>" in app and "Macintosh" not in app
