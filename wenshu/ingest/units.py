"""Import the unit tree (机构名录): codes, names, levels and parents, upserted by code."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from itertools import groupby
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from wenshu.errors import InputError, NotFoundError, RowError
from wenshu.ingest.readers import Column, RowRef, read_rows
from wenshu.ingest.report import (
    ImportResult,
    earlier_import,
    file_sha256,
    record_import,
    reject_with_report,
    write_error_report,
)
from wenshu.models.catalogue import Catalogue
from wenshu.models.records import UnitRow
from wenshu.models.row_context import RowContext
from wenshu.models.tables import Unit

UNIT_COLUMNS = [
    Column("code", "单位代码", ("代码",), required=True),
    Column("name", "单位名称", ("名称",), required=True),
    Column("level", "层级", ("级别",), required=True),
    Column("parent_code", "上级代码", required=True),
    Column("organ", "署名", ("发文机关", "发文机关署名")),
]
LEVEL_LABELS = {"district": "区", "street": "街道", "community": "社区", "department": "部门"}

Parents = Mapping[str, str | None]


def subtree(parents: Parents, root: str) -> set[str]:
    """``root`` and every unit below it, given each unit's parent."""
    children: dict[str, list[str]] = {}
    for code, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(code)
    found, pending = {root}, [root]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def stored_parents(session: Session) -> dict[str, str | None]:
    """Every stored unit's parent code."""
    return dict(session.execute(select(Unit.code, Unit.parent_code)).tuples().all())


def row_context(session: Session, catalogue: Catalogue | None = None, *,
                today: date | None = None, expect_unit: str | None = None) -> RowContext:
    """What row checks need from the database: the stored units and, with ``expect_unit``,
    the subtree every row's unit must lie in (an inbox's unit, or the units a user acts for).
    """
    parents = stored_parents(session)
    known = RowContext(catalogue=catalogue, units=frozenset(parents), today=today,
                       unit_names=_names(session))
    if expect_unit is None:
        return known
    unit = session.get(Unit, expect_unit)
    if unit is None:
        raise NotFoundError(f"单位代码“{expect_unit}”不在单位名录中")
    return replace(known, allowed_units=frozenset(subtree(parents, expect_unit)),
                   inbox_unit=f"{unit.name}（{unit.code}）")


def _names(session: Session) -> dict[str, tuple[str, ...]]:
    """Each stored unit name and the codes of the units it names (most name one)."""
    names: dict[str, list[str]] = {}
    for code, name in session.execute(select(Unit.code, Unit.name).order_by(Unit.code)):
        names.setdefault(name, []).append(code)
    return {name: tuple(codes) for name, codes in names.items()}


def check_tree(file: str, rows: list[tuple[RowRef, UnitRow]], stored: Mapping[str, Unit],
               header: Callable[[str, str], str]) -> list[RowError]:
    """Problems across rows: repeated codes, unknown parents, cycles, changes to stored units.

    ``header(sheet, field)`` is the header a field has in a sheet. A stored unit may be
    renamed; its level and parent stay, because earlier documents and roll-ups depend on them.
    """
    errors: list[RowError] = []
    first_row: dict[str, RowRef] = {}
    parents: dict[str, str | None] = {code: unit.parent_code for code, unit in stored.items()}
    for at, row in rows:
        def error(field: str, value: str, code: str, message: str) -> RowError:
            return RowError(file, at.row, header(at.sheet, field), value, code, message, at.sheet)

        if row.code in first_row:
            errors.append(error("code", row.code, "duplicate_code",
                                f"单位代码“{row.code}”与{first_row[row.code].seen_from(at.sheet)}重复"))
            continue
        first_row[row.code] = at
        parents.setdefault(row.code, row.parent_code)
        unit = stored.get(row.code)
        if unit is not None and unit.level != row.level:
            errors.append(error(
                "level", LEVEL_LABELS[row.level], "conflicts_with_stored",
                f"单位“{row.code}”已登记为{LEVEL_LABELS.get(unit.level, unit.level)}，不能改为{LEVEL_LABELS[row.level]}",
            ))
        if unit is not None and unit.parent_code != row.parent_code:
            errors.append(error(
                "parent_code", row.parent_code or "", "conflicts_with_stored",
                f"单位“{row.code}”已登记的上级代码为“{unit.parent_code or '无'}”，不能改为“{row.parent_code or '无'}”",
            ))
    for at, row in rows:
        if first_row[row.code] != at or row.parent_code is None:
            continue
        column = header(at.sheet, "parent_code")
        if row.parent_code not in parents:
            errors.append(RowError(file, at.row, column, row.parent_code, "unknown_parent",
                                   f"上级代码“{row.parent_code}”既不在本文件中，也不在单位名录中", at.sheet))
        elif (loop := _loop_from(row.code, parents)) is not None:
            errors.append(RowError(file, at.row, column, row.parent_code, "cycle",
                                   f"上下级关系形成循环：{' → '.join(loop)}", at.sheet))
    return errors


