"""Collecting ledgers from an inbox folder, and the reporting-completeness check.

The inbox holds one folder per unit code. Every ledger file directly inside a
unit's folder is imported with the usual validation and then moved to that
folder's ``done/`` or ``rejected/`` (with its error report beside it).
Completeness is DHIS2's reporting rate: of the units expected to report for a
period, which have ledger rows in it and which do not.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from wenshu.compute.load import load_units, subtree_codes
from wenshu.compute.rounding import round_fraction
from wenshu.compute.snapshot import UnitInfo
from wenshu.db import session_scope
from wenshu.errors import InputError, RowError, WenshuError
from wenshu.ingest.ledger import import_ledger_file
from wenshu.ingest.report import REPORT_SUFFIX, error_report_path, write_error_report
from wenshu.models.catalogue import Catalogue
from wenshu.models.tables import Activity
from wenshu.periods import Period
from wenshu.settings import Settings

LEDGER_SUFFIXES = (".csv", ".xlsx")
DONE, REJECTED = "done", "rejected"


@dataclass(frozen=True)
class FileOutcome:
    """One inbox file after collection."""

    unit_code: str
    name: str
    status: str  # imported | unchanged | rejected
    rows_stored: int
    rows_existing: int
    errors: int
    moved_to: Path
    message: str = ""


@dataclass(frozen=True)
class Completeness:
    """Who reported for a period among the units expected to."""

    period: str
    expected: tuple[UnitInfo, ...]
    submitted: tuple[UnitInfo, ...]
    missing: tuple[UnitInfo, ...] = field(default=())

    @property
    def rate(self) -> Decimal | None:
        """Reporting rate in %, one decimal (None when nobody is expected)."""
        if not self.expected:
            return None
        return round_fraction(Fraction(len(self.submitted) * 100, len(self.expected)), 1)


def inbox_files(inbox: Path) -> list[tuple[str, Path]]:
    """New ledger files, as (unit code from the folder name, path), in a stable order."""
    if not inbox.is_dir():
        raise WenshuError(f"inbox folder not found: {inbox}")
    found = []
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            if (path.is_file() and path.suffix.lower() in LEDGER_SUFFIXES
                    and not path.name.endswith(REPORT_SUFFIX)):
                found.append((folder.name, path))
    return found


def _move(path: Path, status_dir: str) -> Path:
    target_dir = path.parent / status_dir
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        # A file of the same name handed in again: keep both.
        stamp = 1
        while (candidate := target_dir / f"{path.stem}.{stamp}{path.suffix}").exists():
            stamp += 1
        target = candidate
    shutil.move(path, target)
    report = error_report_path(path)
    if report.exists():
        shutil.move(report, error_report_path(target))
    return target


def collect_file(settings: Settings, catalogue: Catalogue, unit_code: str, path: Path, *,
                 skip_invalid: bool = False, today: date | None = None) -> FileOutcome:
    """Import one inbox file in its own transaction, then file it under done/ or rejected/."""
    try:
        with session_scope(settings) as session:
            result = import_ledger_file(session, path, catalogue, skip_invalid=skip_invalid,
                                        today=today, expect_unit=unit_code)
    except InputError as exc:
        return FileOutcome(unit_code, path.name, "rejected", 0, 0, len(exc.errors),
                           _move(path, REJECTED))
    except WenshuError as exc:
        # An unreadable file: the report holds one whole-file error, in the usual columns.
        write_error_report(path, [RowError(path.name, 0, "", "", "unreadable_file", str(exc))])
        return FileOutcome(unit_code, path.name, "rejected", 0, 0, 1, _move(path, REJECTED),
                           str(exc))
    status = "unchanged" if result.already_imported else "imported"
    return FileOutcome(unit_code, path.name, status, result.rows_stored, result.rows_existing,
                       len(result.errors), _move(path, DONE))


def completeness(session: Session, period: Period, root: str | None = None,
                 levels: tuple[str, ...] = ("community",)) -> Completeness:
    """Which units at ``levels`` under ``root`` have ledger rows dated in ``period``."""
    units = load_units(session)
    if root is None:
        roots = [u.code for u in units.values() if u.parent_code is None]
    else:
        roots = [root]
    codes = [c for r in roots for c in subtree_codes(units, r)]
    expected = tuple(units[c] for c in codes if units[c].level in levels)
    reported = set(session.scalars(
        select(Activity.unit_code).distinct()
        .where(Activity.date.between(period.start, period.end))
    ))
    submitted = tuple(u for u in expected if u.code in reported)
    missing = tuple(u for u in expected if u.code not in reported)
    return Completeness(period.code, expected, submitted, missing)
