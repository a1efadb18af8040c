"""The 归档文件目录 (yearly catalogue, DA/T 22-2015) as an Excel sheet and as PDF/A.

One row per filed document (件), in 档号 order, with the columns DA/T 22 lists for
a catalogue of filed documents: 件号, 档号, 责任者, 文号, 题名, 日期 (YYYYMMDD), 页数, 备注.
Both renditions are A4 landscape with the header row repeated on every page:

- the .xlsx (openpyxl): page setup landscape and fitted to one page wide, print
  titles, column widths, a CJK font named (宋体/黑体, as office PCs have them);
- the PDF: a landscape Word table (python-docx) converted by LibreOffice to PDF/A-2b
  through the project's converter, which maps the named faces onto installed CJK fonts.

Both are byte-reproducible: the same catalogue gives the same bytes (fixed document
dates and zip entry dates), so a transfer package built twice is identical.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from docx import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from wenshu.cells import append_row
from wenshu.generators.pdf import PdfJob, PdfMetadata, open_converter
from wenshu.generators.render import document_bytes
from wenshu.settings import Settings

# (header, width in mm on the landscape page, width in Excel characters)
COLUMNS: tuple[tuple[str, int, int], ...] = (
    ("件号", 16, 7),
    ("档号", 57, 30),
    ("责任者", 26, 14),
    ("文号", 22, 14),
    ("题名", 59, 44),
    ("日期", 24, 10),
    ("页数", 14, 6),
    ("备注", 39, 28),
)
SHEET_NAME = "归档文件目录"
BODY_FONT = "宋体"  # LibreOffice and WPS map it onto the installed serif CJK face
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
PAGE_MARGIN_MM = 20
# The DOS epoch: zip entries carry no date of their own, so the bytes never depend on when.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class CatalogueRow:
    """One filed document as its catalogue line shows it."""

    item_number: str  # 件号, 4 digits
    archival_code: str  # 档号
    author: str  # 责任者
    doc_number: str  # 文号
    title: str  # 题名
    date: str  # 日期, YYYYMMDD
    pages: int  # 页数
    remarks: str  # 备注

    def cells(self) -> tuple[str | int, ...]:
        """The row's values in column order."""
        return (self.item_number, self.archival_code, self.author, self.doc_number, self.title,
                self.date, self.pages, self.remarks)


@dataclass(frozen=True)
class YearCatalogue:
    """The 归档文件目录 of one fonds and year."""

    title: str  # "<全宗名> <年度>年度归档文件目录"
    fonds_name: str  # 全宗名 (the issuing unit at the top of the tree), the catalogue's author
    year: int
    as_of: date  # the date the catalogue states: the last filing it lists
    rows: tuple[CatalogueRow, ...]


