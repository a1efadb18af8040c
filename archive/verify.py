"""四性检测 (GB/T 18894-2016, DA/T 70): the archive checked for its four properties.

One run walks the whole archive (or one 年度) and checks:

- 真实性 authenticity: every stored file's SHA-256 against the digest recorded at
  ingest; the audit log's chain of digests;
- 完整性 integrity: the DA/T 46 metadata stored at filing (``dat46``) is complete
  and agrees with the record (档号 and its parts, the filed PDF's digest, size and
  pages); 件号 run 1 … the group's counter without gaps; no recorded file is
  missing; nothing lies in the archive that no record accounts for;
- 可用性 usability: Word files open (python-docx), PDFs open (pypdf), are not
  encrypted and say PDF/A-2b in their XMP, metadata files parse;
- 安全性 security: stored files are read-only; PDFs carry no JavaScript or launch
  actions and Word files no macros or ActiveX; the database still guards the
  audit log against change (its append-only triggers are in place and enabled).

Drafts are checked too (their files are in the store), except for the filing
metadata they do not have yet. A disposed record has no files (they were
destroyed) but keeps its 件号. A file whose digest is wrong is reported once,
as not authentic: what it holds is not the record, so it is not opened as one.
Leftovers of killed placements are recovered first
(:meth:`~wenshu.archive.store.Archive.recover`); files that a running process is
placing right now are not "unexpected". Each run is one ``verify`` event in the
audit log (agent, time, outcome, the counts per check).
"""

from __future__ import annotations

import json
import os
import re
import time
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import sqlalchemy as sa
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wenshu.access import Actor, authorize
from wenshu.archive.audit import check_chain, events, log_event
from wenshu.archive.filing import archival_code
from wenshu.archive.metadata import RETENTION_NAMES
from wenshu.archive.store import BOOKKEEPING, Archive, DocumentKey, sha256_file
from wenshu.db import session_scope
from wenshu.errors import ArchiveError
from wenshu.models.tables import AuditEvent, DocumentVersion, FilingCounter
from wenshu.settings import Settings

PROPERTIES = {"authenticity": "真实性", "integrity": "完整性", "usability": "可用性",
              "security": "安全性"}
PDF_FORMATS = ("pdf", "pdf_filed")
METADATA_NAME = "metadata.json"  # the human-readable record beside a version's files
# DA/T 46 core elements that must hold a value; 文件编号 and 密级 may be empty
# (generated documents carry no number and are unclassified unless marked).
DAT46_REQUIRED = ("题名", "责任者", "日期", "文种", "保管期限", "档号", "全宗号", "年度",
                  "机构（问题）代码", "件号", "页数", "语种", "格式信息", "计算机文件名",
                  "文件大小", "文档创建程序", "存储位置", "数字摘要", "事件")
DAT46_PRESENT = ("文件编号", "密级")
# The triggers of migration 0006 that make the audit log append-only.
AUDIT_GUARDS = {"sqlite": frozenset({"audit_events_no_update", "audit_events_no_delete"}),
                "postgresql": frozenset({"audit_events_no_change", "audit_events_no_truncate"})}
_PDFA_PART = re.compile(r"pdfaid:part(?:>|=[\"'])\s*2\b")
_PDFA_CONFORMANCE = re.compile(r"pdfaid:conformance(?:>|=[\"'])\s*B\b", re.IGNORECASE)


@dataclass(frozen=True)
class Check:
    """One of the checks, under one of the four properties."""

    name: str
    property: str  # authenticity | integrity | usability | security
    label: str  # what it checks, as archivists say it


CHECKS = (
    Check("digest", "authenticity", "文件摘要与登记一致 digests match the record"),
    Check("audit_chain", "authenticity", "审计日志摘要链完整 audit log chain whole"),
    Check("metadata", "integrity", "元数据齐全且与登记一致 metadata complete and matching"),
    Check("item_numbers", "integrity", "件号连续无缺 item numbers without gaps"),
    Check("missing", "integrity", "登记文件齐全 no recorded file missing"),
    Check("unexpected", "integrity", "无多余文件 no unexpected files"),
    Check("opens", "usability", "文件可打开 files open"),
    Check("pdfa", "usability", "PDF/A-2b 标识 PDF/A-2b markers"),
    Check("read_only", "security", "存储文件只读 stored files read-only"),
    Check("active_content", "security", "无活动内容 no active content"),
    Check("audit_guard", "security", "审计日志只增不改 audit log append-only"),
)
_BY_NAME = {c.name: c for c in CHECKS}


