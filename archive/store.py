"""Storing generated documents immutably, one version per change of inputs or template.

Layout under the archive root (``/<topic>`` only for documents that have one,
such as the 实施方案 of a named campaign; ``/traditional`` for Traditional renditions)::

    <kind>/<unit_code>/<period>[/<topic>][/traditional]/v0001/<unit_code>_<period>_<kind>.docx
                                               /<unit_code>_<period>_<kind>.pdf
                                               /metadata.json

A version's files are written to a staging folder and renamed into place in one
step, then recorded in the database; if recording fails the folder is removed,
so the store never holds a half-written version. Files are made read-only and
their SHA-256 is re-checked whenever one is handed out.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from wenshu.archive.search import index_version
from wenshu.archive.text import docx_text
from wenshu.db import session_scope
from wenshu.errors import ArchiveError, NotFoundError
from wenshu.models.tables import Document, DocumentVersion, StoredFile
from wenshu.settings import Settings

FORMATS = ("docx", "pdf")
_STORE_ATTEMPTS = 3


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
        """The stored files' name without extension."""
        script = "" if self.script == "simplified" else self.script
        return "_".join(p for p in (self.unit_code, self.period, self.kind, self.topic, script) if p)


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
              flow_run_id: str | None = None) -> StoredVersion:
        """Archive a generated document as a new version, unless nothing changed.

        ``files`` maps a format (docx, pdf) to the file to copy in. Returns the
        new version, or the existing one (``created=False``) when the latest
        version has the same input and template digests.
        """
        unknown = set(files) - set(FORMATS)
        if unknown or not files:
            raise ArchiveError(f"formats must be among {FORMATS}, got {sorted(files)}")
        for attempt in range(_STORE_ATTEMPTS):
            try:
                return self._store_once(key, title, files, template_name, template_sha256,
                                        input_sha256, flow_run_id)
            except IntegrityError:
                # A concurrent writer took this version number; read again and retry.
                if attempt == _STORE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _store_once(self, key: DocumentKey, title: str, files: Mapping[str, Path],
                    template_name: str, template_sha256: str, input_sha256: str,
                    flow_run_id: str | None) -> StoredVersion:
        folder: Path | None = None
        try:
            with session_scope(self.settings) as session:
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
                    flow_run_id=flow_run_id,
                )
                session.add(version)
                session.flush()
                folder = self._version_dir(key, version.version)
                stored = self._place_files(folder, key.stem, files)
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
                self._write_metadata(folder, result)
            return result  # committed on leaving the session scope
        except BaseException:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            raise

    def add_file(self, session: Session, version: DocumentVersion, fmt: str, source: Path,
                 name: str) -> ArchivedFile:
        """Copy a file made from a stored version (e.g. its stamped filed PDF) in beside it.

        Recorded in the caller's transaction; the caller removes the returned file if
        that transaction does not commit. Refuses a format the version already has.
        """
        if any(f.format == fmt for f in version.files):
            raise ArchiveError(f"version {version.version} already has a {fmt} file")
        if not version.files:
            raise ArchiveError(f"version {version.version} has no stored files to add to")
        target = (self.root / version.files[0].path).parent / name
        if target.exists():
            # Left by a process killed before its transaction committed: not a record.
            orphan = self.root / ".orphans" / f"{uuid.uuid4().hex}_{name}"
            orphan.parent.mkdir(parents=True, exist_ok=True)
            target.rename(orphan)
        _fsync_copy(source, target)
        target.chmod(0o444)
        item = ArchivedFile(fmt, target, sha256_file(target), target.stat().st_size)
        session.add(StoredFile(version_id=version.id, format=fmt, size=item.size,
                               sha256=item.sha256, path=target.relative_to(self.root).as_posix()))
        return item

    def _version_dir(self, key: DocumentKey, number: int) -> Path:
        folder = self.root / key.kind / key.unit_code / key.period
        for part in (key.topic, "" if key.script == "simplified" else key.script):
            folder = folder / part if part else folder
        return folder / f"v{number:04d}"

    def _place_files(self, folder: Path, stem: str, files: Mapping[str, Path]
                     ) -> dict[str, ArchivedFile]:
        """Copy files into a staging folder, fsync, then rename the folder into place."""
        staging = self.root / ".staging" / uuid.uuid4().hex
        staging.mkdir(parents=True)
        try:
            placed = {}
            for fmt, source in sorted(files.items()):
                target = staging / f"{stem}.{fmt}"
                _fsync_copy(Path(source), target)
                target.chmod(0o444)
                placed[fmt] = ArchivedFile(fmt, folder / target.name, sha256_file(target),
                                           target.stat().st_size)
            folder.parent.mkdir(parents=True, exist_ok=True)
            if folder.exists():
                # Left by a process killed between rename and commit: not a record.
                orphan = self.root / ".orphans" / f"{uuid.uuid4().hex}_{folder.name}"
                orphan.parent.mkdir(parents=True, exist_ok=True)
                folder.rename(orphan)
            staging.rename(folder)
            return placed
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _write_metadata(self, folder: Path, version: StoredVersion) -> None:
        """A human-readable record beside the files, for archivists without the database."""
        data = {
            "document_id": version.document_id, "kind": version.key.kind,
            "unit_code": version.key.unit_code, "period": version.key.period,
            "topic": version.key.topic, "script": version.key.script, "title": version.title,
            "version": version.version, "created_at": version.created_at.isoformat(),
            "template": {"name": version.template_name, "sha256": version.template_sha256},
            "input_sha256": version.input_sha256, "flow_run_id": version.flow_run_id,
            "files": {f.format: {"name": f.path.name, "sha256": f.sha256, "size": f.size}
                      for f in version.files.values()},
        }
        target = folder / "metadata.json"
        target.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        target.chmod(0o444)

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
        )

    def list_latest(self, *, unit_code: str | None = None, year: int | None = None,
                    kind: str | None = None) -> list[StoredVersion]:
        """The latest version of every document matching the filters."""
        with session_scope(self.settings) as session:
            query = select(Document).options(
                selectinload(Document.versions).selectinload(DocumentVersion.files)
            ).order_by(Document.kind, Document.unit_code, Document.period)
            if unit_code:
                query = query.where(Document.unit_code == unit_code)
            if kind:
                query = query.where(Document.kind == kind)
            if year:
                query = query.where(Document.period.startswith(str(year)))
            return [self._to_stored(doc.versions[-1], created=False, document=doc)
                    for doc in session.scalars(query) if doc.versions]

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

    def export(self, document_id: int, fmt: str, to: Path, version: int | None = None) -> Path:
        """Copy a stored file out after checking its digest; ``to`` may be a folder."""
        stored = self.get(document_id, version)
        item = stored.files.get(fmt)
        if item is None:
            raise NotFoundError(f"document {document_id} v{stored.version} has no {fmt} "
                                f"(has: {', '.join(sorted(stored.files))})")
        if not item.path.exists():
            raise ArchiveError(f"stored file is missing: {item.path}")
        actual = sha256_file(item.path)
        if actual != item.sha256:
            raise ArchiveError(
                f"stored file is damaged: {item.path} has SHA-256 {actual}, recorded {item.sha256}"
            )
        target = to / item.path.name if to.is_dir() else to
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item.path, target)
        return target
