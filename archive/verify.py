"""四性检测 (GB/T 18894-2016, DA/T 70): the archive checked for its four properties.

One run walks the whole archive (or one 年度) and checks:

- 真实性 authenticity: every stored file's SHA-256 against the digest recorded at
  ingest; page 1 of every filed PDF shows, in its 归档章, the parts of the 档号 it
  is filed under (the content agrees with the record, as DA/T 70 asks of
  authenticity); the audit log's chain of digests;
- 完整性 integrity: the DA/T 46 metadata stored at filing (``dat46``) is complete
  and agrees with the record (档号 and its parts, the filed PDF's digest, size and
  pages), and so does the metadata.json of a version stored before migration
  0010 (:mod:`wenshu.archive.legacy_metadata`); 件号 run 1 … the group's counter
  without gaps; no recorded file is missing; nothing lies in the archive that no
  record accounts for;
- 可用性 usability: Word files open (python-docx), PDFs open (pypdf), are not
  encrypted and say PDF/A-2b in their XMP, metadata files parse;
- 安全性 security: stored files are read-only; PDFs carry no JavaScript or launch
  actions and Word files no macros or ActiveX; the database still guards the
  audit log and the filed records against change (the triggers of migrations
  0006 and 0010 are in place and enabled).

Drafts are checked too (their files are in the store), except for the filing
metadata they do not have yet. A disposed record has no files (they were
destroyed) but keeps its 件号. A file whose digest is wrong is reported once,
as not authentic: what it holds is not the record, so it is not opened as one.
Leftovers of killed placements whose leases expired are recovered first
(:meth:`~wenshu.archive.store.Archive.recover`); files under a live lease (being
placed right now, on any machine) are not "unexpected". Each run is one ``verify`` event in the
audit log (agent, time, outcome, the counts per check).

The checks themselves live in :mod:`wenshu.archive.verify_checks` (files and
records), :mod:`wenshu.archive.verify_files` (reading the disk) and
:mod:`wenshu.archive.legacy_metadata`; this module reads the database and runs them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wenshu.access import Actor, authorize
from wenshu.archive.audit import ACTION_LABELS, check_chain, events, log_event
from wenshu.archive.keys import DocumentKey
from wenshu.archive.legacy_metadata import check_legacy_metadata, read_legacy
from wenshu.archive.store import Archive
from wenshu.archive.verify_checks import (
    check_active_content,
    check_digests,
    check_item_numbers,
    check_metadata,
    check_missing,
    check_read_only,
    check_stamps,
    check_unexpected,
    check_usability,
)
from wenshu.archive.verify_files import inspect_file, present_files
from wenshu.archive.verify_model import (
    CHECKS,
    PROPERTIES,
    Check,
    FileRecord,
    Problem,
    StoredFacts,
    Tally,
    VersionRecord,
    expected_files,
    live,
)
from wenshu.db import session_scope
from wenshu.models.access_tables import AuditEvent
from wenshu.models.tables import Document, DocumentVersion, FilingCounter
from wenshu.settings import Settings

# The triggers that keep the audit log append-only (migration 0006) and filed records
# unchanged (migration 0010), per table and dialect.
GUARDS = {
    "audit_guard": {
        "sqlite": {"audit_events": frozenset({"audit_events_no_update",
                                              "audit_events_no_delete"})},
        "postgresql": {"audit_events": frozenset({"audit_events_no_change",
                                                  "audit_events_no_truncate"})}},
    "record_guard": {
        "sqlite": {"document_versions": frozenset({"document_versions_filed_no_change",
                                                   "document_versions_draft_only_filed",
                                                   "document_versions_filed_no_delete"}),
                   "stored_files": frozenset({"stored_files_filed_no_change",
                                              "stored_files_filed_no_delete"})},
        "postgresql": {"document_versions": frozenset({"document_versions_guard",
                                                       "document_versions_no_truncate"}),
                       "stored_files": frozenset({"stored_files_guard",
                                                  "stored_files_no_truncate"})}},
}
_GUARDED = {"audit_guard": "审计日志只增不改", "record_guard": "归档记录不被改动"}


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

    # Files first, then leases, then the database: a file being placed is either still
    # leased or, its lease ended in the transaction that recorded it, in the records after.
    present = present_files(archive.root)
    under_way = archive.placements_under_way()
    records, counters = _read_records(settings, archive, year)
    if year is not None:
        folders = _folders(records)
        present = {p for p in present if p.rsplit("/", 1)[0] in folders}
    expected = expected_files(records)
    # A failed placement may have removed its file since the walk: not a finding.
    present = {p for p in present if p in expected or (archive.root / p).exists()}
    facts = {item.path: inspect_file(archive.root / item.path, item)
             for _, item in live(records)}

    tally = Tally()
    check_digests(records, facts, tally)
    check_stamps(records, facts, tally)
    _check_audit_chain(settings, tally)
    _check_audit_coverage(settings, records, tally)
    check_metadata(records, facts, tally)
    check_legacy_metadata(records, read_legacy(archive.root, records, present), tally)
    check_item_numbers(records, counters, tally)
    check_missing(records, facts, tally)
    check_unexpected(records, present, under_way, tally)
    check_usability(records, facts, tally)
    check_read_only(records, facts, tally)
    check_active_content(records, facts, tally)
    for guard in GUARDS:
        _check_guards(settings, guard, tally)
    return _report(settings, actor, target, year, (started, clock), tally, recovered)


def _report(settings: Settings, actor: Actor, target: str, year: int | None,
            start: tuple[datetime, float], tally: Tally,
            recovered: tuple[str, ...]) -> VerifyReport:
    """The run's report, once its ``verify`` event is in the audit log."""
    results = tuple(CheckResult(c, tally.checked[c.name], len(tally.found[c.name]))
                    for c in CHECKS)
    problems = tuple(p for c in CHECKS for p in tally.found[c.name])
    event = log_event(settings, action="verify", agent=actor.name, target=target,
                      outcome="failed" if problems else "ok",
                      detail={"checks": {r.check.name: {"checked": r.checked,
                                                        "problems": r.problems}
                                         for r in results},
                              "recovered": len(recovered)})
    return VerifyReport(actor.name, year, start[0], time.perf_counter() - start[1], results,
                        problems, recovered, event.id)


