"""What 四性检测 works with: the checks, the records as the database holds them, problems.

Pure data, shared by the checks (:mod:`wenshu.archive.verify_checks`), the
reading of files (:mod:`wenshu.archive.verify_files`) and the run
(:mod:`wenshu.archive.verify`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from wenshu.archive.keys import DocumentKey

PROPERTIES = {"authenticity": "真实性", "integrity": "完整性", "usability": "可用性",
              "security": "安全性"}
METADATA_NAME = "metadata.json"  # beside the files of a version stored before 0010


@dataclass(frozen=True)
class Check:
    """One of the checks, under one of the four properties."""

    name: str
    property: str  # authenticity | integrity | usability | security
    label: str  # what it checks, as archivists say it (shown to them)


CHECKS = (
    Check("digest", "authenticity", "文件摘要与登记一致"),
    Check("stamp", "authenticity", "归档章显示档号"),
    Check("audit_chain", "authenticity", "审计日志摘要链完整"),
    Check("metadata", "integrity", "元数据齐全且与登记一致"),
    Check("item_numbers", "integrity", "件号连续无缺"),
    Check("missing", "integrity", "登记文件齐全"),
    Check("unexpected", "integrity", "无多余文件"),
    Check("opens", "usability", "文件可打开"),
    Check("pdfa", "usability", "PDF/A-2b 标识"),
    Check("read_only", "security", "存储文件只读"),
    Check("active_content", "security", "无活动内容"),
    Check("audit_guard", "security", "审计日志只增不改"),
    Check("record_guard", "security", "归档记录不可改"),
)
BY_NAME = {c.name: c for c in CHECKS}


@dataclass(frozen=True)
class Problem:
    """One thing found wrong: which check, about what (a file or a 档号), and what."""

    check: str
    subject: str  # the file (relative to the archive root), 档号, 件号 group or 审计日志
    message: str
    archival_code: str = ""  # the record's 档号 when it has one
    expected: str = ""
    actual: str = ""


@dataclass(frozen=True)
class FileRecord:
    """One stored file as the database records it."""

    format: str
    path: str  # relative to the archive root
    sha256: str
    size: int


@dataclass(frozen=True)
class StoredFacts:
    """What the store recorded of a version when it made it (the old metadata.json's facts)."""

    key: DocumentKey
    title: str  # the document's title now: the latest version's
    latest: bool  # whether this is the document's latest version
    created_at: datetime
    template_name: str
    template_sha256: str
    input_sha256: str
    flow_run_id: str | None


@dataclass(frozen=True)
class VersionRecord:
    """One version as the database records it, with what verify needs."""

    document_id: int
    version: int
    status: str  # draft | filed | superseded | disposed
    folder: str  # where the store puts its files, relative to the archive root
    files: tuple[FileRecord, ...]
    archival_code: str | None = None
    fonds: str | None = None
    year: int | None = None
    retention: str | None = None
    org_code: str | None = None
    item_number: int | None = None
    filed_at: datetime | None = None
    filed_by: str | None = None
    stored: StoredFacts | None = None  # what the store recorded when it made the version

    @property
    def name(self) -> str:
        """How problems name the version: its 档号, or document and version."""
        return self.archival_code or f"文档 {self.document_id} 第 {self.version} 版"

    def file(self, fmt: str) -> FileRecord | None:
        """The stored file of one format, if recorded."""
        return next((f for f in self.files if f.format == fmt), None)



@dataclass
class Tally:
    """What the checks looked at (per check) and what they found."""

    checked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    found: dict[str, list[Problem]] = field(default_factory=lambda: defaultdict(list))

    def add(self, check: str, subject: str, message: str, **extra: str) -> None:
        """Record a problem found by ``check``."""
        assert check in BY_NAME
        self.found[check].append(Problem(check, subject, message, **extra))


def live(records: Iterable[VersionRecord]) -> Iterable[tuple[VersionRecord, FileRecord]]:
    """Recorded files that should be on disk (a disposed record's were destroyed)."""
    return ((r, f) for r in records if r.status != "disposed" for f in r.files)



def expected_files(records: Iterable[VersionRecord]) -> set[str]:
    """The files the records account for: stored files, and a metadata.json beside them
    (versions stored before 0010 have one; :mod:`wenshu.archive.legacy_metadata` checks it)."""
    expected = set()
    for record in records:
        if record.status == "disposed":
            continue
        for item in record.files:
            expected.add(item.path)
            expected.add(f"{item.path.rsplit('/', 1)[0]}/{METADATA_NAME}" if "/" in item.path
                         else METADATA_NAME)
    return expected


__all__ = ["BY_NAME", "CHECKS", "METADATA_NAME", "PROPERTIES", "Check", "FileRecord",
           "Problem", "StoredFacts", "Tally", "VersionRecord", "expected_files", "live"]
