"""A small office's input files, with figures worked out by hand for the assertions."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SMALL_TREE

# Community → (2024 checks done, 2025 checks done, expected in both years).
CHECKS = {
    "440307001001": (900, 950, 1000),
    "440307001002": (450, 400, 500),
    "440307002001": (1000, 1000, 1100),
    "440307002002": (1300, 1364, 1480),
}
# District check rate 2025: 3714 / 4080 = 91.03%; 2024: 3650 / 4080 = 89.46%.
DISTRICT_CHECK_RATE = "91.03%"
DISTRICT_CHECK_RATE_2024 = "89.46%"
# 东山社区 (440307001002): 400 / 500 = 80.00% against the default ≥90%.


def write_units(folder: Path) -> Path:
    """units.csv of the small tree."""
    path = folder / "units.csv"
    lines = ["code,name,level,parent_code"]
    lines += [f"{code},{name},{level},{parent or ''}" for code, name, level, parent in SMALL_TREE]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ledger_rows(year: int) -> list[str]:
    """Ledger CSV lines (Chinese headers) for one year."""
    lines = ["单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注"]
    index = 0 if year == 2024 else 1
    for code, figures in CHECKS.items():
        done = figures[index]
        first = done // 2
        lines.append(f"{code},{year}/3/15,检查,孕环情检查,,{first},,,,春季")
        lines.append(f"{code},{year}年9月20日,检查,孕环情检查,,{done - first},,,,秋季")
    sessions, people = (2, 80) if year == 2024 else (3, 120)
    for n in range(sessions):
        lines.append(f"440307001001,{year}-05-{10 + n},培训,孕前优生知识培训,1,{people // sessions},,,,")
    lines.append(f"440307001,{year}-06-01,慰问帮扶,计生困难家庭慰问,,,{20 + index * 5},,{12000 + index * 3000}.50,")
    return lines


def write_ledger(folder: Path, year: int, name: str | None = None) -> Path:
    """A ledger file for one year, UTF-8 with BOM as Excel saves it."""
    path = folder / (name or f"台账_{year}.csv")
    path.write_text("\n".join(ledger_rows(year)) + "\n", encoding="utf-8-sig")
    return path


def write_figures(folder: Path) -> Path:
    """figures.csv: expected checks per community, both years."""
    path = folder / "figures.csv"
    lines = ["unit_code,year,key,value"]
    for code, (_a, _b, expected) in CHECKS.items():
        for year in (2024, 2025):
            lines.append(f"{code},{year},expected_checks,{expected}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_targets(folder: Path) -> Path:
    """targets.csv: the district signed ≥90% screening for 2025."""
    path = folder / "targets.csv"
    path.write_text("unit_code,year,indicator,comparator,value\n"
                    "440307,2025,check_rate,≥,90\n", encoding="utf-8")
    return path
