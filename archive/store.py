"""Storing generated documents immutably, one version per change of inputs or template.

Layout under the archive root (``/<topic>`` only for documents that have one,
such as the 实施方案 of a named campaign; ``/traditional`` for Traditional renditions)::

    <kind>/<unit_code>/<period>[/<topic>][/traditional]/v0001/<unit_code>_<period>_<kind>.docx
                                               /<unit_code>_<period>_<kind>.pdf

A version folder holds only recorded files, each with its digest in the
database (filing adds the stamped PDF and its DA/T 46 metadata). What a version
is (document, number, template and input digests, flow run, signing date and
doc number, files) lives in the database alone: ``archive show`` prints it and
the transfer package carries it (records.json). Versions stored before that
also have a ``metadata.json`` beside their files, which ``archive verify``
checks against the database (:mod:`wenshu.archive.legacy_metadata`).

A version's files are written to a staging folder and renamed into place in one
step, then recorded in the database; if recording fails the folder is removed,
so the store never holds a half-written version. Files are made read-only and
their SHA-256 is re-checked whenever one is handed out.

Crash safety: files are placed before the transaction that records them commits,
so every transaction that places files does it under an intent journal
(:meth:`Archive.placing`): ``.pending/<uuid>.json`` names the process and the
paths about to be placed, is written (and fsynced) before anything is placed,
and is removed once the transaction has committed. A process killed in between
leaves its journal behind; :meth:`Archive.recover` (run before every placement
and by ``archive verify``) removes what such a journal placed unless the
database records it. Placements hold a shared lock on ``.pending`` and recovery
an exclusive one it never waits for, so a recovery never judges a transaction
still under way. ``.staging`` and ``.pending`` are the store's bookkeeping
folders, never records.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import socket
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from wenshu.archive.search import index_version
from wenshu.archive.text import docx_text
from wenshu.codes import check_unit_code
from wenshu.db import session_scope
from wenshu.errors import ArchiveError, NotFoundError, PathError
from wenshu.models.tables import Document, DocumentVersion, StoredFile
from wenshu.paths import check_name, inside, inside_relative
from wenshu.settings import Settings

FORMATS = ("docx", "pdf")
STAGING = ".staging"  # files are written here, then renamed into place
PENDING = ".pending"  # intent journals of placements whose transaction has not committed
BOOKKEEPING = (STAGING, PENDING)  # folders under the root that never hold records
_STORE_ATTEMPTS = 3
SCRIPTS = ("simplified", "traditional")


@dataclass(frozen=True)
class DocumentKey:
    """What identifies a document across its versions."""

    kind: str
    unit_code: str
    period: str
    topic: str = ""  # e.g. the campaign of an implementation plan; "" for most kinds
    script: str = "simplified"  # or "traditional"

    @property
    def stem(self) -> str:
        """The stored files' name without extension (check the key before using it in a path)."""
        script = "" if self.script == "simplified" else self.script
        return "_".join(p for p in (self.unit_code, self.period, self.kind, self.topic, script) if p)

    def check(self) -> DocumentKey:
        """This key, once every part is fit to name a folder or file; raises if not.

        Every part comes from data (the database, a transfer package, a campaign
        spec): the unit code must be valid (:class:`~wenshu.errors.CodeError`),
        kind, period and topic single names not starting with ``.`` (the store's
        bookkeeping folders do) (:class:`~wenshu.errors.PathError`), and the
        script a known one (:class:`~wenshu.errors.ArchiveError`).
        """
        check_unit_code(self.unit_code)
        for part in (self.kind, self.period, *((self.topic,) if self.topic else ())):
            check_name(part)
            if part.startswith("."):
                raise PathError(f"“{part}”不能用作档案文件夹名：不能以“.”开头")
        if self.script not in SCRIPTS:
            raise ArchiveError(f"script {self.script!r} must be one of {', '.join(SCRIPTS)}")
        return self


@dataclass(frozen=True)
class ArchivedFile:
    """One stored file of a version."""

    format: str
    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class StoredVersion:
    """A version of a document as the archive records it."""

    document_id: int
    key: DocumentKey
    title: str
    version: int
    created_at: datetime
    template_name: str
    template_sha256: str
    input_sha256: str
    flow_run_id: str | None
    files: Mapping[str, ArchivedFile]
    created: bool = True  # False when an identical version already existed
    issued_on: date | None = None  # the signing date printed in it; None: not recorded
    doc_number: str | None = None  # the doc number printed in it ("" none); None: not recorded


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_copy(source: Path, target: Path) -> None:
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


