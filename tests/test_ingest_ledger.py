"""Ledger import: every error kind located by row and column, all-or-nothing, idempotency."""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wenshu.errors import InputError, NotFoundError
from wenshu.ingest import import_ledger_file, read_table
from wenshu.models.tables import Activity, SourceFile, Unit

TODAY = date(2026, 11, 1)
HEADER = ["单位代码", "日期", "活动类型", "主题", "场次", "人次", "户数", "份数", "金额", "备注"]
GOOD = {"单位代码": "440307001001", "日期": "2026-03-05", "活动类型": "培训", "主题": "育龄妇女健康知识培训",
        "场次": "1", "人次": "30"}


def write_ledger(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    """A ledger CSV with the given cells; cells not given are empty."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([[row.get(h, "") for h in header] for row in rows])
    return path


def report_rows(path: Path) -> list[tuple[str, str, str, str]]:
    """(行号, 列, 值, 错误代码) of each line of the error report on disk."""
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [(r["行号"], r["列"], r["值"], r["错误代码"]) for r in csv.DictReader(handle)]


def stored(session: Session) -> list[Activity]:
    return list(session.scalars(select(Activity).order_by(Activity.source_row)))


def rejected(session: Session, path: Path, catalogue, **kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        import_ledger_file(session, path, catalogue, today=TODAY, **kwargs)
    return caught.value


BAD_CELLS = [
    ({"单位代码": "4403070019"}, "单位代码", "unknown_unit"),
    ({"活动类型": "跳广场舞"}, "活动类型", "unknown_activity_type"),
    ({"日期": "2026-02-30"}, "日期", "bad_date"),
    ({"日期": "3月5日"}, "日期", "no_year"),  # no year in a sheet name, title or --year
    ({"日期": "2026-3/5"}, "日期", "bad_date"),
    ({"日期": "2026年3月"}, "日期", "bad_date"),
    ({"日期": "2026-3-5至3-6"}, "日期", "date_span"),  # which day? the clerk says
    ({"日期": "3月5日-6日"}, "日期", "date_span"),
    ({"日期": "1999-12-31"}, "日期", "date_out_of_range"),
    ({"日期": "2026-11-02"}, "日期", "future_date"),
    ({"人次": "12.5"}, "人次", "not_an_integer"),
    ({"人次": "若干"}, "人次", "not_a_number"),
    ({"人次": "约40"}, "人次", "approximate"),  # an estimate is not a figure to report
    ({"人次": "十十"}, "人次", "not_a_number"),  # no number in Chinese numerals either
    ({"份数": "200人"}, "份数", "not_a_number"),  # a unit word of another column
    ({"场次": "abc"}, "场次", "not_a_number"),
    ({"金额": "1,23"}, "金额", "not_a_number"),
    ({"人次": "-3"}, "人次", "negative"),
    ({"金额": "-5"}, "金额", "negative"),
    ({"金额": "1234.505"}, "金额", "too_many_decimals"),
    ({"主题": ""}, "主题", "required"),
    ({"单位代码": ""}, "单位代码", "required"),
    ({"人次": ""}, "人次", "required"),  # 培训 requires participants (catalogue: required: true)
    ({"主题": "长" * 201}, "主题", "too_long"),
]


@pytest.mark.parametrize(("cells", "column", "code"), BAD_CELLS)
def test_each_error_kind_is_located_and_nothing_is_stored(session, small_tree, catalogue, tmp_path,
                                                          cells, column, code):
    path = write_ledger(tmp_path / "ledger.csv", [GOOD, {**GOOD, "主题": "第二行", **cells}])
    error = rejected(session, path, catalogue)
    value = cells[column]
    assert [(e.row, e.column, e.value, e.code) for e in error.errors] == [(3, column, value, code)]
    assert error.errors[0].message  # the clerk gets an explanation, not just a code
    assert Path(error.report_path) == tmp_path / "ledger.errors.csv"
    assert report_rows(tmp_path / "ledger.errors.csv") == [("3", column, value, code)]
    session.flush()
    assert stored(session) == []
    assert session.scalar(select(func.count()).select_from(SourceFile)) == 0


def test_the_error_report_never_holds_a_formula(session, small_tree, catalogue, tmp_path):
    # Bad cells are echoed into the report clerks open in Excel: none may run there.
    bad = [("单位代码", '=HYPERLINK("http://x","y")'), ("人次", "+1+2"), ("场次", "@SUM(A1)"),
           ("人次", "-2+3"), ("人次", "-3")]
    path = write_ledger(tmp_path / "ledger.csv", [{**GOOD, column: value} for column, value in bad])
    error = rejected(session, path, catalogue)
    assert [(e.row, e.value) for e in error.errors] == [(row, value) for row, (_, value)
                                                        in enumerate(bad, start=2)]
    report = report_rows(Path(error.report_path))
    # Formula-like text gets Excel's ' in front; a rejected number still reads as itself.
    assert [value for _, _, value, _ in report] == [*("'" + v for _, v in bad[:4]), "-3"]


def test_messages_speak_the_clerks_language(session, small_tree, catalogue, tmp_path):
    path = write_ledger(tmp_path / "ledger.csv", [{**GOOD, "单位代码": "4403070019"},
                                                  {**GOOD, "主题": "二", "人次": "30户"}])
    error = rejected(session, path, catalogue)
    assert [e.message for e in error.errors] == [
        "单位代码“4403070019”不在单位名录中",
        "人次“30户”不是数字，请填写阿拉伯数字（可带单位“人次”“人”）"]


def test_every_problem_of_every_row_is_reported(session, small_tree, catalogue, tmp_path):
    path = write_ledger(tmp_path / "ledger.csv", [
        {**GOOD, "日期": "2026/13/1", "人次": "若干", "金额": "1.234"},
        GOOD,
        {**GOOD, "单位代码": "999", "活动类型": "跳舞"},
    ])
    error = rejected(session, path, catalogue)
    expected = [
        (2, "日期", "bad_date"), (2, "人次", "not_a_number"), (2, "金额", "too_many_decimals"),
        (4, "单位代码", "unknown_unit"), (4, "活动类型", "unknown_activity_type"),
    ]
    assert [(e.row, e.column, e.code) for e in error.errors] == expected
    assert [(int(r), c, code) for r, c, _, code in report_rows(Path(error.report_path))] == expected
    assert stored(session) == []


def test_duplicate_row_names_the_earlier_row(session, small_tree, catalogue, tmp_path):
    # Same content written differently (date form, type label vs key) is still the same row.
    path = write_ledger(tmp_path / "ledger.csv", [
        GOOD, {**GOOD, "主题": "另一场"}, {**GOOD, "日期": "2026年3月5日", "活动类型": "training"},
    ])
    error = rejected(session, path, catalogue)
    assert [(e.row, e.column, e.code) for e in error.errors] == [(4, "", "duplicate_row")]
    assert "第2行" in error.errors[0].message
    assert report_rows(Path(error.report_path)) == [("4", "", "", "duplicate_row")]


def test_missing_and_unknown_columns_reject_the_file(session, small_tree, catalogue, tmp_path):
    header = ["单位代码", "日期", "活动分组", "主题", "人次"]
    path = write_ledger(tmp_path / "ledger.csv", [{**GOOD, "活动分组": "培训"}], header)
    error = rejected(session, path, catalogue)
    assert [(e.row, e.column, e.code) for e in error.errors] == [
        (1, "活动分组", "unknown_column"), (1, "活动类型", "missing_column"),
    ]
    assert [(r, c, code) for r, c, _, code in report_rows(Path(error.report_path))] == [
        ("1", "活动分组", "unknown_column"), ("1", "活动类型", "missing_column"),
    ]
    # No row can be trusted when the columns are wrong, so skipping bad rows does not apply.
    assert rejected(session, path, catalogue, skip_invalid=True).errors == error.errors
    assert stored(session) == []


def test_accepted_forms_are_stored_as_typed_values(session, small_tree, catalogue, tmp_path):
    path = write_ledger(tmp_path / "ledger.csv", [
        {**GOOD, "日期": "2026/3/5", "人次": "30.0"},
        {**GOOD, "日期": "2026年3月6日", "活动类型": "慰问", "场次": "", "人次": "", "户数": "１２",
         "金额": "1,234.50"},
        {**GOOD, "日期": "2026.3.7", "活动类型": "publicity", "场次": "", "人次": "1,200", "份数": "500",
         "备注": "  社区广场  "},
        # A figure with its unit word, as clerks often type it.
        {**GOOD, "日期": "2026-3-8", "主题": "带单位", "场次": "2场", "人次": "50 人次", "份数": "200份",
         "金额": "800元"},
    ])
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert (result.rows_read, result.rows_stored, result.rows_rejected, result.errors) == (4, 4, 0, [])
    rows = stored(session)
    assert [(r.date, r.activity_type, r.participants) for r in rows] == [
        (date(2026, 3, 5), "training", 30), (date(2026, 3, 6), "aid", None),
        (date(2026, 3, 7), "publicity", 1200), (date(2026, 3, 8), "training", 50),
    ]
    assert (rows[1].households, rows[1].amount) == (12, Decimal("1234.50"))
    assert (rows[2].materials, rows[2].notes) == (500, "社区广场")
    assert (rows[3].sessions, rows[3].materials, rows[3].amount) == (2, 200, Decimal("800"))
    assert [r.source_row for r in rows] == [2, 3, 4, 5]


def test_english_headers_in_any_case(session, small_tree, catalogue, tmp_path):
    header = ["Unit_Code", "DATE", "activity_type", "Title", "sessions", "participants"]
    english = dict(zip(header, ["440307001001", "2026-03-05", "training", "Health training", "2", "40"]))
    path = write_ledger(tmp_path / "ledger.csv", [english], header)
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert result.rows_stored == 1
    assert [(r.title, r.sessions, r.participants) for r in stored(session)] == [("Health training", 2, 40)]


def test_skip_invalid_stores_good_rows_and_reports_bad_ones(session, small_tree, catalogue, tmp_path):
    path = write_ledger(tmp_path / "ledger.csv", [
        GOOD, {**GOOD, "人次": "-1"}, {**GOOD, "主题": "第三行"}, GOOD,
    ])
    result = import_ledger_file(session, path, catalogue, today=TODAY, skip_invalid=True)
    assert (result.rows_read, result.rows_stored, result.rows_rejected) == (4, 2, 2)
    assert [(e.row, e.code) for e in result.errors] == [(3, "negative"), (5, "duplicate_row")]
    assert result.error_report == tmp_path / "ledger.errors.csv"
    assert [(r, code) for r, _, _, code in report_rows(result.error_report)] == [
        ("3", "negative"), ("5", "duplicate_row"),
    ]
    assert [r.title for r in stored(session)] == ["育龄妇女健康知识培训", "第三行"]
    source = session.scalars(select(SourceFile)).one()
    assert (source.kind, source.rows_stored, source.rows_rejected) == ("ledger", 2, 2)


def test_clean_import_removes_a_stale_report(session, small_tree, catalogue, tmp_path):
    path = write_ledger(tmp_path / "ledger.csv", [{**GOOD, "人次": "abc"}])
    rejected(session, path, catalogue)
    assert (tmp_path / "ledger.errors.csv").exists()
    write_ledger(path, [GOOD])
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert result.error_report is None
    assert not (tmp_path / "ledger.errors.csv").exists()


def test_same_file_twice_is_a_no_op(session, small_tree, catalogue, tmp_path):
    path = write_ledger(tmp_path / "ledger.csv", [GOOD, {**GOOD, "主题": "第二场"}])
    first = import_ledger_file(session, path, catalogue, today=TODAY)
    session.commit()
    again = import_ledger_file(session, path, catalogue, today=TODAY)
    session.commit()
    assert (first.rows_stored, first.already_imported) == (2, False)
    assert (again.rows_stored, again.already_imported, again.sha256) == (0, True, first.sha256)
    assert len(stored(session)) == 2
    assert session.scalar(select(func.count()).select_from(SourceFile)) == 1


def test_overlapping_file_stores_only_new_rows(session, small_tree, catalogue, tmp_path):
    first = write_ledger(tmp_path / "march.csv", [GOOD, {**GOOD, "主题": "第二场"}])
    import_ledger_file(session, first, catalogue, today=TODAY)
    session.commit()
    # The same two activities (one written differently) plus one new one.
    second = write_ledger(tmp_path / "q1.csv", [
        {**GOOD, "日期": "2026/3/5", "活动类型": "training"}, {**GOOD, "主题": "第二场"},
        {**GOOD, "主题": "第三场"},
    ])
    result = import_ledger_file(session, second, catalogue, today=TODAY)
    session.commit()
    assert (result.rows_read, result.rows_stored, result.rows_existing, result.already_imported) == (3, 1, 2, False)
    assert sorted(r.title for r in stored(session)) == ["第三场", "第二场", "育龄妇女健康知识培训"]


def test_inbox_unit_rejects_rows_of_other_units(session, small_tree, catalogue, tmp_path):
    path = write_ledger(tmp_path / "ledger.csv", [
        {**GOOD, "单位代码": "440307001002"},  # 东山社区, inside 东城街道
        {**GOOD, "单位代码": "440307002001"},  # 西湖社区, another street
    ])
    error = rejected(session, path, catalogue, expect_unit="440307001")
    assert [(e.row, e.column, e.value, e.code) for e in error.errors] == [
        (3, "单位代码", "440307002001", "unit_mismatch"),
    ]
    assert "东城街道" in error.errors[0].message
    assert report_rows(Path(error.report_path)) == [("3", "单位代码", "440307002001", "unit_mismatch")]
    with pytest.raises(NotFoundError):
        import_ledger_file(session, path, catalogue, today=TODAY, expect_unit="999")


def test_a_unit_written_by_its_name_is_stored_by_its_code(session, small_tree, catalogue,
                                                         tmp_path):
    """Many offices write the unit's name: a name the register has once is read as that
    unit's code, under 单位代码 or a 单位名称 header; a name it has twice, one outside the
    inbox's units, or one it lacks is named in the row's error."""
    named = write_ledger(tmp_path / "named.csv", [{**GOOD, "单位代码": "东湖社区"}])
    assert import_ledger_file(session, named, catalogue, today=TODAY).rows_stored == 1
    header = ["单位名称", *HEADER[1:]]
    by_name = write_ledger(tmp_path / "by_name.csv", [
        {**GOOD, "单位名称": "东山社区", "主题": "二"}], header)
    assert import_ledger_file(session, by_name, catalogue, today=TODAY).rows_stored == 1
    assert [a.unit_code for a in stored(session)] == ["440307001001", "440307001002"]

    session.add(Unit(code="440307002009", name="东湖社区", level="community",
                     parent_code="440307002"))
    session.flush()
    path = write_ledger(tmp_path / "bad.csv", [
        {**GOOD, "单位名称": "东湖社区", "主题": "三"}, {**GOOD, "单位名称": "西湖社区", "主题": "四"},
        {**GOOD, "单位名称": "东湖社区居委会", "主题": "五"}, {**GOOD, "单位名称": "", "主题": "六"}],
        header)
    error = rejected(session, path, catalogue, expect_unit="440307001")
    assert [(e.row, e.column, e.code, e.message) for e in error.errors] == [
        (3, "单位名称", "unit_mismatch", "单位“西湖社区”（440307002001）不属于东城街道（440307001）及其下级单位"),
        (4, "单位名称", "unknown_unit", "单位“东湖社区居委会”不在单位名录中（请填写单位代码，或名录中的单位名称）"),
        (5, "单位名称", "required", "单位不能为空：请填写单位代码或单位名称")]
    error = rejected(session, path, catalogue)  # the whole district: 东湖社区 is two units
    assert (error.errors[0].code, error.errors[0].message) == (
        "ambiguous_unit", "单位名称“东湖社区”对应多个单位（440307001001、440307002009），请改填单位代码")


def test_a_unit_name_beside_its_code_is_checked_against_it(session, small_tree, catalogue,
                                                           tmp_path):
    """Many ledgers carry 单位名称 beside 单位代码 for the reader: it must name the same
    unit, or the row says which name the register gives that code."""
    header = ["单位代码", "单位名称", *HEADER[1:]]
    path = write_ledger(tmp_path / "both.csv", [
        {**GOOD, "单位名称": "东湖社区"},
        {**GOOD, "单位名称": "东山社区", "主题": "二"}], header)
    error = rejected(session, path, catalogue)
    assert [(e.row, e.column, e.code, e.message) for e in error.errors] == [
        (3, "单位名称", "unit_name_mismatch",
         "单位名称“东山社区”与单位代码“440307001001”不符（单位名录中 440307001001 是“东湖社区”）")]
    assert import_ledger_file(session, path, catalogue, today=TODAY,
                              skip_invalid=True).rows_stored == 1
    assert [a.unit_code for a in stored(session)] == ["440307001001"]


def test_xlsx_with_real_date_and_number_cells(session, small_tree, catalogue, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([440307001001, datetime(2026, 3, 5), "培训", "培训一", 2, 30.0, None, None, None, None])
    sheet.append([None] * len(HEADER))
    sheet.append(["440307001002", "2026/3/6", "慰问", "慰问一", None, None, 12, None, 1234.5, None])
    sheet.append(["440307001002", datetime(2026, 3, 7), "慰问", "慰问二", None, None, 3, None, 88.125, None])
    sheet.append(["440307001002", datetime(2026, 3, 8), "培训", "培训二", 1.5, 30, None, None, None, None])
    path = tmp_path / "ledger.xlsx"
    workbook.save(path)

    error = rejected(session, path, catalogue)
    # Excel row numbers: the empty row 3 still counts.
    assert [(e.row, e.column, e.value, e.code) for e in error.errors] == [
        (5, "金额", "88.125", "too_many_decimals"),
        (6, "场次", "1.5", "not_an_integer"),
    ]
    assert (tmp_path / "ledger.errors.csv").exists()

    result = import_ledger_file(session, path, catalogue, today=TODAY, skip_invalid=True)
    rows = stored(session)
    assert result.rows_stored == 2
    assert [(r.unit_code, r.date, r.sessions, r.participants, r.households, r.amount) for r in rows] == [
        ("440307001001", date(2026, 3, 5), 2, 30, None, None),
        ("440307001002", date(2026, 3, 6), None, None, 12, Decimal("1234.50")),
    ]


def xlsx_with_chinese_date_style(path: Path, rows: list[list[object]]) -> None:
    """An .xlsx whose date cells use Excel's built-in Chinese 年月日 format (numFmtId 31), as
    Chinese Excel writes it. openpyxl cannot write a built-in id it does not know, so the
    styles part is patched afterwards."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, datetime):
                cell.number_format = 'yyyy"年"m"月"d"日"'
    workbook.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    styles = re.sub(r"<numFmts.*?</numFmts>", "", parts["xl/styles.xml"].decode())
    styles, count = re.subn(r'numFmtId="16\d"', 'numFmtId="31"', styles)
    assert count
    parts["xl/styles.xml"] = styles.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_xlsx_date_in_chinese_builtin_format(session, small_tree, catalogue, tmp_path):
    path = tmp_path / "ledger.xlsx"
    header = ["单位代码", "日期", "活动类型", "主题", "场次"]
    xlsx_with_chinese_date_style(path, [header, ["440307001001", datetime(2026, 3, 5), "会议", "例会", 1]])
    # openpyxl does not know id 31 is a date and hands over Excel's serial number.
    assert read_table(path).rows[0][1]["日期"] == 46086
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    assert result.rows_stored == 1
    assert [r.date for r in stored(session)] == [date(2026, 3, 5)]
    # The same activity typed into a CSV is recognised as already stored.
    csv_path = write_ledger(tmp_path / "typed.csv", [dict(zip(header, ["440307001001", "2026-03-05", "会议", "例会", "1"]))])
    assert import_ledger_file(session, csv_path, catalogue, today=TODAY).rows_existing == 1


def test_bulk_import_counts(session, small_tree, catalogue, tmp_path):
    rows = [{**GOOD, "主题": f"第{i}期培训", "日期": f"2026-{1 + i % 9}-{1 + i % 28}"} for i in range(2500)]
    path = write_ledger(tmp_path / "big.csv", rows)
    result = import_ledger_file(session, path, catalogue, today=TODAY)
    session.commit()
    assert (result.rows_read, result.rows_stored) == (2500, 2500)
    assert session.scalar(select(func.count()).select_from(Activity)) == 2500
    # Hashes are checked in chunks: a second file with all of them finds every one.
    again = write_ledger(tmp_path / "again.csv", list(reversed(rows)))
    assert import_ledger_file(session, again, catalogue, today=TODAY).rows_existing == 2500
