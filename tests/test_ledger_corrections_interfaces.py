"""Handing in a corrected ledger on the upload page, through the API, on the command line
and in an inbox: each asks before it changes what is stored, and says what it changed."""

from __future__ import annotations

import io
import re
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import quote

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.ledger_books import CORRECTED, EAST_LAKE, HEADER, YEAR, good, write_csv
from tests.people import cli_add_user, cli_admin_and_units
from tests.web_client import Session
from wenshu.collect import collect_file
from wenshu.models.catalogue import load_catalogue
from wenshu.periods import Period
from wenshu.services.overview import submission


def rows_counted(settings) -> int:  # noqa: ANN001
    """台账记录 of 东湖社区 in 2025, as its home page counts them."""
    return submission(settings, [EAST_LAKE], Period.parse("2025")).rows


def csv_bytes(rows: list[list[object]]) -> bytes:
    """A ledger CSV's bytes, as a clerk's file holds them."""
    with TemporaryDirectory() as folder:
        return write_csv(Path(folder) / "台账.csv", [HEADER, *rows]).read_bytes()


def _upload(clerk: Session, name: str, rows: list[list[object]]):  # noqa: ANN202
    return clerk.post("/data/upload", {"purpose": "ledger", "unit": EAST_LAKE},
                      files={"file": (name, csv_bytes(rows), "text/csv")})


def test_the_upload_page_asks_then_corrects(web, db_settings, staff):
    clerk = Session(web, staff.clerk.name)
    assert "新保存 4 行" in _upload(clerk, "台账.csv", YEAR).text
    page = _upload(clerk, "台账（修改）.csv", CORRECTED)
    assert page.status_code == 200, page.text
    assert "与已保存的台账有出入（更正 1 条，本文件中没有 1 条），尚未保存" in page.text
    table = page.text[page.text.index('id="differences"'):]
    assert "50 → 60" in table and "东湖社区 2025年4月8日 培训“孕前检查政策解读”" in table
    assert 'id="revise-replace"' in page.text and 'id="revise-add"' in page.text
    assert rows_counted(db_settings) == 4  # nothing stored yet
    upload_id = re.search(r'action="/data/uploads/([0-9a-f]{32})/import"', page.text).group(1)
    report = clerk.get(f"/data/uploads/{upload_id}/errors.csv").content.decode("utf-8-sig")
    assert "corrects_stored" in report and "left_out" in report

    done = clerk.post(f"/data/uploads/{upload_id}/import", {"revise": "replace"})
    assert done.status_code == 200, done.text
    assert "新保存 2 行，已存在 2 行；按本文件更正或撤回已保存的记录 2 条" in done.text
    assert "已按本文件更正" in done.text and "已撤回" in done.text
    assert rows_counted(db_settings) == 4  # 4 − the two withdrawn + the fixed one + June's


def test_the_upload_page_can_keep_both(web, db_settings, staff):
    clerk = Session(web, staff.clerk.name)
    _upload(clerk, "台账.csv", YEAR)
    page = _upload(clerk, "另一本.csv", CORRECTED)
    upload_id = re.search(r'action="/data/uploads/([0-9a-f]{32})/import"', page.text).group(1)
    done = clerk.post(f"/data/uploads/{upload_id}/import", {"revise": "add"})
    assert "新保存 2 行，已存在 2 行。" in done.text
    assert rows_counted(db_settings) == 6
    refused = clerk.post(f"/data/uploads/{upload_id}/import", {"revise": "delete"})
    assert refused.status_code == 400


def test_the_api_answers_409_with_the_differences(web, db_settings, staff):
    clerk = Session(web, staff.clerk.name)

    def handed_in(name: str, rows: list[list[object]]) -> str:
        reply = clerk.api("POST", "/api/v1/uploads", data={"purpose": "ledger"},
                          files={"file": (name, csv_bytes(rows), "text/csv")})
        assert reply.status_code in (200, 201), reply.text
        return reply.json()["id"]

    first = clerk.api("POST", "/api/v1/imports", json={"upload_id": handed_in("台账.csv", YEAR)})
    assert first.json()["rows_stored"] == 4
    upload_id = handed_in("台账（修改）.csv", CORRECTED)
    asked = clerk.api("POST", "/api/v1/imports", json={"upload_id": upload_id})
    assert asked.status_code == 409
    assert [(d["row"], d["column"], d["value"]) for d in asked.json()["differences"]] == [
        (2, "人次", "50 → 60"), (0, "", "")]
    done = clerk.api("POST", "/api/v1/imports", json={"upload_id": upload_id, "revise": "replace"})
    assert done.status_code == 200, done.text
    assert done.json()["rows_withdrawn"] == 2 and len(done.json()["revisions"]) == 2


def test_an_inbox_file_that_corrects_is_set_aside_with_its_differences(db_settings, staff,
                                                                       tmp_path):
    catalogue = load_catalogue(db_settings.catalogue_dir)
    folder = tmp_path / "inbox" / EAST_LAKE
    folder.mkdir(parents=True)
    write_csv(folder / "台账.csv", [HEADER, *YEAR])
    assert collect_file(db_settings, catalogue, EAST_LAKE, folder / "台账.csv").status == "imported"
    write_csv(folder / "台账2.csv", [HEADER, *CORRECTED])
    outcome = collect_file(db_settings, catalogue, EAST_LAKE, folder / "台账2.csv")
    assert (outcome.status, outcome.errors) == ("rejected", 2)
    assert "请在网页“上传台账”中上传此文件" in outcome.message
    report = (folder / "rejected" / "台账2.errors.csv").read_text(encoding="utf-8-sig")
    assert "50 → 60" in report
    assert rows_counted(db_settings) == 4


