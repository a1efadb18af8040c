"""Reading tabular input (.csv, .xlsx) into rows numbered as Excel shows them.

The one reader every importer uses. A file is read sheet by sheet
(:mod:`~wenshu.ingest.workbook`); in each sheet the header row is found by its column
names, with title rows above it, a 序号 column and totals rows left out
(:mod:`~wenshu.ingest.layout`); totals rows are checked (:mod:`~wenshu.ingest.totals`);
headers are mapped onto fields (:mod:`~wenshu.ingest.columns`); a unit or year the file
leaves out is supplied by the import (``--unit``; the sheet's name or title, or
``--year``: :mod:`~wenshu.ingest.years`). What the reader noticed on the way comes back
as notes for the user.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

from wenshu.errors import InputError, RowError
from wenshu.ingest.columns import Column, HeaderLookup, header_unit, map_headers
from wenshu.ingest.layout import Table, lay_out, sheet_label
from wenshu.ingest.totals import check_totals
from wenshu.ingest.workbook import RawValue, read_sheets
from wenshu.ingest.years import SheetYear, sheet_year
from wenshu.models.records import Row, validate_row
from wenshu.models.row_context import RowContext
from wenshu.models.values import yearless_date

__all__ = ["CheckedRows", "Column", "MappedTable", "RawValue", "ReadOptions", "RowCheck", "RowRef",
           "Table", "Tables", "check_tables", "map_headers", "map_tables", "read_rows", "read_table",
           "read_tables"]


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file, as the user asked (``--sheet``, ``--year``, ``--unit``)."""

    sheets: tuple[str, ...] = ()  # only these sheets of a workbook; empty: every sheet
    year: int | None = None  # for a sheet whose name and title give no year
    unit: str | None = None  # the unit of every row, for a file without a 单位代码 column

    def key(self) -> str:
        """The options as text, part of what identifies an import ("" when none is set)."""
        if not (self.sheets or self.year or self.unit):
            return ""
        return json.dumps({"sheets": sorted(self.sheets), "unit": self.unit, "year": self.year},
                          ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Tables:
    """A file's tables, one per sheet with data, and the notes about its sheets."""

    tables: list[Table]
    notes: list[str]


def read_tables(path: Path, columns: Sequence[Column] | None = None, name: str | None = None,
                sheets: Sequence[str] = ()) -> Tables:
    """Read every sheet of a .xlsx file (or those named in ``sheets``) or a .csv file
    (UTF-8, UTF-8 with BOM, GB18030).

    The header is the row among the first ten that names the most of ``columns`` (the
    first filled row without them). A sheet with data but no header is an
    :class:`InputError`, as are repeated headers and data under no header; an empty sheet,
    a hidden one without a header and one of text notes (填表说明) are notes. ``name`` is
    how the file is called in row errors (default: its file name).
    """
    path = Path(path)
    shown, label = name or path.name, name or str(path)
    lookup = HeaderLookup(tuple(columns)) if columns else None
    tables: list[Table] = []
    notes: list[str] = []
    errors: list[RowError] = []
    for sheet in read_sheets(path, label, sheets):
        laid = lay_out(sheet, shown, lookup)
        errors += laid.errors
        notes += laid.notes
        if laid.table is not None:
            tables.append(laid.table)
    if errors:
        raise InputError(label, errors, notes=notes)
    if not tables:
        raise InputError(label, [RowError(shown, 1, "", "", "empty_file", "文件中没有任何数据")],
                         notes=notes)
    return Tables(tables, notes)


def read_table(path: Path, name: str | None = None) -> Table:
    """The first sheet's table, its header on the first filled row (see :func:`read_tables`).

    The ``'`` that wenshu writes before formula-like text (:func:`wenshu.cells.neutralise`)
    is taken off, so a file wenshu wrote reads back as it was.
    """
    return read_tables(path, None, name).tables[0]


class RowRef(NamedTuple):
    """Where a row is: its sheet ("" in a CSV file) and the row number Excel shows."""

    sheet: str
    row: int

    def seen_from(self, sheet: str) -> str:
        """The row as named from another row of ``sheet``: 第5行, or 工作表“1月”第5行."""
        return f"第{self.row}行" if sheet == self.sheet else f"{sheet_label(self.sheet)}第{self.row}行"


@dataclass(frozen=True)
class MappedTable:
    """A table whose headers are mapped onto an importer's fields."""

    table: Table
    headers: dict[str, str]  # field -> header as written (a supplied field -> its label)
    supplied: dict[str, RawValue]  # values the import gives for fields the sheet has no column for
    year: SheetYear | None

    def fields(self, values: dict[str, RawValue]) -> dict[str, RawValue]:
        """One row's raw values by field name."""
        return {f: values[h] if h in values else self.supplied.get(f) for f, h in self.headers.items()}

    def has(self, field_name: str) -> bool:
        """Whether the sheet has a column for the field."""
        return self.headers.get(field_name) in self.table.headers


def map_tables(file: str, label: str, book: Tables, columns: Sequence[Column],
               options: ReadOptions, sheet_units: Mapping[str, str] | None = None
               ) -> list[MappedTable]:
    """Map each table's headers onto ``columns``; any header problem in any sheet is an
    :class:`InputError` (no row can be trusted then), with ``book``'s notes. A sheet in
    ``sheet_units`` (named after a unit: its code) without a unit column is that unit's."""
    mapped: list[MappedTable] = []
    errors: list[RowError] = []
    for table in book.tables:
        year = sheet_year(table.sheet, table.titles, options.year)
        unit = (sheet_units or {}).get(table.sheet, options.unit)
        available = {"unit": unit, "year": year.year if year else None}
        offered = {c.field: available[c.default] for c in columns
                   if c.default is not None and available[c.default] is not None}
        headers, problems = map_headers(file, table.headers, list(columns), row=table.header_row,
                                        sheet=table.sheet, supplied=frozenset(offered))
        errors += problems
        supplied = {f: v for f, v in offered.items() if f not in headers}
        labels = {c.field: c.label for c in columns if c.field in supplied or c.field not in headers}
        mapped.append(MappedTable(table, {**labels, **headers}, supplied, year))
    if errors:
        raise InputError(label, errors, notes=book.notes)
    return mapped


Checked = TypeVar("Checked")
# Checks one row of a table: the row as the importer keeps it, or None, and its problems.
RowCheck = Callable[[MappedTable, int, dict[str, RawValue]], tuple[Checked | None, list[RowError]]]


@dataclass(frozen=True)
class CheckedRows(Generic[Checked]):
    """A file's rows checked one by one: the good ones and every problem found."""

    sheets: list[MappedTable]
    valid: list[tuple[RowRef, Checked]]
    errors: list[RowError]
    rows_read: int
    notes: list[str] = field(default_factory=list)

    def header(self, sheet: str, field_name: str) -> str:
        """The header a field has in ``sheet``, as written there."""
        return next(m.headers[field_name] for m in self.sheets if m.table.sheet == sheet)

    def sorted(self, errors: Sequence[RowError]) -> list[RowError]:
        """Errors in the order of the file: by sheet, then row."""
        order = {m.table.sheet: index for index, m in enumerate(self.sheets)}
        return sorted(errors, key=lambda e: (order.get(e.sheet, -1), e.row))

    def rejected(self, errors: Sequence[RowError]) -> int:
        """How many data rows the errors are on (a totals row is not a data row)."""
        data = {(m.table.sheet, n) for m in self.sheets for n, _ in m.table.rows}
        return len({(e.sheet, e.row) for e in errors} & data)


def check_tables(file: str, sheets: list[MappedTable], columns: Sequence[Column],
                 check: RowCheck[Checked], notes: Sequence[str] = (),
                 unit_names: Mapping[str, str] | None = None) -> CheckedRows[Checked]:
    """Check every data row of every sheet with ``check``, and every totals row against
    its rows. A cell that cannot be read (a formula without a result) is an error of its
    row, which is then never good; ``notes`` are the file's notes so far, ``unit_names``
    (code -> name) name a unit the import supplies."""
    valid: list[tuple[RowRef, Checked]] = []
    errors: list[RowError] = []
    noted = list(notes)
    for mapped in sheets:
        table = mapped.table
        # A cell already reported is not reported again (as empty, say).
        unreadable = {(e.row, e.column) for e in table.errors}
        spoilt = {e.row for e in table.errors}
        errors += table.errors
        for number, values in table.rows:
            row, problems = check(mapped, number, values)
            errors += [replace(e, sheet=table.sheet) for e in problems
                       if (e.row, e.column) not in unreadable]
            if row is not None and number not in spoilt:
                valid.append((RowRef(table.sheet, number), row))
        total_errors, total_notes = check_totals(file, table, _summable(mapped, columns))
        errors += total_errors
        noted += total_notes + supplied_notes(mapped, columns, unit_names or {})
    checked = CheckedRows(sheets, valid, [], sum(len(m.table.rows) for m in sheets), noted)
    return replace(checked, errors=checked.sorted(errors))


def read_rows(path: Path, columns: list[Column], model: type[Row], context: RowContext,
              name: str | None = None, options: ReadOptions | None = None) -> CheckedRows[Row]:
    """Read ``path`` as :func:`read_tables` does and validate each row with ``model``.

    Problems with the file's structure or headers raise :class:`InputError` (no row can be
    trusted then); row problems, totals that disagree with their rows and formulas without
    a result are collected in the result.
    """
    path = Path(path)
    options = options or ReadOptions()
    shown = name or path.name
    book = read_tables(path, columns, name, options.sheets)
    sheets = map_tables(shown, name or str(path), book, columns, options,
                        _sheet_units(book, context))
    # Dates without a year take the sheet's; bare figures, the unit its headers name.
    contexts = {m.table.sheet: replace(context, year=m.year.year if m.year else None,
                                       scales=_scales(m, columns)) for m in sheets}

    def validate(mapped: MappedTable, number: int, values: dict[str, RawValue]
                 ) -> tuple[Row | None, list[RowError]]:
        return validate_row(model, mapped.fields(values), contexts[mapped.table.sheet], file=shown,
                            row=number, headers=mapped.headers, sheet=mapped.table.sheet)

    names = {code: name for name, codes in context.unit_names.items() for code in codes}
    notes = [*book.notes, *(_scale_note(m, c) for m in sheets for c in columns
                            if c.field in contexts[m.table.sheet].scales)]
    return check_tables(shown, sheets, columns, validate, notes, names)


def _scales(mapped: MappedTable, columns: Sequence[Column]) -> dict[str, int]:
    """The fields whose header names a larger unit (经费（万元）), with its worth."""
    found = {c.field: c.scale(mapped.headers[c.field]) for c in columns
             if c.scales and mapped.has(c.field)}
    return {f: times for f, times in found.items() if times != 1}


def _scale_note(mapped: MappedTable, column: Column) -> str:
    header, base = mapped.headers[column.field], column.base_unit
    unit, times = header_unit(header), column.scale(header)
    return (f"{sheet_label(mapped.table.sheet)}“{header}”一列的数字按{unit}读取，已换算为{base}"
            f"（如 1.5{unit}记为{1.5 * times:g}{base}）")


def _sheet_units(book: Tables, context: RowContext) -> dict[str, str]:
    """Sheets named after one unit the rows may be about (a street's workbook with a sheet
    per community, 榕岸社区), by that unit's code."""
    found = {}
    for table in book.tables:
        codes = [code for code in context.unit_names.get(table.sheet, ())
                 if context.allowed_units is None or code in context.allowed_units]
        if len(codes) == 1:
            found[table.sheet] = codes[0]
    return found


def _summable(mapped: MappedTable, columns: Sequence[Column]) -> dict[str, str]:
    """The sheet's own columns a totals row is checked in: header -> label."""
    return {mapped.headers[c.field]: c.label for c in columns if c.summable and mapped.has(c.field)}


def supplied_notes(mapped: MappedTable, columns: Sequence[Column],
                   unit_names: Mapping[str, str]) -> list[str]:
    """What the import filled in for the sheet: a unit or year column it lacks (the unit
    by name and code when ``unit_names`` has it), and the year of dates written without one."""
    where = sheet_label(mapped.table.sheet)
    notes = []
    for column in columns:
        if column.field not in mapped.supplied:
            continue
        value = mapped.supplied[column.field]
        if column.default == "year" and mapped.year is not None:
            notes.append(f"{where}没有“{column.label}”列，各行按{value}年（取自{mapped.year.source}）")
        else:
            name = unit_names.get(str(value)) if column.default == "unit" else None
            shown = f"{name}（{value}）" if name else value
            notes.append(f"{where}没有“{column.label}”列，各行记为 {shown}")
    if mapped.year is not None and mapped.has("date") and any(
            yearless_date(values.get(mapped.headers["date"])) for _, values in mapped.table.rows):
        notes.append(f"{where}没有年份的日期按{mapped.year.year}年读取（取自{mapped.year.source}）")
    return notes
