"""Reading .csv (three encodings) and .xlsx into rows numbered as Excel numbers them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from wenshu.errors import InputError, WenshuError
from wenshu.ingest.readers import Column, map_headers, read_table

CSV_TEXT = "单位代码,日期,主题\n440307001001,2026/3/5,育龄妇女健康知识培训\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_reads_the_same(tmp_path: Path, encoding: str):
    path = tmp_path / "ledger.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    table = read_table(path)
    assert table.headers == ["单位代码", "日期", "主题"]
    assert table.rows == [(2, {"单位代码": "440307001001", "日期": "2026/3/5", "主题": "育龄妇女健康知识培训"})]


def test_gb18030_file_is_really_not_utf8(tmp_path: Path):
    # Guards the test above: the GB18030 bytes must take the fallback path.
    with pytest.raises(UnicodeDecodeError):
        CSV_TEXT.encode("gb18030").decode("utf-8")


def test_csv_strips_spaces_skips_empty_rows_and_keeps_excel_numbers(tmp_path: Path):
    path = tmp_path / "ledger.csv"
    path.write_text(
        "\u3000单位代码 , 主题\u3000\n"
        "440307001001,\u3000入户走访 \n"
        ",\n"
        "\n"
        '440307001002,"两行\n的主题"\n',
        encoding="utf-8",
    )
    table = read_table(path)
    assert table.headers == ["单位代码", "主题"]
    assert table.rows == [
        (2, {"单位代码": "440307001001", "主题": "入户走访"}),
        (5, {"单位代码": "440307001002", "主题": "两行\n的主题"}),
    ]


def test_short_rows_are_padded_with_none(tmp_path: Path):
    path = tmp_path / "ledger.csv"
    path.write_text("单位代码,主题,备注\n440307001001,培训\n", encoding="utf-8")
    assert read_table(path).rows == [(2, {"单位代码": "440307001001", "主题": "培训", "备注": None})]


def test_xlsx_keeps_cell_types_and_row_numbers(tmp_path: Path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["单位代码", " 日期\u3000", "人次", "金额", "主题"])
    sheet.append([440307001001, datetime(2026, 3, 5), 30, 1234.5, " 培训 "])
    sheet.append([None, None, None, None, None])
    sheet.append(["440307001002", "2026年3月6日", None, None, "宣传"])
    path = tmp_path / "ledger.xlsx"
    workbook.save(path)

    table = read_table(path)
    assert table.headers == ["单位代码", "日期", "人次", "金额", "主题"]
    assert table.rows == [
        (2, {"单位代码": 440307001001, "日期": datetime(2026, 3, 5), "人次": 30, "金额": 1234.5, "主题": "培训"}),
        (4, {"单位代码": "440307001002", "日期": "2026年3月6日", "人次": None, "金额": None, "主题": "宣传"}),
    ]


def test_unsupported_extension_names_the_file(tmp_path: Path):
    path = tmp_path / "ledger.et"  # WPS's own format: saved as .xlsx or .xls, it is read
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(WenshuError, match=r"ledger\.et.*“\.et”，请使用 \.xlsx、\.xls 或 \.csv 文件"):
        read_table(path)


def test_damaged_xlsx_and_undecodable_csv_name_the_file(tmp_path: Path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(WenshuError, match=r"broken\.xlsx"):
        read_table(broken)
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x80\xff\xfe\x81")
    with pytest.raises(WenshuError, match=r"garbage\.csv.*编码"):
        read_table(garbage)
    with pytest.raises(WenshuError, match=r"missing\.csv.*不存在"):
        read_table(tmp_path / "missing.csv")


def test_repeated_header_and_data_without_header_are_errors(tmp_path: Path):
    path = tmp_path / "ledger.csv"
    path.write_text("备注,主题,备注\n甲,乙,丙\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert [(e.row, e.column, e.code) for e in caught.value.errors] == [(1, "备注", "duplicate_column")]

    path.write_text("主题,\n甲,\n乙,多出来的\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert [(e.row, e.column, e.code) for e in caught.value.errors] == [(3, "第B列", "unnamed_column")]


def test_blank_trailing_columns_are_ignored(tmp_path: Path):
    path = tmp_path / "ledger.csv"
    path.write_text("主题,,\n甲,,\n", encoding="utf-8")
    assert read_table(path).headers == ["主题"]


def test_chinese_label_english_field_and_alias_all_map():
    columns = [Column("code", "单位代码", ("代码",), required=True), Column("name", "名称")]
    assert map_headers("f.csv", ["CODE", "名称"], columns) == ({"code": "CODE", "name": "名称"}, [])
    assert map_headers("f.csv", ["代码"], columns)[0] == {"code": "代码"}
    _, errors = map_headers("f.csv", ["名称", "名字", "Name"], columns)
    assert [(e.column, e.code) for e in errors] == [
        ("名字", "unknown_column"), ("Name", "duplicate_column"), ("单位代码", "missing_column"),
    ]
