"""Build the sample ledgers in ``tests/samples/ledgers/``: 工作台账 laid out as offices keep them.

    .venv/bin/python tests/samples/make_ledgers.py

Each file is one shape wenshu reads (title rows, 序号, 小计/合计, one sheet per month,
dates without a year, no 单位代码 column, hidden rows); ``08_综合示例.xlsx`` has them all;
``09_常用列名与填表说明.xlsx`` heads its columns and writes its figures in an office's own words;
``10_合并单元格.xlsx`` merges its header over two rows and a day's date over its rows.
The .xlsx files are written the way Excel and WPS save them: totals rows are SUM formulas
*with* their cached results (openpyxl cannot write those, so the sheet XML is patched),
dates are date cells unless written as text. The output is byte-for-byte the same on every
run (fixed timestamps), so a rebuilt file has the digest of the committed one.
The units are the test district's (tests/conftest.py SMALL_TREE).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

FOLDER = Path(__file__).parent / "ledgers"
SAVED = datetime(2025, 4, 2, 17, 30)  # every file's "last saved", so rebuilds are identical
MEASURES = ("场次", "人次", "户数", "份数", "金额")
HEADER = ("日期", "活动类型", "主题", *MEASURES, "备注")
EAST_LAKE, EAST_HILL, WEST_LAKE, WEST_HILL = ("440307001001", "440307001002", "440307002001",
                                              "440307002002")
# The unit each sample without a 单位代码 column is imported for (--unit).
UNIT_OF = {"06_无单位代码列.xlsx": EAST_HILL, "08_综合示例.xlsx": WEST_LAKE}

Cell = str | int | float | datetime | None


def day(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d")


# Cached results to patch in: sheet title -> {cell: value}.
Cached = dict[str, dict[str, int | float]]


def save_xlsx(book: Workbook, path: Path, cached: Cached | None = None) -> None:
    """Save ``book`` with fixed timestamps, its formula cells carrying ``cached`` results."""
    book.properties.creator = book.properties.last_modified_by = "台账管理员"
    book.properties.created = book.properties.modified = SAVED
    raw = io.BytesIO()
    # openpyxl's save() stamps the current time; its writer with our own archive does not.
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    parts = {f"xl/worksheets/sheet{index}.xml": (cached or {}).get(sheet.title, {})
             for index, sheet in enumerate(book.worksheets, start=1)}
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if parts.get(info.filename):
                data = cache_results(data.decode("utf-8"), parts[info.filename]).encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=SAVED.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)
    path.write_bytes(out.getvalue())


def cache_results(xml: str, values: dict[str, int | float]) -> str:
    """Put each formula cell's result in its ``<v>``, as Excel does when it saves."""
    for ref, value in values.items():
        pattern = re.compile(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)<v\s*/>|'
                             rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)<v></v>')
        xml, count = pattern.subn(lambda m: f"{m.group(1) or m.group(3)}{m.group(2) or m.group(4)}"
                                            f"<v>{value}</v>", xml)
        if count != 1:
            raise ValueError(f"no formula cell {ref} to cache")
    return xml


