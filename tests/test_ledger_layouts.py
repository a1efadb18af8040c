"""Ledgers laid out as offices keep them: title rows above the header, a 序号 column, 小计 and
合计 rows, one sheet per month, dates without a year, no 单位代码 column, hidden rows, and
formulas with or without their cached results (as Excel and WPS save them)."""

from __future__ import annotations

import re
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from tests.ledger_books import (
    EAST_LAKE,
    HEADER,
    TODAY,
    good,
    rejected,
    report_lines,
    stored,
    write_csv,
    write_xlsx,
)
from wenshu.errors import WenshuError
from wenshu.ingest import ReadOptions, import_ledger_file
from wenshu.ingest.years import sheet_year, year_in
from wenshu.models.tables import Activity

# The header and what is above it ------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_title_rows_are_skipped_and_errors_name_the_rows_excel_shows(session, small_tree, catalogue,
                                                                     tmp_path, encoding):
    path = write_csv(tmp_path / "台账.csv", [
        ["2025年东湖社区工作台账"],
        ["填报单位：东湖社区", None, None, "填报日期：2025年4月1日"],
        HEADER,
        good("第一期培训"),
        good("第二期培训", people=-3),
    ], encoding)
    error = rejected(session, path, catalogue)
    assert [(e.row, e.column, e.code) for e in error.errors] == [(5, "人次", "negative")]
    assert "第1、2行在列名行（第3行）之上，未作为数据导入" in error.notes
    result = import_ledger_file(session, path, catalogue, today=TODAY, skip_invalid=True)
    assert (result.rows_read, result.rows_stored, result.rows_rejected) == (2, 1, 1)
    assert stored(session) == [(date(2025, 3, 5), "第一期培训", 30)]


def test_a_header_is_looked_for_in_the_first_ten_filled_rows_only(session, small_tree, catalogue,
                                                                  tmp_path):
    titles = [[f"说明第{n}行"] for n in range(1, 11)]
    path = write_xlsx(tmp_path / "台账.xlsx", {"台账": [*titles, HEADER, good("培训")]})
    error = rejected(session, path, catalogue)
    assert [(e.sheet, e.row, e.code) for e in error.errors] == [("台账", 1, "no_header")]
    assert "工作表“台账”前10行中找不到列名行" in error.errors[0].message
    path = write_xlsx(tmp_path / "台账.xlsx", {"台账": [*titles[:9], HEADER, good("培训")]})
    assert import_ledger_file(session, path, catalogue, today=TODAY).rows_stored == 1


def test_a_numbering_column_is_left_out_even_as_an_uncalculated_formula(session, small_tree,
                                                                        catalogue, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", {"台账": [
        ["序号", *HEADER],
        ["=ROW()-1", *good("第一期")],  # no cached result: harmless, 序号 is not data
        [2, *good("第二期")],
        [3], [4], [5],  # numbered ahead, not filled in
    ]})
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert (result.rows_read, result.rows_stored, result.errors) == (2, 2, [])
    assert "工作表“台账”的“序号”列是表内编号，未作为数据导入" in result.notes


# Totals rows ---------------------------------------------------------------------------


def test_totals_rows_are_left_out_and_checked_against_their_rows(session, small_tree, catalogue,
                                                                  tmp_path):
    rows = [HEADER, good("一"), good("二", 40),
            ["小计", None, None, None, 2, 70],          # rows 2–3
            good("三", 48),
            [None, None, None, "三月小计", 1, 48],       # the marker in another column
            ["合 计", None, None, None, 3, 120]]         # all rows: 118
    path = write_csv(tmp_path / "台账.csv", rows)
    error = rejected(session, path, catalogue)
    assert [(e.row, e.column, e.value, e.code, e.message) for e in error.errors] == [
        (7, "人次", "120", "total_mismatch", "合计行“人次”为 120，各行合计为 118")]
    assert str(error).endswith("：1行共1处错误，未保存任何数据")
    assert stored(session) == []
    # The data rows are good: keeping them stores them, and the total is still reported.
    result = import_ledger_file(session, path, catalogue, today=TODAY, skip_invalid=True)
    assert (result.rows_read, result.rows_stored, result.rows_rejected) == (3, 3, 0)
    assert [e.code for e in result.errors] == ["total_mismatch"]
    assert "第4行是小计行，已与各行核对，未作为数据导入" in result.notes


