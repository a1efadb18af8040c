"""Where a sheet's table is: its header row, the title rows above it, its data and totals rows.

Offices lay a ledger out for the eye: a title merged across the columns, a line with
填报单位 and 填报日期, then the header; a 序号 column; 小计 and 合计 rows. The header is
the row among the first :data:`HEADER_SEARCH_ROWS` filled rows that names the most known
columns; what is above it is reported as skipped, the 序号 column is left out, and totals
rows are kept apart so they can be checked (:mod:`wenshu.ingest.totals`) but never stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from openpyxl.utils import get_column_letter

from wenshu.errors import RowError
from wenshu.ingest.columns import HeaderLookup, ignored_header
from wenshu.ingest.merged import fill_down, merge_problems
from wenshu.ingest.workbook import RawSheet, RawValue, Uncalculated

HEADER_SEARCH_ROWS = 10
MIN_HEADER_MATCHES = 2  # one known word could be a title; two known columns make a header
PROSE_CELLS_PER_ROW = 2  # a sheet of notes: a numbered sentence at most (一、 / 请按月填写)
# The words that mark a totals row, and what it totals: a 小计 the rows since the previous
# 小计 (or the header), a 合计/总计 every data row of the sheet.
TOTAL_MARKERS: dict[str, str] = {"小计": "subtotal", "合计": "total", "总计": "total"}
# The marker cell: the word, maybe after a few characters (本月合计) and before a bracket.
_MARKER = re.compile(rf"^.{{0,6}}?({'|'.join(TOTAL_MARKERS)})(?:[（(][^（）()]*[)）])?[:：]?$")
_SPACES = re.compile(r"\s+")
UNCALCULATED_MESSAGE = "公式没有计算结果，请在 Excel 中保存后再导入"


@dataclass(frozen=True)
class TotalsRow:
    """A 合计/小计/总计 row: left out of the data, checked against the rows it totals."""

    row: int
    kind: str  # subtotal | total
    marker: str  # the word as the sheet has it: 小计, 合计 or 总计
    values: dict[str, RawValue]  # by header, like a data row


@dataclass(frozen=True)
class Table:
    """A sheet's table: its headers and non-empty data rows as ``(excel_row, {header: value})``."""

    headers: list[str]
    rows: list[tuple[int, dict[str, RawValue]]]
    sheet: str = ""  # "" for a CSV file
    header_row: int = 1
    titles: tuple[str, ...] = ()  # the text of the rows above the header
    totals: tuple[TotalsRow, ...] = ()
    errors: tuple[RowError, ...] = ()  # cells that cannot be read (formulas without a result)


@dataclass(frozen=True)
class Laid:
    """A sheet laid out: its table (None for an empty or headerless sheet), the problems that
    make no row of it trustworthy, and what to tell the user."""

    table: Table | None
    errors: list[RowError]
    notes: list[str]


def sheet_label(sheet: str) -> str:
    """How a sheet is named in messages: 工作表“3月”, or nothing for a CSV file."""
    return f"工作表“{sheet}”" if sheet else ""


