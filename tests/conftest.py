"""Shared fixtures: an isolated data directory, and a database on SQLite or PostgreSQL."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.people import add_user, cli_add_user, cli_admin_and_units
from tests.searching import write_docx
from wenshu.access import Actor
from wenshu.archive import Archive, DocumentKey, StoredVersion
from wenshu.compute.snapshot import Snapshot
from wenshu.db import get_engine, upgrade_schema
from wenshu.demo.sample import sample_snapshot
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.models.tables import Unit
from wenshu.settings import Settings, get_settings

if TYPE_CHECKING:  # tests.transfer_source imports this module
    from fastapi import FastAPI

    from tests.transfer_source import Source

# Prefect's state for this session, before anything imports wenshu.workflows (which would
# point it at ./wenshu-data): subprocesses the tests start inherit it too.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="wenshu-test-prefect-")

PG_ADMIN_URL = os.environ.get(
    "WENSHU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden`` rewrites tests/golden/*.txt from the current output."""
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden text snapshots instead of comparing with them")


OFFICE_SUPERVISOR = "督导李四"
OFFICE_ARCHIVIST = "档案员张三"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    import wenshu.workflows  # noqa: F401  (Prefect's environment before Prefect)

    with prefect_test_harness(server_startup_timeout=90):
        yield


class _CurrentStderr:
    """Whatever ``sys.stderr`` is at the moment of writing, as a process's stderr is."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _log_to_current_stderr() -> None:
    """Prefect (re)creates its console handler on the stderr of the moment, which inside an
    earlier command was CliRunner's, closed since: point such handlers at the stderr of
    the command about to run, where a user would see what they write."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and getattr(handler.stream, "closed", False):
            handler.stream = _CurrentStderr()  # not setStream: it flushes the closed one
            console = getattr(handler, "console", None)  # Prefect's prints through rich
            if console is not None:
                console.file = handler.stream


@pytest.fixture
def wenshu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           prefect_harness: None) -> Iterator[Callable[..., str]]:
    """Run ``wenshu ARGS`` in-process against a fresh data directory; fail on a bad exit."""
    monkeypatch.setenv("WENSHU_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WENSHU_USER", raising=False)
    get_settings.cache_clear()
    from wenshu.cli import app

    runner = CliRunner()

    def run(*args: str, expect: int = 0, input: str | None = None) -> str:
        _log_to_current_stderr()
        result = runner.invoke(app, list(args), catch_exceptions=False, input=input)
        assert result.exit_code == expect, result.output
        return result.output

    yield run
    get_settings.cache_clear()


@pytest.fixture
def office(tmp_path: Path, wenshu: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory with the small office's units, figures, targets and two ledgers,
    and its users: an administrator, the district's supervisor (the acting user) and an
    archivist."""
    from tests import office_data

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    cli_admin_and_units(wenshu, inputs)
    cli_add_user(wenshu, OFFICE_SUPERVISOR, "supervisor", "440307")
    cli_add_user(wenshu, OFFICE_ARCHIVIST, "archivist")
    monkeypatch.setenv("WENSHU_USER", OFFICE_SUPERVISOR)
    get_settings.cache_clear()
    wenshu("figures", "import", str(office_data.write_figures(inputs)))
    wenshu("targets", "import", str(office_data.write_targets(inputs)))
    wenshu("ledger", "import", str(office_data.write_ledger(inputs, 2024)),
           str(office_data.write_ledger(inputs, 2025)))
    return inputs


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose data directory (and SQLite database) is private to the test."""
    return Settings(home=tmp_path / "home")


def _fresh_pg_database() -> str:
    name = f"wenshu_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name


def _drop_pg_database(name: str) -> None:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def fresh_pg_settings(home: Path, relay_port: int | None = None) -> Iterator[Settings]:
    """Settings with a new, migrated PostgreSQL database, dropped afterwards; reached
    through a relay on 127.0.0.1:``relay_port`` when given."""
    name = _fresh_pg_database()
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name)
    if relay_port is not None:
        url = url.set(host="127.0.0.1", port=relay_port)
    settings = Settings(home=home, database_url=url.render_as_string(hide_password=False))
    try:
        upgrade_schema(settings)
        yield settings
    finally:
        get_engine(settings).dispose()
        _drop_pg_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings with a migrated, empty database: SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        settings = Settings(home=tmp_path / "home")
        upgrade_schema(settings)
        yield settings
        return
    with fresh_pg_settings(tmp_path / "home") as settings:
        yield settings