def test_a_subtotal_totals_the_rows_since_the_previous_one(session, small_tree, catalogue, tmp_path):
    path = write_csv(tmp_path / "台账.csv", [
        HEADER, good("一"), good("二", 40), ["小计", None, None, None, 2, 70],
        good("三", 48), ["小计", None, None, None, 1, 50]])
    error = rejected(session, path, catalogue)
    assert [(e.row, e.message) for e in error.errors] == [(6, "小计行“人次”为 50，第5行合计为 48")]


def test_totals_as_formulas_read_their_cached_results(session, small_tree, catalogue, tmp_path):
    sheet = [HEADER, good("一"), good("二", 40), ["合计", None, None, None, "=SUM(E2:E3)",
                                                "=SUM(F2:F3)"]]
    path = write_xlsx(tmp_path / "台账.xlsx", {"台账": sheet}, {"台账": {"E4": 2, "F4": 70}})
    assert load_workbook(path, data_only=True)["台账"]["F4"].value == 70  # Excel's cached result
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert (result.rows_stored, result.errors) == (2, [])
    assert "工作表“台账”第4行是合计行，已与各行核对，未作为数据导入" in result.notes

    path = write_xlsx(tmp_path / "错.xlsx", {"台账": sheet}, {"台账": {"E4": 2, "F4": 75}})
    error = rejected(session, path, catalogue)
    assert [(e.sheet, e.row, e.message) for e in error.errors] == [
        ("台账", 4, "合计行“人次”为 75，各行合计为 70")]


# Formulas without a result -------------------------------------------------------------


def test_a_formula_without_a_cached_result_is_a_row_error_not_an_empty_cell(session, small_tree,
                                                                            catalogue, tmp_path):
    # A program wrote the formulas and nothing calculated them: openpyxl reads them as empty.
    path = write_xlsx(tmp_path / "台账.xlsx", {"台账": [
        HEADER, good("一"), [*good("二")[:5], "=F2*2", *good("二")[6:]],
        ["合计", None, None, None, "=SUM(E2:E3)", "=SUM(F2:F3)"]]})
    assert load_workbook(path, data_only=True)["台账"]["F3"].value is None
    error = rejected(session, path, catalogue)
    message = "公式没有计算结果，请在 Excel 中保存后再导入"
    assert [(e.row, e.column, e.value, e.code, e.message) for e in error.errors] == [
        (3, "人次", "=F2*2", "formula_not_calculated", message),
        (4, "场次", "=SUM(E2:E3)", "formula_not_calculated", message),
        (4, "人次", "=SUM(F2:F3)", "formula_not_calculated", message),
    ]
    # The row is never good, even where the empty cell would pass.
    result = import_ledger_file(session, path, catalogue, today=TODAY, skip_invalid=True)
    assert (result.rows_stored, result.rows_rejected) == (1, 1)


def test_a_cached_formula_and_a_calculated_empty_text_are_values(session, small_tree, catalogue,
                                                                 tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", {"台账": [
        HEADER, [*good("一")[:5], "=10+20", *good("一")[6:9], '=IF(F2>100,"大型","")']]},
        {"台账": {"F2": 30}})
    # Excel saves a formula's empty text result as t="str" with an empty <v>.
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet, count = re.subn(r'<c r="J2"([^>]*)>', r'<c r="J2"\1 t="str">', sheet)
    assert count == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert (result.rows_stored, result.errors) == (1, [])
    assert [(a.participants, a.notes) for a in session.scalars(select(Activity))] == [(30, None)]


# Sheets --------------------------------------------------------------------------------


def test_every_sheet_is_read_and_its_name_is_on_every_error(session, small_tree, catalogue,
                                                            tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", {
        "1月": [HEADER, good("一月培训", when="2025-01-09")],
        "备用": [],
        "2月": [HEADER, good("二月培训", when="2025-02-09"), good("二月又一期", people=-1)],
    })
    error = rejected(session, path, catalogue)
    assert [(e.sheet, e.row, e.column, e.code) for e in error.errors] == [
        ("2月", 3, "人次", "negative")]
    assert error.errors[0].as_dict()["sheet"] == "2月"
    assert [(line["工作表"], line["行号"], line["错误代码"]) for line in report_lines(error.report_path)
            ] == [("2月", "3", "negative")]
    assert "工作表“备用”是空的，没有可导入的数据" in error.notes
    result = import_ledger_file(session, path, catalogue, today=TODAY, skip_invalid=True)
    assert [title for _, title, _ in stored(session)] == ["一月培训", "二月培训"]
    assert {"工作表“1月”：列名在第1行，数据1行", "工作表“2月”：列名在第1行，数据2行"} <= set(result.notes)


