"""The document kinds wenshu generates: each a template and a context builder.

A builder turns plain inputs (the loaded snapshot, the period, the clerk's
options) into the template's context; it never touches the database or files,
so every kind is testable without either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from wenshu.codes import check_unit_code
from wenshu.compute.snapshot import Snapshot
from wenshu.compute.summary import Rollup, compute_unit
from wenshu.generators import summary, template_build
from wenshu.generators.layout_context import Letterhead, layout_context
from wenshu.generators.phrasing import issuing_organ, typeset
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.models.lines import Line, Lines, load_lines
from wenshu.narrative import Narrative
from wenshu.periods import Period


@dataclass(frozen=True)
class DocumentOptions:
    """What a clerk chooses besides unit and period."""

    issued_on: date
    narrative: Narrative = field(default_factory=Narrative)
    signature_unit: str | None = None
    # Kind-specific input, as plain data: a campaign's plan, a checklist's answers …
    spec: Mapping[str, Any] = field(default_factory=dict)
    topic: str = ""  # part of the document's identity, e.g. the campaign's code
    line: str = ""  # the line of work (业务条线, lines.yaml); empty: the default line
    letterhead: Letterhead = field(default_factory=Letterhead)
    script: Literal["simplified", "traditional"] = "simplified"

    def digest_parts(self) -> dict[str, Any]:
        """The options that shape a document's content (not its signing date)."""
        return {"narrative": self.narrative.as_dict(), "signature_unit": self.signature_unit,
                "spec": self.spec, "topic": self.topic, "letterhead": self.letterhead.as_dict(),
                "script": self.script, **({"line": self.line} if self.line else {})}


@dataclass(frozen=True)
class ContextRequest:
    """Everything a builder may read for one unit's document."""

    snapshot: Snapshot
    rollup: Rollup
    catalogue: Catalogue
    unit_code: str
    period: Period
    options: DocumentOptions
    # The office's catalogue directory: its reworded phrasebooks (phrases/<name>.yaml).
    user_dir: Path | None = None
    # The line of work the document is for; ``catalogue`` holds only what it reads.
    line: Line = field(default_factory=lambda: shipped_lines().default)

    def __post_init__(self) -> None:
        # The unit code ends up in the document's file and folder names: refuse a bad one early.
        check_unit_code(self.unit_code)
        # Every builder reads only its line's activity types and indicators.
        object.__setattr__(self, "catalogue", self.line.restrict(self.catalogue))


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document: archive key, Chinese name, template, context builder."""

    key: str
    label: str
    template: str  # name under templates/docx, without .docx
    build: Callable[[ContextRequest], dict[str, Any]]
    build_template: Callable[[Path], None]  # writes the shipped template (template_build)
    # For the built-in sample (wenshu.demo.sample): the period it covers and any
    # kind-specific options (a campaign's spec, a checklist's answers …).
    sample_period: str = "2025"
    sample_options: Callable[[], dict[str, Any]] = dict
    # The sample's unit when not the sample street (a community's checklist needs one).
    sample_unit: str = ""

    def months(self, period: Period) -> frozenset[int]:
        """The ledger months a document for ``period`` reads (January to the period's end)."""
        return frozenset(range(1, period.end.month + 1))

    def snapshot_year(self, period: Period) -> int:
        """The year whose snapshot (with the year before) a document for ``period`` reads."""
        return period.start.year


def _summary(request: ContextRequest) -> dict[str, Any]:
    report = compute_unit(request.snapshot, request.catalogue, request.unit_code,
                          request.period, request.rollup)
    options = request.options
    return summary.build_context(report, request.catalogue, issued_on=options.issued_on,
                                 narrative=options.narrative,
                                 signature_unit=options.signature_unit
                                 or issuing_organ(request.snapshot.unit_map[request.unit_code],
                                                   request.line),
                                 topic=request.line.topic,
                                 phrases=summary.phrasebook(request.user_dir, request.line.key))


YEAR_SUMMARY = DocumentKind("year_summary", "年度工作总结", "year_summary", _summary,
                            template_build.build_year_summary)
HALF_YEAR_SUMMARY = DocumentKind("half_year_summary", "半年工作总结", "half_year_summary",
                                 _summary, template_build.build_half_year_summary,
                                 sample_period="2025H1")

@lru_cache(maxsize=1)
def shipped_lines() -> Lines:
    """The lines of work wenshu ships (an office's own come from its catalogue directory)."""
    return load_lines(load_catalogue())


def document_context(kind: DocumentKind, request: ContextRequest, unit_name: str
                     ) -> dict[str, Any]:
    """The full context of one document: the kind's own keys, the shared layout keys
    (title lines, 发文字号, 版记 …), and its strings typeset (nested quotes as ‘’)."""
    context = kind.build(request)
    options = request.options
    context |= layout_context(context["title"], unit_name, options.letterhead, options.issued_on,
                              organ=context["signature_unit"])
    return typeset(context)


def sample_context(kind: DocumentKind, options: DocumentOptions | None = None) -> dict[str, Any]:
    """The context ``kind`` builds for the built-in sample street (东城街道, or the kind's
    ``sample_unit`` in it), layout keys included.

    ``wenshu templates check`` reads the variables a kind provides from it, and
    the golden-text tests render it.
    """
    from wenshu.demo.sample import SAMPLE_UNIT, sample_snapshot

    snapshot, unit = sample_snapshot(), kind.sample_unit or SAMPLE_UNIT
    period = Period.parse(kind.sample_period)
    options = options or DocumentOptions(issued_on=date(2026, 1, 15), **kind.sample_options())
    request = ContextRequest(snapshot, Rollup(snapshot, kind.months(period)), load_catalogue(),
                             unit, period, options, line=shipped_lines().get(options.line))
    return document_context(kind, request, snapshot.unit_map[unit].name)


def registered_kinds() -> dict[str, DocumentKind]:
    """Every document kind by key (kinds defined in their own modules register here)."""
    # Imported here: these modules import this one for DocumentKind.
    from wenshu.generators.campaign_plan import CAMPAIGN_PLAN
    from wenshu.generators.inspection import INSPECTION_BULLETIN, INSPECTION_REPORT
    from wenshu.generators.self_inspection import SELF_INSPECTION
    from wenshu.generators.work_plan import WORK_PLAN

    kinds = (YEAR_SUMMARY, HALF_YEAR_SUMMARY, WORK_PLAN, CAMPAIGN_PLAN, SELF_INSPECTION,
             INSPECTION_REPORT, INSPECTION_BULLETIN)
    return {kind.key: kind for kind in kinds}
