"""The 工作台账 a clerk can download and keep: the columns wenshu reads, Excel's own
checks on each (a list of 活动类型, dates, whole numbers), and a 填表说明 sheet; blank,
or holding the rows already stored (to check, correct and hand in again).

Filled in, it imports as it is (:func:`wenshu.ingest.import_ledger_file`): the title row
gives dates written without a year their year, the 填表说明 sheet is read as notes, and
the hidden 选项 sheet that holds the lists is left out. Stored rows come back unchanged,
so only what the clerk then changes differs (:mod:`wenshu.ingest.revision`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from wenshu.cells import append_row
from wenshu.ingest.revision import StoredRow
from wenshu.models.catalogue import MEASURE_COLUMNS, Catalogue

ROWS = 500  # rows prepared with the checks (beyond any filled in); more by copying a row
UNIT_HEADER = "单位名称"  # read as the unit (by name) when a file covers several units
_BASE = ("日期", "活动类型", "主题", *MEASURE_COLUMNS.values(), "备注")
_WIDTHS = {"单位名称": 16, "日期": 12, "活动类型": 12, "主题": 36, "备注": 30}
_GUIDE = (
    "每项活动填一行，不要合并单元格里的数字。",
    "日期写到日，如 2025-03-05；标题中有年份时，也可写 3月5日。",
    "场次、人次、户数、份数只填整数，金额以元为单位。",
    "活动类型从下拉列表中选择；每类须填写的列见下方。",
    "可以增加“序号”列和“合计”行，导入时会核对合计。",
)


def ledger_template(catalogue: Catalogue, units: Sequence[tuple[str, str]],
                    year: int, rows: Sequence[StoredRow] = ()) -> bytes:
    """The template as .xlsx bytes for ``units`` ((code, name), the first the one it is
    for): with a 单位名称 column only when there are several to choose from, and
    ``rows`` (stored ledger rows of those units) filled in."""
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    several = len(units) > 1
    header = (UNIT_HEADER, *_BASE) if several else _BASE
    title = f"{units[0][1]}{year}年工作台账"
    book.properties.title = title
    append_row(sheet, [title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    append_row(sheet, list(header))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(name, 8)
    sheet.freeze_panes = "A3"
    names = dict(units)
    for row in rows:
        kind = catalogue.activities.get(row.activity_type)
        cells = [row.date, kind.label if kind else row.activity_type, row.title,
                 *(getattr(row, field) for field in MEASURE_COLUMNS), row.notes]
        append_row(sheet, [names[row.unit_code], *cells] if several else cells)
    kinds = [kind.label for kind in catalogue.activities.values()]
    _options(book, kinds, [name for _, name in units] if several else [])
    _checks(sheet, header, len(kinds), len(units), max(ROWS, len(rows) + ROWS))
    _guide(book, catalogue)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def _options(book: Workbook, kinds: list[str], names: list[str]) -> None:
    """The hidden sheet the drop-down lists read: activity types in A, unit names in B."""
    options = book.create_sheet("选项")
    for row in range(max(len(kinds), len(names))):
        append_row(options, [kinds[row] if row < len(kinds) else None,
                             names[row] if row < len(names) else None])
    options.sheet_state = "hidden"


def _checks(sheet: Worksheet, header: Sequence[str], kinds: int, units: int,
            prepared: int) -> None:
    """Excel's own checks on the ``prepared`` data rows, so a slip is caught as it is typed."""
    def column(name: str) -> str:
        letter = get_column_letter(header.index(name) + 1)
        return f"{letter}3:{letter}{prepared + 2}"  # the data rows, below the title and header

    rules = [
        (DataValidation(type="list", formula1=f"'选项'!$A$1:$A${kinds}", allow_blank=True,
                        error="请从下拉列表中选择活动类型", errorTitle="活动类型"), ["活动类型"]),
        (DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                        formula2="DATE(2099,12,31)", allow_blank=True,
                        error="请填写日期，如 2025-03-05", errorTitle="日期"), ["日期"]),
        (DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                        allow_blank=True, error="请填写不小于0的整数", errorTitle="数字"),
         [label for field, label in MEASURE_COLUMNS.items() if field != "amount"]),
        (DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                        allow_blank=True, error="请填写不小于0的金额（元）", errorTitle="金额"),
         [MEASURE_COLUMNS["amount"]]),
    ]
    if UNIT_HEADER in header:
        rules.append((DataValidation(type="list", formula1=f"'选项'!$B$1:$B${units}",
                                     allow_blank=True, error="请从下拉列表中选择单位",
                                     errorTitle="单位名称"), [UNIT_HEADER]))
    for rule, names in rules:
        for name in names:
            rule.add(column(name))
        sheet.add_data_validation(rule)
    dates = header.index("日期") + 1
    for row in range(3, prepared + 3):
        sheet.cell(row, dates).number_format = "yyyy-mm-dd"


def _guide(book: Workbook, catalogue: Catalogue) -> None:
    """The 填表说明 sheet: a sentence or a pair to a row, so it imports as notes."""
    guide = book.create_sheet("填表说明")
    append_row(guide, ["填表说明"])
    guide.cell(1, 1).font = Font(bold=True)
    for number, line in enumerate(_GUIDE, start=1):
        append_row(guide, [f"{number}.", line])
    append_row(guide, ["各类活动须填写的列："])
    for kind in catalogue.activities.values():
        needed = "、".join(MEASURE_COLUMNS[m.column] for m in kind.measures if m.required)
        append_row(guide, [kind.label, needed or "（无必填的数字）"])
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 60
