"""The outcome of an import: its result, its error report, and the source-file record."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wenshu.cells import csv_row
from wenshu.db import serialise
from wenshu.errors import InputError, RowError, WenshuError
from wenshu.models.tables import SourceFile

REPORT_SUFFIX = ".errors.csv"
# Imports take turns at deciding which rows are new and storing them (:func:`earlier_import`).
IMPORT_LOCK = "imports"
REPORT_HEADERS = ("文件", "工作表", "行号", "列", "值", "错误代码", "错误说明")
_REPORT_FIELDS = ("file", "sheet", "row", "column", "value", "code", "message")  # RowError.as_dict


@dataclass
class ImportResult:
    """What an import did. ``rows_read = rows_stored + rows_existing + rows_rejected``."""

    file: Path
    sha256: str
    rows_read: int = 0
    rows_stored: int = 0  # written: new rows, plus stored records whose values changed
    rows_existing: int = 0  # already stored with the same content
    rows_rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_report: Path | None = None
    already_imported: bool = False  # this exact file was imported before; nothing was read
    rows_updated: int = 0  # of rows_stored, those that replaced a stored value (units, figures, targets)
    # What the reader noticed, for the user (rows above the header, totals rows checked,
    # hidden rows and columns, empty sheets, values the import supplied), in Chinese.
    notes: list[str] = field(default_factory=list)
    # Ledgers: stored rows the file corrected or left out (withdrawn, not deleted), and
    # each of those differences as a row of the error table.
    rows_withdrawn: int = 0
    revisions: list[RowError] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise WenshuError(f"{path}: 无法读取文件（{exc.strerror or exc}）") from exc
    return digest.hexdigest()


def import_key(sha256: str, how: str = "") -> str:
    """What identifies an import: the file's SHA-256, and ``how`` it was read when the user
    asked for something (some sheets, a year, a unit: :meth:`ReadOptions.key`), since the
    same file read otherwise gives other rows."""
    if not how:
        return sha256
    return hashlib.sha256(f"{sha256}\n{how}".encode()).hexdigest()


def error_report_path(path: Path) -> Path:
    """Where the error report for ``path`` goes: ``<name>.errors.csv`` next to it."""
    return path.with_name(path.stem + REPORT_SUFFIX)


def error_report_csv(errors: Iterable[RowError | Mapping[str, object]]) -> bytes:
    """The error report as CSV bytes, UTF-8 with BOM so Excel opens it.

    Takes :class:`RowError` objects or their :meth:`RowError.as_dict` form (as kept with
    an upload's result). File names, headers and values come from the user's file, so
    text a spreadsheet could run as a formula gets a leading ``'``
    (:func:`wenshu.cells.neutralise`).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_HEADERS)
    for error in errors:
        fields = error.as_dict() if isinstance(error, RowError) else error
        writer.writerow(csv_row(fields.get(key, "") for key in _REPORT_FIELDS))
    return buffer.getvalue().encode("utf-8-sig")


def write_error_report(path: Path, errors: list[RowError]) -> Path | None:
    """Write :func:`error_report_csv` beside ``path``, or remove a stale report.

    Returns the report's path, or None when there were no errors.
    """
    report = error_report_path(path)
    if not errors:
        report.unlink(missing_ok=True)
        return None
    # Never through a symlink planted where the report goes: O_NOFOLLOW refuses it.
    descriptor = os.open(report, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(error_report_csv(errors))
    return report


@contextmanager
def reject_with_report(path: Path) -> Iterator[None]:
    """Turn an :class:`InputError` raised inside into one whose report is written next to ``path``."""
    try:
        yield
    except InputError as exc:
        report = write_error_report(path, exc.errors)
        raise InputError(exc.file, exc.errors, str(report) if report else None,
                         exc.notes, exc.rows_read) from None


def previous_import(session: Session, kind: str, sha256: str) -> SourceFile | None:
    """The record of an earlier import of the same content, if any, as stored now."""
    return session.scalars(
        select(SourceFile).where(SourceFile.kind == kind, SourceFile.sha256 == sha256)
        .execution_options(populate_existing=True)
    ).first()


class Earlier(NamedTuple):
    """An earlier import of the same content: its record (None: there was none), and
    whether it still ``stands``, which makes importing the content again a no-op."""

    record: SourceFile | None
    stands: bool


def earlier_import(session: Session, kind: str, key: str, *, wait: bool = False) -> Earlier:
    """The earlier import of the content ``key`` names (:func:`import_key`). It stands
    unless a file of its kind read in after it replaced, withdrew or restored stored rows:
    then what it stored may have changed, and the same content handed in again (a clerk
    going back to the first version) is read again, not skipped.

    ``wait``: first wait for any other import to end, and hold the imports' lock until
    this transaction ends (:func:`wenshu.db.serialise`), so that this answer and whatever
    the import reads next stay true until it has stored its rows. Ask so after reading the
    file (slow, needing no lock) and before deciding what is new.
    """
    if wait:
        serialise(session, IMPORT_LOCK)
    record = previous_import(session, kind, key)
    if record is None:
        return Earlier(None, False)
    read = func.coalesce(SourceFile.read_at, SourceFile.imported_at)
    replaced = session.scalar(
        select(SourceFile.id).where(SourceFile.kind == kind, SourceFile.rows_replaced > 0,
                                    read > (record.read_at or record.imported_at)).limit(1))
    return Earlier(record, replaced is None)


def record_import(session: Session, earlier: Earlier, kind: str, path: Path, key: str,
                  name: str | None = None) -> SourceFile:
    """The record the rows of this import refer to: the earlier one, its content read in
    once more, or a new one (:func:`store_source_file`)."""
    if earlier.record is None:
        return store_source_file(session, kind, path, key, name)
    earlier.record.read_at = datetime.now(UTC)
    return earlier.record


def store_source_file(session: Session, kind: str, path: Path, sha256: str,
                      name: str | None = None) -> SourceFile:
    """Record an imported file (kind: units | ledger | figures | targets); counts are set later."""
    source = SourceFile(kind=kind, name=name or path.name, sha256=sha256,
                        imported_at=datetime.now(UTC), rows_stored=0, rows_rejected=0)
    session.add(source)
    session.flush()  # the rows stored next refer to its id
    return source
