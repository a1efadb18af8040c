"""Importing a transfer package (移交) made by :func:`wenshu.archive.transfer.export_year`.

:func:`import_package` checks every member against the manifest and the records'
own digests (:func:`~wenshu.archive.transfer_read.read_package`) before touching
the archive, then re-creates units, documents, versions and stored files in one
transaction. Each version's files are extracted into a staging folder and renamed
into place under the store's leases (:meth:`~wenshu.archive.store.Archive.placing`),
so they go again if the transaction does not commit, even when the importing
process is killed.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wenshu.access import Actor, authorize
from wenshu.archive.audit import log_event, record_event
from wenshu.archive.filing import FILED_PDF
from wenshu.archive.metadata import STATUS_LABELS
from wenshu.archive.placing import Placing
from wenshu.archive.search import index_version
from wenshu.archive.store import Archive
from wenshu.archive.transfer_package import Contents, PackageRecord, UnitEntry
from wenshu.archive.transfer_read import read_package, stream_member
from wenshu.errors import ArchiveError
from wenshu.models.tables import Document, DocumentVersion, FilingCounter, StoredFile, Unit
from wenshu.paths import inside
from wenshu.settings import Settings


@dataclass(frozen=True)
class ImportSummary:
    """What an import added to the archive."""

    package: Path
    fonds: str
    year: int
    documents: int  # versions (件) imported
    units_created: int
    sha256: str  # of the package zip


def import_package(settings: Settings, package: Path, *, actor: Actor) -> ImportSummary:
    """Import a transfer package made by :func:`.transfer.export_year`; returns what was added.

    Every member is checked against the manifest, and each filed PDF against its
    record and its DA/T 46 digest, before anything is written: a damaged package is
    refused with :class:`ArchiveError` naming the file (and the refusal logged).
    Refused too: a package any of whose 档号 the archive already holds. Units the
    archive lacks are created; documents, versions and their stored files
    (``pdf_filed``, ``dat46``) are added in one transaction, and the filing counters
    move past the imported 件号 so the next filing continues the numbering. Files
    are placed under the store's leases (:meth:`Archive.placing`), so a failed or
    killed import leaves none of them behind.
    """
    authorize(settings, actor, "import", target=f"package:{package.name}")
    try:
        contents = read_package(package)
    except ArchiveError as exc:
        log_event(settings, action="import", agent=actor.name, outcome="failed",
                  target=f"package:{package.name}", detail={"reason": str(exc)})
        raise
    archive = Archive(settings)
    folders = [archive.version_dir(r.key, r.version) for r in contents.records]
    with zipfile.ZipFile(package) as source, archive.placing(folders) as placing, \
            placing.transaction() as session:
        return _import(session, archive, placing, source, package, contents, actor)


def _import(session: Session, archive: Archive, placing: Placing, source: zipfile.ZipFile,
            package: Path, contents: Contents, actor: Actor) -> ImportSummary:
    """The import's database work and file placements, in the caller's transaction."""
    codes = [r.archival_code for r in contents.records]
    held = sorted(session.scalars(select(DocumentVersion.archival_code)
                                  .where(DocumentVersion.archival_code.in_(codes))))
    if held:
        raise ArchiveError(f"{package.name}：移交包的 {len(codes)} 条记录中已有 {len(held)} 条"
                           f"在本档案中（{'、'.join(held[:3])}{' …' if len(held) > 3 else ''}）；"
                           "同一移交包只导入一次")
    created_units = _create_units(session, package, contents.units)
    imported: dict[str, DocumentVersion] = {}
    in_package = set(codes)
    # Older versions first: a correction's row names the version it replaces as it is
    # inserted, since the database lets no filed version change afterwards.
    for record in sorted(contents.records, key=lambda r: r.version):
        replaced = _replaced(session, package, record, imported, in_package)
        version = _add_version(session, package, record, replaced, in_package)
        imported[record.archival_code] = version
        folder = archive.version_dir(record.key, record.version)
        _place_version(archive, placing, source, package, contents, record, folder)
        for fmt, item in sorted(record.files.items()):
            session.add(StoredFile(version_id=version.id, format=fmt, size=item.size,
                                   sha256=item.sha256,
                                   path=inside(folder, item.name).relative_to(archive.root)
                                   .as_posix()))
        # Searchable like any stored version; an imported one has its filed PDF's text.
        index_version(session, version.id,
                      _pdf_text(inside(folder, record.files[FILED_PDF].name)))
    _check_one_filed(session, package, {v.document_id for v in imported.values()})
    _advance_counters(session, contents.records)
    session.flush()
    record_event(session, action="import", agent=actor.name, target=f"year:{contents.year}",
                 detail={"package": package.name, "sha256": contents.sha256,
                         "documents": len(contents.records), "fonds": contents.fonds,
                         "units_created": created_units,
                         "records": [r.archival_code for r in contents.records]})
    return ImportSummary(package, contents.fonds, contents.year, len(contents.records),
                         created_units, contents.sha256)


def _place_version(archive: Archive, placing: Placing, source: zipfile.ZipFile, package: Path,
                   contents: Contents, record: PackageRecord, folder: Path) -> None:
    """Extract a version's files into a staging folder, then rename it into place.

    Each file is hashed again on the way: the package may not change between the
    check and the import.
    """
    # Under the import's lease: a killed import's folder is removed once the lease expires.
    with placing.folder(folder) as staging:
        for item in record.files.values():
            member = f"{contents.root}/{item.member}"
            if stream_member(package, source, member, inside(staging, item.name)) != item.sha256:
                raise ArchiveError(f"{package.name}：{member} 在导入过程中被改动")


def _create_units(session: Session, package: Path, units: Sequence[UnitEntry]) -> int:
    """Add the units the archive lacks (parents first); existing units are left as they are."""
    created = 0
    for unit in units:
        if session.get(Unit, unit.code) is not None:
            continue
        if unit.parent is not None and session.get(Unit, unit.parent) is None:
            raise ArchiveError(f"{package.name}：单位 {unit.code} 的上级 {unit.parent} 既不在"
                               "本档案中，也没有列在它之前")
        session.add(Unit(code=unit.code, name=unit.name, level=unit.level,
                         parent_code=unit.parent))
        session.flush()
        created += 1
    return created


def _add_version(session: Session, package: Path, record: PackageRecord,
                 replaced: DocumentVersion | None, in_package: set[str]) -> DocumentVersion:
    """Insert the record's version (and its document, if new), whole in one row."""
    key = record.key
    if session.get(Unit, key.unit_code) is None:
        raise ArchiveError(f"{package.name}：记录 {record.archival_code} 属于单位 "
                           f"{key.unit_code}，units.json 中却没有这个单位")
    document = session.scalar(select(Document).where(
        Document.kind == key.kind, Document.unit_code == key.unit_code,
        Document.period == key.period, Document.topic == key.topic, Document.script == key.script))
    if document is None:
        document = Document(kind=key.kind, unit_code=key.unit_code, period=key.period,
                            topic=key.topic, script=key.script, title=record.title)
        session.add(document)
        session.flush()
    clash = session.scalar(select(DocumentVersion).where(
        DocumentVersion.document_id == document.id, DocumentVersion.version == record.version))
    if clash is not None:
        raise ArchiveError(f"{package.name}：记录 {record.archival_code} 是 {key.stem} 的"
                           f"第 {record.version} 版，本档案中该文档已有第 {record.version} 版"
                           f"（{STATUS_LABELS.get(clash.status, clash.status)}）")
    if replaced is not None:
        if replaced.document_id != document.id:
            raise ArchiveError(f"{package.name}：{record.archival_code} 更正的 "
                               f"{record.supersedes} 是另一份文档的版本")
        if replaced.status == "filed" and record.supersedes not in in_package:
            replaced.status = "superseded"  # filed here before its correction arrived
    version = DocumentVersion(
        document_id=document.id, version=record.version, created_at=record.created_at,
        template_name=record.template_name, template_sha256=record.template_sha256,
        input_sha256=record.input_sha256, flow_run_id=record.flow_run_id, status=record.status,
        filed_at=record.filed_at, filed_by=record.filed_by, fonds=record.fonds,
        filing_year=record.year, retention=record.retention, org_code=record.org_code,
        item_number=record.item_number, archival_code=record.archival_code,
        change_reason=record.change_reason, supersedes_id=replaced.id if replaced else None,
        issued_on=record.issued_on, doc_number=record.doc_number)
    session.add(version)
    session.flush()
    return version


