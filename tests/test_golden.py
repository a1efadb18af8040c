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
from wenshu.compute.summary import Rollup
from wenshu.generators.kinds import ContextRequest, DocumentKind, DocumentOptions, registered_kinds
from wenshu.generators.layout_context import Letterhead, layout_context
from wenshu.generators.render import render_docx
from wenshu.narrative import Narrative
from wenshu.periods import Period
from wenshu.templates import template_path

GOLDEN = Path(__file__).parent / "golden"
ISSUED = date(2026, 1, 15)
# Per kind: the period its document covers in the small snapshot, and its own options.
CASES: dict[str, tuple[str, dict]] = {
    "year_summary": ("2025", {}),
    "half_year_summary": ("2025H1", {}),
}


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


def _render(kind: DocumentKind, snapshot, catalogue, period: str, extra: dict) -> bytes:
    options = DocumentOptions(
        issued_on=ISSUED, narrative=Narrative(highlights=("建成示范点3个。",)),
        letterhead=Letterhead(doc_number="东城〔2026〕3号", addressee="示范区卫生健康局"),
        **extra,
    )
    covered = Period.parse(period)
    request = ContextRequest(snapshot, Rollup(snapshot, kind.months(covered)), catalogue, "S1",
                             covered, options)
    context = kind.build(request)
    context |= layout_context(context["title"], "东城街道", options.letterhead, ISSUED)
    return render_docx(template_path(kind.template), context)


@pytest.mark.parametrize("key", sorted(CASES))
def test_rendered_text_matches_the_reviewed_snapshot(key, small_snapshot, catalogue, request):
    kind = registered_kinds()[key]
    period, extra = CASES[key]
    text = document_text(_render(kind, small_snapshot, catalogue, period, extra))
    golden = GOLDEN / f"{key}.txt"
    if request.config.getoption("--update-golden"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no snapshot yet: run pytest {__file__} --update-golden"
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(CASES))
def test_no_placeholder_reaches_the_document(key, small_snapshot, catalogue):
    kind = registered_kinds()[key]
    period, extra = CASES[key]
    assert_no_placeholders(_render(kind, small_snapshot, catalogue, period, extra))


def test_every_kind_has_a_golden_case():
    assert set(CASES) == set(registered_kinds())
