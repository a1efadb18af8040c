"""Checklists (自查/检查评分标准) and a unit's answers to one, as data files.

A checklist has sections of scored items. An item is one of four kinds:

- ``indicator``: a catalogue indicator, judged against the item's ``threshold`` or,
  without one, the unit's own target (signed, else the catalogue default);
- ``activity``: the total of one ledger measure of an activity type, against a
  ``threshold`` (≥4 trainings a year);
- ``archive``: documents the unit must have in the archive for the year (this year's
  work plan, the half-year summary …), each by kind and period, filed or merely drafted;
- ``observed``: recorded by whoever inspects (the unit itself in a self-inspection, the
  inspectors on site otherwise): ``yes_no`` (is the requirement in place), ``count``
  (how many, against a ``threshold``), ``number`` (a figure such as a rate in %, against
  a ``threshold``), ``score`` (the inspector awards 0 to the item's points) or ``text``
  (a description, not scored). Every answer may carry a note.

Every scored item carries ``points``; optional ``bands`` give part of them to a figure
short of its threshold by at most ``within`` (基本符合); for an archive item the shortfall
is the number of documents missing. A ``veto`` item not met caps the grade (一票否决):
at the grade its ``veto_cap`` names, or, without one, no grade at all. ``grades`` name
the totals the checklist's ratings need. The same format serves a unit's own
self-inspection and a supervisor's inspection.

Thresholds may be written as mappings (``{comparator: ge, value: 4}``) or as text:
``≥4``, ``≤12``, ``=100``, ``103～107``, in the unit of the indicator or measure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from wenshu.errors import ChecklistError
from wenshu.models.catalogue import Catalogue, MeasureColumn, Source, TargetSpec
from wenshu.models.records import COMPARATORS

SHIPPED_CHECKLIST_DIR = Path(str(files("wenshu") / "data" / "checklists"))
DEFAULT_CHECKLIST = "family_planning"

AnswerType = Literal["yes_no", "count", "number", "score", "text"]
Wording = Literal["conformity", "completion"]
PeriodPattern = Literal["year", "H1", "H2", "Q1", "Q2", "Q3", "Q4", "any"]

# The archived document kinds an archive item may ask for: what the document is called
# after its period (2025年度 + 工作总结), and the periods such a document is made for.
# A requirement no document can meet (a half-year summary "for the year") is refused.
ARCHIVE_KINDS: dict[str, tuple[str, tuple[PeriodPattern, ...]]] = {
    "year_summary": ("工作总结", ("year",)),
    "half_year_summary": ("工作总结", ("H1", "H2")),
    "work_plan": ("工作计划", ("year", "Q1", "Q2", "Q3", "Q4", "any")),
    "campaign_plan": ("活动实施方案", ("year", "any")),
    "self_inspection": ("自查报告", ("year",)),
    "inspection_report": ("检查报告", ("year", "H1", "H2", "Q1", "Q2", "Q3", "Q4", "any")),
}
_PERIOD_WORDS: dict[str, str] = {
    "year": "年度", "H1": "年上半年", "H2": "年下半年", "Q1": "年第一季度", "Q2": "年第二季度",
    "Q3": "年第三季度", "Q4": "年第四季度", "any": "年",
}

_KEY = r"^[a-z][a-z0-9_]*$"
_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_THRESHOLD = re.compile(rf"^(?P<op>[^\d+-]*?)\s*(?P<low>{_NUMBER})"
                        rf"(?:\s*(?:-|–|—|~|至)\s*(?P<high>{_NUMBER}))?$")
_DECIMAL = re.compile(r"^\d+(?:\.\d+)?$")
_YES = frozenset({"是", "有", "已落实", "已完成", "符合", "yes", "y", "true", "√", "✓", "✔"})
_NO = frozenset({"否", "无", "没有", "未落实", "未完成", "不符合", "no", "n", "false", "×", "✗",
                 "✘", "x"})
SCORE_DECIMALS = 2  # an inspector's points: 2.5 or 1.25, never finer


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def parse_threshold(raw: object) -> object:
    """``≥4``, ``<=12``, ``=100``, ``103～107`` as a TargetSpec's fields; other input as given."""
    if not isinstance(raw, str):
        return raw
    text = unicodedata.normalize("NFKC", raw).strip()
    match = _THRESHOLD.match(text)
    if match is None:
        raise ValueError(f"threshold {raw!r} is not like ≥4, ≤12, =100 or 103～107")
    op, low, high = match.group("op").strip(), match.group("low"), match.group("high")
    if high is not None:
        if op and COMPARATORS.get(op.lower()) != "range":
            raise ValueError(f"threshold {raw!r}: a range takes no comparator")
        return {"comparator": "range", "value": low, "high": high}
    comparator = COMPARATORS.get(op.lower())
    if comparator is None or comparator == "range":
        raise ValueError(f"threshold {raw!r} needs ≥, ≤ or = before its number")
    return {"comparator": comparator, "value": low}