def test_only_the_named_sheets_are_read(session, small_tree, catalogue, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", {
        "1月": [HEADER, good("一月培训", when="2025-01-09")],
        "2月": [HEADER, good("二月培训", when="2025-02-09")],
        "草稿": [["待核实", "培训", 12]],  # data without a header: would reject the file
    })
    assert "工作表“草稿”" in rejected(session, path, catalogue).errors[0].message
    result = import_ledger_file(session, path, catalogue, today=TODAY,
                                options=ReadOptions(sheets=("2月",)))
    assert (result.rows_stored, [t for _, t, _ in stored(session)]) == (1, ["二月培训"])
    # Another choice of sheets is another import; rows stored before are found as existing.
    again = import_ledger_file(session, path, catalogue, today=TODAY,
                               options=ReadOptions(sheets=("1月", "2月")))
    assert (again.already_imported, again.rows_stored, again.rows_existing) == (False, 1, 1)
    assert import_ledger_file(session, path, catalogue, today=TODAY,
                              options=ReadOptions(sheets=("2月",))).already_imported
    with pytest.raises(WenshuError, match="没有名为“4月”的工作表；此文件的工作表：1月、2月、草稿"):
        import_ledger_file(session, path, catalogue, today=TODAY,
                           options=ReadOptions(sheets=("4月",)))
    csv_path = write_csv(tmp_path / "台账.csv", [HEADER, good("一")])
    with pytest.raises(WenshuError, match="CSV 文件没有工作表"):
        import_ledger_file(session, csv_path, catalogue, today=TODAY,
                           options=ReadOptions(sheets=("1月",)))


def test_a_hidden_sheet_of_lists_is_noted_not_refused(session, small_tree, catalogue, tmp_path):
    book = Workbook()
    book.active.title = "台账"
    book.active.append(HEADER)
    book.active.append(good("培训"))
    lists = book.create_sheet("字典")
    for kind in ("培训", "宣传", "会议"):
        lists.append([kind])
    lists.sheet_state = "hidden"
    path = tmp_path / "台账.xlsx"
    book.save(path)
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert result.rows_stored == 1
    assert "工作表“字典”是隐藏的工作表，其中没有列名行，未导入" in result.notes


def test_the_same_row_on_two_sheets_names_the_sheet_of_the_first(session, small_tree, catalogue,
                                                                 tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", {"1月": [HEADER, good("培训")],
                                              "2月": [HEADER, good("另一期"), good("培训")]})
    error = rejected(session, path, catalogue)
    assert [(e.sheet, e.row, e.code, e.message) for e in error.errors] == [
        ("2月", 3, "duplicate_row", "与工作表“1月”第2行内容完全相同（重复录入）")]


# Dates without a year ------------------------------------------------------------------


def test_year_of_a_sheet_from_its_name_its_title_or_the_import():
    assert year_in("2025年3月") == year_in("2025Q1") == year_in("2025年1-3月") == 2025
    assert year_in("2025上半年工作台账") == 2025
    assert year_in("2024—2025学年") is None  # two years: neither
    assert year_in("填报日期：2026-01-05") is None  # a full date is not the ledger's year
    assert year_in("填报日期：2026年1月5日") is None
    title = ["2025年东湖社区工作台账", "填报日期：2026年1月5日"]
    assert sheet_year("2024年12月", title, 2023).year == 2024  # the sheet name first
    assert (sheet_year("3月", title, 2023).year, sheet_year("3月", title, 2023).source) == (
        2025, "标题行")
    assert sheet_year("3月", [], 2023).source == "导入时指定"
    assert sheet_year("3月", ["东湖社区工作台账"], None) is None


