"""The plain text of a stored Word document, for the search index.

Paragraphs and table cells are read in document order, so a phrase split across a
table row's cells still reads as the clerk sees it. Headers, footers and the 版记 of
the section are left out: they repeat on every document and would only add noise to
the index.

The body's XML is read with lxml directly, giving the text python-docx's
``Paragraph.text`` and ``_Row.cells`` give (tabs, line breaks, hyperlinks, merged
cells) at a fifth of the cost: python-docx builds an object and runs an XPath query
per paragraph, run and cell, which made text extraction most of archiving a document.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from wenshu.errors import ArchiveError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFFICE_DOCUMENT = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                    "officeDocument")
# Run content other than w:t and w:br, as python-docx prints it.
_RUN_MARKS = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}
# No entities, no network, no huge trees: a stored file is data, never instructions.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class TextExtractionError(ArchiveError):
    """A stored file could not be read as a Word document."""


def docx_text(path: Path) -> str:
    """The body text of a .docx: paragraphs and table rows, one per line, empty lines dropped."""
    try:
        body = _body(path)
    except (zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError, OSError) as exc:
        raise TextExtractionError(f"cannot read {path} as a Word document: {exc}") from exc
    lines: list[str] = []
    for block in body:
        if block.tag == f"{_W}p":
            text = _paragraph_text(block).strip()
            if text:
                lines.append(text)
        elif block.tag == f"{_W}tbl":
            lines.extend(_table_lines(block))
    return "\n".join(lines)


def _body(path: Path) -> etree._Element:
    """The w:body of the package's main document part."""
    with zipfile.ZipFile(path) as package:
        rels = etree.fromstring(package.read("_rels/.rels"), _PARSER)
        target = next((r.get("Target", "") for r in rels.iter(_REL)
                       if r.get("Type") == _OFFICE_DOCUMENT), "")
        if not target:
            raise ValueError("the package names no main document")
        document = etree.fromstring(package.read(posixpath.normpath(target.lstrip("/"))),
                                    _PARSER)
    body = document.find(f"{_W}body")
    if body is None:
        raise ValueError("the main document has no body")
    return body


def _run_text(run: etree._Element) -> str:
    parts: list[str] = []
    for child in run:
        if child.tag == f"{_W}t":
            parts.append(child.text or "")
        elif child.tag == f"{_W}br":
            # Page and column breaks are no text; a line break is.
            parts.append("\n" if child.get(f"{_W}type", "textWrapping") == "textWrapping" else "")
        else:
            parts.append(_RUN_MARKS.get(child.tag, ""))
    return "".join(parts)


def _paragraph_text(paragraph: etree._Element) -> str:
    """The runs directly in the paragraph and in its hyperlinks, as python-docx reads them."""
    parts: list[str] = []
    for child in paragraph:
        if child.tag == f"{_W}r":
            parts.append(_run_text(child))
        elif child.tag == f"{_W}hyperlink":
            parts.extend(_run_text(run) for run in child if run.tag == f"{_W}r")
    return "".join(parts)


def _table_lines(table: etree._Element) -> Iterator[str]:
    """Each row's cells joined with " | "; a merged cell's text once per row."""
    above: dict[int, str] = {}  # grid column -> the text of the cell covering it, last row
    for row in table.iterchildren(f"{_W}tr"):
        offset, texts, covering = _grid_before(row), [], {}
        for cell in row.iterchildren(f"{_W}tc"):
            span = _property(cell, "gridSpan", 1)
            if _property(cell, "vMerge", None) == "continue":
                text = above.get(offset, "")  # a vertical merge: the cell above's text
            else:
                text = " ".join(_paragraph_text(p)
                                for p in cell.iterchildren(f"{_W}p")).strip()
            for column in range(offset, offset + span):
                covering[column] = text
            texts.append(text)
            offset += span
        above = covering
        cells: list[str] = []
        for text in texts:
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            yield " | ".join(cells)


def _grid_before(row: etree._Element) -> int:
    found = row.find(f"{_W}trPr/{_W}gridBefore")
    return int(found.get(f"{_W}val", "0")) if found is not None else 0


def _property(cell: etree._Element, name: str, default: int | str | None) -> int | str | None:
    """A w:tcPr setting: gridSpan as a number, vMerge as its value ("continue" when the
    element has none, as the schema says)."""
    found = cell.find(f"{_W}tcPr/{_W}{name}")
    if found is None:
        return default
    value = found.get(f"{_W}val")
    if name == "gridSpan":
        return int(value) if value else 1
    return value or "continue"
