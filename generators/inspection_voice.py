"""What both inspection documents share: the phrasebook, the checklist's words, numbers.

Every sentence of a 检查情况反馈意见 or 检查情况通报 is filled from the ``inspection``
phrasebook (wenshu/data/phrases/inspection.yaml, reworded per line of work and per
office), so the code only chooses phrases and fills them. Variants are picked by a
hash of the unit and the subject: the same inputs always give the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from wenshu.compute.checklist import ChecklistScore, ItemScore
from wenshu.generators.numbers import cn_date, cn_number, format_count, plain
from wenshu.generators.phrasebook import Phrasebook, load_phrasebook
from wenshu.models.catalogue import Catalogue
from wenshu.models.checklist import Checklist, threshold_text
from wenshu.periods import Period

PHRASEBOOK = "inspection"
# Names listed in a sentence before the rest are counted instead: 东湖社区、…等23个社区.
NAMES_LISTED = 10
# A shortfall in these units is counted in points of the rate (个百分点, 个千分点).
_RATE_GAPS = {"%": "gap_unit.percent", "‰": "gap_unit.permille"}


def phrasebook(user_dir: Path | None = None, line: str = "") -> Phrasebook:
    """The inspection documents' wording: shipped, with the line's and an office's rewording."""
    return load_phrasebook(PHRASEBOOK, user_dir, line)


def points(value: Decimal) -> str:
    """Points as a sentence states them: 81, 2.5, 0."""
    return format_count(value)


def amount(value: Decimal, unit: str) -> str:
    """A figure with its unit, its own decimals kept and zero printed as 0: 93.2%, 0期."""
    return f"{plain(value) if value else '0'}{unit}"


def sentence(text: str) -> str:
    """Staff text as a sentence: its own closing stop, or 。 added."""
    text = text.strip()
    return text if text.endswith(("。", "！", "？", "”", "）")) else f"{text}。"


def quote(label: str) -> str:
    """“label”, its own quotation marks turned single (GB/T 15834: ‘’ inside “”)."""
    return "“" + label.replace("“", "‘").replace("”", "’") + "”"


def quoted(labels: Sequence[str]) -> str:
    """“甲”“乙” (GB/T 15834: no 顿号 between quoted items)."""
    return "".join(quote(label) for label in labels)


def binding_vetoes(score: ChecklistScore) -> list[ItemScore]:
    """The failed veto items that lowered the grade the total earned (each on its own).

    A veto whose cap is at or above the grade the total reaches changed nothing, so
    no document mentions it."""
    grades = [grade.label for grade in score.checklist.grades]
    if score.grade_by_total is None:
        return []
    earned = grades.index(score.grade_by_total.label)
    return [s for s in score.vetoed
            if s.item.veto_cap is None or grades.index(s.item.veto_cap) > earned]


@dataclass(frozen=True)
class Voice:
    """One inspection document's phrasebook and the checklist it reports on."""

    book: Phrasebook
    checklist: Checklist
    catalogue: Catalogue
    topic: str  # the line of work's subject (妇女儿童工作)
    noun: str  # what the inspected units are called; "" for the book's default
    vary: str  # what variants are picked by: the unit's or the issuer's code

    def say(self, key: str, *vary: object, **values: object) -> str:
        """A phrase, with the checklist's words and the units' noun filled in."""
        words = {"subject": self.checklist.subject, "title": self.checklist.title,
                 "topic": self.topic, "noun": self.unit_noun}
        return self.book.say(key, self.vary, *vary, **(words | values))

    @property
    def unit_noun(self) -> str:
        """社区, 街道 …: what the inspected units are called."""
        return self.noun or self.book.say("noun.default")

    def names(self, names: Sequence[str]) -> str:
        """东湖社区、东山社区; past :data:`NAMES_LISTED` names: 东湖社区、…等23个社区."""
        if len(names) <= NAMES_LISTED:
            return "、".join(names)
        return self.say("names.more", names="、".join(names[:NAMES_LISTED]), count=len(names))

    def date(self, day: date) -> str:
        """2026年2月19日."""
        return cn_date(day)

    def period(self, period: Period) -> str:
        """2025年, 2025年上半年, 2025年第三季度, 2025年3月."""
        year, code = period.start.year, period.code
        if code == str(year):
            return self.say("period.year", year=year)
        if code[4] == "H":
            return self.say(f"period.half{code[5]}", year=year)
        if code[4] == "Q":
            return self.say("period.quarter", year=year, ordinal=cn_number(int(code[5])))
        return self.say("period.month", year=year, month=period.start.month)

    def basis(self) -> str:
        """按照…的要求， ("" when the checklist names no basis)."""
        basis = self.checklist.basis
        return self.say("basis", basis=basis) if basis else ""

    def scope(self) -> str:
        """《…》从基本条件、…4个方面31项内容逐项评分，满分100分."""
        checklist = self.checklist
        judged = sum(1 for item in checklist.items if item.points or item.veto)
        return self.say("scope", sections="、".join(s.title for s in checklist.sections),
                        count=len(checklist.sections), items=judged,
                        max=points(checklist.max_points))

    def standard(self, score: ItemScore, *, signed: bool = True) -> str:
        """The threshold an item is judged against, in symbols: ≥5块, ≤7‰ (unsigned: 5块)."""
        assert score.threshold is not None
        return threshold_text(score.threshold, score.unit, signed=signed)

    def gap(self, score: ItemScore) -> str:
        """How far a figure is from its threshold: 2块, 6.67个百分点."""
        assert score.shortfall is not None
        unit = _RATE_GAPS.get(score.unit)
        return format_count(score.shortfall, self.say(unit) if unit else score.unit)

    def target_noun(self, score: ItemScore) -> str:
        """标准 (the checklist's), 目标值 (the unit's signed), 参考目标 (the catalogue's default)."""
        if score.own_threshold:
            return self.say("noun.standard")
        evaluation = score.evaluation
        if evaluation is not None and evaluation.target_is_default:
            return self.say("noun.reference")
        return self.say("noun.target")

    def grade_cell(self, score: ChecklistScore) -> str:
        """The grade in the tables: its label, 一票否决 when a veto lowered it away, or 未达等次."""
        if score.grade is not None:
            return score.grade.label
        return self.say("cell.veto" if binding_vetoes(score) else "cell.no_grade")

    def veto_outcome(self, score: ChecklistScore) -> str:
        """降为合格社区 / 不予评定: what a binding veto did to the grade."""
        if score.grade is None:
            return self.say("veto.withheld")
        return self.say("veto.lowered", grade=score.grade.label)
