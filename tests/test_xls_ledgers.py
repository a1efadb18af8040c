"""Excel 97–2003 workbooks (.xls), as offices' older Excel and WPS still save them: they
import as their .xlsx twins do, with merged, hidden and date cells read the same way, by
the library call the CLI makes and through the upload page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
import xlwt
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web_client import Session
from tests.web_office import build_office
from wenshu.collect import collect_file, inbox_files
from wenshu.errors import InputError, WenshuError
from wenshu.ingest import import_ledger_file
from wenshu.ingest.workbook import read_sheets
from wenshu.models.tables import Activity
from wenshu.settings import Settings
from wenshu.uploads import sniff
from wenshu.web.app import create_app

TODAY = date(2026, 11, 1)
EAST_LAKE = "440307001001"
HEADER = ["单位代码", "日期", "活动类型", "主题", "场次", "人次", "备注"]
Rows = Sequence[Sequence[object]]
# Merges as xlwt takes them: first row, last row, first column, last column (0-based).
Merge = tuple[int, int, int, int]


def write_xls(path: Path, sheets: dict[str, Rows], *, merges: Sequence[Merge] = (),
              hidden_rows: Sequence[int] = ()) -> Path:
    """An .xls (BIFF8, as Excel 97–2003 saves it); ``merges`` and ``hidden_rows`` (0-based)
    apply to the first sheet, and a merge's value is its first cell's."""
    book = xlwt.Workbook(encoding="utf-8")
    dated = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for index, (name, rows) in enumerate(sheets.items()):
        sheet = book.add_sheet(name)
        covered = {(r, c) for top, bottom, left, right in (merges if index == 0 else ())
                   for r in range(top, bottom + 1) for c in range(left, right + 1)
                   if (r, c) != (top, left)}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None and (r, c) not in covered:
                    sheet.write(r, c, value, dated if isinstance(value, datetime) else
                                xlwt.Style.default_style)
        if index == 0:
            for top, bottom, left, right in merges:
                sheet.merge(top, bottom, left, right)
            for r in hidden_rows:
                sheet.row(r).hidden = True
    book.save(str(path))
    return path


@pytest.fixture
def office_xls(tmp_path: Path) -> Path:
    """An office's .xls: a title merged across, a date merged down over a day's two rows,
    a hidden row, a 合计 row, a date cell and a text date, and a 填表说明 sheet."""
    return write_xls(tmp_path / "东湖社区台账.xls", {
        "3月": [["东湖社区2025年3月工作台账"], HEADER,
                [int(EAST_LAKE), datetime(2025, 3, 5), "培训", "上午场", 1, 30],
                [int(EAST_LAKE), None, "培训", "下午场", 1, 25.0],
                [int(EAST_LAKE), "2025年3月9日", "培训", "周末培训", 1, 80, "隐藏行"],
                ["合计", None, None, None, 3, 135]],
        "填表说明": [["每项活动填一行"]],
    }, merges=[(0, 0, 0, 6), (2, 3, 1, 1)], hidden_rows=[4])


def test_an_xls_reads_as_its_xlsx_twin(office_xls: Path) -> None:
    sheets = read_sheets(office_xls, office_xls.name)
    assert [s.name for s in sheets] == ["3月", "填表说明"]
    month = sheets[0]
    assert month.rows[2][:6] == [440307001001, datetime(2025, 3, 5), "培训", "上午场", 1, 30]
    assert month.rows[3][3:6] == ["下午场", 1, 25]  # 25.0 is stored as a number: a whole one
    assert month.merged_down == ((2, 3, 4),) and month.hidden_rows == frozenset({5})


def test_an_xls_ledger_imports_with_every_row_and_note(session, small_tree, catalogue,
                                                       office_xls: Path) -> None:
    result = import_ledger_file(session, office_xls, catalogue, today=TODAY)
    assert (result.rows_read, result.rows_stored, result.errors) == (3, 3, [])
    stored = [(a.unit_code, a.date, a.title, a.participants)
              for a in session.scalars(select(Activity).order_by(Activity.source_row))]
    assert stored == [(EAST_LAKE, date(2025, 3, 5), "上午场", 30),
                      (EAST_LAKE, date(2025, 3, 5), "下午场", 25),
                      (EAST_LAKE, date(2025, 3, 9), "周末培训", 80)]
    notes = "\n".join(result.notes)
    assert "工作表“3月”第5行是隐藏行，已照常导入" in notes
    assert "工作表“3月”第6行是合计行，已与各行核对" in notes
    assert "工作表“填表说明”只有文字说明" in notes
    assert "工作表“3月”第3、4行的“日期”是合并单元格，各行都按“2025-03-05”读取" in notes


def test_a_bad_xls_row_is_named_like_any_other(session, small_tree, catalogue,
                                               tmp_path: Path) -> None:
    path = write_xls(tmp_path / "坏台账.xls", {"台账": [
        HEADER, [EAST_LAKE, "2025-03-05", "跳广场舞", "健身", 1, 20]]})
    with pytest.raises(InputError) as caught:
        import_ledger_file(session, path, catalogue, today=TODAY)
    assert [(e.file, e.sheet, e.row, e.column, e.code) for e in caught.value.errors] == [
        ("坏台账.xls", "台账", 2, "活动类型", "unknown_activity_type")]


def test_a_file_that_only_looks_like_an_xls_is_refused_by_name(tmp_path: Path) -> None:
    fake = tmp_path / "台账.xls"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert sniff(fake.read_bytes()) == "xls"
    with pytest.raises(WenshuError, match=r"^台账.xls: 不是有效的 .xls 文件，无法打开"):
        read_sheets(fake, fake.name)


def test_a_clerk_uploads_an_xls_from_the_page(tmp_path: Path) -> None:
    """The upload page takes the .xls as it comes from the office PC and stores its rows."""
    settings = Settings(home=tmp_path / "home")
    office = build_office(settings, tmp_path / "inputs")
    path = write_xls(tmp_path / "东湖社区4月台账.xls", {"4月": [
        HEADER, [EAST_LAKE, datetime(2025, 4, 8), "培训", "四月培训", 1, 33]]})
    app = create_app(settings, warm=False)
    with TestClient(app):
        clerk = Session(app, office.clerk)
        page = clerk.post("/data/upload", {"purpose": "ledger", "unit": EAST_LAKE},
                          files={"file": (path.name, path.read_bytes(),
                                          "application/vnd.ms-excel")}).text
    assert "已导入：读取 1 行，新保存 1 行" in page, page
    assert ('<p id="next-steps">接下来：<a href="/">查看本期报送与指标</a> · '
            '<a href="/documents/new">生成文书</a>') in page


def test_an_xls_handed_in_to_an_inbox_is_collected(db_settings: Settings, small_tree,
                                                   catalogue, tmp_path: Path) -> None:
    """A community drops its .xls in its inbox folder: collection finds it, imports it
    for that unit (the file has no 单位代码 column) and files it under done/."""
    folder = tmp_path / "inbox" / EAST_LAKE
    folder.mkdir(parents=True)
    write_xls(folder / "东湖社区3月台账.xls", {"2025年3月": [
        HEADER[1:], [datetime(2025, 3, 5), "培训", "三月培训", 1, 30]]})
    assert inbox_files(tmp_path / "inbox") == [(EAST_LAKE, folder / "东湖社区3月台账.xls")]
    outcome = collect_file(db_settings, catalogue, EAST_LAKE, folder / "东湖社区3月台账.xls",
                           today=TODAY)
    assert (outcome.status, outcome.rows_stored) == ("imported", 1)
    assert outcome.moved_to == folder / "done" / "东湖社区3月台账.xls"
