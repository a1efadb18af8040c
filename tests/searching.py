"""Small Word documents for the search tests, and their versions' ids."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from docx import Document as new_docx

from wenshu.archive import StoredVersion
from wenshu.db import session_scope
from wenshu.settings import Settings


def write_docx(path: Path, paragraphs: list[str], rows: list[list[str]] | None = None) -> Path:
    """A Word file with these paragraphs and, when given, one table of these rows."""
    document = new_docx()
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    document.save(str(path))
    return path


def version_id_of(settings: Settings, stored: StoredVersion) -> int:
    """The database id of a stored version."""
    with session_scope(settings) as session:
        return session.scalar(sa.text(
            "SELECT id FROM document_versions WHERE document_id = :d AND version = :n"),
            {"d": stored.document_id, "n": stored.version})