def write_csv(path: Path, rows: Sequence[Sequence[Cell]], encoding: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        ["" if cell is None else cell for cell in row] for row in rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def title_rows(sheet: Worksheet, title: str, unit: str, width: int) -> None:
    """The title merged across the table, and the 填报单位 / 填报日期 line under it."""
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    half = width // 2
    sheet.append([f"填报单位：{unit}", *([None] * (half - 1)), "填报日期：2025年4月2日"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
    sheet.merge_cells(start_row=2, start_column=half + 1, end_row=2, end_column=width)


def header_row(sheet: Worksheet, header: Sequence[str]) -> None:
    sheet.append(list(header))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def dated(sheet: Worksheet) -> None:
    """Date cells shown as Chinese offices format them."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = 'yyyy"年"m"月"d"日"'


# The samples ---------------------------------------------------------------------------


def title_and_filing_line(path: Path) -> None:
    """A title row merged across the columns and a 填报单位/填报日期 line above the header."""
    book = Workbook()
    sheet = book.active
    sheet.title = "工作台账"
    header = ("单位代码", *HEADER)
    title_rows(sheet, "2025年东湖社区工作台账", "东湖社区", len(header))
    header_row(sheet, header)
    for row in [
        (day("2025-01-10"), "会议", "2025年计生工作部署会", 1, 25, None, None, None, None),
        (day("2025-01-16"), "宣传", "春节返乡人员计生政策宣传", 1, 120, None, 300, None, "社区广场"),
        (day("2025-02-20"), "培训", "育龄妇女健康知识培训", 1, 42, None, None, None, None),
        (day("2025-03-05"), "入户走访", "流动人口入户随访", None, None, 18, None, None, None),
        (day("2025-03-26"), "慰问帮扶", "计生困难家庭慰问", None, None, 6, None, 1800, None),
    ]:
        sheet.append([EAST_LAKE, *row])
    dated(sheet)
    save_xlsx(book, path)


def numbered_gb18030(path: Path) -> None:
    """A 序号 column, numbered further than the rows filled in, saved by Chinese Excel (GB18030)."""
    rows: list[list[Cell]] = [["序号", "单位代码", *HEADER]]
    for number, row in enumerate([
        ("2025/4/3", "讲座", "孕期保健知识讲座", 1, 56, None, None, None, None),
        ("2025/4/18", "检查", "春季孕环情检查", 2, 210, None, None, None, None),
        ("2025/5/9", "志愿服务", "母亲节关爱志愿服务", 1, 30, None, None, None, None),
        ("2025/5/22", "证件办理", "生育服务证集中办理", None, None, None, 14, None, None),
    ], start=1):
        rows.append([number, EAST_LAKE, *row])
    rows += [[number] + [None] * (len(HEADER) + 1) for number in (5, 6, 7)]
    write_csv(path, rows, "gb18030")


def subtotals_and_total(path: Path) -> None:
    """小计 rows after each month and a 合计 row, as SUM formulas with their cached results."""
    book = Workbook()
    sheet = book.active
    sheet.title = "2025年台账"
    header_row(sheet, ("序号", "单位代码", *HEADER))
    january = [("2025-01-08", "培训", "新婚夫妇优生优育培训", 1, 35, None, None),
               ("2025-01-15", "宣传", "“关爱女孩”主题宣传", 1, 80, None, 200),
               ("2025-01-24", "会议", "一月计生工作例会", 1, 20, None, None)]
    february = [("2025-02-12", "讲座", "青春期健康讲座", 1, 40, None, None),
                ("2025-02-26", "入户走访", "独生子女家庭走访", None, None, 12, None)]
    number = 0
    for block, label in ((january, "1月小计"), (february, "2月小计")):
        first = sheet.max_row + 1
        for date, kind, title, *counts in block:
            number += 1
            sheet.append([number, EAST_HILL, day(date), kind, title, *counts, None, None])
        last = sheet.max_row
        sheet.append([label, None, None, None, None,
                      *(f"=SUM({col}{first}:{col}{last})" for col in "FGHIJ"), None])
    sheet.append(["合计", None, None, None, None, *(f"={col}5+{col}8" for col in "FGHIJ"), None])
    dated(sheet)
    cached = {"F5": 3, "G5": 135, "H5": 0, "I5": 200, "J5": 0,
              "F8": 1, "G8": 40, "H8": 12, "I8": 0, "J8": 0,
              "F9": 4, "G9": 175, "H9": 12, "I9": 200, "J9": 0}
    save_xlsx(book, path, {sheet.title: cached})


def sheet_per_month(path: Path) -> None:
    """One sheet per month, each with its own header."""
    book = Workbook()
    months = {
        "2025年1月": [("2025-01-09", "会议", "年度计生工作会", 1, 30, None, None),
                     ("2025-01-21", "慰问帮扶", "春节慰问计生特殊家庭", None, None, 8, None)],
        "2025年2月": [("2025-02-13", "宣传", "元宵节婚育新风宣传", 1, 150, None, 400),
                     ("2025-02-27", "培训", "计生专干业务培训", 1, 12, None, None)],
        "2025年3月": [("2025-03-08", "志愿服务", "三八节志愿服务", 1, 25, None, None)],
    }
    book.remove(book.active)
    for title, rows in months.items():
        sheet = book.create_sheet(title)
        header_row(sheet, ("单位代码", *HEADER))
        for date, kind, name, *counts in rows:
            sheet.append([WEST_LAKE, day(date), kind, name, *counts, None, None])
        dated(sheet)
    save_xlsx(book, path)


def dates_without_year(path: Path) -> None:
    """Dates written 1月8日, 2-14, 3/7, 03.21 under a title that gives the year (UTF-8 with BOM)."""
    write_csv(path, [
        ["2025年西山社区第一季度工作台账"],
        ["单位代码", *HEADER],
        [WEST_HILL, "1月8日", "会议", "第一季度工作部署会", 1, 18, None, None, None, None],
        [WEST_HILL, "2-14", "宣传", "情人节婚育新风宣传", 1, 60, None, 150, None, None],
        [WEST_HILL, "3/7", "讲座", "妇女节健康讲座", 1, 45, None, None, None, None],
        [WEST_HILL, "03.21", "入户走访", "流动育龄妇女随访", None, None, 9, None, None, None],
    ], "utf-8-sig")


def without_unit_column(path: Path) -> None:
    """No 单位代码 column: one unit's own file, imported with --unit (or the clerk's unit)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    header_row(sheet, HEADER)
    for date, kind, title, *counts in [
        ("2025-04-10", "培训", "母婴保健知识培训", 1, 38, None, None, None),
        ("2025-04-24", "检查", "二季度孕情检查", 1, 96, None, None, None),
        ("2025-05-15", "资金", "计生协会会费收缴", None, None, None, None, 2600.5),
    ]:
        sheet.append([day(date), kind, title, *counts, None])
    dated(sheet)
    save_xlsx(book, path)


def hidden_rows(path: Path) -> None:
    """Rows hidden by a filter and a hidden 备注 column: read like the others."""
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    header_row(sheet, ("单位代码", *HEADER))
    for date, kind, title, *counts in [
        ("2025-06-03", "会议", "六月工作例会", 1, 16, None, None),
        ("2025-06-11", "宣传", "端午节政策宣传", 1, 90, None, 250),
        ("2025-06-18", "培训", "优生优育知识培训", 1, 33, None, None),
        ("2025-06-25", "入户走访", "计生特殊家庭走访", None, None, 7, None),
        ("2025-06-30", "讲座", "更年期保健讲座", 1, 28, None, None),
    ]:
        sheet.append([EAST_LAKE, day(date), kind, title, *counts, None, "已核"])
    for row in (3, 4):
        sheet.row_dimensions[row].hidden = True
    sheet.column_dimensions["J"].hidden = True
    dated(sheet)
    save_xlsx(book, path)


def everything(path: Path) -> None:
    """The whole office layout: per-month sheets with a title and 填报 line, 序号, dates without
    a year (the title has it), a 合计 row with cached SUMs, a hidden row, no 单位代码 column."""
    book = Workbook()
    book.remove(book.active)
    months = {
        "1月": [("1月6日", "会议", "新年计生工作部署", 1, 22, None, None),
               ("1月20日", "慰问帮扶", "春节走访慰问", None, None, 10, None)],
        "2月": [("2月10日", "宣传", "婚育新风进万家宣传", 1, 130, None, 350),
               ("2月18日", "培训", "网格员计生业务培训", 1, 15, None, None),
               ("2月25日", "检查", "孕环情集中检查", 1, 88, None, None)],
        "3月": [("3月7日", "讲座", "三八节妇女健康讲座", 1, 64, None, None),
               ("3月19日", "志愿服务", "学雷锋志愿服务", 1, 26, None, None)],
    }
    cached: Cached = {}
    for month, rows in months.items():
        sheet = book.create_sheet(month)
        header = ("序号", *HEADER)
        title_rows(sheet, f"2025年西湖社区工作台账（{month}）", "西湖社区", len(header))
        header_row(sheet, header)
        for number, (date, kind, title, *counts) in enumerate(rows, start=1):
            sheet.append([number, date, kind, title, *counts, None, None])
        last = sheet.max_row
        sheet.append(["合计", None, None, None, *(f"=SUM({c}4:{c}{last})" for c in "EFGHI"), None])
        totals = [sum(row[3 + i] or 0 for row in rows) for i in range(4)] + [0]  # no 金额
        cached[month] = {f"{c}{last + 1}": total for c, total in zip("EFGHI", totals)}
    book["2月"].row_dimensions[5].hidden = True
    save_xlsx(book, path, cached)


def own_words(path: Path) -> None:
    """Headers and figures in an office's own words (活动内容, 参加人数（人）, 发放份数,
    经费（元）; 50人, 300份, 800元) and a 填表说明 sheet of instructions left out."""
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    header_row(sheet, ("序号", "单位代码", "活动日期", "类别", "活动内容", "期数",
                       "参加人数（人）", "走访户数", "发放份数", "经费（元）", "说明"))
    for number, (date, kind, title, *counts) in enumerate([
        ("2025-07-02", "培训", "流动人口计生服务培训", "1期", "42人", None, None, "800元"),
        ("2025-07-15", "宣传", "世界人口日宣传", 1, "150人", None, "300份", None),
        ("2025-07-22", "入户走访", "新婚家庭上门服务", None, 11, "9户", None, None),
    ], start=1):
        sheet.append([number, WEST_HILL, day(date), kind, title, *counts, None])
    dated(sheet)
    notes = book.create_sheet("填表说明")
    for line in (["填表说明"], ["1.", "每项活动填一行，日期写到日"], ["2.", "人数、份数可带单位"]):
        notes.append(line)
    save_xlsx(book, path)


def merged_cells(path: Path) -> None:
    """A two-row header (参与情况 over 场次 and 人次, the others merged over both rows) and
    one 日期 and 活动类型 merged down over the rows of the same day."""
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    header_row(sheet, ("单位代码", "日期", "活动类型", "主题", "参与情况", None, "备注"))
    header_row(sheet, (None, None, None, None, "场次", "人次", None))
    for unit, date, kind, title, sessions, people in [
        (EAST_HILL, "2025-08-05", "培训", "婴幼儿照护培训（上午）", 1, 26),
        (EAST_HILL, None, None, "婴幼儿照护培训（下午）", 1, 21),
        (EAST_HILL, "2025-08-19", "讲座", "青春期健康讲座", 1, 48),
    ]:
        sheet.append([unit, day(date) if date else None, kind, title, sessions, people, None])
    for cells in ("A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:F1", "G1:G2", "B3:B4", "C3:C4"):
        sheet.merge_cells(cells)
    dated(sheet)
    save_xlsx(book, path)


SAMPLES = {
    "01_标题行与填报单位.xlsx": title_and_filing_line,
    "02_序号列_GB18030.csv": numbered_gb18030,
    "03_小计合计.xlsx": subtotals_and_total,
    "04_按月分表.xlsx": sheet_per_month,
    "05_不带年份的日期_UTF8-BOM.csv": dates_without_year,
    "06_无单位代码列.xlsx": without_unit_column,
    "07_隐藏行.xlsx": hidden_rows,
    "08_综合示例.xlsx": everything,
    "09_常用列名与填表说明.xlsx": own_words,
    "10_合并单元格.xlsx": merged_cells,
}


def main() -> None:
    """Write every sample into :data:`FOLDER`."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, write in SAMPLES.items():
        write(FOLDER / name)
        print(FOLDER / name)


if __name__ == "__main__":
    main()