# -- what the records say --------------------------------------------------------


def _read_records(settings: Settings, archive: Archive, year: int | None
                  ) -> tuple[list[VersionRecord], dict[tuple[str, int, str, str], int]]:
    """Every version (of ``year``) with its files, and the 件号 counters (of ``year``)."""
    with session_scope(settings) as session:
        query = (select(DocumentVersion).order_by(DocumentVersion.id)
                 .options(selectinload(DocumentVersion.files),
                          selectinload(DocumentVersion.document)
                          .selectinload(Document.versions)))
        counter_query = select(FilingCounter)
        if year is not None:
            counter_query = counter_query.where(FilingCounter.year == year)
        records = []
        for v in session.scalars(query):
            d = v.document
            if year is not None and (v.filing_year or _period_year(d.period)) != year:
                continue
            records.append(_record(archive, v, latest=v.version == d.versions[-1].version))
        counters = {(c.fonds, c.year, c.retention, c.org_code): c.last_number
                    for c in session.scalars(counter_query)}
    return records, counters


def _record(archive: Archive, v: DocumentVersion, *, latest: bool) -> VersionRecord:
    d = v.document
    key = DocumentKey(d.kind, d.unit_code, d.period, d.topic, d.script)
    return VersionRecord(
        document_id=d.id, version=v.version, status=v.status,
        folder=archive.version_dir(key, v.version).relative_to(archive.root).as_posix(),
        files=tuple(FileRecord(f.format, f.path, f.sha256, f.size) for f in v.files),
        archival_code=v.archival_code, fonds=v.fonds, year=v.filing_year,
        retention=v.retention, org_code=v.org_code, item_number=v.item_number,
        filed_at=v.filed_at, filed_by=v.filed_by,
        stored=StoredFacts(key, d.title, latest, v.created_at, v.template_name,
                           v.template_sha256, v.input_sha256, v.flow_run_id))


def _period_year(period: str) -> int | None:
    return int(period[:4]) if period[:4].isdigit() else None


def _folders(records: Iterable[VersionRecord]) -> set[str]:
    folders = {r.folder for r in records}
    folders.update(f.path.rsplit("/", 1)[0] for r in records for f in r.files if "/" in f.path)
    return folders


def _folders(records: Iterable[VersionRecord]) -> set[str]:
    folders = {r.folder for r in records}
    folders.update(f.path.rsplit("/", 1)[0] for r in records for f in r.files if "/" in f.path)
    return folders


# -- the audit log and the database's guards ------------------------------------------


def _check_audit_chain(settings: Settings, tally: Tally) -> None:
    with session_scope(settings) as session:
        tally.checked["audit_chain"] += session.scalar(
            select(sa.func.count()).select_from(AuditEvent)) or 0
    for problem in check_chain(settings):
        tally.add("audit_chain", "审计日志", problem)


def _check_audit_coverage(settings: Settings, records: Sequence[VersionRecord],
                          tally: Tally) -> None:
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
                          f"审计日志中没有 {record.archival_code} 的{ACTION_LABELS[action]}记录",
                          expected=f"{ACTION_LABELS[action]}记录", actual="无")


def _check_guards(settings: Settings, check: str, tally: Tally) -> None:
    """安全性: the database's triggers that refuse to change the audit log or filed records."""
    with session_scope(settings) as session:
        dialect = session.get_bind().dialect.name
        wanted = GUARDS[check].get(dialect, {})
        active: set[str] = set()
        for table in wanted:
            if dialect == "postgresql":
                rows = session.execute(sa.text(
                    "SELECT tgname, tgenabled FROM pg_trigger "
                    "WHERE tgrelid = CAST(:table AS regclass) AND NOT tgisinternal"),
                    {"table": table}).all()
                active.update(name for name, enabled in rows if enabled in ("O", "A"))
            else:
                active.update(session.scalars(sa.text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = :table"), {"table": table}))
    subject = "审计日志" if check == "audit_guard" else "归档记录"
    for table, names in sorted(wanted.items()):
        tally.checked[check] += len(names)
        for name in sorted(names - active):
            tally.add(check, subject, f"{table} 表上保证{_GUARDED[check]}的触发器 {name} "
                      "缺失或已停用", expected="启用", actual="缺失")


__all__ = ["CHECKS", "PROPERTIES", "Check", "CheckResult", "Problem", "VerifyReport",
           "verify_archive"]
