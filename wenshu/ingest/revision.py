"""A ledger handed in again, corrected: which stored rows it changes and which it leaves out.

Offices keep one ledger and hand it in again after fixing it (a figure mistyped, a row
entered twice, an activity that did not happen). Rows are stored by content, so the fixed
row would be stored beside the wrong one and both would count. Instead the new file is
compared with what is stored, before anything is written:

- a new row for the same unit, date, activity type and title as a stored row, with other
  figures or notes, **corrects** it (以本文件为准: the stored row is withdrawn);
- a stored row of a file the new one repeats (they share at least one identical row),
  within the dates and months the new file covers for its unit, that the new file no
  longer has, is **left out**; so is any row of a stored ledger downloaded from wenshu
  (:class:`Held`) that the file handed back no longer has, even a unit's or a month's last.

The comparison (:func:`plan_revision`) is plain computation; loading the stored rows and
withdrawing them is the I/O around it. The user decides: take the file as the corrected
version (``revise="replace"``) or keep every stored row and add the file's rows as new
ones (``revise="add"``). Nothing is deleted: a withdrawn row keeps its values and names
the file that withdrew it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wenshu.db import as_utc, in_batches
from wenshu.errors import RevisionNeeded, RowError
from wenshu.ingest.readers import RowRef
from wenshu.models.catalogue import MEASURE_COLUMNS, Catalogue
from wenshu.models.records import LedgerRow
from wenshu.models.tables import Activity, SourceFile, Unit
from wenshu.periods import Period

# The columns a correction may change (the activity's key stays), as the ledger heads them.
COMPARED = {**MEASURE_COLUMNS, "notes": "备注"}

WORDS = {
    "corrects": "与已保存的记录（{stored}）是同一活动（{activity}），{changes}：{outcome}",
    "left_out": "已保存的记录（{stored}，{activity}）在本文件中没有：{outcome}",
    "corrects_outcome": {"replace": "已按本文件更正", "pending": "按本文件更正还是另存为新记录，待确认"},
    "left_out_outcome": {"replace": "已撤回", "pending": "撤回还是保留，待确认"},
    "change": "{column}{old} → {new}",
    "empty": "空",
    "stored_at": "《{file}》{row}",
    "summary": "{file}：与已保存的台账有出入（{counts}），尚未保存，请确认是以本文件为准更正，"
               "还是把本文件的记录另存为新记录",
    "inbox_hint": "。收件箱中的文件不会改动已保存的台账：请在网页“上传台账”中上传此文件，再选择如何处理",
    "held": "本文件是从本系统下载的已报送台账（{first}至{last}的记录）：其中删去的记录列为"
            "“本文件中没有”，下载之后报送的记录不受影响",
    "corrected_count": "更正 {n} 条",
    "left_out_count": "本文件中没有 {n} 条",
}


@dataclass(frozen=True)
class StoredRow:
    """A current (not withdrawn) stored ledger row, and the file and row it came from."""

    id: int
    file_id: int
    file_name: str
    handed_in: datetime  # when the file it came from was imported
    source_row: int
    source_sheet: str | None
    digest: str
    unit_code: str
    date: date
    activity_type: str
    title: str
    sessions: int | None = None
    participants: int | None = None
    households: int | None = None
    materials: int | None = None
    amount: Decimal | None = None
    notes: str | None = None


# What a ledger row says, as read from a file or as stored: the same field names.
LedgerFacts = LedgerRow | StoredRow


@dataclass(frozen=True)
class Held:
    """What a stored ledger downloaded from wenshu held: the current rows of ``units``
    dated ``first`` to ``last``, as they stood at ``at``. Handed back, the file is all of
    them, so each of those rows it no longer has is left out; rows handed in after ``at``
    were never in it."""

    units: frozenset[str]
    first: date
    last: date
    at: datetime

    def holds(self, row: StoredRow) -> bool:
        """Whether the downloaded file had ``row``."""
        return (row.unit_code in self.units and self.first <= row.date <= self.last
                and row.handed_in <= self.at)

    def note(self) -> str:
        """What the clerk is told about such a file, among the reader's notes."""
        return WORDS["held"].format(first=_day(self.first), last=_day(self.last))


@dataclass(frozen=True)
class Correction:
    """A new row that corrects a stored one: same activity, other figures or notes."""

    stored: StoredRow
    at: RowRef
    row: LedgerRow


@dataclass(frozen=True)
class Revision:
    """How a ledger's rows differ from what is stored. Empty when the file only adds rows
    (or repeats stored ones): then there is nothing to decide."""

    corrections: tuple[Correction, ...] = ()
    left_out: tuple[StoredRow, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.corrections or self.left_out)

    def unit_codes(self) -> set[str]:
        """The units whose rows differ."""
        return ({c.stored.unit_code for c in self.corrections}
                | {s.unit_code for s in self.left_out})

    def withdrawn_ids(self) -> list[int]:
        """The stored rows taking the file as the corrected version withdraws."""
        return [c.stored.id for c in self.corrections] + [s.id for s in self.left_out]


