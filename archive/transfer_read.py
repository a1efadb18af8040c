"""Reading a transfer package back, with every check before an import writes anything.

:func:`read_package` checks every member against the manifest and each record
against its files and its DA/T 46 record, and writes nothing;
:func:`stream_member` reads one member through, into place, with its digest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import zipfile
import zlib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from wenshu.archive.filing import FILED_PDF, METADATA, archival_code
from wenshu.archive.keys import DocumentKey, sha256_file
from wenshu.archive.metadata import FORMAT_LABELS
from wenshu.archive.transfer_package import (
    EXPORTED_STATUSES,
    FILE_FOLDERS,
    FORMAT,
    MANIFEST,
    MANIFEST_LINE,
    READABLE_VERSIONS,
    RECORDS_FILE,
    UNITS_FILE,
    Contents,
    PackageRecord,
    RecordFile,
    UnitEntry,
    checked_key,
    not_a_name,
    package_name,
)
from wenshu.codes import check_unit_code
from wenshu.errors import ArchiveError, NotFoundError, WenshuError
from wenshu.models.tables import UNIT_LEVELS


def read_package(package: Path) -> Contents:
    """Check every member against the manifest and the records against their files.

    Nothing is written: stored files are only hashed here, and extracted again (and
    hashed again) straight into place by the import.
    """
    if not package.is_file():
        raise NotFoundError(f"没有移交包：{package}")
    root, listed, sizes, small = _verified_members(package)
    for name in (UNITS_FILE, RECORDS_FILE):
        if name not in small:
            raise ArchiveError(f"{package.name}：移交包中没有 {root}/{name}")
    header = _parse_json(package, f"{root}/{RECORDS_FILE}", small[RECORDS_FILE])
    if header.get("format") != FORMAT or header.get("format_version") not in READABLE_VERSIONS:
        raise ArchiveError(f"{package.name}：{root}/{RECORDS_FILE} 不是 {FORMAT} "
                           f"第 {'/'.join(map(str, READABLE_VERSIONS))} 版的归档记录清单")
    fonds, year = str(header.get("fonds", "")), header.get("year")
    if not isinstance(year, int) or root != package_name(fonds, year):
        raise ArchiveError(f"{package.name}：顶层文件夹 {root} 与记录的全宗号 {fonds}、"
                           f"年度 {year} 不符")
    records = [_parse_record(package, f"{root}/{RECORDS_FILE}", index, entry)
               for index, entry in enumerate(_list(header, "records", package, RECORDS_FILE), 1)]
    seen: set[str] = set()
    for record in records:
        if record.archival_code in seen:
            raise ArchiveError(f"{package.name}：{root}/{RECORDS_FILE} 两次列出 "
                               f"{record.archival_code}")
        seen.add(record.archival_code)
        _check_record(package, root, record, fonds, year, listed, sizes, small)
    units_data = _parse_json(package, f"{root}/{UNITS_FILE}", small[UNITS_FILE])
    units = [_parse_unit(package, f"{root}/{UNITS_FILE}", index, entry)
             for index, entry in enumerate(_list(units_data, "units", package, UNITS_FILE), 1)]
    return Contents(root, fonds, year, records, units, sha256_file(package))


def _verified_members(package: Path
                      ) -> tuple[str, dict[str, str], dict[str, int], dict[str, bytes]]:
    """The top folder, the manifest (member → SHA-256), every member's size and the small
    members' bytes (units, records, metadata), once every member matches the manifest."""
    try:
        with zipfile.ZipFile(package) as archive:
            root, names = _package_names(package, archive)
            listed = _manifest(package, archive, root)
            unlisted = sorted(set(names) - set(listed) - {MANIFEST})
            if unlisted:
                raise ArchiveError(f"{package.name}：{root}/{unlisted[0]} 不在清单中")
            for name in listed:
                if name not in names:
                    raise ArchiveError(f"{package.name}：清单列有 {root}/{name}，"
                                       "移交包中却没有")
            small: dict[str, bytes] = {}
            sizes: dict[str, int] = {}
            for name, expected in listed.items():
                member = f"{root}/{name}"
                sizes[name] = archive.getinfo(member).file_size
                if name in (UNITS_FILE, RECORDS_FILE) or name.startswith(
                        f"{FILE_FOLDERS[METADATA][0]}/"):
                    small[name] = _read_member(package, archive, member)
                    actual = hashlib.sha256(small[name]).hexdigest()
                else:
                    actual = stream_member(package, archive, member, None)
                if actual != expected:
                    raise ArchiveError(f"{package.name}：{member} 与清单不符"
                                       f"（SHA-256 为 {actual}，清单为 {expected}）")
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"{package.name}：不是可读的 zip 文件（{exc}）") from exc
    return root, listed, sizes, small


