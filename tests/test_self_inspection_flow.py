"""The 自查报告 end to end: the Prefect flow, LibreOffice and the archive."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import pytest
import yaml
from pypdf import PdfReader

from wenshu.generators.self_inspection import SAMPLE_ANSWERS
from wenshu.models.checklist import ChecklistError
from wenshu.services.inputs import read_input

ISSUED = date(2026, 1, 20)


def _office_answers(folder: Path) -> Path:
    """东湖社区's answers: all facilities but the consultation room."""
    data = yaml.safe_load(SAMPLE_ANSWERS.read_text(encoding="utf-8"))
    data["answers"]["consult_room"] = {"value": "否", "note": "活动室正在改造。"}
    path = folder / "东湖社区自查.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.prefect
@pytest.mark.soffice
def test_flow_archives_the_report_in_word_and_pdf(office, wenshu, tmp_path):
    from wenshu.workflows.self_inspection import self_inspection

    answers = _office_answers(tmp_path)
    [outcome] = self_inspection("440307001001", 2025, answers=read_input(answers),
                                issued_on=ISSUED)
    assert outcome.created and outcome.key.topic == "family_planning"
    wenshu("archive", "get", str(outcome.document_id), "--format", "docx",
           "--to", str(tmp_path / "r.docx"))
    wenshu("archive", "get", str(outcome.document_id), "--format", "pdf",
           "--to", str(tmp_path / "r.pdf"))

    document = docx.Document(str(tmp_path / "r.docx"))
    texts = [p.text for p in document.paragraphs]
    title = "".join(p.text for p in document.paragraphs if p.style.name == "Title")
    assert title == "东湖社区2025年人口和计划生育工作自查报告"
    for heading in ("一、基本情况", "二、自查情况", "（四）优质服务", "三、存在问题", "四、整改措施"):
        assert heading in texts
    rows = {r.cells[1].text: [c.text for c in r.cells[2:]] for r in document.tables[0].rows}
    # 950 / 1000 against the default ≥90%; 3 trainings, one short of ≥4: half the points.
    assert rows["孕环情检查受检率≥90%"] == ["95.00%", "符合", "10", "10"]
    assert rows["人口学校培训≥4期"] == ["3期", "基本完成", "4", "2"]
    assert rows["设有悄悄话室或咨询台"] == ["未落实", "不符合", "3", "0"]
    body = "\n".join(texts)
    assert "2025年举办培训班3期，比每年不少于4期的要求少1期，本项4分，自评得2分。" in body
    assert "于2026年2月19日前整改到位（30日内）" in body  # the room: 30 days from 1月20日
    assert "于2026年3月21日前整改到位（60日内）" in body  # trainings: 60 days
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)

    reader = PdfReader(tmp_path / "r.pdf")
    assert reader.metadata.title == title
    pdf_text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    assert "95.00%" in pdf_text and "整改措施" in pdf_text and "2026年1月20日" in pdf_text

    [again] = self_inspection("440307001001", 2025, answers=read_input(answers), issued_on=ISSUED)
    assert not again.created and again.document_id == outcome.document_id


def test_flow_refuses_a_missing_answers_file_before_any_work(wenshu):
    from wenshu.workflows.self_inspection import self_inspection

    with pytest.raises(ChecklistError, match="有 15 项须由本单位自行填报.*请提供自查答复文件"):
        self_inspection.fn("440307001001", 2025)
    with pytest.raises(ChecklistError, match="找不到检查标准“nope”.*内置：family_planning"):
        self_inspection.fn("440307001001", 2025, checklist="nope")
