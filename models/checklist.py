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
    threshold_text,
)
from wenshu.models.checklist_words import (
    checklist_errors,
    checklist_problem,
    checklist_problems,
    item_place,
    read_yaml,
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


def parse_checklist(data: Any, source: str) -> Checklist:
    """Validate a checklist's plain data; every problem is named with its section, item
    and field, in Chinese."""
    if not isinstance(data, dict):
        raise ChecklistError(checklist_problem("not_mapping", source=source))
    try:
        return Checklist.model_validate(data)
    except ValidationError as exc:
        raise checklist_problems(source, checklist_errors(exc, data)) from exc


def load_checklist(path: Path) -> Checklist:
    """Read and validate a checklist file (YAML)."""
    return parse_checklist(read_yaml(path, "检查标准"), str(path))


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
    for section_number, section in enumerate(checklist.sections, start=1):
        for number, item in enumerate(section.items, start=1):
            place = item_place(section_number, section.key, number, item.key, item.label)
            if isinstance(item, IndicatorItem) and item.indicator not in catalogue.indicators:
                problems.append(checklist_problem("unknown_indicator", place=place,
                                                  indicator=item.indicator))
            if isinstance(item, ActivityItem):
                kind = catalogue.activities.get(item.activity)
                if kind is None:
                    problems.append(checklist_problem("unknown_activity", place=place,
                                                      activity=item.activity))
                elif kind.measure(item.measure) is None:
                    problems.append(checklist_problem("no_measure", place=place,
                                                      activity=item.activity,
                                                      measure=item.measure))
    if problems:
        raise checklist_problems(source, problems)


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
