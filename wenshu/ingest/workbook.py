"""A file's sheets as rows of cells: .csv (UTF-8, UTF-8 with BOM, GB18030), .xlsx and
.xls (:mod:`wenshu.ingest.xls`).

Cells come back as the file holds them (str, int, float, datetime, None), text stripped.
An .xlsx file is read with its cached values, as Excel and WPS save them; a formula cell
saved without a result (a program wrote it and nothing calculated it) comes back as
:class:`Uncalculated`, never as an empty cell. Hidden rows and columns are read like the
others and marked, so the reader can say so.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, iterparse, parse

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from wenshu.cells import restore
from wenshu.errors import WenshuError

# str.strip() already covers the ideographic space (U+3000) and NBSP; the BOM and
# zero-width space are not whitespace to Python but do arrive from copy-paste.
_STRIP = " \t\r\n\u3000\u00a0\ufeff\u200b"

RawValue = object  # str | int | float | datetime | date | time | Uncalculated | None
# Cells merged down one column, as (column, first row, last row), 1-based: only the first
# holds the value, as Excel keeps it.
MergedDown = tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class Uncalculated:
    """A formula cell with no cached result: its value is unknown until Excel saves it."""

    formula: str

    def __str__(self) -> str:
        return self.formula


@dataclass(frozen=True)
class RawSheet:
    """One sheet's cells; ``rows[i]`` is the row Excel numbers ``i + 1``."""

    name: str  # "" for a CSV file
    rows: list[list[RawValue]]
    hidden: bool = False  # the sheet itself is hidden (hidden sheets often hold lookup lists)
    hidden_rows: frozenset[int] = frozenset()  # Excel row numbers
    hidden_columns: frozenset[int] = frozenset()  # 1-based column numbers
    merged_down: MergedDown = ()


def read_sheets(path: Path, label: str, wanted: Sequence[str] = ()) -> list[RawSheet]:
    """Every sheet of ``path`` in workbook order, or only those named in ``wanted``.

    ``label`` names the file in messages. A name in ``wanted`` the workbook lacks, or
    ``wanted`` for a CSV file, is a :class:`WenshuError` naming the sheets there are.
    """
    path = Path(path)
    if not path.is_file():
        raise WenshuError(f"{label}: 文件不存在")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if wanted:
            raise WenshuError(f"{label}: CSV 文件没有工作表，不能指定工作表（--sheet 只用于 .xlsx 文件）")
        return [RawSheet("", [[clean(v) for v in row] for row in _csv_rows(path, label)])]
    if suffix == ".xlsx":
        return _xlsx_sheets(path, label, wanted)
    if suffix == ".xls":
        from wenshu.ingest.xls import xls_sheets  # here: it builds on this module's RawSheet

        return xls_sheets(path, label, wanted)
    raise WenshuError(f"{label}: 不支持的文件类型“{path.suffix}”，请使用 .xlsx、.xls 或 .csv 文件")


def clean(value: RawValue) -> RawValue:
    """A cell as the reader uses it: text stripped, empty text None."""
    if isinstance(value, str):
        # wenshu's own CSV files quote formula-like text ('=…); read it as it was written.
        value = restore(value).strip(_STRIP)
        return value or None
    return value