def activity_key(row: LedgerFacts) -> tuple[str, date, str, str]:
    """What names one activity: unit, date, activity type and title."""
    return (row.unit_code, row.date, row.activity_type, row.title)


def plan_revision(stored: Sequence[StoredRow], new: Sequence[tuple[RowRef, LedgerRow, str]],
                  held: Held | None = None) -> Revision:
    """Compare a file's rows (where, row, content hash) with the current stored rows of its
    units and dates. Identical rows match first; a new row then corrects the first
    unmatched stored row of its activity (file, then row order). The files sharing an
    identical row are the file's earlier versions: their unmatched rows within what the
    file covers (per unit, its first to last day and those days' months) are left out.
    Another file's rows are never left out, nor rows outside that cover, so a file of
    March alone does not withdraw the rest of a yearly ledger. A downloaded stored ledger
    handed back (``held``) leaves out every row it held and no longer has."""
    by_digest = {row.digest: row for row in stored}
    matched: set[int] = set()
    earlier: set[int] = set()
    unmatched_new: list[tuple[RowRef, LedgerRow]] = []
    for at, row, digest in new:
        same = by_digest.get(digest)
        if same is None:
            unmatched_new.append((at, row))
        else:
            matched.add(same.id)
            earlier.add(same.file_id)
    ordered = sorted(stored, key=lambda s: (s.file_id, s.source_row, s.id))
    waiting: dict[tuple[str, date, str, str], deque[StoredRow]] = defaultdict(deque)
    for row in ordered:
        if row.id not in matched:
            waiting[activity_key(row)].append(row)
    corrections = []
    for at, row in unmatched_new:
        queue = waiting.get(activity_key(row))
        if queue:
            old = queue.popleft()
            matched.add(old.id)
            corrections.append(Correction(old, at, row))
    covers = _coverage(row for _, row, _ in new)
    left_out = tuple(row for row in ordered if row.id not in matched and (
        (row.file_id in earlier and covers(row)) or (held is not None and held.holds(row))))
    return Revision(tuple(corrections), left_out)


def _coverage(rows: Iterable[LedgerFacts]) -> Callable[[LedgerFacts], bool]:
    """Whether a row lies in what a file covers: for each of its units, the days from its
    first to its last row of that unit, and the whole months those rows are in."""
    spans: dict[str, tuple[date, date]] = {}
    months: set[tuple[str, int, int]] = set()
    for row in rows:
        first, last = spans.get(row.unit_code, (row.date, row.date))
        spans[row.unit_code] = (min(first, row.date), max(last, row.date))
        months.add((row.unit_code, row.date.year, row.date.month))

    def covers(row: LedgerFacts) -> bool:
        span = spans.get(row.unit_code)
        return (span is not None and span[0] <= row.date <= span[1]) or (
            (row.unit_code, row.date.year, row.date.month) in months)
    return covers


def describe(file: str, revision: Revision, catalogue: Catalogue, names: Mapping[str, str],
             outcome: Literal["replace", "pending"]) -> list[RowError]:
    """Each difference as a row of the error table: a correction on the new file's row,
    with the changed columns and their old and new values; a left-out row on row 0,
    naming the file and row it was stored from. ``outcome``: done, or still to decide."""
    lines = []
    for fix in revision.corrections:
        changes = _changes(fix.stored, fix.row)
        lines.append(RowError(
            file, fix.at.row, "、".join(label for label, _, _ in changes),
            "；".join(f"{old} → {new}" for _, old, new in changes), "corrects_stored",
            WORDS["corrects"].format(
                stored=_stored_at(fix.stored), activity=_activity(fix.row, catalogue, names),
                changes="，".join(WORDS["change"].format(column=label, old=old, new=new)
                                 for label, old, new in changes),
                outcome=WORDS["corrects_outcome"][outcome]),
            fix.at.sheet))
    for row in revision.left_out:
        lines.append(RowError(
            file, 0, "", "", "left_out",
            WORDS["left_out"].format(stored=_stored_at(row),
                                     activity=_activity(row, catalogue, names),
                                     outcome=WORDS["left_out_outcome"][outcome])))
    return lines


def _changes(old: LedgerFacts, new: LedgerFacts) -> list[tuple[str, str, str]]:
    """(column, old, new) for each compared column whose value differs."""
    return [(label, _shown(getattr(old, field)), _shown(getattr(new, field)))
            for field, label in COMPARED.items()
            if _same_value(getattr(old, field)) != _same_value(getattr(new, field))]


