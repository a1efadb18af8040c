"""Inspectors' findings: import with row-level errors, storage per inspection, the template
sheet round trip, the archive holdings archive items read, and ``wenshu inspect sheet``."""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.drafts import add_document
from tests.people import cli_add_user, cli_admin_and_units
from tests.searching import migrate
from wenshu.archive.holdings import archive_holdings
from wenshu.compute.checklist import findings, score_checklist
from wenshu.compute.ranking import rank_totals
from wenshu.compute.summary import Rollup
from wenshu.db import get_engine
from wenshu.errors import ChecklistError, InputError, NotFoundError, WenshuError
from wenshu.ingest import read_table
from wenshu.ingest.findings import (
    InspectionFinding,
    StoredFinding,
    answers_by_unit,
    import_findings,
    inspection_periods,
    previous_inspection,
    record_findings,
    stored_findings,
)
from wenshu.ingest.findings_sheet import unit_names, write_findings_sheet
from wenshu.ingest.report import error_report_path
from wenshu.models.checklist import Answer, Checklist, load_checklist, resolve_checklist
from wenshu.models.tables import SourceFile

EAST_LAKE, EAST_HILL, WEST_LAKE = "440307001001", "440307001002", "440307002001"


@pytest.fixture(scope="module")
def community() -> Checklist:
    """The shipped model-community checklist."""
    return load_checklist(resolve_checklist("model_community"))


