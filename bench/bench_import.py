"""Ledger import speed against the floor of plain ``sqlite3.executemany``.

Generates N valid ledger rows for a district shaped like seed 004 (11 streets, 111
communities), imports them with :func:`import_ledger_file` into a fresh SQLite database,
then inserts the same rows, already parsed, with ``sqlite3.executemany`` into an
equivalent table. Prints rows/s for both and the ratio. Then the same ledger handed in
again corrected (1 row in 100 with another 人次, 1 in 100 taken out) is imported into the
same database as the corrected version (``revise="replace"``), against sqlite3 reading
the stored rows of those dates, marking the old rows withdrawn and inserting the new
ones (the floor: no comparison). The same rows saved as .xlsx
are then read by :func:`read_table` (merged cells, hidden rows, formulas looked for)
and by bare openpyxl (read-only, values only), side by side: the ratio is what
reading a workbook as offices keep them costs over the raw tool.

    .venv/bin/python bench/bench_import.py [N]
"""

from __future__ import annotations

import csv
import hashlib
import random
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import sessionmaker

from wenshu.cells import csv_row
from wenshu.db import get_engine, upgrade_schema
from wenshu.ingest import import_ledger_file, read_table
from wenshu.models.catalogue import load_catalogue
from wenshu.models.tables import Unit
from wenshu.settings import Settings

HEADER = ["单位代码", "日期", "活动类型", "主题", "场次", "人次", "户数", "份数", "金额", "备注"]
TYPES = ["培训", "宣传", "入户走访", "检查", "讲座", "慰问帮扶", "会议", "志愿服务"]


def unit_tree() -> list[tuple[str, str, str, str | None]]:
    """One district, 11 streets, 111 communities."""
    units = [("440307", "示范区", "district", None)]
    for street in range(1, 12):
        street_code = f"440307{street:03d}"
        units.append((street_code, f"第{street}街道", "street", "440307"))
        for community in range(1, 11 if street < 11 else 12):
            units.append((f"{street_code}{community:03d}", f"第{street}-{community}社区", "community", street_code))
    return units


def ledger_rows(n: int, communities: list[str]) -> list[list[str]]:
    """N distinct, valid rows; every kind records the measures the catalogue requires."""
    rng = random.Random(20260305)
    start = date(2025, 1, 1)
    rows = []
    for i in range(n):
        day = start + timedelta(days=rng.randrange(600))
        kind = TYPES[i % len(TYPES)]
        count = str(rng.randrange(1, 200))
        amount = f"{rng.randrange(100, 100000)}.{rng.randrange(100):02d}" if kind == "慰问帮扶" else ""
        rows.append([rng.choice(communities), day.strftime("%Y/%m/%d"), kind, f"{kind}活动第{i}次",
                     "1", count, count, count, amount, ""])
    return rows


def time_import(home: Path, csv_path: Path, units: list[tuple[str, str, str, str | None]],
                corrected_path: Path) -> tuple[float, float]:
    """The first import into a new database, then the corrected version's import."""
    settings = Settings(home=home)
    upgrade_schema(settings)
    factory = sessionmaker(get_engine(settings))
    with factory() as session, session.begin():
        session.add_all(Unit(code=c, name=n, level=lv, parent_code=p) for c, n, lv, p in units)
    catalogue = load_catalogue()
    started = time.perf_counter()
    with factory() as session, session.begin():
        result = import_ledger_file(session, csv_path, catalogue, today=date(2026, 11, 1))
    elapsed = time.perf_counter() - started
    assert result.rows_stored == result.rows_read, result
    started = time.perf_counter()
    with factory() as session, session.begin():
        fixed = import_ledger_file(session, corrected_path, catalogue, today=date(2026, 11, 1),
                                   revise="replace")
    correcting = time.perf_counter() - started
    assert fixed.rows_withdrawn > 0 and fixed.rows_stored > 0, fixed
    return elapsed, correcting


def corrected(rows: list[list[str]]) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """The ledger handed in again: every 100th row with 人次 + 1, every 100th (offset 50)
    taken out. Returns the new file's rows, the rows it changed (new values) and the old
    rows it withdraws."""
    kept, changed, withdrawn = [], [], []
    for i, row in enumerate(rows):
        if i % 100 == 50:
            withdrawn.append(row)
        elif i % 100 == 0:
            new = [*row[:5], str(int(row[5]) + 1), *row[6:]]
            kept.append(new)
            changed.append(new)
            withdrawn.append(row)
        else:
            kept.append(row)
    return kept, changed, withdrawn


