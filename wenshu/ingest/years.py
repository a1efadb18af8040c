"""The year a sheet is about, for dates written without one (3月7日) and a missing 年度 column.

Offices keep one sheet per month, quarter or half and write the year once: in the sheet's
name ("2025年3月", "2025Q1") or in the title above the header ("2025年东湖社区工作台账").
The sheet name is the most specific, then the title rows from the top, then the year the
import was given (``--year``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# A year 2000–2099 standing alone: not part of a longer number, and not the year of a full
# date (2025-03-31, 2025年4月1日: a 填报日期 may fall in the next year).
_YEAR = re.compile(
    r"(?<!\d)(20\d{2})(?!\d)"
    r"(?!\s*(?:[-/.]\s*\d{1,2}\s*[-/.]|年\s*\d{1,2}\s*月)\s*\d{1,2})"
)


@dataclass(frozen=True)
class SheetYear:
    """A year and where it was found, as the clerk is told (取自工作表名 …)."""

    year: int
    source: str  # 工作表名 | 标题行 | 导入时指定


def year_in(text: str) -> int | None:
    """The one year ``text`` names, or None (no year, or two different ones: 2024—2025)."""
    years = {int(found) for found in _YEAR.findall(text)}
    return years.pop() if len(years) == 1 else None


def sheet_year(sheet: str, titles: Sequence[str], given: int | None) -> SheetYear | None:
    """The year of a sheet: from its name, else its title rows (top first), else ``given``."""
    found = year_in(sheet)
    if found is not None:
        return SheetYear(found, "工作表名")
    for title in titles:
        found = year_in(title)
        if found is not None:
            return SheetYear(found, "标题行")
    return SheetYear(given, "导入时指定") if given is not None else None