def plain_number(value: Decimal) -> str:
    """A Decimal as an office writes it: 5, 2.5, 92.80 (its own decimals, no exponent)."""
    return format(value, "f")


def threshold_text(threshold: TargetSpec, unit: str = "") -> str:
    """A threshold in symbols with its unit: ≥5块, ≤5‰, 103～107."""
    # Thresholds are written as the office writes them: ≥95, not ≥95.00.
    low = plain_number(threshold.value.normalize())
    if threshold.comparator == "range":
        assert threshold.high is not None
        return f"{low}～{plain_number(threshold.high.normalize())}{unit}"
    sign = {"ge": "≥", "le": "≤", "eq": "="}[threshold.comparator]
    return f"{sign}{low}{unit}"


class Band(_Frozen):
    """Part of an item's points for a figure short of its threshold by at most ``within``."""

    within: Decimal = Field(gt=0)
    points: Decimal = Field(ge=0)


class Grade(_Frozen):
    """A rating the checklist awards from a total (模范社区 from 90 points)."""

    label: str = Field(min_length=1)
    min_points: Decimal = Field(ge=0)


class _Item(_Frozen):
    key: str = Field(pattern=_KEY)
    # Printed in the document: an indicator's or thing's name for measured items
    # (孕环情检查受检率, 计生教育影碟), the requirement itself for yes/no items.
    label: str = Field(min_length=1)
    points: Decimal = Field(ge=0)
    bands: tuple[Band, ...] = ()
    veto: bool = False
    # The highest grade a unit failing this veto item can still get; None: no grade.
    veto_cap: str | None = None
    # The rectification action printed when the item is not met; a generic one otherwise.
    remedy: str = ""
    # Days from the inspection (or report) date to rectify; None: the checklist's default.
    rectify_days: int | None = Field(default=None, gt=0, le=366)
    wording: Wording | None = None  # 符合/不符合 or 已完成/未完成; None: the kind's default

    @field_validator("threshold", mode="before", check_fields=False)
    @classmethod
    def _threshold_text(cls, raw: object) -> object:
        return parse_threshold(raw)

    @field_validator("bands")
    @classmethod
    def _bands_widen(cls, bands: tuple[Band, ...]) -> tuple[Band, ...]:
        for before, after in zip(bands, bands[1:]):
            if after.within <= before.within or after.points > before.points:
                raise ValueError("bands run from the narrowest shortfall to the widest, "
                                 "with points that never rise")
        return bands

    @model_validator(mode="after")
    def _bands_below_full(self) -> _Item:
        if self.bands and self.bands[0].points >= self.points:
            raise ValueError(f"a band must give fewer points than the item's {self.points}")
        if self.veto_cap is not None and not self.veto:
            raise ValueError("veto_cap is for veto items (veto: true)")
        return self


class IndicatorItem(_Item):
    """A catalogue indicator against the item's threshold or the unit's target."""

    kind: Literal["indicator"]
    indicator: str
    threshold: TargetSpec | None = None