@dataclass(frozen=True)
class Problem:
    """One thing found wrong: which check, about what (a file or a 档号), and what."""

    check: str
    subject: str  # the file (relative to the archive root), 档号, 件号 group or "audit log"
    message: str
    archival_code: str = ""  # the record's 档号 when it has one
    expected: str = ""
    actual: str = ""


@dataclass(frozen=True)
class CheckResult:
    """How many items one check looked at and how many problems it found."""

    check: Check
    checked: int
    problems: int

    @property
    def ok(self) -> bool:
        """Whether the check found nothing wrong."""
        return self.problems == 0


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of one 四性检测 run."""

    agent: str
    year: int | None  # None: the whole archive
    started_at: datetime
    seconds: float
    results: tuple[CheckResult, ...]  # in CHECKS order
    problems: tuple[Problem, ...]
    recovered: tuple[str, ...]  # leftovers of killed placements removed before checking
    event_id: int  # the ``verify`` event in the audit log

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.problems

    def by_property(self) -> dict[str, list[CheckResult]]:
        """The results grouped under the four properties, in their usual order."""
        grouped: dict[str, list[CheckResult]] = {p: [] for p in PROPERTIES}
        for result in self.results:
            grouped[result.check.property].append(result)
        return grouped


def verify_archive(settings: Settings, *, actor: Actor, year: int | None = None) -> VerifyReport:
    """Run every check over the archive (or the records of one 年度) as ``actor``.

    Only archivists may verify. Drafts count under ``year`` by their period's
    year, filed records by their 年度; with a year, unexpected files are looked
    for only in the folders of that year's versions. The run is logged as a
    ``verify`` event, outcome ``ok`` or ``failed``, whose detail holds the counts.
    """
    target = "archive" if year is None else f"year:{year}"
    authorize(settings, actor, "verify", target=target)
    started, clock = datetime.now(UTC), time.perf_counter()
    archive = Archive(settings)
    recovered = tuple(p.relative_to(archive.root).as_posix() for p in archive.recover())

    # Files first, then journals, then the database: a file being placed is either
    # still journalled or, its journal gone, committed and so in the records read after.
    present = _present_files(archive.root)
    under_way = archive.placements_under_way()
    records, counters = _read_records(settings, archive, year)
    if year is not None:
        folders = _folders(records)
        present = {p for p in present if p.rsplit("/", 1)[0] in folders}
    expected = _expected(records)
    # A failed placement may have removed its file since the walk: not a finding.
    present = {p for p in present if p in expected or (archive.root / p).exists()}
    facts = {item.path: _inspect(archive.root / item.path, item) for _, item in _live(records)}

    tally = _Tally()
    check_digests(records, facts, tally)
    _check_audit_chain(settings, tally)
    _check_audit_coverage(settings, records, tally)
    check_metadata(records, facts, tally)
    check_item_numbers(records, counters, tally)
    check_missing(records, facts, tally)
    check_unexpected(records, present, under_way, tally)
    check_usability(records, facts, tally)
    check_read_only(records, facts, tally)
    check_active_content(records, facts, tally)
    _check_audit_guard(settings, tally)

    results = tuple(CheckResult(c, tally.checked[c.name], len(tally.found[c.name]))
                    for c in CHECKS)
    problems = tuple(p for c in CHECKS for p in tally.found[c.name])
    event = log_event(settings, action="verify", agent=actor.name, target=target,
                      outcome="failed" if problems else "ok",
                      detail={"checks": {r.check.name: {"checked": r.checked,
                                                        "problems": r.problems}
                                         for r in results},
                              "recovered": len(recovered)})
    return VerifyReport(actor.name, year, started, time.perf_counter() - clock, results,
                        problems, recovered, event.id)


# -- what the records say --------------------------------------------------------


@dataclass(frozen=True)
class FileRecord:
    """One stored file as the database records it."""

    format: str
    path: str  # relative to the archive root
    sha256: str
    size: int


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

    @property
    def name(self) -> str:
        """How problems name the version: its 档号, or document and version."""
        return self.archival_code or f"document {self.document_id} v{self.version}"

    def file(self, fmt: str) -> FileRecord | None:
        """The stored file of one format, if recorded."""
        return next((f for f in self.files if f.format == fmt), None)


def _read_records(settings: Settings, archive: Archive, year: int | None
                  ) -> tuple[list[VersionRecord], dict[tuple[str, int, str, str], int]]:
    """Every version (of ``year``) with its files, and the 件号 counters (of ``year``)."""
    with session_scope(settings) as session:
        query = (select(DocumentVersion).order_by(DocumentVersion.id)
                 .options(selectinload(DocumentVersion.files),
                          selectinload(DocumentVersion.document)))
        counter_query = select(FilingCounter)
        if year is not None:
            counter_query = counter_query.where(FilingCounter.year == year)
        records = []
        for v in session.scalars(query):
            d = v.document
            if year is not None and (v.filing_year or _period_year(d.period)) != year:
                continue
            key = DocumentKey(d.kind, d.unit_code, d.period, d.topic, d.script)
            records.append(VersionRecord(
                document_id=d.id, version=v.version, status=v.status,
                folder=archive.version_dir(key, v.version).relative_to(archive.root).as_posix(),
                files=tuple(FileRecord(f.format, f.path, f.sha256, f.size) for f in v.files),
                archival_code=v.archival_code, fonds=v.fonds, year=v.filing_year,
                retention=v.retention, org_code=v.org_code, item_number=v.item_number,
                filed_at=v.filed_at, filed_by=v.filed_by))
        counters = {(c.fonds, c.year, c.retention, c.org_code): c.last_number
                    for c in session.scalars(counter_query)}
    return records, counters


def _period_year(period: str) -> int | None:
    return int(period[:4]) if period[:4].isdigit() else None


def _folders(records: Iterable[VersionRecord]) -> set[str]:
    folders = {r.folder for r in records}
    folders.update(f.path.rsplit("/", 1)[0] for r in records for f in r.files if "/" in f.path)
    return folders


def _expected(records: Iterable[VersionRecord]) -> set[str]:
    """The files the records account for: stored files, and metadata.json beside them."""
    expected = set()
    for record in records:
        if record.status == "disposed":
            continue
        for item in record.files:
            expected.add(item.path)
            expected.add(f"{item.path.rsplit('/', 1)[0]}/{METADATA_NAME}" if "/" in item.path
                         else METADATA_NAME)
    return expected


# -- what the disk holds ------------------------------------------------------------


@dataclass
class FileFacts:
    """What reading one recorded file found."""

    exists: bool
    sha256: str | None = None
    writable: bool = False
    opened: bool = False  # content was read (only for authentic files)
    open_error: str | None = None
    pdfa: list[str] = field(default_factory=list)  # missing PDF/A markers
    active: list[str] = field(default_factory=list)  # active content found
    pages: int | None = None
    data: Mapping[str, Any] | None = None  # a dat46 record, parsed


def _present_files(root: Path) -> set[str]:
    """Files under the root, relative to it, outside the bookkeeping folders."""
    found: set[str] = set()
    for folder, dirs, names in os.walk(root):
        if Path(folder) == root:
            dirs[:] = [d for d in dirs if d not in BOOKKEEPING]
        base = Path(folder).relative_to(root)
        found.update((base / n).as_posix() for n in names)
    return found


def _inspect(path: Path, record: FileRecord) -> FileFacts:
    """Digest, mode and (for an authentic file) content of one recorded file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return FileFacts(exists=False)
    facts = FileFacts(exists=True, sha256=sha256_file(path), writable=bool(mode & 0o222))
    if facts.sha256 != record.sha256:
        return facts
    facts.opened = True
    try:
        if record.format == "docx":
            _read_docx(path, facts)
        elif record.format in PDF_FORMATS:
            _read_pdf(path, facts)
        elif record.format == "dat46":
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            facts.data = data
        else:
            facts.open_error = f"{record.format} is not an archival format"
    except Exception as exc:  # noqa: BLE001  (a damaged file may fail in any library's way)
        facts.open_error = f"{type(exc).__name__}: {exc}"[:300]
    return facts


