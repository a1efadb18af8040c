"""Inspection inputs: inspectors' findings (.xlsx/.csv), their template sheet, the archive.

Inspectors record the checklist's observed items on site, one row per unit and item
(单位代码, 项目代码 or 检查项目, 检查结果, 情况说明, 检查人). An import is checked like a
ledger: every bad row is reported with file, row, column and reason, and nothing is
stored from a file with any bad row. Findings are stored per inspection (checklist
and period) and unit and item, so a follow-up inspection can be compared with the one
before; a corrected sheet for the same inspection replaces the values it changes.

:func:`record_findings` takes the same rows from a program instead of a file.
:mod:`wenshu.ingest.findings_sheet` makes the sheet to fill in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from wenshu.codes import check_unit_code
from wenshu.db import serialise
from wenshu.errors import (
    ChecklistError,
    CodeError,
    InputError,
    RowError,
    WenshuError,
)
from wenshu.ingest.readers import (
    CheckedRows,
    Column,
    MappedTable,
    RawValue,
    ReadOptions,
    RowRef,
    Table,
    Tables,
    check_tables,
    map_tables,
    read_tables,
)
from wenshu.ingest.report import (
    IMPORT_LOCK,
    ImportResult,
    file_sha256,
    import_key,
    previous_import,
    reject_with_report,
    store_source_file,
    write_error_report,
)
from wenshu.ingest.units import stored_parents
from wenshu.models.checklist import (
    Answer,
    AnswerError,
    Checklist,
    ObservedItem,
    answer_text,
    parse_answer,
)
from wenshu.models.inspection_words import inspection_problem, item_named
from wenshu.models.tables import InspectionFinding
from wenshu.models.values import cell_text, shown
from wenshu.periods import Period

SOURCE_KIND = "findings"
MAX_NOTE = 2000

FINDING_COLUMNS = [
    Column("unit_code", "单位代码", required=True, default="unit"),
    Column("unit_name", "单位名称", ("名称",)),  # for the reader; not checked
    Column("item", "项目代码", ("item_key",)),
    Column("label", "检查项目", ("项目名称", "item_label")),
    Column("points", "分值", summable=True),  # for the reader; not read, but a 合计 of it is checked
    Column("allowed", "填写要求", ("allowed_values",)),  # for the reader; not read
    Column("value", "检查结果", ("结果",), required=True),
    Column("note", "情况说明", ("说明", "备注", "notes")),
    Column("inspector", "检查人", ("检查人员",)),
]


@dataclass(frozen=True)
class StoredFinding:
    """One stored finding, as plain data."""

    unit_code: str
    item: str
    value: str
    note: str
    inspector: str


@dataclass(frozen=True)
class _Row:
    number: int
    unit_code: str
    item: ObservedItem
    value: str
    note: str
    inspector: str


def _check_period(period: str) -> str:
    try:
        return Period.parse(period).code
    except ValueError as exc:
        raise WenshuError(str(exc)) from None


def _item_of(checklist: Checklist, fields: Mapping[str, RawValue], headers: Mapping[str, str],
             by_key: bool, file: str, number: int) -> tuple[ObservedItem | None, RowError | None]:
    """The observed item a row is about, by key (项目代码) or else by label (检查项目)."""
    field = "item" if by_key else "label"
    column = headers[field]
    given = cell_text(fields[field])
    if given is None:
        return None, RowError(file, number, column, "", "required", f"{column}不能为空")
    item = checklist.item(given) if by_key else next(
        (i for i in checklist.items if i.label == given), None)
    if item is None:
        return None, RowError(file, number, column, given, "unknown_item",
                              f"“{given}”不是《{checklist.title}》的检查项目")
    if not isinstance(item, ObservedItem):
        source = "档案归档情况" if item.kind == "archive" else "台账和基础数据"
        return None, RowError(file, number, column, given, "computed_item",
                              f"“{item.label}”由系统根据{source}自动评分，不需要填写")
    return item, None


def _unit_of(raw: RawValue, column: str, units: frozenset[str], file: str,
             number: int) -> tuple[str | None, RowError | None]:
    """The unit a row is about: a well-formed code (:mod:`wenshu.codes`) of a stored unit.

    An unknown but well-formed code is returned with its error, so repeats are still found.
    """
    code = cell_text(raw)
    if code is None:
        return None, RowError(file, number, column, "", "required", "单位代码不能为空")
    try:
        check_unit_code(code)
    except CodeError as exc:
        return None, RowError(file, number, column, code, "bad_unit_code", str(exc))
    if code not in units:
        return code, RowError(file, number, column, code, "unknown_unit",
                              f"单位代码“{code}”不在单位名录中")
    return code, None


def _check_rows(name: str, label: str, book: Tables, checklist: Checklist,
                units: frozenset[str], inspector: str | None,
                options: ReadOptions) -> CheckedRows[_Row]:
    """Every row of every sheet checked: the good ones, every problem, and the notes."""
    sheets = map_tables(name, label, book, FINDING_COLUMNS, options)
    missing = [RowError(name, m.table.header_row, "项目代码", "", "missing_column",
                        "缺少必需的列“项目代码”（或“检查项目”）", m.table.sheet)
               for m in sheets if not m.has("item") and not m.has("label")]
    if missing:
        raise InputError(label, missing, notes=book.notes)
    seen: dict[tuple[str, str], RowRef] = {}

    def check(mapped: MappedTable, number: int, values: dict[str, RawValue]
              ) -> tuple[_Row | None, list[RowError]]:
        return _check_row(name, mapped, number, values, checklist, units, inspector, seen)

    return check_tables(name, sheets, FINDING_COLUMNS, check, book.notes)


def _check_row(name: str, mapped: MappedTable, number: int, values: dict[str, RawValue],
               checklist: Checklist, units: frozenset[str], inspector: str | None,
               seen: dict[tuple[str, str], RowRef]) -> tuple[_Row | None, list[RowError]]:
    """One row checked; ``seen`` holds the rows before it by unit and item, for repeats."""
    fields, headers = mapped.fields(values), mapped.headers
    errors: list[RowError] = []
    code, problem = _unit_of(fields["unit_code"], headers["unit_code"], units, name, number)
    errors += [problem] if problem else []
    item, problem = _item_of(checklist, fields, headers, mapped.has("item"), name, number)
    errors += [problem] if problem else []
    value = ""
    if fields["value"] is None:
        errors.append(RowError(name, number, headers["value"], "", "required", "检查结果不能为空"))
    elif item is not None:
        try:
            value = answer_text(parse_answer(item, fields["value"]))
        except AnswerError as exc:
            errors.append(RowError(name, number, headers["value"], shown(fields["value"]),
                                   exc.code, f"“{item.label}”{exc.zh}"))
    note = cell_text(fields["note"]) or ""
    if len(note) > MAX_NOTE:
        errors.append(RowError(name, number, headers["note"], note[:20] + "…", "too_long",
                               f"情况说明过长（{len(note)}字），最多{MAX_NOTE}字"))
    who = cell_text(fields["inspector"]) or inspector
    if who is None:
        errors.append(RowError(name, number, headers["inspector"], "", "required",
                               "检查人不能为空（填写“检查人”列，或导入时指定检查人）"))
    elif len(who) > 100:
        errors.append(RowError(name, number, headers["inspector"], who[:20] + "…", "too_long",
                               "检查人过长，最多100字"))
    if code is not None and item is not None:
        at = RowRef(mapped.table.sheet, number)
        first = seen.setdefault((code, item.key), at)
        if first != at:
            errors.append(RowError(name, number, "", "", "duplicate_key",
                                   f"单位“{code}”的“{item.label}”与{first.seen_from(at.sheet)}重复"))
    if errors:
        return None, errors
    assert code is not None and item is not None and who is not None
    return _Row(number, code, item, value, note, who), []


def import_findings(session: Session, path: Path, checklist: Checklist, period: str, *,
                    inspector: str | None = None,
                    may_inspect: Callable[[str], None] | None = None,
                    name: str | None = None, options: ReadOptions | None = None) -> ImportResult:
    """Import an inspection's findings for ``checklist`` and ``period``; all rows or nothing.

    Each row is a unit code, an observed item (项目代码, or its label under 检查项目), the
    value (是/否, a count, a figure, a score or text, as the item takes) and an optional
    note and inspector (else ``inspector``). Any bad row rejects the file: InputError
    with every problem, an error report beside the file, nothing stored. A finding
    stored before for the same inspection, unit and item is replaced when the new row
    differs. ``may_inspect`` is called with every unit code of a valid file before
    anything is stored (an access check: it raises to refuse). ``options``: which sheets,
    the unit of a sheet without a 单位代码 column (:class:`ReadOptions`). Does not commit.
    """
    path = Path(path)
    options = options or ReadOptions()
    period = _check_period(period)
    digest = file_sha256(path)
    units = frozenset(stored_parents(session))
    label = name or str(path)
    with reject_with_report(path):
        book = read_tables(path, FINDING_COLUMNS, name, options.sheets)
        checked = _check_rows(name or path.name, label, book, checklist, units, inspector, options)
        if checked.errors:
            raise InputError(label, checked.errors, notes=checked.notes)
    result = _store(session, [row for _, row in checked.valid], checked.rows_read,
                    Path(name) if name else path, import_key(digest, options.key()), checklist,
                    period, may_inspect)
    write_error_report(path, [])
    result.sha256, result.notes = digest, checked.notes
    return result


def record_findings(session: Session, rows: Sequence[Mapping[str, RawValue]],
                    checklist: Checklist, period: str, *, source: str,
                    inspector: str | None = None,
                    may_inspect: Callable[[str], None] | None = None) -> ImportResult:
    """Record findings handed over by a program (an app, a form) rather than a file.

    Each row is a mapping with the sheet's columns, the same keys in every row (Chinese
    headers or their English aliases: unit_code, item, value, note, inspector). The rules are
    :func:`import_findings`'s: any bad row rejects them all with an :class:`InputError`
    naming ``source``, the row (1-based) and the column; nothing is stored. The same
    rows recorded twice are stored once. Does not commit.
    """
    period = _check_period(period)
    headers = list(dict.fromkeys(key for row in rows for key in row))
    table = Table(headers, [(number, {h: row.get(h) for h in headers})
                            for number, row in enumerate(rows, 1)])
    checked = _check_rows(source, source, Tables([table], []), checklist,
                          frozenset(stored_parents(session)), inspector, ReadOptions())
    if checked.errors:
        raise InputError(source, checked.errors)
    payload = json.dumps([dict(row) for row in rows], ensure_ascii=False, sort_keys=True,
                         default=str)
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return _store(session, [row for _, row in checked.valid], checked.rows_read, Path(source),
                  digest, checklist, period, may_inspect)


def _store(session: Session, rows: list[_Row], rows_read: int, origin: Path, digest: str,
           checklist: Checklist, period: str,
           may_inspect: Callable[[str], None] | None) -> ImportResult:
    """Store checked rows of one inspection, replacing stored values they change."""
    if may_inspect is not None:
        for code in sorted({row.unit_code for row in rows}):
            may_inspect(code)

    # Imports take turns from here: the findings read below stay as read until replaced.
    serialise(session, IMPORT_LOCK)
    # The same file may be imported for another inspection; its record is kept once.
    source = previous_import(session, SOURCE_KIND, digest) or store_source_file(
        session, SOURCE_KIND, origin, digest)
    codes = sorted({row.unit_code for row in rows})
    stored = {
        (record.unit_code, record.item): record
        for record in session.scalars(select(InspectionFinding).where(
            InspectionFinding.checklist == checklist.key, InspectionFinding.period == period,
            InspectionFinding.unit_code.in_(codes)))
    }
    new = changed = 0
    for row in rows:
        record = stored.get((row.unit_code, row.item.key))
        values = {"value": row.value, "note": row.note or None, "inspector": row.inspector}
        if record is None:
            session.add(InspectionFinding(checklist=checklist.key, period=period,
                                          unit_code=row.unit_code, item=row.item.key,
                                          source_file_id=source.id, **values))
            new += 1
        elif any(getattr(record, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(record, name, value)
            record.source_file_id = source.id
            changed += 1
    session.flush()
    source.rows_stored += new + changed
    return ImportResult(file=origin, sha256=digest, rows_read=rows_read,
                        rows_stored=new + changed, rows_existing=len(rows) - new - changed,
                        rows_updated=changed)


def stored_findings(session: Session, checklist_key: str, period: str,
                    unit_codes: Iterable[str] | None = None) -> list[StoredFinding]:
    """The findings stored for an inspection, by unit code and item key."""
    query = select(InspectionFinding).where(InspectionFinding.checklist == checklist_key,
                                            InspectionFinding.period == _check_period(period))
    if unit_codes is not None:
        query = query.where(InspectionFinding.unit_code.in_(sorted(set(unit_codes))))
    records = session.scalars(query.order_by(InspectionFinding.unit_code, InspectionFinding.item))
    return [StoredFinding(r.unit_code, r.item, r.value, r.note or "", r.inspector)
            for r in records]


def answers_by_unit(checklist: Checklist, findings: Iterable[StoredFinding]
                    ) -> dict[str, dict[str, Answer]]:
    """Stored findings as each unit's answers, ready for scoring.

    Findings for items the checklist no longer has are left out; a stored value the
    item no longer takes (the checklist was changed since) is a ChecklistError.
    """
    answers: dict[str, dict[str, Answer]] = {}
    for finding in findings:
        item = checklist.item(finding.item)
        if not isinstance(item, ObservedItem):
            continue
        try:
            value = parse_answer(item, finding.value)
        except AnswerError as exc:
            raise ChecklistError(inspection_problem(
                "finding_no_longer_fits", unit=finding.unit_code,
                item=item_named(item.key, item.label), value=finding.value,
                reason=exc.zh)) from None
        answers.setdefault(finding.unit_code, {})[item.key] = Answer(value, finding.note)
    return answers


def inspection_periods(session: Session, checklist_key: str) -> list[str]:
    """The periods with stored findings for a checklist, earliest first."""
    periods = session.scalars(select(InspectionFinding.period).distinct().where(
        InspectionFinding.checklist == checklist_key))
    return sorted(periods, key=lambda code: (Period.parse(code).end, Period.parse(code).start))


def previous_inspection(session: Session, checklist_key: str, period: str) -> str | None:
    """The latest inspection with the checklist that ended before ``period`` ended, if any."""
    end = Period.parse(_check_period(period)).end
    earlier = [p for p in inspection_periods(session, checklist_key) if Period.parse(p).end < end]
    return earlier[-1] if earlier else None
