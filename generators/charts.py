"""Charts for documents: indicators against their targets, and activity month by month.

Charts are drawn with Pillow (:mod:`wenshu.generators.chart_canvas`) in Noto Sans CJK
SC, at the size they are placed on the page and at 200 dpi (enough for 9 pt labels and
0.6 pt lines on paper), and returned as grey PNG bytes that depend only on the input.
Two fixed designs need no general plotting library: drawing them directly took ≈50 ms
for a summary's two charts where matplotlib took ≈190 ms, most of a year-end batch's
rendering.
They survive black-and-white printing: met and missed indicators differ by fill and
hatching, series by line style and marker, never by colour alone.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

from wenshu.errors import ChartError
from wenshu.generators.chart_canvas import Canvas
from wenshu.generators.numbers import plain

__all__ = ["CHART_WIDTH_MM", "CJK_FAMILY", "MONTHS", "TREND_HEIGHT_MM", "ChartError",
           "IndicatorBar", "TrendSeries", "chart_face", "chart_font", "indicator_chart",
           "monthly_trend_chart"]

# The type area is 156 mm wide; a chart a little narrower sits centred inside it.
CHART_WIDTH_MM = Decimal(150)
TREND_HEIGHT_MM = Decimal(80)
CJK_FAMILY = "Noto Sans CJK SC"
MONTHS: tuple[str, ...] = tuple(f"{month}月" for month in range(1, 13))

# Indicator rows: height per row, plus the title and legend around them.
_ROW_MM = Decimal(11)
_FRAME_MM = Decimal(26)
# In each indicator row the longer of value and target reaches this share of the
# width; the rest is room for the printed value.
_FULL_WIDTH = Decimal("0.62")
_LABEL_CHARS = 9  # CJK characters per line of an indicator's name

# Sizes in points and millimetres as printed.
_TEXT_PT = 9.0
_TITLE_PT = 10.5
_LEGEND_PT = 8.5
_AXIS_PT = 0.6
_TICK_PT = 3.5
_PAD_MM = 2.0
_SWATCH_MM = (7.0, 2.5)

# Grey levels and hatching, distinct on a monochrome printer: (fill, hatched).
_BAR_LOOKS: dict[bool | None, tuple[int, bool]] = {
    True: (0x59, False), False: (0xFF, True), None: (0xD9, False)}
_BAR_NAMES: dict[bool | None, str] = {True: "达标", False: "未达标", None: "无目标"}
_TARGET_NAME = "目标值"
_TARGET = "target"  # the legend's key for the target mark


@dataclass(frozen=True)
class _SeriesLook:
    grey: int
    dash: tuple[float, ...]  # on/off lengths in line widths; () is solid
    marker: str
    marker_fill: int


_SERIES_LOOKS: tuple[_SeriesLook, ...] = (
    _SeriesLook(0x00, (), "o", 0x00),
    _SeriesLook(0x00, (3.7, 1.6), "s", 0xFF),
    _SeriesLook(0x60, (6.4, 1.6, 1.0, 1.6), "^", 0x60),
    _SeriesLook(0x60, (1.0, 1.65), "D", 0xFF),
)


# A legend entry: its label and what its swatch shows (a bar kind, the target mark, a series).
_Entry = tuple[str, "bool | None | str | _SeriesLook"]


@dataclass(frozen=True)
class IndicatorBar:
    """One indicator as charted: its value and target as printed, and whether it was met.

    ``met`` is None when there is no target to judge by; ``unit`` is the printed
    suffix (``%``, ``‰``, ``期``, or empty).
    """

    label: str
    actual: Decimal
    target: Decimal | None
    met: bool | None
    unit: str


@dataclass(frozen=True)
class TrendSeries:
    """One line of a monthly trend: its legend label and a value per month."""

    label: str
    values: Sequence[int]


@lru_cache(maxsize=1)
def chart_font() -> Path:
    """The file of the CJK face charts are drawn with (Noto Sans CJK SC), as fontconfig
    finds it. Raises :class:`ChartError` when it is not installed."""
    try:
        result = subprocess.run(["fc-match", "-f", "%{family}\n%{file}", CJK_FAMILY],
                                capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ChartError(f"fontconfig cannot look up {CJK_FAMILY}: {exc}") from exc
    families, _, file = result.stdout.partition("\n")
    if CJK_FAMILY not in families.split(",") or not file:
        raise ChartError(f"no CJK font for charts: {CJK_FAMILY} is not installed "
                         "(Debian package fonts-noto-cjk)")
    return Path(file)


@dataclass(frozen=True)
class _Face:
    font: TTFont
    index: int  # in its collection
    glyphs: frozenset[int]  # the characters it has


@lru_cache(maxsize=1)
def _face() -> _Face:
    """The face, and its character map read now: charts never touch the font's lazily
    loaded tables afterwards, so they cannot race the archive stamp's use of it."""
    path = chart_font()
    if path.suffix.lower() in (".ttc", ".otc"):
        faces = TTCollection(path, lazy=True).fonts
        index = next((i for i, f in enumerate(faces)
                      if f["name"].getDebugName(1) == CJK_FAMILY), 0)
        font = faces[index]
    else:
        index, font = 0, TTFont(path, lazy=True)
    return _Face(font, index, frozenset(font.getBestCmap()))