def _read_docx(path: Path, facts: FileFacts) -> None:
    docx.Document(str(path))
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        facts.active.append("Word macros (vbaProject.bin)")
    if any(n.lower().startswith("word/activex/") for n in names):
        facts.active.append("ActiveX controls")


def _read_pdf(path: Path, facts: FileFacts) -> None:
    reader = PdfReader(path)
    if reader.is_encrypted:
        raise ValueError("the PDF is encrypted")
    facts.pages = len(reader.pages)
    root = reader.trailer["/Root"].get_object()
    metadata = root.get("/Metadata")
    xmp = (metadata.get_object().get_data().decode("utf-8", "replace")
           if metadata is not None else "")
    if not xmp:
        facts.pdfa.append("no XMP metadata")
    else:
        if not _PDFA_PART.search(xmp):
            facts.pdfa.append("XMP does not say PDF/A part 2 (pdfaid:part)")
        if not _PDFA_CONFORMANCE.search(xmp):
            facts.pdfa.append("XMP does not say conformance B (pdfaid:conformance)")
    facts.active.extend(_pdf_active_content(root, reader))


def _pdf_active_content(root: DictionaryObject, reader: PdfReader) -> list[str]:
    found = []
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        found.append("document-level JavaScript")
    action = root.get("/OpenAction")
    action = action.get_object() if action is not None else None
    if isinstance(action, DictionaryObject) and action.get("/S") in ("/JavaScript", "/Launch"):
        found.append(f"an open action ({action['/S']})")
    if "/AA" in root:
        found.append("document additional actions (/AA)")
    for number, page in enumerate(reader.pages, start=1):
        if "/AA" in page:
            found.append(f"page {number} additional actions (/AA)")
    return found


