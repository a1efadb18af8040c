"""Engine, sessions and schema upgrades (Alembic) for SQLite or PostgreSQL."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from wenshu.errors import Busy, DatabaseUnreachable, StorageFull, Unavailable
from wenshu.settings import Settings

_log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def _engine(url: str, lock_wait: float) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": lock_wait})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # 64 MiB of page cache (SQLite's default is 2 MiB): a text search at a million
            # filings reads some thousand pages of the newest texts, mostly the same again.
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.close()

        return engine
    # lock_timeout bounds PostgreSQL's lock waits as SQLite's timeout bounds its own: a
    # writer stuck in a transaction makes the others say "busy", not hang for ever.
    return create_engine(url, pool_pre_ping=True, connect_args={
        "options": f"-c lock_timeout={round(lock_wait * 1000)}"})


def get_engine(settings: Settings) -> Engine:
    """The (cached) engine for the settings' database."""
    if settings.db_url.startswith("sqlite"):
        settings.home.mkdir(parents=True, exist_ok=True)
    return _engine(settings.db_url, settings.lock_wait_seconds)


# What a driver's error means for the user, by SQLite result code (its low byte) or
# PostgreSQL SQLSTATE (whole, or its two-character class).
_SQLITE_MEANING: dict[int, type[Unavailable]] = {
    sqlite3.SQLITE_BUSY: Busy, sqlite3.SQLITE_LOCKED: Busy, sqlite3.SQLITE_FULL: StorageFull,
    sqlite3.SQLITE_CANTOPEN: DatabaseUnreachable, sqlite3.SQLITE_IOERR: DatabaseUnreachable,
    sqlite3.SQLITE_READONLY: DatabaseUnreachable}
_PG_MEANING: dict[str, type[Unavailable]] = {
    "55P03": Busy,  # lock_not_available: lock_timeout ran out
    "40P01": Busy,  # deadlock_detected: this transaction was the one ended
    "53100": StorageFull,  # disk_full
    "08": DatabaseUnreachable,  # connection_exception
    "28": DatabaseUnreachable,  # invalid_authorization_specification
    "3D000": DatabaseUnreachable,  # invalid_catalog_name: no such database
    "53300": DatabaseUnreachable,  # too_many_connections
    "57P01": DatabaseUnreachable, "57P02": DatabaseUnreachable,  # admin or crash shutdown
    "57P03": DatabaseUnreachable}  # cannot_connect_now: starting up or recovering
_NO_SQLSTATE = object()  # sqlite3's errors have no sqlstate at all; psycopg's may hold None


def meaning(exc: DBAPIError) -> type[Unavailable] | None:
    """What a driver's error means for the user, or None for a fault of wenshu's own."""
    sqlite_code = getattr(exc.orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return _SQLITE_MEANING.get(sqlite_code & 0xFF)
    sqlstate = getattr(exc.orig, "sqlstate", _NO_SQLSTATE)
    if sqlstate is None:  # libpq's own failure: refused, reset, timed out, closed
        return DatabaseUnreachable if isinstance(exc, OperationalError) else None
    if isinstance(sqlstate, str):
        return _PG_MEANING.get(sqlstate) or _PG_MEANING.get(sqlstate[:2])
    return None


@contextmanager
def _reported() -> Iterator[None]:
    """Turn a driver's error that is the database's state, not wenshu's fault, into the
    :class:`Unavailable` the user is shown; the driver's words go to the log."""
    try:
        yield
    except DBAPIError as exc:
        kind = meaning(exc)
        if kind is None:
            raise
        _log.warning("%s: %s", kind.__name__, str(exc.orig).strip())
        raise kind() from exc


# Bound parameters per IN (...) query: under SQLite's historical limit of 999.
IN_BATCH = 900
T = TypeVar("T")


def in_batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """``items`` in slices small enough for one IN (...) list each."""
    for start in range(0, len(items), IN_BATCH):
        yield items[start:start + IN_BATCH]


_REVISION = re.compile(r"""^(down_)?revision\s*=\s*(.+)$""", re.MULTILINE)


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The revisions no other migration builds on, read from the migration files (quickly:
    without loading Alembic, which every command would otherwise pay for)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in Path(str(files("wenshu") / "migrations" / "versions")).glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            named = set(re.findall(r"""['"]([^'"]+)['"]""", value))
            (parents if down else revisions).update(named)
    return frozenset(revisions - parents)


def _is_current(settings: Settings) -> bool:
    """Whether the database stands at every migration head already."""
    try:
        with get_engine(settings).connect() as connection:
            stamped = {row[0] for row in connection.execute(
                text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:
        return False  # a new database, or none yet
    return stamped == set(migration_heads())


def upgrade_schema(settings: Settings) -> None:
    """Bring the database to the latest Alembic revision (a no-op when current)."""
    if _is_current(settings):
        return
    from alembic import command
    from alembic.config import Config

    migrations = Path(str(files("wenshu") / "migrations"))
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", settings.db_url.replace("%", "%%"))
    with _reported(), get_engine(settings).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """A session committed on success and rolled back on any error."""
    factory = sessionmaker(get_engine(settings), expire_on_commit=False)
    with _reported(), factory() as session, session.begin():
        yield session


@contextmanager
def write_scope(settings: Settings) -> Iterator[Session]:
    """Like :func:`session_scope`, holding SQLite's write lock from the first statement.

    SQLite's deferred BEGIN lets two writers read the same row and then fail to
    upgrade their locks; IMMEDIATE queues them up front. PostgreSQL callers lock
    the rows they read (``FOR UPDATE``) instead.
    """
    factory = sessionmaker(get_engine(settings), expire_on_commit=False)
    with _reported(), factory() as session, session.begin():
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("BEGIN IMMEDIATE"))
        yield session


def serialise(session: Session, name: str) -> None:
    """Hold ``name``'s lock for the rest of ``session``'s transaction, waiting for any other
    transaction that holds it: what the session reads from here on stays true until it
    commits, for work that reads, decides and then writes (an import deciding which rows
    are new). A PostgreSQL advisory lock; on SQLite, its one write lock (held already once
    the transaction has written). Take it after slow work that needs no lock. A wait past
    the settings' ``lock_wait_seconds`` ends in :class:`Busy` (under :func:`session_scope`)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
    elif not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        # pysqlite opens a transaction only at the first write: reads before this one saw
        # committed data and hold no snapshot, so the lock can still be taken here.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def as_utc(moment: datetime) -> datetime:
    """A stored time in UTC; SQLite hands back the UTC times it was given without their zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
