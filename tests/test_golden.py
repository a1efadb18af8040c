"""Golden outputs: each kind's rendered text for a fixed small data set, kept under review.

A change of wording shows up as a diff of tests/golden/<kind>.txt. After reviewing
it, refresh the snapshots with ``pytest tests/test_golden.py --update-golden``.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from tests.sample_context import assert_no_placeholders
from wenshu.generators.kinds import (
    DocumentKind,
    DocumentOptions,
    registered_kinds,
    sample_context,
)
from wenshu.generators.layout_context import Letterhead
from wenshu.generators.render import render_docx
from wenshu.narrative import Narrative
from wenshu.templates import template_path

GOLDEN = Path(__file__).parent / "golden"


def document_text(docx: bytes) -> str:
    """Paragraphs and table rows in document order, one per line (pictures left out)."""
    document = Document(io.BytesIO(docx))
    body = document.element.body
    lines = []
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = ["".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                             for cell in row if cell.tag.endswith("}tc")]
                    lines.append(" | ".join(cells))
    return "\n".join(lines).strip() + "\n"


def _render(kind: DocumentKind) -> bytes:
    """The kind's sample, with staff text and every letterhead block in use."""
    options = DocumentOptions(
        issued_on=date(2026, 1, 15), narrative=Narrative(highlights=("建成示范点3个。",)),
        letterhead=Letterhead(doc_number="东城〔2026〕3号", addressee="示范区卫生健康局",
                              attachments=("主要指标完成情况表",), copy_to=("区妇联",),
                              printed_by="东城街道办事处"),
        **kind.sample_options(),
    )
    return render_docx(template_path(kind.template), sample_context(kind, options))


@pytest.mark.parametrize("key", sorted(registered_kinds()))
def test_rendered_text_matches_the_reviewed_snapshot(key, request):
    text = document_text(_render(registered_kinds()[key]))
    golden = GOLDEN / f"{key}.txt"
    if request.config.getoption("--update-golden"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no snapshot yet: run pytest {__file__} --update-golden"
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(registered_kinds()))
def test_no_placeholder_reaches_the_document(key):
    assert_no_placeholders(_render(registered_kinds()[key]))
