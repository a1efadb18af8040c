"""The embedded font the 归档章 is written in: a TrueType subset of Noto Sans CJK SC.

PDF/A asks every font a page uses to be embedded, and text stays readable by
programs (search, copy, ``archive verify``) only when each glyph maps back to
Unicode. So the stamp carries its own small font: the few glyphs its cells
need, taken from the face the charts use, their cubic outlines turned into
TrueType quadratics, numbered 1 … n in the order of the characters' code
points. The PDF addresses them through a CIDFontType2 with an identity
CID-to-glyph map, widths copied from the font's own metrics and a ToUnicode
CMap. The same characters always give the same bytes: nothing depends on when
or where the font is built.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._g_l_y_f import Glyph

from wenshu.errors import ArchiveError
from wenshu.generators.charts import chart_face

UNITS_PER_EM = 1000  # Noto Sans CJK's em: PDF glyph space needs no scaling
_FAMILY = "WenshuStamp"
_MAX_ERROR = 0.5  # font units a quadratic may stray from the cubic outline


@dataclass(frozen=True)
class StampFont:
    """A font program for some characters, with what a PDF font dictionary states about it."""

    base_name: str  # /BaseFont and /FontName: a subset tag and the face's PostScript name
    program: bytes  # the TrueType font file (FontFile2)
    glyphs: dict[str, int]  # character → glyph id, which is also its CID and its code
    widths: dict[int, int]  # glyph id → advance width in 1/1000 em
    ink: dict[int, tuple[int, int, int, int]]  # glyph id → (xmin, ymin, xmax, ymax)
    bbox: tuple[int, int, int, int]  # the font's /FontBBox
    ascent: int
    descent: int
    cap_height: int

    def encode(self, text: str) -> bytes:
        """``text`` as the two-byte codes of a string shown with this font (Identity-H)."""
        return b"".join(self.glyphs[ch].to_bytes(2, "big") for ch in text)

    def ink_box(self, text: str) -> tuple[int, int, int, int]:
        """The inked extent of ``text`` set from the origin, in 1/1000 em."""
        x, boxes = 0, []
        for ch in text:
            gid = self.glyphs[ch]
            xmin, ymin, xmax, ymax = self.ink[gid]
            boxes.append((x + xmin, ymin, x + xmax, ymax))
            x += self.widths[gid]
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))

    def to_unicode(self) -> bytes:
        """A ToUnicode CMap taking each code back to its character."""
        pairs = "".join(f"<{gid:04X}> <{ord(ch):04X}>\n" for ch, gid in self.glyphs.items())
        return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                f"{len(self.glyphs)} beginbfchar\n{pairs}endbfchar\n"
                "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
                ).encode("ascii")


def stamp_font(characters: Iterable[str]) -> StampFont:
    """The embedded font for exactly these characters (duplicates and order do not matter).

    Raises :class:`ArchiveError` for a character the face lacks, and
    :class:`~wenshu.generators.charts.ChartError` when the face is not installed.
    """
    wanted = sorted(set(characters) - set(string.whitespace))
    return _build(tuple(wanted))


@lru_cache(maxsize=64)
def _build(characters: tuple[str, ...]) -> StampFont:
    face = chart_face()
    if face["head"].unitsPerEm != UNITS_PER_EM:
        raise ArchiveError(f"the stamp's face has {face['head'].unitsPerEm} units per em, "
                           f"not {UNITS_PER_EM}")
    cmap, source, metrics = face.getBestCmap(), face.getGlyphSet(), face["hmtx"]
    missing = [ch for ch in characters if ord(ch) not in cmap]
    if missing:
        raise ArchiveError(f"归档章字体缺少字符：{''.join(missing)}")
    names = [".notdef", *(f"g{index}" for index in range(1, len(characters) + 1))]
    sources = [face.getGlyphOrder()[0], *(cmap[ord(ch)] for ch in characters)]
    outlines: dict[str, Glyph] = {}
    advances: dict[str, int] = {}
    for name, source_name in zip(names, sources, strict=True):
        pen = TTGlyphPen(None)
        source[source_name].draw(Cu2QuPen(pen, _MAX_ERROR, reverse_direction=True))
        outlines[name] = pen.glyph()
        outlines[name].recalcBounds(None)
        advances[name] = metrics[source_name][0]
    program = _program(face, names, characters, outlines, advances)
    glyphs = {ch: index for index, ch in enumerate(characters, start=1)}
    tag = "".join(chr(ord("A") + b % 26)
                  for b in hashlib.sha256("".join(characters).encode("utf-8")).digest()[:6])
    head, hhea = face["head"], face["hhea"]
    return StampFont(
        base_name=f"{tag}+{face['name'].getDebugName(6)}", program=program, glyphs=glyphs,
        widths={i: advances[names[i]] for i in glyphs.values()},
        ink={i: _bounds(outlines[names[i]]) for i in glyphs.values()},
        bbox=(head.xMin, head.yMin, head.xMax, head.yMax), ascent=hhea.ascent,
        descent=hhea.descent, cap_height=getattr(face["OS/2"], "sCapHeight", hhea.ascent))


def _bounds(glyph: Glyph) -> tuple[int, int, int, int]:
    """A glyph's inked box; (0, 0, 0, 0) for one without outlines."""
    if not glyph.numberOfContours:
        return (0, 0, 0, 0)
    return (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax)


def _program(face: TTFont, names: list[str], characters: tuple[str, ...],
             outlines: dict[str, Glyph], advances: dict[str, int]) -> bytes:
    """The TrueType file of the subset, its head dated as the face (no build time in it)."""
    builder = FontBuilder(UNITS_PER_EM, isTTF=True)
    head = face["head"]
    builder.setupHead(unitsPerEm=UNITS_PER_EM, created=head.created, modified=head.modified,
                      fontRevision=head.fontRevision)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(ch): names[i] for i, ch in enumerate(characters, start=1)})
    builder.setupGlyf(outlines)
    builder.setupHorizontalMetrics({n: (advances[n], _bounds(outlines[n])[0])
                                    for n in names})
    hhea = face["hhea"]
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent)
    builder.setupNameTable({"familyName": _FAMILY, "styleName": "Regular",
                            "psName": face["name"].getDebugName(6)})
    builder.setupOS2(sTypoAscender=hhea.ascent, sTypoDescender=hhea.descent,
                     usWinAscent=hhea.ascent, usWinDescent=-hhea.descent,
                     sCapHeight=getattr(face["OS/2"], "sCapHeight", hhea.ascent))
    builder.setupPost()
    out = BytesIO()
    builder.save(out)
    return out.getvalue()


__all__ = ["StampFont", "stamp_font"]
