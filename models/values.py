"""Cell values as offices type them: text, counts, amounts, dates (with or without the
year), years and unit codes.

Each parser takes a raw cell (str, int, float, datetime or None, as the readers return
them) and returns the typed value, or raises a pydantic custom error whose type is the
stable error code and whose message is the Chinese text shown to the clerk. The row
models in :mod:`wenshu.models.records` are built from these.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import NoReturn

from pydantic_core import PydanticCustomError

from wenshu.codes import MAX_LENGTH as UNIT_CODE_MAX
from wenshu.codes import check_unit_code
from wenshu.errors import CodeError

YEAR_RANGE = (2000, 2100)
MAX_INTEGER = 2**31 - 1  # the database's INTEGER
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_DATE = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$")
_DATE_ZH = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")  # 2026 年 3 月 5 日 too
# Dates offices write without the year, which the sheet's name or title gives: 3月7日, 3-7,
# 3/7, 03.07.
_YEARLESS = (re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"),
             re.compile(r"^(\d{1,2})([-/.])(\d{1,2})$"))
# A date in Chinese numerals, as official documents date themselves: 二〇二六年三月五日.
_DATE_HAN = re.compile(r"^([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月"
                       r"([一二三四五六七八九十]{1,3})[日号]?$")
# The characters of numbers in Chinese numerals, everyday (两) and banker's (壹佰).
_HAN_NUMERAL = re.compile(r"[〇零一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点]+")
# What makes a figure an estimate (约40人, 40余人, 四十多人, 40人左右, 十几人): a ledger
# holds what was counted, so the clerk is asked for the count rather than given a guess.
_ESTIMATE = re.compile(r"^(?:大约|约|将近|接近|近|超过|逾)|余|多|几|来|左右|以上|上下")
_DATE_COMPACT = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")  # 20260305
# What clerks write after a date that says nothing more about the day: the weekday, the
# time of day, a clock time (2026-03-05 09:30, 3月5日（周四）上午).
_DAY_DETAIL = re.compile(
    r"\s*(?:[（(]?(?:星期|周|礼拜)[一二三四五六日天][)）]?|上午|下午|晚上|中午|全天"
    r"|T?\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)$")
# Between the days of a span (2026-3-5至3-6, 3月5日-6日): one activity, but on which day?
_SPAN = re.compile(r"\s*(?:至|到|~|～|—|–|-)\s*(?=\d)")
# Excel counts days from 1899-12-30 (for serials after its phantom 1900-02-29).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def fail(code: str, message: str) -> NoReturn:
    """Refuse a cell: ``code`` is the stable error code, ``message`` the clerk's text."""
    raise PydanticCustomError(code, message)


def shown(raw: object) -> str:
    """A raw cell as the clerk would recognise it in an error report."""
    if raw is None:
        return ""
    if isinstance(raw, float):
        return repr(raw).removesuffix(".0") if raw.is_integer() else repr(raw)
    if isinstance(raw, dt.datetime) and raw.time() == dt.time():
        return raw.date().isoformat()
    return str(raw)


