"""Checking a sheet's totals rows (合计/小计/总计) against the rows they total.

A totals row is never stored, but it is what the office signed off: when it disagrees
with its rows, a row is missing, repeated or mistyped, and the clerk is told both figures.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from wenshu.errors import RowError
from wenshu.ingest.layout import Table, TotalsRow, row_list, sheet_label
from wenshu.ingest.workbook import RawValue

# Excel adds in binary floating point (0.1 + 0.2 is saved as 0.30000000000000004): sums
# are compared at a precision no ledger figure needs.
_PRECISION = Decimal("0.0001")


def check_totals(file: str, table: Table, columns: Mapping[str, str]
                 ) -> tuple[list[RowError], list[str]]:
    """Each totals row of ``table`` against the rows it totals, in ``columns`` (header as
    written → the label named in messages): the mismatches and a note per totals row."""
    errors: list[RowError] = []
    notes: list[str] = []
    start = table.header_row
    for total in table.totals:
        if total.kind == "subtotal":
            rows = [(n, values) for n, values in table.rows if start < n < total.row]
            start = total.row
        else:
            rows = table.rows
        found = [error for header in columns
                 if (error := _check(file, table.sheet, total, header, rows)) is not None]
        errors += found
        checked = any(total.values.get(header) is not None for header in columns)
        what = "已与各行核对，" if checked and not found else ""
        notes.append(f"{sheet_label(table.sheet)}{row_list([total.row])}是{total.marker}行，"
                     f"{what}未作为数据导入")
    return errors, notes


def _check(file: str, sheet: str, total: TotalsRow, header: str,
           rows: list[tuple[int, dict[str, RawValue]]]) -> RowError | None:
    raw = total.values.get(header)
    if raw is None:
        return None  # nothing to check, or a formula without a result (reported already)
    stated = number(raw)
    if stated is None:
        return RowError(file, total.row, header, str(raw), "bad_total",
                        f"{total.marker}行“{header}”的“{raw}”不是数字", sheet)
    parts = [number(values.get(header)) if values.get(header) is not None else Decimal(0)
             for _, values in rows]
    if any(part is None for part in parts):
        return None  # a row's own cell is not a number: that row is reported, not the total
    added = sum(parts, Decimal(0))
    if stated.quantize(_PRECISION) == added.quantize(_PRECISION):
        return None
    # A 小计 names its rows: which ones it covers is the first thing to look at.
    which = "各行" if total.kind == "total" or not rows else row_list(n for n, _ in rows)
    return RowError(file, total.row, header, _plain(stated), "total_mismatch",
                    f"{total.marker}行“{header}”为 {_plain(stated)}，{which}合计为 {_plain(added)}",
                    sheet)


def number(raw: RawValue) -> Decimal | None:
    """A cell as a number (Excel numbers, or text like ``1,234.50``), or None if it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        # repr is the shortest text that round-trips: 0.1 stays 0.1.
        return Decimal(repr(raw)) if raw == raw and abs(raw) != float("inf") else None
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace(",", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
        return value if value.is_finite() else None
    return None


def _plain(value: Decimal) -> str:
    """120, 1234.5: no exponent, no trailing zeros."""
    return format(value.quantize(_PRECISION).normalize(), "f")
