"""Traditional Chinese output: every text a reader sees is converted, codes never are."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from lxml import etree
from pypdf import PdfReader

from tests.sample_context import year_summary_context
from wenshu.generators.pdf import SofficeConverter
from wenshu.generators.render import document_bytes, render_docx
from wenshu.generators.script import ScriptError, to_traditional, to_traditional_text
from wenshu.templates import template_path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WORDML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
NS = {"w": W_NS}
TEXT_BOX = (
    f'<w:r xmlns:w="{W_NS}" xmlns:v="urn:schemas-microsoft-com:vml"><w:pict>'
    '<v:shape style="width:200pt;height:40pt"><v:textbox><w:txbxContent>'
    "<w:p><w:r><w:t>文本框里的说明</w:t></w:r></w:p>"
    "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
)


def _add_notes(document: Document, name: str, text: str) -> None:
    """A footnotes or endnotes part holding one note (python-docx cannot add notes)."""
    note = name[:-1]
    xml = (f'<w:{name} xmlns:w="{W_NS}"><w:{note} w:id="1"><w:p><w:r><w:t>{text}</w:t>'
           f"</w:r></w:p></w:{note}></w:{name}>")
    part = Part(PackURI(f"/word/{name}.xml"), f"{WORDML}{name}+xml", xml.encode("utf-8"),
                document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES if name == "footnotes" else RT.ENDNOTES)


def _build() -> Document:
    document = docx.Document()
    document.styles.add_style("Doc Number", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("年度工作总结", style="Title")
    document.add_paragraph("龙政发〔2026〕10号", style="Doc Number")
    document.add_paragraph("根据龙政发〔2026〕10号文件精神，认真做好计划生育工作。")
    document.add_paragraph("档号：0194-WS·2026-D30-办公室-0001")
    split = document.add_paragraph()
    split.add_run("头")
    split.add_run("发").bold = True
    boxed = document.add_paragraph()
    boxed.add_run("头")
    boxed._p.append(parse_xml(TEXT_BOX))
    boxed.add_run("发")
    document.add_table(rows=1, cols=1).cell(0, 0).text = "发展"
    document.sections[0].header.paragraphs[0].text = "页眉：示范区"
    document.sections[0].footer.paragraphs[0].text = "第一页"
    comment = document.add_comment(document.paragraphs[0].runs, text="请核对数据", author="审核")
    # python-docx dates a comment with the wall clock; documents built twice must match.
    comment._comment_elm.set(qn("w:date"), "2026-01-01T00:00:00Z")
    _add_notes(document, "footnotes", "脚注：数据来源于台账")
    _add_notes(document, "endnotes", "尾注：计生专干")
    props = document.core_properties
    props.title, props.subject, props.keywords = "计划生育工作总结", "年度工作总结", "关键词"
    props.identifier, props.language = "档案0001", "zh-CN"
    return document


@pytest.fixture(scope="module")
def source() -> bytes:
    """A document with text in every kind of place, as render_docx would write it."""
    return document_bytes(_build())


@pytest.fixture(scope="module")
def converted(source: bytes) -> bytes:
    return to_traditional(source)


def _open(data: bytes) -> Document:
    return docx.Document(io.BytesIO(data))


def _part_paragraphs(data: bytes, name: str) -> list[str]:
    """Each paragraph's own text in a part (a text box's paragraphs are separate)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        root = etree.fromstring(package.read(name))
    return ["".join(p.xpath("./w:r/w:t/text()", namespaces=NS)) for p in root.iter(qn("w:p"))]


def test_body_table_header_and_footer_read_in_traditional(converted: bytes) -> None:
    document = _open(converted)
    assert document.paragraphs[0].text == "年度工作總結"
    assert document.tables[0].cell(0, 0).text == "發展"
    assert document.sections[0].header.paragraphs[0].text == "頁眉：示範區"
    assert document.sections[0].footer.paragraphs[0].text == "第一頁"


@pytest.mark.parametrize("part, text", [
    ("word/comments.xml", "請覈對數據"),
    ("word/footnotes.xml", "腳註：數據來源於臺賬"),
    ("word/endnotes.xml", "尾註：計生專幹"),
])
def test_comments_and_notes_read_in_traditional(converted: bytes, part: str, text: str) -> None:
    assert text in _part_paragraphs(converted, part)


def test_codes_are_kept_as_issued(converted: bytes) -> None:
    texts = [p.text for p in _open(converted).paragraphs]
    assert texts[1] == "龙政发〔2026〕10号"  # the Doc Number style
    assert texts[2] == "根據龙政发〔2026〕10号文件精神，認真做好計劃生育工作。"
    assert texts[3] == "檔號：0194-WS·2026-D30-办公室-0001"


def test_a_word_split_over_runs_converts_as_one_word(converted: bytes) -> None:
    # Run by run, 发 alone would become 發; as the word 头发 it is 髮.
    runs = _open(converted).paragraphs[4].runs
    assert [run.text for run in runs] == ["頭", "髮"]
    assert runs[1].bold


