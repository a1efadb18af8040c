"""Retention (保管期限) and disposal (销毁) of filed records.

A record's retention runs from 1 January of the year after its 年度 (DA/T
22-2015): a 2025 record kept for 10 years (D10) falls due on 2036-01-01.
Permanent records (Y) never fall due. Disposal is an archivist's act with a
reason: the record's files are destroyed, its text leaves the search index, and
the catalogue entry (档号, 题名, dates, who disposed of it and why) stays, so the
件号 sequence has no gap and the audit log holds the digests of what was destroyed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from wenshu.access import Actor, authorize
from wenshu.archive.audit import record_event
from wenshu.archive.filing import FiledRecord, filing_history
from wenshu.archive.keys import DocumentKey
from wenshu.archive.metadata import RETENTION_NAMES, STATUS_LABELS
from wenshu.archive.search import unindex_version
from wenshu.archive.store import Archive
from wenshu.db import session_scope, write_scope
from wenshu.errors import ArchiveError, NotFoundError
from wenshu.models.tables import Document, DocumentVersion, StoredFile, Unit
from wenshu.settings import Settings

RETENTION_YEARS = {"D30": 30, "D10": 10}  # Y (永久) is kept for ever


@dataclass(frozen=True)
class DueRecord:
    """A filed record past its retention period."""

    document_id: int
    version: int
    archival_code: str
    title: str
    unit_code: str
    retention: str
    filing_year: int
    due_on: date
    unit_name: str  # the code when the register no longer has the unit


def due_on(filing_year: int, retention: str) -> date | None:
    """The first day a record of that 年度 and retention may be disposed of; None if never."""
    years = RETENTION_YEARS.get(retention)
    return None if years is None else date(filing_year + years + 1, 1, 1)


def due_records(settings: Settings, *, actor: Actor, on: date | None = None) -> list[DueRecord]:
    """Filed and superseded records whose retention has run out by ``on`` (default: today)."""
    authorize(settings, actor, "dispose", target="retention")
    on = on or date.today()
    found = []
    with session_scope(settings) as session:
        rows = session.execute(
            select(DocumentVersion, Document, Unit.name)
            .join(Document, Document.id == DocumentVersion.document_id)
            .outerjoin(Unit, Unit.code == Document.unit_code)
            .where(DocumentVersion.status.in_(("filed", "superseded")),
                   DocumentVersion.retention.in_(tuple(RETENTION_YEARS)))
            .order_by(DocumentVersion.archival_code))
        for version, document, unit_name in rows:
            assert version.filing_year is not None and version.retention is not None
            due = due_on(version.filing_year, version.retention)
            if due is not None and due <= on:
                found.append(DueRecord(document.id, version.version, version.archival_code or "",
                                       document.title, document.unit_code, version.retention,
                                       version.filing_year, due,
                                       unit_name or document.unit_code))
    return found


def dispose(settings: Settings, document_id: int, version: int, *, actor: Actor, reason: str,
            on: date | None = None) -> FiledRecord:
    """Destroy a record past retention, keeping its catalogue entry; returns that entry.

    Refused unless the actor is an archivist, the version is filed (or superseded),
    its retention has run out by ``on`` and a reason is given.
    """
    if not reason.strip():
        raise ArchiveError("销毁须写明原因（如批准销毁的鉴定意见）")
    authorize(settings, actor, "dispose", target=f"document:{document_id}")
    archive = Archive(settings)
    with write_scope(settings) as session:
        row = session.scalar(
            select(DocumentVersion).where(DocumentVersion.document_id == document_id,
                                          DocumentVersion.version == version)
            .options(selectinload(DocumentVersion.files),
                     selectinload(DocumentVersion.document)).with_for_update())
        if row is None:
            raise NotFoundError(f"文档 {document_id} 没有第 {version} 版")
        _check_disposable(row, on or date.today())
        files = {f.format: f.sha256 for f in row.files}
        now = datetime.now(UTC)
        row.status, row.disposed_at = "disposed", now
        row.disposed_by, row.disposal_reason = actor.name, reason.strip()
        # The database lets a filed version's file records go only once it is disposed of.
        session.flush()
        session.execute(delete(StoredFile).where(StoredFile.version_id == row.id))
        unindex_version(session, row.id)
        record_event(session, action="dispose", agent=actor.name, target=row.archival_code or "",
                     at=now, detail={"document": document_id, "version": version,
                                     "reason": reason.strip(), "files": files})
    # Files go only once the record says so; a process killed before this leaves a
    # folder the next disposal removes (and verify reports meanwhile).
    _remove_disposed_folders(settings, archive)
    return next(r for r in filing_history(settings, document_id) if r.version == version)


def _remove_disposed_folders(settings: Settings, archive: Archive) -> None:
    with session_scope(settings) as session:
        rows = session.execute(
            select(DocumentVersion.version, Document)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(DocumentVersion.status == "disposed"))
        folders = [archive.version_dir(DocumentKey(d.kind, d.unit_code, d.period, d.topic,
                                                   d.script), number) for number, d in rows]
    for folder in folders:
        if folder.exists():
            shutil.rmtree(folder)


def _check_disposable(version: DocumentVersion, on: date) -> None:
    if version.status not in ("filed", "superseded"):
        raise ArchiveError(f"第 {version.version} 版{STATUS_LABELS[version.status]}：只有已归档的文件"
                           "才能销毁")
    assert version.filing_year is not None and version.retention is not None
    due = due_on(version.filing_year, version.retention)
    if due is None:
        raise ArchiveError(f"{version.archival_code} 永久保存，不能销毁")
    if on < due:
        raise ArchiveError(f"{version.archival_code} 保管至 {due.isoformat()}"
                           f"（{RETENTION_NAMES[version.retention]}，自 {version.filing_year} "
                           "年度起算），尚未到期")



__all__ = ["DueRecord", "dispose", "due_on", "due_records"]