def _package_names(package: Path, archive: zipfile.ZipFile) -> tuple[str, set[str]]:
    """The top folder and the member paths under it; refuses names that leave the folder."""
    roots: set[str] = set()
    names: set[str] = set()
    for info in archive.infolist():
        if info.is_dir():
            continue
        # Split by hand, not by PurePosixPath, which would quietly drop "" and "." parts.
        parts = info.filename.split("/")
        if len(parts) < 2 or any(not_a_name(part) for part in parts):
            raise ArchiveError(f"{package.name}：成员“{info.filename}”不是顶层文件夹下的"
                               "文件")
        roots.add(parts[0])
        names.add("/".join(parts[1:]))
    if len(roots) != 1:
        raise ArchiveError(f"{package.name}：移交包应有且只有一个顶层文件夹，"
                           f"实有：{'、'.join(sorted(roots)) or '无'}")
    return roots.pop(), names


def _manifest(package: Path, archive: zipfile.ZipFile, root: str) -> dict[str, str]:
    """Member path → SHA-256, as the manifest lists them, in its order."""
    try:
        text = _read_member(package, archive, f"{root}/{MANIFEST}").decode("utf-8")
    except KeyError:
        raise ArchiveError(f"{package.name}：移交包中没有 {root}/{MANIFEST}") from None
    except UnicodeDecodeError as exc:
        raise ArchiveError(f"{package.name}：{root}/{MANIFEST} 不是 UTF-8 编码（{exc}）") from exc
    listed: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = MANIFEST_LINE.match(line)
        if match is None:
            raise ArchiveError(f"{package.name}：{root}/{MANIFEST} 第 {number} 行不是"
                               "“<sha256>  <路径>”的格式")
        listed[match.group(2)] = match.group(1)
    return listed


