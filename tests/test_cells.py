"""No spreadsheet cell wenshu writes can run as a formula (CSV/formula injection, OWASP).

Each writer is given text starting with every prefix Excel, WPS or LibreOffice read as
a formula; the file is read back (csv module, openpyxl without data_only, and the
xlsx's XML itself) to check that no cell is a formula and the text is still there.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from wenshu.archive.catalogue_sheet import CatalogueRow, YearCatalogue, catalogue_xlsx
from wenshu.cells import append_row, csv_row, is_formula_like, neutralise, restore, set_cell
from wenshu.demo.files import write_csv, write_xlsx
from wenshu.errors import RowError
from wenshu.ingest import read_table
from wenshu.ingest.report import error_report_csv, write_error_report

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
LEDGER_HEADER = ["单位代码", "日期", "活动类型", "主题", "场次", "人次", "户数", "份数", "金额", "备注"]


def runnable(text: str) -> bool:
    """Whether a spreadsheet program would run this CSV text as a formula (a plain
    signed number such as -3 opens as that number)."""
    return text[:1] in ("=", "+", "-", "@", "\t", "\r") and \
        re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", text) is None


def csv_cells(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def formulas(xlsx: bytes) -> list[str]:
    """Every ``<f>`` element in the workbook's sheets (and a calcChain, which lists formulas)."""
    found = []
    with zipfile.ZipFile(io.BytesIO(xlsx)) as package:
        for name in package.namelist():
            if name == "xl/calcChain.xml":
                found.append(name)
            elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += [f"{name}: {m.decode()}"
                          for m in re.findall(rb"<f[\s>/][^<]*", package.read(name))]
    return found


# The module ------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_like_text_is_quoted_for_csv_and_restored_on_reading(payload: str):
    assert is_formula_like(payload)
    assert neutralise(payload) == "'" + payload
    assert restore(neutralise(payload)) == payload


@pytest.mark.parametrize("value", ["育龄妇女健康知识培训", "", "'引号开头", "-3", "+1.5", "-12.50",
                                   "2025-03-05", "A=1", -5, -2.5, Decimal("-1.5"),
                                   date(2025, 3, 5), None])
def test_other_values_are_left_alone(value: object):
    assert neutralise(value) is value
    assert restore(value) is value


def test_a_full_width_minus_before_digits_is_not_a_number():
    # Only ASCII digits make a plain number; "-３" could be anything to a spreadsheet.
    assert neutralise("-３") == "'-３"


def test_csv_row_quotes_text_and_keeps_numbers():
    assert csv_row(["=1", 3, -4, None, "-4", "@x"]) == ["'=1", 3, -4, None, "-4", "'@x"]


def test_cells_set_by_openpyxl_keep_text_as_text_and_numbers_as_numbers(tmp_path: Path):
    book = Workbook()
    sheet = book.active
    numbers = [-5, -2.5, Decimal("-12.50")]
    append_row(sheet, [*PAYLOADS, *numbers, date(2025, 3, 5), "-3", "#N/A", None])
    set_cell(sheet.cell(2, 1), "=SUM(A1:A3)")
    path = tmp_path / "cells.xlsx"
    book.save(path)

    assert formulas(path.read_bytes()) == []
    sheet = load_workbook(path).active
    texts = [sheet.cell(1, column) for column in range(1, len(PAYLOADS) + 1)] + [sheet["A2"]]
    assert [cell.value for cell in texts] == [*PAYLOADS, "=SUM(A1:A3)"]
    assert {(cell.data_type, cell.quotePrefix) for cell in texts} == {("s", True)}
    first = len(PAYLOADS) + 1
    stored = [sheet.cell(1, column) for column in range(first, first + 3)]
    assert [cell.value for cell in stored] == [-5, -2.5, -12.5]
    assert {cell.data_type for cell in stored} == {"n"}
    day, minus_three, error_text, empty = (sheet.cell(1, column)
                                            for column in range(first + 3, first + 7))
    assert day.is_date and day.value == datetime(2025, 3, 5)
    assert (minus_three.value, minus_three.data_type) == ("-3", "s")  # text stays text
    assert (error_text.value, error_text.data_type) == ("#N/A", "s")  # not an error cell
    assert empty.value is None


# The writers ---------------------------------------------------------------------------


