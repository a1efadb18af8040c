"""Lines of work (业务条线): an office files separate documents for each line, each reading
only its own activity types and indicators, titled and signed for its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from wenshu.errors import CatalogueError
from wenshu.models.catalogue import load_catalogue
from wenshu.models.lines import load_lines

# 东湖社区 (440307001001) keeps a 妇联 ledger beside its family-planning one.
WOMEN_LEDGER = """单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注
440307001001,2025-03-08,妇女之家活动,“三八”节妇女之家联谊活动,1,45,,,,
440307001001,2025-05-10,妇女之家,妇女之家读书分享会,1,30,,,,
440307001001,2025-04-12,两癌筛查,适龄妇女两癌免费筛查,1,40,,,,
440307001001,2025-09-20,两癌筛查,流动妇女两癌筛查,1,35,,,,
440307001001,2025-06-18,就业培训,妇女家政服务技能培训,2,50,,,,
"""
# 75 screened of 100 due: 75.0%, short of the catalogue's 参考目标 ≥80%.
WOMEN_FIGURES = """unit_code,year,key,value
440307001001,2025,women_to_screen,100
440307001001,2025,trainees,50
440307001001,2025,trainees_employed,31
"""


def _text(path: Path) -> tuple[str, str]:
    document = Document(str(path))
    title = "".join(p.text for p in document.paragraphs if p.style.name == "Title")
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return title, "\n".join([p.text for p in document.paragraphs] + cells)


def test_two_lines_ship_and_the_first_is_the_default():
    lines = load_lines(load_catalogue())
    assert [line.key for line in lines.by_key.values()] == ["family_planning", "women"]
    assert lines.get("").key == "family_planning" and lines.get("").identity == ""
    women = lines.get("妇女儿童（妇联）")
    assert women.key == "women" and women.identity == "women"
    assert women.organ("龙岗区", "district") == "龙岗区妇女联合会"
    catalogue = load_catalogue()
    family = lines.default.restrict(catalogue)
    assert "cancer_screening" not in family.activities and "check" in family.activities
    assert set(women.restrict(catalogue).indicators) == {
        "employment_rate", "cancer_screening_coverage", "petition_closure_rate",
        "women_home_sessions"}


def test_unknown_line_names_the_lines_there_are():
    with pytest.raises(CatalogueError, match="没有业务条线“计生”.*family_planning.*women"):
        load_lines(load_catalogue()).get("计生")


def test_an_offices_own_types_count_in_the_default_line(tmp_path):
    (tmp_path / "activities.yaml").write_text(
        "types:\n  - key: clinic\n    label: 义诊\n    label_en: clinic\n    measures:\n"
        "      - {column: participants, label: 人数, unit: 人, required: true}\n",
        encoding="utf-8")
    catalogue = load_catalogue(tmp_path)
    lines = load_lines(catalogue, tmp_path)
    assert "clinic" in lines.default.restrict(catalogue).activities
    assert "clinic" not in lines.get("women").restrict(catalogue).activities


def test_a_line_listing_an_unknown_type_is_refused(tmp_path):
    (tmp_path / "lines.yaml").write_text(
        "lines:\n  - {key: youth, label: 共青团, topic: 共青团工作, activities: [rally]}\n",
        encoding="utf-8")
    with pytest.raises(CatalogueError, match="业务条线 youth：活动类型目录中没有 rally"):
        load_lines(load_catalogue(tmp_path), tmp_path)


@pytest.mark.prefect
@pytest.mark.soffice
def test_women_line_summary_is_a_document_of_its_own(office, wenshu, tmp_path):
    (office / "妇联台账.csv").write_text(WOMEN_LEDGER, encoding="utf-8-sig")
    (office / "妇联数据.csv").write_text(WOMEN_FIGURES, encoding="utf-8")
    wenshu("figures", "import", str(office / "妇联数据.csv"))
    wenshu("ledger", "import", str(office / "妇联台账.csv"))

    wenshu("summary", "year", "--unit", "440307001001", "--year", "2025", "--line", "women",
           "--issued", "2026-01-15")
    wenshu("summary", "year", "--unit", "440307001001", "--year", "2025",
           "--issued", "2026-01-15")
    listing = wenshu("archive", "list", "--year", "2025")
    assert listing.count("440307001001") == 2

    wenshu("archive", "get", "1", "--format", "docx", "--to", str(tmp_path / "women.docx"))
    title, text = _text(tmp_path / "women.docx")
    assert title == "东湖社区2025年妇女儿童工作总结"
    assert "两癌筛查覆盖率" in text and "75.0%" in text and "≥80%（参考）" in text
    assert "依托妇女之家开展活动2场" in text and "组织适龄妇女参加两癌筛查75人" in text
    # Nothing of the other line, and no signed target claimed where none was signed.
    assert "孕环情" not in text and "计划生育" not in text and "责任书" not in text
    assert "东湖社区妇联" in text

    wenshu("archive", "get", "2", "--format", "docx", "--to", str(tmp_path / "family.docx"))
    title, text = _text(tmp_path / "family.docx")
    assert title == "东湖社区2025年人口和计划生育工作总结"
    assert "两癌" not in text and "妇女之家" not in text


@pytest.mark.prefect
def test_line_errors_are_told_in_chinese(office, wenshu):
    output = wenshu("summary", "year", "--unit", "440307", "--year", "2025", "--line", "youth",
                    expect=1)
    assert "没有业务条线“youth”" in output and "women（妇女儿童（妇联））" in output
    output = wenshu("summary", "year", "--unit", "440307", "--year", "2025", "--line", "women",
                    expect=1)
    assert "没有任何妇女儿童（妇联）台账记录" in output
    assert "Traceback" not in output
