"""How one item of a self-inspection reads: its figure, its standard, its result.

Every word comes from the ``self_inspection`` phrasebook
(wenshu/data/phrases/self_inspection.yaml); this module decides which phrase an item
takes and fills it from the item's score and the catalogue. :class:`Voice` carries
what every phrase of one report shares: the unit, the year, the line's topic and the
checklist.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wenshu.compute.checklist import ItemScore
from wenshu.generators.numbers import (
    RANGE,
    YUAN,
    format_count,
    format_points,
    format_target,
    format_value,
    format_yuan,
)
from wenshu.generators.phrasebook import Phrasebook
from wenshu.generators.phrasing import scope_word
from wenshu.models.catalogue import Catalogue, Indicator, Measure
from wenshu.models.checklist import (
    ActivityItem,
    ArchiveItem,
    Checklist,
    IndicatorItem,
    ObservedItem,
)

_DEFAULT_WORDING = {"indicator": "conformity", "activity": "completion", "observed": "conformity",
                    "archive": "conformity"}
# What a share's gap is counted in (比…低5个百分点, not 低5%): the phrase for each unit.
_GAP_PHRASES = {"%": "gap.percent", "‰": "gap.permille"}
_SYMBOLS = {"ge": "≥", "le": "≤", "eq": "="}


@dataclass(frozen=True)
class UnitProfile:
    """What the first part says about the unit itself."""

    code: str
    name: str
    level: str
    children: int  # peer children (the communities of a street …)
    child_noun: str
    figures: tuple[tuple[str, str], ...]  # (label, printed value): (常住人口数, 3200人)


def amount(value: Decimal, unit: str) -> str:
    """A quantity as a sentence states it: 4期, 12.5万份, 3.6万元; 0 as 0."""
    return format_yuan(value) if unit == YUAN else format_count(value, unit)


def clause(text: str) -> str:
    """Text without its closing full stop, to continue the sentence."""
    return text.strip().rstrip("。；，")


def sentence(text: str) -> str:
    """Text closed with a full stop, unless it already ends a sentence."""
    text = text.strip()
    return text if text.endswith(("。", "！", "？", "”", "）")) else f"{text}。"


def quoted(labels: list[str]) -> str:
    """“甲”“乙”“丙” (GB/T 15834: no 顿号 between quoted items)."""
    return "".join(f"“{label}”" for label in labels)


@dataclass(frozen=True)
class Voice:
    """One report's phrasebook and what its phrases share."""

    book: Phrasebook
    catalogue: Catalogue
    checklist: Checklist
    unit: UnitProfile
    year: int
    topic: str

    def say(self, key: str, *vary: object, **values: object) -> str:
        """A phrase with the report's shared words filled in; variants vary by unit."""
        shared = {"unit": self.unit.name, "year": self.year, "scope": scope_word(self.unit.level),
                  "topic": self.topic, "subject": self.checklist.subject,
                  "checklist": self.checklist.title}
        return self.book.say(key, self.unit.code, *vary, **(shared | values))

    # The item's unit and standard ---------------------------------------------------

    def indicator(self, score: ItemScore) -> Indicator:
        """The catalogue entry of an indicator item."""
        assert isinstance(score.item, IndicatorItem)
        return self.catalogue.indicators[score.item.indicator]

    def activity(self, key: str) -> str:
        """An activity type's name: 就业创业培训, 慰问帮扶."""
        return self.catalogue.activities[key].label

    def measure(self, activity: str, column: str) -> Measure:
        """The catalogue's measure of an activity type."""
        measure = self.catalogue.activities[activity].measure(column)
        assert measure is not None, (activity, column)
        return measure

    def symbols(self, score: ItemScore) -> str:
        """The standard in symbols, for the table: ≥90%, ≥4期, 103~107."""
        threshold = score.threshold
        assert threshold is not None
        if isinstance(score.item, IndicatorItem):
            return format_target(self.indicator(score), threshold)
        unit = score.unit
        if threshold.comparator == "range":
            assert threshold.high is not None
            return f"{amount(threshold.value, unit)}{RANGE}{amount(threshold.high, unit)}"
        return f"{_SYMBOLS[threshold.comparator]}{amount(threshold.value, unit)}"

    def standard(self, score: ItemScore) -> str:
        """The standard in words, for sentences: 不少于4期, 不超过2次, 3~5场."""
        threshold = score.threshold
        assert threshold is not None
        if threshold.comparator == "range":
            return self.symbols(score)
        return self.say(f"standard.{threshold.comparator}",
                        value=amount(threshold.value, score.unit))

    def requirement(self, score: ItemScore) -> str:
        """每年不少于4期 (ledger work is counted over the year), 不少于10盘."""
        if isinstance(score.item, ActivityItem):
            return self.say("requirement.yearly", standard=self.standard(score))
        return self.standard(score)

    def noun(self, score: ItemScore) -> str:
        """What an indicator is judged against: the checklist's own standard, the unit's
        signed target, or the catalogue's default, which is only a 参考目标."""
        assert score.threshold is not None
        if score.own_threshold:
            return self.say("noun.own")
        if score.evaluation is not None and score.evaluation.target_is_default:
            return self.say("noun.reference")
        return self.say("noun.ceiling" if score.threshold.comparator == "le" else "noun.floor")

    # The table's cells ----------------------------------------------------------------

    def content(self, score: ItemScore) -> str:
        """The table's first cell: the item and its standard (an archive item names its own)."""
        if score.threshold is None or isinstance(score.item, ArchiveItem):
            return score.item.label
        return f"{score.item.label}{self.symbols(score)}"

    def actual(self, score: ItemScore) -> str:
        """The table's figure cell."""
        if isinstance(score.item, IndicatorItem):
            return format_value(self.indicator(score), score.value)
        if score.yes_no:
            return self.say("cell.done" if score.level == "met" else "cell.undone")
        if isinstance(score.item, ArchiveItem):
            missing = sum(1 for check in score.documents if not check.ok)
            return (self.say("cell.documents_missing", count=missing) if missing
                    else self.say("cell.documents_complete"))
        assert score.value is not None
        return amount(score.value, score.unit)

    def result(self, score: ItemScore) -> str:
        """符合 / 基本符合 / 不符合, or 已完成 / 基本完成 / 未完成."""
        assert score.level is not None
        wording = score.item.wording or _DEFAULT_WORDING[score.item.kind]
        return self.say(f"result.{wording}.{score.level}")

    # Sentences ------------------------------------------------------------------------

    def missing_figures(self, score: ItemScore) -> str:
        """The base figures an indicator lacks: 出生人数、活产数 ("" when all were reported)."""
        evaluation = score.evaluation
        assert evaluation is not None
        ind = evaluation.indicator
        names = [self.catalogue.figures[source.figure].label
                 for source, value in ((ind.numerator, evaluation.numerator),
                                       (ind.denominator, evaluation.denominator))
                 if source is not None and source.figure is not None and value is None]
        return "、".join(names)

    def relation(self, score: ItemScore) -> str:
        """How an indicator stands to its standard: 比目标值（≥90%）高5个百分点."""
        ind, threshold, evaluation = self.indicator(score), score.threshold, score.evaluation
        assert threshold is not None and evaluation is not None and evaluation.gap is not None
        gap = evaluation.gap
        words = {"target": format_target(ind, threshold), "noun": self.noun(score),
                 "gap": format_points(ind, gap)}
        if threshold.comparator == "range":
            key = "in_range" if gap == 0 else "above_range" if gap > 0 else "below_range"
        elif threshold.comparator == "le" and gap <= 0:
            key = "within"
        elif gap == 0:
            key = "reached"
        elif threshold.comparator == "eq":
            key = "off"
        else:
            key = "above" if gap > 0 else "below"
        return self.say(f"relation.{key}", **words)

    def difference(self, score: ItemScore) -> str:
        """A ledger total or count against its standard: 达到…的要求 / 比…的要求少1期."""
        requirement = self.requirement(score)
        if score.level == "met":
            return self.say("difference.met", requirement=requirement)
        threshold, gap = score.threshold, score.shortfall
        assert threshold is not None and gap is not None
        unit = score.unit
        if unit in _GAP_PHRASES:
            key = {"ge": "lower", "le": "higher"}.get(threshold.comparator, "off")
            gap_text = self.say(_GAP_PHRASES[unit], value=format_count(gap))
        else:
            key = {"ge": "fewer", "le": "more"}.get(threshold.comparator, "off")
            gap_text = amount(gap, unit)
        return self.say(f"difference.{key}", requirement=requirement, gap=gap_text)

    def documents(self, score: ItemScore) -> str:
        """What an archive item found: 已归档…，…尚未归档（仅有草稿），未见…"""
        held = [check.name for check in score.documents if check.ok]
        drafts = [check.name for check in score.documents if not check.ok and check.status]
        missing = [check.name for check in score.documents if check.status is None]
        clauses = []
        if held:
            every = len(held) > 1 and not (drafts or missing)
            clauses.append(self.say("documents.all_filed" if every else "documents.filed",
                                    names="、".join(held)))
        if drafts:
            clauses.append(self.say("documents.drafts", names="、".join(drafts)))
        if missing:
            clauses.append(self.say("documents.missing", names="、".join(missing)))
        return "，".join(clauses)

    def evidence(self, score: ItemScore) -> str:
        """A judged item's figure with its relation to the standard, as one clause."""
        item = score.item
        if isinstance(item, IndicatorItem):
            return self._indicator_evidence(score)
        if isinstance(item, ArchiveItem):
            return self.documents(score)
        assert score.value is not None
        if isinstance(item, ObservedItem) and item.answer == "score":
            text = self.say("evidence.score", label=item.label, value=format_count(score.value),
                            points=format_count(item.points))
        else:
            text = self.say("evidence.line", stated=self._stated(score),
                            difference=self.difference(score))
        if score.note:
            text += self.say("evidence.note", note=clause(score.note))
        return text

    def _stated(self, score: ItemScore) -> str:
        """What the unit has: 2025年举办培训班8期 / 现有宣传板0块 / 文明家庭创建率75%."""
        item, value = score.item, score.value
        assert value is not None
        if isinstance(item, ActivityItem):
            if not value:
                return self.say("evidence.no_ledger", label=item.label)
            measure = self.measure(item.activity, item.measure)
            return self.say("evidence.ledger",
                            phrase=measure.render_phrase(phrase_value(value, measure.unit)))
        text = amount(value, score.unit)
        if isinstance(item, ObservedItem) and item.answer == "number":
            return self.say("evidence.number", label=item.label, value=text)
        return self.say("evidence.count", label=item.label, value=text)

    def _indicator_evidence(self, score: ItemScore) -> str:
        item, indicator = score.item, self.indicator(score)
        if score.value is None:
            missing = self.missing_figures(score)
            if not missing:
                # Every figure is in, yet no value: the denominator is zero.
                return self.say("evidence.no_base", label=item.label)
            return self.say("evidence.missing", label=item.label, figures=missing)
        source = indicator.numerator
        if indicator.unit == "count" and source.activity and not indicator.denominator:
            # A count of ledger work reads as the work (依托妇女之家开展活动12场), not as
            # its label and the same unit again (活动场次12场).
            measure = self.measure(source.activity, source.measure or "")
            phrase = measure.render_phrase(phrase_value(score.value, measure.unit))
            return self.say("evidence.count_work", phrase=phrase, relation=self.relation(score))
        return self.say("evidence.indicator", label=item.label,
                        value=format_value(indicator, score.value), relation=self.relation(score))


def phrase_value(value: Decimal, unit: str) -> str:
    """A total as a measure's phrase takes it: the phrase carries the unit, except money."""
    return format_yuan(value) if unit == YUAN else format_count(value)
