"""A city-shaped batch on a real Prefect server: ``wenshu summary year --all-levels`` over
a city of N demo districts (default 10: 10 x 124 units + the city, 1,241 summaries),
first with ONE ``wenshu worker`` process, then with TWO, side by side with the ratio.

wenshu's unit levels stop at 区 (district, street, community, department; no city),
so the city is a district-level root, 4403 深圳市, with the N districts under it. Each
district is the demo's (wenshu.demo.generate) drawn with its own seed, its codes moved
from 440307… to 4403NN…; its health-line ledgers are written and imported the way
``wenshu demo`` does (units, figures and targets through the importers, the ledgers
through the collect flow). The women's federation ledgers are left out: the batch is
the health line's year-end summary.

The processes stand for machines as in tests/test_past_one_machine.py: one PostgreSQL
database and one archive, each worker its own home; the Prefect server keeps its state
in PostgreSQL too. Each batch has its own doc number,
so every summary is a new version (nothing is skipped as unchanged); after each batch
the bench checks that it archived exactly one new version per unit; at the end
``wenshu archive verify`` must pass.

    .venv/bin/python bench/bench_city.py [--districts 10] [--home DIR]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa

from wenshu.demo.files import write_csv, write_ledger
from wenshu.demo.generate import build_demo
from wenshu.demo.units import DISTRICT_CODE, DemoUnit
from wenshu.settings import Settings

WENSHU = Path(sys.executable).parent / "wenshu"
PG_ADMIN_URL = os.environ.get("WENSHU_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CITY, CITY_NAME = "4403", "深圳市"
DISTRICT_NAMES = ("罗湖区", "福田区", "南山区", "宝安区", "龙岗区", "盐田区", "龙华区", "坪山区",
                  "光明区", "大鹏新区")
SUPERVISOR, ARCHIVIST, ADMIN, PASSWORD = "市督导", "市档案员", "管理员", "wenshu-bench"
YEARS, YEAR = (2024, 2025), 2025


def district_code(index: int) -> str:
    """The index-th district's code: 440301, 440302, …"""
    return f"{CITY}{index + 1:02d}"


def moved(code: str, new: str) -> str:
    """A demo unit code moved under the district ``new`` (440307001 -> 440301001)."""
    return new + code.removeprefix(DISTRICT_CODE)


def write_district(out: Path, index: int) -> None:
    """The demo district drawn with its own seed, renumbered and renamed, as input files:
    units.csv, figures.csv, targets.csv and inbox/<unit>/ (health-line ledgers only)."""
    code, name = district_code(index), DISTRICT_NAMES[index]
    built = build_demo(YEARS, seed=9704 + index)

    def unit(u: DemoUnit) -> DemoUnit:
        if u.level == "district":
            return replace(u, code=code, name=name, parent_code=CITY, organ=f"{name}卫生健康局")
        return replace(u, code=moved(u.code, code), parent_code=moved(u.parent_code or "", code))

    units = [unit(u) for u in built.units]
    renamed = {u.code: u for u in units}
    rows = [("code", "name", "level", "parent_code", "organ"),
            *((u.code, u.name, u.level, u.parent_code or "", u.organ) for u in units)]
    write_csv(out / "units.csv", rows, "utf-8")
    write_csv(out / "figures.csv", [("unit_code", "year", "key", "value"), *(
        (moved(c, code), str(y), k, str(v)) for c, y, k, v in built.figures)], "utf-8")
    write_csv(out / "targets.csv", [("unit_code", "year", "indicator", "comparator", "value"),
                                    *((moved(t[0], code), *t[1:]) for t in built.targets)],
              "utf-8")
    catalogue = load_catalogue()
    for ledger in built.ledgers:
        if ledger.name != "工作台账":
            continue  # the women's federation line: not this batch's
        new_unit = renamed[moved(ledger.unit.code, code)]
        new_rows = [replace(r, unit_code=new_unit.code) for r in ledger.rows]
        write_ledger(out.parent / "inbox", replace(ledger, unit=new_unit, rows=new_rows),
                     catalogue)


def load_catalogue():  # noqa: ANN201 - the catalogue type, imported late like the rest
    """The shipped catalogue."""
    from wenshu.models.catalogue import load_catalogue as load

    return load()


