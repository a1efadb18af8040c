"""The text the search index reads from a stored Word document: paragraphs and table rows
in order, as Word shows them."""

from __future__ import annotations

import pytest
from docx import Document as new_docx

from wenshu.archive.text import TextExtractionError, docx_text


def test_docx_text_reads_paragraphs_and_tables(tmp_path):
    document = new_docx()
    for text in ("一、主要指标完成情况", "孕环情检查受检率92.80%。"):
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([["序号", "指标"], ["1", "流动人口服务覆盖率"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    path = tmp_path / "a.docx"
    document.save(str(path))
    text = docx_text(path)
    assert text.splitlines() == ["一、主要指标完成情况", "孕环情检查受检率92.80%。",
                                 "序号 | 指标", "1 | 流动人口服务覆盖率"]


def test_docx_text_reads_merged_cells_breaks_and_tabs_as_word_shows_them(tmp_path):
    document = new_docx()
    paragraph = document.add_paragraph("指标\t完成")
    paragraph.add_run().add_break()  # a line break inside the paragraph
    paragraph.add_run("情况")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["乡镇", "指标", "完成值"], ["东城街道", "受检率", "92.8%"],
                             ["", "覆盖率", "95.1%"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(1, 0).merge(table.cell(2, 0))  # 东城街道 over two rows
    table.cell(0, 1).merge(table.cell(0, 2))  # one heading over two columns
    path = tmp_path / "merged.docx"
    document.save(str(path))
    # The merged heading's two paragraphs join with a space; the merged 东城街道 counts
    # for both rows it covers.
    assert docx_text(path) == ("指标\t完成\n情况\n乡镇 | 指标 完成值\n东城街道 | 受检率 | 92.8%\n"
                               "东城街道 | 覆盖率 | 95.1%")


def test_docx_text_rejects_a_file_that_is_not_word(tmp_path):
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"docx a")
    with pytest.raises(TextExtractionError, match="fake.docx"):
        docx_text(fake)
