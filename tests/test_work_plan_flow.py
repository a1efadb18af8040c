"""The 工作计划 end to end: the Prefect flow, LibreOffice and the archive."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import pytest
from docx.document import Document
from pypdf import PdfReader

from wenshu.errors import PlanError
from wenshu.services.inputs import read_input

ISSUED = date(2025, 12, 28)
SAMPLE_NARRATIVE = Path(__file__).parents[1] / "wenshu" / "data" / "samples" / "work_plan_narrative.yaml"


def _docx_text(path: Path) -> tuple[Document, str]:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return document, "\n".join([p.text for p in document.paragraphs] + cells)


def _title(document: Document) -> str:
    """The title as one string (the title block may break it into lines)."""
    return "".join(p.text for p in document.paragraphs if p.style.name == "Title")


@pytest.mark.prefect
@pytest.mark.soffice
def test_year_plan_flow_archives_word_and_pdf(office, wenshu, tmp_path: Path) -> None:
    targets = tmp_path / "targets2026.csv"
    targets.write_text("unit_code,year,indicator,comparator,value\n"
                       "440307,2026,check_rate,≥,92\n"
                       "440307,2026,training_sessions,≥,5\n", encoding="utf-8")
    wenshu("targets", "import", str(targets))
    from wenshu.workflows.work_plan import work_plan

    outcomes = work_plan("440307", "2026", issued_on=ISSUED,
                         narrative_texts=[read_input(SAMPLE_NARRATIVE)])
    assert [(o.key.kind, o.key.period, o.created) for o in outcomes] == [
        ("work_plan", "2026", True)]
    assert "work_plan" in wenshu("archive", "list", "--kind", "work_plan")
    wenshu("archive", "get", "1", "--format", "docx", "--to", str(tmp_path / "p.docx"))
    wenshu("archive", "get", "1", "--format", "pdf", "--to", str(tmp_path / "p.pdf"))

    document, text = _docx_text(tmp_path / "p.docx")
    assert _title(document) == "示范区2026年人口和计划生育工作计划"
    goals, duties = document.tables
    # District screening 2025: 3714 / 4080 = 91.03%; 2026 signed ≥92%.
    row = next(r for r in goals.rows if r.cells[1].text == "孕环情检查受检率")
    assert [c.text for c in row.cells[2:]] == ["91.03%", "≥92%", "责任书目标"]
    row = next(r for r in goals.rows if r.cells[1].text == "帮扶困难家庭户数")
    assert [c.text for c in row.cells[2:]] == ["25户", "≥25户", "上年实际"]
    assert [[c.text for c in r.cells[1:]] for r in duties.rows[1:]] == [
        ["教育培训", "5月", "东城街道"],
        ["检查服务", "3月、9月", "各街道"],
        ["关怀帮扶", "6月", "东城街道"],
        ["其他重点工作", "全年", "各街道"],
    ]
    assert "全年计划举办培训班5期、参训120人次。" in text
    assert "其中培训期数按2026年目标管理责任书要求由上年的3期增加到5期。" in text
    assert "2025年全区投入帮扶资金1.5万元" in text
    assert "抓好问题整改" in text and "1.全面推行网格化服务管理" in text

    reader = PdfReader(tmp_path / "p.pdf")
    assert reader.metadata.title == "示范区2026年人口和计划生育工作计划"
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    pdf_text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    for expected in ("第一阶段：部署启动（1月至2月）", "91.03%", "≥92%", "2025年12月28日", "—1—"):
        assert expected in pdf_text, expected


@pytest.mark.prefect
@pytest.mark.soffice
def test_quarter_plan_flow_schedules_the_quarter(office, wenshu, tmp_path: Path) -> None:
    from wenshu.workflows.work_plan import work_plan

    with pytest.raises(PlanError):
        work_plan("440307001", "2026H1")
    outcomes = work_plan("440307001", "2026Q1", issued_on=ISSUED)
    assert [o.key.period for o in outcomes] == ["2026Q1"]
    wenshu("archive", "get", str(outcomes[0].document_id), "--format", "docx", "--to",
           str(tmp_path / "q.docx"))
    document, text = _docx_text(tmp_path / "q.docx")
    assert _title(document) == "东城街道2026年第一季度人口和计划生育工作计划"
    # Spring screening of 2025 in 东城街道's communities: 475 + 200 = 675; nothing else in Q1.
    assert "本季度计划完成检查675人。" in text
    assert [[c.text for c in r.cells[1:]] for r in document.tables[1].rows[1:]] == [
        ["检查服务", "3月", "各社区"]]
    for lead in ("第一阶段：部署启动（1月）。", "第二阶段：组织实施（2月）。", "第三阶段：检查总结（3月）。"):
        assert lead in text
