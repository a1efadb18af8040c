"""Collecting ledgers from an inbox folder, and the reporting-completeness check.

The inbox holds one folder per unit code. Every ledger file directly inside a
unit's folder is imported with the usual validation and then moved to that
folder's ``done/`` or ``rejected/`` (with its error report beside it).

Units write into the inbox, so nothing in it is trusted: a folder whose name is
not a valid unit code (:func:`wenshu.codes.check_unit_code`), a symlink (to a
folder or a file, e.g. to /etc/passwd or another unit's folder) and a folder
whose ``done``/``rejected`` is not a plain folder are not collected but reported
as ``skipped`` outcomes with the reason. Symlinks are never followed, read or
moved through.

Completeness is DHIS2's reporting rate: of the units expected to report for a
period, which have ledger rows in it and which do not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wenshu.codes import check_unit_code
from wenshu.compute.load import load_units, subtree_codes
from wenshu.compute.rounding import round_fraction
from wenshu.compute.snapshot import UnitInfo
from wenshu.db import as_utc, session_scope
from wenshu.errors import CodeError, InputError, PathError, RevisionNeeded, RowError, WenshuError
from wenshu.ingest.ledger import import_ledger_file
from wenshu.ingest.readers import ReadOptions
from wenshu.ingest.report import REPORT_SUFFIX, error_report_path, write_error_report
from wenshu.ingest.revision import WORDS
from wenshu.models.catalogue import Catalogue
from wenshu.models.tables import Activity, SourceFile
from wenshu.paths import inside
from wenshu.periods import Period
from wenshu.settings import Settings

LEDGER_SUFFIXES = (".csv", ".xlsx", ".xls")
OFFICE_TIME = ZoneInfo("Asia/Shanghai")  # deadlines are office days
DONE, REJECTED = "done", "rejected"
SKIPPED = "skipped"  # the status of an inbox entry that was not collected, and why


@dataclass(frozen=True)
class FileOutcome:
    """One inbox file after collection."""

    unit_code: str  # the unit folder's name (for a skipped folder: as it is, maybe no code)
    name: str  # the file's name; "" when a whole unit folder was skipped
    status: str  # imported | unchanged | rejected | skipped
    rows_stored: int
    rows_existing: int
    errors: int
    moved_to: Path  # where the file is now: done/ or rejected/, or left in place if skipped
    message: str = ""  # why, for an unreadable (rejected) or skipped entry, in Chinese


@dataclass(frozen=True)
class InboxScan:
    """An inbox as found: the files to collect, and the entries skipped with their reason."""

    files: tuple[tuple[str, Path], ...]  # (unit code from the folder name, path)
    skipped: tuple[FileOutcome, ...]  # status "skipped", the reason in ``message``


@dataclass(frozen=True)
class Completeness:
    """Who reported for a period among the units expected to."""

    period: str
    expected: tuple[UnitInfo, ...]
    submitted: tuple[UnitInfo, ...]
    missing: tuple[UnitInfo, ...] = field(default=())
    due: date | None = None  # the deadline, when there is one
    late: tuple[UnitInfo, ...] = field(default=())  # of submitted: handed in after ``due``

    @property
    def rate(self) -> Decimal | None:
        """Reporting rate in %, one decimal (None when nobody is expected)."""
        if not self.expected:
            return None
        return round_fraction(Fraction(len(self.submitted) * 100, len(self.expected)), 1)


def scan_inbox(inbox: Path) -> InboxScan:
    """The inbox's new ledger files in a stable order, and what was skipped and why.

    Never follows a symlink: a symlinked unit folder or file is skipped, as is a
    folder whose name is not a valid unit code or whose done/rejected is not a
    plain folder, and a ledger whose error report name is taken by a symlink.
    """
    if not inbox.is_dir():
        raise WenshuError(f"inbox folder not found: {inbox}")
    files: list[tuple[str, Path]] = []
    skipped: list[FileOutcome] = []
    for folder in sorted(inbox.iterdir()):
        if folder.is_symlink():
            skipped.append(_skipped(folder.name, "", folder,
                                    f"文件夹“{folder.name}”是符号链接，未收取"))
        elif folder.is_dir():
            problem = _folder_problem(folder)
            if problem is not None:
                skipped.append(_skipped(folder.name, "", folder, problem))
                continue
            found, passed = _scan_folder(folder)
            files += found
            skipped += passed
    return InboxScan(tuple(files), tuple(skipped))


def inbox_files(inbox: Path) -> list[tuple[str, Path]]:
    """New ledger files, as (unit code from the folder name, path), in a stable order.

    Only the files: :func:`scan_inbox` also says what was skipped (symlinks, folders
    not named by a valid unit code) and why.
    """
    return list(scan_inbox(inbox).files)


def _skipped(unit: str, name: str, path: Path, reason: str) -> FileOutcome:
    """An inbox entry left where it is, and why (Chinese, shown to the clerk)."""
    return FileOutcome(unit, name, SKIPPED, 0, 0, 0, path, reason)


def _folder_problem(folder: Path) -> str | None:
    """Why a unit folder cannot be collected (in Chinese), or None."""
    try:
        check_unit_code(folder.name)
    except CodeError as exc:
        return f"文件夹“{folder.name}”未收取：{exc}"
    for status_dir in (DONE, REJECTED):
        try:
            _status_dir(folder, status_dir)
        except PathError as exc:
            return f"文件夹“{folder.name}”未收取：{exc}"
    return None


def _scan_folder(folder: Path) -> tuple[list[tuple[str, Path]], list[FileOutcome]]:
    """One unit folder's ledger files, and its symlinks skipped."""
    files: list[tuple[str, Path]] = []
    skipped: list[FileOutcome] = []
    for path in sorted(folder.iterdir()):
        if path.is_symlink():
            skipped.append(_skipped(folder.name, path.name, path,
                                    f"“{folder.name}/{path.name}”是符号链接，未收取"))
        elif (path.is_file() and path.suffix.lower() in LEDGER_SUFFIXES
                and not path.name.endswith(REPORT_SUFFIX)):
            report = error_report_path(path)
            if report.is_symlink():
                # Its error report would be written through the link, wherever it points.
                skipped.append(_skipped(
                    folder.name, path.name, path,
                    f"“{folder.name}/{path.name}”未收取：其错误报告“{report.name}”是符号链接"))
            else:
                files.append((folder.name, path))
    return files, skipped