def row_list(numbers: Iterable[int]) -> str:
    """Row numbers as a clerk reads them: 第1—3、7行."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [f"{run[0]}—{run[-1]}" if len(run) > 2 else "、".join(map(str, run)) for run in runs]
    return f"第{'、'.join(parts)}行"


def total_marker(cells: Iterable[RawValue]) -> tuple[str, str] | None:
    """``(kind, word)`` when a cell of the row marks it as a totals row, else None."""
    for cell in cells:
        if isinstance(cell, str) and len(cell) <= 24:
            found = _MARKER.match(_SPACES.sub("", cell))
            if found:
                return TOTAL_MARKERS[found.group(1)], found.group(1)
    return None


def lay_out(sheet: RawSheet, file: str, lookup: HeaderLookup | None) -> Laid:
    """Find the table in ``sheet``. Without a ``lookup`` the header is the first filled row."""
    where = sheet_label(sheet.name)
    sheet = fill_down(sheet)
    filled = [index for index, row in enumerate(sheet.rows) if any(v is not None for v in row)]
    if not filled:
        return Laid(None, [], [f"{where or '文件'}是空的，没有可导入的数据"])
    header = _find_header(sheet.rows, filled, lookup)
    if header is None:
        if sheet.hidden:  # a hidden sheet of lookup lists is part of many office templates
            return Laid(None, [], [f"{where}是隐藏的工作表，其中没有列名行，未导入"])
        if _is_prose(sheet, filled):
            return Laid(None, [], [f"{where}只有文字说明，没有列名行，看作填表说明，未导入"])
        expected = "、".join(c.label for c in lookup.columns if c.required) if lookup else ""
        return Laid(None, [RowError(
            file, filled[0] + 1, "", "", "no_header",
            f"{where or '文件'}前{HEADER_SEARCH_ROWS}行中找不到列名行（应有 {expected} 等列名）",
            sheet.name)], [])
    names = _header_names(sheet.rows, header)
    errors = _duplicate_headers(file, sheet.name, header + 1, names)
    table, unnamed = _body(sheet, file, header, names)
    errors += unnamed
    titles = tuple(" ".join(str(v) for v in sheet.rows[i] if isinstance(v, str))
                   for i in filled if i < header)
    notes = _notes(sheet, table, [i + 1 for i in filled if i < header], names)
    merged_errors, merged_notes = merge_problems(sheet, header + 1, names, file, lookup, where)
    return Laid(replace(table, titles=titles), errors + merged_errors, notes + merged_notes)


def _is_prose(sheet: RawSheet, filled: list[int]) -> bool:
    """Whether a workbook's sheet reads as instructions (填表说明), not a table: text only,
    at most :data:`PROSE_CELLS_PER_ROW` cells to a row. A ledger's data rows hold a date, a
    kind, a topic and counts, so a sheet of them whose header was mistyped still fails."""
    if not sheet.name:  # a CSV file is the table itself
        return False
    rows = [[v for v in sheet.rows[i] if v is not None] for i in filled]
    return all(len(row) <= PROSE_CELLS_PER_ROW and all(isinstance(v, str) for v in row)
               for row in rows)


def _find_header(rows: list[list[RawValue]], filled: list[int],
                 lookup: HeaderLookup | None) -> int | None:
    """The index of the header row: the most known column names, the earliest on a tie."""
    if lookup is None:
        return filled[0]
    best, best_score = None, MIN_HEADER_MATCHES - 1
    for index in filled[:HEADER_SEARCH_ROWS]:
        score = sum(1 for cell in rows[index]
                    if isinstance(cell, str) and lookup.column(cell) is not None)
        if score > best_score:
            best, best_score = index, score
    return best


def _header_names(rows: list[list[RawValue]], header: int) -> list[str]:
    width = max(len(row) for row in rows[header:])
    cells = rows[header]
    return ["" if i >= len(cells) or cells[i] is None else str(cells[i]) for i in range(width)]


def _duplicate_headers(file: str, sheet: str, row: int, names: list[str]) -> list[RowError]:
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name or ignored_header(name):
            continue
        if name in seen:
            errors.append(RowError(
                file, row, name, name, "duplicate_column",
                f"列名“{name}”出现了两次（第{get_column_letter(seen[name] + 1)}列和"
                f"第{get_column_letter(index + 1)}列）", sheet))
        seen.setdefault(name, index)
    return errors


def _body(sheet: RawSheet, file: str, header: int, names: list[str]
          ) -> tuple[Table, list[RowError]]:
    """The rows below the header: data, totals, unreadable cells, and data without a header."""
    keep = [i for i, name in enumerate(names) if name and not ignored_header(name)]
    unnamed = [i for i, name in enumerate(names) if not name]
    data: list[tuple[int, dict[str, RawValue]]] = []
    totals: list[TotalsRow] = []
    uncalculated: list[RowError] = []
    first_unnamed: dict[int, tuple[int, RawValue]] = {}
    for number in range(header + 2, len(sheet.rows) + 1):
        cells = sheet.rows[number - 1]
        values = {names[i]: cells[i] if i < len(cells) else None for i in keep}
        marker = total_marker(cells)
        if marker is None and all(v is None for v in values.values()):
            continue  # an empty row, or one numbered in 序号 and nothing else
        for header_name, value in values.items():
            if isinstance(value, Uncalculated):
                uncalculated.append(RowError(file, number, header_name, str(value),
                                             "formula_not_calculated", UNCALCULATED_MESSAGE,
                                             sheet.name))
                values[header_name] = None
        if marker is not None:
            totals.append(TotalsRow(number, marker[0], marker[1], values))
            continue  # the marker may stand in any column, named or not
        data.append((number, values))
        for i in unnamed:
            if i < len(cells) and cells[i] is not None:
                first_unnamed.setdefault(i, (number, cells[i]))
    errors = [RowError(file, number, f"第{get_column_letter(i + 1)}列", str(value),
                       "unnamed_column",
                       f"第{get_column_letter(i + 1)}列有数据但没有列名，请补上列名或删除该列",
                       sheet.name)
              for i, (number, value) in sorted(first_unnamed.items())]
    table = Table([names[i] for i in keep], data, sheet.name, header + 1,
                  totals=tuple(totals), errors=tuple(uncalculated))
    return table, errors


def _notes(sheet: RawSheet, table: Table, above: list[int], names: list[str]) -> list[str]:
    where = sheet_label(sheet.name)
    notes = []
    if sheet.name:
        hidden = "（隐藏的工作表）" if sheet.hidden else ""
        notes.append(f"{where}{hidden}：列名在第{table.header_row}行，数据{len(table.rows)}行")
    if above:
        notes.append(f"{where}{row_list(above)}在列名行（第{table.header_row}行）之上，"
                     "未作为数据导入")
    numbering = [name for name in names if name and ignored_header(name)]
    if numbering:
        of = f"{where}的" if where else ""
        notes.append(f"{of}“{'”“'.join(numbering)}”列是表内编号，未作为数据导入")
    shown_rows = [n for n, _ in table.rows] + [t.row for t in table.totals]
    hidden_rows = sorted(sheet.hidden_rows.intersection(shown_rows))
    if hidden_rows:
        notes.append(f"{where}{row_list(hidden_rows)}是隐藏行，已照常导入")
    hidden_columns = [i for i, name in enumerate(names, 1)
                      if i in sheet.hidden_columns and name and not ignored_header(name)]
    if hidden_columns:
        columns = "、".join(f"第{get_column_letter(i)}列（{names[i - 1]}）" for i in hidden_columns)
        notes.append(f"{where}{columns}是隐藏列，已照常导入")
    return notes
