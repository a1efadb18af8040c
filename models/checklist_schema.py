"""Checklists (自查/检查评分标准) as data: the schema of a checklist file and its validation.

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
``levels`` names the units a checklist is for (community, street …): a unit of
another level is refused, and a checklist without levels never prints a grade
named after another level (模范社区 in a street's report).

Reading, resolving and checking files is :mod:`wenshu.models.checklist`; a unit's
answers are :mod:`wenshu.models.answers`.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wenshu.errors import ChecklistError
from wenshu.models.catalogue import MeasureColumn, TargetSpec
from wenshu.models.records import COMPARATORS, LEVELS

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


def levels_named(text: str) -> set[str]:
    """The unit levels ``text`` names by their Chinese words (模范社区 → community,
    先进街道 → street, 优秀 → none); longer words first, so 社区 is not read as 区."""
    named = set()
    for word in sorted((w for w in LEVELS if not w.isascii()), key=len, reverse=True):
        if word in text:
            named.add(LEVELS[word])
            text = text.replace(word, "")
    return named


def level_word(level: str) -> str:
    """A level as a clerk reads it: 区, 街道, 社区, 部门."""
    return next((word for word, known in LEVELS.items() if known == level and not word.isascii()),
                level)


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
    # The item's shortfall as a report states it (统计报表未按时报送) when a positively
    # worded label (按时报送统计报表) cannot simply be printed as the problem.
    shortfall: str = ""
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
    # The levels of unit it is for (community, street …; 社区, 街道 are read too);
    # empty: any level.
    levels: tuple[str, ...] = ()
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

    @field_validator("levels", mode="before")
    @classmethod
    def _known_levels(cls, raw: object) -> object:
        if not isinstance(raw, (list, tuple, str)):
            return raw
        levels = []
        for given in [raw] if isinstance(raw, str) else raw:
            level = LEVELS.get(str(given).strip().lower())
            if level is None:
                raise ValueError(f"unknown level {given!r} (levels: district, street, "
                                 "community, department)")
            levels.append(level)
        return tuple(dict.fromkeys(levels))

    def fits(self, level: str) -> bool:
        """Whether a unit of ``level`` may be inspected against the checklist."""
        return not self.levels or level in self.levels

    def grades_fit(self, level: str) -> bool:
        """Whether the grades may be printed for a unit of ``level``: none is named after
        another level (a street is never 模范社区, whatever its points)."""
        return all(levels_named(grade.label) <= {level} for grade in self.grades)

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


def read_yaml(path: Path, what: str) -> Any:
    """A checklist's or answers file's content as plain data; ``what`` names it in errors."""
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
