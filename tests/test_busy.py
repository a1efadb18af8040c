"""While another transaction holds what an action must write for longer than the lock wait,
the user is told the system is busy and to try again (the page, the API, the command line),
nothing is half-stored, and the same action goes through once the other one ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from tests.ledger_books import EAST_LAKE, HEADER, YEAR, write_csv
from tests.people import cli_add_user, cli_admin_and_units
from tests.test_ledger_corrections_interfaces import csv_bytes, rows_counted
from tests.web_client import Session
from wenshu.access import Actor
from wenshu.db import get_engine, serialise
from wenshu.ingest.report import IMPORT_LOCK
from wenshu.jobs import JobInfo, JobRunner, get_job, report
from wenshu.models.access_tables import Job
from wenshu.settings import Settings, get_settings

BUSY = "系统正忙：另一项操作正在写入数据"


@contextmanager
def import_under_way(settings: Settings) -> Iterator[None]:
    """Hold the imports' lock, as an import stuck mid-way would: PostgreSQL's advisory lock,
    SQLite's write lock."""
    factory = sessionmaker(get_engine(settings))
    with factory() as holder, holder.begin():
        serialise(holder, IMPORT_LOCK)
        yield  # then commits: it wrote nothing


def run_job(settings: Settings, actor: Actor, work: Callable[[str], Mapping[str, Any]]
            ) -> JobInfo:
    """Run ``work`` as a job of ``actor``'s on a runner of its own, and read how it ended."""
    runner = JobRunner(settings)
    job_id = runner.submit(actor, "document", "年度工作总结", {}, work)
    runner.wait(job_id, timeout=120)
    runner.shutdown()
    return get_job(settings, actor, job_id)


def test_an_upload_while_an_import_is_stuck_says_busy_and_goes_through_later(web, db_settings,
                                                                             staff):
    db_settings.lock_wait_seconds = 1
    clerk = Session(web, staff.clerk.name)
    handed_in = clerk.api("POST", "/api/v1/uploads", data={"purpose": "ledger"},
                          files={"file": ("台账.csv", csv_bytes(YEAR), "text/csv")}).json()["id"]
    with import_under_way(db_settings):
        page = clerk.post("/data/upload", {"purpose": "ledger", "unit": EAST_LAKE},
                          files={"file": ("台账.csv", csv_bytes(YEAR), "text/csv")})
        reply = clerk.api("POST", "/api/v1/imports", json={"upload_id": handed_in})
    assert page.status_code == 503, page.text
    assert "<h1>系统正忙</h1>" in page.text and BUSY in page.text and "请稍后重试" in page.text
    assert page.headers["Retry-After"] == "5"
    assert reply.status_code == 503, reply.text
    assert reply.json()["detail"].startswith(BUSY) and reply.headers["Retry-After"] == "5"
    assert rows_counted(db_settings) == 0

    again = clerk.post("/data/upload", {"purpose": "ledger", "unit": EAST_LAKE},
                       files={"file": ("台账.csv", csv_bytes(YEAR), "text/csv")})
    assert again.status_code == 200, again.text
    assert "新保存 4 行" in again.text
    reply = clerk.api("POST", "/api/v1/imports", json={"upload_id": handed_in})
    assert reply.status_code == 200 and reply.json()["already_imported"], reply.text
    assert rows_counted(db_settings) == 4


def test_the_command_line_says_busy(wenshu, tmp_path, monkeypatch):
    cli_admin_and_units(wenshu, tmp_path)
    cli_add_user(wenshu, "办事员", "clerk", EAST_LAKE)
    monkeypatch.setenv("WENSHU_USER", "办事员")
    monkeypatch.setenv("WENSHU_LOCK_WAIT_SECONDS", "1")
    get_settings.cache_clear()
    ledger = write_csv(tmp_path / "台账.csv", [HEADER, *YEAR])
    with import_under_way(get_settings()):
        output = wenshu("ledger", "import", str(ledger), expect=1)
    assert BUSY in output and "Traceback" not in output
    assert "4 rows read, 4 stored" in wenshu("ledger", "import", str(ledger))


def test_a_job_whose_progress_finds_the_database_busy_still_finishes(db_settings, staff):
    db_settings.lock_wait_seconds = 1

    def work(job_id: str) -> dict[str, int]:
        factory = sessionmaker(get_engine(db_settings))
        # Another writer holds the job's own row (and, on SQLite, the write lock).
        with factory() as holder, holder.begin():
            holder.execute(update(Job).where(Job.id == job_id).values(stage="另一项操作"))
            report(db_settings, job_id, "生成文书", 1, 2)
            holder.rollback()
        return {"documents": 2}

    job = run_job(db_settings, staff.clerk, work)
    assert (job.status, job.stage, job.result) == ("done", "完成", {"documents": 2})
