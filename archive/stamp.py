"""The 归档章 (DA/T 22-2015) drawn on page 1 of a copy of a filed PDF.

The stamp is a 3 × 2 grid of 15 × 8 mm cells, as in the standard's figure::

    全宗号     | 年度     | 件号
    机构(问题) | 保管期限 | 页数

placed in the blank band above the type area, its right edge on the type area's
right edge, in red. Cell values are text in an embedded subset of Noto Sans CJK
SC (:mod:`wenshu.archive.stamp_font`) with a ToUnicode map, so the stamp's
fields are part of page 1's extractable text: search finds them, and
``archive verify`` reads them back (:func:`stamp_texts`) to check the 归档章
shows the record's 档号. PDF/A asks every font to be embedded: this one is.

The copy is written as an incremental update: the original file's bytes are
kept unchanged as its prefix, and the update only adds to page 1 two content
streams (a ``q`` before the original content, ``Q`` and the stamp after) and the
stamp's font in page 1's own resources, so the document catalogue, XMP metadata,
output intent and the document's fonts are the original's.

Documents filed before the stamp carried text have their cell values drawn as
glyph outlines (filled paths, no text); :func:`outline_stamp` recognises one.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pypdf import PageObject, PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
)

from wenshu.archive.stamp_font import StampFont, stamp_font
from wenshu.errors import ArchiveError

MM = Decimal(72) / Decimal("25.4")  # PDF points per millimetre
CELL_WIDTH_MM = Decimal(15)
CELL_HEIGHT_MM = Decimal(8)
TOP_GAP_MM = Decimal(12)  # from the top edge; the type area starts at 37 mm (GB/T 9704)
RIGHT_MARGIN_MM = Decimal(26)  # GB/T 9704 right margin: the type area's right edge
FONT_SIZE_PT = 10.5  # 五号
RED = "0.8 0 0"  # DeviceRGB; LibreOffice's PDF/A output carries an sRGB output intent
RETENTION_LABELS = {"Y": "永久", "D30": "30年", "D10": "10年"}
FONT_RESOURCE = "/WenshuStamp"  # the stamp font's name in page 1's resources
_GRID = f"{RED} RG {RED} rg 0.8 w"  # how every stamp's drawing begins


@dataclass(frozen=True)
class StampFields:
    """What the 归档章 shows."""

    fonds: str
    year: int
    retention: str  # Y | D30 | D10
    item_number: int
    org_code: str = ""
    pages: int | None = None


def stamp_cells(fields: StampFields) -> list[list[str]]:
    """The stamp's two rows of three cell values, as the archivist reads them."""
    return [
        [fields.fonds, str(fields.year), f"{fields.item_number:04d}"],
        [fields.org_code, RETENTION_LABELS.get(fields.retention, fields.retention),
         "" if fields.pages is None else str(fields.pages)],
    ]


def stamp_box(page_width: Decimal, page_height: Decimal) -> tuple[Decimal, Decimal, Decimal,
                                                                  Decimal]:
    """(left, bottom, right, top) of the stamp in points on a page of that size."""
    right = page_width - RIGHT_MARGIN_MM * MM
    top = page_height - TOP_GAP_MM * MM
    return (right - 3 * CELL_WIDTH_MM * MM, top - 2 * CELL_HEIGHT_MM * MM, right, top)


def page_count(path: Path) -> int:
    """Pages of a PDF about to be stamped; raises :class:`ArchiveError` if it cannot be read."""
    try:
        return len(PdfReader(path).pages)
    except (PyPdfError, ValueError, KeyError) as exc:
        raise ArchiveError(f"{path.name}: cannot stamp the PDF, it cannot be read ({exc})") from exc


def stamp_pdf(source: Path, target: Path, fields: StampFields) -> None:
    """Write ``target``: ``source`` with the 归档章 on page 1; ``source`` is not touched.

    Raises :class:`ArchiveError` when the PDF cannot be read, has no pages, or keeps
    its cross-reference in a stream (LibreOffice writes a table).
    """
    original = source.read_bytes()
    try:
        reader = PdfReader(io.BytesIO(original))
        if not reader.pages:
            raise ArchiveError(f"{source.name}: the PDF has no page to stamp")
        # The update starts on a line of its own, right after the original's %%EOF.
        separator = b"" if original.endswith(b"\n") else b"\n"
        update = _stamp_update(reader, len(original) + len(separator), fields)
    except (PyPdfError, ValueError, KeyError) as exc:
        raise ArchiveError(f"{source.name}: cannot stamp the PDF ({exc})") from exc
    target.write_bytes(original + separator + update)


