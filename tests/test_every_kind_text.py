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
from wenshu.generators.inspection import _sample_answers
from wenshu.generators.inspection_inputs import (
    Place,
    UnitRecord,
    bulletin_spec,
    report_spec,
)
from wenshu.generators.kinds import (
    ContextRequest,
    DocumentOptions,
    document_context,
    registered_kinds,
    sample_context,
    shipped_lines,
)
from wenshu.generators.render import render_docx
from wenshu.generators.self_inspection import inspection_spec
from wenshu.models.catalogue import load_catalogue
from wenshu.models.checklist import load_checklist, resolve_checklist
from wenshu.periods import Period
from wenshu.templates import template_path

# Each kind for the women's federation line: its period and the unit it is written for
# (the checklist kinds read the 妇女之家 checklist, which is for communities).
WOMEN_KINDS = {"year_summary": ("2025", "S1"), "half_year_summary": ("2025H1", "S1"),
               "work_plan": ("2026", "S1"), "self_inspection": ("2025", "C1"),
               "inspection_report": ("2025", "C2"), "inspection_bulletin": ("2025", "S1")}
INSPECTED_ON = date(2026, 1, 12)


def women_spec(kind_key: str) -> dict:
    """The 妇女之家 checklist with answers short in places, for the checklist kinds."""
    checklist = load_checklist(resolve_checklist("women_home"))

    def record(**short: object) -> UnitRecord:
        return UnitRecord(_sample_answers(checklist, short), {})

    if kind_key == "self_inspection":
        return {"spec": inspection_spec(checklist, record(has_sign="否").answers),
                "topic": checklist.key}
    if kind_key == "inspection_report":
        return {"spec": report_spec(checklist, INSPECTED_ON, "东城街道妇联",
                                    record(has_rules="否", reports_on_time="否"),
                                    Place(2, 3, ())), "topic": checklist.key}
    units = {"C1": record(), "C2": record(has_rules="否", reports_on_time="否"),
             "C3": record(has_sign="否", ledgers=2)}
    return {"spec": bulletin_spec(checklist, INSPECTED_ON, units), "topic": checklist.key}


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
    code, unit = WOMEN_KINDS[kind_key][0], WOMEN_KINDS[kind_key][1]
    period = Period.year(2026) if kind_key == "work_plan" else Period.parse(code)
    extra = women_spec(kind_key) if kind_key.startswith(("self", "inspection")) else {}
    request = ContextRequest(snapshot, Rollup(snapshot, kind.months(period)), load_catalogue(),
                             unit, period, DocumentOptions(issued_on=date(2026, 1, 15), **extra),
                             line=shipped_lines().get("women"))
    text = _render(kind_key, document_context(kind, request, snapshot.unit_map[unit].name))
    assert repeated_sentences(text) == {}
    assert "妇女儿童工作" in text and "计划生育" not in text
