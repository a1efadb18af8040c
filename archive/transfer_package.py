"""What a transfer package holds: its format, its files' names, its records and units.

The package's layout is described in :mod:`wenshu.archive.transfer`. Its
``records.json`` says ``"format": "wenshu-transfer"`` and a format version:

- 1: the first packages;
- 2 (written now): each record also carries ``issued_on`` (the signing date
  printed in the document, ISO date) and ``doc_number`` (its doc number, ""
  for none), both null for a version stored before wenshu recorded them.

Both versions are read (:mod:`wenshu.archive.transfer_read`); a version 1 record
imports with neither recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from wenshu.archive.filing import CATEGORY, FILED_PDF, METADATA
from wenshu.archive.keys import DocumentKey
from wenshu.db import as_utc
from wenshu.errors import ArchiveError, WenshuError
from wenshu.paths import check_name

FORMAT = "wenshu-transfer"
FORMAT_VERSION = 2  # written; see the module's docstring
READABLE_VERSIONS = (1, 2)
UNITS_FILE = "units.json"
RECORDS_FILE = "records.json"
MANIFEST = "manifest-sha256.txt"
FILE_FOLDERS = {FILED_PDF: ("文件", ".pdf"), METADATA: ("元数据", ".json")}
EXPORTED_STATUSES = ("filed", "superseded")
MANIFEST_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


@dataclass(frozen=True)
class RecordFile:
    """One stored file of a version as the package carries it."""

    member: str  # path in the package, under the top folder
    name: str  # the file's name in the archive's version folder
    sha256: str
    size: int


@dataclass(frozen=True)
class PackageRecord:
    """One filed or superseded version, everything an import needs to re-create it."""

    key: DocumentKey
    title: str  # the document's title
    version: int
    created_at: datetime
    template_name: str
    template_sha256: str
    input_sha256: str
    flow_run_id: str | None
    status: str
    filed_at: datetime
    filed_by: str
    fonds: str
    year: int
    retention: str
    org_code: str
    item_number: int
    archival_code: str
    supersedes: str | None  # 档号 of the version this one corrects
    change_reason: str | None
    files: Mapping[str, RecordFile]  # pdf_filed, dat46
    issued_on: date | None = None  # the signing date printed in it; None: not recorded
    doc_number: str | None = None  # the doc number printed in it ("" none); None: not recorded

    def as_json(self) -> dict[str, Any]:
        """The record as records.json holds it."""
        return {
            "档号": self.archival_code,
            "document": {"kind": self.key.kind, "unit_code": self.key.unit_code,
                         "period": self.key.period, "topic": self.key.topic,
                         "script": self.key.script, "title": self.title},
            "version": self.version,
            "created_at": as_utc(self.created_at).isoformat(),
            "template": {"name": self.template_name, "sha256": self.template_sha256},
            "input_sha256": self.input_sha256,
            "flow_run_id": self.flow_run_id,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "doc_number": self.doc_number,
            "status": self.status,
            "filed_at": as_utc(self.filed_at).isoformat(),
            "filed_by": self.filed_by,
            "fonds": self.fonds, "year": self.year, "retention": self.retention,
            "org_code": self.org_code, "item_number": self.item_number,
            "supersedes": self.supersedes,
            "change_reason": self.change_reason,
            "files": {fmt: {"file": f.member, "name": f.name, "sha256": f.sha256, "size": f.size}
                      for fmt, f in sorted(self.files.items())},
        }


@dataclass(frozen=True)
class UnitEntry:
    """One unit as units.json lists it."""

    code: str
    name: str
    level: str
    parent: str | None


@dataclass(frozen=True)
class Contents:
    """A verified package: its top folder, records and units."""

    root: str
    fonds: str
    year: int
    records: list[PackageRecord]
    units: list[UnitEntry]
    sha256: str


def package_name(fonds: str, year: int) -> str:
    """The package's top folder and file stem, e.g. ``0194-WS-2025``."""
    return f"{fonds}-{CATEGORY}-{year}"


def checked_key(key: DocumentKey, where: str) -> DocumentKey:
    """A record's key, refused (:class:`ArchiveError`) when it cannot name archive folders."""
    try:
        return key.check()
    except WenshuError as exc:
        raise ArchiveError(f"{where}：{exc}") from exc



def not_a_name(name: str) -> bool:
    """Whether ``name`` is anything but one plain file name (:func:`wenshu.paths.check_name`)."""
    try:
        check_name(name)
    except WenshuError:
        return True
    return False


def unit_json(unit: UnitEntry) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "level": unit.level, "parent": unit.parent}


__all__ = ["Contents", "PackageRecord", "RecordFile", "UnitEntry", "package_name"]