def chart_face() -> TTFont:
    """Noto Sans CJK SC as fontTools reads it (from its collection when the file holds
    several faces)."""
    return _face().font


def _canvas(width_mm: Decimal, height_mm: Decimal) -> Canvas:
    face = _face()
    return Canvas(width_mm, height_mm, face=(chart_font(), face.index), glyphs=face.glyphs,
                  family=CJK_FAMILY)


def indicator_chart(bars: Sequence[IndicatorBar], *, title: str,
                    width_mm: Decimal = CHART_WIDTH_MM,
                    height_mm: Decimal | None = None) -> bytes:
    """Horizontal bars of indicator values, each with its target marked: a PNG.

    Indicators differ in unit, so each row has its own scale: the bar and the target
    mark of a row compare, rows do not, and every value is printed beside its bar.
    Met bars are dark grey, missed ones hatched, ones without a target light grey.
    The height defaults to one that fits the rows.
    """
    if not bars:
        raise ChartError(f"{title}: an indicator chart needs at least one indicator")
    for bar in bars:
        if bar.actual < 0 or (bar.target is not None and bar.target < 0):
            raise ChartError(f"{title}: {bar.label}: negative values cannot be drawn as bars")
    height = height_mm if height_mm is not None else _FRAME_MM + _ROW_MM * len(bars)
    canvas = _canvas(width_mm, height)
    top, bottom = _frame(canvas, title, _indicator_legend(bars))
    labels = [_wrap(bar.label) for bar in bars]
    label_width = max(canvas.text_size(line, _TEXT_PT)[0] for lines in labels for line in lines)
    left = canvas.mm(_PAD_MM + 1.5) + label_width
    plot_width = canvas.width - canvas.mm(_PAD_MM) - left
    row = (bottom - top) / len(bars)
    canvas.line([(left, top), (left, bottom)], _AXIS_PT)
    for number, (bar, lines) in enumerate(zip(bars, labels)):
        middle = top + (number + 0.5) * row
        _label(canvas, lines, left - canvas.mm(1.5), middle)
        _indicator_row(canvas, bar, left, plot_width, middle, row)
    return canvas.png()


def _indicator_row(canvas: Canvas, bar: IndicatorBar, left: float, width: float,
                   middle: float, row: float) -> None:
    """One bar, its target mark and its printed value, on the row's own scale."""
    largest = max(bar.actual, bar.target if bar.target is not None else Decimal(0))
    scale = largest / _FULL_WIDTH if largest else Decimal(1)
    end = float(bar.actual / scale)
    fill, hatched = _BAR_LOOKS[bar.met]
    canvas.rectangle((left, middle - row / 4, left + end * width, middle + row / 4), fill=fill,
                     edge_pt=_AXIS_PT, hatch_mm=1.6 if hatched else 0.0)
    text = f"{plain(bar.actual)}{bar.unit}"
    if bar.target is not None:
        mark = float(bar.target / scale)
        x = left + mark * width
        canvas.line([(x, middle - row * 0.36), (x, middle + row * 0.36)], 2.0)
        end = max(end, mark)
        text += f"（目标{plain(bar.target)}{bar.unit}）"
    canvas.text((left + (end + 0.02) * width, middle), text, _TEXT_PT)


def _indicator_legend(bars: Sequence[IndicatorBar]) -> list[_Entry]:
    """Legend entries for the bar kinds present, and the target mark if any is drawn."""
    entries: list[_Entry] = [(_BAR_NAMES[met], met) for met in (True, False, None)
                             if any(bar.met is met for bar in bars)]
    if any(bar.target is not None for bar in bars):
        entries.append((_TARGET_NAME, _TARGET))
    return entries


