"""Writing the demo's files: CSV in the encodings offices use, and .xlsx workbooks.

No file records a clock time, so the same rows give byte-identical files.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from wenshu.cells import append_row, csv_row
from wenshu.demo.draws import LAST_LEDGER_DAY
from wenshu.demo.ledgers import DemoLedger, DemoRow
from wenshu.errors import CatalogueError
from wenshu.models.catalogue import MEASURE_COLUMNS, Catalogue

__all__ = ["LEDGER_HEADER", "write_csv", "write_ledger", "write_xlsx"]

LEDGER_HEADER: tuple[str, ...] = ("单位代码", "日期", "活动类型", "主题", *MEASURE_COLUMNS.values(),
                                  "备注")
_Cell = str | int | Decimal | date | None


def _cells(row: DemoRow, catalogue: Catalogue) -> list[_Cell]:
    """The row as ledger cells, keeping only the measures its type records."""
    kind = catalogue.activities[row.kind]
    values = dict(row.measures)
    for measure in kind.measures:
        if measure.required and measure.column not in values:
            raise CatalogueError(f"the demo data cannot fill the required {measure.label} "
                                 f"of {kind.label}")
    measures = [values.get(column) if kind.measure(column) else None for column in MEASURE_COLUMNS]
    return [row.unit_code, row.day, kind.label, row.title, *measures, row.notes or None]


def _text(cell: _Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, Decimal):
        return str(int(cell)) if cell == cell.to_integral_value() else f"{cell:.2f}"
    return str(cell)


def write_csv(path: Path, rows: Sequence[Sequence[str]], encoding: str) -> None:
    """Write ``rows`` of text as a CSV file in ``encoding``."""
    buffer = io.StringIO()
    # Formula-like text is quoted; the importers take the quote off again.
    csv.writer(buffer).writerows(csv_row(row) for row in rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_xlsx(path: Path, rows: Sequence[Sequence[_Cell]], saved: datetime) -> None:
    """A workbook with real date cells; its metadata and zip entries carry ``saved``, not now."""
    book = Workbook()
    sheet = book.active
    sheet.title = "工作台账"
    for row in rows:
        append_row(sheet, row)  # text stays text, never a formula
    book.properties.creator = book.properties.last_modified_by = "台账管理员"
    book.properties.created = book.properties.modified = saved
    raw = io.BytesIO()
    # openpyxl's save() stamps the current time; its writer with our own archive does not.
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    stamped = io.BytesIO()
    with (zipfile.ZipFile(raw) as source,
          zipfile.ZipFile(stamped, "w", zipfile.ZIP_DEFLATED) as target):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=saved.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    path.write_bytes(stamped.getvalue())


def write_ledger(inbox: Path, ledger: DemoLedger, catalogue: Catalogue) -> None:
    """Write ``ledger`` into ``inbox/<unit_code>/`` as CSV or .xlsx, as its form says."""
    folder = inbox / ledger.unit.code
    folder.mkdir(parents=True, exist_ok=True)
    rows = [list(LEDGER_HEADER), *(_cells(row, catalogue) for row in ledger.rows)]
    stem = f"{ledger.unit.name}{ledger.year}年{ledger.name}"
    if ledger.form == "xlsx":
        last_day = min(date(ledger.year, 12, 31), LAST_LEDGER_DAY)
        write_xlsx(folder / f"{stem}.xlsx", rows, datetime.combine(last_day, time(17, 30)))
    else:
        texts = [[_text(cell) for cell in row] for row in rows]
        write_csv(folder / f"{stem}.csv", texts, ledger.form)
