"""A ledger handed in again after a correction: the corrected figure counts once, a row
taken out of the file stops counting, and nothing is stored until the user says so."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.ledger_books import (
    CORRECTED,
    EAST_LAKE,
    HEADER,
    TODAY,
    YEAR,
    good,
    write_csv,
    write_xlsx,
)
from tests.searching import migrate
from wenshu.compute.load import load_snapshot
from wenshu.db import get_engine
from wenshu.errors import RevisionNeeded
from wenshu.ingest import ReadOptions, import_figures, import_ledger_file
from wenshu.ingest.ledger_sheet import HELD_PROPERTY, held_by
from wenshu.ingest.readers import RowRef
from wenshu.ingest.revision import Held, StoredRow, describe, plan_revision
from wenshu.models.catalogue import load_catalogue
from wenshu.models.records import LedgerRow
from wenshu.models.tables import Activity, BaseFigure, SourceFile


def ledger(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    return write_csv(tmp_path / name, [HEADER, *rows])


def participants(session: Session) -> int:
    """人次 of 东湖社区's trainings in 2025, as documents add them up."""
    snapshot = load_snapshot(session, EAST_LAKE, 2025)
    return sum(total.participants for total in snapshot.ledger
               if total.unit_code == EAST_LAKE and total.year == 2025)