def _status_dir(folder: Path, status_dir: str) -> Path:
    """``folder/done`` or ``folder/rejected``: a plain folder (or none yet), never a symlink."""
    for link in (folder, folder / status_dir):
        if link.is_symlink():
            raise PathError(f"“{link}”是符号链接，拒绝移入或移出")
    target = inside(folder, status_dir)
    if target.exists() and not target.is_dir():
        raise PathError(f"“{target}”不是文件夹，拒绝移入")
    return target


def _check_movable(path: Path) -> None:
    """Refuse (:class:`PathError`) a file that would be read, reported or moved through a link.

    Checked before the import, so a file is never imported and then left unfiled.
    """
    for link in (path, error_report_path(path)):
        if link.is_symlink():
            raise PathError(f"“{link}”是符号链接")
    for status_dir in (DONE, REJECTED):
        _status_dir(path.parent, status_dir)


def _move(path: Path, status_dir: str) -> Path:
    """Move an inbox file (and its error report) into done/ or rejected/ beside it.

    Renamed, never copied, and never through a symlink: neither the file, its
    folder nor the status folder may be one.
    """
    _check_movable(path)
    target_dir = _status_dir(path.parent, status_dir)
    target_dir.mkdir(exist_ok=True)
    target = inside(target_dir, path.name)
    stamp = 1
    # lexists: a name taken by anything, a dangling symlink too, is never replaced.
    while os.path.lexists(target):
        # A file of the same name handed in again: keep both.
        target = inside(target_dir, f"{path.stem}.{stamp}{path.suffix}")
        stamp += 1
    path.rename(target)
    report = error_report_path(path)
    if report.is_file() and not report.is_symlink():
        report.rename(error_report_path(target))
    return target


