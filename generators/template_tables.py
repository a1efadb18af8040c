"""Indicator tables in the Word templates: docxtpl row and column loops, laid out per GB/T 9704.

A table's header rows repeat on every page and no row splits across pages; the widths
are set both on the grid and on each cell, because LibreOffice reads only the grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from docx.document import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.shared import Mm
from docx.table import Table, _Cell

from wenshu.generators.layout import LayoutProfile


@dataclass(frozen=True)
class TableColumn:
    """An indicator-table column: header, context key, width (None: what the rest leaves).

    Adjacent columns with the same ``group`` share a merged header cell above their own.
    """

    label: str
    key: str
    width_mm: Decimal | None
    group: str = ""



def loop_table(document: Document, profile: LayoutProfile, columns: tuple[TableColumn, ...],
               rows: str = "indicator_rows", totals: bool = False) -> None:
    """Header rows (grouped, repeated on every page), then one table row per item of ``rows``.

    Each column shows ``r.<key>`` of the item; with ``totals`` a last row shows
    ``<rows>_total.<key>``. The table never splits a row across pages.
    """
    fixed = sum(c.width_mm for c in columns if c.width_mm is not None)
    widths = [Mm(c.width_mm if c.width_mm is not None else profile.type_area_width_mm - fixed)
              for c in columns]
    grouped = any(c.group for c in columns)
    header_rows = 2 if grouped else 1
    table = document.add_table(rows=header_rows + 3 + int(totals), cols=len(columns))
    table.style = profile.table_style
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _set_widths(table, widths)
    if grouped:
        _grouped_header(table, columns)
    else:
        for cell, column in zip(table.rows[0].cells, columns, strict=True):
            _cell_text(cell, column.label, "Table Heading")
    loop_start, row, loop_end = table.rows[header_rows:header_rows + 3]
    loop_start.cells[0].text = f"{{%tr for r in {rows} %}}"
    loop_end.cells[0].text = "{%tr endfor %}"
    for cell, column in zip(row.cells, columns, strict=True):
        _cell_text(cell, f"{{{{ r.{column.key} }}}}", "Table Text")
    if totals:
        for cell, column in zip(table.rows[-1].cells, columns, strict=True):
            _cell_text(cell, f"{{{{ {rows}_total.{column.key} }}}}", "Table Text")
    _set_cell_padding(table, Mm(profile.table_cell_padding_mm))
    for index, each in enumerate(table.rows):
        _row_flags(each._tr, header=index < header_rows)
        for cell in each.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def column_loop_table(document: Document, profile: LayoutProfile, lead: tuple[TableColumn, ...],
                      heads: str, cells: str, tail: tuple[TableColumn, ...], rows: str) -> None:
    """A table whose middle columns repeat: one per item of ``heads`` (their header text),
    filled from each row's ``r.<cells>`` list, between the ``lead`` and ``tail`` columns.

    Every column gets the same width: docxtpl adds or removes grid columns to match the
    rendered cells and shares the type area out evenly only when the widths are equal.
    The header row repeats on every page and no row splits across pages.
    """
    texts = [f"{{%tc for h in {heads} %}}", "{{ h }}", "{%tc endfor %}"]
    loop = [f"{{%tc for c in r.{cells} %}}", "{{ c }}", "{%tc endfor %}"]
    count = len(lead) + len(texts) + len(tail)
    table = document.add_table(rows=4, cols=count)
    table.style = profile.table_style
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    width = Mm(profile.type_area_width_mm / count)
    for column in table.columns:
        column.width = width
    for cell, text in zip(table.rows[0].cells,
                          [c.label for c in lead] + texts + [c.label for c in tail], strict=True):
        _cell_text(cell, text, "Table Heading")
    table.rows[1].cells[0].text = f"{{%tr for r in {rows} %}}"
    table.rows[3].cells[0].text = "{%tr endfor %}"
    values = [f"{{{{ r.{c.key} }}}}" for c in lead] + loop + [f"{{{{ r.{c.key} }}}}" for c in tail]
    for cell, text in zip(table.rows[2].cells, values, strict=True):
        _cell_text(cell, text, "Table Text")
    _set_cell_padding(table, Mm(profile.table_cell_padding_mm))
    for index, each in enumerate(table.rows):
        _row_flags(each._tr, header=index == 0)
        for cell in each.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            # Only the grid says how wide a column is, so rendered columns stay even.
            width_element = cell._tc.tcPr.find(qn("w:tcW"))
            if width_element is not None:
                cell._tc.tcPr.remove(width_element)


def _grouped_header(table: Table, columns: tuple[TableColumn, ...]) -> None:
    """Two header rows: a group's label merged across its columns, lone columns merged down."""
    index = 0
    while index < len(columns):
        column = columns[index]
        if not column.group:
            cell = table.cell(0, index).merge(table.cell(1, index))
            _cell_text(cell, column.label, "Table Heading")
            index += 1
            continue
        end = index
        while end + 1 < len(columns) and columns[end + 1].group == column.group:
            end += 1
        _cell_text(table.cell(0, index).merge(table.cell(0, end)), column.group, "Table Heading")
        for position in range(index, end + 1):
            _cell_text(table.cell(1, position), columns[position].label, "Table Heading")
        index = end + 1


def _cell_text(cell: _Cell, text: str, style: str) -> None:
    """Set a cell's only paragraph (merging leaves extra empty ones behind)."""
    paragraphs = cell.paragraphs
    for extra in paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    paragraphs[0].text = text
    paragraphs[0].style = style


def _set_widths(table: Table, widths: list[Mm]) -> None:
    """Widths on the grid columns and on every cell: LibreOffice reads only the former."""
    for column, width in zip(table.columns, widths):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _set_cell_padding(table: Table, padding: Mm) -> None:
    """Left and right cell margins for the whole table (w:tblCellMar)."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(padding.twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties = table._tbl.tblPr
    # Schema order: tblCellMar comes before tblLook (Word rejects it after).
    look = properties.find(qn("w:tblLook"))
    if look is None:
        properties.append(margins)
    else:
        look.addprevious(margins)


def _row_flags(tr: CT_Row, *, header: bool) -> None:
    """No row breaks across pages; the header row repeats at the top of each page."""
    properties = tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))
