"""Scoring a checklist for one unit and year: each item's figure, result and points.

Pure code over a :class:`~wenshu.compute.summary.Rollup` (ledger totals and base figures
of the unit's subtree), the answers to the observed items, and what the unit holds in
the archive (a plain mapping, see :data:`ArchiveHoldings`). An item is met, partly met
(its figure falls within one of its bands, or an inspector's score below full marks:
part of the points) or missed (no points); text items are not judged.

Grades: the total earns the highest grade whose bar it reaches. A veto item (一票否决)
not met caps the grade at its ``veto_cap`` (None: no grade at all); with several
vetoes failed, the lowest cap holds.

Every item not fully met becomes a :class:`Finding`, due to be put right a number of
days after the inspection (the documents word what was found and what to do). :func:`follow_up` sets the next
inspection's score beside the previous one: which findings were put right (整改到位).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from wenshu.compute.indicators import Evaluation, evaluate, meets, shortfall
from wenshu.compute.summary import Rollup
from wenshu.models.catalogue import Catalogue, TargetSpec
from wenshu.models.checklist import (
    ActivityItem,
    Answer,
    AnswerError,
    AnyItem,
    ArchiveItem,
    ArchiveRequirement,
    Checklist,
    ChecklistError,
    ChecklistItem,
    Grade,
    IndicatorItem,
    ObservedItem,
    Section,
    parse_answer,
)
from wenshu.models.checklist_words import checklist_problem, item_place
from wenshu.models.inspection_words import inspection_problem, item_named, items_named

Level = Literal["met", "partial", "missed"]
ArchiveStatus = Literal["filed", "draft"]
# What a unit holds in the archive: (document kind, period code) → its best status,
# "filed" (a version was filed, 归档) or "draft" (generated, never filed):
# {("work_plan", "2025"): "filed", ("half_year_summary", "2025H1"): "draft"}.
ArchiveHoldings = Mapping[tuple[str, str], str]

# Days to rectify an item not met, unless the item or the checklist says otherwise:
# facilities, files and archived documents can be put right within a month; ledger
# work and indicators need a quarter's effort, two months at least.
RECTIFY_DAYS: dict[str, int] = {"observed": 30, "archive": 30, "activity": 60, "indicator": 60}
_INDICATOR_SUFFIX = {"percent": "%", "permille": "‰", "per_100k": "/10万", "ratio_100": ""}


@dataclass(frozen=True)
class DocumentCheck:
    """One document an archive item asks for, and what the unit holds."""

    requirement: ArchiveRequirement
    name: str  # 2025年度工作计划
    status: ArchiveStatus | None  # None: not in the archive at all
    ok: bool


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
    # Indicator value, ledger total, count, number, score or documents held; None: no data.
    value: Decimal | None = None
    answer: Answer | None = None
    evaluation: Evaluation | None = None  # indicator items
    unit: str = ""  # what the value is in: %, ‰, 期, 块, 份 (documents)
    documents: tuple[DocumentCheck, ...] = ()  # archive items

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

    @property
    def note(self) -> str:
        """The note recorded with the answer ("" without one)."""
        return self.answer.note if self.answer is not None else ""


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
    """A unit's whole checklist: sections, total, grade and the vetoes that capped it."""

    checklist: Checklist
    sections: tuple[SectionScore, ...]
    grade: Grade | None  # after any veto cap
    vetoed: tuple[ItemScore, ...]
    grade_by_total: Grade | None = None  # what the total alone would earn

    @property
    def earned(self) -> Decimal:
        """The total."""
        return sum((section.earned for section in self.sections), Decimal(0))

    @property
    def capped(self) -> bool:
        """Whether a veto item lowered (or withheld) the grade the total earned."""
        return self.grade != self.grade_by_total

    def lowered_by(self, score: ItemScore) -> bool:
        """Whether the failed veto item ``score`` cost the unit a grade: its cap is below
        what the total alone earns (a cap at or above that changed nothing)."""
        if score not in self.vetoed:
            return False
        grades = self.checklist.grades
        rank = {grade.label: i for i, grade in enumerate(grades)}
        by_total = len(grades) if self.grade_by_total is None else rank[self.grade_by_total.label]
        cap = len(grades) if score.item.veto_cap is None else rank[score.item.veto_cap]
        return cap > by_total

    @property
    def decisive_vetoes(self) -> list[ItemScore]:
        """The failed veto items that lowered (or withheld) the grade the total earned."""
        return [score for score in self.vetoed if self.lowered_by(score)]

    @property
    def judged(self) -> list[ItemScore]:
        """Every scored item, in checklist order."""
        return [s for section in self.sections for s in section.items if s.level is not None]

    @property
    def not_met(self) -> list[ItemScore]:
        """Items partly met or missed, in checklist order."""
        return [s for s in self.judged if s.level != "met"]


