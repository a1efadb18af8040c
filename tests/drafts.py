"""Documents for archive tests: stored drafts (a Word file and a real PDF/A per version),
or rows straight in the tables where only the records matter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import docx as docx_module
from sqlalchemy.orm import Session

from wenshu.archive import Archive, DocumentKey, StoredVersion
from wenshu.models.tables import Document, DocumentVersion
from wenshu.settings import Settings


def store_draft(settings: Settings, tmp_path: Path, pdf: Path | bytes, *, unit: str = "440307",
                kind: str = "year_summary", period: str = "2025",
                inputs: str = "i1", issued_on: date | None = None,
                doc_number: str | None = None) -> StoredVersion:
    """Store a draft version of ``kind`` for ``unit``; new ``inputs`` make a new version.

    ``issued_on`` and ``doc_number`` are what the version records as printed in it
    (None: not recorded, like a version stored before wenshu recorded them).
    """
    docx = tmp_path / f"{unit}_{kind}_{inputs}.docx"
    word = docx_module.Document()
    word.add_paragraph(f"{unit} {inputs}")
    word.save(str(docx))
    pdf_path = tmp_path / f"{unit}_{kind}_{inputs}.pdf"
    pdf_path.write_bytes(pdf if isinstance(pdf, bytes) else pdf.read_bytes())
    return Archive(settings).store(DocumentKey(kind, unit, period), title=f"{unit}{period}年度工作总结",
                                   files={"docx": docx, "pdf": pdf_path},
                                   template_name=f"{kind}.docx", template_sha256="t1",
                                   input_sha256=inputs, issued_on=issued_on,
                                   doc_number=doc_number)


def add_document(session: Session, unit: str, kind: str, period: str,
                 *versions: str | tuple[str, datetime, datetime | None]) -> None:
    """A document's rows, no files: each version a status (made on 5 January 2026, no
    filing time) or (status, made, filed)."""
    document = Document(kind=kind, unit_code=unit, period=period, topic="", script="simplified",
                        title=f"{kind} {period}")
    session.add(document)
    session.flush()
    for number, version in enumerate(versions, start=1):
        status, created, filed = ((version, datetime(2026, 1, 5, tzinfo=UTC), None)
                                  if isinstance(version, str) else version)
        session.add(DocumentVersion(document_id=document.id, version=number, created_at=created,
                                    template_name=f"{kind}.docx", template_sha256="t",
                                    input_sha256=f"i{number}", status=status, filed_at=filed))
    session.flush()