def _replaced(session: Session, package: Path, record: PackageRecord,
              imported: Mapping[str, DocumentVersion], in_package: set[str]
              ) -> DocumentVersion | None:
    """The version a correction replaces: imported just before it, or already archived."""
    if not record.supersedes:
        return None
    replaced = imported.get(record.supersedes)
    if replaced is None and record.supersedes in in_package:
        raise ArchiveError(f"{package.name}：{record.archival_code} 更正的 "
                           f"{record.supersedes} 不是更早的版本")
    replaced = replaced or session.scalar(
        select(DocumentVersion).where(DocumentVersion.archival_code == record.supersedes))
    if replaced is None:
        raise ArchiveError(f"{package.name}：{record.archival_code} 更正的 {record.supersedes} "
                           "既不在移交包中，也不在本档案中：请先导入其所在年度的移交包")
    return replaced


def _check_one_filed(session: Session, package: Path, document_ids: set[int]) -> None:
    session.flush()
    for document_id in sorted(document_ids):
        filed = list(session.scalars(select(DocumentVersion.archival_code).where(
            DocumentVersion.document_id == document_id, DocumentVersion.status == "filed")))
        if len(filed) > 1:
            raise ArchiveError(f"{package.name}：该文档将有 {len(filed)} 个已归档版本"
                               f"（{'、'.join(sorted(c or '' for c in filed))}）；"
                               "其中一个应更正另一个")


def _advance_counters(session: Session, records: Sequence[PackageRecord]) -> None:
    """Each 件号 group's counter at least at the highest imported number."""
    top: dict[tuple[str, int, str, str], int] = {}
    for r in records:
        group = (r.fonds, r.year, r.retention, r.org_code)
        top[group] = max(top.get(group, 0), r.item_number)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    for (fonds, year, retention, org_code), number in sorted(top.items()):
        session.execute(insert(FilingCounter).values(
            fonds=fonds, year=year, retention=retention, org_code=org_code,
            last_number=0).on_conflict_do_nothing())
        counter = session.scalars(
            select(FilingCounter).where(FilingCounter.fonds == fonds, FilingCounter.year == year,
                                        FilingCounter.retention == retention,
                                        FilingCounter.org_code == org_code)
            .with_for_update().execution_options(populate_existing=True)).one()
        counter.last_number = max(counter.last_number, number)


def _pdf_text(path: Path) -> str:
    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    except (PyPdfError, ValueError, KeyError) as exc:
        raise ArchiveError(f"{path.name}：归档章 PDF 无法读取（{exc}）") from exc


__all__ = ["ImportSummary", "import_package"]
