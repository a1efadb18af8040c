"""Ledger workbooks in an office's own words and layout, beyond the shapes of
``test_ledger_layouts``: its own headers and activity names, a 填表说明 sheet, a sheet per
community, cells merged down a column, and dates as clerks write them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from tests.ledger_books import (
    EAST_LAKE,
    HEADER,
    TODAY,
    Rows,
    good,
    rejected,
    stored,
    write_csv,
    write_xlsx,
)
from wenshu.ingest import ReadOptions, import_ledger_file
from wenshu.ingest.columns import header_key
from wenshu.ingest.ledger import LEDGER_COLUMNS
from wenshu.models.ledger_columns import column_writing
from wenshu.models.tables import Activity

# Headers -------------------------------------------------------------------------------


def test_headers_as_offices_write_them_name_the_columns(session, small_tree, catalogue,
                                                       tmp_path):
    """参加人数（人）, 活动内容, 发放份数, 经费（元）… are what many offices head their
    columns with: each lands in its column, and the figures are stored where they belong."""
    header = ["序号", "单位编码", "活动日期", "类别", "活动内容", "期数", "参加人数（人）",
              "走访户数", "发放份数", "经费（元）", "说明"]
    path = write_xlsx(tmp_path / "台账.xlsx", {"3月": [
        header,
        [1, EAST_LAKE, "2025-03-05", "培训", "育龄妇女培训", 1, 40, None, None, 800, "照片已存档"],
        [2, EAST_LAKE, "2025-03-08", "宣传", "三八节宣传", 1, 120, None, 300, None, None]]})
    assert import_ledger_file(session, path, catalogue, today=TODAY).rows_stored == 2
    rows = session.scalars(select(Activity).order_by(Activity.date)).all()
    assert [(a.activity_type, a.title, a.sessions, a.participants, a.materials, a.amount,
             a.notes) for a in rows] == [
        ("training", "育龄妇女培训", 1, 40, None, 800, "照片已存档"),
        ("publicity", "三八节宣传", 1, 120, 300, None, None)]


def test_an_unknown_header_is_refused_with_the_column_it_likely_means(
        session, small_tree, catalogue, tmp_path):
    """wenshu never reads an unknown header as a column, but says which one it probably is
    when one stands out; when none or two do, it only lists the columns."""
    path = write_xlsx(tmp_path / "台账.xlsx", {"3月": [
        ["单位代码", "日期", "活动类型", "活动主题名称", "场次", "参训人数", "活动类型及内容", "负责人"],
        [EAST_LAKE, "2025-03-05", "培训", "育龄妇女培训", 1, 40, "培训", "王芳"]]})
    error = rejected(session, path, catalogue)
    messages = {e.column: e.message for e in error.errors if e.code == "unknown_column"}
    assert messages["活动主题名称"].startswith(
        "无法识别的列“活动主题名称”（是否指“主题”？如是，请把列名改为“主题”）；可用的列：单位代码、")
    assert "（是否指“人次”？" in messages["参训人数"]
    assert messages["活动类型及内容"].startswith("无法识别的列“活动类型及内容”；可用的列：")
    assert messages["负责人"].startswith("无法识别的列“负责人”；可用的列：")
    assert stored(session) == []


def test_money_in_wan_yuan_is_stored_in_yuan(session, small_tree, catalogue, tmp_path):
    """经费（万元） holds 1.5 for 15,000 元: each bare figure under it is converted, with a
    note; a figure with its own unit (8000元, 0.85万元) is read in that unit, in any amount
    column."""
    rows = [["单位代码", "日期", "活动类型", "主题", "户数", "经费（万元）"],
            [EAST_LAKE, "2025-03-05", "慰问帮扶", "春节慰问", 12, 1.5],
            [EAST_LAKE, "2025-03-06", "慰问帮扶", "重阳慰问", 10, "8000元"],
            [EAST_LAKE, "2025-03-07", "慰问帮扶", "冬季慰问", 9, "0.85万元"]]
    result = import_ledger_file(session, write_xlsx(tmp_path / "万元.xlsx", {"3月": rows}),
                                catalogue, today=TODAY)
    assert "工作表“3月”“经费（万元）”一列的数字按万元读取，已换算为元（如 1.5万元记为15000元）" in (
        result.notes)
    rows[0][5] = "金额"
    rows[1][1:4] = ["2025-04-05", "慰问帮扶", "清明慰问"]
    rows[1][5] = "2.4万元"
    import_ledger_file(session, write_xlsx(tmp_path / "元.xlsx", {"4月": rows[:2]}), catalogue,
                       today=TODAY)
    assert session.scalars(select(Activity.amount).order_by(Activity.date)).all() == [
        15000, 8000, 8500, 24000]


def test_figures_in_chinese_numerals_are_read(session, small_tree, catalogue, tmp_path):
    """两场, 一百二十人次, 壹仟贰佰元 and 一点五万元 are figures as clerks write them in words:
    each is stored as the number it says."""
    path = write_xlsx(tmp_path / "台账.xlsx", {"3月": [
        HEADER, [EAST_LAKE, "2025-03-05", "培训", "育龄妇女培训", "两场", "一百二十人次"],
        [EAST_LAKE, "2025-03-06", "慰问帮扶", "春节慰问", "一次", None, "十二户", None, "壹仟贰佰元"],
        [EAST_LAKE, "2025-03-07", "慰问帮扶", "重阳慰问", 1, None, "9户", None, "一点五万元"]]})
    assert import_ledger_file(session, path, catalogue, today=TODAY).rows_stored == 3
    rows = session.scalars(select(Activity).order_by(Activity.date)).all()
    assert [(a.sessions, a.participants, a.households, a.amount) for a in rows] == [
        (2, 120, None, None), (1, None, 12, 1200), (1, None, 9, 15000)]


@pytest.mark.parametrize("written", ["40余人", "约40人", "四十多人", "40人左右", "十几人"])
def test_an_estimate_asks_for_the_count(session, small_tree, catalogue, tmp_path, written):
    """A ledger holds what was counted: 40余人 would file 40 as if it were the count, so the
    row is refused with what to write instead of "not a number"."""
    path = write_csv(tmp_path / "ledger.csv", [HEADER, good("培训", people=written)])
    assert [(e.column, e.code, e.message) for e in rejected(session, path, catalogue).errors] == [
        ("人次", "approximate", f"人次“{written}”是约数，请填写实际统计的数字")]


def test_a_header_counting_in_another_unit_is_refused(session, small_tree, catalogue, tmp_path):
    """经费（千元） names a unit the column is not kept in: read as 金额 it would file 1.5
    (thousand) as 1.5 元. The header is refused with how to fix it."""
    rows = [["单位代码", "日期", "活动类型", "主题", "户数", "经费（千元）"],
            [EAST_LAKE, "2025-03-05", "慰问帮扶", "春节慰问", 12, 1.5]]
    error = rejected(session, write_xlsx(tmp_path / "千元.xlsx", {"3月": rows}), catalogue)
    assert [(e.column, e.code, e.message) for e in error.errors] == [(
        "经费（千元）", "header_unit",
        "列“经费（千元）”按“千元”计，而金额按“万元”“元”填写：请把数字换算为元，"
        "并把列名改为“金额”或“金额（元）”")]
    assert stored(session) == []


def test_activity_types_in_an_offices_words_are_read(session, small_tree, catalogue, tmp_path):
    """宣传教育 (the heading wenshu's summaries print), 工作会议 and 走访 (what offices
    write) file under their types instead of refusing the row."""
    path = write_xlsx(tmp_path / "台账.xlsx", {"3月": [
        HEADER, [EAST_LAKE, "2025-03-05", "宣传教育", "三八节宣传", 1, 120, None, 300],
        [EAST_LAKE, "2025-03-06", "工作会议", "计生工作例会", 1, 15],
        [EAST_LAKE, "2025-03-07", "走访", "特殊家庭走访", 1, 8, 6]]})
    assert import_ledger_file(session, path, catalogue, today=TODAY).rows_stored == 3
    assert session.scalars(select(Activity.activity_type).order_by(Activity.date)).all() == [
        "publicity", "meeting", "household_visit"]


def test_every_header_alias_names_one_ledger_column() -> None:
    """The alias list is data a maintainer edits: each header there means one column, and
    none is another column's own name, so no header can be read two ways."""
    fields = {c.field for c in LEDGER_COLUMNS}
    assert set(column_writing().headers) <= fields
    # A larger unit is one of its column's unit words, which leaves the column its own.
    for field, scaled in column_writing().scales.items():
        assert set(scaled) < set(column_writing().units[field]), field
    names = [header_key(n) for c in LEDGER_COLUMNS for n in (c.label, c.field, *c.aliases)]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


