"""What every part of a work summary shares: the phrasebook, the period's voice, and the
rules for stating a change.

The period decides the words (全年 / 上半年, 上年 / 上年同期) through the phrasebook's
``voice.year.*`` and ``voice.half.*`` phrases. A change on last year is always called
同比 and one on the period just before 环比; a change from a small base is stated as
the two figures (由6场增加到21场), never as a percentage.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wenshu.compute.summary import ActivitySummary, UnitReport
from wenshu.generators.numbers import YUAN, format_count, format_yuan, plain
from wenshu.generators.phrasebook import Phrasebook
from wenshu.generators.phrasing import level_noun, scope_word
from wenshu.models.catalogue import Catalogue, Measure
from wenshu.narrative import Narrative

# Below this many (sessions, people …) last time, a percentage change says little.
SMALL_BASE = 20


def change_pct(value: Decimal) -> str:
    """A percentage change magnitude, always to one decimal: 12.5%, 100.0%."""
    return f"{abs(value).quantize(Decimal('0.1'))}%"


def pct_between(now: Decimal, before: Decimal) -> str:
    """How far ``now`` moved from ``before`` (not 0), as change_pct writes it."""
    return change_pct((now - before) * 100 / before)


# A move this small in print: said as 基本持平, never as 增长0.0% / 下降0.0%.
ROUNDS_TO_NOTHING = change_pct(Decimal(0))


@dataclass(frozen=True)
class Writer:
    """One summary's inputs and its phrasebook, with the period's voice."""

    report: UnitReport
    catalogue: Catalogue
    book: Phrasebook
    narrative: Narrative

    @property
    def period(self) -> str:
        """``year`` or ``half``: which voice the phrasebook speaks in."""
        month = self.report.period.end.month
        if month == 12:
            return "year"
        if month == 6:
            return "half"
        raise ValueError(f"summaries cover a year or its first half, not {self.report.period}")

    @property
    def whole_year(self) -> bool:
        """Whether the summary covers the whole year."""
        return self.period == "year"

    def say(self, key: str, *vary: object, **values: object) -> str:
        """A phrase, with the unit and period words every phrase may use filled in."""
        report = self.report
        words = {"unit": report.unit.name, "scope": scope_word(report.unit.level),
                 "year": report.year, "next_year": report.year + 1, "prior_year": report.year - 1}
        if not key.startswith("voice."):
            words |= {name: self.word(name) for name in
                      ("span", "last", "when", "since", "next_span", "deadline", "checkpoint")}
            words["child"] = self.child
        return self.book.say(key, report.unit.code, *vary, **(words | values))

    def word(self, name: str) -> str:
        """A word of the period's voice: span (全年), last (上年), when (2025年) …"""
        return self.say(f"voice.{self.period}.{name}")

    @property
    def child(self) -> str:
        """What the units one level down are called: 街道, 社区 …"""
        return level_noun(child.level for child in self.report.children)

    def activity(self, summary: ActivitySummary) -> str:
        """An activity type's name as a part heading says it: 教育培训."""
        kind = self.catalogue.activities[summary.key]
        return kind.heading or kind.label

    def measure(self, summary: ActivitySummary, column: str) -> Measure:
        """The catalogue's measure of an activity type."""
        measure = self.catalogue.activities[summary.key].measure(column)
        assert measure is not None, (summary.key, column)
        return measure

    def move(self, now: Decimal, before: Decimal, unit: str, sequential: bool = False) -> str:
        """同比增长12.5% / 由上年的6场增加到21场 / 同比持平 / 同比基本持平 — how a count moved."""
        against = self.word("previous") if sequential else self.word("last")
        if now == before:
            return self.say("change.flat", against=against,
                            kind=self.word("sequential" if sequential else "yoy"))
        if before < SMALL_BASE:
            return self.say("change.up_from" if now > before else "change.down_from",
                            against=against, before=amount(before, unit), now=amount(now, unit))
        kind, pct = self.word("sequential" if sequential else "yoy"), pct_between(now, before)
        if pct == ROUNDS_TO_NOTHING:
            return self.say("change.about_flat", kind=kind)
        return self.say("change.up_pct" if now > before else "change.down_pct", kind=kind, pct=pct)


def amount(value: Decimal | int, unit: str) -> str:
    """A total as a sentence states it, with its unit; money in 元/万元, 0 as 0."""
    if unit == YUAN:
        return format_yuan(Decimal(value))
    return format_count(value, unit)


def points(value: Decimal, unit: str) -> str:
    """A difference of rates with its unit: 0.49个百分点."""
    return f"{plain(abs(value))}{unit}"