def monthly_trend_chart(months: Sequence[str], series: Sequence[TrendSeries], *, title: str,
                        width_mm: Decimal = CHART_WIDTH_MM,
                        height_mm: Decimal = TREND_HEIGHT_MM) -> bytes:
    """Lines of up to four series over the months (labels as printed, e.g. :data:`MONTHS`).

    Each series has its own line style and marker, so the lines stay apart in black
    and white; the value axis starts at zero and counts in whole numbers.
    """
    if not months:
        raise ChartError(f"{title}: a trend chart needs at least one month")
    if not 1 <= len(series) <= len(_SERIES_LOOKS):
        raise ChartError(f"{title}: a trend chart draws 1 to {len(_SERIES_LOOKS)} series, "
                         f"got {len(series)}")
    for each in series:
        if len(each.values) != len(months):
            raise ChartError(f"{title}: {each.label} has {len(each.values)} values "
                             f"for {len(months)} months")
    canvas = _canvas(width_mm, height_mm)
    top, bottom = _frame(canvas, title, [(s.label, look) for s, look in zip(series, _SERIES_LOOKS)])
    tick = canvas.pt(_TICK_PT)
    bottom -= tick + canvas.mm(0.8) + canvas.pt(_TEXT_PT) * 1.2  # the month labels
    top += canvas.pt(_TEXT_PT) / 2  # room for the top value's label
    ticks = _value_ticks(max(max(s.values) for s in series))
    labels = [str(value) for value in ticks]
    left = (canvas.mm(_PAD_MM + 0.8) + tick
            + max(canvas.text_size(label, _TEXT_PT)[0] for label in labels))
    right = canvas.width - canvas.mm(_PAD_MM)

    def y(value: float) -> float:
        return bottom - value / ticks[-1] * (bottom - top)

    def x(month: int) -> float:
        return left + (month + 0.5) / len(months) * (right - left)

    for value, label in zip(ticks, labels):
        if value:
            canvas.line([(left, y(value)), (right, y(value))], 0.5, 0xBF, dash=(1.0, 1.65))
        canvas.line([(left - tick, y(value)), (left, y(value))], _AXIS_PT)
        canvas.text((left - tick - canvas.mm(0.8), y(value)), label, _TEXT_PT, "rm")
    for month, name in enumerate(months):
        canvas.line([(x(month), bottom), (x(month), bottom + tick)], _AXIS_PT)
        canvas.text((x(month), bottom + tick + canvas.mm(0.8)), name, _TEXT_PT, "mt")
    canvas.line([(left, top - canvas.pt(_TEXT_PT) / 2), (left, bottom), (right, bottom)],
                _AXIS_PT)
    for each, look in zip(series, _SERIES_LOOKS):
        points = [(x(m), y(v)) for m, v in enumerate(each.values)]
        _series(canvas, points, look)
    return canvas.png()


def _series(canvas: Canvas, points: Sequence[tuple[float, float]], look: _SeriesLook) -> None:
    """A series' line, then its markers over it."""
    if len(points) > 1:
        canvas.line(points, 1.2, look.grey, dash=look.dash)
    for point in points:
        canvas.marker(look.marker, point, 4.0, fill=look.marker_fill, edge=look.grey,
                      edge_pt=1.0)


def _value_ticks(largest: int) -> list[int]:
    """0 up to at least ``largest`` in a round whole step (1, 2, 5, 10, 20, 50…), at
    most nine steps."""
    step, factors = 1, itertools.cycle((2, 2.5, 2))
    while largest > 9 * step:
        step = int(step * next(factors))
    top = max(step, -(-largest // step) * step)
    return list(range(0, top + 1, step))


def _frame(canvas: Canvas, title: str, legend: list[_Entry]) -> tuple[float, float]:
    """Draw the title and the legend; (top, bottom) of the room left for the plot."""
    pad = canvas.mm(_PAD_MM)
    top = pad
    if title:
        canvas.text((canvas.width / 2, pad), title, _TITLE_PT, "mt")
        top += canvas.pt(_TITLE_PT) * 1.6
    legend_middle = canvas.height - pad - canvas.pt(_LEGEND_PT)
    _legend(canvas, legend, legend_middle)
    return top + canvas.mm(1.5), legend_middle - canvas.pt(_LEGEND_PT) * 1.6


def _legend(canvas: Canvas, entries: list[_Entry], middle: float) -> None:
    """Entries in one centred row: a swatch, then its label."""
    swatch_w, swatch_h = (canvas.mm(v) for v in _SWATCH_MM)
    gap, space = canvas.mm(2), canvas.mm(6)
    widths = [swatch_w + gap + canvas.text_size(label, _LEGEND_PT)[0] for label, _ in entries]
    x = (canvas.width - sum(widths) - space * (len(entries) - 1)) / 2
    for (label, look), width in zip(entries, widths):
        if isinstance(look, _SeriesLook):
            canvas.line([(x, middle), (x + swatch_w, middle)], 1.2, look.grey, dash=look.dash)
            _series(canvas, [(x + swatch_w / 2, middle)], look)
        elif look == _TARGET:
            centre = x + swatch_w / 2
            canvas.line([(centre, middle - swatch_h * 0.7), (centre, middle + swatch_h * 0.7)], 2.0)
        else:
            fill, hatched = _BAR_LOOKS[look]
            canvas.rectangle((x, middle - swatch_h / 2, x + swatch_w, middle + swatch_h / 2),
                             fill=fill, edge_pt=_AXIS_PT, hatch_mm=1.0 if hatched else 0.0)
        canvas.text((x + swatch_w + gap, middle), label, _LEGEND_PT)
        x += width + space


def _label(canvas: Canvas, lines: list[str], right: float, middle: float) -> None:
    """A wrapped label, right-aligned at ``right`` and centred on ``middle``."""
    spacing = canvas.pt(_TEXT_PT) * 1.25
    for number, line in enumerate(lines):
        offset = (number - (len(lines) - 1) / 2) * spacing
        canvas.text((right, middle + offset), line, _TEXT_PT, "rm")


def _wrap(label: str) -> list[str]:
    return [label[i:i + _LABEL_CHARS] for i in range(0, len(label), _LABEL_CHARS)]