def _lock(folder: Path, *, exclusive: bool) -> int | None:
    """``flock`` a folder: shared (waits out a recovery) or exclusive (never waits: None).

    The kernel drops the lock when its holder dies, so a killed placement never
    keeps recovery out.
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _process_start(pid: int) -> str | None:
    """When a live process started (clock ticks since boot, from /proc); None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count from its end.
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] in ("Z", "X") else fields[19]  # a zombie has exited too


def _owner() -> dict[str, Any]:
    """This process as a journal names it; the start time tells a reused pid apart."""
    return {"pid": os.getpid(), "start": _process_start(os.getpid()),
            "host": socket.gethostname()}


def _owner_gone(journal: Mapping[str, Any]) -> bool:
    if journal.get("host") != socket.gethostname():
        return False  # another machine's process (a shared archive): this one cannot tell
    start = _process_start(int(journal["pid"]))
    return start is None or start != journal.get("start")


class Placing:
    """The intent journal of one transaction that places files under the archive root.

    Made by :meth:`Archive.placing`; hand it to :meth:`Archive.add_file`, or fill
    a new version folder through :meth:`folder`.
    """

    def __init__(self, root: Path, journal: Path):
        self._root = root
        self._journal = journal
        self._paths: list[str] = []
        self._staging: list[str] = []
        self._placed: dict[str, tuple[int, int]] = {}  # path → (device, inode) this one placed

    def _intend(self, target: Path, staging: Path) -> None:
        """Journal ``target`` (a file or folder) and its staging folder before either exists."""
        self._paths.append(target.relative_to(self._root).as_posix())
        self._staging.append(staging.relative_to(self._root).as_posix())
        data = {**_owner(), "created_at": datetime.now(UTC).isoformat(), "paths": self._paths,
                "staging": self._staging}
        temp = self._journal.with_suffix(".tmp")
        with temp.open("w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self._journal)
        _fsync_dir(self._journal.parent)

    @contextmanager
    def folder(self, folder: Path) -> Iterator[Path]:
        """A staging folder to fill; when the block ends it becomes ``folder`` in one rename.

        Journalled before anything exists. The caller's transaction must prove
        ``folder`` is no record (e.g. by the version row it has just inserted): a
        leftover there is from a killed placement and is replaced.
        """
        staging = self._root / STAGING / uuid.uuid4().hex
        self._intend(folder, staging)
        staging.mkdir(parents=True)
        try:
            yield staging
            folder.parent.mkdir(parents=True, exist_ok=True)
            if folder.exists():
                _remove(folder)
            staging.rename(folder)
            self._mark_placed(folder)
            _fsync_dir(folder.parent)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _mark_placed(self, target: Path) -> None:
        """Remember what was placed, so a cleanup never removes another writer's file."""
        info = target.stat()
        self._placed[target.relative_to(self._root).as_posix()] = (info.st_dev, info.st_ino)

    def _close(self) -> None:
        self._journal.unlink(missing_ok=True)


V = TypeVar("V", StoredVersion, DocumentVersion)


def select_version(versions: Sequence[V], document_id: int, number: int | None) -> V:
    """Version ``number`` among a document's versions (oldest first), or the latest."""
    if number is None:
        return versions[-1]
    for item in versions:
        if item.version == number:
            return item
    raise NotFoundError(f"document {document_id} has no version {number} "
                        f"(versions: {', '.join(str(v.version) for v in versions)})")


def _document_query(key: DocumentKey) -> Select[tuple[Document]]:
    return select(Document).where(Document.kind == key.kind, Document.unit_code == key.unit_code,
                                  Document.period == key.period, Document.topic == key.topic,
                   Document.script == key.script)


class Archive:
    """The document archive under ``settings.archive_dir``, recorded in the database."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = settings.archive_dir

    # -- writing -------------------------------------------------------------

    def find_identical(self, session: Session, key: DocumentKey, input_sha256: str,
                       template_sha256: str) -> StoredVersion | None:
        """The latest version if it was made from the same inputs and template."""
        latest = self._latest(session, key)
        if latest is None:
            return None
        if latest.input_sha256 == input_sha256 and latest.template_sha256 == template_sha256:
            return self._to_stored(latest, created=False)
        return None

    def store(self, key: DocumentKey, *, title: str, files: Mapping[str, Path],
              template_name: str, template_sha256: str, input_sha256: str,
              flow_run_id: str | None = None, issued_on: date | None = None,
              doc_number: str | None = None) -> StoredVersion:
        """Archive a generated document as a new version, unless nothing changed.

        ``files`` maps a format (docx, pdf) to the file to copy in; ``issued_on``
        and ``doc_number`` are the signing date and doc number printed in them,
        recorded with the version. Returns the new version, or the existing one
        (``created=False``) when the latest version has the same input and
        template digests: the input digest leaves the signing date out, so that
        version keeps the date it was made with (and prints), whatever
        ``issued_on`` says now.
        """
        unknown = set(files) - set(FORMATS)
        if unknown or not files:
            raise ArchiveError(f"formats must be among {FORMATS}, got {sorted(files)}")
        key.check()  # before any record or file: the key names the version's folder
        for attempt in range(_STORE_ATTEMPTS):
            try:
                return self._store_once(key, title, files, template_name, template_sha256,
                                        input_sha256, flow_run_id, (issued_on, doc_number))
            except IntegrityError:
                # A concurrent writer took this version number; read again and retry.
                if attempt == _STORE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _store_once(self, key: DocumentKey, title: str, files: Mapping[str, Path],
                    template_name: str, template_sha256: str, input_sha256: str,
                    flow_run_id: str | None, printed: tuple[date | None, str | None]
                    ) -> StoredVersion:
        # The journal outlives the transaction: it goes only once the commit is done.
        with self.placing() as placing, session_scope(self.settings) as session:
            existing = self.find_identical(session, key, input_sha256, template_sha256)
            if existing is not None:
                return existing
            document = session.scalar(_document_query(key))
            if document is None:
                document = Document(kind=key.kind, unit_code=key.unit_code, period=key.period,
                                    topic=key.topic, script=key.script, title=title)
                session.add(document)
            document.title = title
            session.flush()
            latest = self._latest(session, key)
            version = DocumentVersion(
                document_id=document.id, version=1 if latest is None else latest.version + 1,
                created_at=datetime.now(UTC), template_name=template_name,
                template_sha256=template_sha256, input_sha256=input_sha256,
                flow_run_id=flow_run_id, issued_on=printed[0], doc_number=printed[1],
            )
            session.add(version)
            session.flush()
            folder = self.version_dir(key, version.version)
            stored = self._place_files(folder, key.stem, files, placing)
            session.add_all(
                StoredFile(version_id=version.id, format=fmt, size=item.size,
                           sha256=item.sha256, path=item.path.relative_to(self.root).as_posix())
                for fmt, item in stored.items()
            )
            session.flush()
            session.refresh(version, ["files"])
            if "docx" in stored:
                # Indexed in the same transaction: a stored version is always searchable.
                index_version(session, version.id, docx_text(stored["docx"].path))
            result = self._to_stored(version, created=True, document=document)
        return result  # committed on leaving the session scope, then the journal removed

    @contextmanager
    def placing(self) -> Iterator[Placing]:
        """An intent journal for a transaction that places files; enclose the transaction::

            with archive.placing() as placing, write_scope(settings) as session:
                ...
                archive.add_file(session, version, fmt, source, name, placing=placing)

        Leftovers of killed placements are recovered first (:meth:`recover`). When
        the block ends normally the transaction has committed and the journal is
        removed. When it raises, what this placement put in place is removed unless
        the database records it (a commit whose outcome was lost), then the journal;
        if the database cannot be asked, the journal stays for :meth:`recover`.
        """
        self.recover()
        pending = self.root / PENDING
        pending.mkdir(parents=True, exist_ok=True)
        lock = _lock(pending, exclusive=False)
        placing = Placing(self.root, pending / f"{uuid.uuid4().hex}.json")
        try:
            yield placing
        except BaseException:
            self._abandon(placing)
            raise
        else:
            placing._close()
        finally:
            if lock is not None:
                os.close(lock)

    def _abandon(self, placing: Placing) -> None:
        try:
            unrecorded = self._unrecorded(placing._placed)
        except Exception:  # noqa: BLE001  (the failure being raised matters more)
            return  # e.g. the database is down: the journal stays for recover()
        for rel in unrecorded:
            path = self.root / rel
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue
            if (info.st_dev, info.st_ino) == placing._placed[rel]:
                _remove(path)
        for rel in placing._staging:
            shutil.rmtree(self.root / rel, ignore_errors=True)
        placing._close()

    def recover(self) -> list[Path]:
        """Settle the intent journals of placements whose process is gone; the paths removed.

        What such a journal names is removed unless the database records it (the
        transaction committed just before the kill), then the journal. Does
        nothing while another placement is under way, since its transaction is
        not settled yet; the next store, filing or verify does it.
        """
        pending = self.root / PENDING
        if not pending.is_dir():
            return []
        lock = _lock(pending, exclusive=True)
        if lock is None:
            return []
        removed: list[Path] = []
        try:
            for temp in pending.glob("*.tmp"):
                temp.unlink(missing_ok=True)  # a journal update cut short: never in force
            for journal in sorted(pending.glob("*.json")):
                data = self._read_journal(journal)
                if not _owner_gone(data):
                    continue
                for rel in self._unrecorded(data["paths"]):
                    path = self._inside(journal, rel)
                    if path.exists() or path.is_symlink():
                        _remove(path)
                        removed.append(path)
                for rel in data["staging"]:
                    shutil.rmtree(self._inside(journal, rel), ignore_errors=True)
                journal.unlink()
        finally:
            os.close(lock)
        return removed

    def placements_under_way(self) -> frozenset[str]:
        """Paths (relative to the root) that live processes are placing right now."""
        pending = self.root / PENDING
        under_way: set[str] = set()
        for journal in sorted(pending.glob("*.json")) if pending.is_dir() else ():
            try:
                data = self._read_journal(journal)
            except ArchiveError:
                continue  # removed or replaced while being read: its owner is busy with it
            if not _owner_gone(data):
                under_way.update(data["paths"])
        return frozenset(under_way)

    @staticmethod
    def _read_journal(journal: Path) -> dict[str, Any]:
        try:
            data = json.loads(journal.read_text(encoding="utf-8"))
            if not (isinstance(data.get("paths"), list) and isinstance(data.get("staging"), list)
                    and "pid" in data):
                raise ValueError("no pid, paths or staging")
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"unreadable intent journal {journal}: {exc}; see what it "
                               "names, then remove it") from exc
        return data

    def _inside(self, journal: Path, rel: str) -> Path:
        parts = rel.split("/") if isinstance(rel, str) else []
        try:
            # The folders are resolved: no symlinked folder may take a removal outside. The
            # entry itself is not: if it is a link, _remove unlinks it and never follows it.
            path = inside(self.root, *parts[:-1]) / check_name(parts[-1]) if parts else None
        except PathError:
            path = None
        if path is None or parts[0] == PENDING:
            raise ArchiveError(f"intent journal {journal} names {rel!r}, not a path in the archive")
        return path

    def _unrecorded(self, paths: Iterable[str]) -> list[str]:
        """Which of these paths (files, or folders of files) no stored file is at or under."""
        paths = list(paths)
        if not paths:
            return []
        with session_scope(self.settings) as session:
            return [p for p in paths if session.scalar(
                select(StoredFile.id).where(or_(
                    StoredFile.path == p, StoredFile.path.startswith(p + "/", autoescape=True)
                )).limit(1)) is None]

    def add_file(self, session: Session, version: DocumentVersion, fmt: str, source: Path,
                 name: str, *, placing: Placing) -> ArchivedFile:
        """Copy a file made from a stored version (e.g. its stamped filed PDF) in beside it.

        Recorded in the caller's transaction, which runs inside ``placing`` (see
        :meth:`placing`): the file is journalled before it is placed and removed
        if the transaction does not commit, even when the process is killed.
        Refuses a format the version already has.
        """
        if any(f.format == fmt for f in version.files):
            raise ArchiveError(f"version {version.version} already has a {fmt} file")
        if not version.files:
            raise ArchiveError(f"version {version.version} has no stored files to add to")
        # Beside the version's first file; both the stored path and ``name`` are data.
        folder = version.files[0].path.split("/")[:-1]
        target = inside(self.root, *folder, name)
        staging = self.root / STAGING / uuid.uuid4().hex
        placing._intend(target, staging)
        staging.mkdir(parents=True)
        try:
            copy = staging / name
            _fsync_copy(source, copy)
            copy.chmod(0o444)
            if target.exists():
                # Left by a killed filing: this transaction's lock on the version, which
                # has no such format, proves it is no record and nobody else's.
                _remove(target)
            copy.rename(target)
            placing._mark_placed(target)
            _fsync_dir(target.parent)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        item = ArchivedFile(fmt, target, sha256_file(target), target.stat().st_size)
        session.add(StoredFile(version_id=version.id, format=fmt, size=item.size,
                               sha256=item.sha256, path=target.relative_to(self.root).as_posix()))
        return item

    def version_dir(self, key: DocumentKey, number: int) -> Path:
        """The folder holding a version's files.

        Raises (:meth:`DocumentKey.check`, :func:`~wenshu.paths.inside`) when the key
        could steer it outside the archive, e.g. a unit code stored before codes were
        checked.
        """
        key.check()
        optional = (key.topic, "" if key.script == "simplified" else key.script)
        parts = (key.kind, key.unit_code, key.period, *(p for p in optional if p))
        return inside(self.root, *parts, f"v{number:04d}")

    def _place_files(self, folder: Path, stem: str, files: Mapping[str, Path],
                     placing: Placing) -> dict[str, ArchivedFile]:
        """Copy files into a staging folder, fsync, then rename the folder into place."""
        placed = {}
        with placing.folder(folder) as staging:
            for fmt, source in sorted(files.items()):
                target = inside(staging, f"{stem}.{fmt}")
                _fsync_copy(Path(source), target)
                target.chmod(0o444)
                placed[fmt] = ArchivedFile(fmt, folder / target.name, sha256_file(target),
                                           target.stat().st_size)
        return placed

    # -- reading -------------------------------------------------------------

    def _latest(self, session: Session, key: DocumentKey) -> DocumentVersion | None:
        return session.scalar(
            select(DocumentVersion)
            .join(Document)
            .where(Document.kind == key.kind, Document.unit_code == key.unit_code,
                   Document.period == key.period, Document.topic == key.topic,
                   Document.script == key.script)
            .order_by(DocumentVersion.version.desc())
            .options(selectinload(DocumentVersion.files), selectinload(DocumentVersion.document))
            .limit(1)
        )

    def _to_stored(self, version: DocumentVersion, created: bool,
                   document: Document | None = None) -> StoredVersion:
        document = document or version.document
        files = {f.format: ArchivedFile(f.format, self.root / f.path, f.sha256, f.size)
                 for f in version.files}
        return StoredVersion(
            document_id=document.id,
            key=DocumentKey(document.kind, document.unit_code, document.period, document.topic,
                            document.script),
            title=document.title, version=version.version,
            created_at=version.created_at, template_name=version.template_name,
            template_sha256=version.template_sha256, input_sha256=version.input_sha256,
            flow_run_id=version.flow_run_id, files=files, created=created,
            issued_on=version.issued_on, doc_number=version.doc_number,
        )

    def versions(self, document_id: int) -> list[StoredVersion]:
        """All versions of a document, oldest first."""
        with session_scope(self.settings) as session:
            document = session.get(
                Document, document_id,
                options=[selectinload(Document.versions).selectinload(DocumentVersion.files)],
            )
            if document is None:
                raise NotFoundError(f"no archived document with id {document_id}")
            return [self._to_stored(v, created=False, document=document) for v in document.versions]

    def get(self, document_id: int, version: int | None = None) -> StoredVersion:
        """One version of a document (the latest by default)."""
        return select_version(self.versions(document_id), document_id, version)

    def verified(self, document_id: int, fmt: str, version: int | None = None) -> ArchivedFile:
        """A stored file, its path checked to lie in the archive and its SHA-256 re-checked.

        Raises :class:`NotFoundError` when the version has no such file and
        :class:`ArchiveError` when it is missing or damaged.
        """
        stored = self.get(document_id, version)
        item = stored.files.get(fmt)
        if item is None:
            raise NotFoundError(f"document {document_id} v{stored.version} has no {fmt} "
                                f"(has: {', '.join(sorted(stored.files))})")
        source = self._stored_path(item.path)
        if not source.exists():
            raise ArchiveError(f"stored file is missing: {source}")
        actual = sha256_file(source)
        if actual != item.sha256:
            raise ArchiveError(
                f"stored file is damaged: {source} has SHA-256 {actual}, recorded {item.sha256}"
            )
        return ArchivedFile(item.format, source, item.sha256, item.size)

    def export(self, document_id: int, fmt: str, to: Path, version: int | None = None, *,
               folder: bool = False) -> Path:
        """Copy a stored file out after checking its digest; ``to`` may be a folder (an
        existing one, or one to create when ``folder``)."""
        source = self.verified(document_id, fmt, version).path
        folder = folder or to.is_dir()
        if folder:
            to.mkdir(parents=True, exist_ok=True)
        # The stored name is data too: it must stay a name inside the chosen folder.
        target = inside(to, source.name) if folder else to
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target

    def _stored_path(self, path: Path) -> Path:
        """A stored file's path, refused (:class:`PathError`) unless it lies in the archive."""
        try:
            relative = path.relative_to(self.root).as_posix()
        except ValueError:
            raise PathError(f"路径“{path}”不在“{self.root}”之内，已拒绝") from None
        return inside_relative(self.root, relative)