# -- the checks (pure: records and facts in, problems out) --------------------------


@dataclass
class _Tally:
    checked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    found: dict[str, list[Problem]] = field(default_factory=lambda: defaultdict(list))

    def add(self, check: str, subject: str, message: str, **extra: str) -> None:
        assert check in _BY_NAME
        self.found[check].append(Problem(check, subject, message, **extra))


def _live(records: Iterable[VersionRecord]) -> Iterable[tuple[VersionRecord, FileRecord]]:
    """Recorded files that should be on disk (a disposed record's were destroyed)."""
    return ((r, f) for r in records if r.status != "disposed" for f in r.files)


def check_digests(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                  tally: _Tally) -> None:
    """真实性: each present file's SHA-256 equals the digest recorded at ingest."""
    for record, item in _live(records):
        fact = facts[item.path]
        if not fact.exists:
            continue
        tally.checked["digest"] += 1
        if fact.sha256 != item.sha256:
            tally.add("digest", item.path, f"the {item.format} of {record.name} has changed "
                      "since it was stored", archival_code=record.archival_code or "",
                      expected=item.sha256, actual=fact.sha256 or "")


def check_metadata(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                   tally: _Tally) -> None:
    """完整性: a filed version's record and its stored DA/T 46 metadata are whole and agree."""
    for record in records:
        if record.status not in ("filed", "superseded"):
            continue
        tally.checked["metadata"] += 1
        code = record.archival_code or ""
        fields = {"档号": record.archival_code, "全宗号": record.fonds, "年度": record.year,
                  "保管期限": record.retention, "机构（问题）代码": record.org_code,
                  "件号": record.item_number, "归档时间": record.filed_at,
                  "归档人": record.filed_by}
        empty = [name for name, value in fields.items() if value in (None, "")]
        if empty:
            tally.add("metadata", record.name, f"the record lacks {', '.join(empty)}",
                      archival_code=code)
            continue
        assert record.fonds and record.year and record.retention and record.org_code \
            and record.item_number
        try:
            rebuilt = archival_code(record.fonds, record.year, record.retention,
                                    record.org_code, record.item_number)
        except ArchiveError as exc:
            tally.add("metadata", code, f"the 档号 parts are invalid: {exc}", archival_code=code)
            continue
        if rebuilt != code:
            tally.add("metadata", code, "the 档号 does not follow from its parts",
                      archival_code=code, expected=rebuilt, actual=code)
        stored, filed = record.file("dat46"), record.file("pdf_filed")
        fact = facts.get(stored.path) if stored else None
        if stored is None or filed is None or fact is None or fact.data is None:
            continue  # missing, damaged or unreadable: reported by those checks
        filed_fact = facts.get(filed.path)
        for problem in _metadata_problems(fact.data, record, filed,
                                          filed_fact.pages if filed_fact else None):
            tally.add("metadata", stored.path, problem[0], archival_code=code,
                      expected=problem[1], actual=problem[2])


