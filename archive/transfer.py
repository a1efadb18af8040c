"""The yearly transfer package (移交) and its export: a year's filed records out of one archive.

:func:`export_year` writes one zip with a single top folder named after the fonds
and year (``0194-WS-2025``)::

    <全宗号>-WS-<年度>/
        目录/归档文件目录.xlsx    the yearly catalogue (DA/T 22-2015), A4 landscape
        目录/归档文件目录.pdf     the same catalogue as PDF/A-2b
        文件/<档号>.pdf           each filed document: the stamped PDF/A as stored (pdf_filed)
        元数据/<档号>.json        its DA/T 46 record as stored at filing (dat46)
        <年度>年度合并.pdf         every filed PDF in one, one bookmark "档号 题名" per document
        units.json               the units of the records and their ancestors (code, name,
                                 level, parent), parents first
        records.json             per version what an import re-creates: the document's
                                 identity and title, version number, 档号 and its parts,
                                 status, supersedes (档号), reason, filed at/by, created at,
                                 template and input digests, signing date and doc number,
                                 the files with their digests (format: see
                                 :mod:`wenshu.archive.transfer_package`)
        manifest-sha256.txt      SHA-256 of every other file, ``sha256sum -c`` format,
                                 paths relative to the top folder

The package holds every version of the archive's fonds (``WENSHU_FONDS``) filed for
the year, filed or superseded (the record of corrections), in 档号 order: retention
Y, D30, D10, then organisation code and 件号. It is reproducible: members are written
in the order above with fixed dates and modes, and every member depends only on the
records, so the same archive gives a byte-identical zip, and so does an archive that
imported the package.

The zip is built in a folder of its own that the exporting process holds locked,
then renamed into place (:mod:`wenshu.archive.transfer_work`): a process killed
mid-way leaves no partial package where the package goes.

:func:`~wenshu.archive.transfer_import.import_package` reads such a package back
into another archive.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pypdf import PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from wenshu.access import Actor, authorize
from wenshu.archive.audit import log_event
from wenshu.archive.catalogue_sheet import (
    CatalogueRow,
    YearCatalogue,
    catalogue_pdf,
    catalogue_xlsx,
)
from wenshu.archive.filing import FILED_PDF, METADATA
from wenshu.archive.filing_rules import RETENTIONS
from wenshu.archive.keys import DocumentKey, sha256_file
from wenshu.archive.metadata import FORMAT_LABELS, STATUS_LABELS
from wenshu.archive.placing import check_present
from wenshu.archive.store import Archive
from wenshu.archive.transfer_package import (
    EXPORTED_STATUSES,
    FILE_FOLDERS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    RECORDS_FILE,
    UNITS_FILE,
    PackageRecord,
    RecordFile,
    UnitEntry,
    checked_key,
    package_name,
    unit_json,
)
from wenshu.archive.transfer_work import place, work_folder
from wenshu.codes import check_unit_code
from wenshu.db import as_utc, session_scope
from wenshu.errors import ArchiveError, NotFoundError, WenshuError
from wenshu.models.tables import DocumentVersion, Unit
from wenshu.paths import check_name, inside, inside_relative
from wenshu.settings import Settings

CATALOGUE_XLSX = "目录/归档文件目录.xlsx"
CATALOGUE_PDF = "目录/归档文件目录.pdf"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # entries state no time: the bytes never depend on when
_FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--, in the zip's Unix attributes
_UNIX = 3  # "made by" Unix, whatever system writes the package


@dataclass(frozen=True)
class TransferPackage:
    """A transfer package as written."""

    path: Path
    fonds: str
    year: int
    documents: int  # filed and superseded versions (件) in the package
    pages: int  # pages of all their filed PDFs, the merged PDF's page count
    members: int  # files in the zip, the manifest included
    sha256: str  # of the zip


def export_year(settings: Settings, year: int, to: Path, *, actor: Actor) -> TransferPackage:
    """Write the transfer package of ``year`` into the folder ``to``; returns what was written.

    The package is ``to/<fonds>-WS-<year>.zip`` (replaced if present). Stored files are
    checked against their recorded SHA-256 first; a damaged or missing one stops the
    export with :class:`ArchiveError` naming it. Raises :class:`NotFoundError` when the
    year has no filed records and :class:`~wenshu.errors.AccessDenied` unless ``actor``
    may export. The export is logged in the audit log with the package's digest.
    """
    authorize(settings, actor, "export", target=f"year:{year}")
    records, units, sources = _collect(settings, year)
    metadata = {r.archival_code: _json_file(sources[r.archival_code][METADATA]) for r in records}
    catalogue = _catalogue(records, metadata, units, year, settings.fonds)
    root = package_name(settings.fonds, year)
    target = inside(to, f"{root}.zip")  # the fonds comes from the settings: still a name
    to.mkdir(parents=True, exist_ok=True)
    pages = sum(row.pages for row in catalogue.rows)

    with work_folder(settings) as work:
        xlsx = work / "catalogue.xlsx"
        xlsx.write_bytes(catalogue_xlsx(catalogue))
        catalogue_pdf(settings, catalogue, work / "catalogue.pdf")
        merged = work / "merged.pdf"
        _merge(((f"{r.archival_code} {metadata[r.archival_code]['题名']}",
                 sources[r.archival_code][FILED_PDF]) for r in records),
               merged, title=f"{root} {year}年度归档文件（合并）", author=catalogue.fonds_name)

        members: list[tuple[str, Path | bytes]] = [(CATALOGUE_XLSX, xlsx),
                                                   (CATALOGUE_PDF, work / "catalogue.pdf")]
        for fmt in (FILED_PDF, METADATA):
            members += [(r.files[fmt].member, sources[r.archival_code][fmt]) for r in records]
        members += [
            (f"{year}年度合并.pdf", merged),
            (UNITS_FILE, _json_bytes({"units": [unit_json(u) for u in units]})),
            (RECORDS_FILE, _json_bytes({"format": FORMAT, "format_version": FORMAT_VERSION,
                                        "fonds": settings.fonds, "year": year,
                                        "records": [r.as_json() for r in records]})),
        ]
        partial = work / f"{root}.zip.part"
        with partial.open("wb") as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as package:
                lines = [f"{_write_member(package, f'{root}/{name}', source)}  {name}\n"
                         for name, source in members]
                _write_member(package, f"{root}/{MANIFEST}", "".join(lines).encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        place(settings, partial, target)

    digest = sha256_file(target)
    try:
        log_event(settings, action="export", agent=actor.name, target=f"year:{year}",
                  detail={"package": target.name, "sha256": digest, "documents": len(records),
                          "fonds": settings.fonds})
    except BaseException:
        target.unlink(missing_ok=True)  # an export the log does not show did not happen
        raise
    return TransferPackage(target, settings.fonds, year, len(records), pages,
                           len(members) + 1, digest)


def _catalogue(records: Sequence[PackageRecord], metadata: Mapping[str, Mapping[str, Any]],
               units: Sequence[UnitEntry], year: int, fonds: str) -> YearCatalogue:
    """The 归档文件目录 of the records (in their order), from their stored DA/T 46 records.

    备注 tells corrections: "更正 <档号>：<reason>" on a correction, "已被 <档号> 更正"
    on the version it replaced (or "已被更正" when the correction is not in the package).
    """
    corrected_by = {r.supersedes: r.archival_code for r in records if r.supersedes}
    rows = []
    for record in records:
        data = metadata[record.archival_code]
        remarks = []
        if record.supersedes:
            remarks.append(f"更正 {record.supersedes}：{record.change_reason or ''}".rstrip("："))
        if record.status == "superseded":
            successor = corrected_by.get(record.archival_code)
            remarks.append(f"已被 {successor} 更正" if successor else "已被更正")
        rows.append(CatalogueRow(
            item_number=f"{record.item_number:04d}", archival_code=record.archival_code,
            author=str(data.get("责任者", "")), doc_number=str(data.get("文件编号", "")),
            title=str(data.get("题名", record.title)), date=str(data.get("日期", "")),
            pages=int(data.get("页数", 0)), remarks="；".join(remarks)))
    parents = {u.code for u in units}
    roots = [u for u in units if u.parent is None or u.parent not in parents]
    fonds_name = roots[0].name if len(roots) == 1 else f"全宗{fonds}"
    as_of = max(as_utc(r.filed_at).date() for r in records) if records else date(year, 12, 31)
    return YearCatalogue(title=f"{fonds_name} {year}年度归档文件目录", fonds_name=fonds_name,
                         year=year, as_of=as_of, rows=tuple(rows))


def _collect(settings: Settings, year: int
             ) -> tuple[list[PackageRecord], list[UnitEntry], dict[str, dict[str, Path]]]:
    """The year's records in 档号 order, their units, and their checked stored files."""
    archive = Archive(settings)
    with session_scope(settings) as session:
        versions = list(session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.fonds == settings.fonds, DocumentVersion.filing_year == year,
                   DocumentVersion.status.in_(EXPORTED_STATUSES))
            .options(selectinload(DocumentVersion.files), selectinload(DocumentVersion.document))))
        if not versions:
            raise NotFoundError(f"全宗 {settings.fonds} 没有 {year} 年度的归档文件，无可移交")
        replaced_ids = {v.supersedes_id for v in versions if v.supersedes_id is not None}
        replaced = dict(session.execute(
            select(DocumentVersion.id, DocumentVersion.archival_code)
            .where(DocumentVersion.id.in_(replaced_ids))).tuples().all()) if replaced_ids else {}
        versions.sort(key=lambda v: (RETENTIONS.index(v.retention or "Y"), v.org_code or "",
                                     v.item_number or 0))
        records: list[PackageRecord] = []
        sources: dict[str, dict[str, Path]] = {}
        for version in versions:
            record, files = _record_of(archive, version, replaced.get(version.supersedes_id or 0))
            records.append(record)
            sources[record.archival_code] = files
        units = _units_of(session, {r.key.unit_code for r in records})
    return records, units, sources


