"""When the database cannot be reached, the user is told so in Chinese (the page,
the API, the command line, a background job), nothing is half-stored, and once the database
is back the same action goes through without restarting anything."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from tests.conftest import PG_ADMIN_URL, fresh_pg_settings
from tests.ledger_books import EAST_LAKE, YEAR
from tests.outages import Relay
from tests.test_busy import run_job
from tests.test_ledger_corrections_interfaces import csv_bytes, rows_counted
from tests.web_client import Session
from wenshu.db import meaning
from wenshu.errors import Busy, DatabaseUnreachable, StorageFull
from wenshu.settings import Settings

UNREACHABLE = "无法连接数据库：本次操作未能完成，请稍后重试；如果一直如此，请联系系统管理员"


@pytest.fixture
def relay() -> Iterator[Relay]:
    """The relay in front of the test PostgreSQL, open."""
    admin = make_url(PG_ADMIN_URL)
    relay = Relay((admin.host or "127.0.0.1", admin.port or 5432))
    relay.restore()
    yield relay
    relay.cut()


@pytest.fixture
def db_settings(relay: Relay, tmp_path: Path) -> Iterator[Settings]:
    """A new PostgreSQL database reached through the relay (overrides conftest's)."""
    with fresh_pg_settings(tmp_path / "home", relay.port) as settings:
        yield settings


def _upload(clerk: Session):  # noqa: ANN202
    return clerk.post("/data/upload", {"purpose": "ledger", "unit": EAST_LAKE},
                      files={"file": ("台账.csv", csv_bytes(YEAR), "text/csv")})


@pytest.mark.postgres
def test_pages_and_the_api_say_the_database_is_unreachable_until_it_is_back(
        web, db_settings, staff, relay):
    clerk = Session(web, staff.clerk.name)
    handed_in = clerk.api("POST", "/api/v1/uploads", data={"purpose": "ledger"},
                          files={"file": ("台账.csv", csv_bytes(YEAR), "text/csv")}).json()["id"]
    relay.cut()
    home = clerk.get("/")
    page = _upload(clerk)
    reply = clerk.api("POST", "/api/v1/imports", json={"upload_id": handed_in})
    for response in (home, page):
        assert response.status_code == 503, response.text
        assert "<h1>无法连接数据库</h1>" in response.text and UNREACHABLE in response.text
        assert response.headers["Retry-After"] == "5"
        assert "Traceback" not in response.text and "psycopg" not in response.text
    assert reply.status_code == 503 and reply.json()["detail"].startswith(UNREACHABLE)
    missing = clerk.get("/no-such-page")  # its page looks up who is asking: no menu now
    assert missing.status_code == 404 and "没有这个页面" in missing.text

    relay.restore()
    assert rows_counted(db_settings) == 0  # nothing half-stored
    again = _upload(clerk)  # the same session, the same app: nothing was restarted
    assert again.status_code == 200 and "新保存 4 行" in again.text, again.text
    reply = clerk.api("POST", "/api/v1/imports", json={"upload_id": handed_in})
    assert reply.status_code == 200 and reply.json()["already_imported"], reply.text
    assert rows_counted(db_settings) == 4


@pytest.mark.postgres
def test_a_job_whose_end_meets_an_outage_is_recorded_once_the_database_is_back(
        db_settings, staff, relay):
    def work(job_id: str) -> dict[str, int]:
        relay.cut()  # down as the job ends, back 1.5 s later
        threading.Timer(1.5, relay.restore).start()
        return {"documents": 2}

    job = run_job(db_settings, staff.clerk, work)
    assert (job.status, job.stage, job.result) == ("done", "完成", {"documents": 2})


def test_the_command_line_says_the_database_is_unreachable(wenshu, tmp_path, monkeypatch):
    for url in ("postgresql+psycopg://postgres@127.0.0.1:9/wenshu",  # nothing listens
                f"sqlite:///{tmp_path}/unmounted/share/wenshu.db"):  # a folder that is gone
        monkeypatch.setenv("WENSHU_DATABASE_URL", url)
        output = wenshu("archive", "search", "总结", expect=1)
        assert f"error: {UNREACHABLE}" in " ".join(output.split()), output
        assert "Traceback" not in output


@pytest.mark.parametrize(("error", "told"), [
    (psycopg.errors.LockNotAvailable, Busy), (psycopg.errors.DeadlockDetected, Busy),
    (psycopg.errors.DiskFull, StorageFull), (psycopg.errors.AdminShutdown, DatabaseUnreachable),
    (psycopg.errors.InvalidPassword, DatabaseUnreachable),
    (psycopg.errors.InvalidCatalogName, DatabaseUnreachable),
    (psycopg.errors.TooManyConnections, DatabaseUnreachable),
    (psycopg.OperationalError, DatabaseUnreachable),  # refused, reset: no SQLSTATE
    (psycopg.errors.UniqueViolation, None), (psycopg.errors.UndefinedTable, None)])
def test_what_each_postgresql_failure_tells_the_user(error, told) -> None:
    wrapper = IntegrityError if issubclass(error, psycopg.IntegrityError) else OperationalError
    assert meaning(wrapper("SELECT 1", {}, error("…"))) is told


def test_a_closed_connection_used_by_mistake_is_wenshus_fault() -> None:
    closed = psycopg.InterfaceError("the connection is closed")
    assert meaning(InterfaceError("SELECT 1", {}, closed)) is None