def _read_member(package: Path, archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArchiveError(f"{package.name}：{name} 已损坏（{exc}）") from exc


def stream_member(package: Path, archive: zipfile.ZipFile, name: str, target: Path | None) -> str:
    """Read a member through (into ``target``, made read-only, when given); its SHA-256."""
    digest = hashlib.sha256()
    try:
        with contextlib.ExitStack() as stack:
            out = stack.enter_context(target.open("wb")) if target is not None else None
            member = stack.enter_context(archive.open(name))
            for block in iter(lambda: member.read(1 << 20), b""):
                digest.update(block)
                if out is not None:
                    out.write(block)
            if out is not None:
                out.flush()
                os.fsync(out.fileno())
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArchiveError(f"{package.name}：{name} 已损坏（{exc}）") from exc
    if target is not None:
        target.chmod(0o444)
    return digest.hexdigest()


def _parse_json(package: Path, name: str, data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{package.name}：{name} 不是 UTF-8 编码的 JSON（{exc}）") from exc
    if not isinstance(value, dict):
        raise ArchiveError(f"{package.name}：{name} 应为一个 JSON 对象")
    return value


def _list(data: Mapping[str, Any], key: str, package: Path, name: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ArchiveError(f"{package.name}：{name} 中没有“{key}”列表")
    return value


def _parse_record(package: Path, name: str, index: int, entry: Any) -> PackageRecord:
    """One records.json entry, checked field by field; errors name the record."""
    where = f"{package.name}：{name} 第 {index} 条记录"
    try:
        document = entry["document"]
        files = {}
        for fmt in FILE_FOLDERS:
            item = entry["files"][fmt]
            stored_name = str(item["name"])
            if not_a_name(stored_name) or stored_name.startswith("."):
                raise ValueError(f"文件名“{stored_name}”不是单纯的文件名")
            files[fmt] = RecordFile(str(item["file"]), stored_name, str(item["sha256"]),
                                     int(item["size"]))
        status = str(entry["status"])
        if status not in EXPORTED_STATUSES:
            raise ValueError(f"状态“{status}”应为 {'、'.join(EXPORTED_STATUSES)} 之一")
        key = checked_key(DocumentKey(str(document["kind"]), str(document["unit_code"]),
                                       str(document["period"]), str(document["topic"]),
                                       str(document["script"])), where)
        return PackageRecord(
            key=key,
            title=str(document["title"]), version=int(entry["version"]),
            created_at=datetime.fromisoformat(entry["created_at"]),
            template_name=str(entry["template"]["name"]),
            template_sha256=str(entry["template"]["sha256"]),
            input_sha256=str(entry["input_sha256"]),
            flow_run_id=None if entry["flow_run_id"] is None else str(entry["flow_run_id"]),
            status=status, filed_at=datetime.fromisoformat(entry["filed_at"]),
            filed_by=str(entry["filed_by"]), fonds=str(entry["fonds"]), year=int(entry["year"]),
            retention=str(entry["retention"]), org_code=str(entry["org_code"]),
            item_number=int(entry["item_number"]), archival_code=str(entry["档号"]),
            supersedes=None if entry["supersedes"] is None else str(entry["supersedes"]),
            change_reason=None if entry["change_reason"] is None else str(entry["change_reason"]),
            files=files, **_printed(entry))
    except (KeyError, TypeError) as exc:
        raise ArchiveError(f"{where} 缺少字段（{exc}）") from exc
    except ValueError as exc:
        raise ArchiveError(f"{where}：{exc}") from exc


def _check_record(package: Path, root: str, record: PackageRecord, fonds: str, year: int,
                  listed: Mapping[str, str], sizes: Mapping[str, int],
                  small: Mapping[str, bytes]) -> None:
    """The record agrees with itself, the verified members and its DA/T 46 record."""
    where = f"{package.name}：记录 {record.archival_code}"
    expected = archival_code(record.fonds, record.year, record.retention, record.org_code,
                             record.item_number)
    if record.archival_code != expected:
        raise ArchiveError(f"{where}：按其组成部分，档号应为 {expected}")
    if (record.fonds, record.year) != (fonds, year):
        raise ArchiveError(f"{where} 不属于全宗 {fonds} 的 {year} 年度")
    for fmt, item in record.files.items():
        folder = FILE_FOLDERS[fmt][0]
        if not item.member.startswith(f"{folder}/") or item.member not in listed:
            raise ArchiveError(f"{where}：其{FORMAT_LABELS.get(fmt, fmt)} {root}/{item.member} "
                               "不是移交包中存放的文件")
        if listed[item.member] != item.sha256 or sizes[item.member] != item.size:
            raise ArchiveError(f"{where}：{root}/{item.member} 与记录所载的摘要和大小不符")
    member = record.files[METADATA].member
    data = _parse_json(package, f"{root}/{member}", small[member])
    summary = data.get("数字摘要")
    digest = summary.get("值") if isinstance(summary, dict) else None
    if data.get("档号") != record.archival_code:
        raise ArchiveError(f"{where}：{root}/{member} 是 {data.get('档号')} 的元数据")
    if digest != record.files[FILED_PDF].sha256:
        raise ArchiveError(f"{where}：{root}/{record.files[FILED_PDF].member} 不是其元数据 "
                           f"{root}/{member} 所描述的文件（数字摘要 {digest}）")


def _parse_unit(package: Path, name: str, index: int, entry: Any) -> UnitEntry:
    try:
        unit = UnitEntry(str(entry["code"]), str(entry["name"]), str(entry["level"]),
                          None if entry["parent"] is None else str(entry["parent"]))
    except (KeyError, TypeError) as exc:
        raise ArchiveError(f"{package.name}：{name} 第 {index} 个单位缺少字段（{exc}）") from exc
    if unit.level not in UNIT_LEVELS:
        raise ArchiveError(f"{package.name}：{name} 中单位 {unit.code} 的层级“{unit.level}”"
                           "无法识别")
    try:
        # Codes name archive folders: a bad one refuses the package before anything is written.
        for code in (unit.code, *((unit.parent,) if unit.parent is not None else ())):
            check_unit_code(code)
    except WenshuError as exc:
        raise ArchiveError(f"{package.name}：{name} 第 {index} 个单位：{exc}") from exc
    return unit


def _printed(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A record's signing date and doc number (absent from format 1: not recorded)."""
    issued, number = entry.get("issued_on"), entry.get("doc_number")
    return {"issued_on": None if issued is None else date.fromisoformat(str(issued)),
            "doc_number": None if number is None else str(number)}


__all__ = ["read_package", "stream_member"]
