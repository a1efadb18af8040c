"""A grey drawing surface for charts, measured in millimetres and points as printed.

Pillow draws on a canvas at :data:`SUPERSAMPLE` times the printed resolution and
shrinks it at the end, which smooths the slanted lines and the glyph edges Pillow
itself draws without anti-aliasing. Text is set with FreeType in one face; a
character the face lacks fails the chart instead of printing an empty box.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from wenshu.errors import ChartError

DPI = 200
SUPERSAMPLE = 2
_MM_PER_INCH = 25.4
_POINTS_PER_INCH = 72.0
_PX_PER_MM = DPI * SUPERSAMPLE / _MM_PER_INCH
_PX_PER_POINT = DPI * SUPERSAMPLE / _POINTS_PER_INCH

Point = tuple[float, float]
Box = tuple[float, float, float, float]


@lru_cache(maxsize=16)
def _font(path: Path, index: int, size_pt: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size=round(size_pt * _PX_PER_POINT), index=index)


@lru_cache(maxsize=2048)
def _text_mask(path: Path, index: int, size_pt: float, text: str, anchor: str
               ) -> tuple[Image.Image, int, int]:
    """``text`` set once as a coverage mask, and the mask's offset from the anchor point.

    A batch's charts repeat most of their words (months, legends, indicator names,
    round tick values), and setting CJK glyphs is half of drawing a chart.
    """
    font = _font(path, index, size_pt)
    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=font, anchor=anchor)
    return mask, left, top


class Canvas:
    """A white grey-level picture ``width_mm`` × ``height_mm`` to draw a chart on.

    Coordinates are pixels of the supersampled picture (:meth:`mm` and :meth:`pt`
    convert); ``face`` is the font file and its index in a collection, ``glyphs`` the
    characters it has.
    """

    def __init__(self, width_mm: Decimal, height_mm: Decimal, *, face: tuple[Path, int],
                 glyphs: frozenset[int], family: str) -> None:
        self.width = round(float(width_mm) * DPI / _MM_PER_INCH) * SUPERSAMPLE
        self.height = round(float(height_mm) * DPI / _MM_PER_INCH) * SUPERSAMPLE
        self._image = Image.new("L", (self.width, self.height), 255)
        self._draw = ImageDraw.Draw(self._image)
        self._face, self._glyphs, self._family = face, glyphs, family

    @staticmethod
    def mm(length: float) -> float:
        """``length`` millimetres in pixels."""
        return length * _PX_PER_MM

    @staticmethod
    def pt(length: float) -> float:
        """``length`` points in pixels."""
        return length * _PX_PER_POINT

    def text_size(self, text: str, size_pt: float) -> tuple[float, float]:
        """(width, height) of one line of ``text`` at ``size_pt``."""
        left, _, right, _ = self._font(size_pt).getbbox(text, anchor="ls")
        return right - left, self.pt(size_pt)

    def text(self, xy: Point, text: str, size_pt: float, anchor: str = "lm") -> None:
        """One line of ``text`` at ``xy`` (a Pillow anchor, e.g. "lm": left, middle)."""
        self._check_glyphs(text)
        # Whole pixels of the supersampled picture, so that a mask fits every place.
        mask, left, top = _text_mask(*self._face, size_pt, text, anchor)
        self._image.paste(0, (round(xy[0]) + left, round(xy[1]) + top), mask)

    def line(self, points: Sequence[Point], width_pt: float, grey: int = 0,
             dash: Sequence[float] = ()) -> None:
        """A polyline ``width_pt`` wide; ``dash`` alternates on and off lengths in
        multiples of the width (matplotlib's convention), the pattern running on
        across corners."""
        width = max(1, round(self.pt(width_pt)))
        if not dash:
            self._draw.line(list(points), fill=grey, width=width, joint="curve")
            return
        for piece in _dashes(points, [d * width for d in dash]):
            self._draw.line(piece, fill=grey, width=width)

    def rectangle(self, box: Box, *, fill: int, edge_pt: float, hatch_mm: float = 0.0,
                  hatch_pt: float = 0.7) -> None:
        """A filled rectangle with a black edge; ``hatch_mm`` > 0 adds rising diagonal
        lines that far apart (measured along the edge)."""
        self._draw.rectangle(box, fill=fill)
        if hatch_mm > 0:
            self._hatch(box, self.mm(hatch_mm), max(1, round(self.pt(hatch_pt))))
        self._draw.rectangle(box, outline=0, width=max(1, round(self.pt(edge_pt))))

    def _hatch(self, box: Box, step: float, width: int) -> None:
        """Lines at 45° across ``box``, clipped to it by drawing through a mask."""
        left, top, right, bottom = (round(v) for v in box)
        size = (max(1, right - left), max(1, bottom - top))
        mask = Image.new("L", size, 0)
        pen = ImageDraw.Draw(mask)
        height = size[1]
        offset = 0.0
        while offset < size[0] + height:
            pen.line([(offset - height, height), (offset, 0)], fill=255, width=width)
            offset += step
        self._image.paste(0, (left, top), mask)

    def marker(self, kind: str, centre: Point, size_pt: float, *, fill: int, edge: int,
               edge_pt: float) -> None:
        """A marker ``size_pt`` across: "o" circle, "s" square, "^" triangle, "D" diamond."""
        x, y = centre
        r = self.pt(size_pt) / 2
        width = max(1, round(self.pt(edge_pt)))
        if kind == "o":
            self._draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=edge,
                               width=width)
            return
        shapes = {
            "s": [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)],
            "^": [(x, y - r * 1.15), (x + r * 1.15, y + r * 0.85), (x - r * 1.15, y + r * 0.85)],
            "D": [(x, y - r * 1.25), (x + r, y), (x, y + r * 1.25), (x - r, y)],
        }
        self._draw.polygon(shapes[kind], fill=fill, outline=edge, width=width)

    def png(self) -> bytes:
        """The picture at :data:`DPI` as PNG bytes, with no software or time stamps.

        zlib's fastest level: a third of the default's time for a file a quarter
        larger (mostly white grey levels compress well either way).
        """
        out = io.BytesIO()
        self._image.reduce(SUPERSAMPLE).save(out, format="PNG", dpi=(DPI, DPI),
                                             compress_level=1)
        return out.getvalue()

    def _font(self, size_pt: float) -> ImageFont.FreeTypeFont:
        return _font(*self._face, size_pt)

    def _check_glyphs(self, text: str) -> None:
        missing = sorted({c for c in text if not c.isspace() and ord(c) not in self._glyphs})
        if missing:
            raise ChartError(f"{self._family} has no glyph for "
                             f"{' '.join(map(repr, missing))}; "
                             "the chart would print empty boxes")


def _dashes(points: Sequence[Point], pattern: Sequence[float]) -> list[list[Point]]:
    """The "on" pieces of a polyline dashed with ``pattern`` (on, off, on, off…)."""
    pieces: list[list[Point]] = []
    index, left, on = 0, pattern[0], True
    current: list[Point] = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        length = math.hypot(x1 - x0, y1 - y0)
        done = 0.0
        while length - done > left:
            done += left
            t = done / length
            point = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
            if on:
                current.append(point)
                pieces.append(current)
            current = [point]
            on = not on
            index = (index + 1) % len(pattern)
            left = pattern[index]
        left -= length - done
        if on:
            current.append((x1, y1))
        else:
            current = [(x1, y1)]
    if on and len(current) > 1:
        pieces.append(current)
    return pieces
