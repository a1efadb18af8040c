"""The columns importers read and the headers clerks write for them.

Headers match as clerks write them: Chinese or English, any case, with the spaces Excel
users put inside two-character headers (日　期), and with a unit in brackets after them
(金额（元）). A 序号/编号 column is the sheet's own numbering and is left out.
"""

from __future__ import annotations

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
            known = "、".join(c.label for c in columns)
            errors.append(RowError(file, row, header, header, "unknown_column",
                                   f"无法识别的列“{header}”；可用的列：{known}", sheet))
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


def _how_to_supply(column: Column) -> str:
    if column.default == "unit":
        return "（或导入时指定单位）"
    if column.default == "year":
        return "（或在工作表名、标题中写明年份，或导入时指定年份）"
    return ""