def _record_of(archive: Archive, version: DocumentVersion, supersedes: str | None
               ) -> tuple[PackageRecord, dict[str, Path]]:
    document = version.document
    code = version.archival_code
    if code is None or version.filed_at is None or version.item_number is None:
        raise ArchiveError(f"文档 {document.id} 第 {version.version} 版标为"
                           f"{STATUS_LABELS[version.status]}，但归档登记不完整")
    key = checked_key(DocumentKey(document.kind, document.unit_code, document.period,
                                   document.topic, document.script), code)
    stored = {f.format: f for f in version.files}
    files: dict[str, RecordFile] = {}
    paths: dict[str, Path] = {}
    for fmt, (folder, suffix) in FILE_FOLDERS.items():
        item = stored.get(fmt)
        if item is None:
            raise ArchiveError(f"{code} 没有存储的{FORMAT_LABELS.get(fmt, fmt)}")
        try:
            # A member is named after the 档号, a file read from the stored path: both data.
            check_name(f"{code}{suffix}")
            path = inside_relative(archive.root, item.path)
        except WenshuError as exc:
            raise ArchiveError(f"{code}：{exc}") from exc
        if not path.is_file():
            check_present(archive.settings)  # the whole archive missing is not this file lost
            raise ArchiveError(f"{code}：存储的文件缺失：{item.path}")
        actual = sha256_file(path)
        if actual != item.sha256:
            raise ArchiveError(f"{code}：存储的文件已损坏：{item.path} 的 SHA-256 为 {actual}，"
                               f"登记为 {item.sha256}")
        files[fmt] = RecordFile(f"{folder}/{code}{suffix}", path.name, item.sha256, item.size)
        paths[fmt] = path
    record = PackageRecord(
        key=key, title=document.title, version=version.version, created_at=version.created_at,
        template_name=version.template_name, template_sha256=version.template_sha256,
        input_sha256=version.input_sha256, flow_run_id=version.flow_run_id,
        status=version.status, filed_at=version.filed_at, filed_by=version.filed_by or "",
        fonds=version.fonds or "", year=version.filing_year or 0,
        retention=version.retention or "", org_code=version.org_code or "",
        item_number=version.item_number, archival_code=code, supersedes=supersedes,
        change_reason=version.change_reason, files=files, issued_on=version.issued_on,
        doc_number=version.doc_number)
    return record, paths


