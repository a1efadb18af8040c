"""The activity and indicator catalogues: data files users extend without code.

The shipped files live in ``wenshu/data``; a user's files of the same names in
``$WENSHU_HOME/catalogue`` add entries or replace shipped ones by key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wenshu.errors import CatalogueError, WenshuError
from wenshu.models.pydantic_words import pydantic_message
from wenshu.yaml_reader import parse_yaml, yaml_fault

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

# What a catalogue (or another data file read as a mapping) gets wrong, worded for the
# office admin who edits it; keyed by English name.
_PROBLEMS: dict[str, str] = {
    "not_yaml": "{source}：不是有效的 YAML：{reason}",
    "not_mapping": "{source}：文件的最外层应为字段表（名称: 内容）",
    "not_utf8": "{source}：不是 UTF-8 编码的文本（请以 UTF-8 另存）",
    "cannot_read": "{source}：无法读取（{reason}）",
    "entry": "{source}：{section} 第{index}项{entry_key}{field}：{message}",
    "unknown_figure": "{source}：指标 {indicator} 的 {field}：未知基础数据 {figure!r}",
    "unknown_activity": "{source}：指标 {indicator} 的 {field}：未知活动类型 {activity!r}",
    "no_measure": "{source}：指标 {indicator} 的 {field}：活动类型 {activity} 不记录 {measure!r}",
    "shared_name": "{source}：活动类型 {first} 与 {second} 都以“{name}”为名称（或同为标题、"
                   "同为别名），台账中的“{name}”无法确定是哪一类：请只保留在其中一类",
    # The schema's own checks
    "range_ends": "区间（range）须写明两端（value 和 high）；≥、≤、= 只写一个 value",
    "range_order": "区间的上限 high 不能小于下限 value",
    "source_kind": "应写 activity 和 measure（取自台账），或只写 figure（取自基础数据）",
    "denominator": "count（计数）指标不设 denominator；百分率等比率指标须有 denominator",
}


def catalogue_problem(key: str, **values: object) -> str:
    """One problem of a catalogue file (``key`` names it, see :data:`_PROBLEMS`), in Chinese."""
    return _PROBLEMS[key].format(**values)


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

    @property
    def names(self) -> tuple[tuple[int, str], ...]:
        """What a ledger may call it, each with how strongly it is this type's (0 the key,
        1 the label or English label, 2 the heading documents give it, 3 an alias)."""
        written = ((0, self.key), (1, self.label), (1, self.label_en), (2, self.heading),
                   *((3, alias) for alias in self.aliases))
        return tuple((strength, name) for strength, name in written if name)


class TargetSpec(_Frozen):
    """A threshold: ≥ value, ≤ value, = value, or within [value, high]."""

    comparator: Comparator
    value: Decimal
    high: Decimal | None = None

    @model_validator(mode="after")
    def _range_has_high(self) -> TargetSpec:
        if (self.comparator == "range") != (self.high is not None):
            raise ValueError(catalogue_problem("range_ends"))
        if self.high is not None and self.high < self.value:
            raise ValueError(catalogue_problem("range_order"))
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
            raise ValueError(catalogue_problem("source_kind"))
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
            raise ValueError(catalogue_problem("denominator"))
        return self


class Catalogue(_Frozen):
    """Activity types, base figures and indicators, keyed for lookup."""

    activities: dict[str, ActivityType]
    figures: dict[str, Figure]
    indicators: dict[str, Indicator]

    def activity(self, key_or_label: str) -> ActivityType | None:
        """Find a type by any of its names: key, label, English label, the heading the
        documents give it (宣传教育), or an alias (no two types share one, see load)."""
        return self._activity_names.get(key_or_label.strip().lower())

    @cached_property
    def _activity_names(self) -> dict[str, ActivityType]:
        # Built once: a ledger import looks a type up for every row.
        return activity_names(self.activities.values())

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
        raise error(catalogue_problem("not_yaml", source=path, reason=yaml_fault(exc))) from exc
    except UnicodeDecodeError as exc:
        raise error(catalogue_problem("not_utf8", source=path)) from exc
    except OSError as exc:
        raise error(catalogue_problem("cannot_read", source=path,
                                      reason=exc.strerror or exc)) from exc
    if not isinstance(data, dict):
        raise error(catalogue_problem("not_mapping", source=path))
    return data


def _merge(path: Path, section: str, entries: list, model: type[BaseModel], into: dict
           ) -> list[str]:
    """Validate ``section``'s entries of ``path`` into ``into`` by key; the keys given."""
    given = []
    for index, raw in enumerate(entries or [], start=1):
        try:
            item = model.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in first["loc"])
            key = raw.get("key") if isinstance(raw, dict) else None
            raise CatalogueError(catalogue_problem(
                "entry", source=path, section=section, index=index,
                entry_key=f"（{key}）" if key else "", field=f"的 {field}" if field else "",
                message=pydantic_message(first))) from exc
        into[item.key] = item  # type: ignore[attr-defined]
        given.append(item.key)  # type: ignore[attr-defined]
    return given


