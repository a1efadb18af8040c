"""Every kind prints cleanly: no broken numbers, no lost characters, 避头尾, nested quotes.

The PDFs come from LibreOffice, as users get them; their lines are read back with
pdftotext (:mod:`wenshu.generators.pdf_lines`) and checked against the .docx.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from wenshu.compute.summary import Rollup
from wenshu.demo.sample import sample_snapshot
from wenshu.generators.kinds import (
    ContextRequest,
    DocumentOptions,
    document_context,
    registered_kinds,
)
from wenshu.generators.layout_context import Letterhead
from wenshu.generators.pdf import SofficeConverter
from wenshu.generators.pdf_lines import failures, line_problems
from wenshu.models.catalogue import load_catalogue
from wenshu.narrative import Narrative
from wenshu.periods import Period
from wenshu.pipeline import render_document
from wenshu.templates import template_path

pytestmark = pytest.mark.soffice

# Every kind for the sample street; the summaries also for its district and a community.
_UNITS = {key: ("S1",) for key in registered_kinds()} | {
    "year_summary": ("D", "S1", "C1"), "half_year_summary": ("D", "S1", "C1")}
_LETTERHEAD = Letterhead(doc_number="东城〔2026〕3号", addressee="示范区卫生健康局：",
                         attachments=("主要指标完成情况表",), copy_to=("区妇联",),
                         printed_by="东城街道办事处")


def _context(key: str, unit: str) -> dict:
    kind = registered_kinds()[key]
    snapshot = sample_snapshot()
    period = Period.parse(kind.sample_period)
    options = DocumentOptions(issued_on=date(2026, 1, 15), letterhead=_LETTERHEAD,
                              narrative=Narrative(highlights=("以““六一”关爱”为主题开展活动3场。",)),
                              **kind.sample_options())
    request = ContextRequest(snapshot, Rollup(snapshot, kind.months(period)), load_catalogue(),
                             unit, period, options)
    return document_context(kind, request, snapshot.unit_map[unit].name)


def _checker_cases() -> dict[str, bytes]:
    """Documents the checker must fault: a number too long for its line, nested quotes."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.left_margin, section.right_margin = Mm(60), Mm(10), Mm(10)
    paragraph = document.add_paragraph("受检率1234567890123456789012345678901234567890%")
    language = OxmlElement("w:lang", {qn("w:val"): "zh-CN", qn("w:eastAsia"): "zh-CN"})
    paragraph.runs[0]._r.get_or_add_rPr().append(language)
    document.add_paragraph("开展““六一”关爱”活动")
    saved = io.BytesIO()
    document.save(saved)
    return {"checker-cases": saved.getvalue()}


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, bytes]]:
    """Each document's PDF and .docx, by name: kind-unit-script, and the checker's cases."""
    out = tmp_path_factory.mktemp("lines")
    sources: dict[str, bytes] = _checker_cases()
    for key, units in _UNITS.items():
        template = template_path(registered_kinds()[key].template)
        for unit in units:
            context = _context(key, unit)
            for script in ("simplified", "traditional"):
                sources[f"{key}-{unit}-{script}"] = render_document(
                    template, context, date(2026, 1, 15), script)
    paths = []
    for name, data in sources.items():
        (out / f"{name}.docx").write_bytes(data)
        paths.append(out / f"{name}.docx")
    pdfs = SofficeConverter(out / "profile").convert_many(paths, out)
    return {path.stem: (pdf, sources[path.stem]) for path, pdf in zip(paths, pdfs, strict=True)}


@pytest.mark.parametrize("name", [f"{key}-{unit}-{script}" for key, units in _UNITS.items()
                                  for unit in units for script in ("simplified", "traditional")])
def test_every_kind_prints_without_line_problems(printed, name):
    pdf, source = printed[name]
    assert [str(p) for p in failures(line_problems(pdf, source))] == []


def test_the_checker_finds_a_split_number_and_nested_quotes(printed):
    pdf, source = printed["checker-cases"]
    kinds = {p.kind for p in line_problems(pdf, source)}
    assert {"split_number", "nested_quotes"} <= kinds


def test_the_checker_finds_a_character_the_pdf_lacks(printed):
    pdf, source = printed["year_summary-S1-simplified"]
    document = docx.Document(io.BytesIO(source))
    document.add_paragraph("鑫")
    saved = io.BytesIO()
    document.save(saved)
    assert [str(p) for p in line_problems(pdf, saved.getvalue()) if p.kind == "lost_char"] == [
        "p0 lost_char: 鑫 ×1"]


def test_nested_quotes_print_as_single_quotes_inside(printed):
    simplified = docx.Document(io.BytesIO(printed["year_summary-S1-simplified"][1]))
    traditional = docx.Document(io.BytesIO(printed["year_summary-S1-traditional"][1]))
    assert any("以“‘六一’关爱”为主题" in p.text for p in simplified.paragraphs)
    # Traditional texts quote with 「」 and 『』 inside.
    assert any("以「『六一』關愛」爲主題" in p.text for p in traditional.paragraphs)


def test_a_signature_alone_is_a_fault_a_page_of_only_the_imprint_is_not():
    """GB/T 9704 §7.5 allows the 版记 a page of its own; the 署名 never stands alone."""
    from collections import Counter

    from wenshu.generators.layout import load_layout
    from wenshu.generators.pdf_lines import PrintedLine, _page_problems, _Source

    source = _Source("", Counter(), {"Signature": frozenset({"东城街道办事处", "2026年1月15日"}),
                                     "Imprint": frozenset({"抄送：区妇联。",
                                                           "东城街道办事处\t2026年1月15日印发"})})
    body = PrintedLine(1, 100, 700, "……正文最后一行。")

    def problems(*last: str) -> list[str]:
        lines = [body, *(PrintedLine(2, 100 + 30 * n, 120 + 30 * n, t) for n, t in enumerate(last))]
        return [p.kind for p in _page_problems(lines, source, load_layout())]

    assert "signature_alone" in problems("东城街道办事处", "2026年1月15日")
    assert "signature_alone" not in problems("抄送：区妇联。", "东城街道办事处", "2026年1月15日印发")
