"""Import base figures (基础数据) and targets (目标值): one value per unit, year and key.

Both are upserts: a re-import with the same values stores nothing, a changed value
replaces the stored one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from wenshu.errors import InputError, RowError
from wenshu.ingest.ledger import UNIT_OF_ROW
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
from wenshu.ingest.units import row_context
from wenshu.models.catalogue import Catalogue
from wenshu.models.records import FigureRow, Row, TargetRow
from wenshu.models.tables import BaseFigure, Target

FIGURE_COLUMNS = [
    *UNIT_OF_ROW,
    Column("year", "年度", required=True, default="year"),
    Column("key", "指标", ("项目",), required=True),
    Column("value", "数值", required=True, summable=True),
]
TARGET_COLUMNS = [
    *UNIT_OF_ROW,
    Column("year", "年度", required=True, default="year"),
    Column("indicator", "指标", required=True),
    # Optional: a file of ranges (103-107) needs no comparator.
    Column("comparator", "比较"),
    Column("target", "目标值", ("value",), required=True),
]


@dataclass(frozen=True)
class _Keyed:
    """How one kind of keyed file is read and stored."""

    kind: str  # figures | targets
    columns: list[Column]
    model: type[Row]
    table: type[BaseFigure] | type[Target]
    key_fields: tuple[str, str, str]
    values_of: Callable[[Any], dict[str, Any]]
    label_of: Callable[[str], str]


def import_figures(session: Session, path: Path, catalogue: Catalogue, *,
                   expect_unit: str | None = None, name: str | None = None,
                   options: ReadOptions | None = None) -> ImportResult:
    """Import base figures (unit, year, figure key or label, value); all rows or nothing.

    ``expect_unit``: every row's unit must lie in its subtree; ``name`` names the file in
    errors (default: its file name); ``options``: which sheets, the year of a file without
    a 年度 column whose sheet names and titles give none, the unit of a file without a
    单位代码 column (:class:`ReadOptions`).
    """
    keyed = _Keyed("figures", _figure_columns(catalogue), FigureRow, BaseFigure,
                   ("unit_code", "year", "key"),
                   lambda row: {"value": row.value}, lambda key: catalogue.figures[key].label)
    return _import_keyed(session, Path(path), catalogue, keyed, expect_unit, name,
                         options or ReadOptions())


def _figure_columns(catalogue: Catalogue) -> list[Column]:
    """A figures file's columns, its 数值 counted in the units the catalogue's figures are
    (人, 户 …): a header such as 数值（万人） is refused rather than its 5.3 filed as 5.3 人."""
    units = tuple(dict.fromkeys(f.unit for f in catalogue.figures.values() if f.unit))
    *others, value = FIGURE_COLUMNS
    return [*others, replace(value, units=units)]


def import_targets(session: Session, path: Path, catalogue: Catalogue, *,
                   expect_unit: str | None = None, name: str | None = None,
                   options: ReadOptions | None = None) -> ImportResult:
    """Import targets (unit, year, indicator, comparator, value or range); all rows or nothing.

    ``expect_unit``, ``name`` and ``options`` as for :func:`import_figures`.
    """
    keyed = _Keyed(
        "targets", TARGET_COLUMNS, TargetRow, Target, ("unit_code", "year", "indicator"),
        lambda row: {"comparator": row.target.comparator, "value": row.target.value,
                     "high": row.target.high},
        lambda key: catalogue.indicators[key].label)
    return _import_keyed(session, Path(path), catalogue, keyed, expect_unit, name,
                         options or ReadOptions())


def _import_keyed(session: Session, path: Path, catalogue: Catalogue, keyed: _Keyed,
                  expect_unit: str | None, name: str | None, options: ReadOptions) -> ImportResult:
    kind, table, key_fields, values_of = keyed.kind, keyed.table, keyed.key_fields, keyed.values_of
    digest = file_sha256(path)
    key = import_key(digest, options.key())
    if earlier_import(session, kind, key).stands:
        return ImportResult(file=path, sha256=digest, already_imported=True)
    context = row_context(session, catalogue, expect_unit=expect_unit)
    with reject_with_report(path):
        checked = read_rows(path, keyed.columns, keyed.model, context, name, options)
        repeats = repeated_keys(name or path.name, checked.valid, key_fields, keyed.label_of)
        errors = checked.sorted(checked.errors + repeats)
        if errors:
            raise InputError(name or str(path), errors, notes=checked.notes)

    earlier = earlier_import(session, kind, key, wait=True)
    if earlier.stands:  # another import of the same content ended while this one read it
        return ImportResult(file=path, sha256=digest, already_imported=True)
    source = record_import(session, earlier, kind, path, key, name)
    incoming = {tuple(getattr(row, f) for f in key_fields): values_of(row) for _, row in checked.valid}
    years = {key[1] for key in incoming}
    stored = {
        tuple(getattr(record, f) for f in key_fields): record
        for record in session.scalars(select(table).where(table.year.in_(years)))
    }
    new: list[dict[str, Any]] = []
    changed = 0
    for key, values in incoming.items():
        record = stored.get(key)
        if record is None:
            new.append({**dict(zip(key_fields, key)), **values, "source_file_id": source.id})
        elif any(getattr(record, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(record, field, value)
            record.source_file_id = source.id
            changed += 1
    if new:
        session.execute(insert(table), new)
    source.rows_stored = len(new) + changed
    source.rows_replaced = changed
    write_error_report(path, [])
    return ImportResult(file=path, sha256=digest, rows_read=checked.rows_read,
                        rows_stored=source.rows_stored, rows_existing=len(incoming) - source.rows_stored,
                        rows_updated=changed, notes=checked.notes)


def repeated_keys(file: str, rows: list[tuple[RowRef, Row]], key_fields: tuple[str, str, str],
                  label_of: Callable[[str], str]) -> list[RowError]:
    """Rows giving a second value for a (unit, year, key) an earlier row already gave."""
    first_row: dict[tuple[Any, ...], RowRef] = {}
    errors = []
    for at, row in rows:
        key = tuple(getattr(row, f) for f in key_fields)
        if key in first_row:
            unit, year, name = key
            errors.append(RowError(file, at.row, "", "", "duplicate_key",
                                   f"单位“{unit}”{year}年的“{label_of(name)}”与"
                                   f"{first_row[key].seen_from(at.sheet)}重复", at.sheet))
        else:
            first_row[key] = at
    return errors
