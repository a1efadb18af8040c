"""Row models for imported files: ledger rows, units, base figures and targets.

Each model validates one row's raw cells (as :func:`wenshu.ingest.readers.read_table`
returns them: str, int, float, datetime or None) into typed values. A failed check raises
a pydantic error whose type is our stable error code and whose message is the Chinese
text shown to the clerk; :func:`validate_row` turns them into :class:`RowError` s.
Checks that need the database (known units, the catalogue, today's date) read a
:class:`RowContext` passed as the pydantic validation context.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from wenshu.errors import RowError
from wenshu.models.catalogue import (
    MEASURE_COLUMNS,
    ActivityType,
    Catalogue,
    Comparator,
    TargetSpec,
)
from wenshu.models.ledger_columns import column_writing
from wenshu.models.row_context import RowContext, check_unit_name, context_of, known_unit
from wenshu.models.values import (
    cell_text,
    fail,
    parse_count,
    parse_date,
    parse_decimal,
    parse_scaled,
    parse_unit_code,
    parse_year,
    required_text,
    shown,
)

LEVELS: dict[str, str] = {
    "district": "district", "区": "district",
    "street": "street", "街道": "street", "乡镇": "street",
    "community": "community", "社区": "community", "村": "community",
    "department": "department", "部门": "department",
}
COMPARATORS: dict[str, Comparator] = {
    "≥": "ge", ">=": "ge", "ge": "ge", "不低于": "ge",
    "≤": "le", "<=": "le", "le": "le", "不高于": "le",
    "=": "eq", "==": "eq", "eq": "eq",
    "range": "range", "区间": "range",
}
COMPARATOR_LABELS: dict[str, str] = {"ge": "不低于", "le": "不高于", "eq": "等于", "range": "区间"}
# Symbols a target may carry after its number, by indicator unit ("95%" for a percent rate).
UNIT_SYMBOLS: dict[str, str] = {"percent": "%", "permille": "‰"}

_RANGE = re.compile(r"^(.+?)\s*(?:-|–|—|~|至)\s*(.+)$")


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_UNIT_WORDS = column_writing().units  # 人, 份, 元 … a figure may carry, by field
_SCALES = column_writing().scales  # 万元 … worth more than the column's own unit


class _KnownUnitRow(_Row):
    """A row about one known unit, by code or by name (单位名称 stands for 单位代码 in a
    file without one, see ``Column.stands_for``)."""

    unit_code: str
    # Checked against unit_code when the file has both columns; not stored.
    unit_name: str | None = Field(default=None, exclude=True)

    @field_validator("unit_code", mode="before")
    @classmethod
    def _unit(cls, raw: object, info: ValidationInfo) -> str:
        return known_unit(raw, info)

    @field_validator("unit_name", mode="before")
    @classmethod
    def _unit_name(cls, raw: object, info: ValidationInfo) -> str | None:
        name, code = cell_text(raw), info.data.get("unit_code")
        if name is not None and code is not None:
            check_unit_name(name, code, context_of(info))
        return name


class LedgerRow(_KnownUnitRow):
    """One ledger row (台账记录), validated."""

    date: dt.date
    activity_type: str  # the catalogue key
    title: str
    sessions: int | None
    participants: int | None
    households: int | None
    materials: int | None
    amount: Decimal | None
    notes: str | None

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, raw: object, info: ValidationInfo) -> dt.date:
        context = context_of(info)
        return parse_date(raw, context.today, context.year)

    @field_validator("activity_type", mode="before")
    @classmethod
    def _activity_type(cls, raw: object, info: ValidationInfo) -> str:
        text = required_text(raw, "活动类型")
        catalogue = context_of(info).catalogue
        kind = catalogue.activity(text) if catalogue else None
        if kind is None:
            known = "、".join(closest_first(text, catalogue)) if catalogue else ""
            fail("unknown_activity_type",
                  f"活动类型“{text}”不在活动目录中；可填的活动类型（最接近的在前）：{known}")
        return kind.key

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, raw: object) -> str:
        return required_text(raw, "主题", max_length=200)

    @field_validator("sessions", "participants", "households", "materials", mode="before")
    @classmethod
    def _count(cls, raw: object, info: ValidationInfo) -> int | None:
        column = info.field_name or ""
        return parse_count(raw, MEASURE_COLUMNS[column], _UNIT_WORDS.get(column, ()))

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, raw: object, info: ValidationInfo) -> Decimal | None:
        return parse_scaled(raw, MEASURE_COLUMNS["amount"], places=2, max_digits=14,
                            units=_UNIT_WORDS.get("amount", ()),
                            scales=_SCALES.get("amount", {}),
                            bare=context_of(info).scales.get("amount", 1))

    @field_validator("sessions", "participants", "households", "materials", "amount")
    @classmethod
    def _required_measure(cls, value: object, info: ValidationInfo) -> object:
        # Field order puts activity_type first, so info.data holds it when it was valid.
        catalogue = context_of(info).catalogue
        key = info.data.get("activity_type")
        if value is None and catalogue is not None and key is not None:
            kind = catalogue.activities[key]
            measure = kind.measure(info.field_name or "")
            if measure is not None and measure.required:
                fail("required", f"{kind.label}活动必须填写{MEASURE_COLUMNS[measure.column]}（{measure.label}）")
        return value

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, raw: object) -> str | None:
        return cell_text(raw)

    def content_hash(self) -> str:
        """SHA-256 of the row's content: the same activity gets the same hash in any file."""
        amount = "" if self.amount is None else format(self.amount.quantize(Decimal("0.01")), "f")
        parts = [self.unit_code, self.date.isoformat(), self.activity_type, self.title,
                 *("" if v is None else str(v)
                   for v in (self.sessions, self.participants, self.households, self.materials)),
                 amount, self.notes or ""]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def closest_first(text: str, catalogue: Catalogue) -> list[str]:
    """The catalogue's activity types by label, the one most like ``text`` first (by any of
    its names; catalogue order among equals)."""
    def likeness(kind: ActivityType) -> float:
        return max(difflib.SequenceMatcher(None, text.lower(), name.lower()).ratio()
                   for _strength, name in kind.names)

    return [kind.label for kind in sorted(catalogue.activities.values(), key=lambda k: -likeness(k))]


