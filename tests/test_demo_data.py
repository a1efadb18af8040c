"""The demo generator writes a district's input files: realistic, valid and reproducible."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from wenshu.demo import DemoFiles, generate_demo
from wenshu.demo.women import LEDGER_NAME
from wenshu.errors import WenshuError
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.models.lines import load_lines

HEADER = ["单位代码", "日期", "活动类型", "主题", "场次", "人次", "户数", "份数", "金额", "备注"]
COLUMNS = {"场次": "sessions", "人次": "participants", "户数": "households", "份数": "materials", "金额": "amount"}
TODAY = date(2026, 11, 23)
YEARS = (2024, 2025)


@dataclass
class Row:
    """One ledger row as a clerk would read it back."""

    unit_code: str
    day: date
    label: str
    title: str
    measures: dict[str, object]  # English column -> value, blanks left out
    notes: str


@dataclass
class Ledger:
    path: Path
    form: str  # utf-8-sig | gb18030 | xlsx
    year: int
    header: list[str]
    rows: list[Row]


def _read_rows(path: Path) -> tuple[str, list[list[object]]]:
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path).active
        rows = sheet.iter_rows(values_only=True)
        return "xlsx", [["" if cell is None else cell for cell in row] for row in rows]
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        form, text = "utf-8-sig", raw.decode("utf-8-sig")
    else:
        with pytest.raises(UnicodeDecodeError):  # really GB18030, not BOM-less UTF-8
            raw.decode("utf-8")
        form, text = "gb18030", raw.decode("gb18030")
    return form, list(csv.reader(text.splitlines()))


def _value(column: str, cell: object) -> object:
    """Counts as int, amounts as Decimal; anything malformed stays as written."""
    if column == "amount":
        return Decimal(str(cell))
    if isinstance(cell, int) or (isinstance(cell, str) and cell.isdigit()):
        return int(cell)
    return cell


def _read_ledger(path: Path) -> Ledger:
    form, cells = _read_rows(path)
    rows = []
    for line in cells[1:]:
        day = line[1] if isinstance(line[1], datetime) else datetime.strptime(line[1], "%Y-%m-%d")
        assert day.time() == datetime.min.time()
        measures = {COLUMNS[head]: _value(COLUMNS[head], cell)
                    for head, cell in zip(HEADER[4:9], line[4:9]) if cell != ""}
        rows.append(Row(str(line[0]), day.date(), line[2], line[3], measures, str(line[9])))
    year = int(re.search(r"(\d{4})年(?:妇联)?工作台账", path.name).group(1))
    return Ledger(path, form, year, [str(cell) for cell in cells[0]], rows)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _files(root: Path) -> dict[str, bytes]:
    paths = [path for path in sorted(root.rglob("*")) if path.is_file()]
    return {str(path.relative_to(root)): path.read_bytes() for path in paths}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    """The default demo, generated once for the module."""
    return generate_demo(tmp_path_factory.mktemp("demo") / "out")


@pytest.fixture(scope="module")
def units(demo: DemoFiles) -> dict[str, dict[str, str]]:
    """units.csv by code."""
    return {row["code"]: row for row in _read_csv(demo.units_csv)}


@pytest.fixture(scope="module")
def ledgers(demo: DemoFiles) -> list[Ledger]:
    """Every main family-planning ledger (not the flawed supplement, not the 妇联 ones), parsed."""
    paths = [path for path in sorted(demo.inbox.rglob("*"))
             if path.is_file() and "补录" not in path.name and LEDGER_NAME not in path.name]
    return [_read_ledger(path) for path in paths]


@pytest.fixture(scope="module")
def women_ledgers(demo: DemoFiles) -> list[Ledger]:
    """The women's federation line's ledgers, parsed."""
    return [_read_ledger(path) for path in sorted(demo.inbox.rglob(f"*{LEDGER_NAME}*"))]


@pytest.fixture(scope="module")
def figures(demo: DemoFiles) -> dict[tuple[str, int], dict[str, int]]:
    """figures.csv as (unit, year) -> key -> value."""
    table: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for row in _read_csv(demo.figures_csv):
        table[(row["unit_code"], int(row["year"]))][row["key"]] = int(row["value"])
    return table


def _totals(ledgers: list[Ledger], catalogue: Catalogue) -> dict[tuple[str, int, str, str], Decimal]:
    """Ledger sums by (unit, year, activity key, column)."""
    sums: dict[tuple[str, int, str, str], Decimal] = defaultdict(Decimal)
    for ledger in ledgers:
        for row in ledger.rows:
            for column, value in row.measures.items():
                key = catalogue.activity(row.label).key
                sums[(row.unit_code, ledger.year, key, column)] += Decimal(value)
    return sums


def test_same_seed_gives_identical_files_and_another_seed_does_not(demo: DemoFiles, tmp_path: Path):
    root = demo.inbox.parent
    assert _files(generate_demo(tmp_path / "again").inbox.parent) == _files(root)
    other = _files(generate_demo(tmp_path / "other", seed=1).inbox.parent)
    assert other["units.csv"] != _files(root)["units.csv"]
    assert other["figures.csv"] != _files(root)["figures.csv"]


def test_the_unit_tree_is_one_district_eleven_streets_and_111_communities(demo: DemoFiles, units):
    levels = Counter(unit["level"] for unit in units.values())
    assert levels == {"district": 1, "street": 11, "community": 111, "department": 1}
    assert units[demo.district_code]["parent_code"] == "" and demo.district_code == "440307"
    assert len({unit["name"] for unit in units.values()}) == len(units)
    per_street = Counter(unit["parent_code"] for unit in units.values() if unit["level"] == "community")
    assert sorted(per_street.values()) == [10] * 10 + [11]
    for code, unit in units.items():
        if unit["level"] == "street":
            assert re.fullmatch(r"440307\d{3}", code) and unit["parent_code"] == "440307"
            assert unit["name"].endswith("街道")
        if unit["level"] == "community":
            assert code[:9] == unit["parent_code"] and len(code) == 12
            assert unit["name"].endswith("社区")
    # parents come before their children, so the file imports top-down
    order = list(units)
    assert all(order.index(u["parent_code"]) < order.index(c) for c, u in units.items() if u["parent_code"])


def test_every_unit_hands_in_one_ledger_a_year_in_mixed_formats(units, ledgers: list[Ledger]):
    handed_in = Counter((ledger.path.parent.name, ledger.year) for ledger in ledgers)
    assert handed_in == {(code, year): 1 for code in units for year in YEARS}
    forms = Counter(ledger.form for ledger in ledgers)
    assert forms["utf-8-sig"] > len(ledgers) / 2
    assert forms["gb18030"] >= 10 and forms["xlsx"] >= 10


def test_communities_and_the_federation_keep_a_women_ledger(units, women_ledgers, figures):
    keepers = {code for code, unit in units.items() if unit["level"] in ("community", "department")}
    handed_in = Counter((ledger.path.parent.name, ledger.year) for ledger in women_ledgers)
    assert handed_in == {(code, year): 1 for code in keepers for year in YEARS}
    catalogue = load_catalogue()
    women = load_lines(catalogue).get("women")
    screened: Counter[tuple[str, int]] = Counter()
    for ledger in women_ledgers:
        for row in ledger.rows:
            kind = catalogue.activity(row.label)
            assert kind is not None and kind.key in women.activities, row.label
            if kind.key == "cancer_screening":
                screened[(row.unit_code, ledger.year)] += row.measures["participants"]
    for key, people in screened.items():
        # The share of women due a screening who had one: 60-100 %, as the figures say.
        assert people <= figures[key]["women_to_screen"] <= people * 100 // 60 + 1


def test_there_are_tens_of_thousands_of_rows(units, ledgers: list[Ledger]):
    total = sum(len(ledger.rows) for ledger in ledgers)
    assert 30_000 <= total <= 40_000
    per_community = [len(ledger.rows) for ledger in ledgers
                     if units[ledger.path.parent.name]["level"] == "community"]
    assert 120 <= sum(per_community) / len(per_community) <= 180
    assert min(per_community) >= 90


def test_every_row_is_valid_against_the_catalogue(ledgers: list[Ledger], catalogue: Catalogue):
    for ledger in ledgers:
        assert ledger.header == HEADER, ledger.path
        assert len(ledger.rows) == len({repr(row) for row in ledger.rows}), f"{ledger.path}: duplicate rows"
        assert len({row.day.month for row in ledger.rows}) >= 6  # spread over the year
        for row in ledger.rows:
            assert row.unit_code == ledger.path.parent.name
            assert row.day.year == ledger.year and row.day <= TODAY
            kind = catalogue.activity(row.label)
            assert kind is not None and row.label == kind.label and row.title
            assert {m.column for m in kind.measures if m.required} <= set(row.measures), row
            for column, value in row.measures.items():
                assert kind.measure(column) is not None, (ledger.path, row)
                if column == "amount":
                    assert value > 0 and value == value.quantize(Decimal("0.01"))
                else:
                    assert isinstance(value, int) and value > 0, (ledger.path, row)


def test_xlsx_ledgers_hold_real_date_cells(ledgers: list[Ledger]):
    workbook = next(ledger for ledger in ledgers if ledger.form == "xlsx")
    sheet = openpyxl.load_workbook(workbook.path).active
    assert sheet.cell(row=2, column=2).is_date


def test_magnitudes_are_those_of_a_community_office(units, ledgers: list[Ledger], catalogue: Catalogue):
    for ledger in ledgers:
        if units[ledger.path.parent.name]["level"] != "community":
            continue
        for row in ledger.rows:
            key, values = catalogue.activity(row.label).key, row.measures
            if key == "training":
                assert 20 * values["sessions"] <= values["participants"] <= 80 * values["sessions"]
            elif key == "publicity":
                assert 100 <= values["materials"] <= 800
            elif key == "aid" and "amount" in values:
                assert 500 <= values["amount"] / values["households"] <= 3000


def test_base_figures_are_consistent(units, figures):
    communities = [code for code, unit in units.items() if unit["level"] == "community"]
    assert set(figures) == {(code, year) for code in communities for year in YEARS}
    ratios = []
    for (code, year), f in figures.items():
        assert len(f) == 15  # 10 for family planning, 5 for the women's federation line
        assert f["petitions_closed"] <= f["petitions_received"]
        assert f["births_male"] + f["births_female"] == f["births"] == f["live_births"]
        assert f["births_in_policy"] <= f["births"]
        assert f["expected_checks"] < f["married_women"] < f["population"]
        assert 0 < f["households_to_visit"] < f["population"]
        assert 7 <= 1000 * f["births"] / f["population"] <= 14
        assert f["maternal_deaths"] in (0, 1)
        ratios.append(100 * f["births_male"] / f["births_female"])
    assert sum(f["maternal_deaths"] for f in figures.values()) <= 4
    outside = [ratio for ratio in ratios if not 103 <= ratio <= 107]
    assert 0 < len(outside) < len(ratios) / 4
    assert sum(1 for f in figures.values() if f["births"] > 12 * f["population"] / 1000) >= 1


def test_ledgers_agree_with_base_figures(figures, ledgers: list[Ledger], catalogue: Catalogue):
    sums = _totals(ledgers, catalogue)
    check_rates, coverage = [], []
    for (code, year), f in figures.items():
        check_rates.append(sums[(code, year, "check", "participants")] / f["expected_checks"])
        coverage.append(sums[(code, year, "household_visit", "households")] / f["households_to_visit"])
    assert all(Decimal("0.80") <= rate <= 1 for rate in check_rates)
    assert sum(Decimal("0.85") <= rate <= Decimal("0.99") for rate in check_rates) >= 0.8 * len(check_rates)
    # most communities meet the 90 % screening and 95 % visit targets, but not all
    assert 0.7 * len(check_rates) <= sum(rate >= Decimal("0.9") for rate in check_rates) < len(check_rates)
    assert 0.7 * len(coverage) <= sum(Decimal("0.95") <= rate <= 1 for rate in coverage) < len(coverage)


def test_the_second_year_differs_from_the_first(ledgers: list[Ledger], catalogue: Catalogue):
    by_year: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for (_, year, key, column), value in _totals(ledgers, catalogue).items():
        by_year[(year, key, column)] += value
    change = {(key, column): by_year[(2025, key, column)] / by_year[(2024, key, column)]
              for (year, key, column) in by_year if year == 2024}
    assert any(ratio > Decimal("1.05") for ratio in change.values())
    assert any(ratio < Decimal("0.95") for ratio in change.values())


def test_targets_cover_both_years_with_a_few_units_missing(units, demo: DemoFiles, catalogue: Catalogue):
    rows = _read_csv(demo.targets_csv)
    assert {int(row["year"]) for row in rows} == set(YEARS)
    for row in rows:
        indicator = catalogue.indicator(row["indicator"])
        assert indicator is not None
        assert row["comparator"] in ("≥", "≤", "range")
        pattern = r"\d+-\d+" if row["comparator"] == "range" else r"\d+"
        assert re.fullmatch(pattern, row["value"]), row
    assert {row["indicator"] for row in rows} >= {"check_rate", "sex_ratio", "training_sessions"}
    for year in YEARS:
        signed = {row["unit_code"] for row in rows if int(row["year"]) == year}
        assert demo.district_code in signed
        assert {code for code, unit in units.items() if unit["level"] == "street"} <= signed
        communities = {code for code, unit in units.items() if unit["level"] == "community"}
        assert 100 <= len(communities & signed) < len(communities)


def test_one_flawed_supplement_holds_the_errors_an_import_must_reject(demo: DemoFiles, catalogue: Catalogue):
    flawed = list(demo.inbox.rglob("补录台账_*.csv"))
    assert [path.name for path in flawed] == ["补录台账_2025.csv"]
    form, cells = _read_rows(flawed[0])
    assert form == "utf-8-sig" and cells[0] == HEADER
    rows = cells[1:]
    assert any(catalogue.activity(row[2]) is None for row in rows)
    assert any(cell.startswith("-") for row in rows for cell in row[4:9])
    assert any(date.fromisoformat(row[1]) > TODAY for row in rows)
    assert any(cell and not cell.lstrip("-").isdigit() for row in rows for cell in row[4:8])
    assert all(row[0] == flawed[0].parent.name for row in rows)


def test_refuses_a_folder_in_use_and_years_out_of_order(demo: DemoFiles, tmp_path: Path):
    with pytest.raises(WenshuError, match="not empty"):
        generate_demo(demo.inbox.parent)
    with pytest.raises(WenshuError, match="ascending"):
        generate_demo(tmp_path / "x", years=(2025, 2024))
