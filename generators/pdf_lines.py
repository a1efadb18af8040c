"""Read a generated PDF's printed lines back and find what a 文秘 would send back.

LibreOffice decides where lines and pages break; this module checks its decisions
against the .docx the PDF was made from:

- ``split_number``: a number, decimal, percentage, ratio or range broken across two
  lines ("高3.｜41个百分点", "2｜025年", "≤10/｜10万");
- ``lost_char``: a character of the .docx that the PDF does not print;
- ``line_start``/``line_end``: 避头尾, closing punctuation opening a line or opening
  punctuation ending one;
- ``nested_quotes``: “ inside “…” (the inner pair must be ‘’);
- ``signature_alone``: the last page holds nothing but the signature block (a page
  holding only the 版记 is allowed: GB/T 9704 §7.5 provides for a 版记 page of its own);
- ``caption_at_foot``: a table or figure caption ends a page, its table on the next;
- ``half_blank``: a page ends above its middle while the document goes on.

``short_last_line`` (a paragraph ending in a line of one or two characters) is
reported too, as a note: :data:`FAILURES` lists the kinds a generated PDF must not have.

Lines come from poppler's ``pdftotext -bbox-layout``. Which printed lines form one
paragraph is decided by the .docx: two lines are joined when their text, one after
the other, occurs in one paragraph of it.
"""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml import etree

from wenshu.errors import ConversionError
from wenshu.generators.layout import LayoutProfile, load_layout

FAILURES = frozenset({"split_number", "lost_char", "line_start", "line_end", "nested_quotes",
                      "signature_alone", "caption_at_foot", "half_blank"})

