"""Sheets of an Excel 97–2003 workbook (.xls), the format many offices' Excel and WPS
still save in, read with xlrd into the same :class:`RawSheet` as an .xlsx.

An .xls keeps every formula's result, so no cell is uncalculated; its numbers are all
floating point, so whole ones come back as ``int`` as an .xlsx's do. Hidden sheets, rows
and columns, and cells merged down a column, are read as they are from an .xlsx.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import xlrd

from wenshu.errors import WenshuError
from wenshu.ingest.workbook import RawSheet, RawValue, clean

# The cell types xlrd gives a cell with nothing in it.
_EMPTY = (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)


def xls_sheets(path: Path, label: str, wanted: Sequence[str] = ()) -> list[RawSheet]:
    """Every sheet of the .xls at ``path`` (or those named in ``wanted``), as
    :func:`wenshu.ingest.workbook.read_sheets` gives them."""
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except (xlrd.XLRDError, xlrd.compdoc.CompDocError, OSError, ValueError, AssertionError,
            IndexError, KeyError) as exc:
        # xlrd signals a damaged or foreign file with any of these.
        raise WenshuError(f"{label}: 不是有效的 .xls 文件，无法打开（{exc}）") from exc
    try:
        names = book.sheet_names()
        unknown = [name for name in wanted if name not in names]
        if unknown:
            raise WenshuError(f"{label}: 没有名为“{'”“'.join(unknown)}”的工作表；"
                              f"此文件的工作表：{'、'.join(names) or '（无）'}")
        return [_sheet(book, book.sheet_by_name(name)) for name in names
                if not wanted or name in wanted]
    finally:
        book.release_resources()


def _sheet(book: xlrd.book.Book, sheet: xlrd.sheet.Sheet) -> RawSheet:
    rows = [[clean(_value(book, sheet.cell(r, c))) for c in range(sheet.row_len(r))]
            for r in range(sheet.nrows)]
    merged = tuple(sorted((first_col + 1, top + 1, bottom)
                          for top, bottom, first_col, last_col in sheet.merged_cells
                          if last_col == first_col + 1 and bottom > top + 1))
    return RawSheet(
        sheet.name, rows, sheet.visibility != 0,
        frozenset(r + 1 for r, info in sheet.rowinfo_map.items() if info.hidden),
        frozenset(c + 1 for c, info in sheet.colinfo_map.items() if info.hidden),
        merged)


def _value(book: xlrd.book.Book, cell: xlrd.sheet.Cell) -> RawValue:
    if cell.ctype in _EMPTY:
        return None
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            return cell.value  # a number no calendar has: the date check names it
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return int(cell.value) if float(cell.value).is_integer() else cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR")
    return cell.value
