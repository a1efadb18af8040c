"""Shared fixtures: an isolated data directory, and a database on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from wenshu.db import get_engine, upgrade_schema
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.models.tables import Unit
from wenshu.settings import Settings

PG_ADMIN_URL = os.environ.get(
    "WENSHU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings with a migrated, empty database: SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        settings = Settings(home=tmp_path / "home")
        upgrade_schema(settings)
        yield settings
        return
    name = _fresh_pg_database()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    settings = Settings(home=tmp_path / "home", database_url=url)
    try:
        upgrade_schema(settings)
        yield settings
    finally:
        get_engine(settings).dispose()
        _drop_pg_database(name)


@pytest.fixture
def session(db_settings: Settings) -> Iterator[Session]:
    """A session on the test database; the test decides when to commit."""
    factory = sessionmaker(get_engine(db_settings), expire_on_commit=False)
    with factory() as session:
        yield session


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The shipped catalogue."""
    return load_catalogue()


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


@pytest.fixture
def small_tree(session: Session) -> list[tuple[str, str, str, str | None]]:
    """Store SMALL_TREE directly and return it."""
    for code, name, level, parent in SMALL_TREE:
        session.add(Unit(code=code, name=name, level=level, parent_code=parent))
        session.flush()
    session.commit()
    return SMALL_TREE