class ActivityItem(_Item):
    """The year's total of an activity type's measure against a threshold."""

    kind: Literal["activity"]
    activity: str
    measure: MeasureColumn
    threshold: TargetSpec


class ArchiveRequirement(_Frozen):
    """One document the unit must have archived: its kind, period, and whether filed (归档)."""

    kind: str
    period: PeriodPattern = "year"
    # True: a filed version (归档, with its 档号) is needed; False: a generated draft will do.
    filed: bool = True
    label: str = ""  # what it is called after its period; the kind's name by default

    @model_validator(mode="after")
    def _known_kind(self) -> ArchiveRequirement:
        entry = ARCHIVE_KINDS.get(self.kind)
        if entry is None:
            raise ValueError(f"unknown document kind {self.kind!r} (kinds: "
                             f"{', '.join(ARCHIVE_KINDS)})")
        if self.period not in entry[1]:
            raise ValueError(f"a {self.kind} is made for period {' or '.join(entry[1])}, "
                             f"not {self.period}")
        return self

    def name(self, year: int) -> str:
        """The document as a sentence names it: 2025年度工作计划, 2025年上半年工作总结."""
        return f"{year}{_PERIOD_WORDS[self.period]}{self.label or ARCHIVE_KINDS[self.kind][0]}"

    def matches(self, period_code: str, year: int) -> bool:
        """Whether an archived document's period code is the one asked for in ``year``."""
        if self.period == "year":
            return period_code == str(year)
        if self.period == "any":
            return period_code == str(year) or (period_code.startswith(str(year))
                                                and period_code[4:5] in ("H", "Q", "-"))
        return period_code == f"{year}{self.period}"

    def describe(self) -> str:
        """For ``checklists check``: work_plan {year} (filed)."""
        period = {"year": "{year}", "any": "any period of {year}"}.get(
            self.period, "{year}" + self.period)
        return f"{self.kind} {period} ({'filed' if self.filed else 'draft or filed'})"


class ArchiveItem(_Item):
    """Documents the unit must hold in the archive for the year; met when all are there."""

    kind: Literal["archive"]
    documents: tuple[ArchiveRequirement, ...] = Field(min_length=1)

    @property
    def threshold(self) -> TargetSpec:
        """Every document asked for: the count the unit's holdings are judged against."""
        return TargetSpec(comparator="ge", value=Decimal(len(self.documents)))


class ObservedItem(_Item):
    """Recorded by whoever inspects: yes/no, a count or number against a threshold,
    a score of 0 to the item's points, or text."""

    kind: Literal["observed"]
    answer: AnswerType
    unit: str = ""  # what a count or number is in: 盘, 块, 种, %, ‰, 元
    threshold: TargetSpec | None = None

    @model_validator(mode="after")
    def _fits_answer(self) -> ObservedItem:
        measured = self.answer in ("count", "number")
        if measured != (self.threshold is not None):
            raise ValueError("a count item needs a threshold, and so does a number item; "
                             "yes/no, score and text items take none")
        if not measured and self.bands:
            raise ValueError("only items with a threshold have bands")
        if self.answer == "text" and (self.points or self.veto):
            raise ValueError("a text item describes and is not scored: points 0, no veto")
        if self.answer == "score" and not self.points:
            raise ValueError("a score item needs the points the inspector can award")
        return self


ChecklistItem = Annotated[IndicatorItem | ActivityItem | ArchiveItem | ObservedItem,
                          Field(discriminator="kind")]
AnyItem = IndicatorItem | ActivityItem | ArchiveItem | ObservedItem


class Section(_Frozen):
    """A part of the checklist (基本条件, 硬件要求 …) and its items."""

    key: str = Field(pattern=_KEY)
    title: str = Field(min_length=1)
    items: tuple[ChecklistItem, ...] = Field(min_length=1)

    @property
    def max_points(self) -> Decimal:
        """The points the section's items can earn."""
        return sum((item.points for item in self.items), Decimal(0))


