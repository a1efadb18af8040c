"""Scoring a checklist for one unit and year: each item's figure, result and points.

Pure code over a :class:`~wenshu.compute.summary.Rollup` (ledger totals and base figures
of the unit's subtree) and the unit's answers. An item is met, partly met (its figure
falls within one of its bands: part of the points) or missed (no points); text items
are not judged. A veto item not met withholds every grade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from wenshu.compute.indicators import Evaluation, evaluate, meets, shortfall
from wenshu.compute.summary import Rollup
from wenshu.models.catalogue import Catalogue, TargetSpec
from wenshu.models.checklist import (
    ActivityItem,
    Answer,
    Checklist,
    ChecklistError,
    ChecklistItem,
    Grade,
    IndicatorItem,
    ObservedItem,
    Section,
)

Level = Literal["met", "partial", "missed"]


@dataclass(frozen=True)
class ItemScore:
    """One item for one unit: the figure, what it is judged against, result and points."""

    item: ChecklistItem
    level: Level | None  # None: a text item, described but not judged
    earned: Decimal
    # What the figure is judged against; for an indicator without its own threshold,
    # the unit's target (``own_threshold`` False).
    threshold: TargetSpec | None = None
    own_threshold: bool = True
    value: Decimal | None = None  # indicator value, ledger total or count; None: no data
    answer: Answer | None = None
    evaluation: Evaluation | None = None  # indicator items

    @property
    def yes_no(self) -> bool:
        """Whether the item is a yes/no question (no figure, no threshold)."""
        return isinstance(self.item, ObservedItem) and self.item.answer == "yes_no"

    @property
    def lost(self) -> Decimal:
        """Points the item could earn but did not."""
        return self.item.points - self.earned

    @property
    def shortfall(self) -> Decimal | None:
        """How far the figure is on the wrong side of its threshold (0 when met)."""
        if self.value is None or self.threshold is None:
            return None
        return shortfall(self.value, self.threshold)


@dataclass(frozen=True)
class SectionScore:
    """A checklist section's items and subtotal."""

    section: Section
    items: tuple[ItemScore, ...]

    @property
    def earned(self) -> Decimal:
        """The section's subtotal."""
        return sum((score.earned for score in self.items), Decimal(0))


@dataclass(frozen=True)
class ChecklistScore:
    """A unit's whole checklist: sections, total, grade and the vetoes that withheld it."""

    checklist: Checklist
    sections: tuple[SectionScore, ...]
    grade: Grade | None
    vetoed: tuple[ItemScore, ...]

    @property
    def earned(self) -> Decimal:
        """The total."""
        return sum((section.earned for section in self.sections), Decimal(0))

    @property
    def judged(self) -> list[ItemScore]:
        """Every scored item, in checklist order."""
        return [s for section in self.sections for s in section.items if s.level is not None]

    @property
    def not_met(self) -> list[ItemScore]:
        """Items partly met or missed, in checklist order."""
        return [s for s in self.judged if s.level != "met"]


def _judge(item: ChecklistItem, value: Decimal | None, threshold: TargetSpec
           ) -> tuple[Level, Decimal]:
    """Met (all points), within a band (its points), or missed (none)."""
    if value is None:
        return "missed", Decimal(0)
    if meets(value, threshold):
        return "met", item.points
    gap = shortfall(value, threshold)
    for band in item.bands:
        if gap <= band.within:
            return ("partial" if band.points > 0 else "missed"), band.points
    return "missed", Decimal(0)


def _indicator(item: IndicatorItem, catalogue: Catalogue, rollup: Rollup, unit_code: str,
               year: int) -> ItemScore:
    indicator = catalogue.indicators.get(item.indicator)
    if indicator is None:
        raise ChecklistError(f"item {item.key} ({item.label}): unknown indicator "
                             f"{item.indicator!r}")
    unit_target = rollup.evaluate(indicator, unit_code, year)
    threshold, own = item.threshold, item.threshold is not None
    if threshold is None:
        threshold = unit_target.target
    if threshold is None:
        raise ChecklistError(f"item {item.key} ({item.label}): unit {unit_code} has no {year} "
                             f"target for {indicator.key} and the item gives no threshold")
    evaluation = evaluate(indicator, unit_target.numerator, unit_target.denominator, threshold,
                          unit_target.target_is_default and not own)
    level, earned = _judge(item, evaluation.value, threshold)
    return ItemScore(item, level, earned, threshold, own, evaluation.value,
                     evaluation=evaluation)


def _activity(item: ActivityItem, catalogue: Catalogue, rollup: Rollup, unit_code: str,
              year: int) -> ItemScore:
    kind = catalogue.activities.get(item.activity)
    if kind is None or kind.measure(item.measure) is None:
        raise ChecklistError(f"item {item.key} ({item.label}): the catalogue has no "
                             f"{item.measure} of activity type {item.activity!r}")
    total = rollup.ledger_sum(unit_code, year, item.activity, item.measure)
    level, earned = _judge(item, total, item.threshold)
    return ItemScore(item, level, earned, item.threshold, True, total)


def _observed(item: ObservedItem, answers: Mapping[str, Answer]) -> ItemScore:
    answer = answers.get(item.key)
    if answer is None:
        raise ChecklistError(f"item {item.key} ({item.label}): the unit has not answered it")
    if item.answer == "text":
        return ItemScore(item, None, Decimal(0), answer=answer)
    if item.answer == "yes_no":
        met = answer.value is True
        return ItemScore(item, "met" if met else "missed", item.points if met else Decimal(0),
                         answer=answer)
    assert item.threshold is not None and isinstance(answer.value, int)
    count = Decimal(answer.value)
    level, earned = _judge(item, count, item.threshold)
    return ItemScore(item, level, earned, item.threshold, True, count, answer)


def score_checklist(checklist: Checklist, answers: Mapping[str, Answer], catalogue: Catalogue,
                    rollup: Rollup, unit_code: str, year: int) -> ChecklistScore:
    """Judge every item of ``checklist`` for a unit's ``year``; grade the total."""
    sections = []
    for section in checklist.sections:
        scores = []
        for item in section.items:
            if isinstance(item, IndicatorItem):
                scores.append(_indicator(item, catalogue, rollup, unit_code, year))
            elif isinstance(item, ActivityItem):
                scores.append(_activity(item, catalogue, rollup, unit_code, year))
            else:
                scores.append(_observed(item, answers))
        sections.append(SectionScore(section, tuple(scores)))
    vetoed = tuple(s for section in sections for s in section.items
                   if s.item.veto and s.level != "met")
    total = sum((section.earned for section in sections), Decimal(0))
    grade = None if vetoed else next(
        (g for g in checklist.grades if total >= g.min_points), None)
    return ChecklistScore(checklist, tuple(sections), grade, vetoed)