def current(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(select(Activity.title, Activity.participants)
                           .where(Activity.counted()).order_by(Activity.date))
    return [tuple(row) for row in rows]


def test_a_corrected_ledger_waits_for_the_user_and_stores_nothing(session, small_tree, catalogue,
                                                                   tmp_path):
    import_ledger_file(session, ledger(tmp_path, "台账.csv", YEAR), catalogue, today=TODAY)
    assert participants(session) == 145
    with pytest.raises(RevisionNeeded) as caught:
        import_ledger_file(session, ledger(tmp_path, "台账（修改）.csv", CORRECTED), catalogue,
                           today=TODAY)
    asked = caught.value
    assert "台账（修改）.csv：与已保存的台账有出入（更正 1 条，本文件中没有 1 条），尚未保存" in str(asked)
    corrected, left_out = asked.differences
    assert (corrected.row, corrected.column, corrected.value) == (2, "人次", "50 → 60")
    assert corrected.message == ("与已保存的记录（《台账.csv》第2行）是同一活动（东湖社区 2025年3月5日 "
                                 "培训“育龄妇女健康知识培训”），人次50 → 60：按本文件更正还是另存为新记录，待确认")
    assert left_out.row == 0 and left_out.code == "left_out"
    assert "《台账.csv》第4行，东湖社区 2025年4月8日 培训“孕前检查政策解读”" in left_out.message
    assert session.scalar(select(func.count()).select_from(SourceFile)) == 1
    assert participants(session) == 145


def test_replace_takes_the_file_as_the_corrected_version(session, small_tree, catalogue, tmp_path):
    import_ledger_file(session, ledger(tmp_path, "台账.csv", YEAR), catalogue, today=TODAY)
    result = import_ledger_file(session, ledger(tmp_path, "台账（修改）.csv", CORRECTED), catalogue,
                                today=TODAY, revise="replace")
    assert (result.rows_stored, result.rows_existing, result.rows_withdrawn) == (2, 2, 2)
    assert [e.message.rsplit("：", 1)[1] for e in result.revisions] == ["已按本文件更正", "已撤回"]
    # 60 + 40 + 30 + 20: the fixed figure once, April's row no longer counted.
    assert participants(session) == 150
    assert current(session) == [("育龄妇女健康知识培训", 60), ("优生优育讲座", 40),
                                ("青春期健康教育", 30), ("计生协会员培训", 20)]
    # Withdrawn, not deleted: the old rows keep their values and name the file that withdrew them.
    withdrawn = session.execute(select(Activity.participants, SourceFile.name)
                                .join(SourceFile, SourceFile.id == Activity.withdrawn_by_file_id)
                                .order_by(Activity.participants)).all()
    assert [tuple(row) for row in withdrawn] == [(25, "台账（修改）.csv"), (50, "台账（修改）.csv")]


def test_add_keeps_the_stored_rows_and_adds_the_files(session, small_tree, catalogue, tmp_path):
    import_ledger_file(session, ledger(tmp_path, "台账.csv", YEAR), catalogue, today=TODAY)
    result = import_ledger_file(session, ledger(tmp_path, "又一场.csv", CORRECTED), catalogue,
                                today=TODAY, revise="add")
    assert (result.rows_stored, result.rows_withdrawn, result.revisions) == (2, 0, [])
    assert participants(session) == 145 + 60 + 20


def test_handing_in_the_first_version_again_restores_it(session, small_tree, catalogue, tmp_path):
    first = ledger(tmp_path, "台账.csv", YEAR)
    import_ledger_file(session, first, catalogue, today=TODAY)
    import_ledger_file(session, ledger(tmp_path, "台账（修改）.csv", CORRECTED), catalogue,
                       today=TODAY, revise="replace")
    # The very same file again: read again (a later file changed what it stored), not skipped.
    result = import_ledger_file(session, first, catalogue, today=TODAY, revise="replace")
    assert not result.already_imported
    assert (result.rows_stored, result.rows_withdrawn) == (2, 1)  # 50 and April back; 60 out
    # June's row stays: the first version's dates end in May.
    assert participants(session) == 145 + 20
    assert session.scalar(select(func.count()).select_from(Activity)) == 6
    assert session.scalar(select(func.count()).select_from(SourceFile)) == 2
    again = import_ledger_file(session, first, catalogue, today=TODAY)
    assert again.already_imported  # nothing came in since


def test_an_amount_written_another_way_is_not_a_change(session, small_tree, catalogue, tmp_path):
    paid = [*good("育龄妇女健康知识培训", 50)[:8], "1500.00", None]
    import_ledger_file(session, ledger(tmp_path, "台账.csv", [paid]), catalogue, today=TODAY)
    noted = [*paid[:8], "1500", "补记发票"]
    with pytest.raises(RevisionNeeded) as caught:
        import_ledger_file(session, ledger(tmp_path, "台账2.csv", [noted]), catalogue, today=TODAY)
    (only,) = caught.value.differences
    assert (only.column, only.value) == ("备注", "空 → 补记发票")


def test_a_row_of_a_monthly_sheet_is_named_by_its_sheet(session, small_tree, catalogue,
                                                         tmp_path):
    march = [good("优生优育讲座", 40, "2025-03-20"), good("育龄妇女健康知识培训", 50)]
    april = [good("孕前检查政策解读", 25, "2025-04-08"), good("青春期健康教育", 30, "2025-04-22")]
    first = write_xlsx(tmp_path / "台账.xlsx", {"3月": [HEADER, *march], "4月": [HEADER, *april]})
    import_ledger_file(session, first, catalogue, today=TODAY)
    # April's second row taken out; the first stays, so April is still covered.
    fixed = write_xlsx(tmp_path / "台账（改）.xlsx",
                       {"3月": [HEADER, *march], "4月": [HEADER, april[0]]})
    with pytest.raises(RevisionNeeded) as caught:
        import_ledger_file(session, fixed, catalogue, today=TODAY)
    (left_out,) = caught.value.differences
    assert "已保存的记录（《台账.xlsx》工作表“4月”第3行，东湖社区 2025年4月22日" in left_out.message


def test_a_file_that_only_adds_rows_is_stored_at_once(session, small_tree, catalogue, tmp_path):
    import_ledger_file(session, ledger(tmp_path, "上半年.csv", YEAR[:2]), catalogue, today=TODAY)
    result = import_ledger_file(session, ledger(tmp_path, "全年.csv", YEAR), catalogue, today=TODAY)
    assert (result.rows_stored, result.rows_existing, result.rows_withdrawn) == (2, 2, 0)
    assert participants(session) == 145


# The comparison alone ------------------------------------------------------------------------


def _row(title: str, people: int, day: date) -> LedgerRow:
    return LedgerRow.model_construct(unit_code=EAST_LAKE, date=day, activity_type="training",
                                     title=title, sessions=1, participants=people, households=None,
                                     materials=None, amount=None, notes=None)


def _stored(number: int, file_id: int, row: LedgerRow) -> StoredRow:
    return StoredRow(id=number, file_id=file_id, file_name=f"{file_id}.xlsx",
                     handed_in=HANDED_IN + timedelta(days=file_id), source_row=number,
                     source_sheet=None, digest=row.content_hash(),
                     **row.model_dump(exclude={"unit_name"}))


def _new(rows: list[LedgerRow]) -> list[tuple[RowRef, LedgerRow, str]]:
    return [(RowRef("", number), row, row.content_hash()) for number, row in enumerate(rows, 2)]


MARCH, APRIL = date(2025, 3, 5), date(2025, 4, 8)
HANDED_IN = datetime(2025, 5, 1, tzinfo=UTC)  # file 1's import; file n's n − 1 days later


def test_a_months_file_never_leaves_out_another_months_rows():
    yearly = [_row("讲座", 40, MARCH), _row("培训", 30, MARCH), _row("义诊", 20, APRIL)]
    stored = [_stored(n, 1, row) for n, row in enumerate(yearly, 1)]
    # March again, without 培训: March's 培训 is left out, April's 义诊 is not the file's business.
    plan = plan_revision(stored, _new([yearly[0]]))
    assert [row.title for row in plan.left_out] == ["培训"]
    assert plan.corrections == ()


def test_a_file_sharing_no_row_leaves_nothing_out():
    stored = [_stored(1, 1, _row("讲座", 40, MARCH)), _stored(2, 1, _row("培训", 30, MARCH))]
    plan = plan_revision(stored, _new([_row("义诊", 20, MARCH)]))
    assert not plan


def test_activities_of_the_same_name_pair_in_order():
    # Two sessions of one training on one day: the file fixes the second one's figure.
    first, second = _row("培训", 30, MARCH), _row("培训", 35, MARCH)
    stored = [_stored(1, 1, first), _stored(2, 1, second)]
    plan = plan_revision(stored, _new([first, _row("培训", 36, MARCH)]))
    assert [(fix.stored.participants, fix.row.participants) for fix in plan.corrections] == [(35, 36)]
    assert plan.left_out == ()


def test_going_back_to_an_earlier_figures_file_applies_it_again(session, small_tree, catalogue,
                                                                 tmp_path):
    def births() -> Decimal:
        return session.scalar(select(BaseFigure.value).where(BaseFigure.key == "births"))

    options = ReadOptions(unit=EAST_LAKE, year=2025)
    first = write_csv(tmp_path / "基础数据.csv", [["指标", "数值"], ["births", "12"]])
    import_figures(session, first, catalogue, options=options)
    fixed = write_csv(tmp_path / "基础数据（改）.csv", [["指标", "数值"], ["births", "15"]])
    import_figures(session, fixed, catalogue, options=options)
    assert births() == 15
    assert not import_figures(session, first, catalogue, options=options).already_imported
    assert births() == 12


def test_migration_0017_downgrades_without_the_withdrawn_rows(db_settings, session, small_tree,
                                                              catalogue, tmp_path):
    import_ledger_file(session, ledger(tmp_path, "台账.csv", YEAR), catalogue, today=TODAY)
    import_ledger_file(session, ledger(tmp_path, "台账（修改）.csv", CORRECTED), catalogue,
                       today=TODAY, revise="replace")
    session.commit()
    session.close()

    def columns(table: str) -> set[str]:
        return {c["name"] for c in sa.inspect(get_engine(db_settings)).get_columns(table)}

    migrate(db_settings, "0016", down=True)
    assert "withdrawn_at" not in columns("activities") and "read_at" not in columns("source_files")
    with get_engine(db_settings).connect() as connection:
        # Without the mark a withdrawn row would count again: it goes with the column.
        assert connection.scalar(sa.text("SELECT sum(participants) FROM activities")) == 150
    migrate(db_settings, "head")
    assert {"withdrawn_at", "withdrawn_by_file_id"} <= columns("activities")


def test_a_zero_emptied_is_a_change_shown():
    counted = _row("讲座", 0, MARCH)
    plan = plan_revision([_stored(1, 1, counted)],
                         _new([counted.model_copy(update={"participants": None})]))

    (line,) = describe("台账.csv", plan, load_catalogue(), {}, "pending")
    assert (line.column, line.value) == ("人次", "0 → 空")


def test_a_downloaded_stored_ledger_leaves_out_a_months_last_row():
    # Downloaded after files 1 and 2, before file 3: it held their rows of 2025.
    held = Held(frozenset({EAST_LAKE}), date(2025, 1, 1), date(2025, 12, 31),
                HANDED_IN + timedelta(days=2, hours=12))
    stored = [_stored(1, 1, _row("讲座", 40, MARCH)), _stored(2, 2, _row("义诊", 20, APRIL)),
              _stored(3, 3, _row("培训", 30, APRIL))]
    # Handed back without April's 义诊: April is no longer in the file at all, yet the
    # row is left out; 培训 came in after the download, so the file never had it.
    plan = plan_revision(stored, _new([_row("讲座", 40, MARCH)]), held)
    assert [row.title for row in plan.left_out] == ["义诊"]
    assert plan_revision(stored, _new([_row("讲座", 40, MARCH)])).left_out == ()
    elsewhere = Held(frozenset({"440307001002"}), held.first, held.last, held.at)
    assert plan_revision(stored, _new([_row("讲座", 40, MARCH)]), elsewhere).left_out == ()


def test_what_a_workbook_says_it_held_stays_within_the_users_units(tmp_path):
    parents = {"440307": None, "440307001": "440307", EAST_LAKE: "440307001",
               "440307001002": "440307001"}

    def workbook(value: str) -> Path:
        book = Workbook()
        book.custom_doc_props.append(StringProperty(name=HELD_PROPERTY, value=value))
        book.save(tmp_path / "台账.xlsx")
        return tmp_path / "台账.xlsx"

    street = workbook('{"unit": "440307001", "period": "2025H1", '
                      '"at": "2026-07-01T08:00:00+00:00"}')
    held = held_by(street, parents)
    assert (held.units, held.first, held.last) == (
        frozenset({"440307001", EAST_LAKE, "440307001002"}), date(2025, 1, 1), date(2025, 6, 30))
    # A clerk of 东湖社区 handing in the street's file: only their own rows can be left out.
    assert held_by(street, parents, frozenset({EAST_LAKE})).units == {EAST_LAKE}
    for value in ('{"unit": "999", "period": "2025", "at": "2026-07-01T08:00:00+00:00"}',
                  '{"unit": "440307", "period": "今年", "at": "2026-07-01T08:00:00+00:00"}',
                  '{"unit": "440307", "period": "2025", "at": "2026-07-01T08:00:00"}', "[1, 2"):
        assert held_by(workbook(value), parents) is None, value
    assert held_by(ledger(tmp_path, "台账.csv", YEAR), parents) is None
