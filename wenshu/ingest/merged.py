"""Cells merged down a column, as offices merge them: one 日期 or 活动类型 for the
consecutive rows it covers, or a header cell spanning a two-row header.

Excel keeps a merged cell's value in its first cell only. Text read down the merge is the
same for every row it covers, so it is copied down (and a two-row header becomes one
row). A figure is not: 60 人次 merged over two activities is their total, not 60 each,
so a merged figure below the header is refused by name rather than counted twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from wenshu.errors import RowError
from wenshu.ingest.columns import HeaderLookup, ignored_header
from wenshu.ingest.workbook import RawSheet


def fill_down(sheet: RawSheet) -> RawSheet:
    """The sheet with each merged cell's value copied into the rows the merge covers."""
    if not sheet.merged_down:
        return sheet
    rows = [list(row) for row in sheet.rows]
    for column, top, bottom in sheet.merged_down:
        if top > len(rows) or column > len(rows[top - 1]):
            continue
        value = rows[top - 1][column - 1]
        for number in range(top + 1, min(bottom, len(rows)) + 1):
            cells = rows[number - 1]
            cells.extend([None] * (column - len(cells)))
            cells[column - 1] = value
    return replace(sheet, rows=rows)


def merge_problems(sheet: RawSheet, header_row: int, names: list[str], file: str,
                   lookup: HeaderLookup | None, where: str) -> tuple[list[RowError], list[str]]:
    """For the merges below the header (``header_row`` as Excel numbers it): a row error
    for each merged figure, a note for the text read as the same in every row. ``where``
    names the sheet in notes (工作表“3月”)."""
    errors: list[RowError] = []
    notes: list[str] = []
    for column, top, bottom in sheet.merged_down:
        name = names[column - 1] if column <= len(names) else ""
        if top <= header_row or not name or ignored_header(name):
            continue
        known = lookup.column(name) if lookup else None
        value = sheet.rows[top - 1][column - 1] if column <= len(sheet.rows[top - 1]) else None
        span = f"第{top}—{bottom}行" if bottom > top + 1 else f"第{top}、{bottom}行"
        if known is not None and known.summable and value is not None:
            errors.append(RowError(
                file, top, name, str(value), "merged_figure",
                f"{span}的“{name}”是合并单元格，数字无法分到各行；请取消合并，"
                "每行填写本行的数字", sheet.name))
        elif value is not None:
            shown = value.date().isoformat() if isinstance(value, datetime) else value
            notes.append(f"{where}{span}的“{name}”是合并单元格，各行都按“{shown}”读取")
    return errors, notes
