"""Safe spreadsheet cells: text wenshu writes is never run as a formula.

Excel, WPS and LibreOffice run a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or
with a tab or carriage return before one) as a formula: ``=HYPERLINK(...)`` becomes a
link, ``-2+3`` becomes 1, DDE payloads start programs. Unit names, titles and cell
values in error reports come from users' files, so every CSV and XLSX file wenshu
writes passes its text through here (CSV/formula injection, OWASP).

- CSV has no cell types, so formula-like text gets the ``'`` prefix OWASP recommends
  (:func:`neutralise`, :func:`csv_row`); wenshu's readers take it off again
  (:func:`restore`), so a file wenshu wrote imports with its text as it was.
- XLSX cells have types, so the text is kept exactly and written as a string cell
  with Excel's own quotePrefix style (:func:`set_cell`, :func:`append_row`), which
  is what Excel stores when a user types ``'=abc``: no ``<f>`` element, and the cell
  stays text when someone edits it.

Numbers, dates and None are never touched: a numeric cell is not a formula.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TypeVar

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

# OWASP's list: the characters a spreadsheet program reads as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# Text that is just a signed decimal number ("-3", "+1.5") opens as that number, never
# as a formula; left alone, an error report still shows a rejected "-3" as "-3".
# ASCII digits only: a full-width "－３" is not a number to Excel.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?", re.ASCII)

T = TypeVar("T")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet program could run ``text`` as a formula."""
    return text.startswith(FORMULA_PREFIXES) and _PLAIN_NUMBER.fullmatch(text) is None


def neutralise(value: T) -> T | str:
    """``value`` safe for a CSV cell: formula-like text gets a leading ``'``.

    Anything else (other text, numbers, dates, None) is returned unchanged.
    """
    if isinstance(value, str) and is_formula_like(value):
        return QUOTE + value
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    """A row for ``csv.writer`` with every cell passed through :func:`neutralise`."""
    return [neutralise(value) for value in values]


def restore(value: T) -> T | str:
    """Undo :func:`neutralise` on a cell read from a file: ``'=x`` is read as ``=x``.

    Only a quote in front of formula-like text is taken off, the exact inverse of
    :func:`neutralise`; that is also what a user means by typing ``'`` in Excel.
    """
    if isinstance(value, str) and value.startswith(QUOTE) and is_formula_like(value[1:]):
        return value[1:]
    return value


def set_cell(cell: Cell, value: object) -> Cell:
    """Set an openpyxl cell's value; text stays a string cell, never a formula.

    openpyxl makes any text starting with ``=`` a formula (and ``#N/A`` an error), so
    text is typed as a string explicitly; formula-like text also gets Excel's
    quotePrefix style, so Excel keeps it text when the cell is edited.
    """
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    return cell


def append_row(sheet: Worksheet, values: Sequence[object]) -> list[Cell]:
    """Append ``values`` as the sheet's next row, as ``Worksheet.append`` does, with
    every cell set through :func:`set_cell`. Returns the row's cells."""
    sheet.append(list(values))  # openpyxl picks the row; the cells are then made safe
    row = sheet.max_row
    return [set_cell(sheet.cell(row, column), value)
            for column, value in enumerate(values, start=1)]


__all__ = ["FORMULA_PREFIXES", "QUOTE", "append_row", "csv_row", "is_formula_like",
           "neutralise", "restore", "set_cell"]