class UnitRow(_Row):
    """One unit (机构) row; parents and cycles are checked across the whole file."""

    code: str
    name: str
    level: str
    parent_code: str | None
    organ: str | None = None  # 署名, optional

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, raw: object) -> str:
        return parse_unit_code(raw)

    @field_validator("organ", mode="before")
    @classmethod
    def _organ(cls, raw: object) -> str | None:
        return None if cell_text(raw) is None else required_text(raw, "署名", max_length=100)

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, raw: object) -> str:
        return required_text(raw, "单位名称", max_length=100)

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, raw: object) -> str:
        text = required_text(raw, "层级")
        level = LEVELS.get(text.lower())
        if level is None:
            fail("unknown_level", f"层级“{text}”无法识别，应为区、街道、乡镇、社区、村或部门")
        return level

    @field_validator("parent_code", mode="before")
    @classmethod
    def _parent(cls, raw: object) -> str | None:
        # A parent code is a unit code too: a bad one is reported as such, not as unknown.
        return None if cell_text(raw) is None else parse_unit_code(raw)


class _UnitYearRow(_KnownUnitRow):
    """A row about one known unit in one year."""

    year: int

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, raw: object) -> int:
        return parse_year(raw)


class FigureRow(_UnitYearRow):
    """One base figure (基础数据) a unit reports for a year."""

    key: str  # the catalogue figure key
    value: Decimal

    @field_validator("key", mode="before")
    @classmethod
    def _key(cls, raw: object, info: ValidationInfo) -> str:
        text = required_text(raw, "指标")
        catalogue = context_of(info).catalogue
        figure = catalogue.figure(text) if catalogue else None
        if figure is None:
            fail("unknown_figure", f"指标“{text}”不在基础数据目录中")
        return figure.key

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, raw: object) -> Decimal:
        value = parse_decimal(raw, "数值", places=4, max_digits=20)
        if value is None:
            fail("required", "数值不能为空")
        return value


