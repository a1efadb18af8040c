"""Ledger workbooks for the import tests: rows of 东湖社区 written as CSV or .xlsx, what was
stored, and the error an import raised."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.samples.make_ledgers import save_xlsx
from wenshu.errors import InputError
from wenshu.ingest import import_ledger_file
from wenshu.models.tables import Activity

TODAY = date(2026, 11, 1)
EAST_LAKE = "440307001001"
HEADER = ["单位代码", "日期", "活动类型", "主题", "场次", "人次", "户数", "份数", "金额", "备注"]
Rows = Sequence[Sequence[object]]


def good(title: str, people: int = 30, when: object = "2025-03-05") -> list[object]:
    """A training row of 东湖社区 (training needs 场次 and 人次)."""
    return [EAST_LAKE, when, "培训", title, 1, people, None, None, None, None]


# A year's trainings, and the same ledger handed in again corrected: March's first figure
# fixed (50 → 60), April's row taken out, June's added.
YEAR = [good("育龄妇女健康知识培训", 50), good("优生优育讲座", 40, "2025-03-20"),
        good("孕前检查政策解读", 25, "2025-04-08"), good("青春期健康教育", 30, "2025-05-12")]
CORRECTED = [good("育龄妇女健康知识培训", 60), YEAR[1], YEAR[3],
             good("计生协会员培训", 20, "2025-06-03")]


def write_csv(path: Path, rows: Rows, encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(["" if cell is None else cell for cell in row] for row in rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, Rows], cached: dict[str, dict[str, object]] | None = None
               ) -> Path:
    """A workbook with one sheet per entry; formula cells get ``cached`` results (as Excel saves)."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    save_xlsx(book, path, cached)  # type: ignore[arg-type]
    return path


def stored(session: Session) -> list[tuple[date, str, int | None]]:
    return [(a.date, a.title, a.participants)
            for a in session.scalars(select(Activity).order_by(Activity.date, Activity.title))]


def rejected(session: Session, path: Path, catalogue, **kwargs) -> InputError:  # noqa: ANN001
    with pytest.raises(InputError) as caught:
        import_ledger_file(session, path, catalogue, today=TODAY, **kwargs)
    return caught.value


def report_lines(path: str | None) -> list[dict[str, str]]:
    assert path is not None
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))