def _csv(path: Path, rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def _count(session: Session, table: type) -> int:
    return session.scalar(select(func.count()).select_from(table))


# Import ---------------------------------------------------------------------------


def test_findings_import_by_item_label_with_chinese_headers(session, small_tree, community,
                                                            tmp_path):
    # Saved by Chinese Excel as GB18030, items named by their label, no 检查人 column.
    path = _csv(tmp_path / "检查记录.csv", [
        ["单位代码", "检查项目", "检查结果", "情况说明"],
        [EAST_LAKE, "宣传板", "4块", "另有1块正在制作"],
        [EAST_LAKE, "配备紧急避孕药", "是", ""],
        [EAST_LAKE, "文明家庭创建率", "72.5%", ""],
        [EAST_HILL, "宣传板", 6, ""],
        [EAST_HILL, "工作记录本记录完整、资料齐全", "2.5", "3月至5月无记录"],
    ], encoding="gb18030")
    result = import_findings(session, path, community, "2025", inspector="督导李四")
    session.commit()
    assert (result.rows_read, result.rows_stored, result.rows_existing) == (5, 5, 0)
    stored = stored_findings(session, "model_community", "2025")
    assert stored[:3] == [
        StoredFinding(EAST_LAKE, "boards", "4", "另有1块正在制作", "督导李四"),
        StoredFinding(EAST_LAKE, "civilized_families", "72.5", "", "督导李四"),
        StoredFinding(EAST_LAKE, "emergency_contraception", "是", "", "督导李四"),
    ]
    answers = answers_by_unit(community, stored)
    assert answers[EAST_LAKE]["boards"] == Answer(4, "另有1块正在制作")
    assert answers[EAST_LAKE]["civilized_families"] == Answer(Decimal("72.5"))
    assert answers[EAST_HILL]["work_log"] == Answer(Decimal("2.5"), "3月至5月无记录")
    assert not error_report_path(path).exists()


def test_a_stored_finding_the_checklist_no_longer_takes_names_unit_and_item(community):
    # Stored when boards was answered otherwise; the checklist now counts 块.
    stored = [StoredFinding(EAST_LAKE, "boards", "若干块", "", "督导李四")]
    with pytest.raises(ChecklistError) as caught:
        answers_by_unit(community, stored)
    assert str(caught.value) == (
        f"单位 {EAST_LAKE}，检查项 boards（宣传板）：已录入的检查结果“若干块”与现行检查标准不符："
        "应填不小于0的整数（单位：块），不能填“若干块”")


def test_every_bad_row_is_reported_and_nothing_is_stored(session, small_tree, community,
                                                         tmp_path):
    path = _xlsx(tmp_path / "检查记录.xlsx", [
        ["单位代码", "项目代码", "检查结果", "说明", "检查人"],
        [EAST_LAKE, "boards", 4, "", "王检查"],                      # 2: fine
        ["440307009009", "boards", 4, "", "王检查"],                 # 3: unknown unit
        [None, "av_equipment", "是", "", "王检查"],                  # 4: no unit
        [EAST_LAKE, "bord", 4, "", "王检查"],                        # 5: unknown item
        [EAST_LAKE, "check_rate", 95, "", "王检查"],                 # 6: computed item
        [EAST_LAKE, "av_equipment", "可能", "", "王检查"],           # 7: not yes/no
        [EAST_LAKE, "edu_discs", "若干盘", "", "王检查"],              # 8: not a count
        [EAST_LAKE, "work_log", 5, "", "王检查"],                    # 9: above 3 points
        [EAST_LAKE, "library", None, "缺", "王检查"],                # 10: no value
        [EAST_LAKE, "boards", 5, "", "王检查"],                      # 11: repeats row 2
        [EAST_HILL, "library", "否", "", None],                      # 12: no inspector
        [int(EAST_HILL), "phone_pc", "√", "", "王检查"],             # 13: fine (a number code)
    ])
    with pytest.raises(InputError) as caught:
        import_findings(session, path, community, "2025")
    problems = [(e.row, e.column, e.code, e.message) for e in caught.value.errors]
    assert problems == [
        (3, "单位代码", "unknown_unit", "单位代码“440307009009”不在单位名录中"),
        (4, "单位代码", "required", "单位代码不能为空"),
        (5, "项目代码", "unknown_item", "“bord”不是《人口和计划生育模范社区评选评分标准》的检查项目"),
        (6, "项目代码", "computed_item", "“孕环情检查受检率”由系统根据台账和基础数据自动评分，不需要填写"),
        (7, "检查结果", "bad_yes_no", "“配备电视机、影碟机等电化教育设备”应填“是”或“否”，不能填“可能”"),
        (8, "检查结果", "bad_count", "“计生教育影碟”应填不小于0的整数（单位：盘），不能填“若干盘”"),
        (9, "检查结果", "bad_score", "“工作记录本记录完整、资料齐全”应填0至3之间的得分，不能填“5”"),
        (10, "检查结果", "required", "检查结果不能为空"),
        (11, "", "duplicate_key", f"单位“{EAST_LAKE}”的“宣传板”与第2行重复"),
        (12, "检查人", "required", "检查人不能为空（填写“检查人”列，或导入时指定检查人）"),
    ]
    assert str(caught.value).endswith("：10行共10处错误，未保存任何数据")
    session.rollback()
    assert _count(session, InspectionFinding) == 0 and _count(session, SourceFile) == 0
    with open(caught.value.report_path, encoding="utf-8-sig") as handle:
        report = list(csv.reader(handle))
    assert report[0] == ["文件", "工作表", "行号", "列", "值", "错误代码", "错误说明"]
    assert report[6] == ["检查记录.xlsx", "Sheet", "8", "检查结果", "若干盘", "bad_count",
                         "“计生教育影碟”应填不小于0的整数（单位：盘），不能填“若干盘”"]


def test_header_problems_reject_the_file(session, small_tree, community, tmp_path):
    path = _csv(tmp_path / "表.csv", [["单位代码", "检査结果", "备注"], [EAST_LAKE, "是", ""]])
    with pytest.raises(InputError) as caught:
        import_findings(session, path, community, "2025", inspector="王检查")
    assert [(e.row, e.column, e.code) for e in caught.value.errors] == [
        (1, "检査结果", "unknown_column"), (1, "检查结果", "missing_column")]
    path = _csv(tmp_path / "表.csv", [["单位代码", "检查结果"], [EAST_LAKE, "是"]])
    with pytest.raises(InputError) as caught:
        import_findings(session, path, community, "2025", inspector="王检查")
    assert [(e.column, e.message) for e in caught.value.errors] == [
        ("项目代码", "缺少必需的列“项目代码”（或“检查项目”）")]


def test_a_corrected_sheet_replaces_what_changed(session, small_tree, community, tmp_path):
    rows = [["unit_code", "item_key", "value", "notes", "inspector"],
            [EAST_LAKE, "boards", 4, "", "王检查"], [EAST_LAKE, "library", "否", "", "王检查"]]
    first = _csv(tmp_path / "a.csv", rows)
    import_findings(session, first, community, "2025")
    again = import_findings(session, first, community, "2025")
    assert (again.rows_stored, again.rows_existing) == (0, 2)
    rows[2] = [EAST_LAKE, "library", "是", "补拍了照片", "王检查"]
    corrected = import_findings(session, _csv(tmp_path / "b.csv", rows), community, "2025")
    session.commit()
    assert (corrected.rows_stored, corrected.rows_updated, corrected.rows_existing) == (1, 1, 1)
    library = [f for f in stored_findings(session, "model_community", "2025") if
               f.item == "library"]
    assert library == [StoredFinding(EAST_LAKE, "library", "是", "补拍了照片", "王检查")]
    # The first file imported for another inspection is recorded once, not twice.
    import_findings(session, first, community, "2026H1")
    session.commit()
    assert _count(session, SourceFile) == 2 and _count(session, InspectionFinding) == 4


def test_findings_from_a_program_follow_the_same_rules(session, small_tree, community):
    bad = [{"unit_code": EAST_LAKE, "item": "boards", "value": "很多"},
           {"unit_code": "999", "item": "boards", "value": 5},
           {"unit_code": EAST_HILL, "item": "library", "value": "是"}]
    with pytest.raises(InputError) as caught:
        record_findings(session, bad, community, "2025", source="巡查App", inspector="督导李四")
    assert [(e.file, e.row, e.column, e.code) for e in caught.value.errors] == [
        ("巡查App", 1, "value", "bad_count"), ("巡查App", 2, "unit_code", "unknown_unit")]
    assert _count(session, InspectionFinding) == 0 and _count(session, SourceFile) == 0

    rows = [{"单位代码": EAST_LAKE, "检查项目": "宣传板", "检查结果": 6, "情况说明": "新换2块"},
            {"单位代码": EAST_LAKE, "检查项目": "配备紧急避孕药", "检查结果": "否"}]
    result = record_findings(session, rows, community, "2025", source="巡查App",
                             inspector="督导李四")
    again = record_findings(session, rows, community, "2025", source="巡查App",
                            inspector="督导李四")
    session.commit()
    assert (result.rows_stored, again.rows_stored, again.rows_existing) == (2, 0, 2)
    assert stored_findings(session, "model_community", "2025") == [
        StoredFinding(EAST_LAKE, "boards", "6", "新换2块", "督导李四"),
        StoredFinding(EAST_LAKE, "emergency_contraception", "否", "", "督导李四")]
    assert _count(session, SourceFile) == 1


def test_a_follow_up_inspection_finds_the_one_before(session, small_tree, community, tmp_path):
    path = _csv(tmp_path / "a.csv", [["单位代码", "项目代码", "检查结果", "检查人"],
                                     [EAST_LAKE, "boards", 3, "王检查"]])
    for period in ("2026-03", "2025", "2025H1"):
        import_findings(session, path, community, period)
    session.commit()
    assert inspection_periods(session, "model_community") == ["2025H1", "2025", "2026-03"]
    assert previous_inspection(session, "model_community", "2026-03") == "2025"
    assert previous_inspection(session, "model_community", "2026Q1") == "2025"
    assert previous_inspection(session, "model_community", "2025H1") is None
    assert inspection_periods(session, "maternal_child_health") == []


# The template sheet ---------------------------------------------------------------


def test_a_sheet_for_no_unit_is_refused_in_chinese(community, tmp_path):
    path = tmp_path / "检查记录表.xlsx"
    with pytest.raises(WenshuError) as caught:
        write_findings_sheet(path, community, [])
    assert str(caught.value) == "请至少指定一个被检查单位"
    assert not path.exists()


def test_sheet_round_trip_generate_fill_import_score_rank(session, small_tree, community,
                                                          catalogue, small_snapshot,
                                                          tmp_path):
    units = unit_names(session, [EAST_LAKE, EAST_HILL])
    assert units == [(EAST_LAKE, "东湖社区"), (EAST_HILL, "东山社区")]
    path = write_findings_sheet(tmp_path / "sheets" / "检查记录表.xlsx", community, units)
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("单位代码", "单位名称", "项目代码", "检查项目", "分值", "填写要求",
                       "检查结果", "情况说明", "检查人")
    observed = community.observed
    assert len(rows) == 1 + 2 * len(observed) == 1 + 2 * 23
    allowed = {row[2]: row[5] for row in rows[1:]}
    assert allowed["boards"] == "整数（块），标准≥5块"
    assert allowed["civilized_families"] == "数字（%），标准≥70%"
    assert allowed["work_log"] == "0～3分" and allowed["library"] == "是/否"
    assert allowed["practices"] == "文字说明"
    assert rows[1][:5] == (EAST_LAKE, "东湖社区", "honest_statistics",
                           "无瞒报、漏报、错报计划生育统计信息", 4)
    yes_no = next(v for v in sheet.data_validations.dataValidation if v.type == "list")
    assert yes_no.formula1 == '"是,否"' and "G2" in str(yes_no.sqref)

    # The inspectors fill it in: 东湖社区 meets everything; 东山社区 has 3 boards and no library.
    filled = {
        "yes_no": "是", "count": None, "number": None, "score": None, "text": "建成婚育新风长廊",
    }
    for row in sheet.iter_rows(min_row=2):
        code, key = row[0].value, row[2].value
        item = community.item(key)
        value = filled[item.answer]
        if item.answer in ("count", "number"):
            value = int(item.threshold.value) + (1 if code == EAST_LAKE else 0)
        if item.answer == "score":
            value = float(item.points)
        if code == EAST_HILL and key == "boards":
            value = 3
        if code == EAST_HILL and key == "library":
            value, row[7].value = "否", "图书室改作办公用房"
        row[6].value, row[8].value = value, "督导李四"
    sheet.parent.save(path)

    result = import_findings(session, path, community, "2025")
    session.commit()
    assert (result.rows_read, result.rows_stored) == (46, 46)
    answers = answers_by_unit(community, stored_findings(session, "model_community", "2025"))
    assert answers[EAST_HILL]["library"] == Answer(False, "图书室改作办公用房")
    assert answers[EAST_LAKE]["contraceptive_kinds"] == Answer(6)

    # Scored with the sample street's ledgers: its community C1 stands in for 东湖社区's
    # figures. Both have this year's plan filed; only 东湖社区 its half-year summary.
    add_document(session, EAST_LAKE, "work_plan", "2025", "filed")
    add_document(session, EAST_LAKE, "half_year_summary", "2025H1", "filed")
    add_document(session, EAST_LAKE, "campaign_plan", "2025", "draft")
    add_document(session, EAST_HILL, "work_plan", "2025", "filed")
    session.commit()
    holdings = archive_holdings(session, [EAST_LAKE, EAST_HILL], 2025)
    rollup = Rollup(small_snapshot)
    scores = {code: score_checklist(community, answers[code], catalogue, rollup, "C1", 2025,
                                    archive=holdings[code])
              for code in (EAST_LAKE, EAST_HILL)}
    hill = scores[EAST_HILL]
    lost = {f.item.key: f.lost for f in findings(hill, date(2026, 1, 20))}
    # 3 boards, 2 short of ≥5: the band (2 of 4); no library (3); the half-year summary
    # (band, 3 of 6); no campaign plan (2). The ledger items are the sample's own.
    assert {k: v for k, v in lost.items() if k in ("boards", "library", "plans_filed",
                                                   "campaign_plans")} == {
        "boards": 2, "library": 3, "plans_filed": 3, "campaign_plans": 2}
    assert scores[EAST_LAKE].earned - hill.earned == 10
    ranked = rank_totals({code: score.earned for code, score in scores.items()})
    assert [(r.unit_code, r.rank) for r in ranked] == [(EAST_LAKE, 1), (EAST_HILL, 2)]


def test_the_sheet_keeps_formula_like_unit_names_as_text_and_imports(session, small_tree,
                                                                     community, tmp_path):
    # Unit names come from the unit register as clerks typed them: one may look like a formula.
    names = {EAST_LAKE: '=HYPERLINK("http://x","y")', EAST_HILL: "-2+3"}
    path = write_findings_sheet(tmp_path / "检查记录表.xlsx", community, list(names.items()))
    with zipfile.ZipFile(path) as package:
        assert re.search(rb"<f[\s>/]", package.read("xl/worksheets/sheet1.xml")) is None
    sheet = load_workbook(path).active  # without data_only: a formula would read as one
    written = {(row[0].value, row[1].value, row[1].data_type, row[1].quotePrefix)
               for row in sheet.iter_rows(min_row=2)}
    assert written == {(code, name, "s", True) for code, name in names.items()}
    assert {row[4].data_type for row in sheet.iter_rows(min_row=2)} == {"n"}  # 分值 a number

    # Filled in and saved, the sheet imports: the names read back exactly as written.
    for row in sheet.iter_rows(min_row=2):
        item = community.item(row[2].value)
        if item.answer in ("count", "number"):
            row[6].value = int(item.threshold.value)
        else:
            row[6].value = {"yes_no": "是", "score": float(item.points),
                            "text": "建成婚育新风长廊"}[item.answer]
        row[8].value = "督导李四"
    sheet.parent.save(path)
    assert {(values["单位代码"], values["单位名称"]) for _, values in read_table(path).rows} == \
        set(names.items())
    result = import_findings(session, path, community, "2025")
    assert (result.rows_read, result.rows_stored) == (2 * len(community.observed),) * 2


def test_unit_names_refuse_unknown_codes(session, small_tree):
    with pytest.raises(NotFoundError, match="单位代码“440307009”“9”不在单位名录中"):
        unit_names(session, [EAST_LAKE, "440307009", "9"])


@pytest.mark.prefect  # the wenshu fixture runs under the session's Prefect harness
def test_inspect_sheet_command_writes_the_sheet(wenshu, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    cli_admin_and_units(wenshu, inputs)
    cli_add_user(wenshu, "督导李四", "supervisor", "440307")
    out = tmp_path / "表" / "妇幼检查.xlsx"
    output = wenshu("--user", "督导李四", "inspect", "sheet", "--checklist",
                    "maternal_child_health",
                    "--units", f"{EAST_LAKE},{EAST_HILL}", "--units", WEST_LAKE,
                    "--out", str(out))
    assert " ".join(output.split()).endswith("3 unit(s) × 17 observed item(s) = 51 rows to fill in")
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == 52 and rows[-1][:4] == (WEST_LAKE, "西湖社区", "birth_defects",
                                                 "新生儿出生缺陷发生率")
    assert rows[-1][5] == "数字（‰），标准≤7‰"
    failed = wenshu("--user", "督导李四", "inspect", "sheet", "--checklist",
                    "maternal_child_health", "--units", "440307777", "--out", str(out), expect=1)
    assert "没有单位代码“440307777”" in failed


def test_migration_0008_adds_the_table_and_downgrades(db_settings, session, small_tree,
                                                      community, tmp_path):
    path = _csv(tmp_path / "a.csv", [["单位代码", "项目代码", "检查结果", "检查人"],
                                     [EAST_LAKE, "boards", 3, "王检查"]])
    import_findings(session, path, community, "2025")
    session.commit()
    session.close()
    tables = lambda: set(sa.inspect(get_engine(db_settings)).get_table_names())  # noqa: E731
    migrate(db_settings, "0007", down=True)
    assert "inspection_findings" not in tables() and "units" in tables()
    migrate(db_settings, "head")
    assert "inspection_findings" in tables()
    with get_engine(db_settings).connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM inspection_findings")) == 0
