"""Filing (归档): a draft version becomes the filed record, with its 档号 and 归档章.

Generated versions are drafts. Filing one, in a single transaction:

- allocates the next 件号 of its fonds + year + retention + organisation group
  from a counter row locked for the transaction (``SELECT … FOR UPDATE`` on
  PostgreSQL; on SQLite the write lock is taken first with ``BEGIN IMMEDIATE``),
  so concurrent filers get consecutive numbers and a failed filing uses none;
- stamps the 归档章 on page 1 of a copy of the version's PDF (``pdf_filed``) and
  stores the DA/T 46 core metadata beside it (``dat46``);
- marks the version filed, with its 档号, time and agent.

A correction is a newer version filed with a reason: it gets its own 档号 and
supersedes the filed one, which stays in the archive, marked superseded. Files
placed before a failure are removed, so no half-filed record remains.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from wenshu.access import Actor, authorize
from wenshu.archive.audit import record_event
from wenshu.archive.filing_rules import (
    check_org_code,
    check_retention,
    load_filing_rules,
)
from wenshu.archive.keys import ArchivedFile, DocumentKey, select_version, sha256_file
from wenshu.archive.metadata import (
    FORMAT_LABELS,
    FiledFileFacts,
    core_metadata,
    filed_file_facts,
    filing_events,
    signing_date,
)
from wenshu.archive.stamp import StampFields, page_count, stamp_pdf
from wenshu.archive.store import Archive
from wenshu.db import as_utc, session_scope
from wenshu.errors import ArchiveError, NotFoundError
from wenshu.models.tables import Document, DocumentVersion, FilingCounter, StoredFile, Unit
from wenshu.paths import inside, inside_relative
from wenshu.settings import Settings

CATEGORY = "WS"  # 门类代码: 文书
FILED_PDF = "pdf_filed"
METADATA = "dat46"
_FONDS = re.compile(r"^[0-9A-Z]{4}$")


@dataclass(frozen=True)
class FiledRecord:
    """A version as filing sees it: draft, filed or superseded, and its 档号."""

    document_id: int
    key: DocumentKey
    title: str
    version: int
    created_at: datetime
    template_name: str
    template_sha256: str
    input_sha256: str
    flow_run_id: str | None
    status: str  # draft | filed | superseded | disposed
    archival_code: str | None
    fonds: str | None
    year: int | None
    retention: str | None
    org_code: str | None
    item_number: int | None
    filed_at: datetime | None
    filed_by: str | None
    supersedes_version: int | None
    change_reason: str | None
    disposed_at: datetime | None
    disposed_by: str | None
    disposal_reason: str | None
    files: Mapping[str, ArchivedFile]  # none left once disposed
    issued_on: date | None = None  # signing date as recorded; None: stored before it was
    doc_number: str | None = None  # doc number as recorded ("" none); None: not recorded


def archival_code(fonds: str, year: int, retention: str, org_code: str, item_number: int) -> str:
    """The 档号 ``全宗号-WS·年度-保管期限-机构代码-件号``, e.g. ``0194-WS·2026-D30-BGS-0001``."""
    if not _FONDS.match(fonds):
        raise ArchiveError(f"全宗号 {fonds!r} must be 4 digits or capital letters (WENSHU_FONDS)")
    if not 1000 <= year <= 9999:
        raise ArchiveError(f"年度 {year} must have 4 digits")
    if not 1 <= item_number <= 9999:
        raise ArchiveError(f"件号 {item_number} does not fit 4 digits")
    check_retention(retention)
    check_org_code(org_code)
    return f"{fonds}-{CATEGORY}·{year}-{retention}-{org_code}-{item_number:04d}"


def file_version(settings: Settings, document_id: int, version: int | None = None, *,
                 actor: Actor, retention: str | None = None, reason: str | None = None,
                 year: int | None = None) -> FiledRecord:
    """File a draft version (the latest by default) as ``actor`` and return its record.

    ``retention`` overrides the rule table (Y, D30, D10); ``year`` overrides the
    年度 taken from the document's period (the year it is about, as DA/T 22 files
    a summary under the year it sums up). When another version of the document is
    already filed this is a correction: it must be newer and ``reason`` says why.
    Raises :class:`ArchiveError` when the version cannot be filed,
    :class:`NotFoundError` for an unknown document or version, and
    :class:`~wenshu.errors.AccessDenied` when the actor may not file for its unit.
    The filing is logged in the audit log in the same transaction.
    """
    authorize(settings, actor, "file", document_unit(settings, document_id),
              target=f"document:{document_id}")
    rules = load_filing_rules(settings.catalogue_dir)
    archive = Archive(settings)
    number, placed = _filing_targets(settings, archive, document_id, version)
    with archive.placing(placed) as placing, placing.transaction() as session:
        versions = _locked_versions(session, document_id)
        target = select_version(versions, document_id, number)
        current = next((v for v in versions if v.status == "filed"), None)
        _check_fileable(target, current, reason)
        document = target.document
        group = (settings.fonds, year or _period_year(document.period),
                 check_retention(retention or rules.retention_for(document.kind)),
                 rules.org_code_for(document.unit_code))
        number = _next_item_number(session, *group)
        code = archival_code(*group, number)

        source = _checked_pdf(archive, target)
        pages = page_count(source)
        now = datetime.now(UTC)
        with tempfile.TemporaryDirectory(dir=_scratch(settings)) as scratch:
            stamped = Path(scratch) / "filed.pdf"
            stamp_pdf(source, stamped, StampFields(group[0], group[1], group[2], number,
                                                   group[3], pages))
            filed_pdf = archive.add_file(session, target, FILED_PDF, stamped,
                                         placed[0].name, placing=placing)

            _mark_filed(target, current, group, number, code, now, actor.name, reason)
            session.flush()
            facts = filed_file_facts(stamped, size=filed_pdf.size, sha256=filed_pdf.sha256,
                                     location=filed_pdf.path.relative_to(archive.root).as_posix())
            metadata_file = Path(scratch) / "metadata.json"
            _write_json(metadata_file, _metadata(session, target, facts, versions))
            archive.add_file(session, target, METADATA, metadata_file,
                             placed[1].name, placing=placing)
        session.flush()
        session.refresh(target, ["files"])
        record_event(session, action="file", agent=actor.name, target=code, at=now,
                     detail={"document": document_id, "version": target.version,
                             "sha256": filed_pdf.sha256, "reason": reason or ""})
        result = _record(archive, target, versions)
    return result  # committed, and the leases ended, on leaving the transaction


def _filing_targets(settings: Settings, archive: Archive, document_id: int,
                    version: int | None) -> tuple[int, list[Path]]:
    """The version to file (the latest by default) and the two files filing it places.

    Read before filing's transaction: the leases on them are taken first.
    """
    with session_scope(settings) as session:
        target = select_version(_versions(session, document_id), document_id, version)
        pdf = next((f for f in target.files if f.format == "pdf"), None)
        if pdf is None:
            return target.version, []  # refused in the transaction, with the reason
        stem = Path(pdf.path).stem
        return target.version, [archive.beside(target, f"{stem}_filed.pdf"),
                                archive.beside(target, f"{stem}_filed.dat46.json")]


def document_unit(settings: Settings, document_id: int) -> str:
    """The unit code of an archived document, for access checks."""
    with session_scope(settings) as session:
        unit = session.scalar(select(Document.unit_code).where(Document.id == document_id))
    if unit is None:
        raise NotFoundError(f"没有编号为 {document_id} 的文档")
    return unit


def filing_history(settings: Settings, document_id: int) -> list[FiledRecord]:
    """Every version of a document with its filing state, oldest first."""
    archive = Archive(settings)
    with session_scope(settings) as session:
        versions = _versions(session, document_id)
        return [_record(archive, v, versions) for v in versions]


def archival_metadata(settings: Settings, document_id: int,
                      version: int | None = None) -> dict[str, Any]:
    """The DA/T 46 core metadata of a filed version (the current one by default).

    Built from the records now, so a superseded version's history shows the
    correction that replaced it; the ``dat46`` file stored at filing is the
    record as it stood then.
    """
    archive = Archive(settings)
    with session_scope(settings) as session:
        versions = _versions(session, document_id)
        filed = [v for v in versions if v.status != "draft"]
        if version is None:
            chosen = next((v for v in filed if v.status == "filed"), None)
        else:
            chosen = next((v for v in filed if v.version == version), None)
        if chosen is None:
            raise NotFoundError(f"文档 {document_id} 没有已归档的"
                                + (f"第 {version} 版" if version is not None else "版本"))
        item = next(f for f in chosen.files if f.format == FILED_PDF)
        path = inside_relative(archive.root, item.path)
        facts = filed_file_facts(path, size=item.size, sha256=item.sha256, location=item.path)
        return _metadata(session, chosen, facts, versions)


def export_metadata(settings: Settings, document_id: int, to: Path,
                    version: int | None = None) -> Path:
    """Write :func:`archival_metadata` as UTF-8 JSON to ``to`` (a file or a folder)."""
    data = archival_metadata(settings, document_id, version)
    # The file name comes from the record: it must stay a name inside ``to``.
    name = f"{Path(data['计算机文件名']).stem}.dat46.json"
    target = inside(to, name) if to.is_dir() else to
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_json(target, data)
    return target


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# -- the transaction -----------------------------------------------------------


def _versions(session: Session, document_id: int, *, lock: bool = False
              ) -> list[DocumentVersion]:
    query = (select(DocumentVersion).where(DocumentVersion.document_id == document_id)
             .order_by(DocumentVersion.version)
             .options(selectinload(DocumentVersion.files), selectinload(DocumentVersion.document)))
    if lock:
        query = query.with_for_update()
    versions = list(session.scalars(query))
    if not versions:
        raise NotFoundError(f"没有编号为 {document_id} 的文档")
    return versions


def _locked_versions(session: Session, document_id: int) -> list[DocumentVersion]:
    """All versions of the document, locked so two filers of it go one after the other."""
    return _versions(session, document_id, lock=True)


def _check_fileable(target: DocumentVersion, current: DocumentVersion | None,
                    reason: str | None) -> None:
    if target.status == "filed":
        raise ArchiveError(f"第 {target.version} 版已归档为 {target.archival_code}，归档后不能再改；"
                           "如需更正，请重新生成后归档新版本")
    if target.status == "superseded":
        raise ArchiveError(f"第 {target.version} 版已被更正，不能再次归档")
    if current is None:
        return
    if target.version < current.version:
        raise ArchiveError(f"第 {target.version} 版早于已归档的第 {current.version} 版"
                           f"（{current.archival_code}），不能归档")
    if not (reason and reason.strip()):
        raise ArchiveError(f"第 {current.version} 版已归档为 {current.archival_code}，"
                           f"归档第 {target.version} 版是对它的更正：请填写更正原因")


def _mark_filed(target: DocumentVersion, current: DocumentVersion | None,
                group: tuple[str, int, str, str], number: int, code: str, now: datetime,
                agent: str, reason: str | None) -> None:
    """Record the filing on the version, and the correction on the one it replaces."""
    target.status, target.filed_at, target.filed_by = "filed", now, agent
    target.fonds, target.filing_year, target.retention = group[:3]
    target.org_code, target.item_number, target.archival_code = group[3], number, code
    target.change_reason = reason
    if current is not None:
        current.status = "superseded"
        target.supersedes_id = current.id


def _period_year(period: str) -> int:
    match = re.match(r"\d{4}", period)
    if match is None:
        raise ArchiveError(f"无法从期间“{period}”看出年度：请指定年度")
    return int(match.group())


def _next_item_number(session: Session, fonds: str, year: int, retention: str,
                      org_code: str) -> int:
    """Take the next 件号 of the group; the counter row stays locked until commit."""
    dialect = session.get_bind().dialect.name
    values = {"fonds": fonds, "year": year, "retention": retention, "org_code": org_code,
              "last_number": 0}
    # Two first filers of a group both try to create the row; one insert is a no-op.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(FilingCounter).values(**values).on_conflict_do_nothing())
    counter = session.scalars(
        select(FilingCounter).where(FilingCounter.fonds == fonds, FilingCounter.year == year,
                                    FilingCounter.retention == retention,
                                    FilingCounter.org_code == org_code)
        .with_for_update().execution_options(populate_existing=True)
    ).one()
    counter.last_number += 1
    session.flush()
    return counter.last_number


def _checked_pdf(archive: Archive, version: DocumentVersion) -> Path:
    item = next((f for f in version.files if f.format == "pdf"), None)
    if item is None:
        raise ArchiveError(f"第 {version.version} 版没有 PDF，无法归档（档案以 PDF/A 为归档格式）")
    # The stamped copy and its metadata go beside it: it must lie in the archive.
    path = inside_relative(archive.root, item.path)
    if not path.exists() or sha256_file(path) != item.sha256:
        raise ArchiveError(f"第 {version.version} 版存储的 PDF 缺失或已损坏：{item.path}")
    return path


def _scratch(settings: Settings) -> Path:
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    return settings.work_dir


# -- records -------------------------------------------------------------------


def _metadata(session: Session, version: DocumentVersion, facts: FiledFileFacts,
              versions: list[DocumentVersion]) -> dict[str, Any]:
    from wenshu.generators.kinds import registered_kinds

    document: Document = version.document
    unit = session.get(Unit, document.unit_code)
    kind = registered_kinds().get(document.kind)
    assert version.archival_code is not None and version.filed_at is not None
    return core_metadata(
        title=document.title, author=unit.name if unit else document.unit_code,
        date=signing_date(version.issued_on, version.created_at, facts.stated_date),
        kind_label=kind.label if kind else document.kind, doc_number=version.doc_number or "",
        retention=version.retention or "", archival_code=version.archival_code,
        fonds=version.fonds or "", year=version.filing_year or 0, org_code=version.org_code or "",
        item_number=version.item_number or 0, script=document.script, filed=facts,
        events=filing_events(version, versions),
    )


def _format_order(stored: StoredFile) -> int:
    """Where a format comes in a version's files: as :data:`FORMAT_LABELS` lists them
    (Word, PDF, 归档章 PDF, metadata), any other last."""
    order = list(FORMAT_LABELS)
    return order.index(stored.format) if stored.format in order else len(order)


def _record(archive: Archive, version: DocumentVersion,
            versions: list[DocumentVersion]) -> FiledRecord:
    document = version.document
    replaced = next((v for v in versions if v.id == version.supersedes_id), None)
    return FiledRecord(
        document_id=document.id,
        key=DocumentKey(document.kind, document.unit_code, document.period, document.topic,
                        document.script),
        title=document.title, version=version.version, created_at=as_utc(version.created_at),
        template_name=version.template_name, template_sha256=version.template_sha256,
        input_sha256=version.input_sha256, flow_run_id=version.flow_run_id,
        status=version.status,
        archival_code=version.archival_code, fonds=version.fonds, year=version.filing_year,
        retention=version.retention, org_code=version.org_code, item_number=version.item_number,
        filed_at=version.filed_at, filed_by=version.filed_by,
        supersedes_version=replaced.version if replaced else None,
        change_reason=version.change_reason, disposed_at=version.disposed_at,
        disposed_by=version.disposed_by, disposal_reason=version.disposal_reason,
        files={f.format: ArchivedFile(f.format, archive.root / f.path, f.sha256, f.size)
               for f in sorted(version.files, key=_format_order)},
        issued_on=version.issued_on, doc_number=version.doc_number,
    )


__all__ = ["FiledRecord", "archival_code", "archival_metadata", "document_unit",
           "export_metadata", "file_version", "filing_history"]