def load_catalogue(user_dir: Path | None = None) -> Catalogue:
    """Load the shipped catalogues, then the user's extensions from ``user_dir``."""
    activities: dict[str, ActivityType] = {}
    figures: dict[str, Figure] = {}
    indicators: dict[str, Indicator] = {}
    origins: dict[str, Path] = {}  # the file each indicator was last given in, for errors
    kinds_from: dict[str, Path] = {}  # and each activity type
    for directory in (SHIPPED_DIR, user_dir):
        if directory is None:
            continue
        act_path, ind_path = directory / "activities.yaml", directory / "indicators.yaml"
        if act_path.exists():
            given = _merge(act_path, "types", read_yaml_mapping(act_path).get("types", []),
                           ActivityType, activities)
            kinds_from |= dict.fromkeys(given, act_path)
        if ind_path.exists():
            data = read_yaml_mapping(ind_path)
            _merge(ind_path, "figures", data.get("figures", []), Figure, figures)
            given = _merge(ind_path, "indicators", data.get("indicators", []), Indicator,
                           indicators)
            origins |= dict.fromkeys(given, ind_path)
    catalogue = Catalogue(activities=activities, figures=figures, indicators=indicators)
    activity_names(catalogue.activities.values(), kinds_from)  # refuses a name shared alike
    _check_references(catalogue, origins)
    return catalogue


def activity_names(kinds: Iterable[ActivityType], origins: Mapping[str, Path] | None = None
                   ) -> dict[str, ActivityType]:
    """Every name a ledger may give a type (lower-cased), and the type it names.

    Where two types share a name, the one it is stronger for wins: an office's own
    type labelled 义诊 over the shipped alias 义诊. Two types holding it alike are
    refused (:class:`CatalogueError`, naming the second type's file from ``origins``):
    a ledger row naming it could otherwise be counted under either.
    """
    index: dict[str, tuple[int, ActivityType]] = {}
    for kind in kinds:
        for strength, name in kind.names:
            held = index.get(name.lower())
            if held is None or strength < held[0]:
                index[name.lower()] = (strength, kind)
            elif strength == held[0] and held[1].key != kind.key:
                raise CatalogueError(catalogue_problem(
                    "shared_name", source=(origins or {}).get(kind.key, "activities.yaml"),
                    first=held[1].key, second=kind.key, name=name))
    return {name: kind for name, (_strength, kind) in index.items()}


def _check_references(catalogue: Catalogue, origins: dict[str, Path]) -> None:
    """Every indicator's figures and activities are in the catalogue; ``origins`` names the
    file that gave each indicator."""
    for ind in catalogue.indicators.values():
        for field, source in (("numerator", ind.numerator), ("denominator", ind.denominator)):
            if source is None:
                continue
            place = dict(source=origins.get(ind.key, "indicators.yaml"), indicator=ind.key,
                         field=field)
            if source.figure is not None and source.figure not in catalogue.figures:
                raise CatalogueError(catalogue_problem("unknown_figure", figure=source.figure,
                                                       **place))
            if source.activity is not None:
                kind = catalogue.activities.get(source.activity)
                if kind is None:
                    raise CatalogueError(catalogue_problem("unknown_activity",
                                                           activity=source.activity, **place))
                if kind.measure(source.measure or "") is None:
                    raise CatalogueError(catalogue_problem("no_measure", activity=kind.key,
                                                           measure=source.measure, **place))