def collect_file(settings: Settings, catalogue: Catalogue, unit_code: str, path: Path, *,
                 skip_invalid: bool = False, today: date | None = None) -> FileOutcome:
    """Import one inbox file in its own transaction, then file it under done/ or rejected/.
    A file without a 单位代码 column is the folder's unit's.

    ``unit_code`` must be a valid code (:class:`~wenshu.errors.CodeError` if not). A file
    that would be read, reported or moved through a symlink (it, its error report's name,
    its folder or done/rejected is one) is not imported: it is returned ``skipped``, with
    the reason, and left where it is.
    """
    check_unit_code(unit_code)
    try:
        _check_movable(path)
    except PathError as exc:
        return _skipped(unit_code, path.name, path, f"“{unit_code}/{path.name}”未收取：{exc}")
    try:
        with session_scope(settings) as session:
            result = import_ledger_file(session, path, catalogue, skip_invalid=skip_invalid,
                                        today=today, expect_unit=unit_code,
                                        options=ReadOptions(unit=unit_code))
    except InputError as exc:
        return FileOutcome(unit_code, path.name, "rejected", 0, 0, len(exc.errors),
                           _move(path, REJECTED))
    except RevisionNeeded as exc:
        # No one is there to confirm a correction: the report lists the differences.
        write_error_report(path, exc.differences)
        return FileOutcome(unit_code, path.name, "rejected", 0, 0, len(exc.differences),
                           _move(path, REJECTED), f"{exc}{WORDS['inbox_hint']}")
    except WenshuError as exc:
        # An unreadable file: the report holds one whole-file error, in the usual columns.
        write_error_report(path, [RowError(path.name, 0, "", "", "unreadable_file", str(exc))])
        return FileOutcome(unit_code, path.name, "rejected", 0, 0, 1, _move(path, REJECTED),
                           str(exc))
    status = "unchanged" if result.already_imported else "imported"
    return FileOutcome(unit_code, path.name, status, result.rows_stored, result.rows_existing,
                       len(result.errors), _move(path, DONE))


def completeness(session: Session, period: Period, root: str | None = None,
                 levels: tuple[str, ...] = ("community",), due: date | None = None
                 ) -> Completeness:
    """Which units at ``levels`` under ``root`` have ledger rows dated in ``period``, and,
    with a deadline ``due``, which of them first handed rows in after it (late: the
    import day, in the office's time zone, is after ``due``)."""
    units = load_units(session)
    if root is None:
        roots = [u.code for u in units.values() if u.parent_code is None]
    else:
        roots = [root]
    codes = [c for r in roots for c in subtree_codes(units, r)]
    expected = tuple(units[c] for c in codes if units[c].level in levels)
    reported = set(session.scalars(
        select(Activity.unit_code).distinct()
        .where(Activity.date.between(period.start, period.end), Activity.counted())
    ))
    submitted = tuple(u for u in expected if u.code in reported)
    missing = tuple(u for u in expected if u.code not in reported)
    late: tuple[UnitInfo, ...] = ()
    if due is not None:
        first = _first_submitted(session, period, [u.code for u in submitted])
        late = tuple(u for u in submitted if first[u.code] > due)
    return Completeness(period.code, expected, submitted, missing, due, late)


def _first_submitted(session: Session, period: Period, codes: list[str]) -> dict[str, date]:
    """The day (office time) each unit's earliest file with rows in ``period`` came in,
    withdrawn rows too: a ledger corrected later was still handed in when it first came."""
    rows = session.execute(
        select(Activity.unit_code, func.min(SourceFile.imported_at))
        .join(SourceFile, SourceFile.id == Activity.source_file_id)
        .where(Activity.date.between(period.start, period.end), Activity.unit_code.in_(codes))
        .group_by(Activity.unit_code))
    return {code: as_utc(moment).astimezone(OFFICE_TIME).date() for code, moment in rows}