def test_the_command_line_asks_for_revise(wenshu, tmp_path: Path):
    cli_admin_and_units(wenshu, tmp_path)
    cli_add_user(wenshu, "办事员", "clerk", EAST_LAKE)
    first = write_csv(tmp_path / "台账.csv", [HEADER, *YEAR])
    fixed = write_csv(tmp_path / "台账（修改）.csv", [HEADER, *CORRECTED])
    wenshu("--user", "办事员", "ledger", "import", str(first))
    out = wenshu("--user", "办事员", "ledger", "import", str(fixed), expect=1)
    assert "Differences from the stored rows" in out and "50 → 60" in out
    assert "--revise replace" in out
    out = wenshu("--user", "办事员", "ledger", "import", str(fixed), "--revise", "replace")
    assert "Stored rows corrected or withdrawn" in out and "已撤回" in out
    wenshu("--user", "办事员", "ledger", "template", "--stored", "2025", "--out",
           str(tmp_path / "已报送.xlsx"))
    sheet = _stored_sheet((tmp_path / "已报送.xlsx").read_bytes())
    assert [(row[2], row[4]) for row in sheet.iter_rows(min_row=3, values_only=True)
            if row[0]] == [("育龄妇女健康知识培训", 60), ("优生优育讲座", 40),
                           ("青春期健康教育", 30), ("计生协会员培训", 20)]


def _stored_sheet(content: bytes) -> Worksheet:
    return load_workbook(io.BytesIO(content)).active


def test_the_stored_ledger_comes_back_to_correct(web, db_settings, staff):
    clerk = Session(web, staff.clerk.name)
    odd = [*YEAR, good("=1+1", 12, "2025-06-20")]  # a title a spreadsheet would run
    assert "新保存 5 行" in _upload(clerk, "台账.csv", odd).text
    home = clerk.get(f"/units/{EAST_LAKE}?period=2025").text
    link = re.search(r'href="([^"]+)" id="stored-ledger"', home).group(1).replace("&amp;", "&")
    reply = clerk.get(link)
    assert reply.status_code == 200
    assert "filename*=UTF-8''" + quote("东湖社区2025年已报送台账.xlsx") in reply.headers[
        "content-disposition"]
    sheet = _stored_sheet(reply.content)
    rows = [row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]]
    assert [(row[2], row[4]) for row in rows] == [
        ("育龄妇女健康知识培训", 50), ("优生优育讲座", 40), ("孕前检查政策解读", 25),
        ("青春期健康教育", 30), ("=1+1", 12)]
    formula = sheet.cell(7, 3)
    assert (formula.data_type, formula.quotePrefix) == ("s", True)  # text, never run

    # Handed in unchanged: nothing differs. One figure fixed: only that row is corrected.
    def hand_in(content: bytes) -> str:
        return clerk.post("/data/upload", {"purpose": "ledger", "unit": EAST_LAKE},
                          files={"file": ("已报送台账.xlsx", content, "application/octet-stream")}
                          ).text

    assert "新保存 0 行，已存在 5 行" in hand_in(reply.content)
    book = load_workbook(io.BytesIO(reply.content))
    book.active.cell(3, 5).value = 60
    edited = io.BytesIO()
    book.save(edited)
    page = hand_in(edited.getvalue())
    assert "与已保存的台账有出入（更正 1 条），尚未保存" in page and "50 → 60" in page


def test_a_month_deleted_from_the_stored_ledger_is_left_out(web, db_settings, staff):
    clerk = Session(web, staff.clerk.name)
    _upload(clerk, "台账.csv", YEAR)
    stored = clerk.get(f"/data/ledger-template.xlsx?unit={EAST_LAKE}&stored=2025").content
    # Handed in after the download, so not in it: never taken as left out.
    assert "新保存 1 行" in _upload(clerk, "六月.csv", [good("计生协会员培训", 20, "2025-06-03")]).text
    book = load_workbook(io.BytesIO(stored))
    sheet = book.active
    (may,) = [row for row in range(3, sheet.max_row + 1)
              if sheet.cell(row, 3).value == "青春期健康教育"]
    sheet.delete_rows(may)  # the only row of May, the last month the file had
    edited = io.BytesIO()
    book.save(edited)
    page = clerk.post("/data/upload", {"purpose": "ledger", "unit": EAST_LAKE},
                      files={"file": ("已报送台账.xlsx", edited.getvalue(),
                                      "application/octet-stream")})
    assert "与已保存的台账有出入（本文件中没有 1 条），尚未保存" in page.text
    table = page.text[page.text.index('id="differences"'):]
    assert "2025年5月12日 培训“青春期健康教育”" in table and "计生协会员培训" not in table
    assert "本文件是从本系统下载的已报送台账（2025年1月1日至2025年12月31日的记录）" in page.text
    upload_id = re.search(r'action="/data/uploads/([0-9a-f]{32})/import"', page.text).group(1)
    done = clerk.post(f"/data/uploads/{upload_id}/import", {"revise": "replace"})
    assert "按本文件更正或撤回已保存的记录 1 条" in done.text
    assert rows_counted(db_settings) == 4  # March's two, April's and June's