def cell_text(raw: object) -> str | None:
    """A text cell; numeric cells (codes typed into Excel) become their digits."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    return text or None


def required_text(raw: object, label: str, max_length: int | None = None) -> str:
    """A text cell that must be filled, at most ``max_length`` characters."""
    text = cell_text(raw)
    if text is None:
        fail("required", f"{label}不能为空")
    if max_length is not None and len(text) > max_length:
        fail("too_long", f"{label}过长（{len(text)}字），最多{max_length}字")
    return text


def number_of(raw: object, label: str, units: tuple[str, ...] = ()) -> Decimal:
    """A number cell as Decimal: Excel numbers, or text like ``1,234.50`` (full-width
    allowed), followed by one of ``units`` if given (``50人``; longest first)."""
    if isinstance(raw, bool):
        fail("not_a_number", f"{label}“{shown(raw)}”不是数字")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            fail("not_a_number", f"{label}“{shown(raw)}”不是数字")
        # repr is the shortest text that round-trips: 0.1 stays 0.1, not 0.1000000000000000055…
        return Decimal(repr(raw))
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    number = _written_number(text, units)
    if number is not None:
        return number
    if (exact := _ESTIMATE.sub("", text)) != text and _written_number(exact, units) is not None:
        fail("approximate", f"{label}“{shown(raw)}”是约数，请填写实际统计的数字")
    allowed = f"（可带单位“{'”“'.join(units)}”）" if units else ""
    fail("not_a_number", f"{label}“{shown(raw)}”不是数字，请填写阿拉伯数字{allowed}")


def _written_number(text: str, units: tuple[str, ...]) -> Decimal | None:
    """``text`` as a number in Arabic or Chinese numerals, maybe followed by one of
    ``units``; None when it is not one."""
    unit = next((u for u in units if text.endswith(u)), "")
    text = text.removesuffix(unit).rstrip() if unit else text
    if _NUMBER.match(text):
        return Decimal(text.replace(",", ""))
    return han_number(text)


def han_number(text: str) -> Decimal | None:
    """A number in Chinese numerals as offices write them (两, 十二, 一百二十, 两千五,
    壹万伍仟, 一点五, 二〇二六), or None when ``text`` is not one (十十, 百)."""
    if not _HAN_NUMERAL.fullmatch(text):
        return None
    import cn2an  # ~0.2 s to import: paid only by a process that meets such a cell

    try:
        value = cn2an.cn2an(text, "normal")
    except ValueError:
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def decimals(number: Decimal) -> int:
    """How many decimal places ``number`` carries (1.50 has one)."""
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def parse_count(raw: object, label: str, units: tuple[str, ...] = ()) -> int | None:
    """A non-negative whole number (``12``, ``12.0``, ``1,200``, with ``units`` also ``12人``),
    or None for an empty cell."""
    if raw is None:
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        count = int(raw)  # the usual cell; skipping Decimal here saves ~15% of a ledger import
    else:
        number = number_of(raw, label, units)
        if number < 0:
            fail("negative", f"{label}不能为负数（“{shown(raw)}”）")
        if number != number.to_integral_value():
            fail("not_an_integer", f"{label}应为整数，“{shown(raw)}”带有小数")
        count = int(number)
    if count > MAX_INTEGER:
        fail("too_large", f"{label}“{shown(raw)}”过大")
    return count


def parse_scaled(raw: object, label: str, places: int, max_digits: int,
                 units: tuple[str, ...], scales: Mapping[str, int], bare: int = 1
                 ) -> Decimal | None:
    """An amount in its column's own unit, written in it or in a larger one: ``scales``
    holds how many of the own unit each larger word in ``units`` is worth (万元: 10000).
    A figure with its unit word is in that unit (1.5万元, 800元); a bare one counts
    ``bare`` each (the header's unit). ``places`` and ``max_digits`` hold in the own unit."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", raw).strip() if isinstance(raw, str) else ""
    word = next((u for u in units if text.endswith(u)), None)
    times = bare if word is None else scales.get(word, 1)
    extra = Decimal(times).adjusted()  # 万元 may carry 4 more decimals than 元
    number = parse_decimal(raw, label, places + extra, max_digits, units)
    return None if number is None else number * times


def parse_decimal(raw: object, label: str, places: int, max_digits: int,
                  units: tuple[str, ...] = ()) -> Decimal | None:
    """A non-negative amount with at most ``places`` decimals (followed by one of
    ``units`` if given), or None for an empty cell."""
    if raw is None:
        return None
    number = number_of(raw, label, units)
    if number < 0:
        fail("negative", f"{label}不能为负数（“{shown(raw)}”）")
    if decimals(number) > places:
        fail("too_many_decimals", f"{label}“{shown(raw)}”最多保留{places}位小数")
    if number >= Decimal(10) ** (max_digits - places):
        fail("too_large", f"{label}“{shown(raw)}”过大")
    return number


def parse_date(raw: object, today: dt.date | None, year: int | None = None) -> dt.date:
    """A date cell, or text as 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日 (spaced or in
    Chinese numerals, 二〇二六年三月五日) or 20260305, maybe followed by the weekday or the
    time (星期四, 上午, 09:30, T09:30:00); with ``year``, also text
    without a year (3月5日, 3-5, 3/5, 03.05). A span of days is refused: which day counts
    is the clerk's to say."""
    if raw is None:
        fail("required", "日期不能为空")
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
    elif isinstance(raw, int) and _DATE_COMPACT.match(str(raw)):
        day = _date_text(str(raw), year)  # 20260305 typed as a number: no serial is that large
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # openpyxl leaves dates in the Chinese built-in formats (numFmtId 31 年月日, 57, 58)
        # as serial numbers; in a date column a number can only be such a serial.
        try:
            day = _EXCEL_EPOCH + dt.timedelta(days=int(raw))
        except OverflowError:
            fail("bad_date", f"日期“{shown(raw)}”无法识别")
    else:
        day = _date_text(str(raw), year)
    if not YEAR_RANGE[0] <= day.year <= YEAR_RANGE[1]:
        fail("date_out_of_range", f"日期“{shown(raw)}”的年份不在{YEAR_RANGE[0]}—{YEAR_RANGE[1]}年之间")
    if today is not None and day > today:
        fail("future_date", f"日期“{shown(raw)}”晚于今天（{today.year}年{today.month}月{today.day}日）")
    return day


def _date_text(raw: str, year: int | None) -> dt.date:
    text = unicodedata.normalize("NFKC", raw).strip().removesuffix(".")  # 2026.3.5. too
    match = _DATE.match(text)  # the usual cell, before any other reading is tried
    if match is None:
        while (detail := _DAY_DETAIL.search(text)) and detail.start() > 0:
            text = text[:detail.start()]
        match = _DATE.match(text)
    parts = (match.group(1), match.group(3), match.group(4)) if match else None
    if parts is None and (match := _DATE_ZH.match(text) or _DATE_COMPACT.match(text)):
        parts = match.groups()
    if parts is None and (match := _DATE_HAN.match(text)):
        numbers = [han_number(group) for group in match.groups()]
        parts = None if None in numbers else tuple(str(n) for n in numbers)
    if parts is None and (first := _first_day(text, year)) is not None:
        fail("date_span", f"日期“{raw}”是一段时间，请只填开始的那天（如 {first}），"
                          "结束日期可写在备注中")
    if parts is None and (month_day := _month_day(text)) is not None:
        if year is None:
            fail("no_year", f"日期“{raw}”没有年份，工作表名和标题行中也没有年份；"
                             "请写成带年份的日期（如 2025年3月7日），或导入时指定年份")
        parts = (str(year), *month_day)
    try:
        if parts is None:
            raise ValueError(text)
        return dt.date(*(int(p) for p in parts))
    except ValueError:
        fail("bad_date", f"日期“{raw}”无法识别，请写成 2026-03-05、2026/3/5 或 2026年3月5日")


def _first_day(text: str, year: int | None) -> str | None:
    """The first day of a span of days as written (2026-3-5 of 2026-3-5至3-6), or None
    when ``text`` is not one."""
    for between in _SPAN.finditer(text):
        head = text[:between.start()]
        try:
            _date_text(head, year if year is not None else 2000)  # any year: only the shape counts
        except PydanticCustomError:
            continue
        return head
    return None


def _month_day(text: str) -> tuple[str, str] | None:
    for pattern in _YEARLESS:
        match = pattern.match(text)
        if match:
            return match.group(1), match.group(match.lastindex or 2)
    return None


def yearless_date(raw: object) -> bool:
    """Whether a cell is a date written without its year (3月7日, 3-7, 3/7, 03.07)."""
    return isinstance(raw, str) and _month_day(unicodedata.normalize("NFKC", raw).strip()) is not None


def parse_year(raw: object) -> int:
    """A year such as ``2026`` or ``2026年``."""
    if raw is None:
        fail("required", "年度不能为空")
    text = raw if not isinstance(raw, str) else unicodedata.normalize("NFKC", raw).strip().removesuffix("年")
    year = parse_count(text, "年度")
    if year is None or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        fail("year_out_of_range", f"年度“{shown(raw)}”不在{YEAR_RANGE[0]}—{YEAR_RANGE[1]}年之间")
    return year


def parse_unit_code(raw: object) -> str:
    """A unit code cell: required, then held to :func:`wenshu.codes.check_unit_code`.

    A malformed code is ``bad_unit_code``: it names folders and files, so it never gets in.
    """
    code = required_text(raw, "单位代码", max_length=UNIT_CODE_MAX)
    try:
        return check_unit_code(code)
    except CodeError as exc:
        fail("bad_unit_code", str(exc))