# 行首禁则 and 行尾禁则 (GB/T 15834 punctuation; the common typesetting rule).
_NO_LINE_START = set("，。、；：？！）》」』】〕〗’”…％‰·,.;:?!)]}%")
_NO_LINE_END = set("（《「『【〔〖‘“([{")
# A number as it is read aloud: sign or comparator, digits, decimals, then a percent,
# per-mille, a ratio (10/10万) or the far end of a range (103～107).
_NUMBER = re.compile(
    r"[≥≤＞＜><±+\-−]?\d+(?:[.,．]\d+)*[.．]?"
    r"(?:[%％‰]|/\d+(?:[.,]\d+)*[万萬亿億]?)?"
    r"(?:[～~至]\d+(?:[.,．]\d+)*[%％‰]?)?"
)
_SIGNATURE_STYLES = frozenset({"Signature", "Imprint", "Attachment"})
_PT_PER_MM = Decimal(72) / Decimal("25.4")
_XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class PrintedLine:
    """One line as printed: its page (from 1), box in points from the top left, text."""

    page: int
    top: float
    bottom: float
    text: str


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the printed document."""

    kind: str
    page: int
    text: str

    def __str__(self) -> str:
        return f"p{self.page} {self.kind}: {self.text}"


@dataclass(frozen=True)
class _Source:
    """The .docx paragraphs (body and table cells) by text, and the styled ones."""

    joined: str  # every paragraph's text between NULs, for prefix and whole-text tests
    chars: Counter[str]
    styled: dict[str, frozenset[str]]  # style name -> texts of its paragraphs


def printed_lines(pdf: Path, profile: LayoutProfile | None = None) -> list[PrintedLine]:
    """The lines of the type area in reading order (page numbers and other footer text left out).

    Raises :class:`ConversionError` when ``pdftotext`` (poppler-utils) cannot read the file.
    """
    profile = profile or load_layout()
    try:
        result = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"],
                                capture_output=True, check=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConversionError(f"pdftotext cannot read {pdf.name}: {exc}") from exc
    root = etree.fromstring(result.stdout, etree.XMLParser(recover=True, huge_tree=True))
    lines = []
    for number, page in enumerate(root.iter(f"{_XHTML}page"), start=1):
        height = float(page.get("height"))
        type_area_bottom = height - float(profile.margins_mm.bottom * _PT_PER_MM)
        for line in page.iter(f"{_XHTML}line"):
            text = "".join("".join(word.itertext()) for word in line.iter(f"{_XHTML}word"))
            top, bottom = float(line.get("yMin")), float(line.get("yMax"))
            if text and top < type_area_bottom:
                lines.append(PrintedLine(number, top, bottom, _plain(text)))
    return lines


def line_problems(pdf: Path, docx: bytes, profile: LayoutProfile | None = None) -> list[Problem]:
    """Every problem of ``pdf`` (made from ``docx``), notes included, in page order."""
    profile = profile or load_layout()
    lines = printed_lines(pdf, profile)
    source = _read_source(docx)
    paragraphs = _paragraphs(lines, source)
    problems: list[Problem] = []
    for paragraph in paragraphs:
        problems += _paragraph_problems(paragraph)
    problems += _lost_chars(lines, source)
    problems += _page_problems(lines, source, profile)
    return sorted(problems, key=lambda p: p.page)


def failures(problems: list[Problem]) -> list[Problem]:
    """The problems a generated PDF must not have (notes left out)."""
    return [p for p in problems if p.kind in FAILURES]


def _plain(text: str) -> str:
    """Text as printed: no white space (pdftotext spaces Latin from Han, the .docx may not)
    and no invisible format characters (a WORD JOINER has no glyph)."""
    return "".join(c for c in "".join(text.split()) if unicodedata.category(c) != "Cf")


def _read_source(docx: bytes) -> _Source:
    """Paragraph texts and styles of the .docx body, table cells included."""
    document = Document(io.BytesIO(docx))
    texts: list[str] = []
    styled: dict[str, set[str]] = {}
    for element in document.element.body.iter(qn("w:p")):
        paragraph = Paragraph(element, document)
        text = _plain("".join(t.text or "" for t in element.iter(qn("w:t"))))
        if not text:
            continue
        texts.append(text)
        styled.setdefault(paragraph.style.name if paragraph.style else "", set()).add(text)
    return _Source("\0" + "\0".join(texts) + "\0", Counter("".join(texts)),
                   {name: frozenset(found) for name, found in styled.items()})


def _paragraphs(lines: list[PrintedLine], source: _Source) -> list[list[PrintedLine]]:
    """Consecutive lines grouped into the paragraphs of the .docx they print."""
    groups: list[list[PrintedLine]] = []
    text = ""
    for line in lines:
        if (groups and _follows(groups[-1][-1], line) and f"\0{text}\0" not in source.joined
                and f"\0{text}{line.text}" in source.joined):
            groups[-1].append(line)
            text += line.text
        else:
            groups.append([line])
            text = line.text
    return groups


def _follows(above: PrintedLine, line: PrintedLine) -> bool:
    """Whether ``line`` can continue ``above``: lower on the same page, or on the next page.

    Lines side by side (table cells of one row) never continue each other; the .docx
    decides among the rest: a paragraph's text must start with the joined lines, and
    a line that is a whole paragraph (a table cell "1") is continued by none.
    """
    if line.page == above.page + 1:
        return True
    return line.page == above.page and line.top >= above.bottom - 1


def _paragraph_problems(lines: list[PrintedLine]) -> list[Problem]:
    """Broken numbers, 避头尾, nested quotes and a short last line within one paragraph."""
    problems = []
    text, breaks = "", []
    for index, line in enumerate(lines):
        if index:
            breaks.append(len(text))
            if line.text[0] in _NO_LINE_START:
                problems.append(Problem("line_start", line.page, f"…{text[-8:]}｜{line.text[:8]}…"))
            if text[-1] in _NO_LINE_END:
                problems.append(Problem("line_end", line.page, f"…{text[-8:]}｜{line.text[:8]}…"))
        text += line.text
    for match in _NUMBER.finditer(text):
        for cut in breaks:
            if match.start() < cut < match.end():
                shown = f"{text[match.start():cut]}｜{text[cut:match.end()]}"
                problems.append(Problem("split_number", lines[0].page, shown))
    depth = 0
    for char in text:
        if char == "“":
            if depth:
                problems.append(Problem("nested_quotes", lines[0].page, text[:30]))
                break
            depth += 1
        elif char == "”":
            depth = max(0, depth - 1)
    if len(lines) > 1 and len(lines[-1].text) <= 2:
        problems.append(Problem("short_last_line", lines[-1].page,
                                f"…{lines[-2].text[-6:]}｜{lines[-1].text}"))
    return problems


def _lost_chars(lines: list[PrintedLine], source: _Source) -> list[Problem]:
    """Characters the .docx has more often than the PDF prints them."""
    printed = Counter("".join(line.text for line in lines))
    missing = source.chars - printed
    return [Problem("lost_char", 0, f"{char} ×{count}") for char, count in sorted(missing.items())]


def _imprint_page(page: list[PrintedLine], source: _Source) -> bool:
    """Whether the page starts with the 版记 (its top line is of the Imprint, not of the
    signature or the attachment note), so nothing of the signature block is on it."""
    top = min(page, key=lambda line: line.top).text
    signing = set().union(*(source.styled.get(name, ()) for name in ("Signature", "Attachment")))
    return (any(top in text for text in source.styled.get("Imprint", ()))
            and not any(top in text for text in signing))


def _page_problems(lines: list[PrintedLine], source: _Source,
                   profile: LayoutProfile) -> list[Problem]:
    """Signature alone on the last page, a caption ending a page, a page half blank."""
    pages: dict[int, list[PrintedLine]] = {}
    for line in lines:
        pages.setdefault(line.page, []).append(line)
    if not pages:
        return []
    last = max(pages)
    closing = set().union(*(source.styled.get(name, ()) for name in _SIGNATURE_STYLES))
    captions = source.styled.get("Caption", frozenset())
    problems = []
    # A tab splits a line into pieces (印发机关 … 印发日期): each is part of a closing text.
    if last > 1 and all(any(line.text in text for text in closing) for line in pages[last]) \
            and not _imprint_page(pages[last], source):
        problems.append(Problem("signature_alone", last, " / ".join(l.text for l in pages[last])))
    middle = float((profile.margins_mm.top + profile.type_area_height_mm / 2) * _PT_PER_MM)
    for number, page in pages.items():
        if number == last:
            continue
        foot = max(page, key=lambda line: line.bottom)
        if foot.text in captions:
            problems.append(Problem("caption_at_foot", number, foot.text))
        if foot.bottom < middle:
            problems.append(Problem("half_blank", number, foot.text))
    return problems