def test_dates_without_a_year_take_the_sheets(session, small_tree, catalogue, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", {
        "2025年3月": [HEADER, good("一", when="3月7日"), good("二", when="3-8")],
        "2025Q2": [HEADER, good("三", when="4/9"), good("四", when="05.10")],
        "6月": [["东湖社区2024年工作台账"], HEADER, good("五", when="6月11号")],
    })
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert result.errors == []
    assert [d for d, _, _ in stored(session)] == [
        date(2024, 6, 11), date(2025, 3, 7), date(2025, 3, 8), date(2025, 4, 9), date(2025, 5, 10)]
    assert "工作表“2025年3月”没有年份的日期按2025年读取（取自工作表名）" in result.notes
    assert "工作表“6月”没有年份的日期按2024年读取（取自标题行）" in result.notes


def test_dates_without_a_year_take_the_imports_or_are_an_error(session, small_tree, catalogue,
                                                               tmp_path):
    path = write_csv(tmp_path / "台账.csv", [HEADER, good("一", when="3月7日"),
                                             good("二", when="2025-03-08")])
    error = rejected(session, path, catalogue)
    assert [(e.row, e.column, e.value, e.code) for e in error.errors] == [(2, "日期", "3月7日", "no_year")]
    assert "没有年份" in error.errors[0].message and "指定年份" in error.errors[0].message
    result = import_ledger_file(session, path, catalogue, today=TODAY, options=ReadOptions(year=2024))
    assert [d for d, _, _ in stored(session)] == [date(2024, 3, 7), date(2025, 3, 8)]
    assert "没有年份的日期按2024年读取（取自导入时指定）" in result.notes


# The unit of a file without a 单位代码 column -------------------------------------------


def test_the_unit_fills_a_file_without_a_unit_column(session, small_tree, catalogue, tmp_path):
    path = write_csv(tmp_path / "台账.csv", [HEADER[1:], good("一")[1:]])
    error = rejected(session, path, catalogue)
    assert [(e.row, e.column, e.code) for e in error.errors] == [(1, "单位代码", "missing_column")]
    assert "导入时指定单位" in error.errors[0].message
    # Outside the subtree the file is for, it is that unit's error, as for a written code.
    error = rejected(session, path, catalogue, expect_unit="440307002",
                     options=ReadOptions(unit="440307001002"))
    assert [(e.row, e.column, e.value, e.code) for e in error.errors] == [
        (2, "单位代码", "440307001002", "unit_mismatch")]
    result = import_ledger_file(session, path, catalogue, today=TODAY,
                                options=ReadOptions(unit="440307001002"))
    assert result.rows_stored == 1
    assert "没有“单位代码”列，各行记为 东山社区（440307001002）" in result.notes
    assert [a.unit_code for a in session.scalars(select(Activity))] == ["440307001002"]


def test_a_file_with_a_unit_column_keeps_its_codes(session, small_tree, catalogue, tmp_path):
    path = write_csv(tmp_path / "台账.csv", [HEADER, good("一")])
    import_ledger_file(session, path, catalogue, today=TODAY, options=ReadOptions(unit="440307002001"))
    assert [a.unit_code for a in session.scalars(select(Activity))] == [EAST_LAKE]


# Hidden rows and columns, and unknown types ---------------------------------------------


def test_hidden_rows_and_columns_are_imported_and_noted(session, small_tree, catalogue, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    for row in [HEADER, good("一"), good("二"), good("三")]:
        sheet.append(row)
    sheet.row_dimensions[3].hidden = True
    sheet.column_dimensions["F"].hidden = True
    path = tmp_path / "台账.xlsx"
    book.save(path)
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert (result.rows_stored, result.errors) == (3, [])
    assert {p for _, _, p in stored(session)} == {30}
    assert "工作表“台账”第3行是隐藏行，已照常导入" in result.notes
    assert "工作表“台账”第F列（人次）是隐藏列，已照常导入" in result.notes


def test_an_unknown_activity_type_lists_the_known_ones_closest_first(session, small_tree, catalogue,
                                                                     tmp_path):
    path = write_csv(tmp_path / "台账.csv", [HEADER, [*good("一")[:2], "义诊咨询", *good("一")[3:]]])
    (error,) = rejected(session, path, catalogue).errors
    assert error.code == "unknown_activity_type"
    known = error.message.split("（最接近的在前）：")[1].split("、")
    assert known[0] == "咨询义诊"
    assert sorted(known) == sorted(kind.label for kind in catalogue.activities.values())