def _metadata_problems(data: Mapping[str, Any], record: VersionRecord, filed: FileRecord,
                       pages: int | None) -> list[tuple[str, str, str]]:
    """What is absent from a DA/T 46 record or disagrees with the database: (what, want, got)."""
    problems = []
    absent = [k for k in DAT46_REQUIRED if data.get(k) in (None, "", [], {})]
    absent += [k for k in DAT46_PRESENT if k not in data]
    if absent:
        problems.append((f"DA/T 46 elements empty or absent: {', '.join(absent)}", "", ""))
    digest = data.get("数字摘要")
    stated = (f"{digest.get('算法')} {digest.get('值')}" if isinstance(digest, Mapping)
              else None)
    assert record.retention is not None and record.item_number is not None
    wanted: list[tuple[str, object, object]] = [
        ("档号", record.archival_code, data.get("档号")),
        ("全宗号", record.fonds, data.get("全宗号")),
        ("年度", str(record.year), data.get("年度")),
        ("保管期限", RETENTION_NAMES.get(record.retention, record.retention), data.get("保管期限")),
        ("机构（问题）代码", record.org_code, data.get("机构（问题）代码")),
        ("件号", f"{record.item_number:04d}", data.get("件号")),
        ("数字摘要", f"SHA-256 {filed.sha256}", stated),
        ("文件大小", filed.size, data.get("文件大小")),
    ]
    if pages is not None:
        wanted.append(("页数", pages, data.get("页数")))
    for name, want, got in wanted:
        if got is not None and got != "" and str(want) != str(got):
            problems.append((f"{name} in the metadata differs from the record", str(want),
                             str(got)))
    return problems


def check_item_numbers(records: Sequence[VersionRecord],
                       counters: Mapping[tuple[str, int, str, str], int], tally: _Tally) -> None:
    """完整性: in each fonds + year + retention + organisation group, 件号 run 1 … counter."""
    groups: dict[tuple[str, int, str, str], list[VersionRecord]] = defaultdict(list)
    for record in records:
        if record.item_number is not None and record.status != "draft":
            assert record.fonds and record.year and record.retention and record.org_code
            groups[(record.fonds, record.year, record.retention, record.org_code)].append(record)
    for group in sorted(set(groups) | set(counters)):
        label = f"{group[0]}-WS·{group[1]}-{group[2]}-{group[3]}"
        members = groups.get(group, [])
        tally.checked["item_numbers"] += len(members)
        last = counters.get(group)
        numbers: dict[int, list[VersionRecord]] = defaultdict(list)
        for record in members:
            assert record.item_number is not None
            numbers[record.item_number].append(record)
        for number, holders in sorted(numbers.items()):
            if len(holders) > 1:
                tally.add("item_numbers", label, f"件号 {number:04d} is given to "
                          f"{len(holders)} records: {', '.join(h.name for h in holders)}")
        if last is None:
            tally.add("item_numbers", label, "no filing counter for this group: the next "
                      "filing would give 件号 0001 again",
                      expected=str(max(numbers, default=0)), actual="none")
            continue
        for start, end in _runs(sorted(set(range(1, last + 1)) - set(numbers))):
            span = f"{start:04d}" if start == end else f"{start:04d}–{end:04d}"
            tally.add("item_numbers", label, f"件号 {span} given by the counter but held by "
                      "no record (a gap)", expected=f"1–{last}",
                      actual=", ".join(f"{n:04d}" for n in sorted(numbers)) or "none")
        for number in sorted(n for n in numbers if n > last):
            tally.add("item_numbers", label, f"件号 {number:04d} is beyond the group's counter",
                      archival_code=numbers[number][0].archival_code or "",
                      expected=f"≤ {last:04d}", actual=f"{number:04d}")