def build_city(settings: Settings, root: Path, districts: int) -> None:
    """Units, users, figures, targets and ledgers of the city, imported."""
    from wenshu.accounts import add_user, create_first_administrator
    from wenshu.db import session_scope, upgrade_schema
    from wenshu.ingest.figures import import_figures, import_targets
    from wenshu.ingest.units import import_units
    from wenshu.workflows.collect import collect_ledgers

    upgrade_schema(settings)
    (root / "inputs").mkdir(parents=True, exist_ok=True)
    city_csv = root / "inputs" / "city.csv"
    write_csv(city_csv, [("code", "name", "level", "parent_code", "organ"),
                         (CITY, CITY_NAME, "district", "", "深圳市卫生健康委员会")], "utf-8")
    with session_scope(settings) as session:
        import_units(session, city_csv)
    admin = create_first_administrator(settings, ADMIN, PASSWORD)
    add_user(settings, SUPERVISOR, "supervisor", CITY, by=admin, password=PASSWORD)
    add_user(settings, ARCHIVIST, "archivist", None, by=admin, password=PASSWORD)
    catalogue = load_catalogue()
    for index in range(districts):
        out = root / "inputs" / district_code(index)
        out.mkdir()
        write_district(out, index)
        with session_scope(settings) as session:
            import_units(session, out / "units.csv")
        with session_scope(settings) as session:
            import_figures(session, out / "figures.csv", catalogue)
        with session_scope(settings) as session:
            import_targets(session, out / "targets.csv", catalogue)
    outcomes, _ = collect_ledgers(str(root / "inputs" / "inbox"), str(YEAR), root=CITY,
                                  user=SUPERVISOR)
    bad = [o for o in outcomes if o.status not in ("imported", "unchanged")]
    assert not bad, bad[:3]


