"""What every part of a 工作计划 shares: its facts, its phrasebook and the period's voice,
with the rules for writing months, units, amounts and changes.

A year's plan and a quarter's speak through ``voice.year.*`` and ``voice.quarter.*``
(全年 / 本季度, 上年 / 上年同期). A change from a small count is stated as the two
figures (由6场增加到21场), never as a percentage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from wenshu.compute.snapshot import UnitInfo
from wenshu.generators.numbers import YUAN, cn_number, format_count, format_yuan
from wenshu.generators.phrasebook import Phrasebook
from wenshu.generators.phrasing import level_noun, scope_word
from wenshu.generators.summary_voice import SMALL_BASE, pct_between
from wenshu.generators.work_plan_facts import Phase, Plan, month_runs
from wenshu.generators.work_plan_ledger import ActivityTask
from wenshu.models.catalogue import Measure


@dataclass(frozen=True)
class Writer:
    """One plan's facts and phrasebook, with the period's voice."""

    plan: Plan
    book: Phrasebook
    topic: str  # the line's subject: 人口和计划生育工作, 妇女儿童工作 …

    @property
    def voice(self) -> str:
        """``year`` or ``quarter``: which voice the phrasebook speaks in."""
        return "quarter" if self.plan.quarter else "year"

    def say(self, key: str, *vary: object, **values: object) -> str:
        """A phrase, with the words every phrase may use filled in; variants vary by unit."""
        plan = self.plan
        words: dict[str, object] = {
            "unit": plan.unit.name, "scope": scope_word(plan.unit.level), "year": plan.year,
            "next_year": plan.year + 1, "base": plan.base, "topic": self.topic,
            "child": self.child}
        if not key.startswith("voice."):
            words |= {name: self.word(name) for name in ("span", "last", "when")}
            words["whole"] = self.whole()
        return self.book.say(key, plan.unit.code, *vary, **(words | values))

    def word(self, name: str) -> str:
        """A word of the period's voice: span (全年), last (上年), when (2026年第一季度)."""
        quarter = (self.plan.period.start.month - 1) // 3 + 1
        return self.say(f"voice.{self.voice}.{name}", ordinal=cn_number(quarter))

    def has(self, key: str) -> bool:
        """Whether the phrasebook has ``key`` (per-activity and per-indicator phrases)."""
        return key in self.book.phrases

    @property
    def child(self) -> str:
        """What the units one level down are called: 街道, 社区 …"""
        return level_noun(child.level for child in self.plan.children)

    def months(self, months: Iterable[int]) -> str:
        """Months as a plan writes them, runs joined: 3月、9月 / 4月至6月、9月."""
        # The book directly: say() fills {whole}, which is written with this.
        return "、".join(
            self.book.say("month.one", month=first) if first == last
            else self.book.say("month.run", first=first, last_month=last)
            for first, last in month_runs(set(months)))

    def whole(self) -> str:
        """The plan's whole span as its tables write it: 全年 / 7月至9月."""
        if not self.plan.quarter:
            return self.book.say("voice.year.span")
        return self.months(range(self.plan.period.start.month, self.plan.period.end.month + 1))

    def stage_months(self, phase: Phase | None) -> str:
        """A stage's months: 10月至11月 (empty when the plan has no such stage)."""
        return self.months(phase.months) if phase is not None else ""

    def month_end(self, phase: Phase | None) -> str:
        """The end of a stage as a deadline: 2026年2月底."""
        last = phase.last if phase is not None else self.plan.period.end.month
        return self.say("date.month_end", month=last)

    def units(self, children: Sequence[UnitInfo], by_self: bool = False) -> str:
        """Responsible units: the plan's unit (when ``by_self`` or no child takes part),
        then the children, as 各街道 when all of several take part."""
        names = self.children_text(children)
        if by_self or not children:
            return "、".join(n for n in (self.plan.unit.name, names) if n)
        return names

    def children_text(self, children: Sequence[UnitInfo]) -> str:
        """各街道 when all of several peer children, else their names."""
        everyone = self.plan.children
        if len(everyone) > 1 and len(children) == len(everyone):
            return self.say("units.all")
        return "、".join(unit.name for unit in children)

    def activity(self, task: ActivityTask) -> str:
        """An activity task's title: the type's heading (教育培训), else 培训工作."""
        kind = task.kind
        return kind.heading or self.say("task.heading_default", heading=kind.label)


def amount(measure: Measure, value: Decimal) -> str:
    """A measure's total as a clause: 举办培训班8期, 发放慰问金和帮扶资金1.5万元; 0 as 0."""
    return measure.render_phrase(total(measure, value))


def total(measure: Measure, value: Decimal) -> str:
    """A measure's figure as its phrase takes it: 8 (the phrase adds 期), money as 1.5万元."""
    return format_yuan(value) if measure.unit == YUAN else format_count(value)


def change(w: Writer, measure: Measure, before: Decimal, now: Decimal) -> str:
    """由上年的8期增加到10期 (a small count) / 比上年增加25.0%."""
    if before < SMALL_BASE:
        return w.say("change.up_from", before=with_unit(measure, before),
                     now=with_unit(measure, now))
    return w.say("change.up_pct", pct=pct_between(now, before))


def with_unit(measure: Measure, value: Decimal) -> str:
    """A measure's figure standing alone, with its unit: 8期, 1.5万元."""
    return format_yuan(value) if measure.unit == YUAN else format_count(value, measure.unit)
