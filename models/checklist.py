"""Checklists (自查/检查评分标准) and a unit's answers to one: reading, resolving and
checking the files.

The schema of a checklist is :mod:`wenshu.models.checklist_schema`, a unit's answers
:mod:`wenshu.models.answers`; both are re-exported here, the one place callers import
checklists from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from wenshu.errors import ChecklistError
from wenshu.models.answers import (
    SCORE_DECIMALS,
    Answer,
    AnswerError,
    answer_text,
    answers_as_plain,
    answers_from_plain,
    load_answers,
    parse_answer,
    parse_answers,
)
from wenshu.models.catalogue import Catalogue, Source
from wenshu.models.checklist_schema import (
    _KEY,
    ARCHIVE_KINDS,
    DEFAULT_CHECKLIST,
    SHIPPED_CHECKLIST_DIR,
    ActivityItem,
    AnswerType,
    AnyItem,
    ArchiveItem,
    ArchiveRequirement,
    Band,
    Checklist,
    ChecklistItem,
    Grade,
    IndicatorItem,
    ObservedItem,
    PeriodPattern,
    Section,
    Wording,
    level_word,
    levels_named,
    parse_threshold,
    plain_number,
    read_yaml,
    threshold_text,
    yaml_data,
)

__all__ = [
    "ARCHIVE_KINDS", "DEFAULT_CHECKLIST", "SCORE_DECIMALS", "SHIPPED_CHECKLIST_DIR",
    "ActivityItem", "Answer", "AnswerError", "AnswerType", "AnyItem", "ArchiveItem",
    "ArchiveRequirement", "Band", "Checklist", "ChecklistError", "ChecklistItem", "Grade",
    "IndicatorItem", "ItemSource", "ObservedItem", "PeriodPattern", "Section", "Wording",
    "answer_text", "answers_as_plain", "answers_from_plain", "check_catalogue", "check_level",
    "item_sources", "level_word", "levels_named", "load_answers", "load_checklist",
    "parse_answer", "parse_answers", "parse_checklist", "parse_threshold", "plain_number",
    "resolve_checklist", "threshold_text", "yaml_data",
]


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
    return parse_checklist(read_yaml(path, "checklist"), str(path))


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


def check_level(checklist: Checklist, unit_name: str, level: str) -> None:
    """Refuse a checklist written for other levels of unit than ``level``, naming the
    checklist, the unit's level and the shipped checklists that would fit."""
    if checklist.fits(level):
        return
    meant = "、".join(level_word(known) for known in checklist.levels)
    fitting = [path.stem for path in sorted(SHIPPED_CHECKLIST_DIR.glob("*.yaml"))
               if load_checklist(path).fits(level)]
    advice = (f"适用于{level_word(level)}的内置检查标准：{'、'.join(fitting)}" if fitting
              else f"内置检查标准中没有适用于{level_word(level)}的，请提供本单位适用的检查标准文件")
    raise ChecklistError(f"检查标准 {checklist.key}（{checklist.title}）适用于{meant}，"
                         f"{unit_name}是{level_word(level)}，不能按此标准自查（{advice}）")


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
