"""Ledgers in, a year-end summary out, archived: the whole path through the CLI.

Runs the real Prefect flows (a test harness API), real LibreOffice and SQLite;
opens the results with python-docx and pypdf as a clerk or archivist would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from tests import office_data
from tests.sample_context import assert_no_placeholders

pytestmark = [pytest.mark.prefect, pytest.mark.soffice]


def _title(document: Document) -> str:
    """The title, joined across the lines it wraps into."""
    return "".join(p.text for p in document.paragraphs if p.style.name == "Title")


def _docx_text(path: Path) -> tuple[Document, str]:
    document = Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return document, "\n".join([p.text for p in document.paragraphs] + cells)


def test_year_summary_word_and_pdf_carry_the_figures(office, wenshu, tmp_path):
    output = wenshu("summary", "year", "--unit", "440307", "--year", "2025",
                    "--issued", "2026-01-15")
    assert " new " in output

    listing = wenshu("archive", "list", "--year", "2025")
    assert "440307" in listing and "year_summary" in listing
    wenshu("archive", "get", "1", "--format", "docx", "--to", str(tmp_path / "s.docx"))
    wenshu("archive", "get", "1", "--format", "pdf", "--to", str(tmp_path / "s.pdf"))

    document, text = _docx_text(tmp_path / "s.docx")
    assert _title(document) == "示范区2025年人口和计划生育工作总结"
    for heading in ("一、主要指标完成情况", "二、工作开展情况", "三、存在问题及原因", "四、2026年工作打算"):
        assert heading in text
    row = next(r for r in document.tables[0].rows if r.cells[1].text == "孕环情检查受检率")
    assert [c.text for c in row.cells[2:]] == [
        "≥90%", office_data.DISTRICT_CHECK_RATE, "达标", office_data.DISTRICT_CHECK_RATE_2024,
        "上升1.57个百分点"]
    assert "举办培训班3期，参训120人次" in text
    assert "2026年1月15日" in text
    # Indicators against targets and activities per month, as pictures with captions.
    assert len(document.inline_shapes) == 2
    assert "图1  2025年主要指标完成情况" in text and "图2  2025年各月开展活动次数" in text
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28

    reader = PdfReader(tmp_path / "s.pdf")
    assert reader.metadata.title == "示范区2025年人口和计划生育工作总结"
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    pdf_text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    assert "孕环情检查受检率" in pdf_text and office_data.DISTRICT_CHECK_RATE in pdf_text
    assert "— 1 —".replace(" ", "") in pdf_text
    assert len(reader.pages[1].images) + len(reader.pages[0].images) >= 1


def test_regenerating_versions_only_on_change(office, wenshu, tmp_path):
    wenshu("summary", "year", "--unit", "440307001", "--year", "2025")
    again = wenshu("summary", "year", "--unit", "440307001", "--year", "2025")
    assert "unchanged" in again and "│ new " not in again

    # A late ledger for one community changes the street's figures: version 2.
    late = tmp_path / "补报.csv"
    late.write_text("单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注\n"
                    "440307001002,2025-11-02,检查,孕环情检查补查,,60,,,,\n", encoding="utf-8")
    wenshu("ledger", "import", str(late))
    third = wenshu("summary", "year", "--unit", "440307001", "--year", "2025")
    assert " new " in third

    shown = wenshu("archive", "show", "1")
    assert "version 1" in shown and "version 2" in shown
    old = tmp_path / "v1.docx"
    new = tmp_path / "v2.docx"
    wenshu("archive", "get", "1", "--version", "1", "--format", "docx", "--to", str(old))
    wenshu("archive", "get", "1", "--format", "docx", "--to", str(new))
    # 东城街道: (950+400)/1500 = 90.00% before, (950+460)/1500 = 94.00% after.
    before, after = _docx_text(old)[1], _docx_text(new)[1]
    assert "90.00%" in before and "94.00%" in after
    # Before, 东山社区 (400/500) lagged though the street met its target; after (460/500), not.
    # It signed no target of its own: it is measured against the standard, a 参考目标.
    assert "东山社区（80.00%，参考目标≥90%）" in before and "东山社区（" not in after


def test_all_levels_makes_one_document_per_unit(office, wenshu, tmp_path):
    output = wenshu("summary", "year", "--unit", "440307", "--year", "2025", "--all-levels")
    listing = wenshu("archive", "list")
    for code, *_ in office_data.SMALL_TREE:
        assert code in listing
    assert output.count(" new ") == len(office_data.SMALL_TREE)
    # Units with little or no data still get clean documents: no None, nan or tags.
    documents = sorted((tmp_path / "home" / "archive").rglob("*.docx"))
    assert len(documents) == len(office_data.SMALL_TREE)
    for path in documents:
        assert_no_placeholders(path.read_bytes())


def test_staff_narrative_reaches_its_sections(office, wenshu, tmp_path):
    narrative = tmp_path / "说明.yaml"
    narrative.write_text("亮点: 建成“婚育新风进万家”示范点3个。\n问题: 流动人口信息更新不及时。\n",
                         encoding="utf-8")
    plans = tmp_path / "打算.txt"
    plans.write_text("全面推行网格化服务管理。\n\n开展流动人口专项清查。\n", encoding="utf-8")
    wenshu("summary", "year", "--unit", "440307002", "--year", "2025",
           "--narrative", str(narrative), "--narrative", str(plans))
    wenshu("archive", "get", "1", "--format", "docx", "--to", str(tmp_path / "n.docx"))
    _, text = _docx_text(tmp_path / "n.docx")
    assert "特色亮点" in text and "建成“婚育新风进万家”示范点3个。" in text
    assert "流动人口信息更新不及时。" in text
    # Staff plans follow the plan made for each computed problem, numbered on.
    first = re.search(r"(\d+)\.全面推行网格化服务管理。", text)
    assert first is not None
    assert f"{int(first.group(1)) + 1}.开展流动人口专项清查。" in text


def test_unknown_unit_is_a_clear_error(office, wenshu):
    output = wenshu("summary", "year", "--unit", "999", "--year", "2025", expect=1)
    assert "没有单位代码“999”" in output and "Traceback" not in output


def test_rejected_ledger_reports_every_bad_row_and_stores_nothing(office, wenshu, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注\n"
                   "440307001001,2025-04-01,培训,合格的一行,1,30,,,,\n"
                   "440307001001,2025-04-02,文艺汇演,未知类型,1,30,,,,\n"
                   "440307001001,2025-04-03,培训,负数,1,-3,,,,\n", encoding="utf-8")
    output = wenshu("ledger", "import", str(bad), expect=1)
    assert "未保存任何数据" in output
    report = (tmp_path / "bad.errors.csv").read_text(encoding="utf-8-sig")
    assert "3,活动类型,文艺汇演,unknown_activity_type" in report
    assert "4,人次,-3,negative" in report
    # Nothing from the file was stored: a summary shows no such training.
    wenshu("summary", "year", "--unit", "440307001001", "--year", "2025")
    wenshu("archive", "get", "1", "--format", "docx", "--to", str(tmp_path / "c.docx"))
    assert "合格的一行" not in _docx_text(tmp_path / "c.docx")[1]
    assert "参训120人次" in _docx_text(tmp_path / "c.docx")[1]


def test_half_year_summary_judges_by_time_elapsed(office, wenshu, tmp_path):
    output = wenshu("summary", "half", "--unit", "440307", "--year", "2025",
                    "--issued", "2025-07-10")
    assert " new " in output
    wenshu("archive", "get", "1", "--format", "docx", "--to", str(tmp_path / "h.docx"))
    wenshu("archive", "get", "1", "--format", "pdf", "--to", str(tmp_path / "h.pdf"))
    document, text = _docx_text(tmp_path / "h.docx")
    assert _title(document) == "示范区2025年上半年人口和计划生育工作总结"
    assert "四、下半年工作打算" in text
    header = [c.text for c in document.tables[0].rows[1].cells]
    assert header[2:6] == ["全年目标", "序时进度", "完成值", "进度"]
    row = next(r for r in document.tables[0].rows if r.cells[1].text == "孕环情检查受检率")
    # Spring screening only: 1857 / 4080 = 45.51% against half of ≥90%; 2024 H1 44.73%.
    assert [c.text for c in row.cells[2:]] == [
        "≥90%", "≥45%", "45.51%", "达到", "44.73%", "上升0.78个百分点"]
    pdf_text = "".join(p.extract_text() for p in PdfReader(tmp_path / "h.pdf").pages)
    assert "序时进度" in pdf_text and "45.51%" in pdf_text
    listing = wenshu("archive", "list", "--kind", "half_year_summary")
    assert "2025H1" in listing


def test_letterhead_blocks_reach_the_document(office, wenshu, tmp_path):
    wenshu("summary", "year", "--unit", "440307001", "--year", "2025",
           "--doc-number", "东城〔2026〕3号", "--to", "示范区卫生健康局",
           "--attachment", "2025年主要指标完成情况表", "--copy-to", "区妇联",
           "--printed-by", "东城街道办事处")
    wenshu("archive", "get", "1", "--format", "docx", "--to", str(tmp_path / "l.docx"))
    document, _ = _docx_text(tmp_path / "l.docx")
    styled = {p.style.name: p.text for p in document.paragraphs if p.text}
    assert styled["Doc Number"] == "东城〔2026〕3号"
    assert styled["Addressee"] == "示范区卫生健康局："
    assert styled["Attachment"] == "附件：2025年主要指标完成情况表"
    imprint = [p.text for p in document.paragraphs if p.style.name == "Imprint"]
    assert imprint[0] == "抄送：区妇联。" and imprint[1].startswith("东城街道办事处")


def test_traditional_rendition_is_a_document_of_its_own(office, wenshu, tmp_path):
    wenshu("summary", "year", "--unit", "440307", "--year", "2025")
    wenshu("summary", "year", "--unit", "440307", "--year", "2025", "--script", "traditional",
           "--doc-number", "示范卫〔2026〕10号")
    assert "示範區2025年人口和計劃生育工作總結" in wenshu("archive", "show", "2")
    assert "traditional" in wenshu("archive", "list")
    wenshu("archive", "get", "2", "--format", "docx", "--to", str(tmp_path / "t.docx"))
    document, text = _docx_text(tmp_path / "t.docx")
    assert "一、主要指標完成情況" in text and "孕環情檢查受檢率" in text
    # Codes are kept as issued: the doc number is not converted.
    assert "示范卫〔2026〕10号" in text
    assert document.core_properties.title == "示範區2025年人口和計劃生育工作總結"
    # The Simplified document is untouched, still version 1.
    assert "示范区2025年人口和计划生育工作总结" in wenshu("archive", "show", "1")


def test_campaign_plan_through_the_cli(office, wenshu, tmp_path):
    import shutil
    from importlib.resources import files

    spec = tmp_path / "方案.yaml"
    shutil.copyfile(str(files("wenshu") / "data" / "campaigns" / "sample.yaml"), spec)
    output = wenshu("plan", "campaign", "--unit", "440307", "--spec", str(spec),
                    "--issued", "2025-05-10")
    assert " new " in output
    wenshu("archive", "get", "1", "--format", "docx", "--to", str(tmp_path / "c.docx"))
    wenshu("archive", "get", "1", "--format", "pdf", "--to", str(tmp_path / "c.pdf"))
    document, text = _docx_text(tmp_path / "c.docx")
    assert "宣传发动阶段（5月下旬至6月下旬）" in text
    assert "（二）集中服务阶段（7月至9月）" in text
    # The goal is stated against the district's figure the year before: 89.46% in 2024.
    assert "89.46%" in text
    assert round(document.sections[0].page_width.mm) == 210
    pdf_text = "".join(p.extract_text() for p in PdfReader(tmp_path / "c.pdf").pages)
    assert "实施步骤" in pdf_text.replace(" ", "")
    assert "hyxf-2025" in wenshu("archive", "list")
    # A broken spec is named with its field.
    spec.write_text(spec.read_text(encoding="utf-8").replace("end: 2025-06-30", "end: 2025-05-01"),
                    encoding="utf-8")
    error = wenshu("plan", "campaign", "--unit", "440307", "--spec", str(spec), expect=1)
    assert "phases[1]" in error


def test_work_plan_through_the_cli(office, wenshu, tmp_path):
    output = wenshu("plan", "work", "--unit", "440307", "--period", "2026",
                    "--issued", "2026-01-10")
    assert " new " in output
    wenshu("archive", "get", "1", "--format", "docx", "--to", str(tmp_path / "w.docx"))
    document, text = _docx_text(tmp_path / "w.docx")
    assert _title(document) == "示范区2026年人口和计划生育工作计划"
    # The base year's figure beside next year's target (carried or proposed).
    row = next(r for r in document.tables[0].rows if r.cells[1].text == "孕环情检查受检率")
    assert row.cells[2].text == office_data.DISTRICT_CHECK_RATE
    assert "第一阶段" in text and "（1月至2月）" in text
    quarter = wenshu("plan", "work", "--unit", "440307", "--period", "2026Q1")
    assert " new " in quarter and "2026Q1" in wenshu("archive", "list")
    refused = wenshu("plan", "work", "--unit", "440307", "--period", "2026H1", expect=1)
    assert "工作计划按年度（2027）或季度（2027Q1）生成" in refused


def test_self_inspection_through_the_cli(office, wenshu, tmp_path):
    import shutil
    from importlib.resources import files

    answers = tmp_path / "自查.yaml"
    shutil.copyfile(str(files("wenshu") / "data" / "samples" / "self_inspection_answers.yaml"),
                    answers)
    output = wenshu("inspect", "self", "--unit", "440307001001", "--year", "2025",
                    "--answers", str(answers))
    assert " new " in output, output
    wenshu("archive", "get", "1", "--format", "docx", "--to", str(tmp_path / "s.docx"))
    document, text = _docx_text(tmp_path / "s.docx")
    assert _title(document) == "东湖社区2025年人口和计划生育工作自查报告"
    # 东湖社区 screened 950 of 1000: 95.00%.
    assert "95.00%" in text
    for heading in ("一、基本情况", "二、自查情况"):
        assert heading in text


def test_filing_gives_a_code_and_a_stamped_pdf(office, wenshu, tmp_path):
    wenshu("summary", "year", "--unit", "440307", "--year", "2025")
    filed = wenshu("archive", "file", "1")
    assert "0194-WS·2025-Y-BGS-0001" in filed
    wenshu("archive", "get", "1", "--format", "pdf_filed", "--to", str(tmp_path / "f.pdf"))
    wenshu("archive", "get", "1", "--format", "pdf", "--to", str(tmp_path / "d.pdf"))
    stamped, draft = PdfReader(tmp_path / "f.pdf"), PdfReader(tmp_path / "d.pdf")
    # The stamp adds its fields' text to page 1 and leaves the document's own text as it was.
    added = stamped.pages[0].extract_text().removeprefix(draft.pages[0].extract_text()).split()
    assert added == ["0194", "2025", "0001", "BGS", "永久", str(len(draft.pages))]
    # A correction needs a reason, and supersedes the filed version.
    late = tmp_path / "补报.csv"
    late.write_text("单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注\n"
                    "440307001002,2025-11-02,检查,孕环情检查补查,,60,,,,\n", encoding="utf-8")
    wenshu("ledger", "import", str(late))
    wenshu("summary", "year", "--unit", "440307", "--year", "2025")
    assert "请填写更正原因" in wenshu("archive", "file", "1", expect=1)
    corrected = wenshu("archive", "file", "1", "--reason", "补报11月孕环情检查数据")
    assert "0194-WS·2025-Y-BGS-0002" in corrected and "supersedes version 1" in corrected


def test_search_finds_documents_by_chinese_text_and_filters(office, wenshu):
    wenshu("summary", "year", "--unit", "440307", "--year", "2025", "--all-levels")
    wenshu("archive", "file", "1")
    # The street and its two communities; the other street's branch is left out.
    found = wenshu("archive", "search", "孕环情检查", "--unit", "440307001", "--subtree")
    assert "3 document(s)" in found and "440307002" not in found
    filed = wenshu("archive", "search", "--status", "filed")
    assert "1 document(s)" in filed and "440307 " in filed
    assert "No documents found." in wenshu("archive", "search", "婚育新风进万家")
