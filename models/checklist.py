"""Checklists (自查/检查评分标准) and a unit's answers to one, as data files.

A checklist has sections of scored items. An item is one of three kinds:

- ``indicator``: a catalogue indicator, judged against the item's ``threshold`` or,
  without one, the unit's own target (signed, else the catalogue default);
- ``activity``: the total of one ledger measure of an activity type, against a
  ``threshold`` (≥4 trainings a year);
- ``observed``: answered by the unit in its answers file: ``yes_no`` (is the
  requirement in place), ``count`` (how many, against a ``threshold``) or ``text``
  (a description, not scored).

Every scored item carries ``points``; optional ``bands`` give part of them to a figure
short of its threshold by at most ``within`` (基本符合). A ``veto`` item not met withholds
every grade (一票否决); ``grades`` name the totals the checklist's ratings need. The same
format serves a unit's own self-inspection and a supervisor's inspection.

Thresholds may be written as mappings (``{comparator: ge, value: 4}``) or as text:
``≥4``, ``≤12``, ``=100``, ``103～107``, in the unit of the indicator or measure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
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
from wenshu.models.catalogue import Catalogue, MeasureColumn, TargetSpec
from wenshu.models.records import COMPARATORS

SHIPPED_CHECKLIST_DIR = Path(str(files("wenshu") / "data" / "checklists"))
DEFAULT_CHECKLIST = "family_planning"

AnswerType = Literal["yes_no", "count", "text"]
Wording = Literal["conformity", "completion"]

_KEY = r"^[a-z][a-z0-9_]*$"
_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_THRESHOLD = re.compile(rf"^(?P<op>[^\d+-]*?)\s*(?P<low>{_NUMBER})"
                        rf"(?:\s*(?:-|–|—|~|至)\s*(?P<high>{_NUMBER}))?$")
_YES = frozenset({"是", "有", "已落实", "已完成", "符合", "yes", "y", "true"})
_NO = frozenset({"否", "无", "没有", "未落实", "未完成", "不符合", "no", "n", "false"})


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
    # The rectification action printed when the item is not met; a generic one otherwise.
    remedy: str = ""
    # Days from the report's date to rectify; None: the kind's default.
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


class ObservedItem(_Item):
    """A question the unit answers itself: yes/no, a count against a threshold, or text."""

    kind: Literal["observed"]
    answer: AnswerType
    unit: str = ""  # what a count counts in: 盘, 块, 种
    threshold: TargetSpec | None = None

    @model_validator(mode="after")
    def _fits_answer(self) -> ObservedItem:
        if (self.answer == "count") != (self.threshold is not None):
            raise ValueError("a count item needs a threshold; yes/no and text items take none")
        if self.answer != "count" and self.bands:
            raise ValueError("only items with a threshold have bands")
        if self.answer == "text" and (self.points or self.veto):
            raise ValueError("a text item describes and is not scored: points 0, no veto")
        return self


ChecklistItem = Annotated[IndicatorItem | ActivityItem | ObservedItem,
                          Field(discriminator="kind")]


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
    sections: tuple[Section, ...] = Field(min_length=1)

    @property
    def items(self) -> list[IndicatorItem | ActivityItem | ObservedItem]:
        """Every item, in checklist order."""
        return [item for section in self.sections for item in section.items]

    @property
    def max_points(self) -> Decimal:
        """The checklist's full marks."""
        return sum((section.max_points for section in self.sections), Decimal(0))

    def item(self, key: str) -> IndicatorItem | ActivityItem | ObservedItem | None:
        """The item with ``key``, if any."""
        return next((item for item in self.items if item.key == key), None)

    @property
    def observed(self) -> list[ObservedItem]:
        """The items the unit answers itself."""
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
        return self


def _where(loc: tuple[int | str, ...], raw: Any) -> str:
    """A validation error's place as a reader finds it: section 2, item 3 (key), field."""
    parts, node = [], raw
    rest = list(loc)
    while len(rest) >= 2 and rest[0] in ("sections", "items") and isinstance(rest[1], int):
        name, index = rest[0], rest[1]
        rest = rest[2:]
        try:
            node = node[name][index]
        except (KeyError, IndexError, TypeError):
            node = None
        key = node.get("key") if isinstance(node, dict) else None
        label = "section" if name == "sections" else "item"
        parts.append(f"{label} {index + 1}" + (f" ({key})" if key else ""))
    # A discriminated union puts the item kind in the path; it says nothing to a reader.
    if rest and rest[0] in ("indicator", "activity", "observed"):
        rest = rest[1:]
    if rest:
        parts.append(".".join(map(str, rest)))
    return ", ".join(parts) or "top level"


def _read_yaml(path: Path, what: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ChecklistError(f"{path}: cannot read the {what} ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ChecklistError(f"{path}: the {what} is not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        raise ChecklistError(f"{path}: not valid YAML: {exc}") from exc


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
    raise ChecklistError(f"no checklist file {name_or_path!r} (shipped checklists: "
                         f"{', '.join(names) or 'none'})")


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
class Answer:
    """A unit's answer to an observed item, with an optional remark as evidence."""

    value: bool | int | str
    note: str = ""


def _answer_value(item: ObservedItem, raw: object) -> bool | int | str:
    """The typed answer, or ValueError saying what the item expects."""
    if item.answer == "yes_no":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower() if isinstance(raw, str) else None
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise ValueError(f"expected 是 or 否, got {raw!r}")
    if item.answer == "count":
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw.strip())
        if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
            return raw
        raise ValueError(f"expected a whole number ≥ 0 (in {item.unit or 'items'}), got {raw!r}")
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    raise ValueError(f"expected text, got {raw!r}")


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
            problems.append(f"{where}: computed from the ledgers and base figures, "
                            "not answered")
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
            answers[item.key] = Answer(_answer_value(item, raw), note)
        except ValueError as exc:
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
    """Answers as plain data, for a document's options (hashed into its inputs)."""
    return {key: {"value": a.value, "note": a.note} for key, a in sorted(answers.items())}


def answers_from_plain(data: Mapping[str, Mapping[str, Any]]) -> dict[str, Answer]:
    """Answers back from :func:`answers_as_plain`."""
    return {key: Answer(entry["value"], entry.get("note", "")) for key, entry in data.items()}

