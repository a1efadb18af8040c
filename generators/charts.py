"""Charts for documents: indicators against their targets, and activity month by month.

Charts are drawn with matplotlib's Agg renderer (no display) in Noto Sans CJK SC, at
the size they are placed on the page and at 200 dpi (enough for 9 pt labels and 0.6 pt
lines on paper; 300 dpi has 2.25 times the pixels to draw, compress and convert), and
returned as PNG bytes that depend only on the input. They survive black-and-white
printing: met and missed indicators differ by fill and hatching, series by line style
and marker, never by colour alone.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from PIL import Image as PILImage

from wenshu.errors import ChartError
from wenshu.generators.numbers import plain

DPI = 200
# The type area is 156 mm wide; a chart a little narrower sits centred inside it.
CHART_WIDTH_MM = Decimal(150)
TREND_HEIGHT_MM = Decimal(80)
CJK_FAMILY = "Noto Sans CJK SC"
MONTHS: tuple[str, ...] = tuple(f"{month}月" for month in range(1, 13))

_MM_PER_INCH = Decimal("25.4")
# Indicator rows: height per row, plus the title and legend around them.
_ROW_MM = Decimal(11)
_FRAME_MM = Decimal(26)
# In each indicator row the longer of value and target reaches this share of the
# width; the rest is room for the printed value.
_FULL_WIDTH = Decimal("0.62")
_LABEL_CHARS = 9  # CJK characters per line of an indicator's name

# Grey levels and hatching, distinct on a monochrome printer.
_BAR_LOOKS: dict[bool | None, dict[str, Any]] = {
    True: {"facecolor": "#595959", "edgecolor": "black", "hatch": None},
    False: {"facecolor": "white", "edgecolor": "black", "hatch": "////"},
    None: {"facecolor": "#d9d9d9", "edgecolor": "black", "hatch": None},
}
_BAR_NAMES: dict[bool | None, str] = {True: "达标", False: "未达标", None: "无目标"}
_SERIES_LOOKS: tuple[dict[str, Any], ...] = (
    {"color": "black", "linestyle": "-", "marker": "o", "markerfacecolor": "black"},
    {"color": "black", "linestyle": "--", "marker": "s", "markerfacecolor": "white"},
    {"color": "#606060", "linestyle": "-.", "marker": "^", "markerfacecolor": "#606060"},
    {"color": "#606060", "linestyle": ":", "marker": "D", "markerfacecolor": "white"},
)

# Sizes in points as printed, because the figure is drawn at its placed size.
_STYLE: dict[str, Any] = {
    "font.family": [CJK_FAMILY],
    "font.size": 9,
    "figure.titlesize": 10.5,
    "axes.linewidth": 0.6,
    "axes.edgecolor": "black",
    "hatch.linewidth": 0.7,
    "hatch.color": "black",
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
}
_MISSING_GLYPH = re.compile(r"Glyph (\d+) .*missing from font")
# rcParams and the warnings filter are process-wide: one chart is drawn at a time.
_DRAWING = threading.Lock()


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
    """The file of the CJK face charts are drawn with (Noto Sans CJK SC).

    Looked up in matplotlib's font list, then through fontconfig for a font
    installed after matplotlib built its cache. Raises :class:`ChartError` when
    neither has it.
    """
    found = _matplotlib_font()
    if found is None:
        installed = _fontconfig_file(CJK_FAMILY)
        if installed is not None:
            font_manager.fontManager.addfont(installed)
            found = _matplotlib_font()
    if found is None:
        raise ChartError(f"no CJK font for charts: {CJK_FAMILY} is not installed "
                         "(Debian package fonts-noto-cjk)")
    return found


def _matplotlib_font() -> Path | None:
    properties = font_manager.FontProperties(family=CJK_FAMILY)
    try:
        return Path(font_manager.fontManager.findfont(properties, fallback_to_default=False))
    except ValueError:
        return None


def _fontconfig_file(family: str) -> Path | None:
    """The file fontconfig has for ``family``, or None (fc-match substitutes silently)."""
    try:
        result = subprocess.run(["fc-match", "-f", "%{family}\n%{file}", family],
                                capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    families, _, file = result.stdout.partition("\n")
    return Path(file) if family in families.split(",") and file else None


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
    with _drawing():
        figure, axes = _figure(width_mm, height)
        for row, bar in enumerate(bars):
            _indicator_row(axes, row, bar)
        axes.set_yticks(range(len(bars)), [_wrap(bar.label) for bar in bars])
        axes.tick_params(axis="y", length=0)
        axes.set_ylim(len(bars) - 0.5, -0.5)  # the first indicator on top, as in the table
        axes.set_xlim(0, 1)
        axes.xaxis.set_visible(False)
        for side in ("top", "right", "bottom"):
            axes.spines[side].set_visible(False)
        figure.suptitle(title)
        figure.legend(handles=_indicator_legend(bars), loc="outside lower center",
                      ncols=4)
        return _png(figure)


def _indicator_row(axes: Axes, row: int, bar: IndicatorBar) -> None:
    """One bar, its target mark and its printed value, on the row's own scale."""
    largest = max(bar.actual, bar.target if bar.target is not None else Decimal(0))
    scale = largest / _FULL_WIDTH if largest else Decimal(1)
    end = float(bar.actual / scale)
    axes.barh(row, end, height=0.5, linewidth=0.6, **_BAR_LOOKS[bar.met])
    text = f"{plain(bar.actual)}{bar.unit}"
    if bar.target is not None:
        mark = float(bar.target / scale)
        axes.plot([mark, mark], [row - 0.36, row + 0.36], color="black", linewidth=2,
                  solid_capstyle="butt")
        end = max(end, mark)
        text += f"（目标{plain(bar.target)}{bar.unit}）"
    axes.text(end + 0.02, row, text, va="center", ha="left")


