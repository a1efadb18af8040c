"""The blank 工作台账 a clerk downloads from the upload page: the columns wenshu reads,
Excel's own checks, a 填表说明 sheet; filled in and uploaded, it imports as it is."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from tests.people import ADMIN
from tests.web_client import Session
from tests.web_office import Office, build_office
from wenshu.db import session_scope
from wenshu.models.tables import Activity
from wenshu.settings import Settings
from wenshu.web.app import create_app

YEAR = date.today().year


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[FastAPI, Office, Settings]]:
    settings = Settings(home=tmp_path / "home")
    office = build_office(settings, tmp_path / "inputs")
    app = create_app(settings, warm=False)
    with TestClient(app):
        yield app, office, settings


def _download(user: Session, page: str = "/data/upload") -> bytes:
    """Follow the upload page's 下载台账模板 link."""
    html = user.get(page).text
    start = html.index('href="', html.index('id="ledger-template"') - 200) + len('href="')
    link = html[start:html.index('"', start)].replace("&amp;", "&")
    response = user.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return response.content


def _fill(sheet: Worksheet, row: int, values: list[object]) -> None:
    """Type ``values`` into ``row``, as a clerk fills the template's first rows."""
    for column, value in enumerate(values, start=1):
        sheet.cell(row, column, value)


def _upload(user: Session, name: str, content: bytes) -> str:
    return user.post("/data/upload", {"purpose": "ledger"},
                     files={"file": (name, content, "application/octet-stream")}).text


def test_a_clerks_template_is_the_ledger_wenshu_reads(
        site: tuple[FastAPI, Office, Settings]) -> None:
    app, office, settings = site
    clerk = Session(app, office.clerk)
    book = load_workbook(io.BytesIO(_download(clerk)))
    assert book.sheetnames == ["台账", "选项", "填表说明"] and book["选项"].sheet_state == "hidden"
    sheet = book["台账"]
    assert sheet["A1"].value == f"东湖社区{YEAR}年工作台账"
    assert [c.value for c in sheet[2]] == ["日期", "活动类型", "主题", "场次", "人次", "户数",
                                          "份数", "金额", "备注"]  # one unit: no unit column
    listed = [row[0].value for row in book["选项"].iter_rows()]
    assert "培训" in listed and "入户走访" in listed
    lists = [r for r in sheet.data_validations.dataValidation if r.type == "list"]
    assert [(r.formula1, str(r.sqref)) for r in lists] == [
        (f"'选项'!$A$1:$A${len(listed)}", "B3:B502")]  # 活动类型, from the catalogue
    guide = [[c.value for c in row] for row in book["填表说明"].iter_rows()]
    assert ["培训", "场次、人次"] in guide and ["入户走访", "户数"] in guide

    # Filled in as a clerk would, dates without the year (the title has it), and uploaded.
    _fill(sheet, 3, [f"{YEAR}-01-01", "培训", "育龄妇女培训", 1, 30])
    _fill(sheet, 4, ["1月1日", "入户走访", "计生家庭走访", None, None, 6])
    filled = io.BytesIO()
    book.save(filled)
    page = _upload(clerk, f"东湖社区{YEAR}年工作台账.xlsx", filled.getvalue())
    assert "已导入：读取 2 行，新保存 2 行" in page, page
    assert "工作表“填表说明”只有文字说明，没有列名行，看作填表说明，未导入" in page
    assert "工作表“选项”是隐藏的工作表，其中没有列名行，未导入" in page
    with session_scope(settings) as session:
        rows = session.execute(select(Activity.unit_code, Activity.date, Activity.households)
                               .where(Activity.title.in_(("育龄妇女培训", "计生家庭走访")))
                               .order_by(Activity.title)).all()
    assert rows == [("440307001001", date(YEAR, 1, 1), None),
                    ("440307001001", date(YEAR, 1, 1), 6)]


def test_a_supervisors_template_picks_the_unit_by_name(
        site: tuple[FastAPI, Office, Settings]) -> None:
    app, office, settings = site
    street = Session(app, office.street)
    book = load_workbook(io.BytesIO(_download(street)))
    sheet = book["台账"]
    assert sheet["A1"].value == f"东城街道{YEAR}年工作台账"
    assert sheet["A2"].value == "单位名称"
    names = [row[1].value for row in book["选项"].iter_rows() if row[1].value]
    assert names == ["东城街道", "东湖社区", "东山社区"]
    _fill(sheet, 3, ["东山社区", f"{YEAR}-01-01", "培训", "网格员培训", 1, 12])
    filled = io.BytesIO()
    book.save(filled)
    assert "新保存 1 行" in _upload(street, "街道台账.xlsx", filled.getvalue())
    with session_scope(settings) as session:
        assert session.scalars(select(Activity.unit_code)
                               .where(Activity.title == "网格员培训")).all() == ["440307001002"]


def test_a_template_for_a_unit_not_ones_own_is_refused(
        site: tuple[FastAPI, Office, Settings]) -> None:
    app, office, _ = site
    refused = Session(app, office.clerk).get("/data/ledger-template.xlsx?unit=440307002001")
    assert refused.status_code == 403 and "拒绝" in refused.text


def test_the_cli_writes_the_same_template(office: Path, wenshu: Callable[..., str],
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    """``wenshu ledger template`` writes what the page offers, for the acting user's unit,
    named after the unit and year unless told where."""
    monkeypatch.chdir(tmp_path)
    written = wenshu("ledger", "template", "--unit", "440307001", "--year", "2025")
    assert f"wrote {tmp_path / '东城街道2025年工作台账.xlsx'}" in written
    sheet = load_workbook(tmp_path / "东城街道2025年工作台账.xlsx")["台账"]
    assert (sheet["A1"].value, sheet["A2"].value) == ("东城街道2025年工作台账", "单位名称")
    out = tmp_path / "台账.xlsx"
    assert f"wrote {out}" in wenshu("ledger", "template", "--out", str(out))
    assert load_workbook(out)["台账"]["A1"].value == f"示范区{YEAR}年工作台账"
    refused = wenshu("--user", ADMIN, "ledger", "template", expect=1)
    assert "拒绝" in refused and "Traceback" not in refused
