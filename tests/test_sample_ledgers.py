"""The sample ledgers clerks are pointed to (tests/samples/ledgers/): each imports, and stores
the rows a clerk would count by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.samples.make_ledgers import FOLDER, SAMPLES, UNIT_OF
from wenshu.ingest import ReadOptions, import_ledger_file
from wenshu.models.tables import Activity

TODAY = date(2026, 1, 1)
# What a clerk checks against the paper ledger: rows, their unit(s), the first and last
# date, and the 人次, 户数 and 金额 totals.
EXPECTED = {
    "01_标题行与填报单位.xlsx": (5, {"440307001001"}, "2025-01-10", "2025-03-26", 187, 24, "1800"),
    "02_序号列_GB18030.csv": (4, {"440307001001"}, "2025-04-03", "2025-05-22", 296, 0, "0"),
    "03_小计合计.xlsx": (5, {"440307001002"}, "2025-01-08", "2025-02-26", 175, 12, "0"),
    "04_按月分表.xlsx": (5, {"440307002001"}, "2025-01-09", "2025-03-08", 217, 8, "0"),
    "05_不带年份的日期_UTF8-BOM.csv": (4, {"440307002002"}, "2025-01-08", "2025-03-21", 123, 9, "0"),
    "06_无单位代码列.xlsx": (3, {"440307001002"}, "2025-04-10", "2025-05-15", 134, 0, "2600.5"),
    "07_隐藏行.xlsx": (5, {"440307001001"}, "2025-06-03", "2025-06-30", 167, 7, "0"),
    "08_综合示例.xlsx": (7, {"440307002001"}, "2025-01-06", "2025-03-19", 345, 10, "0"),
    "09_常用列名与填表说明.xlsx": (3, {"440307002002"}, "2025-07-02", "2025-07-22", 203, 9, "800"),
    "10_合并单元格.xlsx": (3, {"440307001002"}, "2025-08-05", "2025-08-19", 95, 0, "0"),
}


def test_every_sample_has_its_expectation():
    assert sorted(EXPECTED) == sorted(SAMPLES) == sorted(p.name for p in FOLDER.iterdir())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_ledger_imports_as_the_clerk_counts_it(session, small_tree, catalogue, name):
    options = ReadOptions(unit=UNIT_OF.get(name))
    result = import_ledger_file(session, FOLDER / name, catalogue, today=TODAY, options=options)
    session.commit()
    rows = list(session.scalars(select(Activity)))
    count, units, first, last, people, households, amount = EXPECTED[name]
    assert (result.rows_read, result.rows_stored, result.errors) == (count, count, [])
    assert {r.unit_code for r in rows} == units
    assert (min(r.date for r in rows), max(r.date for r in rows)) == (
        date.fromisoformat(first), date.fromisoformat(last))
    assert sum(r.participants or 0 for r in rows) == people
    assert sum(r.households or 0 for r in rows) == households
    assert sum((r.amount or Decimal(0) for r in rows), Decimal(0)) == Decimal(amount)
    assert result.notes, "the clerk is told how the file was read"
    again = import_ledger_file(session, FOLDER / name, catalogue, today=TODAY, options=options)
    assert again.already_imported


def test_the_all_in_one_sample_is_read_as_laid_out(session, small_tree, catalogue):
    name = "08_综合示例.xlsx"
    result = import_ledger_file(session, FOLDER / name, catalogue, today=TODAY,
                                options=ReadOptions(unit=UNIT_OF[name]))
    notes = "\n".join(result.notes)
    for sheet, rows in (("1月", 2), ("2月", 3), ("3月", 2)):
        assert f"工作表“{sheet}”：列名在第3行，数据{rows}行" in notes
        assert f"工作表“{sheet}”第1、2行在列名行（第3行）之上，未作为数据导入" in notes
        assert f"工作表“{sheet}”没有年份的日期按2025年读取（取自标题行）" in notes
        assert f"工作表“{sheet}”没有“单位代码”列，各行记为 西湖社区（440307002001）" in notes
    assert "工作表“2月”第7行是合计行，已与各行核对，未作为数据导入" in notes
    assert "工作表“2月”第5行是隐藏行，已照常导入" in notes
    stored = {(r.date, r.title, r.source_row) for r in session.scalars(select(Activity))}
    assert (date(2025, 3, 7), "三八节妇女健康讲座", 4) in stored
