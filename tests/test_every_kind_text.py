"""No sentence said twice in any document wenshu writes, for either line of work: every
kind's rendered text is split into sentences (。！？ and line breaks) and any of 8
characters or more that appears twice is a defect a reviewer would strike out."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from tests.test_golden import document_text
from tests.women_sample import women_snapshot
from wenshu.compute.summary import Rollup
from wenshu.generators.kinds import (
    ContextRequest,
    DocumentOptions,
    document_context,
    registered_kinds,
    sample_context,
    shipped_lines,
)
from wenshu.generators.render import render_docx
from wenshu.models.catalogue import load_catalogue
from wenshu.periods import Period
from wenshu.templates import template_path

# The kinds a women's federation files from its ledgers alone (inspections and
# self-inspections read a checklist and answers; their own tests cover both lines).
WOMEN_KINDS = {"year_summary": "2025", "half_year_summary": "2025H1", "work_plan": "2026"}


def repeated_sentences(text: str) -> dict[str, int]:
    """Sentences of 8+ characters that occur more than once, with their counts."""
    sentences = [s.strip() for s in re.split(r"[。！？\n]", text) if len(s.strip()) >= 8]
    return {s: n for s, n in Counter(sentences).items() if n > 1}


def _render(kind_key: str, context: dict) -> str:
    kind = registered_kinds()[kind_key]
    return document_text(render_docx(template_path(kind.template), context))


@pytest.mark.parametrize("kind_key", sorted(registered_kinds()))
def test_no_sentence_is_said_twice_family_planning(kind_key):
    text = _render(kind_key, sample_context(registered_kinds()[kind_key]))
    assert repeated_sentences(text) == {}
    assert len(re.split(r"[。！？\n]", text)) > 15  # the document really was read


@pytest.mark.parametrize("kind_key", sorted(WOMEN_KINDS))
def test_no_sentence_is_said_twice_women(kind_key):
    kind, snapshot = registered_kinds()[kind_key], women_snapshot()
    period = Period.parse(WOMEN_KINDS[kind_key])
    if kind_key == "work_plan":
        period = Period.year(2026)
    request = ContextRequest(snapshot, Rollup(snapshot, kind.months(period)), load_catalogue(),
                             "S1", period, DocumentOptions(issued_on=date(2026, 1, 15)),
                             line=shipped_lines().get("women"))
    text = _render(kind_key, document_context(kind, request, "东城街道"))
    assert repeated_sentences(text) == {}
    assert "妇女儿童工作" in text and "计划生育" not in text