class TargetRow(_UnitYearRow):
    """One target (目标值) a unit signed for a year."""

    indicator: str  # the catalogue indicator key
    comparator: Comparator | None  # as written; None when the target value implies it
    target: TargetSpec

    @field_validator("indicator", mode="before")
    @classmethod
    def _indicator(cls, raw: object, info: ValidationInfo) -> str:
        text = required_text(raw, "指标")
        catalogue = context_of(info).catalogue
        indicator = catalogue.indicator(text) if catalogue else None
        if indicator is None:
            fail("unknown_indicator", f"指标“{text}”不在指标目录中")
        return indicator.key

    @field_validator("comparator", mode="before")
    @classmethod
    def _comparator(cls, raw: object) -> Comparator | None:
        text = cell_text(raw)
        if text is None:
            return None
        comparator = COMPARATORS.get(unicodedata.normalize("NFKC", text).lower())
        if comparator is None:
            fail("unknown_comparator", f"比较方式“{text}”无法识别，应为 ≥（不低于）、≤（不高于）、= 或 区间")
        return comparator

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, raw: object, info: ValidationInfo) -> TargetSpec:
        if raw is None:
            fail("required", "目标值不能为空")
        catalogue = context_of(info).catalogue
        key = info.data.get("indicator")
        symbol = UNIT_SYMBOLS.get(catalogue.indicators[key].unit, "") if catalogue and key else ""
        low, high = _target_numbers(raw, symbol)
        if "comparator" not in info.data:
            # The comparator cell is already reported; a spec is needed only to finish validating.
            return TargetSpec(comparator="eq" if high is None else "range", value=low, high=high)
        comparator = info.data["comparator"]
        if comparator is None:
            if high is None:
                fail("required", f"目标值“{shown(raw)}”不是区间，须在“比较”列写明 ≥、≤ 或 =")
            comparator = "range"
        elif (comparator == "range") != (high is not None):
            fail("comparator_conflict", f"比较方式为“{COMPARATOR_LABELS[comparator]}”，"
                                         f"与目标值“{shown(raw)}”不符")
        try:
            return TargetSpec(comparator=comparator, value=low, high=high)
        except ValidationError:
            fail("bad_target", f"目标值“{shown(raw)}”的区间下限大于上限")


def _target_numbers(raw: object, symbol: str) -> tuple[Decimal, Decimal | None]:
    """A target value: one number or a range ``103-107`` (also –, ~, ～, 至)."""
    def one(part: object) -> Decimal:
        if isinstance(part, str) and symbol:
            part = unicodedata.normalize("NFKC", part).strip().removesuffix(symbol)
        value = parse_decimal(part, "目标值", places=4, max_digits=20)
        if value is None:
            fail("required", "目标值不能为空")
        return value

    if isinstance(raw, str):
        match = _RANGE.match(unicodedata.normalize("NFKC", raw).strip())
        if match:
            return one(match.group(1)), one(match.group(2))
    return one(raw), None


Row = TypeVar("Row", bound=_Row)


def validate_row(model: type[Row], raw: dict[str, Any], context: RowContext, *,
                 file: str, row: int, headers: dict[str, str],
                 sheet: str = "") -> tuple[Row | None, list[RowError]]:
    """Validate one row: the model, or every problem found as RowErrors.

    ``headers`` maps field names to the headers as written in the file, so each error
    names the column the clerk sees; ``sheet`` is the workbook sheet the row is on.
    """
    try:
        return model.model_validate(raw, context={"row_context": context}), []
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            field = str(error["loc"][0]) if error["loc"] else ""
            errors.append(RowError(file, row, headers.get(field, field), shown(raw.get(field)),
                                   error["type"], error["msg"], sheet))
        return None, errors
