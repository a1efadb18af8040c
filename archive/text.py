"""The plain text of a stored Word document, for the search index.

Paragraphs and table cells are read in document order (python-docx), so a
phrase split across a table row's cells still reads as the clerk sees it.
Headers, footers and the 版记 of the section are left out: they repeat on every
document and would only add noise to the index.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from docx import Document as open_docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from wenshu.errors import ArchiveError


class TextExtractionError(ArchiveError):
    """A stored file could not be read as a Word document."""


def _blocks(document: DocxDocument) -> Iterator[Paragraph | Table]:
    """Body paragraphs and tables in the order they appear."""
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document)
        elif child.tag == qn("w:tbl"):
            yield Table(child, document)


def _table_lines(table: Table) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(p.text for p in cell.paragraphs).strip()
            # Merged cells come back once per grid column; keep one copy.
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            yield " | ".join(cells)


def docx_text(path: Path) -> str:
    """The body text of a .docx: paragraphs and table rows, one per line, empty lines dropped."""
    try:
        document = open_docx(str(path))
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TextExtractionError(f"cannot read {path} as a Word document: {exc}") from exc
    lines: list[str] = []
    for block in _blocks(document):
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if text:
                lines.append(text)
        else:
            lines.extend(_table_lines(block))
    return "\n".join(lines)
