"""Placing files in the archive under leases kept in the database.

The archive may be shared storage that writers on several machines mount, so no
lock or process table of one machine can say who is placing what; the database
every writer uses does. A writer names each file or version folder it is about
to place (its targets) and takes a lease on each in a transaction of its own,
committed before it touches the folder: a ``placement_leases`` row with the
target, the staging folder it fills first, a random token, its host and pid (for
people) and an expiry on the database's clock. The unique target keeps a second
writer out; it waits for the lease to go (:func:`placements`).

Files are written to the staging folder, fsynced and renamed into place. The
transaction that records them (:meth:`Placing.transaction`) renews the leases as
it starts, which keeps anyone from taking them over while it runs, and deletes
them as it commits: a lease lives exactly as long as its target is unsettled.

A writer that crashes leaves its leases behind. Once one has expired, any process
takes it over (an UPDATE only one process can win), removes its staging folder
and its target unless the database records files there, then deletes it
(:func:`recover`, run before every placement and by ``archive verify``). A live
lease is never touched, whichever machine holds it: the database's clock, not a
process table, tells a crashed writer from a slow one. ``.staging`` is the
store's bookkeeping folder, never a record.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from wenshu.db import as_utc, session_scope, write_scope
from wenshu.errors import ArchiveError, ArchiveUnreachable, PathError, Unavailable
from wenshu.models.tables import PlacementLease, StoredFile
from wenshu.paths import check_name, inside, inside_relative
from wenshu.settings import Settings

_log = logging.getLogger(__name__)
STAGING = ".staging"  # files are written here, then renamed into place
BOOKKEEPING = (STAGING,)  # folders under the root that never hold records
PRESENCE_SAMPLE = 3  # the newest files an archive root must show one of to be the archive


class PlacementTaken(ArchiveError):
    """Files are recorded where a writer meant to place: another writer got there first."""


def fsync_copy(source: Path, target: Path) -> None:
    """Copy a file's bytes and make them survive a power loss."""
    with source.open("rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)
        dst.flush()
        os.fsync(dst.fileno())


def _fsync_dir(folder: Path) -> None:
    """Make a new entry (or rename) in ``folder`` survive a power loss."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    """Remove a file or a folder tree (stored files are read-only, their folders are not)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _clock(session: Session, seconds: float = 0.0) -> Any:
    """The database's time plus ``seconds``: hosts whose clocks differ compare leases on one.

    SQLite keeps times as text: both sides of every comparison come from this one
    format, so they compare as times.
    """
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H:%M:%f", "now", f"{seconds:+.3f} seconds")
    return func.now() + timedelta(seconds=seconds)


def _owner() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


def _recorded(settings: Settings, paths: Iterable[str]) -> set[str]:
    """Which of these paths (files, or folders of files) a stored file is at or under."""
    paths = list(paths)
    if not paths:
        return set()
    with session_scope(settings) as session:
        return {p for p in paths if session.scalar(
            select(StoredFile.id).where(or_(
                StoredFile.path == p, StoredFile.path.startswith(p + "/", autoescape=True)
            )).limit(1)) is not None}


class Placing:
    """One writer's leases on the files and folders it places; made by :func:`placements`.

    Place each target once, through :meth:`folder` or :meth:`file`, and record them
    in :meth:`transaction`.
    """

    def __init__(self, settings: Settings, token: str, staging: dict[str, str],
                 recorded: set[str]):
        self._settings = settings
        self._root = settings.archive_dir
        self._token = token
        self._staging = staging  # target → its staging folder, both relative to the root
        self._recorded = recorded  # targets the database recorded before the leases
        self._placed: dict[str, tuple[int, int]] = {}  # target → (device, inode) placed
        self._settled = False

    def _lease(self, target: Path) -> tuple[str, Path]:
        """The target (relative) and its staging folder; refused unless it may be placed."""
        rel = target.relative_to(self._root).as_posix()
        if rel not in self._staging:
            raise ArchiveError(f"{rel} is placed without a lease on it")
        if rel in self._recorded:
            raise PlacementTaken(f"{rel} is recorded already")
        return rel, self._root / self._staging[rel]

    def _put(self, rel: str, made: Path, target: Path) -> None:
        """Rename ``made`` into place as ``target``, replacing a crashed writer's leftover.

        The lease and the records prove a leftover there is nobody's: the lease keeps
        every other writer out, and no stored file is recorded at the target.
        """
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() or target.is_symlink():
            _remove(target)
        made.rename(target)
        info = target.lstat()  # remembered, so an undo never removes another writer's file
        self._placed[rel] = (info.st_dev, info.st_ino)
        _fsync_dir(target.parent)

    @contextmanager
    def folder(self, folder: Path) -> Iterator[Path]:
        """A staging folder to fill; when the block ends it becomes ``folder`` in one rename."""
        rel, staging = self._lease(folder)
        staging.mkdir(parents=True)
        try:
            yield staging
            self._put(rel, staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def file(self, source: Path, target: Path) -> None:
        """Copy ``source`` in as the read-only file ``target``, by way of its staging folder."""
        rel, staging = self._lease(target)
        staging.mkdir(parents=True)
        try:
            copy = staging / target.name
            fsync_copy(source, copy)
            copy.chmod(0o444)
            self._put(rel, copy, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """The transaction that records what was placed; it ends the leases as it commits.

        It renews them first: on PostgreSQL the renewal keeps the rows locked, and on
        SQLite the transaction holds the write lock, so nobody can take them over
        while it runs. Raises :class:`ArchiveError` if they were taken over already.
        """
        with write_scope(self._settings) as session:
            mine = PlacementLease.token == self._token
            lease = self._settings.placement_lease_seconds
            self._check(session.execute(update(PlacementLease).where(mine).values(
                expires_at=_clock(session, lease))).rowcount)
            yield session
            self._check(session.execute(delete(PlacementLease).where(mine)).rowcount)
        self._settled = True

    def _check(self, count: int) -> None:
        if count != len(self._staging):
            shown = "、".join(sorted(self._staging))
            raise ArchiveError(
                f"写入档案“{shown}”的用时超过了租约期限（{self._settings.placement_lease_seconds:g}"
                " 秒），其他进程已接管清理；请重新操作")

    def _abandon(self) -> None:
        """Undo a placement that was not recorded: what it placed, its staging, its leases.

        What the database records stays (a commit whose answer was lost). If the
        database cannot be asked, everything stays for :func:`recover` once the
        leases expire.
        """
        try:
            recorded = _recorded(self._settings, self._placed)
        except (SQLAlchemyError, Unavailable):
            return
        for rel, placed in self._placed.items():
            path = self._root / rel
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue
            if rel not in recorded and (info.st_dev, info.st_ino) == placed:
                _remove(path)
        for staging in self._staging.values():
            shutil.rmtree(self._root / staging, ignore_errors=True)
        try:
            with session_scope(self._settings) as session:
                session.execute(delete(PlacementLease).where(PlacementLease.token == self._token))
        except (SQLAlchemyError, Unavailable):
            return  # the leases expire, and recovery finds nothing left to remove


@contextmanager
def placements(settings: Settings, targets: Sequence[Path]) -> Iterator[Placing]:
    """Leases on ``targets`` (files or folders under the archive root) while the block runs.

    Expired leases are recovered first (:func:`recover`). While a live lease of
    another writer holds a target, waits for it to end or expire, up to twice the
    lease duration (then :class:`ArchiveError`). When the block raises, or ends
    without :meth:`Placing.transaction` having committed, what it placed is undone.
    """
    placing = _take(settings, targets)
    try:
        yield placing
    finally:
        if not placing._settled:
            placing._abandon()


def check_present(settings: Settings) -> None:
    """Raise :class:`ArchiveUnreachable` when the archive root holds none of the newest
    files the database records there. A shared archive that is not mounted leaves its empty
    mount point in its place: files written there would be hidden from every other machine
    (and beneath the share once it is mounted), and every file read would seem lost. One
    file lost from a mounted archive is not this: ``archive verify`` names it."""
    with session_scope(settings) as session:
        newest = list(session.scalars(
            select(StoredFile.path).order_by(StoredFile.id.desc()).limit(PRESENCE_SAMPLE)))
    root = settings.archive_dir
    if newest and not any(inside_relative(root, path).exists() for path in newest):
        _log.error("archive root %s holds none of the newest files filed there (%s): "
                   "not mounted?", root, ", ".join(newest))
        raise ArchiveUnreachable()


def _take(settings: Settings, targets: Sequence[Path]) -> Placing:
    """Insert and commit the leases, all at once; waits while a live writer holds one."""
    check_present(settings)
    # Once each: a writer must never wait for its own lease.
    rels = list(dict.fromkeys(t.relative_to(settings.archive_dir).as_posix() for t in targets))
    token = uuid.uuid4().hex
    staging = {rel: f"{STAGING}/{token}-{n}" for n, rel in enumerate(rels)}
    lease = settings.placement_lease_seconds
    deadline = time.monotonic() + 2 * lease
    while True:
        recover(settings)
        try:
            with write_scope(settings) as session:
                for rel in rels:
                    session.execute(insert(PlacementLease).values(
                        target=rel, staging=staging[rel], token=token, owner=_owner(),
                        taken_at=_clock(session), expires_at=_clock(session, lease)))
            return Placing(settings, token, staging, _recorded(settings, rels))
        except IntegrityError:
            if time.monotonic() > deadline:
                raise ArchiveError(_held(settings, rels)) from None
            time.sleep(min(2.0, lease / 10))


def _held(settings: Settings, rels: list[str]) -> str:
    """Why a writer gave up waiting: which target is held, by whom, until when."""
    with session_scope(settings) as session:
        held = session.scalar(select(PlacementLease).where(PlacementLease.target.in_(rels))
                              .limit(1))
    if held is None:
        return f"档案中的“{'、'.join(rels)}”一直有其他进程在写入；请稍后重试"
    until = f"{as_utc(held.expires_at):%Y-%m-%d %H:%M:%S} UTC"
    return (f"档案中的“{held.target}”正由 {held.owner} 写入（租约至 {until}），等待 "
            f"{2 * settings.placement_lease_seconds:g} 秒后仍未完成；请稍后重试")


def recover(settings: Settings) -> list[Path]:
    """Clean up after writers whose leases expired; the paths removed.

    Each expired lease is taken over in one UPDATE that names its old token and
    expiry, so of several processes recovering at once one wins it; rows a running
    transaction holds are skipped. Its target is removed unless the database
    records files there, then its staging folder, then the lease.
    """
    with session_scope(settings) as session:
        if session.scalar(select(PlacementLease.id).where(
                PlacementLease.expires_at < _clock(session)).limit(1)) is None:
            return []
    token = uuid.uuid4().hex
    with write_scope(settings) as session:
        now = _clock(session)
        expired = session.execute(select(PlacementLease.id, PlacementLease.token)
                                  .where(PlacementLease.expires_at < now)
                                  .with_for_update(skip_locked=True)).all()
        for lease_id, old in expired:
            session.execute(update(PlacementLease).where(
                PlacementLease.id == lease_id, PlacementLease.token == old,
                PlacementLease.expires_at < now).values(
                token=token, owner=_owner(),
                expires_at=_clock(session, settings.placement_lease_seconds)))
        taken = session.execute(select(PlacementLease.target, PlacementLease.staging)
                                .where(PlacementLease.token == token)).all()
    return _clean(settings, token, taken)


def _clean(settings: Settings, token: str, taken: Sequence[Any]) -> list[Path]:
    """Remove what the leases taken over name, unless recorded, then the leases."""
    root = settings.archive_dir
    recorded = _recorded(settings, (target for target, _ in taken))
    removed: list[Path] = []
    for target, staging in taken:
        path = _inside(root, target, staging=False)
        if target not in recorded and (path.exists() or path.is_symlink()):
            _remove(path)
            removed.append(path)
        shutil.rmtree(_inside(root, staging, staging=True), ignore_errors=True)
    with session_scope(settings) as session:
        session.execute(delete(PlacementLease).where(PlacementLease.token == token))
    return removed


def _inside(root: Path, rel: str, *, staging: bool) -> Path:
    """A path a lease names, refused unless it lies in the archive (or in ``.staging``)."""
    parts = rel.split("/")
    try:
        # The folders are resolved: no symlinked folder may take a removal outside. The
        # entry itself is not: if it is a link, _remove unlinks it and never follows it.
        path = inside(root, *parts[:-1]) / check_name(parts[-1])
    except PathError:
        path = None
    if path is None or (parts[0] == STAGING) != staging or len(parts) < (2 if staging else 1):
        raise ArchiveError(f"a placement lease names {rel!r}, not a path in the archive")
    return path


def under_way(settings: Settings) -> frozenset[str]:
    """Targets (relative to the archive root) of placements not settled yet."""
    with session_scope(settings) as session:
        return frozenset(session.scalars(select(PlacementLease.target)))
