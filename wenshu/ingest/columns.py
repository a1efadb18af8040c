"""The columns importers read and the headers clerks write for them.

Headers match as clerks write them: Chinese or English, any case, with the spaces Excel
users put inside two-character headers (日　期), and with a unit in brackets after them
(金额（元）). A 序号/编号 column is the sheet's own numbering and is left out.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from wenshu.errors import RowError

# Columns that number the rows of a sheet: never data, whatever they hold.
IGNORED_HEADERS: tuple[str, ...] = ("序号", "编号", "No.", "No")
_SPACES = re.compile(r"\s+")
_UNIT_SUFFIX = re.compile(r"[（(][^（）()]*[)）]$")  # 金额（元）, 人次(人)


@dataclass(frozen=True)
class Column:
    """A field an importer reads, and the headers clerks write for it."""

    field: str
    label: str  # the Chinese header named in messages
    aliases: tuple[str, ...] = ()  # other accepted headers; English ones match case-insensitively
    required: bool = False
    # A required column a file may leave out when the import supplies its value: the unit
    # (--unit, or the clerk's own) or the year (the sheet's name or title, or --year).
    default: Literal["unit", "year"] | None = None
    summable: bool = False  # a totals row (合计/小计) of this column is checked against the rows
    # Another field this column is read as when the file has no column for it (单位名称 for
    # 单位代码); beside that column, it is read as itself, to check the two agree.
    stands_for: str | None = None
    # The units its figures may be written in (人, 元, 万元 …): a header naming another one
    # in brackets (经费（千元）) is refused, as its figures would be read in the wrong unit.
    units: tuple[str, ...] = ()
    # Those worth more than the column's own unit, with how many of it each holds (万元:
    # 10000): a bare figure under a header naming one is read in it and converted.
    scales: tuple[tuple[str, int], ...] = ()

    @property
    def base_unit(self) -> str:
        """The unit the column's figures are kept in (元 of 元, 万元)."""
        scaled = dict(self.scales)
        return next((unit for unit in self.units if unit not in scaled), "")

    def scale(self, header: str) -> int:
        """How many of the base unit a bare figure under ``header`` stands for: 10000
        under 经费（万元）, else 1."""
        return dict(self.scales).get(header_unit(header), 1)


def header_key(text: str) -> str:
    """How a header is compared: case and spaces do not count."""
    return _SPACES.sub("", text).casefold()


@dataclass(frozen=True)
class HeaderLookup:
    """The headers an importer knows, for recognising a header row and naming its columns."""

    columns: tuple[Column, ...]

    @cached_property
    def _names(self) -> dict[str, Column]:
        return {header_key(name): column for column in self.columns
                for name in (column.label, column.field, *column.aliases)}

    def column(self, header: str) -> Column | None:
        """The column a header names: as written, or without a unit in brackets."""
        key = header_key(header)
        return self._names.get(key) or self._names.get(_UNIT_SUFFIX.sub("", key))

    def likely(self, header: str) -> Column | None:
        """The one column an unknown header most likely means, for a message to suggest
        (never to read the column as: that stays the clerk's call). A known name inside
        the header or the header inside one (活动主题名称, 走访户), else names spelt
        alike (到会人数 like 参加人数); None when that points to no column or to two."""
        key = _UNIT_SUFFIX.sub("", header_key(header))
        if len(key) < 2:
            return None
        inside = {column.field: column for name, column in self._names.items()
                  if len(name) >= 2 and not name.isascii() and (name in key or key in name)}
        if not inside:
            alike = difflib.get_close_matches(key, list(self._names), n=5, cutoff=0.6)
            inside = {self._names[name].field: self._names[name] for name in alike}
        return next(iter(inside.values())) if len(inside) == 1 else None


def ignored_header(header: str) -> bool:
    """Whether a header is the sheet's own row numbering (序号), never data."""
    return header_key(header) in _IGNORED


_IGNORED = frozenset(header_key(h) for h in IGNORED_HEADERS)


def map_headers(file: str, headers: list[str], columns: list[Column], *, row: int = 1,
                sheet: str = "", supplied: frozenset[str] = frozenset()
                ) -> tuple[dict[str, str], list[RowError]]:
    """Match headers to fields: ``{field: header as written}`` and the header problems found.

    A missing required column (unless its field is ``supplied`` by the import), an unknown
    column (a typo would drop its data) and two headers for the same field are errors, all
    reported on the header's ``row`` of ``sheet``.
    """
    lookup = HeaderLookup(tuple(columns))
    mapping: dict[str, str] = {}
    errors: list[RowError] = []
    for header in headers:
        column = lookup.column(header)
        if column is None:
            errors.append(RowError(file, row, header, header, "unknown_column",
                                   _unknown(header, lookup, columns), sheet))
        elif _foreign_unit(header, column):
            errors.append(RowError(file, row, header, header, "header_unit",
                                   _foreign_unit_message(header, column), sheet))
            supplied |= {column.field}  # there, in a unit the message says how to fix
        elif column.field in mapping:
            errors.append(RowError(file, row, header, header, "duplicate_column",
                                   f"列“{header}”与列“{mapping[column.field]}”是同一项，只能保留一列",
                                   sheet))
        else:
            mapping[column.field] = header
    for column in columns:
        if column.stands_for and column.field in mapping and column.stands_for not in mapping:
            mapping[column.stands_for] = mapping.pop(column.field)
    for column in columns:
        if column.required and column.field not in mapping and column.field not in supplied:
            errors.append(RowError(file, row, column.label, "", "missing_column",
                                   f"缺少必需的列“{column.label}”{_how_to_supply(column)}", sheet))
    return mapping, errors


def header_unit(header: str) -> str:
    """The unit a header names in brackets at its end: 万元 for 经费（万元）; "" if none."""
    found = _UNIT_SUFFIX.search(header_key(header))
    return found.group(0)[1:-1] if found else ""


def _foreign_unit(header: str, column: Column) -> bool:
    """Whether the header counts the column's figures in a unit it is not kept in."""
    unit = header_unit(header)
    return bool(column.units and unit and unit not in column.units)


def _foreign_unit_message(header: str, column: Column) -> str:
    units = "”“".join(column.units)
    # One unit to convert to when the column keeps one (元 of 元, 万元); a figures file's
    # 数值 holds each figure in its own (人, 户).
    base = column.base_unit if column.scales or len(column.units) == 1 else ""
    into, named = ((base, f"“{column.label}”或“{column.label}（{base}）”") if base
                   else (f"按“{units}”计的数", f"“{column.label}”"))
    return (f"列“{header}”按“{header_unit(header)}”计，而{column.label}按“{units}”填写："
            f"请把数字换算为{into}，并把列名改为{named}")


def _unknown(header: str, lookup: HeaderLookup, columns: list[Column]) -> str:
    """无法识别的列“…”, with the column it most likely means, and every column's name."""
    likely = lookup.likely(header)
    hint = f"（是否指“{likely.label}”？如是，请把列名改为“{likely.label}”）" if likely else ""
    return f"无法识别的列“{header}”{hint}；可用的列：{'、'.join(c.label for c in columns)}"


def _how_to_supply(column: Column) -> str:
    if column.default == "unit":
        return "（或导入时指定单位）"
    if column.default == "year":
        return "（或在工作表名、标题中写明年份，或导入时指定年份）"
    return ""