class Office:
    """The machines: a Prefect server, workers with their own homes, one database and archive."""

    def __init__(self, root: Path, db_url: str) -> None:
        from wenshu.workflows.server import start_server

        self.root, self.db_url = root, db_url
        # Prefect's state in PostgreSQL too: on SQLite, two workers' heartbeats and a
        # batch's runs lock it ("database is locked"), and the API answers 503.
        prefect_db = db_url.replace("+psycopg", "+asyncpg") + "_prefect"
        os.environ["PREFECT_API_DATABASE_CONNECTION_URL"] = prefect_db
        self.server = start_server(Settings(home=root / "prefect-server"))
        del os.environ["PREFECT_API_DATABASE_CONNECTION_URL"]
        self.workers: list[subprocess.Popen[bytes]] = []

    def env(self, machine: str) -> dict[str, str]:
        """A wenshu process's environment on ``machine``."""
        env = {**os.environ, "WENSHU_HOME": str(self.root / machine),
               "WENSHU_ARCHIVE_ROOT": str(self.root / "archive"),
               "WENSHU_DATABASE_URL": self.db_url, "PREFECT_API_URL": self.server.api_url,
               "PREFECT_HOME": str(self.root / machine / "prefect"),
               "PREFECT_LOGGING_LEVEL": "WARNING"}
        env.pop("WENSHU_USER", None)
        return env

    def wenshu(self, *args: str, timeout: float = 3600) -> str:
        """``wenshu ARGS`` on the office machine; its output, asserting it succeeded."""
        done = subprocess.run([str(WENSHU), *args], env=self.env("office"), capture_output=True,
                              text=True, timeout=timeout)
        said = done.stdout + done.stderr
        assert done.returncode == 0, said[-3000:]
        return said

    def start_workers(self, count: int) -> None:
        """``count`` worker processes, each one run at a time (as test_past_one_machine)."""
        from wenshu.workflows.serve import deployment_ready

        for number in range(len(self.workers), count):
            log = (self.root / f"worker-{number + 1}.log").open("ab")
            self.workers.append(subprocess.Popen(
                [str(WENSHU), "worker", "--name", f"worker-{number + 1}", "--limit", "1",
                 "--poll", "1"], env=self.env(f"worker-{number + 1}"), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 180
        while not deployment_ready(self.server.api_url, "year_end_summary"):
            assert time.monotonic() < deadline, "no worker polls the work pool"
            time.sleep(0.5)
        time.sleep(3)  # every worker has made its first poll

    def stop(self) -> None:
        """Stop the workers (SIGTERM, SIGKILL if they linger) and the server."""
        for process in self.workers:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        self.workers.clear()
        self.server.stop()


def versions_per_unit(settings: Settings) -> dict[str, int]:
    """How many archived versions each unit's year summary has."""
    from wenshu.db import session_scope
    from wenshu.models.tables import Document, DocumentVersion

    with session_scope(settings) as session:
        return dict(session.execute(
            sa.select(Document.unit_code, sa.func.count(DocumentVersion.id))
            .join(DocumentVersion).where(Document.kind == "year_summary")
            .group_by(Document.unit_code)).all())


def timed_batch(office: Office, settings: Settings, units: set[str], number: int) -> float:
    """Seconds for the city's batch; checks it made exactly one new version of every unit."""
    before = versions_per_unit(settings)
    started = time.perf_counter()
    said = office.wenshu("summary", "year", "--unit", CITY, "--year", str(YEAR), "--all-levels",
                         "--doc-number", f"深卫〔{YEAR}〕{number}号", "--user", SUPERVISOR)
    seconds = time.perf_counter() - started
    assert "on the deployment" in said and "unchanged" not in said, said[-3000:]
    after = versions_per_unit(settings)
    new = {code: after.get(code, 0) - before.get(code, 0) for code in units | set(after)}
    assert new == {code: 1 for code in units}, {c: n for c, n in new.items() if n != 1}
    return seconds


def database(root: Path) -> str:
    """The bench's PostgreSQL database (made once per home, named in it)."""
    named = root / "database.txt"
    if not named.exists():
        name = f"wenshu_city_{int(time.time())}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for database in (name, f"{name}_prefect"):  # wenshu's, Prefect's
                conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        named.write_text(name)
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + named.read_text().strip()


def main() -> None:
    """Build (or reuse) the city, time the batch with one worker and with two, verify."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--districts", type=int, default=10, choices=range(1, 11))
    parser.add_argument("--home", type=Path)
    args = parser.parse_args()
    root = (args.home or Path(tempfile.mkdtemp(prefix="wenshu-bench-city-"))).resolve()
    root.mkdir(parents=True, exist_ok=True)
    db_url = database(root)
    os.environ.update(WENSHU_HOME=str(root / "office"), WENSHU_DATABASE_URL=db_url,
                      WENSHU_ARCHIVE_ROOT=str(root / "archive"))
    os.environ.pop("PREFECT_API_URL", None)  # the import's collect flow runs in this process
    settings = Settings(home=root / "office", database_url=db_url, archive_root=root / "archive")
    built = root / f"city-{args.districts}.built"
    if not built.exists():
        started = time.perf_counter()
        build_city(settings, root, args.districts)
        built.write_text("")
        print(f"built the city in {time.perf_counter() - started:.0f} s")
    from wenshu.db import session_scope
    from wenshu.ingest.units import stored_parents, subtree

    with session_scope(settings) as session:
        units = subtree(stored_parents(session), CITY)
    office = Office(root, db_url)
    figures: dict[int, float] = {}
    try:
        office.wenshu("deploy")
        for workers in (1, 2):
            office.start_workers(workers)
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"{workers} worker(s): load average before the run {load}", flush=True)
            figures[workers] = timed_batch(office, settings, units, int(time.time()) % 100_000)
            print(f"  {figures[workers]:7.1f} s, {len(units) / figures[workers]:5.2f} documents/s",
                  flush=True)
        office.wenshu("archive", "verify", "--user", ARCHIVIST)
    finally:
        office.stop()
    one, two = figures[1], figures[2]
    print(f"year-end batch over {CITY} {CITY_NAME}: {args.districts} district(s), "
          f"{len(units)} summaries, each archived once a run; archive verify passed")
    print(f"  1 worker:  {one:7.1f} s  {len(units) / one:5.2f} documents/s")
    print(f"  2 workers: {two:7.1f} s  {len(units) / two:5.2f} documents/s")
    print(f"  speed-up 2 workers / 1: {one / two:5.2f}x  (os.cpu_count() = {os.cpu_count()})")


if __name__ == "__main__":
    main()