def _stamp_update(reader: PdfReader, start: int, fields: StampFields) -> bytes:
    """An incremental update (ISO 32000-1 7.5.6) adding the stamp to page 1.

    Written by hand rather than through pypdf's writer so the update keeps a
    cross-reference table like the original and repeats every trailer entry
    (/Info included), as the standard asks of an update.
    """
    trailer = reader.trailer
    if trailer.get("/Type") == "/XRef":
        raise ArchiveError("the PDF keeps its cross-reference in a stream; "
                           "only PDFs with a cross-reference table can be stamped")
    page = reader.pages[0]
    reference = page.indirect_reference
    if reference is None:
        raise ArchiveError("page 1 is not an indirect object")
    cells = stamp_cells(fields)
    font = stamp_font("".join(value for row in cells for value in row))
    box = page.mediabox
    left, bottom, right, top = stamp_box(Decimal(str(box.right)), Decimal(str(box.top)))
    first = int(trailer["/Size"])  # new objects: q, Q + stamp, then the font's five
    before, after, font_ref = first, first + 1, first + 2
    page[NameObject("/Contents")] = ArrayObject(
        [IndirectObject(before, 0, reader), *_content_refs(page), IndirectObject(after, 0, reader)]
    )
    resource = _with_font(page, IndirectObject(font_ref, 0, reader))
    page_bytes = io.BytesIO()
    page.write_to_stream(page_bytes)
    drawing = _stamp_operators(cells, font, resource, left, bottom, right, top)
    objects = [(reference.idnum, reference.generation, page_bytes.getvalue()),
               (before, 0, _stream(b"q\n")), (after, 0, _stream(b"Q\n" + drawing)),
               *((number, 0, data) for number, data in _font_objects(font, font_ref))]
    return _update_bytes(reader, start, objects, font_ref + 5)


def _update_bytes(reader: PdfReader, start: int, objects: Sequence[tuple[int, int, bytes]],
                  size: int) -> bytes:
    """The update's objects, its cross-reference section and trailer (``/Prev`` the original's)."""
    body = io.BytesIO()
    offsets: dict[int, tuple[int, int]] = {}
    for number, generation, payload in objects:
        offsets[number] = (start + body.tell(), generation)
        body.write(f"{number} {generation} obj\n".encode("ascii") + payload + b"\nendobj\n")
    xref_at = start + body.tell()
    body.write(b"xref\n0 1\n0000000000 65535 f\r\n")
    for number in sorted(offsets):
        offset, generation = offsets[number]
        body.write(f"{number} 1\n{offset:010d} {generation:05d} n\r\n".encode("ascii"))
    new_trailer = DictionaryObject({key: value for key, value in reader.trailer.items()
                                    if key not in ("/Prev", "/XRefStm")})
    new_trailer[NameObject("/Size")] = NumberObject(size)
    new_trailer[NameObject("/Prev")] = NumberObject(reader._startxref)  # type: ignore[attr-defined]
    trailer_bytes = io.BytesIO()
    new_trailer.write_to_stream(trailer_bytes)
    body.write(b"trailer\n" + trailer_bytes.getvalue()
               + f"\nstartxref\n{xref_at}\n%%EOF\n".encode("ascii"))
    return body.getvalue()


def _stream(data: bytes, entries: str = "") -> bytes:
    """A stream object's bytes: its dictionary (``entries`` added to /Length) and data."""
    return (f"<< /Length {len(data)}{entries} >>\nstream\n".encode("ascii") + data
            + b"\nendstream")


def _font_objects(font: StampFont, first: int) -> list[tuple[int, bytes]]:
    """Type0 font, CIDFontType2, descriptor, TrueType program and ToUnicode, from ``first``."""
    cid, descriptor, program, to_unicode = first + 1, first + 2, first + 3, first + 4
    widths = " ".join(str(font.widths[gid]) for gid in sorted(font.widths))
    packed = zlib.compress(font.program, 9)
    x0, y0, x1, y1 = font.bbox
    return [
        (first, (f"<< /Type /Font /Subtype /Type0 /BaseFont /{font.base_name}-Identity-H "
                 f"/Encoding /Identity-H /DescendantFonts [{cid} 0 R] "
                 f"/ToUnicode {to_unicode} 0 R >>").encode("ascii")),
        (cid, (f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{font.base_name} "
               "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
               f"/FontDescriptor {descriptor} 0 R /DW 1000 /W [1 [{widths}]] "
               "/CIDToGIDMap /Identity >>").encode("ascii")),
        (descriptor, (f"<< /Type /FontDescriptor /FontName /{font.base_name} /Flags 4 "
                      f"/FontBBox [{x0} {y0} {x1} {y1}] /ItalicAngle 0 /Ascent {font.ascent} "
                      f"/Descent {font.descent} /CapHeight {font.cap_height} /StemV 80 "
                      f"/FontFile2 {program} 0 R >>").encode("ascii")),
        (program, _stream(packed, f" /Length1 {len(font.program)} /Filter /FlateDecode")),
        (to_unicode, _stream(font.to_unicode())),
    ]