def _same_value(value: object) -> object:
    # Stored amounts come back as 1500.00, read ones as 1500: compare them as numbers.
    # An empty note is no note; 0 stays a figure, other than an empty cell.
    if isinstance(value, Decimal):
        return value.normalize()
    return None if value == "" else value


def _shown(value: object) -> str:
    if value is None or value == "":
        return WORDS["empty"]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _stored_at(row: StoredRow) -> str:
    where = RowRef(row.source_sheet or "", row.source_row).seen_from("")
    return WORDS["stored_at"].format(file=row.file_name, row=where)


def _activity(row: LedgerFacts, catalogue: Catalogue, names: Mapping[str, str]) -> str:
    kind = catalogue.activities.get(row.activity_type)
    label = kind.label if kind is not None else row.activity_type
    return f"{names.get(row.unit_code, row.unit_code)} {_day(row.date)} {label}“{row.title}”"


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def revision_needed(file: str, revision: Revision, catalogue: Catalogue,
                    names: Mapping[str, str], rows_read: int,
                    notes: list[str]) -> RevisionNeeded:
    """The question to put to the user: what the file changes, each difference listed
    (``notes``: what the reader noticed on the way)."""
    return RevisionNeeded(file, WORDS["summary"].format(file=file, counts=_counts(revision)),
                          describe(file, revision, catalogue, names, "pending"), rows_read,
                          notes)


def _counts(revision: Revision) -> str:
    parts = []
    if revision.corrections:
        parts.append(WORDS["corrected_count"].format(n=len(revision.corrections)))
    if revision.left_out:
        parts.append(WORDS["left_out_count"].format(n=len(revision.left_out)))
    return "，".join(parts)


def load_stored(session: Session, rows: Iterable[tuple[RowRef, LedgerRow, str]],
                held: Held | None = None) -> list[StoredRow]:
    """The current stored rows of the file's units from the month of its first date to the
    month of its last, and those ``held`` names (all a file can cover, see
    :func:`plan_revision`)."""
    rows = list(rows)
    found: dict[int, StoredRow] = {}
    if rows:
        first = min(row.date for _, row, _ in rows)
        last = max(row.date for _, row, _ in rows)
        found.update((row.id, row) for row in stored_rows(
            session, {row.unit_code for _, row, _ in rows},
            Period.parse(f"{first:%Y-%m}").start, Period.parse(f"{last:%Y-%m}").end))
    if held is not None:
        found.update((row.id, row) for row in stored_rows(session, held.units, held.first,
                                                          held.last))
    return sorted(found.values(), key=_in_order)


def stored_rows(session: Session, units: Iterable[str], first: date, last: date
                ) -> list[StoredRow]:
    """The current (not withdrawn) stored rows of ``units`` dated ``first`` to ``last``,
    by date, unit and the file and row they came from."""
    found: list[StoredRow] = []
    for batch in in_batches(sorted(set(units))):
        # Columns, not ORM objects: a year's rows of a street load in a fraction of the time.
        query = (select(*_STORED_COLUMNS)
                 .join(SourceFile, SourceFile.id == Activity.source_file_id)
                 .where(Activity.unit_code.in_(batch),
                        Activity.date.between(first, last), Activity.counted()))
        found.extend(StoredRow(*row[:3], as_utc(row[3]), *row[4:])
                     for row in session.execute(query))
    return sorted(found, key=_in_order)


def _in_order(row: StoredRow) -> tuple[date, str, int, int]:
    return (row.date, row.unit_code, row.file_id, row.source_row)


# In StoredRow's field order.
_STORED_COLUMNS = (
    Activity.id, Activity.source_file_id, SourceFile.name, SourceFile.imported_at,
    Activity.source_row, Activity.source_sheet, Activity.row_hash,
    Activity.unit_code, Activity.date, Activity.activity_type, Activity.title, Activity.sessions,
    Activity.participants, Activity.households, Activity.materials, Activity.amount,
    Activity.notes)


def unit_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Names of the units the differences are about."""
    codes = sorted(set(codes))
    return dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all())


def restore(session: Session, digests: Sequence[str]) -> None:
    """Count withdrawn rows again (by content hash): a later file holds them once more."""
    for batch in in_batches(digests):
        session.execute(update(Activity).where(Activity.row_hash.in_(batch))
                        .values(withdrawn_at=None, withdrawn_by_file_id=None))


def withdraw(session: Session, ids: Sequence[int], by_file_id: int, at: datetime) -> None:
    """Mark stored rows withdrawn by a source file; they stay, and no longer count."""
    for batch in in_batches(ids):
        session.execute(update(Activity).where(Activity.id.in_(batch))
                        .values(withdrawn_at=at, withdrawn_by_file_id=by_file_id))
