"""Office layouts beyond ledgers: base figures, targets and inspection findings read by the same
reader; the unit a clerk's file is for; and the options through the services, the upload page
and the CLI."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.ledger_books import HEADER, good, write_csv, write_xlsx
from tests.people import cli_add_user, cli_admin_and_units
from tests.samples.make_ledgers import FOLDER
from tests.web_client import Session
from wenshu.db import session_scope
from wenshu.errors import AccessDenied, InputError, NotFoundError, WenshuError
from wenshu.ingest import ReadOptions, import_figures, import_targets
from wenshu.ingest.findings import import_findings, stored_findings
from wenshu.models.checklist import load_checklist, resolve_checklist
from wenshu.models.tables import Activity, BaseFigure, Target
from wenshu.services import data
from wenshu.uploads import save_upload

EAST_LAKE, EAST_HILL, WEST_LAKE = "440307001001", "440307001002", "440307002001"


# Base figures and targets ----------------------------------------------------------------


def test_figures_with_a_title_numbering_and_no_unit_or_year_column(session, small_tree, catalogue,
                                                                   tmp_path):
    path = write_xlsx(tmp_path / "基础数据.xlsx", {"基础数据": [
        ["2025年东湖社区基础数据"],
        ["序号", "指标", "数值"],
        [1, "常住人口数", 12000],
        [2, "应查人数", 5080],
    ]})
    with pytest.raises(InputError) as caught:
        import_figures(session, path, catalogue)
    assert [(e.sheet, e.row, e.column, e.code) for e in caught.value.errors] == [
        ("基础数据", 2, "单位代码", "missing_column")]
    result = import_figures(session, path, catalogue, options=ReadOptions(unit=EAST_LAKE))
    session.commit()
    assert result.rows_stored == 2
    assert {(f.unit_code, f.year, f.key): f.value for f in session.scalars(select(BaseFigure))} == {
        (EAST_LAKE, 2025, "population"): Decimal("12000"),
        (EAST_LAKE, 2025, "expected_checks"): Decimal("5080")}
    assert "工作表“基础数据”没有“年度”列，各行按2025年（取自标题行）" in result.notes
    assert "工作表“基础数据”没有“单位代码”列，各行记为 东湖社区（440307001001）" in result.notes


def test_figures_without_a_year_anywhere_and_a_wrong_total(session, small_tree, catalogue, tmp_path):
    path = write_csv(tmp_path / "figures.csv", [["单位代码", "指标", "数值"],
                                                [EAST_LAKE, "births", "150"]], "gb18030")
    with pytest.raises(InputError) as caught:
        import_figures(session, path, catalogue)
    assert [(e.row, e.column, e.code) for e in caught.value.errors] == [(1, "年度", "missing_column")]
    assert "导入时指定年份" in caught.value.errors[0].message
    assert import_figures(session, path, catalogue, options=ReadOptions(year=2024)).rows_stored == 1

    path = write_csv(tmp_path / "figures2.csv", [
        ["单位代码", "年度", "指标", "数值"], [EAST_LAKE, "2025", "births", "150"],
        [EAST_LAKE, "2025", "births_male", "80"], ["合计", None, None, "240"]])
    with pytest.raises(InputError) as caught:
        import_figures(session, path, catalogue)
    assert [(e.row, e.message) for e in caught.value.errors] == [
        (4, "合计行“数值”为 240，各行合计为 230")]


def test_targets_take_the_year_from_each_sheets_name(session, small_tree, catalogue, tmp_path):
    rows = [["序号", "单位代码", "指标", "比较", "目标值"],
            [1, EAST_LAKE, "孕环情检查受检率", "≥", "90%"]]
    path = write_xlsx(tmp_path / "目标.xlsx", {"2025年目标": rows,
                                               "2026年目标": [rows[0], [1, EAST_LAKE, "check_rate", "≥", 92]]})
    result = import_targets(session, path, catalogue)
    assert result.rows_stored == 2
    assert {(t.year, t.value) for t in session.scalars(select(Target))} == {
        (2025, Decimal("90")), (2026, Decimal("92"))}


# Inspection findings -----------------------------------------------------------------------


def test_findings_sheets_with_titles_numbering_and_totals(session, small_tree, tmp_path):
    community = load_checklist(resolve_checklist("model_community"))
    header = ["序号", "单位代码", "项目代码", "分值", "检查结果", "检查人"]
    lake = [["东湖社区检查记录（2025年）"], header, [1, EAST_LAKE, "boards", 2, 5, "王检查"],
            [2, EAST_LAKE, "library", 2, "是", "王检查"], ["合计", None, None, 4]]
    hill = [header, [1, EAST_HILL, "boards", 2, "若干块", "王检查"]]
    path = write_xlsx(tmp_path / "检查记录.xlsx", {"东湖社区": lake, "东山社区": hill})
    with pytest.raises(InputError) as caught:
        import_findings(session, path, community, "2025")
    assert [(e.sheet, e.row, e.column, e.code) for e in caught.value.errors] == [
        ("东山社区", 2, "检查结果", "bad_count")]
    assert "工作表“东湖社区”第5行是合计行，已与各行核对，未作为数据导入" in caught.value.notes
    result = import_findings(session, path, community, "2025", options=ReadOptions(sheets=("东湖社区",)))
    assert result.rows_stored == 2
    assert [(f.unit_code, f.item, f.value) for f in stored_findings(session, "model_community", "2025")
            ] == [(EAST_LAKE, "boards", "5"), (EAST_LAKE, "library", "是")]
    # One unit's own sheet, without a 单位代码 column.
    path = write_csv(tmp_path / "东山.csv", [["项目代码", "检查结果", "检查人"], ["boards", 3, "王检查"]])
    import_findings(session, path, community, "2025", options=ReadOptions(unit=EAST_HILL))
    assert (EAST_HILL, "boards", "3") in {(f.unit_code, f.item, f.value) for f in
                                          stored_findings(session, "model_community", "2025")}


# Through the services: a clerk's own unit, a supervisor's choice ---------------------------


def _activities(settings) -> list[tuple[str, str]]:  # noqa: ANN001
    with session_scope(settings) as session:
        return sorted((a.unit_code, a.title) for a in session.scalars(select(Activity)))


def test_a_clerks_file_without_unit_codes_is_their_units(db_settings, staff, tmp_path):
    path = write_csv(tmp_path / "台账.csv", [["2025年东湖社区工作台账"], HEADER[1:],
                                             good("一", when="3月7日")[1:]])
    result = data.import_ledger(db_settings, staff.clerk, path)
    assert result.rows_stored == 1 and _activities(db_settings) == [(EAST_LAKE, "一")]
    with pytest.raises(AccessDenied):  # a unit outside the clerk's subtree
        data.import_ledger(db_settings, staff.clerk, path, unit=WEST_LAKE)
    with pytest.raises(NotFoundError):
        data.import_ledger(db_settings, staff.clerk, path, unit="440307009009")
    with pytest.raises(WenshuError, match="年份“1999”"):
        data.import_ledger(db_settings, staff.clerk, path, year=1999)


def test_a_supervisor_names_the_unit_of_a_file_without_unit_codes(db_settings, staff, tmp_path):
    path = write_csv(tmp_path / "台账.csv", [HEADER[1:], good("一")[1:]])
    with pytest.raises(InputError) as caught:  # their file may be any unit's: none is assumed
        data.import_ledger(db_settings, staff.supervisor, path)
    assert [e.code for e in caught.value.errors] == ["missing_column"]
    data.import_ledger(db_settings, staff.supervisor, path, unit=WEST_LAKE)
    assert _activities(db_settings) == [(WEST_LAKE, "一")]
    figures = write_csv(tmp_path / "figures.csv", [["指标", "数值"], ["births", "12"]])
    data.import_figures(db_settings, staff.supervisor, figures, unit=WEST_LAKE, year=2025)
    with session_scope(db_settings) as session:
        assert [(f.unit_code, f.year) for f in session.scalars(select(BaseFigure))] == [(WEST_LAKE, 2025)]


def test_an_uploads_outcome_keeps_the_notes_and_how_it_was_read(db_settings, staff):
    sample = FOLDER / "06_无单位代码列.xlsx"
    upload = save_upload(db_settings, staff.clerk, "ledger", sample.name, sample.read_bytes())
    outcome = data.import_upload(db_settings, staff.clerk, upload)
    assert (outcome["status"], outcome["rows_stored"]) == ("imported", 3)
    assert "工作表“台账”没有“单位代码”列，各行记为 东湖社区（440307001001）" in outcome["notes"]
    assert outcome["options"] == {"unit": None, "sheets": [], "year": None, "skip_invalid": False}
    assert {unit for unit, _ in _activities(db_settings)} == {EAST_LAKE}
    bad = write_csv(Path(str(upload.path) + ".csv"), [["标题"], HEADER, good("一", people=-1)])
    rejected = save_upload(db_settings, staff.clerk, "ledger", "坏.csv", bad.read_bytes())
    outcome = data.import_upload(db_settings, staff.clerk, rejected)
    assert outcome["status"] == "rejected"
    assert outcome["errors"][0]["sheet"] == "" and outcome["errors"][0]["row"] == 3
    assert outcome["notes"] == ["第1行在列名行（第2行）之上，未作为数据导入"]


# The upload page ---------------------------------------------------------------------------


def test_the_upload_form_offers_the_unit_and_shows_the_notes(web, db_settings, staff):
    clerk = Session(web, staff.clerk.name)
    form = clerk.get("/data/upload")
    assert 'name="unit"' in form.text
    assert f'<option value="{EAST_LAKE}" selected>' in form.text
    sample = FOLDER / "08_综合示例.xlsx"
    page = clerk.post("/data/upload", {"purpose": "ledger", "unit": EAST_LAKE},
                      files={"file": (sample.name, sample.read_bytes(), "application/octet-stream")})
    assert page.status_code == 200, page.text
    assert "新保存 7 行" in page.text and 'id="import-notes"' in page.text
    assert "工作表“2月”第5行是隐藏行，已照常导入" in page.text
    assert {unit for unit, _ in _activities(db_settings)} == {EAST_LAKE}
    supervisor = Session(web, staff.supervisor.name)
    assert f'<option value="{WEST_LAKE}">' in supervisor.get("/data/upload").text


def test_keeping_the_good_rows_is_offered_only_when_a_row_is_good(web, tmp_path, staff):
    clerk = Session(web, staff.clerk.name)

    def upload(name: str, rows: list[list[object]]) -> str:
        data = write_csv(tmp_path / name, [HEADER, *rows]).read_bytes()
        page = clerk.post("/data/upload", {"purpose": "ledger", "unit": EAST_LAKE},
                          files={"file": (name, data, "text/csv")})
        assert page.status_code == 400 and "没有保存任何数据" in page.text, page.text
        return page.text

    mixed = upload("一行错.csv", [good("一"), good("二", people=-1)])
    assert 'id="store-valid"' in mixed and "或只保存正确的行" in mixed
    # Every row wrong: keeping the good rows would keep nothing, so it is not offered.
    wrong = upload("全错.csv", [good("一", people=-1), good("二", when="2099-01-01")])
    assert 'id="store-valid"' not in wrong and "或只保存正确的行" not in wrong
    assert "每一行都有错误，没有可单独保存的正确行" in wrong


# The CLI -------------------------------------------------------------------------------------


def test_ledger_import_options_on_the_command_line(wenshu, tmp_path):
    cli_admin_and_units(wenshu, tmp_path)
    cli_add_user(wenshu, "督导", "supervisor", "440307")
    sample = str(FOLDER / "08_综合示例.xlsx")
    out = wenshu("--user", "督导", "ledger", "import", sample, "--sheet", "1月", "--sheet", "3月",
                 "--unit", WEST_LAKE)
    assert "4 rows read, 4 stored" in out
    assert "工作表“1月”第1、2行在列名行（第3行）之上，未作为数据导入" in out
    assert "工作表“2月”" not in out
    out = wenshu("--user", "督导", "ledger", "import", sample, "--sheet", "4月", expect=1)
    assert "没有名为“4月”的工作表；此文件的工作表：1月、2月、3月" in out
    bad = write_xlsx(tmp_path / "坏.xlsx", {"一月": [HEADER, good("一", when="1月5日")],
                                            "二月": [HEADER, good("二", when="2月5日", people=-1)]})
    out = wenshu("--user", "督导", "ledger", "import", str(bad), "--year", "2025", expect=1)
    print(out)
    assert "二月" in out and "人次不能为负数" in out and "未保存任何数据" in out
    with open(tmp_path / "坏.errors.csv", encoding="utf-8-sig", newline="") as handle:
        assert [(r["工作表"], r["行号"]) for r in csv.DictReader(handle)] == [("二月", "2")]
    figures = write_csv(tmp_path / "基础数据.csv", [["2025年基础数据"], ["指标", "数值"],
                                                    ["births", "12"]])
    out = wenshu("--user", "督导", "figures", "import", str(figures), "--unit", EAST_HILL)
    assert "1 rows read, 1 stored" in out and "各行按2025年（取自标题行）" in out
