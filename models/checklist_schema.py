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
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wenshu.models.catalogue import MeasureColumn, TargetSpec
from wenshu.models.checklist_words import checklist_problem, item_place
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
        raise ValueError(checklist_problem("threshold_form", raw=raw))
    op, low, high = match.group("op").strip(), match.group("low"), match.group("high")
    if high is not None:
        if op and COMPARATORS.get(op.lower()) != "range":
            raise ValueError(checklist_problem("range_comparator", raw=raw))
        return {"comparator": "range", "value": low, "high": high}
    comparator = COMPARATORS.get(op.lower())
    if comparator is None or comparator == "range":
        raise ValueError(checklist_problem("threshold_comparator", raw=raw))
    return {"comparator": comparator, "value": low}


def plain_number(value: Decimal) -> str:
    """A Decimal as an office writes it: 5, 2.5, 92.80 (its own decimals, no exponent)."""
    return format(value, "f")


def threshold_text(threshold: TargetSpec, unit: str = "", *, signed: bool = True) -> str:
    """A threshold in symbols with its unit: ≥5块, ≤5‰, 103～107; unsigned (5块, 5‰) for
    prose that says the comparison in words (达到5块以上, 控制在5‰以内)."""
    # Thresholds are written as the office writes them: ≥95, not ≥95.00.
    low = plain_number(threshold.value.normalize())
    if threshold.comparator == "range":
        assert threshold.high is not None
        return f"{low}～{plain_number(threshold.high.normalize())}{unit}"
    sign = {"ge": "≥", "le": "≤", "eq": "="}[threshold.comparator] if signed else ""
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
                raise ValueError(checklist_problem("bands_order"))
        return bands

    @model_validator(mode="after")
    def _bands_below_full(self) -> _Item:
        if self.bands and self.bands[0].points >= self.points:
            raise ValueError(checklist_problem("band_points", points=plain_number(self.points)))
        if self.veto_cap is not None and not self.veto:
            raise ValueError(checklist_problem("veto_cap_not_veto"))
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
            raise ValueError(checklist_problem("unknown_document_kind", kind=self.kind,
                                               kinds="、".join(ARCHIVE_KINDS)))
        if self.period not in entry[1]:
            raise ValueError(checklist_problem("document_period", kind=self.kind,
                                               periods=" 或 ".join(entry[1]), period=self.period))
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
            raise ValueError(checklist_problem("measured_needs_threshold"))
        if not measured and self.bands:
            raise ValueError(checklist_problem("bands_need_threshold"))
        if self.answer == "text" and (self.points or self.veto):
            raise ValueError(checklist_problem("text_not_scored"))
        if self.answer == "score" and not self.points:
            raise ValueError(checklist_problem("score_needs_points"))
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
                raise ValueError(checklist_problem("unknown_level", given=given))
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
        for keys, what in (([s.key for s in self.sections], "部分"),
                           ([i.key for i in self.items], "检查项")):
            repeated = sorted({k for k in keys if keys.count(k) > 1})
            if repeated:
                raise ValueError(checklist_problem("keys_twice", what=what,
                                                   keys="、".join(repeated)))
        bars = [grade.min_points for grade in self.grades]
        if bars != sorted(bars, reverse=True) or len(set(bars)) != len(bars):
            raise ValueError(checklist_problem("grades_order"))
        if bars and bars[0] > self.max_points:
            raise ValueError(checklist_problem(
                "grade_above_max", label=self.grades[0].label, needed=plain_number(bars[0]),
                most=plain_number(self.max_points)))
        labels = [grade.label for grade in self.grades]
        for number, section in enumerate(self.sections, start=1):
            for place, item in enumerate(section.items, start=1):
                if item.veto_cap is not None and item.veto_cap not in labels:
                    raise ValueError(checklist_problem(
                        "veto_cap_not_grade", cap=item.veto_cap, labels="、".join(labels) or "无",
                        place=item_place(number, section.key, place, item.key)))
        return self
