"""What row checks need beyond the row: the stored units (by code and by name), the units
a file may be about, the catalogue, today and the sheet's year; and the unit cell every row
model reads through it, by code or by the unit's name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import ValidationInfo

from wenshu.codes import is_unit_code
from wenshu.models.catalogue import Catalogue
from wenshu.models.values import cell_text, fail, parse_unit_code


@dataclass(frozen=True)
class RowContext:
    """What row checks need to know beyond the row itself."""

    catalogue: Catalogue | None = None
    units: frozenset[str] = frozenset()  # unit codes in the database
    # Their names, each with the codes it names: offices often write a unit by its name.
    unit_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Rows must be about these units (an inbox's unit, or a user's units, and their subtree).
    allowed_units: frozenset[str] | None = None
    inbox_unit: str = ""  # how that unit is named in messages
    today: dt.date | None = None
    year: int | None = None  # the year of dates written without one (the sheet's, or --year)
    # Per field, what a bare figure stands for in the column's own unit: 10000 under a
    # header naming 万元 (经费（万元）), the sheet's.
    scales: Mapping[str, int] = field(default_factory=dict)


def context_of(info: ValidationInfo) -> RowContext:
    """The row context a model is validated with."""
    context = (info.context or {}).get("row_context")
    if not isinstance(context, RowContext):
        raise TypeError("row models are validated with context={'row_context': RowContext(...)}")
    return context


def known_unit(raw: object, info: ValidationInfo) -> str:
    """A stored unit's code, within the allowed subtree when the context has one; the cell
    may hold the unit's code or its name as the register has it (榕岸社区)."""
    context = context_of(info)
    # The usual cell: a known, well-formed code (a malformed one stored long ago still
    # names folders, so it is refused even though it is known).
    if isinstance(raw, str) and raw in context.units and is_unit_code(raw):
        code = raw
    else:
        code = _unit_cell(raw, context)
    if context.allowed_units is not None and code not in context.allowed_units:
        fail("unit_mismatch", f"单位代码“{code}”不属于{context.inbox_unit}及其下级单位")
    return code


def _unit_cell(raw: object, context: RowContext) -> str:
    """The code a unit cell names: a stored unit's code, or the code of the one unit it
    names among those allowed; refused with the reason otherwise."""
    text = cell_text(raw)
    if text is None:
        fail("required", "单位不能为空：请填写单位代码或单位名称")
    if text in context.unit_names and text not in context.units:
        return _named_unit(text, context)
    if not text.isascii():  # a name, as codes are ASCII
        fail("unknown_unit", f"单位“{text}”不在单位名录中（请填写单位代码，或名录中的单位名称）")
    code = parse_unit_code(raw)
    if code not in context.units:
        fail("unknown_unit", f"单位代码“{code}”不在单位名录中")
    return code


def _named_unit(name: str, context: RowContext) -> str:
    """The code of the one unit called ``name`` among those the row may be about."""
    codes = context.unit_names[name]
    allowed = [c for c in codes if context.allowed_units is None or c in context.allowed_units]
    if not allowed:
        fail("unit_mismatch",
             f"单位“{name}”（{'、'.join(codes)}）不属于{context.inbox_unit}及其下级单位")
    if len(allowed) > 1:
        fail("ambiguous_unit",
             f"单位名称“{name}”对应多个单位（{'、'.join(allowed)}），请改填单位代码")
    return parse_unit_code(allowed[0])  # a malformed code stored long ago is refused


def check_unit_name(name: str, code: str, context: RowContext) -> None:
    """Refuse a row whose 单位名称 is not the register's name for its 单位代码."""
    if code not in context.unit_names.get(name, ()):
        known = next((n for n, codes in context.unit_names.items() if code in codes), "")
        fail("unit_name_mismatch", f"单位名称“{name}”与单位代码“{code}”不符"
                                   f"（单位名录中 {code} 是“{known}”）")


__all__ = ["RowContext", "check_unit_name", "context_of", "known_unit"]