def _loop_from(code: str, parents: Parents) -> list[str] | None:
    """The chain back to ``code`` when walking up from it returns to it."""
    chain, current = [code], parents.get(code)
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return [*chain, code] if current == code else None


def import_units(session: Session, path: Path, *, name: str | None = None) -> ImportResult:
    """Import a units file; all rows or nothing. Does not commit. ``name`` is how the file
    is called in errors (default: its file name)."""
    path = Path(path)
    digest = file_sha256(path)
    if earlier_import(session, "units", digest).stands:
        return ImportResult(file=path, sha256=digest, already_imported=True)
    with reject_with_report(path):
        checked = read_rows(path, UNIT_COLUMNS, UnitRow, RowContext(), name)
    earlier = earlier_import(session, "units", digest, wait=True)
    if earlier.stands:  # another import of the same content ended while this one read it
        return ImportResult(file=path, sha256=digest, already_imported=True)
    stored = {unit.code: unit for unit in session.scalars(select(Unit))}
    with reject_with_report(path):
        errors = checked.sorted(checked.errors + check_tree(name or path.name, checked.valid,
                                                            stored, checked.header))
        if errors:
            raise InputError(name or str(path), errors, notes=checked.notes)

    rows = [row for _, row in checked.valid]
    new = [row for row in rows if row.code not in stored]
    # A file without a 署名 column keeps the organs stored before.
    renamed = [row for row in rows if row.code in stored
               and (stored[row.code].name != row.name
                    or (row.organ is not None and stored[row.code].organ != row.organ))]
    # Parents go in before their children: the foreign key is checked per statement.
    depth = _depths({row.code: row.parent_code for row in new})
    new.sort(key=lambda row: depth[row.code])
    for _, group in groupby(new, key=lambda row: depth[row.code]):
        session.execute(insert(Unit), [row.model_dump() for row in group])
    for row in renamed:
        stored[row.code].name = row.name
        if row.organ is not None:
            stored[row.code].organ = row.organ

    source = record_import(session, earlier, "units", path, digest, name)
    source.rows_stored = len(new) + len(renamed)
    source.rows_replaced = len(renamed)
    write_error_report(path, [])
    return ImportResult(file=path, sha256=digest, rows_read=checked.rows_read,
                        rows_stored=source.rows_stored, rows_existing=len(rows) - source.rows_stored,
                        rows_updated=len(renamed), notes=checked.notes)


def _depths(parents: Parents) -> dict[str, int]:
    """Depth of each new unit below the already stored ones (the tree is known to be acyclic)."""
    depth: dict[str, int] = {}

    def of(code: str) -> int:
        if code not in depth:
            parent = parents[code]
            depth[code] = of(parent) + 1 if parent in parents else 0
        return depth[code]

    for code in parents:
        of(code)
    return depth