def _indicator_legend(bars: Sequence[IndicatorBar]) -> list[Patch | Line2D]:
    """Legend entries for the bar kinds present, and the target mark if any is drawn."""
    handles: list[Patch | Line2D] = [
        Patch(label=_BAR_NAMES[met], linewidth=0.6, **_BAR_LOOKS[met])
        for met in (True, False, None) if any(bar.met is met for bar in bars)
    ]
    if any(bar.target is not None for bar in bars):
        handles.append(Line2D([], [], color="black", linewidth=0, marker="|",
                              markersize=9, markeredgewidth=2, label="目标值"))
    return handles


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
    with _drawing():
        figure, axes = _figure(width_mm, height_mm)
        positions = range(len(months))
        for each, look in zip(series, _SERIES_LOOKS):
            axes.plot(positions, list(each.values), label=each.label, linewidth=1.2,
                      markersize=4, markeredgecolor=look["color"],
                      # A zero sits on the axis line and would be cut in half.
                      clip_on=False, **look)
        axes.set_xticks(positions, list(months))
        axes.set_xlim(-0.5, len(months) - 0.5)
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(axis="y", color="#bfbfbf", linewidth=0.5, linestyle=":")
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.suptitle(title)
        figure.legend(loc="outside lower center", ncols=len(series))
        return _png(figure)


@contextlib.contextmanager
def _drawing() -> Iterator[None]:
    """wenshu's chart style over matplotlib's defaults, whatever a matplotlibrc says."""
    chart_font()
    with _DRAWING, matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(_STYLE)
        yield


def _figure(width_mm: Decimal, height_mm: Decimal) -> tuple[Figure, Axes]:
    size = (float(width_mm / _MM_PER_INCH), float(height_mm / _MM_PER_INCH))
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    return figure, figure.add_subplot()


def _png(figure: Figure) -> bytes:
    """The figure as a grey PNG at :data:`DPI`, with no software or time stamps.

    The charts are grey by design, so one grey channel prints the same as RGBA at a
    quarter of the size (and of the compression time). A glyph the font lacks fails
    the chart: it would print as an empty box.
    """
    canvas = FigureCanvasAgg(figure)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        canvas.draw()
    missing = sorted({chr(int(match.group(1))) for warning in caught
                      if (match := _MISSING_GLYPH.search(str(warning.message)))})
    if missing:
        raise ChartError(f"{CJK_FAMILY} has no glyph for {' '.join(map(repr, missing))}; "
                         "the chart would print empty boxes")
    renderer = canvas.get_renderer()
    size = (int(renderer.width), int(renderer.height))
    pixels = PILImage.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    pixels.convert("L").save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def _wrap(label: str) -> str:
    return "\n".join(label[i:i + _LABEL_CHARS] for i in range(0, len(label), _LABEL_CHARS))