@pytest.fixture
def session(db_settings: Settings) -> Iterator[Session]:
    """A session on the test database; the test decides when to commit."""
    factory = sessionmaker(get_engine(db_settings), expire_on_commit=False)
    with factory() as session:
        yield session


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The shipped catalogue as the default line's documents read it (人口和计划生育: what
    the test data record)."""
    from wenshu.generators.kinds import shipped_lines

    return shipped_lines().default.restrict(load_catalogue())


# A small district: 1 district, 2 streets, 4 communities, 1 department.
SMALL_TREE = [
    ("440307", "示范区", "district", None),
    ("440307001", "东城街道", "street", "440307"),
    ("440307002", "西城街道", "street", "440307"),
    ("440307001001", "东湖社区", "community", "440307001"),
    ("440307001002", "东山社区", "community", "440307001"),
    ("440307002001", "西湖社区", "community", "440307002"),
    ("440307002002", "西山社区", "community", "440307002"),
    ("440307900", "区妇联", "department", "440307"),
]


def add_small_tree(session: Session) -> None:
    """Add SMALL_TREE's units to ``session``, each parent flushed before its children."""
    for code, name, level, parent in SMALL_TREE:
        session.add(Unit(code=code, name=name, level=level, parent_code=parent))
        session.flush()


@pytest.fixture
def small_tree(session: Session) -> list[tuple[str, str, str, str | None]]:
    """Store SMALL_TREE directly and return it."""
    add_small_tree(session)
    session.commit()
    return SMALL_TREE


@dataclass(frozen=True)
class Staff:
    """One user of each role over SMALL_TREE."""

    supervisor: Actor  # the district (440307) and everything under it
    clerk: Actor  # 东湖社区 (440307001001) only
    archivist: Actor  # every unit's filed records


@pytest.fixture
def staff(db_settings: Settings, small_tree: list[tuple[str, str, str, str | None]]) -> Staff:
    """Users of every role, stored in the test database (after SMALL_TREE)."""
    return Staff(supervisor=add_user(db_settings, "督导李四", "supervisor", "440307"),
                 clerk=add_user(db_settings, "办事员王五", "clerk", "440307001001"),
                 archivist=add_user(db_settings, "档案员张三", "archivist"))


@pytest.fixture
def web(db_settings: Settings, staff: Staff) -> Iterator[FastAPI]:
    """The web app over the test database and its staff, started (no warm-up)."""
    from fastapi.testclient import TestClient

    from wenshu.web.app import create_app

    db_settings.ensure_dirs()
    app = create_app(db_settings, warm=False)
    with TestClient(app):
        yield app


@pytest.fixture
def file_document(db_settings: Settings, staff: Staff,
                  tmp_path: Path) -> Callable[..., StoredVersion]:
    """Archive a Word document with the given paragraphs (Archive.store indexes it)."""
    archive = Archive(db_settings)
    counter = iter(range(1_000_000))

    def store(unit: str, period: str, *paragraphs: str, kind: str = "year_summary",
              title: str = "工作总结", rows: list[list[str]] | None = None,
              script: str = "simplified", pdf: Path | None = None) -> StoredVersion:
        n = next(counter)
        stored = {"docx": write_docx(tmp_path / f"d{n}.docx", list(paragraphs), rows)}
        if pdf is not None:
            stored["pdf"] = Path(shutil.copy(pdf, tmp_path / f"d{n}.pdf"))
        return archive.store(DocumentKey(kind, unit, period, script=script), title=title,
                             files=stored, template_name="t.docx", template_sha256="t",
                             input_sha256=f"i{n}")

    return store


@pytest.fixture(scope="session")
def real_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PDF/A-2b year summary made by LibreOffice, for archive tests to store and file."""
    from tests.sample_context import year_summary_context
    from wenshu.generators.pdf import SofficeConverter
    from wenshu.generators.render import render_docx
    from wenshu.templates import template_path

    work = tmp_path_factory.mktemp("real_pdf")
    docx = work / "summary.docx"
    docx.write_bytes(render_docx(template_path("year_summary"), year_summary_context()))
    return SofficeConverter(work / "profile").convert(docx, work / "out")


@pytest.fixture(scope="session")
def transfer_source(tmp_path_factory: pytest.TempPathFactory, real_pdf: Path) -> Source:
    """A small archive with its 2025 transfer package (tests.transfer_source), made once."""
    from tests.transfer_source import build_source

    return build_source(tmp_path_factory.mktemp("transfer-source"), real_pdf)


@pytest.fixture
def small_snapshot() -> Snapshot:
    """A street of three communities, 2024 and 2025, for compute and phrasing tests."""
    return sample_snapshot()