class Checklist(_Frozen):
    """A complete checklist: what it is, what it rests on, its grades and sections."""

    key: str = Field(pattern=_KEY)
    title: str = Field(min_length=1)  # 人口和计划生育工作考核评分标准
    subject: str = Field(min_length=1)  # the work inspected: 人口和计划生育工作
    basis: str = ""  # the requirement it applies: 区人口计生局年度考核部署
    grades: tuple[Grade, ...] = ()
    # Days to rectify an item not met, unless the item says; None: by item kind
    # (wenshu.compute.checklist.RECTIFY_DAYS).
    rectify_days: int | None = Field(default=None, gt=0, le=366)
    sections: tuple[Section, ...] = Field(min_length=1)

    @property
    def items(self) -> list[AnyItem]:
        """Every item, in checklist order."""
        return [item for section in self.sections for item in section.items]

    @property
    def max_points(self) -> Decimal:
        """The checklist's full marks."""
        return sum((section.max_points for section in self.sections), Decimal(0))

    def item(self, key: str) -> AnyItem | None:
        """The item with ``key``, if any."""
        return next((item for item in self.items if item.key == key), None)

    @property
    def observed(self) -> list[ObservedItem]:
        """The items whoever inspects records (a self-inspecting unit, or the inspectors)."""
        return [item for item in self.items if isinstance(item, ObservedItem)]

    @model_validator(mode="after")
    def _consistent(self) -> Checklist:
        for keys, what in (([s.key for s in self.sections], "section"),
                           ([i.key for i in self.items], "item")):
            repeated = sorted({k for k in keys if keys.count(k) > 1})
            if repeated:
                raise ValueError(f"{what} key(s) used twice: {', '.join(repeated)}")
        bars = [grade.min_points for grade in self.grades]
        if bars != sorted(bars, reverse=True) or len(set(bars)) != len(bars):
            raise ValueError("grades run from the highest bar to the lowest")
        if bars and bars[0] > self.max_points:
            raise ValueError(f"grade {self.grades[0].label} needs {bars[0]} points; "
                             f"the checklist gives at most {self.max_points}")
        labels = [grade.label for grade in self.grades]
        for item in self.items:
            if item.veto_cap is not None and item.veto_cap not in labels:
                raise ValueError(f"item {item.key}: veto_cap {item.veto_cap!r} is not one of the "
                                 f"grades ({', '.join(labels) or 'none'})")
        return self


def _where(loc: tuple[int | str, ...], raw: Any) -> str:
    """A validation error's place as a reader finds it: section 2, item 3 (key), field."""
    parts, node = [], raw
    rest = list(loc)
    while len(rest) >= 2 and rest[0] in ("sections", "items", "documents") \
            and isinstance(rest[1], int):
        name, index = rest[0], rest[1]
        rest = rest[2:]
        try:
            node = node[name][index]
        except (KeyError, IndexError, TypeError):
            node = None
        key = node.get("key") if isinstance(node, dict) and name != "documents" else None
        label = {"sections": "section", "items": "item", "documents": "document"}[name]
        parts.append(f"{label} {index + 1}" + (f" ({key})" if key else ""))
        # A discriminated union puts the item kind in the path; it says nothing to a reader.
        if name == "items" and rest and rest[0] in ("indicator", "activity", "archive",
                                                    "observed"):
            rest = rest[1:]
    if rest:
        parts.append(".".join(map(str, rest)))
    return ", ".join(parts) or "top level"


