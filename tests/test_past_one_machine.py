"""Running past one machine: a Prefect server (its API protected beyond loopback, its UI
told the real API address), on PostgreSQL; deployments with schedules on a work pool;
two workers as separate processes with separate homes sharing one database and one
archive; a batch split into runs both workers take; one worker killed mid-run; a rerun
on the one left, in one run, that completes the killed part, every document archived
once and verify passing."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import func, select

from tests.conftest import PG_ADMIN_URL, _drop_pg_database, _fresh_pg_database
from tests.web_office import Office, build_office
from wenshu.db import get_engine, session_scope
from wenshu.models.tables import Document, DocumentVersion, Unit
from wenshu.settings import Settings

WENSHU = Path(sys.executable).parent / "wenshu"
NARRATIVE = "亮点:\n  - 两台工作站协同生成全区总结，各自保留热启动的排版进程。\n"


def _post(url: str, auth: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    request = urllib.request.Request(url, data=b"{}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.prefect
def test_the_api_has_a_password_beyond_loopback_and_the_ui_knows_its_address(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wenshu.workflows.server import ServeError, start_server

    settings = Settings(home=tmp_path / "home")
    monkeypatch.delenv("PREFECT_SERVER_API_AUTH_STRING", raising=False)
    with pytest.raises(ServeError, match="PREFECT_SERVER_API_AUTH_STRING=user:password"):
        start_server(settings, host="0.0.0.0")

    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", "admin:s3cret")
    server = start_server(settings, host="0.0.0.0")
    try:
        base = server.api_url.removesuffix("/api")
        with urllib.request.urlopen(f"{base}/ui-settings", timeout=10) as reply:
            ui = json.loads(reply.read())
        port = server.api_url.rsplit(":", 1)[1]
        # The UI calls the API where it really is (not 127.0.0.1:4200), and asks to log in.
        assert ui["api_url"] == server.ui_api_url and ui["api_url"].endswith(port)
        assert ui["auth"] == "BASIC"
        assert _post(f"{server.api_url}/flows/filter") == 401
        assert _post(f"{server.api_url}/flows/filter", "admin:wrong") == 401
        assert _post(f"{server.api_url}/flows/filter", "admin:s3cret") == 200
    finally:
        server.stop()


def test_a_batch_splits_into_the_root_and_each_subtree_under_it() -> None:
    from tests.conftest import SMALL_TREE
    from wenshu.compute.snapshot import UnitInfo
    from wenshu.services.documents import batch_parts

    units = {code: UnitInfo(code=code, name=name, level=level, parent_code=parent)
             for code, name, level, parent in SMALL_TREE}
    assert batch_parts(units, "440307") == [("440307", False), ("440307001", True),
                                            ("440307002", True), ("440307900", True)]
    assert batch_parts(units, "440307001001") == [("440307001001", False)]


def test_scheduled_runs_take_their_period_from_the_day_they_run() -> None:
    from wenshu.workflows.scheduled import due_date, previous_month, schedules

    assert previous_month(date(2026, 1, 11)) == "2025-12"
    assert previous_month(date(2026, 3, 31)) == "2026-02"
    assert due_date("2025-12", 10) == date(2026, 1, 10)
    assert due_date("2026-02", 10) == date(2026, 3, 10)
    planned = schedules(Settings(schedule_root="440307", schedule_user="督导李四",
                                 collect_cron="0 7 * * 1"))
    [collection] = planned["monthly_collection"]
    assert (collection.cron, collection.active) == ("0 7 * * 1", True)
    assert not planned["transfer_package"][0].active  # no archivist named


# The two-worker run --------------------------------------------------------------------------


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """Two new PostgreSQL databases: wenshu's (shared by every process) and Prefect's."""
    names = [_fresh_pg_database(), _fresh_pg_database()]
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield (f"{base}/{names[0]}",
               f"{base.replace('+psycopg', '+asyncpg')}/{names[1]}")
    finally:
        for name in names:
            _drop_pg_database(name)


class Machines:
    """Processes standing for machines: each its own home, all one database and archive."""

    def __init__(self, root: Path, db_url: str, api_url: str) -> None:
        self.root, self.db_url, self.api_url = root, db_url, api_url
        self.workers: dict[str, subprocess.Popen[bytes]] = {}

    def env(self, machine: str, **extra: str) -> dict[str, str]:
        """The environment of a wenshu process on ``machine``."""
        env = {**os.environ, "WENSHU_HOME": str(self.root / machine),
               "WENSHU_ARCHIVE_ROOT": str(self.root / "shared-archive"),
               "WENSHU_DATABASE_URL": self.db_url, "PREFECT_API_URL": self.api_url,
               "PREFECT_HOME": str(self.root / machine / "prefect"),
               "PREFECT_LOGGING_LEVEL": "WARNING", **extra}
        for name in ("WENSHU_USER", "PREFECT_API_DATABASE_CONNECTION_URL"):
            env.pop(name, None)
        return env

    def wenshu(self, machine: str, *args: str, **extra: str) -> subprocess.Popen[str]:
        """``wenshu ARGS`` on ``machine``, output captured."""
        return subprocess.Popen([str(WENSHU), *args], env=self.env(machine, **extra),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def verify_archive(self, archivist: str) -> None:
        """``wenshu archive verify`` on the office machine passes (the 四性 checks)."""
        verify = self.wenshu("office", "archive", "verify", "--user", archivist)
        said = verify.communicate(timeout=300)[0]
        assert verify.returncode == 0, said

    def start_worker(self, name: str) -> None:
        """``wenshu worker`` on its own machine, one run at a time."""
        log = (self.root / f"{name}.log").open("ab")
        self.workers[name] = subprocess.Popen(
            [str(WENSHU), "worker", "--name", name, "--limit", "1", "--poll", "1"],
            env=self.env(name), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, name: str) -> None:
        """SIGKILL a worker and everything it started (its LibreOffice too)."""
        process = self.workers.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)

    def stop_all(self) -> None:
        """SIGTERM every worker left, then SIGKILL what does not stop."""
        for name in list(self.workers):
            process = self.workers.pop(name)
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def _runs(api_url: str, flow_name: str) -> list[Any]:
    """Every flow run of ``flow_name``'s deployment."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])), limit=200)