# Sheets --------------------------------------------------------------------------------


def test_a_sheet_of_instructions_is_a_note_and_data_without_a_header_still_an_error(
        session, small_tree, catalogue, tmp_path):
    """Offices ship their ledger workbook with a 填表说明 sheet: text, a sentence or a
    numbered line to a row. It is left out with a note; a sheet of data rows without a
    header is still refused, so no data is dropped quietly."""
    notes = [["填表说明"], ["1.", "日期请写成 2025-03-05"], ["2.", "每月一个工作表"], []]
    path = write_xlsx(tmp_path / "台账.xlsx", {"3月": [HEADER, good("培训")], "填表说明": notes})
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert result.rows_stored == 1
    assert "工作表“填表说明”只有文字说明，没有列名行，看作填表说明，未导入" in result.notes
    path = write_xlsx(tmp_path / "台账2.xlsx", {"3月": [HEADER, good("培训")],
                                               "4月": [["4月"], good("第二期培训")]})
    error = rejected(session, path, catalogue)
    assert [(e.sheet, e.code) for e in error.errors] == [("4月", "no_header")]
    only_notes = write_xlsx(tmp_path / "说明.xlsx", {"填表说明": notes})
    error = rejected(session, only_notes, catalogue)
    assert [e.code for e in error.errors] == ["empty_file"]