def catalogue_xlsx(catalogue: YearCatalogue) -> bytes:
    """The catalogue as an A4 landscape .xlsx, byte-reproducible."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = SHEET_NAME
    last_column = get_column_letter(len(COLUMNS))
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    append_row(sheet, [catalogue.title])
    sheet.merge_cells(f"A1:{last_column}1")
    sheet["A1"].font = Font(name=TITLE_FONT, size=18)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 36
    append_row(sheet, [header for header, _, _ in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(name=HEADING_FONT, size=11)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    for row in catalogue.rows:
        # Titles, 责任者 and 备注 are users' text: append_row keeps them text, never formulas.
        for cell, (header, _, _) in zip(append_row(sheet, row.cells()), COLUMNS, strict=True):
            cell.font = Font(name=BODY_FONT, size=10.5)
            cell.border = border
            # Titles and remarks read left to right; codes and numbers sit centred.
            horizontal = "left" if header in ("题名", "备注", "责任者") else "center"
            cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
    for index, (_, _, chars) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = chars

    _print_setup(sheet)

    moment = datetime.combine(catalogue.as_of, time())
    book.properties.title = catalogue.title
    book.properties.creator = catalogue.fonds_name
    book.properties.created = book.properties.modified = moment
    saved = io.BytesIO()
    # ExcelWriter directly: save_workbook stamps the current time as 'modified'.
    with zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return _fixed_zip(saved.getvalue())


def _print_setup(sheet: Worksheet) -> None:
    """A4 landscape, one page wide, the title and header rows on every page, numbered."""
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    margin = PAGE_MARGIN_MM / 25.4
    sheet.page_margins.left = sheet.page_margins.right = margin
    sheet.page_margins.top = sheet.page_margins.bottom = margin
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def catalogue_docx(catalogue: YearCatalogue) -> bytes:
    """The catalogue as an A4 landscape Word table (header row repeated), byte-reproducible."""
    word = WordDocument()
    section = word.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(PAGE_MARGIN_MM))
    normal = word.styles["Normal"]
    normal.font.size = Pt(10.5)
    _name_font(normal.element.get_or_add_rPr(), BODY_FONT)
    _page_number_footer(section.footer.paragraphs[0])

    heading = word.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.space_after = Pt(12)
    _styled(heading.add_run(catalogue.title), TITLE_FONT, 18)

    table = word.add_table(rows=1, cols=len(COLUMNS))
    table.style = word.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.rows[0]
    _repeat_as_header(header._tr)
    for cell, (name, _, _) in zip(header.cells, COLUMNS, strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _styled(paragraph.add_run(name), HEADING_FONT, 10.5)
    for row in catalogue.rows:
        line = table.add_row()
        _keep_on_one_page(line._tr)
        cells = line.cells
        for cell, value, (name, _, _) in zip(cells, row.cells(), COLUMNS, strict=True):
            paragraph = cell.paragraphs[0]
            if name not in ("题名", "备注", "责任者"):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(str(value))
    # Word reads each cell's width, LibreOffice the table grid: set both.
    for column, (_, width, _) in zip(table.columns, COLUMNS, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    return document_bytes(word)


def catalogue_pdf(settings: Settings, catalogue: YearCatalogue, target: Path) -> Path:
    """Convert the catalogue's Word table to PDF/A-2b at ``target`` with LibreOffice.

    The Word file is written beside ``target`` (as ``<stem>.docx``) and removed after,
    so a caller that builds in a folder of its own finds nothing else left anywhere.
    Raises :class:`~wenshu.errors.ConversionError` when LibreOffice fails.
    """
    source = target.with_suffix(".docx")
    target.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(catalogue_docx(catalogue))
    metadata = PdfMetadata(title=catalogue.title, author=catalogue.fonds_name,
                           subject=SHEET_NAME, date=catalogue.as_of)
    try:
        with open_converter(settings, workers=1) as converter:
            converter.convert_many([PdfJob(source, target, metadata)])
    finally:
        source.unlink(missing_ok=True)
    return target


# -- helpers ---------------------------------------------------------------------


def _fixed_zip(data: bytes) -> bytes:
    """``data`` (a zip) rewritten with fixed entry dates, entries in their original order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            entry = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(name))
    return out.getvalue()


def _name_font(rpr: BaseOxmlElement, face: str) -> None:
    """Name ``face`` for Latin and East Asian text (python-docx sets only the Latin one)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), face)


def _styled(run: Run, face: str, size_pt: float) -> None:
    run.font.size = Pt(size_pt)
    _name_font(run._r.get_or_add_rPr(), face)


def _repeat_as_header(row: CT_Row) -> None:
    """Mark a table row as a header row, repeated at the top of every page."""
    properties = row.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _keep_on_one_page(row: CT_Row) -> None:
    """A row is not split across two pages (a title cut in half reads as two documents)."""
    flag = OxmlElement("w:cantSplit")
    flag.set(qn("w:val"), "true")
    row.get_or_add_trPr().append(flag)


def _page_number_footer(paragraph: Paragraph) -> None:
    """'第 N 页' centred in the footer, N a PAGE field that LibreOffice fills in."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("第 ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == "PAGE":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = " PAGE "
            run._r.append(instruction)
        else:
            shown = OxmlElement("w:t")
            shown.text = text
            run._r.append(shown)
    paragraph.add_run(" 页")


__all__ = ["COLUMNS", "CatalogueRow", "YearCatalogue", "catalogue_docx", "catalogue_pdf",
           "catalogue_xlsx"]