def _read_yaml(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ChecklistError(f"{path}: cannot read the {what} ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ChecklistError(f"{path}: the {what} is not UTF-8 text") from exc
    return yaml_data(str(path), text)


def yaml_data(source: str, text: str) -> Any:
    """A checklist's or answers file's YAML text as plain data; ``source`` names it."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ChecklistError(f"{source}: not valid YAML: {exc}") from exc


def parse_checklist(data: Any, source: str) -> Checklist:
    """Validate a checklist's plain data; every problem is named with its item."""
    if not isinstance(data, dict):
        raise ChecklistError(f"{source}: a checklist is a mapping with key, title, subject "
                             "and sections")
    try:
        return Checklist.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # A list whose every entry failed is also reported as too short: noise.
        deeper = [error["loc"] for error in errors if error["type"] != "too_short"]
        lines = [f"{_where(error['loc'], data)}: {error['msg'].removeprefix('Value error, ')}"
                 for error in errors
                 if error["type"] != "too_short"
                 or not any(loc[:len(error["loc"])] == error["loc"] for loc in deeper)]
        raise ChecklistError(f"{source}: " + "; ".join(lines)) from exc


def load_checklist(path: Path) -> Checklist:
    """Read and validate a checklist file (YAML)."""
    return parse_checklist(_read_yaml(path, "checklist"), str(path))


def resolve_checklist(name_or_path: str | None) -> Path:
    """A checklist file: a path, the name of a shipped checklist, or None for the default."""
    if name_or_path is None:
        name_or_path = DEFAULT_CHECKLIST
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = SHIPPED_CHECKLIST_DIR / f"{name_or_path}.yaml"
    if re.match(_KEY, name_or_path) and shipped.is_file():
        return shipped
    names = sorted(p.stem for p in SHIPPED_CHECKLIST_DIR.glob("*.yaml"))
    raise ChecklistError(f"找不到检查标准“{name_or_path}”：既不是文件，也不是内置的检查标准"
                         f"（内置：{'、'.join(names) or '无'}）")


def check_catalogue(checklist: Checklist, catalogue: Catalogue, source: str) -> None:
    """Every indicator, activity type and measure the checklist names is in the catalogue."""
    problems = []
    for item in checklist.items:
        where = f"item {item.key} ({item.label})"
        if isinstance(item, IndicatorItem) and item.indicator not in catalogue.indicators:
            problems.append(f"{where}: unknown indicator {item.indicator!r}")
        if isinstance(item, ActivityItem):
            kind = catalogue.activities.get(item.activity)
            if kind is None:
                problems.append(f"{where}: unknown activity type {item.activity!r}")
            elif kind.measure(item.measure) is None:
                problems.append(f"{where}: activity type {item.activity} does not record "
                                f"{item.measure}")
    if problems:
        raise ChecklistError(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class ItemSource:
    """Where one item's figure comes from, for ``wenshu checklists check``."""

    section: str
    key: str
    label: str
    kind: str
    points: Decimal
    reads: str  # indicator X = …, ledger measure Y, archive kinds Z, inspector observation
    standard: str  # ≥95%, all 2 documents, 0–4 points, "" for yes/no and text
    veto: str  # "" | "veto: no grade" | "veto: at most 合格"


def _source_text(source: Source, catalogue: Catalogue) -> str:
    if source.figure is not None:
        figure = catalogue.figures.get(source.figure)
        return f"figure {source.figure}" + (f" ({figure.label})" if figure else "")
    kind = catalogue.activities.get(source.activity or "")
    measure = kind.measure(source.measure or "") if kind else None
    return f"ledger {source.activity}.{source.measure}" + (f" ({measure.label})" if measure else "")


def item_sources(checklist: Checklist, catalogue: Catalogue) -> list[ItemSource]:
    """What every item reads from, in checklist order (call after :func:`check_catalogue`)."""
    unit_symbols = {"percent": "%", "permille": "‰", "per_100k": "/10万"}
    rows = []
    for section in checklist.sections:
        for item in section.items:
            standard = ""
            if isinstance(item, IndicatorItem):
                indicator = catalogue.indicators[item.indicator]
                reads = f"indicator {indicator.key} ({indicator.label}) = " + _source_text(
                    indicator.numerator, catalogue)
                if indicator.denominator is not None:
                    reads += " / " + _source_text(indicator.denominator, catalogue)
                unit = unit_symbols.get(indicator.unit, indicator.count_unit)
                if item.threshold is not None:
                    standard = threshold_text(item.threshold, unit)
                else:
                    default = (f", else the catalogue's {threshold_text(indicator.target, unit)}"
                               if indicator.target is not None else "")
                    standard = f"the unit's signed target{default}"
            elif isinstance(item, ActivityItem):
                measure = catalogue.activities[item.activity].measure(item.measure)
                assert measure is not None
                reads = (f"ledger measure {item.activity}.{item.measure} ({measure.label}), "
                         "the year's total")
                standard = threshold_text(item.threshold, measure.unit)
            elif isinstance(item, ArchiveItem):
                reads = "archive: " + "; ".join(d.describe() for d in item.documents)
                standard = f"all {len(item.documents)} document(s)"
            else:
                what = {"yes_no": "yes/no", "count": f"a count in {item.unit or 'items'}",
                        "number": f"a figure in {item.unit or 'its unit'}",
                        "score": f"0–{plain_number(item.points)} points",
                        "text": "text, not scored"}[item.answer]
                reads = f"inspector observation: {what}"
                if item.threshold is not None:
                    standard = threshold_text(item.threshold, item.unit)
            veto = ""
            if item.veto:
                veto = f"veto: at most {item.veto_cap}" if item.veto_cap else "veto: no grade"
            rows.append(ItemSource(section.title, item.key, item.label, item.kind, item.points,
                                   reads, standard, veto))
    return rows


class AnswerError(ValueError):
    """An answer that does not fit its item: a stable code and the reason in two languages.

    ``str()`` is the English text used in checklist and answers-file errors; ``zh`` is
    the reason shown to clerks and inspectors in an import's row errors.
    """

    def __init__(self, code: str, message: str, zh: str):
        super().__init__(message)
        self.code = code
        self.zh = zh


@dataclass(frozen=True)
class Answer:
    """An answer to an observed item, with an optional note as evidence.

    ``value`` is a bool (yes/no), an int (count), a Decimal (number, score) or text.
    """

    value: bool | int | Decimal | str
    note: str = ""


def _shown(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _decimal(raw: object, unit: str) -> Decimal | None:
    """A non-negative number from a cell or YAML: 95, 95.5, "95.5%", "3元"; None if not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw) if raw >= 0 else None
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")) or raw < 0:
            return None
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw if raw >= 0 else None
    if not isinstance(raw, str):
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    unit_text = unicodedata.normalize("NFKC", unit).strip()
    if unit_text and text.endswith(unit_text):
        text = text.removesuffix(unit_text).strip()
    if not _DECIMAL.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_answer(item: ObservedItem, raw: object) -> bool | int | Decimal | str:
    """The typed answer to ``item``, or :class:`AnswerError` saying what the item expects."""
    if item.answer == "yes_no":
        if isinstance(raw, bool):
            return raw
        text = unicodedata.normalize("NFKC", raw).strip().lower() if isinstance(raw, str) else None
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise AnswerError("bad_yes_no", f"expected 是 or 否, got {raw!r}",
                          f"应填“是”或“否”，不能填“{_shown(raw)}”")
    if item.answer == "count":
        number = _decimal(raw, item.unit)
        if number is not None and number == number.to_integral_value():
            return int(number)
        raise AnswerError("bad_count",
                          f"expected a whole number ≥ 0 (in {item.unit or 'items'}), got {raw!r}",
                          f"应填不小于0的整数{f'（单位：{item.unit}）' if item.unit else ''}，"
                          f"不能填“{_shown(raw)}”")
    if item.answer == "number":
        number = _decimal(raw, item.unit)
        if number is not None:
            return number
        raise AnswerError("bad_number",
                          f"expected a number ≥ 0 (in {item.unit or 'its unit'}), got {raw!r}",
                          f"应填不小于0的数字{f'（单位：{item.unit}）' if item.unit else ''}，"
                          f"不能填“{_shown(raw)}”")
    if item.answer == "score":
        number = _decimal(raw, "分")
        top = plain_number(item.points)
        if number is None or number > item.points:
            raise AnswerError("bad_score", f"expected points from 0 to {top}, got {raw!r}",
                              f"应填0至{top}之间的得分，不能填“{_shown(raw)}”")
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > SCORE_DECIMALS:
            raise AnswerError("bad_score",
                              f"points have at most {SCORE_DECIMALS} decimals, got {raw!r}",
                              f"得分最多保留{SCORE_DECIMALS}位小数，不能填“{_shown(raw)}”")
        return number
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        return _shown(raw)
    raise AnswerError("bad_text", f"expected text, got {raw!r}", "应填写文字说明")


def answer_text(value: bool | int | Decimal | str) -> str:
    """An answer as stored and shown: 是 / 否, 5, 92.5, the text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return plain_number(value)
    return str(value)


def parse_answers(data: Any, checklist: Checklist, source: str, *, unit_code: str | None = None,
                  year: int | None = None) -> dict[str, Answer]:
    """Validate a unit's answers against the checklist: all problems at once, each named.

    ``data`` is ``{answers: {item_key: value | {value, note}}}`` with optional ``checklist``,
    ``unit`` and ``year`` that must match what the answers are used for.
    """
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise ChecklistError(f"{source}: expected a mapping with 'answers:' (item key: answer)")
    problems = []
    unknown_top = sorted(set(map(str, data)) - {"checklist", "unit", "year", "answers"})
    if unknown_top:
        problems.append(f"unknown field(s) {', '.join(unknown_top)} (use checklist, unit, year, "
                        "answers)")
    for field, expected in (("checklist", checklist.key), ("unit", unit_code), ("year", year)):
        given = data.get(field)
        if given is not None and expected is not None and str(given) != str(expected):
            problems.append(f"answers are for {field} {given}, not {expected}")
    answers: dict[str, Answer] = {}
    for key, raw in data["answers"].items():
        item = checklist.item(str(key))
        if item is None:
            problems.append(f"unknown item key {key!r} (not in checklist {checklist.key})")
            continue
        where = f"item {item.key} ({item.label})"
        if not isinstance(item, ObservedItem):
            source_of = ("the archive" if isinstance(item, ArchiveItem)
                         else "the ledgers and base figures")
            problems.append(f"{where}: computed from {source_of}, not answered")
            continue
        note = ""
        if isinstance(raw, dict):
            extra = sorted(set(map(str, raw)) - {"value", "note"})
            if extra or "value" not in raw:
                problems.append(f"{where}: an answer with a remark is {{value: …, note: …}}")
                continue
            note = "" if raw.get("note") is None else str(raw["note"]).strip()
            raw = raw["value"]
        try:
            answers[item.key] = Answer(parse_answer(item, raw), note)
        except AnswerError as exc:
            problems.append(f"{where}: {exc}")
    given = {str(key) for key in data["answers"]}
    missing = [item for item in checklist.observed if item.key not in given]
    if missing:
        problems.append("no answer for " + "; ".join(f"item {i.key} ({i.label})" for i in missing))
    if problems:
        raise ChecklistError(f"{source}: " + "; ".join(problems))
    return answers


def load_answers(path: Path, checklist: Checklist, *, unit_code: str | None = None,
                 year: int | None = None) -> dict[str, Answer]:
    """Read and validate a unit's answers file (YAML) against the checklist."""
    return parse_answers(_read_yaml(path, "answers file"), checklist, str(path),
                         unit_code=unit_code, year=year)


def answers_as_plain(answers: Mapping[str, Answer]) -> dict[str, dict[str, Any]]:
    """Answers as plain data, for a document's options (hashed into its inputs).

    Numbers and scores travel as their text (JSON has no decimals); scoring reads them back.
    """
    return {key: {"value": plain_number(a.value) if isinstance(a.value, Decimal) else a.value,
                  "note": a.note}
            for key, a in sorted(answers.items())}


def answers_from_plain(data: Mapping[str, Mapping[str, Any]]) -> dict[str, Answer]:
    """Answers back from :func:`answers_as_plain`."""
    return {key: Answer(entry["value"], entry.get("note", "")) for key, entry in data.items()}