def _runs(numbers: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def check_missing(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                  tally: _Tally) -> None:
    """完整性: every recorded file is there, and every filed version has its filed files."""
    for record, item in _live(records):
        tally.checked["missing"] += 1
        if not facts[item.path].exists:
            tally.add("missing", item.path, f"the {item.format} of {record.name} is missing",
                      archival_code=record.archival_code or "", expected=item.sha256)
    for record in records:
        if record.status in ("filed", "superseded"):
            for fmt in ("pdf_filed", "dat46"):
                tally.checked["missing"] += 1
                if record.file(fmt) is None:
                    tally.add("missing", record.name, f"no {fmt} is recorded for this filed "
                              "version", archival_code=record.archival_code or "")


def check_unexpected(records: Sequence[VersionRecord], present: Iterable[str],
                     under_way: Iterable[str], tally: _Tally) -> None:
    """完整性: every file in the archive is a recorded file (or a version's metadata.json)."""
    expected = _expected(records)
    busy = tuple(under_way)
    disposed = {r.folder: r for r in records if r.status == "disposed"}
    for path in sorted(present):
        tally.checked["unexpected"] += 1
        if path in expected or any(path == b or path.startswith(b + "/") for b in busy):
            continue
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        gone = disposed.get(folder)
        if gone is not None:
            tally.add("unexpected", path, f"still here after {gone.name} was disposed of",
                      archival_code=gone.archival_code or "")
        else:
            tally.add("unexpected", path, "no record accounts for this file")


def check_usability(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                    tally: _Tally) -> None:
    """可用性: authentic files open in their format; PDFs say PDF/A-2b."""
    for record, item in _live(records):
        fact = facts[item.path]
        if not fact.opened:
            continue
        tally.checked["opens"] += 1
        code = record.archival_code or ""
        if fact.open_error:
            tally.add("opens", item.path, f"the {item.format} of {record.name} does not open: "
                      f"{fact.open_error}", archival_code=code)
            continue
        if item.format in PDF_FORMATS:
            tally.checked["pdfa"] += 1
            for problem in fact.pdfa:
                tally.add("pdfa", item.path, f"the {item.format} of {record.name}: {problem}",
                          archival_code=code)


def check_read_only(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                    tally: _Tally) -> None:
    """安全性: stored files cannot be written to."""
    for record, item in _live(records):
        fact = facts[item.path]
        if not fact.exists:
            continue
        tally.checked["read_only"] += 1
        if fact.writable:
            tally.add("read_only", item.path, f"the {item.format} of {record.name} is writable",
                      archival_code=record.archival_code or "", expected="read-only",
                      actual="writable")


def check_active_content(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                         tally: _Tally) -> None:
    """安全性: no scripts, launch actions, macros or ActiveX in stored documents."""
    for record, item in _live(records):
        fact = facts[item.path]
        if not fact.opened or fact.open_error or item.format not in ("docx", *PDF_FORMATS):
            continue
        tally.checked["active_content"] += 1
        for found in fact.active:
            tally.add("active_content", item.path, f"the {item.format} of {record.name} "
                      f"holds {found}", archival_code=record.archival_code or "")


# -- the audit log ---------------------------------------------------------------------


def _check_audit_chain(settings: Settings, tally: _Tally) -> None:
    with session_scope(settings) as session:
        tally.checked["audit_chain"] += session.scalar(
            select(sa.func.count()).select_from(AuditEvent)) or 0
    for problem in check_chain(settings):
        tally.add("audit_chain", "audit log", problem)


def _check_audit_coverage(settings: Settings, records: Sequence[VersionRecord],
                          tally: _Tally) -> None:
    """Every filed record's filing (or import) and disposal is in the log.

    The chain shows an event removed from the middle; this shows the newest
    events cut off, which leaves a whole chain behind.
    """
    logged: dict[str, set[str]] = {"file": set(), "dispose": set()}
    for event in events(settings, outcome="ok"):
        if event.action in logged:
            logged[event.action].add(event.target)
        elif event.action == "import":
            logged["file"].update(event.detail.get("records", ()))
    for record in records:
        if record.archival_code is None:
            continue
        needed = ["file"] + (["dispose"] if record.status == "disposed" else [])
        for action in needed:
            tally.checked["audit_chain"] += 1
            if record.archival_code not in logged[action]:
                tally.add("audit_chain", record.archival_code,
                          f"the audit log has no {action} event for {record.archival_code}",
                          expected=f"a {action} event", actual="none")


def _check_audit_guard(settings: Settings, tally: _Tally) -> None:
    """安全性: the database's triggers that refuse to change or delete audit events."""
    with session_scope(settings) as session:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            rows = session.execute(sa.text(
                "SELECT tgname, tgenabled FROM pg_trigger "
                "WHERE tgrelid = 'audit_events'::regclass AND NOT tgisinternal")).all()
            active = {name for name, enabled in rows if enabled in ("O", "A")}
        else:
            active = set(session.scalars(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_events'")))
    wanted = AUDIT_GUARDS.get(dialect, frozenset())
    tally.checked["audit_guard"] += len(wanted)
    for name in sorted(wanted - active):
        tally.add("audit_guard", "audit log", f"the trigger {name} that keeps the audit log "
                  "append-only is missing or disabled", expected="enabled", actual="absent")


__all__ = ["CHECKS", "PROPERTIES", "Check", "CheckResult", "Problem", "VerifyReport",
           "verify_archive"]