def _units_of(session: Session, codes: Iterable[str]) -> list[UnitEntry]:
    """The units and all their ancestors, parents before children."""
    found: dict[str, UnitEntry] = {}
    pending = list(codes)
    while pending:
        code = pending.pop()
        if code in found:
            continue
        unit = session.get(Unit, code)
        if unit is None:
            raise ArchiveError(f"归档文件所属单位 {code} 不在单位名录中")
        try:
            check_unit_code(unit.code)  # an ancestor stored before codes were checked
        except WenshuError as exc:
            raise ArchiveError(f"units.json：{exc}") from exc
        found[code] = UnitEntry(unit.code, unit.name, unit.level, unit.parent_code)
        if unit.parent_code:
            pending.append(unit.parent_code)

    def depth(entry: UnitEntry) -> int:
        steps = 0
        while entry.parent is not None:
            entry, steps = found[entry.parent], steps + 1
        return steps

    return sorted(found.values(), key=lambda u: (depth(u), u.code))


def _merge(documents: Iterable[tuple[str, Path]], target: Path, *, title: str,
           author: str) -> None:
    """All PDFs in one, with one outline entry per document (its own bookmarks left out)."""
    writer = PdfWriter()
    for outline, path in documents:
        writer.append(path, outline_item=outline, import_outline=False)
    writer.add_metadata({"/Title": title, "/Author": author})
    with target.open("wb") as handle:
        writer.write(handle)


def _write_member(package: zipfile.ZipFile, name: str, source: Path | bytes) -> str:
    """Add one member with fixed date and mode; returns the SHA-256 of its bytes."""
    entry = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = _FILE_MODE
    entry.create_system = _UNIX
    digest = hashlib.sha256()
    with package.open(entry, "w") as out:
        if isinstance(source, bytes):
            digest.update(source)
            out.write(source)
        else:
            with source.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
    return digest.hexdigest()


# -- small helpers ------------------------------------------------------------------------


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _json_file(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{path.name}：存储的元数据不是 UTF-8 编码的 JSON（{exc}）") from exc
    if not isinstance(value, dict):
        raise ArchiveError(f"{path.name}：存储的元数据不是一个 JSON 对象")
    return value


__all__ = ["TransferPackage", "export_year", "package_name"]
