"""The sheet inspectors fill in on site: one row per unit and observed item.

:func:`write_findings_sheet` writes it with the item's label, its points and the values it
takes (and Excel's own check of each value cell); filled in, it imports as it is with
:func:`wenshu.ingest.findings.import_findings`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from wenshu.cells import append_row
from wenshu.errors import ChecklistError, NotFoundError, WenshuError
from wenshu.files import write_whole
from wenshu.ingest.findings import FINDING_COLUMNS
from wenshu.models.checklist import (
    Checklist,
    ObservedItem,
    plain_number,
    threshold_text,
)
from wenshu.models.inspection_words import inspection_problem
from wenshu.models.tables import Unit

SHEET_COLUMNS = ("unit_code", "unit_name", "item", "label", "points", "allowed", "value", "note",
                 "inspector")
_WIDTHS = {"unit_code": 16, "unit_name": 14, "item": 22, "label": 40, "points": 6, "allowed": 22,
           "value": 12, "note": 36, "inspector": 10}
_FILL_IN = PatternFill("solid", fgColor="FFF2CC")  # the cells the inspector fills in


def allowed_values(item: ObservedItem) -> str:
    """What an observed item takes, as the sheet tells the inspector: 是/否,
    整数（块），标准≥5块."""
    if item.answer == "yes_no":
        return "是/否"
    if item.answer == "score":
        return f"0～{plain_number(item.points)}分"
    if item.answer == "text":
        return "文字说明"
    assert item.threshold is not None
    what = "整数" if item.answer == "count" else "数字"
    unit = f"（{item.unit}）" if item.unit else ""
    return f"{what}{unit}，标准{threshold_text(item.threshold, item.unit)}"


def _validation(item: ObservedItem) -> DataValidation | None:
    """Excel's own check for a value cell, so a typo is caught as it is typed."""
    if item.answer == "yes_no":
        return DataValidation(type="list", formula1='"是,否"', allow_blank=True,
                              error="请填写“是”或“否”", errorTitle="检查结果")
    if item.answer == "count":
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                              allow_blank=True, error="请填写不小于0的整数", errorTitle="检查结果")
    if item.answer == "score":
        top = plain_number(item.points)
        return DataValidation(type="decimal", operator="between", formula1="0", formula2=top,
                              allow_blank=True, error=f"请填写0至{top}之间的得分",
                              errorTitle="检查结果")
    return None


def write_findings_sheet(path: Path, checklist: Checklist,
                         units: Sequence[tuple[str, str]]) -> Path:
    """Write the sheet inspectors fill in: one row per unit (code, name) and observed item.

    The inspector fills in 检查结果, 情况说明 and 检查人 (shaded); the sheet imports
    as it is with :func:`import_findings`. Written whole or not at all.
    """
    if not checklist.observed:
        raise ChecklistError(inspection_problem("no_observed_items", checklist=checklist.key))
    if not units:
        raise WenshuError(inspection_problem("no_units"))
    labels = {column.field: column.label for column in FINDING_COLUMNS}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "检查记录"
    workbook.properties.title = f"{checklist.title}检查记录表"
    workbook.properties.subject = checklist.key
    append_row(sheet, [labels[field] for field in SHEET_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
    _append_items(sheet, checklist, units)
    for index, field in enumerate(SHEET_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS[field]
    sheet.freeze_panes = "A2"
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_whole(target, workbook.save)  # a reader never sees half a workbook


def _append_items(sheet: Worksheet, checklist: Checklist,
                  units: Sequence[tuple[str, str]]) -> None:
    """One row per unit and observed item, its fill-in cells shaded and validated."""
    validations: dict[str, DataValidation] = {}
    value_letter = get_column_letter(SHEET_COLUMNS.index("value") + 1)
    for code, name in units:
        for item in checklist.observed:
            points = int(item.points) if item.points == item.points.to_integral_value() \
                else float(item.points)
            # Unit names and labels are users' text: append_row keeps them text, not formulas,
            # and unchanged, so the filled-in sheet imports as it was written.
            append_row(sheet, [code, name, item.key, item.label, points, allowed_values(item),
                               None, None, None])
            row = sheet.max_row
            sheet.cell(row, 1).number_format = "@"  # a 12-digit code stays text
            for field in ("value", "note", "inspector"):
                sheet.cell(row, SHEET_COLUMNS.index(field) + 1).fill = _FILL_IN
            rule = _validation(item)
            if rule is not None:
                key = f"{rule.type}:{rule.formula1}:{rule.formula2}"
                validations.setdefault(key, rule).add(f"{value_letter}{row}")
    for rule in validations.values():
        sheet.add_data_validation(rule)


def unit_names(session: Session, codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, name) of each unit, in the order given; an unknown code is an error."""
    wanted = list(dict.fromkeys(codes))
    query = select(Unit.code, Unit.name).where(Unit.code.in_(wanted))
    names = dict(session.execute(query).tuples().all())
    unknown = [code for code in wanted if code not in names]
    if unknown:
        raise NotFoundError(f"单位代码“{'”“'.join(unknown)}”不在单位名录中")
    return [(code, names[code]) for code in wanted]