def test_a_sheet_named_after_a_unit_is_that_units(session, small_tree, catalogue, tmp_path):
    """A street keeps one sheet per community, named after it, with no 单位代码 column:
    each sheet's rows are its community's, not the street's; a sheet named otherwise takes
    the unit the import was given."""
    header = HEADER[1:]
    path = write_xlsx(tmp_path / "东城街道台账.xlsx", {
        "东湖社区": [header, good("东湖培训")[1:]],
        "东山社区": [header, good("东山培训")[1:]],
        "街道本级": [header, good("街道培训")[1:]],
    })
    result = import_ledger_file(session, path, catalogue, today=TODAY, expect_unit="440307001",
                                options=ReadOptions(unit="440307001"))
    rows = session.execute(select(Activity.title, Activity.unit_code)
                           .order_by(Activity.unit_code)).all()
    assert rows == [("街道培训", "440307001"), ("东湖培训", "440307001001"),
                    ("东山培训", "440307001002")]
    assert "工作表“东山社区”没有“单位代码”列，各行记为 东山社区（440307001002）" in result.notes


# Merged cells ----------------------------------------------------------------------------


def _merged_book(path: Path, rows: Rows, merges: Sequence[str]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "3月"
    for row in rows:
        sheet.append(list(row))
    for cells in merges:
        sheet.merge_cells(cells)
    book.save(path)
    return path


def test_a_date_and_kind_merged_down_are_read_on_every_row(session, small_tree, catalogue,
                                                           tmp_path):
    """One 日期 and one 活动类型 merged over the rows of the same day: each row has them."""
    path = _merged_book(tmp_path / "台账.xlsx", [
        HEADER,
        [EAST_LAKE, "2025-03-05", "培训", "上午场", 1, 30],
        [EAST_LAKE, None, None, "下午场", 1, 25],
        [EAST_LAKE, None, None, "晚间场", 1, 12],
        [EAST_LAKE, "2025-03-09", "培训", "周末场", 1, 40],
    ], ["B2:B4", "C2:C4"])
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert result.rows_stored == 4
    assert stored(session) == [(date(2025, 3, 5), "上午场", 30), (date(2025, 3, 5), "下午场", 25),
                               (date(2025, 3, 5), "晚间场", 12), (date(2025, 3, 9), "周末场", 40)]
    assert "工作表“3月”第2—4行的“日期”是合并单元格，各行都按“2025-03-05”读取" in result.notes


def test_a_figure_merged_down_is_refused_not_counted_twice(session, small_tree, catalogue,
                                                          tmp_path):
    """60 人次 merged over two trainings is their total: reading it on both rows would
    report 120, so the file is refused, naming the cells, and nothing is stored."""
    path = _merged_book(tmp_path / "台账.xlsx", [
        HEADER,
        [EAST_LAKE, "2025-03-05", "培训", "上午场", 1, 60],
        [EAST_LAKE, "2025-03-05", "培训", "下午场", 1, None],
    ], ["F2:F3"])
    error = rejected(session, path, catalogue)
    assert [(e.sheet, e.row, e.column, e.value, e.code) for e in error.errors] == [
        ("3月", 2, "人次", "60", "merged_figure")]
    assert "第2、3行的“人次”是合并单元格，数字无法分到各行" in error.errors[0].message
    assert stored(session) == []


def test_a_two_row_header_is_read_as_one(session, small_tree, catalogue, tmp_path):
    """参与情况 over 场次 and 人次, the other headers merged over both rows: the lower row,
    filled from the merges, is the header."""
    path = _merged_book(tmp_path / "台账.xlsx", [
        ["单位代码", "日期", "活动类型", "主题", "参与情况", None],
        [None, None, None, None, "场次", "人次"],
        [EAST_LAKE, "2025-03-05", "培训", "育龄妇女培训", 1, 30],
    ], ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:F1"])
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert stored(session) == [(date(2025, 3, 5), "育龄妇女培训", 30)]
    assert "工作表“3月”：列名在第2行，数据1行" in result.notes


# Dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["2026-03-05 09:30", "2026/3/5 星期四", "2026年3月5日（周四）",
                                     "2026年3月5日上午", "2026.3.5 下午 14:30", "20260305",
                                     "2026-03-05T09:30:00", "2026 年 3 月 5 日", "2026.3.5.",
                                     "二〇二六年三月五日", "二零二六年三月五号"])
