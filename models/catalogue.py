"""The activity and indicator catalogues: data files users extend without code.

The shipped files live in ``wenshu/data``; a user's files of the same names in
``$WENSHU_HOME/catalogue`` add entries or replace shipped ones by key.
"""

from __future__ import annotations

from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wenshu.errors import CatalogueError, WenshuError
from wenshu.yaml_reader import parse_yaml

SHIPPED_DIR = Path(str(files("wenshu") / "data"))

# The ledger's measure columns (English field name -> Chinese header).
MEASURE_COLUMNS: dict[str, str] = {
    "sessions": "场次",
    "participants": "人次",
    "households": "户数",
    "materials": "份数",
    "amount": "金额",
}
MeasureColumn = Literal["sessions", "participants", "households", "materials", "amount"]
IndicatorUnit = Literal["count", "percent", "permille", "per_100k", "ratio_100"]
RoundingRule = Literal["half_even", "half_up", "truncate"]
Comparator = Literal["ge", "le", "eq", "range"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Measure(_Frozen):
    """One ledger column an activity type records, and how a sentence states it."""

    column: MeasureColumn
    label: str
    unit: str
    phrase: str = ""
    required: bool = False

    def render_phrase(self, value_text: str) -> str:
        """The clause for a total, e.g. ``举办培训班12期``."""
        if self.phrase:
            return self.phrase.format(value=value_text)
        return f"{self.label}{value_text}{self.unit}"


class ActivityType(_Frozen):
    """A kind of work recorded in ledgers (培训, 宣传, ...)."""

    key: str
    label: str
    label_en: str
    heading: str = ""
    aliases: tuple[str, ...] = ()
    measures: tuple[Measure, ...]

    def measure(self, column: str) -> Measure | None:
        """The measure recorded in ``column``, if this type records it."""
        return next((m for m in self.measures if m.column == column), None)


class TargetSpec(_Frozen):
    """A threshold: ≥ value, ≤ value, = value, or within [value, high]."""

    comparator: Comparator
    value: Decimal
    high: Decimal | None = None

    @model_validator(mode="after")
    def _range_has_high(self) -> TargetSpec:
        if (self.comparator == "range") != (self.high is not None):
            raise ValueError("a range target needs both ends; other comparators take one value")
        if self.high is not None and self.high < self.value:
            raise ValueError("range end is below its start")
        return self


class Source(_Frozen):
    """Where a numerator or denominator comes from: a ledger sum or a base figure."""

    activity: str | None = None
    measure: MeasureColumn | None = None
    figure: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        ledger = self.activity is not None and self.measure is not None
        if ledger == (self.figure is not None) or (self.activity is None) != (self.measure is None):
            raise ValueError("give either {activity, measure} or {figure}")
        return self


class Figure(_Frozen):
    """A base figure units report directly (应查人数, 出生人数 ...)."""

    key: str
    label: str
    unit: str = ""


class Indicator(_Frozen):
    """An indicator: numerator (/ denominator) scaled to a unit, rounded per rule."""

    key: str
    label: str
    label_en: str = ""
    numerator: Source
    denominator: Source | None = None
    unit: IndicatorUnit
    count_unit: str = ""
    decimals: int = Field(ge=0, le=6)
    rounding: RoundingRule = "half_even"
    target: TargetSpec | None = None
    rollup: Literal["sum", "own"] = "sum"
    # Whether the value builds up month by month (judged in-year against the share of the
    # year's target due, 序时进度); unset, ledger-fed numerators do and base figures do not.
    accumulates: bool | None = None

    @property
    def accumulating(self) -> bool:
        """Judged by 序时进度 within the year: it grows as the year's ledgers come in."""
        return self.numerator.activity is not None if self.accumulates is None else self.accumulates

    @model_validator(mode="after")
    def _ratio_has_denominator(self) -> Indicator:
        if (self.unit == "count") != (self.denominator is None):
            raise ValueError("count indicators take no denominator; ratio units need one")
        return self


class Catalogue(_Frozen):
    """Activity types, base figures and indicators, keyed for lookup."""

    activities: dict[str, ActivityType]
    figures: dict[str, Figure]
    indicators: dict[str, Indicator]

    def activity(self, key_or_label: str) -> ActivityType | None:
        """Find a type by key, Chinese label or alias."""
        text = key_or_label.strip()
        if text in self.activities:
            return self.activities[text]
        for kind in self.activities.values():
            if text == kind.label or text in kind.aliases or text.lower() == kind.label_en.lower():
                return kind
        return None

    def figure(self, key_or_label: str) -> Figure | None:
        """Find a base figure by key or Chinese label."""
        text = key_or_label.strip()
        return self.figures.get(text) or next(
            (f for f in self.figures.values() if f.label == text), None
        )

    def indicator(self, key_or_label: str) -> Indicator | None:
        """Find an indicator by key or Chinese label."""
        text = key_or_label.strip()
        return self.indicators.get(text) or next(
            (i for i in self.indicators.values() if i.label == text), None
        )


def read_yaml_mapping(path: Path, error: type[WenshuError] = CatalogueError) -> dict[str, Any]:
    """A data file's top-level mapping; ``error`` names the file when it is not one."""
    try:
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping at the top level")
    return data


def _merge(path: Path, entries: list, model: type[BaseModel], into: dict) -> None:
    for index, raw in enumerate(entries or [], start=1):
        try:
            item = model.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise CatalogueError(f"{path}: entry {index} ({where}): {first['msg']}") from exc
        into[item.key] = item  # type: ignore[attr-defined]


def load_catalogue(user_dir: Path | None = None) -> Catalogue:
    """Load the shipped catalogues, then the user's extensions from ``user_dir``."""
    activities: dict[str, ActivityType] = {}
    figures: dict[str, Figure] = {}
    indicators: dict[str, Indicator] = {}
    for directory in (SHIPPED_DIR, user_dir):
        if directory is None:
            continue
        act_path, ind_path = directory / "activities.yaml", directory / "indicators.yaml"
        if act_path.exists():
            _merge(act_path, read_yaml_mapping(act_path).get("types", []), ActivityType, activities)
        if ind_path.exists():
            data = read_yaml_mapping(ind_path)
            _merge(ind_path, data.get("figures", []), Figure, figures)
            _merge(ind_path, data.get("indicators", []), Indicator, indicators)
    catalogue = Catalogue(activities=activities, figures=figures, indicators=indicators)
    _check_references(catalogue)
    return catalogue


def _check_references(catalogue: Catalogue) -> None:
    for ind in catalogue.indicators.values():
        for source in (ind.numerator, ind.denominator):
            if source is None:
                continue
            if source.figure is not None and source.figure not in catalogue.figures:
                raise CatalogueError(f"indicator {ind.key}: unknown figure {source.figure!r}")
            if source.activity is not None:
                kind = catalogue.activities.get(source.activity)
                if kind is None:
                    raise CatalogueError(f"indicator {ind.key}: unknown activity {source.activity!r}")
                if kind.measure(source.measure or "") is None:
                    raise CatalogueError(
                        f"indicator {ind.key}: activity {kind.key} does not record {source.measure}"
                    )