def _judge(item: AnyItem, value: Decimal | None, threshold: TargetSpec) -> tuple[Level, Decimal]:
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
               year: int, place: str) -> ItemScore:
    indicator = catalogue.indicators.get(item.indicator)
    if indicator is None:
        raise ChecklistError(checklist_problem("unknown_indicator", place=place,
                                               indicator=item.indicator))
    unit_target = rollup.evaluate(indicator, unit_code, year)
    threshold, own = item.threshold, item.threshold is not None
    if threshold is None:
        threshold = unit_target.target
    if threshold is None:
        raise ChecklistError(checklist_problem(
            "no_target", place=place, unit=unit_code, year=year,
            indicator=f"{indicator.label}（{indicator.key}）"))
    evaluation = evaluate(indicator, unit_target.numerator, unit_target.denominator, threshold,
                          unit_target.target_is_default and not own)
    level, earned = _judge(item, evaluation.value, threshold)
    unit = _INDICATOR_SUFFIX.get(indicator.unit, indicator.count_unit)
    return ItemScore(item, level, earned, threshold, own, evaluation.value,
                     evaluation=evaluation, unit=unit)


def _activity(item: ActivityItem, catalogue: Catalogue, rollup: Rollup, unit_code: str,
              year: int, place: str) -> ItemScore:
    kind = catalogue.activities.get(item.activity)
    if kind is None:
        raise ChecklistError(checklist_problem("unknown_activity", place=place,
                                               activity=item.activity))
    measure = kind.measure(item.measure)
    if measure is None:
        raise ChecklistError(checklist_problem("no_measure", place=place,
                                               activity=item.activity, measure=item.measure))
    total = rollup.ledger_sum(unit_code, year, item.activity, item.measure)
    level, earned = _judge(item, total, item.threshold)
    return ItemScore(item, level, earned, item.threshold, True, total, unit=measure.unit)


def _archive(item: ArchiveItem, holdings: ArchiveHoldings, year: int) -> ItemScore:
    checks = []
    for requirement in item.documents:
        statuses = {status for (kind, period), status in holdings.items()
                    if kind == requirement.kind and requirement.matches(period, year)}
        status: ArchiveStatus | None = ("filed" if "filed" in statuses
                                        else "draft" if "draft" in statuses else None)
        ok = status == "filed" or (status == "draft" and not requirement.filed)
        checks.append(DocumentCheck(requirement, requirement.name(year), status, ok))
    held = Decimal(sum(1 for check in checks if check.ok))
    level, earned = _judge(item, held, item.threshold)
    return ItemScore(item, level, earned, item.threshold, True, held, unit="份",
                     documents=tuple(checks))


def _observed(item: ObservedItem, answer: Answer) -> ItemScore:
    try:
        # Answers may come back from plain data (numbers as text): read them again.
        value = parse_answer(item, answer.value)
    except AnswerError as exc:
        raise ChecklistError(inspection_problem("answer_bad", item=item_named(item.key, item.label),
                                                reason=exc.zh)) from None
    answer = Answer(value, answer.note)
    if item.answer == "text":
        return ItemScore(item, None, Decimal(0), answer=answer)
    if item.answer == "yes_no":
        met = value is True
        return ItemScore(item, "met" if met else "missed", item.points if met else Decimal(0),
                         answer=answer)
    assert isinstance(value, (int, Decimal)) and not isinstance(value, bool)
    number = Decimal(value)
    if item.answer == "score":
        level: Level = ("met" if number >= item.points
                        else "missed" if number == 0 else "partial")
        return ItemScore(item, level, number, None, True, number, answer, unit="分")
    assert item.threshold is not None
    level, earned = _judge(item, number, item.threshold)
    return ItemScore(item, level, earned, item.threshold, True, number, answer, unit=item.unit)