def test_a_date_with_its_weekday_or_time_is_that_day(session, small_tree, catalogue, tmp_path,
                                                      written):
    path = write_csv(tmp_path / "ledger.csv", [HEADER, good("培训", when=written)])
    assert import_ledger_file(session, path, catalogue, today=TODAY).rows_stored == 1
    assert [day for day, _title, _people in stored(session)] == [date(2026, 3, 5)]


@pytest.mark.parametrize("written", ["二〇二六年十三月五日", "二〇二六年二月三十日", "二〇二六年三月十十日",
                                     "26/3/5"])
def test_a_date_that_is_no_day_is_refused(session, small_tree, catalogue, tmp_path, written):
    path = write_csv(tmp_path / "ledger.csv", [HEADER, good("培训", when=written)])
    assert rejected(session, path, catalogue).errors[0].message == (
        f"日期“{written}”无法识别，请写成 2026-03-05、2026/3/5 或 2026年3月5日")


def test_a_span_of_days_says_which_day_to_write(session, small_tree, catalogue, tmp_path):
    path = write_csv(tmp_path / "ledger.csv", [HEADER, good("培训", when="2026-3-5至3-6")])
    assert rejected(session, path, catalogue).errors[0].message == (
        "日期“2026-3-5至3-6”是一段时间，请只填开始的那天（如 2026-3-5），结束日期可写在备注中")
