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
step, then recorded; if recording fails the folder is removed, even when the
writer is killed, by whichever process (on any machine) sees its lease in the
database expire (:mod:`wenshu.archive.placing`). Files are made read-only and
their SHA-256 is re-checked whenever one is handed out.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from wenshu.archive.keys import (
    ArchivedFile,
    DocumentKey,
    StoredVersion,
    select_version,
    sha256_file,
)
from wenshu.archive.metadata import FORMAT_LABELS
from wenshu.archive.placing import (
    PlacementTaken,
    Placing,
    check_present,
    fsync_copy,
    placements,
    recover,
    under_way,
)
from wenshu.archive.search import index_version
from wenshu.archive.text import docx_text
from wenshu.db import session_scope
from wenshu.errors import ArchiveError, NotFoundError, PathError
from wenshu.models.tables import Document, DocumentVersion, StoredFile
from wenshu.paths import inside, inside_relative
from wenshu.settings import Settings

FORMATS = ("docx", "pdf")
_STORE_ATTEMPTS = 3
def _is_key(key: DocumentKey) -> ColumnElement[bool]:
    return and_(Document.kind == key.kind, Document.unit_code == key.unit_code,
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
            except (IntegrityError, PlacementTaken):
                # A concurrent writer took this version number; read again and retry.
                if attempt == _STORE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _store_once(self, key: DocumentKey, title: str, files: Mapping[str, Path],
                    template_name: str, template_sha256: str, input_sha256: str,
                    flow_run_id: str | None, printed: tuple[date | None, str | None]
                    ) -> StoredVersion:
        with session_scope(self.settings) as session:
            existing = self.find_identical(session, key, input_sha256, template_sha256)
            if existing is not None:
                return existing
            latest = self._latest(session, key)
        number = 1 if latest is None else latest.version + 1
        folder = self.version_dir(key, number)
        # The lease on the folder is taken (and committed) before the files go in; if
        # another writer recorded this number meanwhile, placing raises PlacementTaken.
        with self.placing([folder]) as placing:
            stored = self._place_files(folder, key.stem, files, placing)
            with placing.transaction() as session:
                document = session.scalar(select(Document).where(_is_key(key)))
                if document is None:
                    document = Document(kind=key.kind, unit_code=key.unit_code,
                                        period=key.period, topic=key.topic, script=key.script,
                                        title=title)
                    session.add(document)
                document.title = title
                session.flush()
                version = DocumentVersion(
                    document_id=document.id, version=number, created_at=datetime.now(UTC),
                    template_name=template_name, template_sha256=template_sha256,
                    input_sha256=input_sha256, flow_run_id=flow_run_id,
                    issued_on=printed[0], doc_number=printed[1],
                )
                session.add(version)
                session.flush()  # the unique (document, version) refuses a number taken
                session.add_all(
                    StoredFile(version_id=version.id, format=fmt, size=item.size,
                               sha256=item.sha256,
                               path=item.path.relative_to(self.root).as_posix())
                    for fmt, item in stored.items()
                )
                session.flush()
                session.refresh(version, ["files"])
                if "docx" in stored:
                    # Indexed in the same transaction: a stored version is always searchable.
                    index_version(session, version.id, docx_text(stored["docx"].path))
                return self._to_stored(version, created=True, document=document)

    @contextmanager
    def placing(self, targets: Sequence[Path]) -> Iterator[Placing]:
        """Leases on the files or version folders a writer is about to place: fill them
        through ``placing.folder()`` or ``placing.file()``, record them in
        ``placing.transaction()``; see :func:`wenshu.archive.placing.placements`."""
        with placements(self.settings, targets) as placing:
            yield placing

    def recover(self) -> list[Path]:
        """Clean up after writers whose leases expired (they crashed); the paths removed.

        A placement whose lease is live is left alone, whatever machine holds it.
        """
        return recover(self.settings)

    def placements_under_way(self) -> frozenset[str]:
        """Paths (relative to the root) that writers hold leases on: not settled yet."""
        return under_way(self.settings)

    def beside(self, version: DocumentVersion, name: str) -> Path:
        """Where a file named ``name`` goes beside a version's first stored file."""
        # Both the stored path and ``name`` are data: the result must lie in the archive.
        return inside(self.root, *version.files[0].path.split("/")[:-1], name)

    def add_file(self, session: Session, version: DocumentVersion, fmt: str, source: Path,
                 name: str, *, placing: Placing) -> ArchivedFile:
        """Copy a file made from a stored version (e.g. its stamped filed PDF) in beside it.

        Recorded in ``placing``'s transaction (``session``), whose lease covers
        :meth:`beside`; removed if that does not commit, even when the process is
        killed. Refuses a format the version already has.
        """
        if any(f.format == fmt for f in version.files):
            raise ArchiveError(f"version {version.version} already has a {fmt} file")
        if not version.files:
            raise ArchiveError(f"version {version.version} has no stored files to add to")
        target = self.beside(version, name)
        placing.file(source, target)
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
                fsync_copy(Path(source), target)
                target.chmod(0o444)
                placed[fmt] = ArchivedFile(fmt, folder / target.name, sha256_file(target),
                                           target.stat().st_size)
        return placed

    # -- reading -------------------------------------------------------------

    def _latest(self, session: Session, key: DocumentKey) -> DocumentVersion | None:
        return session.scalar(
            select(DocumentVersion)
            .join(Document)
            .where(_is_key(key))
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
            raise NotFoundError(f"文档 {document_id} 第 {stored.version} 版没有"
                                f"{FORMAT_LABELS.get(fmt, fmt)}")
        source = self._stored_path(item.path)
        if not source.exists():
            check_present(self.settings)  # the whole archive missing is not this file lost
            raise ArchiveError(f"存储的文件缺失：{item.path}")
        actual = sha256_file(source)
        if actual != item.sha256:
            raise ArchiveError(f"存储的文件已损坏：{item.path} 的 SHA-256 为 {actual}，"
                               f"登记为 {item.sha256}")
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
