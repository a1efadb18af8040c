"""Splitting long document titles into lines the way GB/T 9704 shapes them.

A title longer than one line is broken into lines of decreasing length (an
inverted trapezoid) or with the longest in the middle (a diamond), never with
a word cut in two. Breaks are allowed only at places where Chinese titles
break naturally: after the issuing unit's name, after a year, before 关于 and
before the document's kind word (工作总结, 实施方案 …).
"""

from __future__ import annotations

import re
from itertools import combinations

# 2号 (22 pt) characters that fit the 156 mm type area: 156 / 7.76 ≈ 20.
MAX_TITLE_CHARS = 20
_BREAK_BEFORE = re.compile(
    r"(?=关于|(?:人口和计划生育|计划生育|妇女儿童)?(?:工作)?(?:总结|计划|实施方案|自查报告|报告|方案))"
)
_BREAK_AFTER = re.compile(r"年(?!度)|年度|上半年|“[^”]{1,30}”")
# Phrases a line break must never cut, whatever the patterns above allow.
NEVER_SPLIT = ("人口和计划生育", "计划生育", "妇女儿童", "工作总结", "工作计划", "实施方案",
               "自查报告", "上半年")


def _width(text: str) -> float:
    """Printed width in full-width characters: ASCII digits and letters a little over half
    (measured on the serif face LibreOffice prints titles in)."""
    return sum(0.6 if ch.isascii() else 1.0 for ch in text)


def break_points(title: str, keep: tuple[str, ...] = ()) -> list[int]:
    """Positions a title may break at (never inside one of ``keep``, e.g. the unit's name)."""
    points = {m.start() for m in _BREAK_BEFORE.finditer(title)}
    points |= {m.end() for m in _BREAK_AFTER.finditer(title)}
    for word in keep:
        points |= {match.end() for match in re.finditer(re.escape(word), title)}
    for word in (*keep, *NEVER_SPLIT):
        for match in re.finditer(re.escape(word), title):
            points -= set(range(match.start() + 1, match.end()))
    return sorted(p for p in points if 0 < p < len(title))


def title_lines(title: str, keep: tuple[str, ...] = (), max_chars: float = MAX_TITLE_CHARS
                ) -> list[str]:
    """The title as lines of at most ``max_chars`` wide, shaped as GB/T 9704 asks.

    Among the allowed breaks, the fewest lines win; then a trapezoid (lines
    steadily shorter, or steadily longer) or a diamond (the middle line
    longest); then the most even lengths. A title with no fitting split stays
    one line.
    """
    if _width(title) <= max_chars:
        return [title]
    points = break_points(title, keep)
    for count in range(1, min(len(points), 3) + 1):
        options = []
        for cuts in combinations(points, count):
            bounds = (0, *cuts, len(title))
            lines = [title[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
            widths = [_width(line) for line in lines]
            if max(widths) > max_chars:
                continue
            pairs = list(zip(widths, widths[1:], strict=False))
            trapezoid = all(a >= b for a, b in pairs) or all(a <= b for a, b in pairs)
            diamond = len(widths) == 3 and widths[1] >= max(widths[0], widths[2])
            options.append((not (trapezoid or diamond), max(widths) - min(widths), lines))
        if options:
            return min(options)[2]
    return [title]
