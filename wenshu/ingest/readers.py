"""Reading tabular input (.csv, .xlsx) into rows numbered as Excel shows them.

Also maps the headers clerks write (Chinese or English) onto field names, so every
importer reports missing, unknown and repeated columns the same way.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from wenshu.cells import restore
from wenshu.errors import InputError, RowError, WenshuError
from wenshu.models.records import Row, RowContext, validate_row

# str.strip() already covers the ideographic space (U+3000) and NBSP; the BOM and
# zero-width space are not whitespace to Python but do arrive from copy-paste.
_STRIP = " \t\r\n\u3000\u00a0\ufeff\u200b"

RawValue = object  # str | int | float | datetime | date | time | None, as the file holds it


@dataclass(frozen=True)
class Table:
    """A sheet: its headers and its non-empty data rows as ``(excel_row, {header: value})``."""

    headers: list[str]
    rows: list[tuple[int, dict[str, RawValue]]]


def read_table(path: Path, name: str | None = None) -> Table:
    """Read the first sheet of a .xlsx file or a .csv file (UTF-8, UTF-8 with BOM, GB18030).

    The ``'`` that wenshu writes before formula-like text (:func:`wenshu.cells.neutralise`)
    is taken off, so a file wenshu wrote reads back as it was. ``name`` is how the file
    is called in row errors (default: its file name), e.g. an upload's original name.
    """
    path = Path(path)
    if not path.is_file():
        raise WenshuError(f"{path}: 文件不存在")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw_rows = _csv_rows(path)
    elif suffix == ".xlsx":
        raw_rows = _xlsx_rows(path)
    else:
        raise WenshuError(f"{path}: 不支持的文件类型“{path.suffix}”，请使用 .xlsx 或 .csv 文件")
    return _build_table(name or path.name, name or str(path), raw_rows)


def _clean(value: RawValue) -> RawValue:
    if isinstance(value, str):
        # wenshu's own CSV files quote formula-like text ('=…); read it as it was written.
        value = restore(value).strip(_STRIP)
        return value or None
    return value


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise WenshuError(f"{path}: 无法读取文件（{exc.strerror or exc}）") from exc


def _csv_rows(path: Path) -> list[list[RawValue]]:
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Chinese Excel saves "CSV" in the system code page; GB18030 is a superset of GBK/GB2312.
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise WenshuError(
                f"{path}: 文件编码无法识别（既不是 UTF-8 也不是 GB18030），请用 Excel 另存为 CSV 或 .xlsx"
            ) from exc
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise WenshuError(f"{path}: CSV 格式有误：{exc}") from exc


def _xlsx_rows(path: Path) -> list[list[RawValue]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise WenshuError(f"{path}: 不是有效的 .xlsx 文件，无法打开（{exc}）") from exc
    try:
        sheet = workbook.worksheets[0]
        # The stored dimension is often wrong in files written by other tools; without it
        # openpyxl reads every row that is really there.
        sheet.reset_dimensions()
        return [list(row) for row in sheet.iter_rows(min_row=1, min_col=1, values_only=True)]
    finally:
        workbook.close()


def _build_table(shown: str, label: str, raw_rows: list[list[RawValue]]) -> Table:
    """The table of ``raw_rows``; ``shown`` names the file in row errors, ``label`` in the error."""
    rows = [[_clean(v) for v in row] for row in raw_rows]
    header_row = rows[0] if rows else []
    headers = ["" if h is None else str(h) for h in header_row]
    width = max([len(headers), *(len(r) for r in rows)], default=0)
    headers += [""] * (width - len(headers))

    errors: list[RowError] = []
    seen: dict[str, int] = {}
    keep: list[int] = []
    for index, header in enumerate(headers):
        letter = get_column_letter(index + 1)
        if header:
            if header in seen:
                errors.append(RowError(
                    shown, 1, header, header, "duplicate_column",
                    f"列名“{header}”出现了两次（第{get_column_letter(seen[header] + 1)}列和第{letter}列）",
                ))
            seen.setdefault(header, index)
            keep.append(index)
            continue
        # A blank header over data would silently drop that data; a blank column is harmless.
        for number, row in enumerate(rows[1:], start=2):
            if index < len(row) and row[index] is not None:
                errors.append(RowError(
                    shown, number, f"第{letter}列", str(row[index]), "unnamed_column",
                    f"第{letter}列有数据但没有列名，请补上列名或删除该列",
                ))
                break
    if errors:
        raise InputError(label, errors)

    data = []
    for number, row in enumerate(rows[1:], start=2):
        values = {headers[i]: (row[i] if i < len(row) else None) for i in keep}
        if any(v is not None for v in values.values()):
            data.append((number, values))
    return Table([headers[i] for i in keep], data)


@dataclass(frozen=True)
class Column:
    """A field an importer reads, and the headers clerks write for it."""

    field: str
    label: str  # the Chinese header named in messages
    aliases: tuple[str, ...] = ()  # other accepted headers; English ones match case-insensitively
    required: bool = False


def map_headers(file: str, headers: list[str], columns: list[Column]) -> tuple[dict[str, str], list[RowError]]:
    """Match headers to fields: ``{field: header as written}`` and the header problems found.

    A missing required column, an unknown column (a typo would drop its data) and two headers
    for the same field are errors, all reported on row 1.
    """
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in (column.label, column.field, *column.aliases):
            lookup[name.casefold()] = column
    mapping: dict[str, str] = {}
    errors: list[RowError] = []
    for header in headers:
        column = lookup.get(header.casefold())
        if column is None:
            known = "、".join(c.label for c in columns)
            errors.append(RowError(file, 1, header, header, "unknown_column",
                                   f"无法识别的列“{header}”；可用的列：{known}"))
        elif column.field in mapping:
            errors.append(RowError(file, 1, header, header, "duplicate_column",
                                   f"列“{header}”与列“{mapping[column.field]}”是同一项，只能保留一列"))
        else:
            mapping[column.field] = header
    for column in columns:
        if column.required and column.field not in mapping:
            errors.append(RowError(file, 1, column.label, "", "missing_column",
                                   f"缺少必需的列“{column.label}”"))
    return mapping, errors


def row_fields(values: Mapping[str, RawValue], mapping: dict[str, str],
               columns: list[Column]) -> dict[str, RawValue]:
    """One row's raw values by field name; fields without a column in the file are ``None``."""
    return {c.field: values[mapping[c.field]] if c.field in mapping else None for c in columns}


@dataclass(frozen=True)
class CheckedRows(Generic[Row]):
    """A file's rows validated one by one: the good ones and every problem found."""

    headers: dict[str, str]  # field -> header as written
    valid: list[tuple[int, Row]]
    errors: list[RowError]
    rows_read: int


def read_rows(path: Path, columns: list[Column], model: type[Row], context: RowContext,
              name: str | None = None) -> CheckedRows[Row]:
    """Read ``path`` and validate each row with ``model``.

    Problems with the file's structure or headers raise :class:`InputError` (no row can be
    trusted then); row problems are collected in the result.
    """
    table = read_table(path, name)
    headers, errors = map_headers(name or path.name, table.headers, columns)
    if errors:
        raise InputError(name or str(path), errors)
    valid: list[tuple[int, Row]] = []
    for number, values in table.rows:
        row, row_errors = validate_row(model, row_fields(values, headers, columns), context,
                                       file=name or path.name, row=number, headers=headers)
        if row is not None:
            valid.append((number, row))
        errors.extend(row_errors)
    return CheckedRows(headers, valid, errors, len(table.rows))