def _with_font(page: PageObject, font: IndirectObject) -> str:
    """Give page 1 resources of its own with the stamp font added; the font's resource name.

    The page's resources (often shared with every page) are copied, not changed: the
    other pages stay as they were.
    """
    original = page.get("/Resources")
    resources = DictionaryObject(original.get_object() if original is not None else {})
    fonts_entry = resources.get("/Font")
    fonts = DictionaryObject(fonts_entry.get_object() if fonts_entry is not None else {})
    name, number = FONT_RESOURCE, 1
    while name in fonts:
        number += 1
        name = f"{FONT_RESOURCE}{number}"
    fonts[NameObject(name)] = font
    resources[NameObject("/Font")] = fonts
    page[NameObject("/Resources")] = resources
    return name


def _content_refs(page: PageObject) -> list[IndirectObject]:
    """The page's content streams as indirect references, kept as they are."""
    raw = page.raw_get("/Contents")
    if isinstance(raw, IndirectObject):
        resolved = raw.get_object()
        if isinstance(resolved, ArrayObject):
            return list(resolved)
        return [raw]
    if isinstance(raw, ArrayObject):
        return list(raw)
    raise ArchiveError("page 1 has no content stream to stamp")


def _stamp_operators(cells: Sequence[Sequence[str]], font: StampFont, resource: str,
                     left: Decimal, bottom: Decimal, right: Decimal, top: Decimal) -> bytes:
    """PDF operators drawing the grid and writing the values, each centred in its cell."""
    width, height = CELL_WIDTH_MM * MM, CELL_HEIGHT_MM * MM
    ops = [_GRID]
    ops.append(f"{_n(left)} {_n(bottom)} {_n(right - left)} {_n(top - bottom)} re S")
    for column in (1, 2):
        x = left + column * width
        ops.append(f"{_n(x)} {_n(bottom)} m {_n(x)} {_n(top)} l S")
    middle = bottom + height
    ops.append(f"{_n(left)} {_n(middle)} m {_n(right)} {_n(middle)} l S")
    for row, values in enumerate(cells):
        for column, value in enumerate(values):
            if not value:
                continue
            centre_x = left + column * width + width / 2
            centre_y = top - row * height - height / 2
            ops.append(_text_operators(value, font, resource, float(centre_x), float(centre_y)))
    return ("\n".join(ops) + "\n").encode("ascii")


def _text_operators(text: str, font: StampFont, resource: str, centre_x: float,
                    centre_y: float) -> str:
    """``text`` shown in the stamp font, its inked extent centred on a point."""
    scale = FONT_SIZE_PT / 1000
    x0, y0, x1, y1 = font.ink_box(text)
    x = centre_x - (x0 + x1) / 2 * scale
    y = centre_y - (y0 + y1) / 2 * scale
    return (f"BT {resource} {FONT_SIZE_PT} Tf 1 0 0 1 {_f(x)} {_f(y)} Tm "
            f"<{font.encode(text).hex().upper()}> Tj ET")


# -- reading a stamp back ------------------------------------------------------------


def stamp_texts(page: PageObject) -> list[str]:
    """The pieces of text page ``page`` shows inside the 归档章's box, in drawing order.

    Read through pypdf's text extraction (so through the fonts' ToUnicode maps);
    what lies outside the box, such as the document's own text, is left out.
    """
    box = page.mediabox
    left, bottom, right, top = (float(v) for v in stamp_box(Decimal(str(box.right)),
                                                            Decimal(str(box.top))))
    found: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        # The text's origin in default user space: the text matrix through the CTM.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if text.strip() and left - 1 <= x <= right + 1 and bottom - 1 <= y <= top + 1:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return found


_OUTLINE_OPERATORS = re.compile(rb"^[-0-9. \n]*(?:(?:m|l|c|h|f|re|S)[-0-9. \n]*)*$")


def outline_stamp(page: PageObject) -> bool:
    """Whether page 1 ends with a 归档章 whose values are drawn as outlines (no text).

    That is how documents were stamped before the stamp carried text: the last
    content stream restores the state, draws the red grid at the stamp's box and
    fills the glyphs' paths, and shows no text.
    """
    raw = page.raw_get("/Contents")
    refs = raw.get_object() if isinstance(raw, IndirectObject) else raw
    if not isinstance(refs, ArrayObject) or not refs:
        return False
    try:
        data = refs[-1].get_object().get_data()
    except (PyPdfError, ValueError, KeyError, AttributeError):
        return False
    box = page.mediabox
    left, bottom, right, top = stamp_box(Decimal(str(box.right)), Decimal(str(box.top)))
    frame = f"{_n(left)} {_n(bottom)} {_n(right - left)} {_n(top - bottom)} re S\n"
    prefix = f"Q\n{_GRID}\n{frame}".encode("ascii")
    return data.startswith(prefix) and bool(_OUTLINE_OPERATORS.match(data[len(prefix):]))


def _n(value: Decimal) -> str:
    return f"{value:.2f}"


def _f(value: float) -> str:
    return f"{value:.2f}"
