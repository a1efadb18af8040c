"""The 归档章 (DA/T 22-2015) drawn on page 1 of a copy of a filed PDF.

The stamp is a 3 × 2 grid of 15 × 8 mm cells, as in the standard's figure::

    全宗号     | 年度     | 件号
    机构(问题) | 保管期限 | 页数

placed in the blank band above the type area, its right edge on the type area's
right edge. Cell values are drawn as glyph outlines (vector paths filled in red),
not as text: the copy needs no new font (PDF/A asks every font to be embedded)
and the page's extractable text stays exactly what the clerk's document says.

The copy is written as an incremental update: the original file's bytes are
kept unchanged as its prefix, and the update only adds two content streams to
page 1 (a ``q`` before the original content, ``Q`` and the stamp after), so the
document catalogue, XMP metadata, output intent and fonts are the original's.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from matplotlib.font_manager import FontProperties
from matplotlib.path import Path as GlyphPath
from matplotlib.textpath import TextPath
from pypdf import PageObject, PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
)

from wenshu.errors import ArchiveError
from wenshu.generators.charts import chart_font

MM = Decimal(72) / Decimal("25.4")  # PDF points per millimetre
CELL_WIDTH_MM = Decimal(15)
CELL_HEIGHT_MM = Decimal(8)
TOP_GAP_MM = Decimal(12)  # from the top edge; the type area starts at 37 mm (GB/T 9704)
RIGHT_MARGIN_MM = Decimal(26)  # GB/T 9704 right margin: the type area's right edge
FONT_SIZE_PT = 10.5  # 五号
RED = "0.8 0 0"  # DeviceRGB; LibreOffice's PDF/A output carries an sRGB output intent
RETENTION_LABELS = {"Y": "永久", "D30": "30年", "D10": "10年"}


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
    box = page.mediabox
    left, bottom, right, top = stamp_box(Decimal(str(box.right)), Decimal(str(box.top)))
    drawing = _stamp_operators(stamp_cells(fields), left, bottom, right, top)
    first_new = int(trailer["/Size"])
    before, after = first_new, first_new + 1
    page[NameObject("/Contents")] = ArrayObject(
        [IndirectObject(before, 0, reader), *_content_refs(page), IndirectObject(after, 0, reader)]
    )

    body = io.BytesIO()
    offsets: dict[int, tuple[int, int]] = {}

    def write_object(number: int, generation: int, payload: bytes) -> None:
        offsets[number] = (start + body.tell(), generation)
        body.write(f"{number} {generation} obj\n".encode("ascii") + payload + b"\nendobj\n")

    page_bytes = io.BytesIO()
    page.write_to_stream(page_bytes)
    write_object(reference.idnum, reference.generation, page_bytes.getvalue())
    for number, data in ((before, b"q\n"), (after, b"Q\n" + drawing)):
        write_object(number, 0, b"<< /Length %d >>\nstream\n" % len(data) + data
                     + b"\nendstream")

    xref_at = start + body.tell()
    body.write(b"xref\n0 1\n0000000000 65535 f\r\n")
    for number in sorted(offsets):
        offset, generation = offsets[number]
        body.write(f"{number} 1\n{offset:010d} {generation:05d} n\r\n".encode("ascii"))
    new_trailer = DictionaryObject({key: value for key, value in trailer.items()
                                    if key not in ("/Prev", "/XRefStm")})
    new_trailer[NameObject("/Size")] = NumberObject(after + 1)
    new_trailer[NameObject("/Prev")] = NumberObject(reader._startxref)  # type: ignore[attr-defined]
    trailer_bytes = io.BytesIO()
    new_trailer.write_to_stream(trailer_bytes)
    body.write(b"trailer\n" + trailer_bytes.getvalue()
               + f"\nstartxref\n{xref_at}\n%%EOF\n".encode("ascii"))
    return body.getvalue()


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


def _stamp_operators(cells: Sequence[Sequence[str]], left: Decimal, bottom: Decimal,
                     right: Decimal, top: Decimal) -> bytes:
    """PDF operators drawing the grid and the values (as filled outlines)."""
    width, height = CELL_WIDTH_MM * MM, CELL_HEIGHT_MM * MM
    ops = [f"{RED} RG {RED} rg 0.8 w"]
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
            ops.append(_glyph_operators(value, float(centre_x), float(centre_y)))
    return ("\n".join(ops) + "\n").encode("ascii")


@lru_cache(maxsize=1)
def _font() -> FontProperties:
    return FontProperties(fname=str(chart_font()))


def _glyph_operators(text: str, centre_x: float, centre_y: float) -> str:
    """``text`` as filled paths centred on a point (nonzero winding, like the glyphs)."""
    path = TextPath((0, 0), text, size=FONT_SIZE_PT, prop=_font())
    extent = path.get_extents()
    dx = centre_x - (extent.x0 + extent.x1) / 2
    dy = centre_y - (extent.y0 + extent.y1) / 2
    return " ".join(_path_operators(path, dx, dy)) + " f"


def _path_operators(path: GlyphPath, dx: float, dy: float) -> Iterator[str]:
    current = (0.0, 0.0)
    start = current
    for vertices, code in path.iter_segments(simplify=False, curves=True):
        points = [(float(vertices[i]) + dx, float(vertices[i + 1]) + dy)
                  for i in range(0, len(vertices), 2)]
        if code == GlyphPath.MOVETO:
            current = start = points[0]
            yield f"{_f(current[0])} {_f(current[1])} m"
        elif code == GlyphPath.LINETO:
            current = points[0]
            yield f"{_f(current[0])} {_f(current[1])} l"
        elif code == GlyphPath.CURVE3:
            # PDF has only cubic Béziers: raise the quadratic's degree.
            (qx, qy), end = points
            c1 = (current[0] + 2 / 3 * (qx - current[0]), current[1] + 2 / 3 * (qy - current[1]))
            c2 = (end[0] + 2 / 3 * (qx - end[0]), end[1] + 2 / 3 * (qy - end[1]))
            current = end
            yield " ".join(_f(v) for v in (*c1, *c2, *end)) + " c"
        elif code == GlyphPath.CURVE4:
            current = points[-1]
            yield " ".join(_f(v) for point in points for v in point) + " c"
        elif code == GlyphPath.CLOSEPOLY:
            current = start
            yield "h"


def _n(value: Decimal) -> str:
    return f"{value:.2f}"


def _f(value: float) -> str:
    return f"{value:.2f}"
