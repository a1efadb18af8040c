"""The document kinds wenshu generates, each with its template."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document: archive key, Chinese name, template file."""

    key: str
    label: str
    template: str  # name under templates/docx, without .docx


YEAR_SUMMARY = DocumentKind("year_summary", "年度工作总结", "year_summary")

KINDS: dict[str, DocumentKind] = {kind.key: kind for kind in (YEAR_SUMMARY,)}
