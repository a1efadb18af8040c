"""Import activity ledgers (工作台账): validate every row, then store the new ones in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from wenshu.db import in_batches
from wenshu.errors import InputError, Revise, RowError
from wenshu.ingest.ledger_sheet import held_by
from wenshu.ingest.readers import Column, ReadOptions, RowRef, read_rows
from wenshu.ingest.report import (
    ImportResult,
    earlier_import,
    file_sha256,
    import_key,
    record_import,
    reject_with_report,
    write_error_report,
)
from wenshu.ingest.revision import (
    Revision,
    describe,
    load_stored,
    plan_revision,
    restore,
    revision_needed,
    unit_names,
    withdraw,
)
from wenshu.ingest.units import row_context, stored_parents
from wenshu.models.catalogue import MEASURE_COLUMNS, Catalogue
from wenshu.models.ledger_columns import column_writing
from wenshu.models.records import LedgerRow
from wenshu.models.tables import Activity

# A row's unit: by its code, or by its name as the register has it (read as the code
# when the file has no 单位代码 column, checked against it beside one).
UNIT_OF_ROW = (
    Column("unit_code", "单位代码", required=True, default="unit"),
    Column("unit_name", "单位名称", column_writing().headers.get("unit_name", ()),
           stands_for="unit_code"),
)
# Each column with the other headers offices give it (参加人数 for 人次 …), the unit
# words its figures may carry (人, 元 …) and the larger ones (万元), kept as data.
LEDGER_COLUMNS = [
    replace(column, aliases=column_writing().headers.get(column.field, ()),
            units=column_writing().units.get(column.field, ()),
            scales=tuple(column_writing().scales.get(column.field, {}).items()))
    for column in (
        *UNIT_OF_ROW,
        Column("date", "日期", required=True),
        Column("activity_type", "活动类型", required=True),
        Column("title", "主题", required=True),
        *(Column(field, label, summable=True) for field, label in MEASURE_COLUMNS.items()),
        Column("notes", "备注"),
    )
]


def import_ledger_file(session: Session, path: Path, catalogue: Catalogue, *,
                       skip_invalid: bool = False, today: date | None = None,
                       expect_unit: str | None = None, name: str | None = None,
                       options: ReadOptions | None = None,
                       revise: Revise | None = None) -> ImportResult:
    """Import one ledger file into ``activities``. Does not commit.

    Any invalid row rejects the whole file (InputError, error report written, nothing
    stored) unless ``skip_invalid``, which stores the valid rows and reports the others.
    ``expect_unit``: the file came from that unit's inbox, so rows of units outside its
    subtree are errors (or the units a user acts for). The same file content read the
    same way twice is a no-op; rows already stored from another file are counted as
    existing, not stored again. Once the file is read, imports take turns
    (:func:`earlier_import`): one begun beside another decides on what the other stored.
    ``name`` is how the file is called in errors (default: its file name); ``options``:
    which sheets, the year of dates without one, the unit of a file without a 单位代码
    column (:class:`ReadOptions`).

    A file that corrects or leaves out stored rows (:mod:`wenshu.ingest.revision`) raises
    :class:`RevisionNeeded`, nothing stored, unless ``revise`` says what to do: "replace"
    withdraws those rows and stores the file's, "add" keeps them and adds the file's rows.
    """
    path = Path(path)
    options = options or ReadOptions()
    digest = file_sha256(path)
    key = import_key(digest, options.key())
    if earlier_import(session, "ledger", key).stands:
        return ImportResult(file=path, sha256=digest, already_imported=True)
    context = row_context(session, catalogue, today=today or date.today(),
                          expect_unit=expect_unit)
    with reject_with_report(path):
        checked = read_rows(path, LEDGER_COLUMNS, LedgerRow, context, name, options)
        rows, duplicates = find_duplicates(name or path.name, checked.valid)
        errors = checked.sorted(checked.errors + duplicates)
        if errors and not skip_invalid:
            raise InputError(name or str(path), errors, notes=checked.notes,
                             rows_read=checked.rows_read)

    earlier = earlier_import(session, "ledger", key, wait=True)
    if earlier.stands:  # another import of the same content ended while this one read it
        return ImportResult(file=path, sha256=digest, already_imported=True)
    file = name or path.name
    revision = (Revision() if revise == "add"
                else _compare(session, path, rows, context.allowed_units, checked.notes))
    names = unit_names(session, revision.unit_codes()) if revision else {}
    if revision and revise is None:
        raise revision_needed(file, revision, catalogue, names, checked.rows_read, checked.notes)
    source = record_import(session, earlier, "ledger", path, key, name)
    withdrawn = revision.withdrawn_ids()
    withdraw(session, withdrawn, source.id, source.read_at or source.imported_at)
    stored, restored = store_activities(session, rows, source.id)
    source.rows_stored = stored
    source.rows_replaced = len(withdrawn) + restored
    source.rows_rejected = checked.rejected(errors)
    return ImportResult(
        file=path, sha256=digest, rows_read=checked.rows_read, rows_stored=stored,
        rows_existing=len(rows) - stored, rows_rejected=source.rows_rejected, errors=errors,
        error_report=write_error_report(path, errors), notes=checked.notes,
        rows_withdrawn=len(withdrawn),
        revisions=describe(file, revision, catalogue, names, "replace") if revision else [],
    )


def _compare(session: Session, path: Path, rows: list[tuple[RowRef, LedgerRow, str]],
             allowed: frozenset[str] | None, notes: list[str]) -> Revision:
    """How the rows differ from what is stored (:func:`plan_revision`); a stored ledger
    downloaded from wenshu (:func:`held_by`) is told among the ``notes``."""
    held = held_by(path, stored_parents(session), allowed)
    if held is not None:
        notes.append(held.note())
    return plan_revision(load_stored(session, rows, held), rows, held)


def find_duplicates(file: str, rows: list[tuple[RowRef, LedgerRow]]
                    ) -> tuple[list[tuple[RowRef, LedgerRow, str]], list[RowError]]:
    """Split valid rows into first occurrences (where, row, content hash) and repeats."""
    first_row: dict[str, RowRef] = {}
    unique: list[tuple[RowRef, LedgerRow, str]] = []
    errors: list[RowError] = []
    for at, row in rows:
        digest = row.content_hash()
        if digest in first_row:
            errors.append(RowError(file, at.row, "", "", "duplicate_row",
                                   f"与{first_row[digest].seen_from(at.sheet)}内容完全相同（重复录入）",
                                   at.sheet))
            continue
        first_row[digest] = at
        unique.append((at, row, digest))
    return unique, errors


def store_activities(session: Session, rows: list[tuple[RowRef, LedgerRow, str]],
                     source_file_id: int) -> tuple[int, int]:
    """Insert the rows whose hash is not stored yet, and count again the withdrawn rows the
    file has once more; returns how many rows were inserted or restored, and of those how
    many were restored."""
    stored = _stored_hashes(session, [digest for _, _, digest in rows])
    new = [
        {**row.model_dump(), "source_file_id": source_file_id, "source_row": at.row,
         "source_sheet": at.sheet or None, "row_hash": digest}
        for at, row, digest in rows
        if digest not in stored
    ]
    if new:
        # Without render_nulls the ORM splits the batch wherever the set of empty measures changes.
        session.execute(insert(Activity).execution_options(render_nulls=True), new)
    restored = [digest for digest, withdrawn in stored.items() if withdrawn]
    restore(session, restored)
    return len(new) + len(restored), len(restored)


def _stored_hashes(session: Session, hashes: Iterable[str]) -> dict[str, bool]:
    """Which of the hashes are stored, each with whether its row is withdrawn."""
    found: dict[str, bool] = {}
    for batch in in_batches(list(hashes)):
        found.update((digest, at is not None) for digest, at in session.execute(
            select(Activity.row_hash, Activity.withdrawn_at).where(Activity.row_hash.in_(batch))))
    return found