def time_plain_correction(db: Path, changed: list[tuple[object, ...]],
                          withdrawn: list[tuple[object, ...]]) -> float:
    """sqlite3 doing a correction's storage work: read the stored rows of the file's dates,
    mark the old rows withdrawn, insert the new ones."""
    connection = sqlite3.connect(db)
    started = time.perf_counter()
    with connection:
        connection.execute(
            "SELECT id, unit_code, date, activity_type, title, sessions, participants, households,"
            " materials, amount, notes, source_file_id, source_row, row_hash FROM activities"
            " WHERE withdrawn_at IS NULL AND date BETWEEN '2025-01-01' AND '2026-12-31'").fetchall()
        connection.executemany("UPDATE activities SET withdrawn_at = '2026-11-01' WHERE row_hash = ?",
                               [(row[-1],) for row in withdrawn])
        connection.executemany(
            "INSERT INTO activities (unit_code, date, activity_type, title, sessions, participants,"
            " households, materials, amount, notes, source_file_id, source_row, row_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", changed)
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def parsed(rows: list[list[str]]) -> list[tuple[object, ...]]:
    """The rows as typed tuples ready for sqlite3 (the work the import does is not timed here)."""
    out = []
    for number, row in enumerate(rows, start=2):
        unit, day, kind, title, sessions, participants, households, materials, amount, notes = row
        digest = hashlib.sha256("\x1f".join(row).encode()).hexdigest()
        out.append((unit, day.replace("/", "-"), kind, title, int(sessions), int(participants),
                    int(households), int(materials), amount or None, notes or None, 1, number, digest))
    return out


def time_executemany(db: Path, tuples: list[tuple[object, ...]]) -> float:
    connection = sqlite3.connect(db)
    connection.executescript(
        """
        CREATE TABLE activities (
            id INTEGER PRIMARY KEY, unit_code VARCHAR(32) NOT NULL, date DATE NOT NULL,
            activity_type VARCHAR(32) NOT NULL, title VARCHAR(200) NOT NULL, sessions INTEGER,
            participants INTEGER, households INTEGER, materials INTEGER, amount NUMERIC(14, 2),
            notes TEXT, source_file_id INTEGER NOT NULL, source_row INTEGER NOT NULL,
            row_hash VARCHAR(64) NOT NULL UNIQUE, withdrawn_at TEXT);
        CREATE INDEX ix_unit ON activities (unit_code);
        CREATE INDEX ix_date ON activities (date);
        PRAGMA journal_mode=WAL;
        PRAGMA synchronous=NORMAL;
        """
    )
    started = time.perf_counter()
    with connection:
        connection.executemany(
            "INSERT INTO activities (unit_code, date, activity_type, title, sessions, participants,"
            " households, materials, amount, notes, source_file_id, source_row, row_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tuples,
        )
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    """The ledger as a one-sheet workbook, figures as numbers the way Excel keeps them."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(HEADER)
    for row in rows:
        sheet.append([int(v) if v.isdigit() else v for v in row])
    book.save(path)


def time_openpyxl(path: Path) -> float:
    """Bare openpyxl: every cell value of every row, read-only."""
    started = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    for sheet in book.worksheets:
        for _row in sheet.iter_rows(values_only=True):
            pass
    book.close()
    return time.perf_counter() - started


def time_read_table(path: Path) -> float:
    """wenshu's reader: the workbook's sheets, merged cells and hidden marks included."""
    started = time.perf_counter()
    read_table(path)
    return time.perf_counter() - started


def main() -> None:
    """Run the benchmark and print the figures."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    units = unit_tree()
    rows = ledger_rows(n, [code for code, _, level, _ in units if level == "community"])
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        csv_path = tmp_dir / "ledger.csv"
        with open(csv_path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(csv_row(row) for row in [HEADER, *rows])
        started = time.perf_counter()
        read_table(csv_path)
        reading = time.perf_counter() - started
        kept, changed, withdrawn = corrected(rows)
        corrected_path = tmp_dir / "ledger-corrected.csv"
        with open(corrected_path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(csv_row(row) for row in [HEADER, *kept])
        importing, correcting = time_import(tmp_dir / "home", csv_path, units, corrected_path)
        plain = time_executemany(tmp_dir / "plain.db", parsed(rows))
        plain_correcting = time_plain_correction(tmp_dir / "plain.db", parsed(changed),
                                                 parsed(withdrawn))
        xlsx_path = tmp_dir / "ledger.xlsx"
        write_xlsx(xlsx_path, rows)
        # Alternated, best of three each: the machines are noisy.
        timings = [(time_read_table(xlsx_path), time_openpyxl(xlsx_path)) for _ in range(3)]
        xlsx_wenshu = min(t for t, _ in timings)
        xlsx_bare = min(t for _, t in timings)
    print(f"rows: {n}, units: {len(units)}")
    print(f"read_table alone:         {n / reading:>10,.0f} rows/s ({reading:.2f} s)")
    print(f"import_ledger_file:       {n / importing:>10,.0f} rows/s ({importing:.2f} s)")
    print(f"sqlite3.executemany:      {n / plain:>10,.0f} rows/s ({plain:.2f} s)")
    print(f"import / executemany time: {importing / plain:.1f}x")
    print(f"corrected import ({len(changed)} changed, {len(withdrawn) - len(changed)} taken out): "
          f"{correcting:.2f} s; sqlite3 select+update+insert: {plain_correcting:.2f} s; "
          f"{correcting / plain_correcting:.1f}x")
    print(f"read_table (.xlsx):       {n / xlsx_wenshu:>10,.0f} rows/s ({xlsx_wenshu:.2f} s)")
    print(f"bare openpyxl (.xlsx):    {n / xlsx_bare:>10,.0f} rows/s ({xlsx_bare:.2f} s)")
    print(f"read_table / openpyxl time (.xlsx): {xlsx_wenshu / xlsx_bare:.2f}x")


if __name__ == "__main__":
    main()