def test_the_error_report_never_holds_a_formula(tmp_path: Path):
    source = tmp_path / "台账.csv"
    errors = [RowError("台账.csv", row, "人次", payload, "not_a_number", "人次应为数字")
              for row, payload in enumerate(PAYLOADS, start=2)]
    errors += [RowError("=1+1.csv", 8, "=列", "x", "unknown_column", "无法识别的列“=列”"),
               RowError("台账.csv", 9, "人次", "-3", "negative", "人次不能为负数")]
    report = write_error_report(source, errors)
    assert report is not None

    header, *rows = csv_cells(report)
    assert header == ["文件", "工作表", "行号", "列", "值", "错误代码", "错误说明"]
    assert [cell for row in rows for cell in row if runnable(cell)] == []
    assert [row[4] for row in rows] == [*("'" + p for p in PAYLOADS), "x", "-3"]
    assert [restore(row[4]) for row in rows[:len(PAYLOADS)]] == PAYLOADS
    assert rows[-2][:4] == ["'=1+1.csv", "", "8", "'=列"]
    assert rows[-1][:5] == ["台账.csv", "", "9", "人次", "-3"]  # a rejected number reads as itself


def test_the_error_report_as_bytes_takes_stored_errors_and_never_holds_a_formula():
    # What the web download sends: the errors as kept with an upload (RowError.as_dict()).
    stored = [RowError("台账.csv", row, "人次", payload, "not_a_number", "人次应为数字").as_dict()
              for row, payload in enumerate(PAYLOADS, start=2)]
    data = error_report_csv(stored)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [cell for row in rows for cell in row if runnable(cell)] == []
    assert [row[4] for row in rows] == ["'" + payload for payload in PAYLOADS]
    assert data == error_report_csv([RowError(**error) for error in stored])


def _catalogue(title: str) -> YearCatalogue:
    rows = tuple(
        CatalogueRow(item_number=f"{n:04d}", archival_code=f"0194-WS·2025-Y-BGS-{n:04d}",
                     author=payload, doc_number="龙卫〔2025〕1号", title=payload,
                     date="20250115", pages=n, remarks=payload)
        for n, payload in enumerate(PAYLOADS, start=1))
    return YearCatalogue(title=title, fonds_name="=龙岗区", year=2025, as_of=date(2025, 12, 31),
                         rows=rows)


def test_the_archive_catalogue_never_holds_a_formula():
    catalogue = _catalogue('=HYPERLINK("http://x","y") 2025年度归档文件目录')
    data = catalogue_xlsx(catalogue)

    assert formulas(data) == []
    assert catalogue_xlsx(catalogue) == data  # still byte-reproducible
    sheet = load_workbook(io.BytesIO(data)).active
    assert (sheet["A1"].value, sheet["A1"].data_type) == (catalogue.title, "s")
    written = list(sheet.iter_rows(min_row=3))
    assert [tuple(cell.value for cell in row) for row in written] == \
        [row.cells() for row in catalogue.rows]
    for row in written:
        author, title, pages, remarks = row[2], row[4], row[6], row[7]
        assert {(c.data_type, c.quotePrefix) for c in (author, title, remarks)} == {("s", True)}
        assert pages.data_type == "n"


def test_demo_csv_ledgers_quote_formulas_and_import_as_written(tmp_path: Path):
    rows = [LEDGER_HEADER, *([f"44030700100{n}", "2025-03-05", "培训", payload, "1", "30", "", "",
                              "-12.50", payload] for n, payload in enumerate(PAYLOADS))]
    quoted, plain = tmp_path / "quoted.csv", tmp_path / "plain.csv"
    write_csv(quoted, rows, "utf-8-sig")
    with open(plain, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)

    cells = csv_cells(quoted)
    assert [cell for row in cells for cell in row if runnable(cell)] == []
    assert [row[3] for row in cells[1:]] == ["'" + payload for payload in PAYLOADS]
    assert {row[8] for row in cells[1:]} == {"-12.50"}
    # The importer reads the quoted file exactly as it reads the same rows unquoted.
    assert read_table(quoted) == read_table(plain)
    assert read_table(quoted).rows[0][1]["主题"] == PAYLOADS[0]


def test_demo_xlsx_ledgers_keep_text_and_numbers(tmp_path: Path):
    rows = [LEDGER_HEADER, *(["440307001001", date(2025, 3, 5), "培训", payload, 1, 30, None, None,
                              Decimal("-12.50"), payload] for payload in PAYLOADS)]
    path = tmp_path / "台账.xlsx"
    write_xlsx(path, rows, datetime(2025, 12, 31, 17, 30))

    assert formulas(path.read_bytes()) == []
    sheet = load_workbook(path).active
    for row in sheet.iter_rows(min_row=2):
        assert row[3].value == row[9].value and row[3].data_type == "s" and row[3].quotePrefix
        assert (row[8].value, row[8].data_type) == (-12.5, "n")
        assert row[1].is_date
    assert [row[3].value for row in sheet.iter_rows(min_row=2)] == PAYLOADS
    table = read_table(path)
    assert table.rows[0][1]["主题"] == PAYLOADS[0] and table.rows[0][1]["金额"] == -12.5