def _csv_rows(path: Path, label: str) -> list[list[str]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WenshuError(f"{label}: 无法读取文件（{exc.strerror or exc}）") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Chinese Excel saves "CSV" in the system code page; GB18030 is a superset of GBK/GB2312.
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise WenshuError(
                f"{label}: 文件编码无法识别（既不是 UTF-8 也不是 GB18030），请用 Excel 另存为 CSV 或 .xlsx"
            ) from exc
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise WenshuError(f"{label}: CSV 格式有误：{exc}") from exc


def _xlsx_sheets(path: Path, label: str, wanted: Sequence[str]) -> list[RawSheet]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        archive = zipfile.ZipFile(path)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise WenshuError(f"{label}: 不是有效的 .xlsx 文件，无法打开（{exc}）") from exc
    try:
        sheets = {sheet.title: sheet for sheet in workbook.worksheets}
        unknown = [name for name in wanted if name not in sheets]
        if unknown:
            raise WenshuError(f"{label}: 没有名为“{'”“'.join(unknown)}”的工作表；"
                              f"此文件的工作表：{'、'.join(sheets) or '（无）'}")
        parts = _sheet_parts(archive)
        chosen = [name for name in sheets if not wanted or name in wanted]
        return [_xlsx_sheet(sheets[name], archive, parts.get(name)) for name in chosen]
    finally:
        archive.close()
        workbook.close()


def _xlsx_sheet(sheet: object, archive: zipfile.ZipFile, part: str | None) -> RawSheet:
    # The stored dimension is often wrong in files written by other tools; without it
    # openpyxl reads every row that is really there.
    sheet.reset_dimensions()  # type: ignore[attr-defined]
    rows = [[clean(v) for v in row]
            for row in sheet.iter_rows(min_row=1, min_col=1, values_only=True)]  # type: ignore[attr-defined]
    marks, merged = _scan(archive, part) if part else (_Marks(), ())
    for (row, column), formula in marks.uncalculated.items():
        while len(rows) < row:
            rows.append([])
        cells = rows[row - 1]
        cells.extend([None] * (column - len(cells)))
        if cells[column - 1] is None:  # only where Excel left no value
            cells[column - 1] = Uncalculated(formula)
    state = getattr(sheet, "sheet_state", "visible")
    return RawSheet(sheet.title, rows, state != "visible",  # type: ignore[attr-defined]
                    frozenset(marks.hidden_rows), frozenset(marks.hidden_columns), merged)


# What openpyxl's read-only mode does not give: hidden rows and columns, which formula
# cells have no cached value, and merged cells. One pass over the sheet's XML finds the
# first two, and only when the part mentions a formula or something hidden at all; the
# merged ranges are listed at the sheet's end and read from the raw text on the way.
_HINTS = re.compile(rb'<(?:\w+:)?f[\s>/]|hidden="(?:1|true)"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_TEXT_TYPES = ("str", "s", "inlineStr")  # an empty <v> of these is a calculated empty text
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass
class _Marks:
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    uncalculated: dict[tuple[int, int], str] = field(default_factory=dict)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's name and the zip part holding it (workbook.xml and its relationships)."""
    try:
        book = _xml(archive, "xl/workbook.xml")
        rels = _xml(archive, "xl/_rels/workbook.xml.rels")
    except (KeyError, ParseError):
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter() if _local(rel.tag) == "Relationship"}
    parts = {}
    for sheet in book.iter():
        if _local(sheet.tag) == "sheet" and sheet.get(_REL) in targets:
            target = targets[sheet.get(_REL)]
            parts[sheet.get("name", "")] = (target.lstrip("/") if target.startswith("/")
                                            else posixpath.normpath(posixpath.join("xl", target)))
    return parts


def _xml(archive: zipfile.ZipFile, name: str) -> Element:
    with archive.open(name) as stream:
        return parse(stream).getroot()


def _prescan(archive: zipfile.ZipFile, part: str) -> tuple[bool, MergedDown]:
    """Whether the part mentions marks, and its cells merged down one column."""
    mentions, merged = False, set()
    with archive.open(part) as stream:
        tail = b""
        while chunk := stream.read(1 << 20):
            text = tail + chunk
            mentions = mentions or bool(_HINTS.search(text))
            for first, top, last, bottom in _MERGE.findall(text):
                if first == last and int(bottom) > int(top):
                    merged.add((_column_of(first.decode(), 0), int(top), int(bottom)))
            tail = chunk[-64:]  # a match cut by the chunk's end is found whole next time
    return mentions, tuple(sorted(merged))


def _scan(archive: zipfile.ZipFile, part: str) -> tuple[_Marks, MergedDown]:
    marks = _Marks()
    try:
        mentions, merged = _prescan(archive, part)
        if not mentions:
            return marks, merged
        with archive.open(part) as stream:
            row = column = 0
            for event, element in iterparse(stream, events=("start", "end")):
                tag = _local(element.tag)
                if event == "start":
                    if tag == "row":
                        row = int(float(element.get("r") or row + 1))
                        column = 0
                        if element.get("hidden") in ("1", "true"):
                            marks.hidden_rows.add(row)
                    continue
                if tag == "c":
                    column = _column_of(element.get("r"), column + 1)
                    _check_formula(element, row, column, marks)
                    element.clear()
                elif tag == "col" and element.get("hidden") in ("1", "true"):
                    marks.hidden_columns.update(range(int(element.get("min", "1")),
                                                      int(element.get("max", "1")) + 1))
                elif tag == "row":
                    element.clear()
    except (KeyError, ParseError, ValueError):
        return _Marks(), ()  # openpyxl read the values; without marks nothing is lost but notes
    return marks, merged


def _column_of(reference: str | None, default: int) -> int:
    if not reference:
        return default
    number = 0
    for char in reference:
        if not char.isalpha():
            break
        number = number * 26 + ord(char.upper()) - 64
    return number or default


def _check_formula(cell: Element, row: int, column: int, marks: _Marks) -> None:
    formula = value = None
    for child in cell:
        tag = _local(child.tag)
        if tag == "f":
            formula = child
        elif tag == "v":
            value = child
    if formula is None:
        return
    calculated = value is not None and (bool(value.text) or cell.get("t") in _TEXT_TYPES)
    if not calculated:
        marks.uncalculated[(row, column)] = "=" + (formula.text or "…")