def _grades(checklist: Checklist, total: Decimal, vetoed: tuple[ItemScore, ...]
            ) -> tuple[Grade | None, Grade | None]:
    """The grade after veto caps, and the grade the total alone earns."""
    grades = checklist.grades
    # Positions in the list, highest grade first; len(grades) stands for "no grade".
    by_total = next((i for i, g in enumerate(grades) if total >= g.min_points), len(grades))
    lowest = by_total
    for score in vetoed:
        cap = score.item.veto_cap
        position = (next(i for i, g in enumerate(grades) if g.label == cap)
                    if cap is not None else len(grades))
        lowest = max(lowest, position)
    as_grade = lambda i: grades[i] if i < len(grades) else None  # noqa: E731
    return as_grade(lowest), as_grade(by_total)


def score_checklist(checklist: Checklist, answers: Mapping[str, Answer], catalogue: Catalogue,
                    rollup: Rollup, unit_code: str, year: int, *,
                    archive: ArchiveHoldings | None = None) -> ChecklistScore:
    """Judge every item of ``checklist`` for a unit's ``year``; grade the total.

    ``answers`` holds the observed items' answers (every one is needed); ``archive`` what
    the unit holds in the archive, needed when the checklist has archive items.
    """
    unanswered = [item for item in checklist.observed if item.key not in answers]
    if unanswered:
        raise ChecklistError(inspection_problem("unit_answers_missing", unit=unit_code,
                                                items=items_named((item.key, item.label)
                                                                  for item in unanswered)))
    if archive is None and any(isinstance(i, ArchiveItem) for i in checklist.items):
        raise ChecklistError(inspection_problem("needs_archive", checklist=checklist.key))
    sections = []
    for section_number, section in enumerate(checklist.sections, start=1):
        scores = []
        for number, item in enumerate(section.items, start=1):
            place = f"检查标准 {checklist.key} " + item_place(section_number, section.key,
                                                          number, item.key, item.label)
            if isinstance(item, IndicatorItem):
                scores.append(_indicator(item, catalogue, rollup, unit_code, year, place))
            elif isinstance(item, ActivityItem):
                scores.append(_activity(item, catalogue, rollup, unit_code, year, place))
            elif isinstance(item, ArchiveItem):
                assert archive is not None
                scores.append(_archive(item, archive, year))
            else:
                scores.append(_observed(item, answers[item.key]))
        sections.append(SectionScore(section, tuple(scores)))
    vetoed = tuple(s for section in sections for s in section.items
                   if s.item.veto and s.level != "met")
    total = sum((section.earned for section in sections), Decimal(0))
    grade, by_total = _grades(checklist, total, vetoed)
    return ChecklistScore(checklist, tuple(sections), grade, vetoed, by_total)


# Findings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """An item not fully met and the day it must be put right by.

    What was found and what to do are worded by the documents that report it
    (wenshu.generators.inspection_findings), from the item's score and ``remedy``.
    """

    section: str  # the section's title
    score: ItemScore
    days: int
    deadline: date

    @property
    def item(self) -> AnyItem:
        """The checklist item."""
        return self.score.item

    @property
    def lost(self) -> Decimal:
        """The points lost."""
        return self.score.lost

    @property
    def veto(self) -> bool:
        """Whether the item is a veto item (一票否决)."""
        return self.score.item.veto


def findings(score: ChecklistScore, inspected_on: date) -> list[Finding]:
    """Every item partly met or missed, in checklist order, with its deadline.

    The deadline is ``inspected_on`` plus the item's ``rectify_days``, else the
    checklist's, else :data:`RECTIFY_DAYS` for the item's kind.
    """
    checklist = score.checklist
    result = []
    for section in score.sections:
        for item_score in section.items:
            if item_score.level is None or item_score.level == "met":
                continue
            item = item_score.item
            days = item.rectify_days or checklist.rectify_days or RECTIFY_DAYS[item.kind]
            result.append(Finding(section.section.title, item_score, days,
                                  inspected_on + timedelta(days=days)))
    return result


@dataclass(frozen=True)
class FollowUp:
    """An item the previous inspection found not fully met, as the follow-up finds it (复查)."""

    before: ItemScore
    now: ItemScore

    @property
    def rectified(self) -> bool:
        """Whether the item is now fully met (整改到位)."""
        return self.now.level == "met"

    @property
    def gained(self) -> Decimal:
        """Points gained since (negative: lost more)."""
        return self.now.earned - self.before.earned


def follow_up(previous: ChecklistScore, current: ChecklistScore) -> list[FollowUp]:
    """Every item ``previous`` found partly met or missed, against ``current``, in order.

    Items are matched by key; an item the current checklist no longer has is left out.
    """
    now = {s.item.key: s for section in current.sections for s in section.items}
    return [FollowUp(before, now[before.item.key]) for before in previous.not_met
            if before.item.key in now]
