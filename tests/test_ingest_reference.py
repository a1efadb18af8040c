"""Reference data imports: the unit tree, base figures and targets (all-or-nothing, upserts);
and the unit code rule every row model with a unit code holds to."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from wenshu.compute.load import load_units
from wenshu.errors import InputError
from wenshu.ingest import (
    import_figures,
    import_ledger_file,
    import_targets,
    import_units,
)
from wenshu.models.tables import BaseFigure, Target, Unit


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def rejected(importer, *args) -> InputError:  # noqa: ANN001 - any of the three importers
    with pytest.raises(InputError) as caught:
        importer(*args)
    return caught.value


def report_lines(path: str | None) -> list[tuple[str, str, str]]:
    """(行号, 列, 错误代码) from the error report on disk."""
    assert path is not None
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [(r["行号"], r["列"], r["错误代码"]) for r in csv.DictReader(handle)]


def units(session: Session) -> dict[str, tuple[str, str, str | None]]:
    return {u.code: (u.name, u.level, u.parent_code) for u in session.scalars(select(Unit))}


# --- units -------------------------------------------------------------------------------

UNIT_HEADER = ["代码", "名称", "层级", "上级代码"]
TREE = [
    ["440308", "样板区", "区", ""],
    ["440308001", "南山街道", "街道", "440308"],
    ["440308001001", "南湖社区", "社区", "440308001"],
    ["440308002", "北岭镇", "乡镇", "440308"],
    ["440308002001", "北岭村", "村", "440308002"],
    ["440308900", "区计生协会", "部门", "440308"],
]


def test_units_import_a_tree_children_before_parents(session, tmp_path):
    # Children listed first: the importer orders inserts so the parent exists.
    path = write_csv(tmp_path / "units.csv", UNIT_HEADER, list(reversed(TREE)), encoding="gb18030")
    result = import_units(session, path)
    session.commit()
    assert (result.rows_read, result.rows_stored, result.rows_existing) == (6, 6, 0)
    assert units(session)["440308002001"] == ("北岭村", "community", "440308002")
    assert units(session)["440308002"] == ("北岭镇", "street", "440308")
    assert units(session)["440308900"][1] == "department"


def test_units_english_headers_and_a_parent_already_stored(session, small_tree, tmp_path):
    path = write_csv(tmp_path / "units.csv", ["code", "Name", "LEVEL", "parent_code"],
                     [["440307001003", "东园社区", "community", "440307001"]])
    assert import_units(session, path).rows_stored == 1
    assert units(session)["440307001003"] == ("东园社区", "community", "440307001")


def test_units_upsert_renames_and_counts_existing(session, small_tree, tmp_path):
    path = write_csv(tmp_path / "units.csv", UNIT_HEADER, [
        ["440307001001", "东湖花园社区", "社区", "440307001"],
        ["440307001002", "东山社区", "社区", "440307001"],
    ])
    result = import_units(session, path)
    session.commit()
    assert (result.rows_stored, result.rows_updated, result.rows_existing) == (1, 1, 1)
    assert units(session)["440307001001"][0] == "东湖花园社区"


def test_units_carry_their_issuing_organ_and_keep_it_when_a_file_names_none(
        session, small_tree, tmp_path):
    path = write_csv(tmp_path / "units.csv", UNIT_HEADER + ["署名"], [
        ["440307", "龙岗区", "区", "", "龙岗区卫生健康局"],
        ["440307001001", "东湖社区", "社区", "440307001", ""],
    ])
    assert import_units(session, path).rows_updated == 1
    session.commit()
    organs = {u.code: u.organ for u in session.scalars(select(Unit))}
    assert (organs["440307"], organs["440307001001"]) == ("龙岗区卫生健康局", None)
    assert load_units(session)["440307"].organ == "龙岗区卫生健康局"
    again = write_csv(tmp_path / "again.csv", UNIT_HEADER, [["440307", "龙岗区", "区", ""]])
    import_units(session, again)
    assert session.get(Unit, "440307").organ == "龙岗区卫生健康局"


@pytest.mark.parametrize(("row", "column", "code"), [
    (["440307001009", "新社区", "社区", "440307009"], "上级代码", "unknown_parent"),
    (["440307001001", "东湖社区", "街道", "440307001"], "层级", "conflicts_with_stored"),
    (["440307001001", "东湖社区", "社区", "440307002"], "上级代码", "conflicts_with_stored"),
    (["440307001009", "新社区", "小区", "440307001"], "层级", "unknown_level"),
    (["440307001009", "", "社区", "440307001"], "名称", "required"),
    (["440307001009", "新社区", "社区", "440307001009"], "上级代码", "cycle"),
])
def test_unit_errors_are_located(session, small_tree, tmp_path, row, column, code):
    good = ["440307001008", "好社区", "社区", "440307001"]
    path = write_csv(tmp_path / "units.csv", UNIT_HEADER, [good, row])
    error = rejected(import_units, session, path)
    assert [(e.row, e.column, e.code) for e in error.errors] == [(3, column, code)]
    assert report_lines(error.report_path) == [("3", column, code)]
    session.flush()
    assert "440307001008" not in units(session)


def test_unit_cycle_and_repeated_code(session, small_tree, tmp_path):
    path = write_csv(tmp_path / "units.csv", UNIT_HEADER, [
        ["A1", "甲", "街道", "B1"], ["B1", "乙", "街道", "A1"], ["A1", "甲", "街道", "B1"],
    ])
    error = rejected(import_units, session, path)
    assert [(e.row, e.column, e.code) for e in error.errors] == [
        (2, "上级代码", "cycle"), (3, "上级代码", "cycle"), (4, "代码", "duplicate_code"),
    ]
    assert "A1 → B1 → A1" in error.errors[0].message


def test_same_units_file_twice(session, tmp_path):
    path = write_csv(tmp_path / "units.csv", UNIT_HEADER, TREE)
    import_units(session, path)
    session.commit()
    assert import_units(session, path).already_imported


# --- figures -----------------------------------------------------------------------------

FIGURE_HEADER = ["单位代码", "年度", "指标", "数值"]


def figures(session: Session) -> dict[tuple[str, int, str], Decimal]:
    return {(f.unit_code, f.year, f.key): f.value for f in session.scalars(select(BaseFigure))}


def test_figures_by_key_or_label_then_upsert(session, small_tree, catalogue, tmp_path):
    first = write_csv(tmp_path / "figures.csv", FIGURE_HEADER, [
        ["440307001001", "2026", "应查人数", "5080"],
        ["440307001001", "2026年", "births", "156"],
        ["440307001002", "2026", "常住人口数", "12,345"],
    ])
    result = import_figures(session, first, catalogue)
    session.commit()
    assert (result.rows_stored, result.rows_existing) == (3, 0)
    assert figures(session) == {
        ("440307001001", 2026, "expected_checks"): Decimal("5080"),
        ("440307001001", 2026, "births"): Decimal("156"),
        ("440307001002", 2026, "population"): Decimal("12345"),
    }

    # A new file: one value unchanged, one corrected, one new.
    second = write_csv(tmp_path / "figures-v2.csv", ["unit_code", "year", "key", "value"], [
        ["440307001001", "2026", "expected_checks", "5080.0"],
        ["440307001001", "2026", "births", "158"],
        ["440307001001", "2025", "births", "149"],
    ])
    result = import_figures(session, second, catalogue)
    session.commit()
    assert (result.rows_stored, result.rows_updated, result.rows_existing) == (2, 1, 1)
    assert figures(session)[("440307001001", 2026, "births")] == Decimal("158")
    assert figures(session)[("440307001001", 2025, "births")] == Decimal("149")
    assert len(figures(session)) == 4
    assert import_figures(session, second, catalogue).already_imported


def test_a_figures_header_counting_in_ten_thousands_is_refused(session, small_tree, catalogue,
                                                              tmp_path):
    """数值（万人） would file 5.3 (万人) as 5.3 people: refused, with what to do; a header
    naming a unit figures are kept in (数值（人）) reads as 数值."""
    rows = [["440307001002", "2026", "常住人口数", "5.3"]]
    scaled = write_csv(tmp_path / "万人.csv", ["单位代码", "年度", "指标", "数值（万人）"], rows)
    error = rejected(import_figures, session, scaled, catalogue)
    assert [(e.column, e.code, e.message) for e in error.errors] == [(
        "数值（万人）", "header_unit", "列“数值（万人）”按“万人”计，而数值按“人”“户”“件”填写："
        "请把数字换算为按“人”“户”“件”计的数，并把列名改为“数值”")]
    assert figures(session) == {}
    plain = write_csv(tmp_path / "人.csv", ["单位代码", "年度", "指标", "数值（人）"],
                      [["440307001002", "2026", "常住人口数", "53000"]])
    assert import_figures(session, plain, catalogue).rows_stored == 1


def test_figures_and_targets_name_their_unit_as_ledgers_do(session, small_tree, catalogue,
                                                           tmp_path):
    """A 单位名称 column stands for 单位代码 where there is none, and is checked beside it."""
    by_name = write_csv(tmp_path / "figures.csv", ["社区名称", "年度", "指标", "数值"], [
        ["东湖社区", "2026", "出生人数", "156"]])
    assert import_figures(session, by_name, catalogue).rows_stored == 1
    assert figures(session) == {("440307001001", 2026, "births"): Decimal("156")}
    goals = write_csv(tmp_path / "targets.csv", ["单位名称", "年度", "指标", "比较", "目标值"], [
        ["东湖社区", "2026", "孕环情检查受检率", "≥", "92"]])
    assert import_targets(session, goals, catalogue).rows_stored == 1
    assert targets(session) == {"check_rate": ("ge", Decimal("92"), None)}
    both = write_csv(tmp_path / "figures-2.csv", ["单位代码", "单位名称", "年度", "指标", "数值"], [
        ["440307001001", "西湖社区", "2026", "出生人数", "158"]])
    error = rejected(import_figures, session, both, catalogue)
    assert [(e.row, e.column, e.code) for e in error.errors] == [(2, "单位名称", "unit_name_mismatch")]
    assert figures(session)[("440307001001", 2026, "births")] == Decimal("156")


@pytest.mark.parametrize(("row", "column", "code"), [
    (["4403070019", "2026", "births", "1"], "单位代码", "unknown_unit"),
    (["440307001001", "1999", "births", "1"], "年度", "year_out_of_range"),
    (["440307001001", "2026", "出生数", "1"], "指标", "unknown_figure"),
    (["440307001001", "2026", "births", "-1"], "数值", "negative"),
    (["440307001001", "2026", "births", "待统计"], "数值", "not_a_number"),
    (["440307001001", "2026", "births", ""], "数值", "required"),
    (["440307001001", "2026", "应查人数", "9"], "", "duplicate_key"),
])
def test_figure_errors_are_located(session, small_tree, catalogue, tmp_path, row, column, code):
    good = ["440307001001", "2026", "expected_checks", "5080"]
    path = write_csv(tmp_path / "figures.csv", FIGURE_HEADER, [good, row])
    error = rejected(import_figures, session, path, catalogue)
    assert [(e.row, e.column, e.code) for e in error.errors] == [(3, column, code)]
    assert report_lines(error.report_path) == [("3", column, code)]
    session.flush()
    assert figures(session) == {}


# --- targets -----------------------------------------------------------------------------

TARGET_HEADER = ["单位代码", "年度", "指标", "比较", "目标值"]


def targets(session: Session) -> dict[str, tuple[str, Decimal, Decimal | None]]:
    return {t.indicator: (t.comparator, t.value, t.high) for t in session.scalars(select(Target))}


@pytest.mark.parametrize(("comparator", "value", "expected"), [
    ("≥", "90", ("ge", Decimal("90"), None)),
    (">=", "90%", ("ge", Decimal("90"), None)),
    ("不低于", "９０％", ("ge", Decimal("90"), None)),
    ("GE", "90", ("ge", Decimal("90"), None)),
    ("≤", "12", ("le", Decimal("12"), None)),
    ("不高于", "12", ("le", Decimal("12"), None)),
    ("==", "100", ("eq", Decimal("100"), None)),
    ("区间", "103–107", ("range", Decimal("103"), Decimal("107"))),
    ("", "103-107", ("range", Decimal("103"), Decimal("107"))),
    ("", "103~107", ("range", Decimal("103"), Decimal("107"))),
    ("", "103～107", ("range", Decimal("103"), Decimal("107"))),
    ("range", "103至107", ("range", Decimal("103"), Decimal("107"))),
])
def test_target_forms(session, small_tree, catalogue, tmp_path, comparator, value, expected):
    path = write_csv(tmp_path / "targets.csv", TARGET_HEADER,
                     [["440307001001", "2026", "孕环情检查受检率", comparator, value]])
    assert import_targets(session, path, catalogue).rows_stored == 1
    assert targets(session) == {"check_rate": expected}


def test_targets_upsert(session, small_tree, catalogue, tmp_path):
    first = write_csv(tmp_path / "targets.csv", ["unit_code", "year", "indicator", "value"], [
        ["440307001001", "2026", "sex_ratio", "103-107"],
    ])
    import_targets(session, first, catalogue)
    session.commit()
    second = write_csv(tmp_path / "targets-v2.csv", TARGET_HEADER, [
        ["440307001001", "2026", "出生人口性别比", "区间", "103-108"],
        ["440307001001", "2026", "check_rate", "≥", "92"],
    ])
    result = import_targets(session, second, catalogue)
    session.commit()
    assert (result.rows_stored, result.rows_updated, result.rows_existing) == (2, 1, 0)
    assert targets(session) == {
        "sex_ratio": ("range", Decimal("103"), Decimal("108")),
        "check_rate": ("ge", Decimal("92"), None),
    }


@pytest.mark.parametrize(("comparator", "value", "column", "code"), [
    ("", "90", "目标值", "required"),
    ("≥", "103-107", "目标值", "comparator_conflict"),
    ("区间", "90", "目标值", "comparator_conflict"),
    ("区间", "107-103", "目标值", "bad_target"),
    ("大于", "90", "比较", "unknown_comparator"),
    ("≥", "90‰", "目标值", "not_a_number"),  # a percent indicator
    ("≥", "", "目标值", "required"),
])
def test_target_errors_are_located(session, small_tree, catalogue, tmp_path, comparator, value, column, code):
    path = write_csv(tmp_path / "targets.csv", TARGET_HEADER, [
        ["440307001001", "2026", "出生人口性别比", "区间", "103-107"],
        ["440307001001", "2026", "孕环情检查受检率", comparator, value],
    ])
    error = rejected(import_targets, session, path, catalogue)
    assert [(e.row, e.column, e.code) for e in error.errors] == [(3, column, code)]
    assert report_lines(error.report_path) == [("3", column, code)]
    session.flush()
    assert targets(session) == {}


def test_unknown_indicator(session, small_tree, catalogue, tmp_path):
    path = write_csv(tmp_path / "targets.csv", TARGET_HEADER, [["440307001001", "2026", "满意度", "≥", "90"]])
    error = rejected(import_targets, session, path, catalogue)
    assert [(e.row, e.column, e.code) for e in error.errors] == [(2, "指标", "unknown_indicator")]


# --- unit codes: nothing that could steer a path gets in ---------------------------------

ATTACK = "../../../escape_target/x"  # the reported unit code
BAD_CODE = "单位代码“../../../escape_target/x”无效：只能由字母、数字、“-”和“_”组成"


def test_units_import_refuses_the_reported_attack(session, small_tree, tmp_path):
    path = write_csv(tmp_path / "units.csv", ["单位代码", "单位名称", "层级", "上级代码"], [
        ["440307001008", "好社区", "社区", "440307001"],
        [ATTACK, "越界社区", "社区", "440307001"],
    ])
    error = rejected(import_units, session, path)
    assert [(e.file, e.row, e.column, e.value, e.code, e.message) for e in error.errors] == [
        ("units.csv", 3, "单位代码", ATTACK, "bad_unit_code", BAD_CODE)]
    assert report_lines(error.report_path) == [("3", "单位代码", "bad_unit_code")]
    session.flush()
    assert set(units(session)) == {code for code, *_ in small_tree}  # nothing stored


@pytest.mark.parametrize(("row", "column"), [
    (["4403.07", "新社区", "社区", "440307001"], "代码"),
    (["4403 07", "新社区", "社区", "440307001"], "代码"),
    (["..", "新社区", "社区", "440307001"], "代码"),
    (["东园社区", "新社区", "社区", "440307001"], "代码"),
    (["440307001009", "新社区", "社区", "../440307001"], "上级代码"),
])
def test_unit_codes_and_parent_codes_are_checked(session, small_tree, tmp_path, row, column):
    path = write_csv(tmp_path / "units.csv", UNIT_HEADER, [row])
    error = rejected(import_units, session, path)
    assert [(e.row, e.column, e.value, e.code) for e in error.errors] == [
        (2, column, row[0] if column == "代码" else row[3], "bad_unit_code")]
    assert "只能由字母、数字、“-”和“_”组成" in error.errors[0].message
    session.flush()
    assert set(units(session)) == {code for code, *_ in small_tree}


def test_every_row_with_a_unit_code_refuses_a_bad_one(session, small_tree, catalogue, tmp_path):
    # Stored before codes were checked, so "unknown unit" would not catch it.
    session.add(Unit(code=ATTACK, name="越界社区", level="community", parent_code="440307001"))
    session.commit()
    files = {
        "ledger": (import_ledger_file, write_csv(
            tmp_path / "ledger.csv", ["单位代码", "日期", "活动类型", "主题", "场次", "人次"],
            [[ATTACK, "2025-04-01", "培训", "培训", "1", "30"]])),
        # The unit by its name: the code it names is held to the same rule.
        "ledger by name": (import_ledger_file, write_csv(
            tmp_path / "named.csv", ["单位代码", "日期", "活动类型", "主题", "场次", "人次"],
            [["越界社区", "2025-04-01", "培训", "培训", "1", "30"]])),
        "figures": (import_figures, write_csv(tmp_path / "figures.csv", FIGURE_HEADER,
                                              [[ATTACK, "2026", "births", "1"]])),
        "targets": (import_targets, write_csv(tmp_path / "targets.csv", TARGET_HEADER,
                                              [[ATTACK, "2026", "check_rate", "≥", "90"]])),
    }
    for importer, path in files.values():
        error = rejected(importer, session, path, catalogue)
        assert [(e.row, e.column, e.code, e.message) for e in error.errors] == [
            (2, "单位代码", "bad_unit_code", BAD_CODE)], path.name
    session.flush()
    assert figures(session) == {} and targets(session) == {}


def test_findings_refuse_a_bad_unit_code(session, small_tree, tmp_path):
    from wenshu.ingest.findings import InspectionFinding, record_findings
    from wenshu.models.checklist import load_checklist, resolve_checklist

    session.add(Unit(code=ATTACK, name="越界社区", level="community", parent_code="440307001"))
    session.commit()
    checklist = load_checklist(resolve_checklist("model_community"))
    rows = [{"单位代码": ATTACK, "项目代码": "library", "检查结果": "是"}]
    with pytest.raises(InputError) as caught:
        record_findings(session, rows, checklist, "2025", source="巡查App", inspector="督导李四")
    assert [(e.file, e.row, e.column, e.value, e.code, e.message)
            for e in caught.value.errors] == [
        ("巡查App", 1, "单位代码", ATTACK, "bad_unit_code", BAD_CODE)]
    assert session.scalars(select(InspectionFinding)).all() == []
