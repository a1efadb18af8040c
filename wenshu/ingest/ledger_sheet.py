"""The 工作台账 a clerk can download and keep: the columns wenshu reads, Excel's own
checks on each (a list of 活动类型, dates, whole numbers), and a 填表说明 sheet; blank,
or holding the rows already stored (to check, correct and hand in again).

Filled in, it imports as it is (:func:`wenshu.ingest.import_ledger_file`): the title row
gives dates written without a year their year, the 填表说明 sheet is read as notes, and
the hidden 选项 sheet that holds the lists is left out. Stored rows come back unchanged,
so only what the clerk then changes differs (:mod:`wenshu.ingest.revision`); a workbook
property says which rows it held (:func:`held_by`), so a row the clerk deletes is left
out, even the last of a month or of a unit.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError, fromstring

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from wenshu.cells import append_row
from wenshu.ingest.revision import Held, StoredRow
from wenshu.ingest.units import subtree
from wenshu.models.catalogue import MEASURE_COLUMNS, Catalogue
from wenshu.periods import Period

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


# The workbook property naming what a stored ledger held: its unit, period and time.
HELD_PROPERTY = "wenshu.held"
_CUSTOM_PART = "docProps/custom.xml"
_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"


@dataclass(frozen=True)
class StoredLedger:
    """The stored rows a downloaded ledger holds: every current row of its units dated in
    ``period``, as they stood ``at``."""

    period: Period
    at: datetime
    rows: Sequence[StoredRow]


def ledger_template(catalogue: Catalogue, units: Sequence[tuple[str, str]],
                    year: int, stored: StoredLedger | None = None) -> bytes:
    """The template as .xlsx bytes for ``units`` ((code, name), the first the one it is
    for): with a 单位名称 column only when there are several to choose from, and the
    ``stored`` rows of those units filled in, named in a workbook property."""
    rows = stored.rows if stored is not None else ()
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
    if stored is not None:
        held = {"unit": units[0][0], "period": stored.period.code, "at": stored.at.isoformat()}
        book.custom_doc_props.append(StringProperty(name=HELD_PROPERTY, value=json.dumps(held)))
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


def held_by(path: Path, parents: Mapping[str, str | None],
            allowed: frozenset[str] | None = None) -> Held | None:
    """What a stored ledger downloaded from wenshu held, as its workbook property says
    (Excel and LibreOffice keep such properties when they save): the rows of its unit and
    the units below it (``parents``: each stored unit's parent), within ``allowed`` when
    given. None for any other file, or a property naming no stored unit or no period."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = archive.getinfo(_CUSTOM_PART)
            if part.file_size > 1 << 16:  # a few properties; anything larger is not ours
                return None
            root = fromstring(archive.read(part))
    except (KeyError, OSError, ParseError, zipfile.BadZipFile):
        return None
    for prop in root.iter(f"{_CUSTOM}property"):
        if prop.get("name") == HELD_PROPERTY:
            return _held(" ".join(prop.itertext()), parents, allowed)
    return None


def _held(text: str, parents: Mapping[str, str | None],
          allowed: frozenset[str] | None) -> Held | None:
    try:
        held = json.loads(text)
        period = Period.parse(str(held["period"]))
        at = datetime.fromisoformat(str(held["at"]))
        unit = str(held["unit"])
    except (ValueError, KeyError, TypeError):
        return None
    if unit not in parents or at.tzinfo is None:
        return None
    units = frozenset(subtree(parents, unit))
    return Held(units & allowed if allowed is not None else units, period.start, period.end, at)