def _wait(condition: Any, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.2)


def _deployment(api_url: str, name: str) -> Any:
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        return client.read_deployment_by_name(name)


@pytest.mark.postgres
@pytest.mark.prefect
@pytest.mark.soffice
def test_two_workers_share_a_batch_and_a_rerun_completes_the_part_of_a_killed_one(
        tmp_path: Path, databases: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from wenshu.workflows.serve import deployment_ready
    from wenshu.workflows.server import start_server

    db_url, prefect_db_url = databases
    office = Office()
    shared = Settings(home=tmp_path / "office", database_url=db_url,
                      archive_root=tmp_path / "shared-archive")
    build_office(shared, tmp_path / "inputs")
    get_engine(shared).dispose()
    monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", prefect_db_url)
    server = start_server(Settings(home=tmp_path / "prefect-server"))
    monkeypatch.delenv("PREFECT_API_DATABASE_CONNECTION_URL")
    machines = Machines(tmp_path, db_url, server.api_url)
    try:
        # Deployments and their schedules from the settings, on the work pool.
        deployed = machines.wenshu("office", "deploy", WENSHU_SCHEDULE_ROOT="440307",
                                   WENSHU_SCHEDULE_USER=office.supervisor)
        said = deployed.communicate(timeout=300)[0]
        assert deployed.returncode == 0, said
        assert "work pool wenshu: " in said and "year_end_batch/wenshu" in said
        yearly = _deployment(server.api_url, "year_end_batch/wenshu")
        assert yearly.work_pool_name == "wenshu"
        [schedule] = yearly.schedules
        assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (
            "0 2 15 1 *", "Asia/Shanghai", True)
        # No archivist named: the transfer package's schedule waits, paused.
        [transfer] = _deployment(server.api_url, "transfer_package/wenshu").schedules
        assert transfer.schedule.cron == "0 3 1 3 *" and not transfer.active

        for name in ("worker-a", "worker-b"):
            machines.start_worker(name)
        _wait(lambda: deployment_ready(server.api_url, "year_end_summary"), "workers polling")

        narrative = tmp_path / "说明.yaml"
        narrative.write_text(NARRATIVE, encoding="utf-8")
        batch = ("summary", "year", "--unit", "440307", "--year", "2025", "--all-levels",
                 "--narrative", str(narrative), "--user", office.supervisor)
        first = machines.wenshu("office", *batch)

        def b_is_running() -> bool:
            return any(run.labels.get("prefect.worker.name") == "worker-b"
                       and run.state is not None and run.state.is_running()
                       for run in _runs(server.api_url, "year_end_summary"))

        _wait(b_is_running, "worker-b running a part of the batch")
        machines.kill("worker-b")
        said = first.communicate(timeout=300)[0]
        # The batch reports the part whose worker died, instead of waiting for ever.
        assert first.returncode == 1, said
        assert "ended Crashed: its worker worker-b stopped answering" in said, said
        assert "on the deployment year_end_summary/wenshu" in said and "(4 runs)" in said

        # One worker left: the rerun is one run (parts would only wait for its slot).
        again = machines.wenshu("office", *batch)
        said = again.communicate(timeout=600)[0]
        assert again.returncode == 0, said
        assert "(a run)" in said and "completed on" in said

        runs = _runs(server.api_url, "year_end_summary")
        assert len(runs) == 5  # 4 parts, then the whole batch
        assert {run.labels.get("prefect.worker.name") for run in runs} == {"worker-a",
                                                                            "worker-b"}
        assert sorted(run.state.name for run in runs) == ["Completed"] * 4 + ["Crashed"]
        # Each part carried the narrative's text, not a path on the clerk's machine.
        assert all(run.parameters["narrative_texts"] == [{"name": "说明.yaml",
                                                            "text": NARRATIVE}]
                   for run in runs)

        with session_scope(shared) as session:
            units = set(session.scalars(select(Unit.code)))
            versions = dict(session.execute(
                select(Document.unit_code, func.count(DocumentVersion.id))
                .join(DocumentVersion).where(Document.kind == "year_summary")
                .group_by(Document.unit_code)).tuples().all())
        assert versions == {code: 1 for code in units}  # every unit's summary, once
        district = next((tmp_path / "shared-archive").rglob("440307_2025_year_summary.docx"))
        text = "\n".join(p.text for p in docx.Document(str(district)).paragraphs)
        assert "两台工作站协同生成全区总结" in text

        # The January batch, as its schedule starts it: its parts go to the other worker.
        from wenshu.workflows.serve import live_workers, trigger, wait_for_run

        machines.start_worker("worker-b")
        _wait(lambda: live_workers(server.api_url, "wenshu") == {"worker-a", "worker-b"},
              "worker-b back")

        batch_run = wait_for_run(server.api_url, trigger(
            server.api_url, "year_end_batch",
            {"root": "440307", "user": office.supervisor, "year": 2025}), timeout=300)
        assert batch_run.completed, batch_run
        assert len(_runs(server.api_url, "year_end_summary")) == 9  # 4 more parts
        with session_scope(shared) as session:
            # Without the narrative: a second version of every summary, one each.
            assert session.scalar(select(func.count(DocumentVersion.id))) == 2 * len(units)

        machines.verify_archive(office.archivist)
    finally:
        machines.stop_all()
        server.stop()