def test_a_text_box_is_converted_as_its_own_paragraph(converted: bytes) -> None:
    paragraphs = _part_paragraphs(converted, "word/document.xml")
    # The box's text does not come between 头 and 发 of the paragraph that anchors it.
    assert "頭髮" in paragraphs
    assert "文本框裏的說明" in paragraphs


def test_a_conversion_that_changes_length_keeps_each_runs_text() -> None:
    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("电脑内存")
    paragraph.add_run("不足").italic = True
    runs = _open(to_traditional(document_bytes(document), config="s2twp")).paragraphs[0].runs
    # s2twp says 記憶體 for 内存: one character more, so the runs are converted one by one.
    assert [(run.text, bool(run.italic)) for run in runs] == [("電腦記憶體", False), ("不足", True)]


def test_document_properties_are_converted_but_not_the_identifier(converted: bytes) -> None:
    props = _open(converted).core_properties
    assert (props.title, props.subject, props.keywords) == ("計劃生育工作總結", "年度工作總結", "關鍵詞")
    assert props.identifier == "档案0001"
    assert props.language == "zh-TW"


def test_output_depends_only_on_the_content(source: bytes, converted: bytes) -> None:
    """A plain python-docx save (wall-clock dates, its own entry order) converts to the same bytes."""
    saved = io.BytesIO()
    _build().save(saved)
    assert to_traditional(saved.getvalue()) == converted
    with zipfile.ZipFile(io.BytesIO(converted)) as package:
        infos = package.infolist()
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}


@pytest.fixture(scope="module")
def summary() -> tuple[bytes, bytes]:
    """The sample year summary rendered, and converted."""
    simplified = render_docx(template_path("year_summary"), year_summary_context())
    return simplified, to_traditional(simplified)


def test_year_summary_converts_every_paragraph_and_cell(summary: tuple[bytes, bytes]) -> None:
    simplified, traditional = (_open(data) for data in summary)
    assert traditional.paragraphs[0].text == "示範區2025年度人口和計劃生育工作總結"
    assert [p.text for p in traditional.paragraphs] == [
        to_traditional_text(p.text) for p in simplified.paragraphs]
    cells = [[c.text for c in row.cells] for row in traditional.tables[0].rows]
    assert cells == [[to_traditional_text(c.text) for c in row.cells]
                     for row in simplified.tables[0].rows]
    assert cells[0][:2] == ["序號", "指標"]
    assert ["1", "孕環情檢查受檢率"] in [row[:2] for row in cells]
    assert traditional.core_properties.title == "示範區2025年度人口和計劃生育工作總結"


def test_year_summary_declares_traditional_chinese(summary: tuple[bytes, bytes]) -> None:
    styles = _open(summary[1]).styles.element
    lang = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    # Latin text stays en-US (numbers kept whole); Chinese text is declared Traditional.
    assert (lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))) == ("en-US", "zh-TW")


@pytest.mark.parametrize("text, expected", [
    # A doc number cited in the 公文 way, in brackets after the title.
    ("《关于计划生育的通知》（龙政发〔2026〕10号）", "《關於計劃生育的通知》（龙政发〔2026〕10号）"),
    # Citation words are not part of the organ; 数据局 contains 据 and still is.
    ("认真贯彻落实国办发[2025]3号要求", "認真貫徹落實国办发[2025]3号要求"),
    ("数据局发〔2026〕1号", "数据局发〔2026〕1号"),
    # No way to tell where the organ starts: only the number part is a code.
    ("这是一段很长的没有标点的文字提到了龙政发〔2026〕10号", "這是一段很長的沒有標點的文字提到了龍政發〔2026〕10号"),
    ("档号0194-WS·2026-Y-办公室-0001归档", "檔號0194-WS·2026-Y-办公室-0001歸檔"),
    ("单位代码440307001的头发", "單位代碼440307001的頭髮"),
])
def test_text_conversion_keeps_codes(text: str, expected: str) -> None:
    assert to_traditional_text(text) == expected


def test_regional_conversions() -> None:
    assert to_traditional_text("为了里面", config="s2tw") == "為了裡面"
    assert to_traditional_text("为了里面", config="s2hk") == "為了裏面"


def test_unknown_conversion_and_non_docx_input_are_refused(source: bytes) -> None:
    with pytest.raises(ScriptError, match="s2t"):
        to_traditional(source, config="t2s")
    with pytest.raises(ScriptError, match="unknown conversion"):
        to_traditional_text("计划", config="../../etc/passwd")
    with pytest.raises(ScriptError, match=r"\.docx"):
        to_traditional(b"not a zip")


@pytest.mark.soffice
def test_traditional_pdf_shows_every_character(summary: tuple[bytes, bytes],
                                               tmp_path: Path) -> None:
    path = tmp_path / "summary.docx"
    path.write_bytes(summary[1])
    pdf = SofficeConverter(tmp_path / "profile").convert(path, tmp_path / "pdf")
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(pdf).pages))
    assert "示範區2025年度人口和計劃生育工作總結" in text
    assert "孕環情檢查受檢率" in text and "\ufffd" not in text
