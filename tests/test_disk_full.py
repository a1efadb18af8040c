"""When a disk is full (the database's, the data directory's, the archive's), the user is
told 存储空间已满 and to call the administrator, not 内部错误 or a traceback; no part of a
file is kept and nothing is recorded; once there is room the same action goes through."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, func, select

from tests.ledger_books import EAST_LAKE, HEADER, YEAR, good, write_csv
from tests.outages import full_disk
from tests.people import cli_add_user, cli_admin_and_units
from tests.test_busy import run_job
from tests.test_ledger_corrections_interfaces import csv_bytes, rows_counted
from tests.web_client import Session
from wenshu.db import get_engine, session_scope
from wenshu.models.access_tables import Upload
from wenshu.models.tables import DocumentVersion
from wenshu.settings import Settings, get_settings

FULL = "存储空间已满：数据无法写入磁盘，本次操作未能完成，请联系系统管理员腾出磁盘空间"


def _count(settings: Settings, table: type) -> int:
    with session_scope(settings) as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def _files(folder: Path, filler: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file() and path != filler]


def test_an_upload_to_a_full_disk_says_so_and_keeps_nothing(web, db_settings, staff):
    clerk = Session(web, staff.clerk.name)
    uploads = db_settings.home / "uploads"
    with full_disk(uploads) as filler:
        page = clerk.post("/data/upload", {"purpose": "ledger", "unit": EAST_LAKE},
                          files={"file": ("台账.csv", csv_bytes(YEAR), "text/csv")})
        assert page.status_code == 503, page.text
        assert "<h1>存储空间已满</h1>" in page.text and FULL in page.text
        assert "Retry-After" not in page.headers  # trying again will not help: call the admin
        assert _files(uploads, filler) == [] and _count(db_settings, Upload) == 0
        filler.unlink()
        again = clerk.post("/data/upload", {"purpose": "ledger", "unit": EAST_LAKE},
                           files={"file": ("台账.csv", csv_bytes(YEAR), "text/csv")})
    assert again.status_code == 200 and "新保存 4 行" in again.text, again.text
    assert rows_counted(db_settings) == 4


def test_a_job_filing_into_a_full_archive_fails_saying_so_and_files_nothing(
        db_settings, staff, file_document):
    archive = db_settings.archive_dir
    body = [f"第{n}段：全年开展育龄妇女健康培训，覆盖辖区各小区。" * 20 for n in range(40)]

    def work(_job_id: str) -> dict[str, int]:
        return {"version": file_document(EAST_LAKE, "2025", *body).version}

    with full_disk(archive) as filler:
        job = run_job(db_settings, staff.clerk, work)
        assert (job.status, job.stage) == ("failed", "失败") and job.message.startswith(FULL)
        assert _files(archive, filler) == []
        assert _count(db_settings, DocumentVersion) == 0
        filler.unlink()
        job = run_job(db_settings, staff.clerk, work)
        assert (job.status, job.result) == ("done", {"version": 1}), job.message


def test_the_command_line_says_the_archive_disk_is_full(office, wenshu, tmp_path, monkeypatch):
    archive = tmp_path / "shared-archive"
    monkeypatch.setenv("WENSHU_ARCHIVE_ROOT", str(archive))
    get_settings.cache_clear()
    command = ("summary", "year", "--unit", EAST_LAKE, "--year", "2025")
    with full_disk(archive) as filler:
        output = wenshu(*command, expect=1)
        assert f"error: {FULL}" in " ".join(output.split()), output
        assert "Traceback" not in output and "Task run" not in output
        assert _files(archive, filler) == []
        assert _count(get_settings(), DocumentVersion) == 0
        filler.unlink()
        assert "year_summary/440307001001/2025/v0001/" in wenshu(*command)


def test_a_full_database_says_so_and_keeps_nothing_of_the_import(wenshu, tmp_path, monkeypatch):
    cli_admin_and_units(wenshu, tmp_path)
    cli_add_user(wenshu, "办事员", "clerk", EAST_LAKE)
    monkeypatch.setenv("WENSHU_USER", "办事员")
    engine = get_engine(get_settings())
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    def cap(dbapi_conn, _record) -> None:  # noqa: ANN001  (SQLite's own "disk is full")
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    event.listen(engine, "connect", cap)
    engine.dispose()
    rows = [good(f"第{n}期育龄妇女培训", 30, f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}")
            for n in range(200)]
    ledger = write_csv(tmp_path / "台账.csv", [HEADER, *rows])
    try:
        output = wenshu("ledger", "import", str(ledger), expect=1)
    finally:
        event.remove(engine, "connect", cap)
        engine.dispose()
    assert f"error: {FULL}" in " ".join(output.split()), output
    assert "Traceback" not in output
    assert "200 rows read, 200 stored" in wenshu("ledger", "import", str(ledger))
