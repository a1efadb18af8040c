"""The document kinds wenshu generates: each a template and a context builder.

A builder turns plain inputs (the loaded snapshot, the period, the clerk's
options) into the template's context; it never touches the database or files,
so every kind is testable without either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from wenshu.compute.snapshot import Snapshot
from wenshu.compute.summary import Rollup, compute_unit
from wenshu.generators import summary, template_build
from wenshu.generators.layout_context import Letterhead
from wenshu.models.catalogue import Catalogue
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
    letterhead: Letterhead = field(default_factory=Letterhead)
    script: Literal["simplified", "traditional"] = "simplified"

    def digest_parts(self) -> dict[str, Any]:
        """The options that shape a document's content (not its signing date)."""
        return {"narrative": self.narrative.as_dict(), "signature_unit": self.signature_unit,
                "spec": self.spec, "topic": self.topic, "letterhead": self.letterhead.as_dict(),
                "script": self.script}


@dataclass(frozen=True)
class ContextRequest:
    """Everything a builder may read for one unit's document."""

    snapshot: Snapshot
    rollup: Rollup
    catalogue: Catalogue
    unit_code: str
    period: Period
    options: DocumentOptions


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document: archive key, Chinese name, template, context builder."""

    key: str
    label: str
    template: str  # name under templates/docx, without .docx
    build: Callable[[ContextRequest], dict[str, Any]]
    build_template: Callable[[Path], None]  # writes the shipped template (template_build)

    def months(self, period: Period) -> frozenset[int]:
        """The ledger months a document for ``period`` reads (January to the period's end)."""
        return frozenset(range(1, period.end.month + 1))


def _summary(request: ContextRequest) -> dict[str, Any]:
    report = compute_unit(request.snapshot, request.catalogue, request.unit_code,
                          request.period, request.rollup)
    options = request.options
    return summary.build_context(report, request.catalogue, issued_on=options.issued_on,
                                 narrative=options.narrative,
                                 signature_unit=options.signature_unit)


YEAR_SUMMARY = DocumentKind("year_summary", "年度工作总结", "year_summary", _summary,
                            template_build.build_year_summary)
HALF_YEAR_SUMMARY = DocumentKind("half_year_summary", "半年工作总结", "half_year_summary",
                                 _summary, template_build.build_half_year_summary)

def registered_kinds() -> dict[str, DocumentKind]:
    """Every document kind by key (kinds defined in their own modules register here)."""
    return {kind.key: kind for kind in (YEAR_SUMMARY, HALF_YEAR_SUMMARY)}
