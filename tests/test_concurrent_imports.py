"""Two imports at the same moment (two clerks, a double click, the collect flow beside an
upload): the second waits for the first, then decides what is new on what the first stored,
so overlapping rows are counted once and neither import fails."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.ledger_books import CORRECTED, EAST_LAKE, HEADER, TODAY, YEAR, good, write_csv
from wenshu.db import get_engine
from wenshu.errors import RevisionNeeded
from wenshu.ingest import ImportResult, import_figures, import_ledger_file, import_units
from wenshu.ingest.findings import InspectionFinding, import_findings
from wenshu.models.checklist import load_checklist, resolve_checklist
from wenshu.models.tables import Activity, BaseFigure, SourceFile, Unit
from wenshu.settings import Settings

# How long the first import stays open after the second has started: long enough for the
# second to reach the point where it must wait.
HOLD = 1.0


@contextmanager
def second_import(settings: Settings, run: Callable[[Session], ImportResult]
                  ) -> Iterator[dict[str, object]]:
    """Run ``run`` in its own session and thread, committed, while the block holds the first
    import open; afterwards the dict has its ``result`` or the ``error`` it raised."""
    outcome: dict[str, object] = {}

    def work() -> None:
        factory = sessionmaker(get_engine(settings), expire_on_commit=False)
        try:
            with factory() as session, session.begin():
                outcome["result"] = run(session)
        except Exception as exc:  # noqa: BLE001 - the test reports it
            outcome["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    time.sleep(HOLD)
    outcome["waited"] = thread.is_alive()
    yield outcome
    thread.join(timeout=60)
    assert not thread.is_alive()


def test_overlapping_ledgers_imported_at_once_count_each_row_once(db_settings, session,
                                                                  small_tree, catalogue,
                                                                  tmp_path: Path):
    january_to_march = [good("一月培训", 10, "2025-01-10"), good("二月培训", 20, "2025-02-10"),
                        good("三月培训", 30, "2025-03-10")]
    # The next clerk's file repeats February and March and adds April.
    february_to_april = [*january_to_march[1:], good("四月培训", 40, "2025-04-10")]
    first = write_csv(tmp_path / "一季度台账.csv", [HEADER, *january_to_march])
    second = write_csv(tmp_path / "二到四月台账.csv", [HEADER, *february_to_april])

    assert import_ledger_file(session, first, catalogue, today=TODAY).rows_stored == 3
    with second_import(db_settings, lambda other: import_ledger_file(
            other, second, catalogue, today=TODAY)) as outcome:
        session.commit()  # the first import ends while the second is under way
    assert "error" not in outcome, outcome.get("error")
    assert outcome["waited"]
    result = outcome["result"]
    assert isinstance(result, ImportResult)
    assert (result.rows_stored, result.rows_existing) == (1, 2)
    counted = session.execute(select(Activity.title, Activity.participants)
                              .where(Activity.counted(), Activity.unit_code == EAST_LAKE)
                              .order_by(Activity.date)).all()
    assert [tuple(row) for row in counted] == [("一月培训", 10), ("二月培训", 20),
                                               ("三月培训", 30), ("四月培训", 40)]


def test_a_corrected_ledger_handed_in_while_the_first_imports_still_asks(db_settings, session,
                                                                        small_tree, catalogue,
                                                                        tmp_path: Path):
    first = write_csv(tmp_path / "台账.csv", [HEADER, *YEAR])
    corrected = write_csv(tmp_path / "台账（修改）.csv", [HEADER, *CORRECTED])
    import_ledger_file(session, first, catalogue, today=TODAY)
    with second_import(db_settings, lambda other: import_ledger_file(
            other, corrected, catalogue, today=TODAY)) as outcome:
        session.commit()
    # Compared with what the first stored, not with the empty ledger it started from.
    assert isinstance(outcome.get("error"), RevisionNeeded), outcome
    assert [e.code for e in outcome["error"].differences] == ["corrects_stored", "left_out"]
    total = session.scalar(select(func.sum(Activity.participants)).where(Activity.counted()))
    assert total == 145


def test_the_same_file_imported_twice_at_once_is_stored_once(db_settings, session, small_tree,
                                                             catalogue, tmp_path: Path):
    path = write_csv(tmp_path / "台账.csv", [HEADER, good("育龄妇女健康知识培训", 50)])
    assert import_ledger_file(session, path, catalogue, today=TODAY).rows_stored == 1
    with second_import(db_settings, lambda other: import_ledger_file(
            other, path, catalogue, today=TODAY)) as outcome:
        session.commit()
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    assert isinstance(result, ImportResult) and result.already_imported
    assert session.scalar(select(func.count()).select_from(SourceFile)) == 1
    assert session.scalar(select(func.count()).select_from(Activity)) == 1


def test_two_figures_files_for_the_same_year_at_once_keep_the_later(db_settings, session,
                                                                    small_tree, catalogue,
                                                                    tmp_path: Path):
    def figures(name: str, births: int) -> Path:
        return write_csv(tmp_path / name, [["单位代码", "年度", "指标", "数值"],
                                           [EAST_LAKE, 2025, "births", births]])

    assert import_figures(session, figures("基础数据.csv", 12), catalogue).rows_stored == 1
    with second_import(db_settings, lambda other: import_figures(
            other, figures("基础数据（更正）.csv", 15), catalogue)) as outcome:
        session.commit()
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    assert isinstance(result, ImportResult) and result.rows_updated == 1
    session.expire_all()
    values = session.scalars(select(BaseFigure.value).where(BaseFigure.unit_code == EAST_LAKE))
    assert [int(value) for value in values] == [15]


def test_two_units_files_adding_the_same_community_at_once_add_it_once(db_settings, session,
                                                                       small_tree, tmp_path):
    header = ["单位代码", "单位名称", "层级", "上级代码"]
    new_one = ["440307001003", "东岸社区", "社区", "440307001"]
    street_file = write_csv(tmp_path / "东城街道名录.csv", [header, new_one])
    district_file = write_csv(tmp_path / "全区名录.csv",
                              [header, new_one, ["440307002003", "西岸社区", "社区", "440307002"]])
    assert import_units(session, street_file).rows_stored == 1
    with second_import(db_settings, lambda other: import_units(other, district_file)) as outcome:
        session.commit()
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    assert isinstance(result, ImportResult)
    assert (result.rows_stored, result.rows_existing) == (1, 1)
    added = select(Unit.name).where(Unit.code.like("44030700_003")).order_by(Unit.code)
    assert list(session.scalars(added)) == ["东岸社区", "西岸社区"]


def test_two_inspectors_findings_for_the_same_item_at_once_keep_the_later(db_settings, session,
                                                                          small_tree,
                                                                          tmp_path):
    checklist = load_checklist(resolve_checklist("model_community"))

    def findings(name: str, boards: int) -> Path:
        return write_csv(tmp_path / name, [["单位代码", "检查项目", "检查结果", "检查人"],
                                           [EAST_LAKE, "宣传板", boards, "督导李四"]])

    import_findings(session, findings("检查记录.csv", 4), checklist, "2025")
    with second_import(db_settings, lambda other: import_findings(
            other, findings("检查记录（复查）.csv", 6), checklist, "2025")) as outcome:
        session.commit()
    assert "error" not in outcome, outcome.get("error")
    session.expire_all()
    values = session.scalars(select(InspectionFinding.value)
                             .where(InspectionFinding.unit_code == EAST_LAKE))
    assert list(values) == ["6"]
