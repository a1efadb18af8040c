"""自查报告 (self-inspection report): a unit answers a fixed checklist with its own figures.

The report has four parts: 一、基本情况 (the unit and its year in figures), 二、自查情况
(per checklist section, each item's figure against its standard, then a score table with
section subtotals), 三、存在问题 (every item not fully met, figure against standard),
四、整改措施 (one per problem, due a set number of days after the report's date).
Every sentence is finished here; the template only places text.

The checklist and the unit's answers travel in ``DocumentOptions.spec`` as plain data
(:func:`inspection_spec`), so they are part of the document's input digest; so does what
the unit holds in the archive when the checklist has archive items.

Every item kind reads: indicators and ledger totals against their standard, counts and
figures the unit records, scores it gives itself (0 to the item's points), and the
documents an archive item asks for (filed, only drafted, or missing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

from wenshu.compute.checklist import (
    RECTIFY_DAYS,
    ArchiveHoldings,
    ChecklistScore,
    ItemScore,
    SectionScore,
    score_checklist,
)
from wenshu.compute.summary import ActivitySummary, compute_unit, peer_children
from wenshu.generators import template_build
from wenshu.generators.kinds import ContextRequest, DocumentKind
from wenshu.generators.numbers import (
    RANGE,
    cn_date,
    format_count,
    format_points,
    format_target,
    format_value,
    format_yuan,
    heading_number,
)
from wenshu.generators.phrasing import (
    issuing_organ,
    level_noun,
    numbered,
    pick,
    scope_word,
)
from wenshu.generators.template_build import TableColumn
from wenshu.models.catalogue import Catalogue, Indicator
from wenshu.models.checklist import (
    DEFAULT_CHECKLIST,
    ActivityItem,
    Answer,
    ArchiveItem,
    Checklist,
    ChecklistError,
    IndicatorItem,
    ObservedItem,
    answers_as_plain,
    answers_from_plain,
    load_answers,
    load_checklist,
    parse_checklist,
    resolve_checklist,
)
from wenshu.narrative import Narrative

# Days from the report's date to rectify an item: the item's, else the checklist's, else
# RECTIFY_DAYS by kind (answered items, files and archived documents within a month;
# ledger work and indicators two months).
# Base figures that describe a unit in the report's first part, in this order.
PROFILE_FIGURES = ("population", "married_women")
# Activity types named in the first part (most ledger records first).
PROFILE_ACTIVITIES = 4

_RESULT = {
    "conformity": {"met": "符合", "partial": "基本符合", "missed": "不符合"},
    "completion": {"met": "已完成", "partial": "基本完成", "missed": "未完成"},
}
_DEFAULT_WORDING = {"indicator": "conformity", "activity": "completion", "observed": "conformity",
                    "archive": "conformity"}
# What a figure's gap is counted in when its unit is a share: 比…低5个百分点, not 低5%.
_GAP_UNITS = {"%": "个百分点", "‰": "个千分点"}

COLUMNS = (
    TableColumn("序号", "no", Decimal(9)),
    TableColumn("自查内容及标准", "label", None),
    TableColumn("自查情况", "actual", Decimal(25)),
    TableColumn("结论", "result", Decimal(18), "自评结果"),
    TableColumn("分值", "points", Decimal(12), "自评结果"),
    TableColumn("得分", "earned", Decimal(12), "自评结果"),
)


@dataclass(frozen=True)
class UnitProfile:
    """What the first part says about the unit itself."""

    name: str
    level: str
    children: int  # peer children (the communities of a street …)
    child_noun: str
    figures: tuple[tuple[str, str], ...]  # (label, printed value): (常住人口, 3200人)


def inspection_spec(checklist: Checklist, answers: Mapping[str, Answer],
                    holdings: ArchiveHoldings | None = None) -> dict[str, Any]:
    """The ``DocumentOptions.spec`` of a self-inspection: checklist and answers as plain data,
    and what the unit holds in the archive (``holdings``, for a checklist's archive items)."""
    spec: dict[str, Any] = {"checklist": checklist.model_dump(mode="json"),
                            "answers": answers_as_plain(answers)}
    if holdings is not None:
        spec["archive"] = [[kind, period, status]
                           for (kind, period), status in sorted(holdings.items())]
    return spec


def read_holdings(spec: Mapping[str, Any]) -> ArchiveHoldings | None:
    """What the unit holds in the archive, back from :func:`inspection_spec` (None: not given)."""
    if "archive" not in spec:
        return None
    return {(kind, period): status for kind, period, status in spec["archive"]}


def read_spec(spec: Mapping[str, Any]) -> tuple[Checklist, dict[str, Answer]]:
    """The checklist and answers back from :func:`inspection_spec`."""
    if "checklist" not in spec:
        raise ChecklistError("a self-inspection needs a checklist and the unit's answers "
                             "(run it through the self_inspection flow)")
    checklist = parse_checklist(spec["checklist"], "the checklist")
    return checklist, answers_from_plain(spec.get("answers", {}))


def _amount(value: Decimal, unit: str) -> str:
    """A quantity as a sentence states it: 4期, 12.5万份, 3.6万元."""
    return format_yuan(value) if unit == "元" else format_count(value, unit)


def _phrase_value(value: Decimal, unit: str) -> str:
    """A total as a measure's phrase takes it: the phrase carries the unit, except money."""
    return format_yuan(value) if unit == "元" else format_count(value)


def _sentence(text: str) -> str:
    """Text closed with a full stop, unless it already ends a sentence."""
    text = text.strip()
    return text if text.endswith(("。", "！", "？", "”", "）")) else f"{text}。"


def _clause(text: str) -> str:
    """Text without its closing full stop, to continue the sentence."""
    return text.strip().rstrip("。；，")


def _points(value: Decimal) -> str:
    return format_count(value)


def _quoted(labels: Sequence[str]) -> str:
    """“甲”“乙”“丙” (GB/T 15834: no 顿号 between quoted items)."""
    return "".join(f"“{label}”" for label in labels)


class _Phrases:
    """How one unit's items read: figures, standards and results, from the catalogue."""

    def __init__(self, catalogue: Catalogue, year: int):
        self.catalogue = catalogue
        self.year = year

    def indicator(self, score: ItemScore) -> Indicator:
        """The catalogue entry of an indicator item."""
        assert isinstance(score.item, IndicatorItem)
        return self.catalogue.indicators[score.item.indicator]

    def unit_of(self, score: ItemScore) -> str:
        """What a measured item's figure is counted in (期, 盘, 份 documents, 分 points …)."""
        item = score.item
        if isinstance(item, ActivityItem):
            measure = self.catalogue.activities[item.activity].measure(item.measure)
            assert measure is not None
            return measure.unit
        if isinstance(item, ArchiveItem):
            return "份"
        if isinstance(item, ObservedItem):
            return "分" if item.answer == "score" else item.unit
        return ""

    def symbols(self, score: ItemScore) -> str:
        """The standard in symbols, for the table: ≥90%, ≥4期, 103~107."""
        threshold = score.threshold
        assert threshold is not None
        if isinstance(score.item, IndicatorItem):
            return format_target(self.indicator(score), threshold)
        unit = self.unit_of(score)
        if threshold.comparator == "range":
            assert threshold.high is not None
            return f"{_amount(threshold.value, unit)}{RANGE}{_amount(threshold.high, unit)}"
        sign = {"ge": "≥", "le": "≤", "eq": "="}[threshold.comparator]
        return f"{sign}{_amount(threshold.value, unit)}"

    def words(self, score: ItemScore) -> str:
        """The standard in words, for sentences: 不少于4期, 不超过2次, 3~5场."""
        threshold = score.threshold
        assert threshold is not None
        unit = self.unit_of(score)
        low = _amount(threshold.value, unit)
        if threshold.comparator == "range":
            assert threshold.high is not None
            return f"{low}{RANGE}{_amount(threshold.high, unit)}"
        return {"ge": "不少于", "le": "不超过", "eq": ""}[threshold.comparator] + low

    def requirement(self, score: ItemScore) -> str:
        """每年不少于4期 (ledger work is counted over the year), 不少于10盘."""
        prefix = "每年" if isinstance(score.item, ActivityItem) else ""
        return prefix + self.words(score)

    def noun(self, score: ItemScore) -> str:
        """What an indicator is measured against: the checklist's standard or the unit's target."""
        assert score.threshold is not None
        if score.own_threshold:
            return "自查标准"
        return "控制目标" if score.threshold.comparator == "le" else "目标值"

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
            return "已落实" if score.level == "met" else "未落实"
        if isinstance(score.item, ArchiveItem):
            missing = sum(1 for check in score.documents if not check.ok)
            return f"缺{missing}份" if missing else "齐全"
        assert score.value is not None
        return _amount(score.value, self.unit_of(score))

    def result(self, score: ItemScore) -> str:
        """符合 / 基本符合 / 不符合, or 已完成 / 基本完成 / 未完成."""
        assert score.level is not None
        wording = score.item.wording or _DEFAULT_WORDING[score.item.kind]
        return _RESULT[wording][score.level]

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
        """How an indicator stands to its standard: 比目标值（≥90%）高5.00个百分点."""
        ind, threshold = self.indicator(score), score.threshold
        assert score.value is not None and threshold is not None
        evaluation = score.evaluation
        assert evaluation is not None and evaluation.gap is not None
        gap, target = evaluation.gap, format_target(ind, threshold)
        points, noun = format_points(ind, gap), self.noun(score)
        if threshold.comparator == "range":
            if gap == 0:
                return f"处于{target}的正常范围内"
            return f"{'高' if gap > 0 else '低'}于正常范围（{target}）{points}"
        if threshold.comparator == "le" and gap <= 0:
            return f"控制在{noun}（{target}）以内"
        if gap == 0:
            return f"达到{noun}（{target}）"
        if threshold.comparator == "eq":
            return f"与{noun}（{target}）相差{points}"
        return f"比{noun}（{target}）{'高' if gap > 0 else '低'}{points}"

    def difference(self, score: ItemScore) -> str:
        """A ledger total or count against its standard: 达到…的要求 / 比…的要求少1期."""
        requirement = self.requirement(score)
        if score.level == "met":
            return f"达到{requirement}的要求"
        threshold, gap = score.threshold, score.shortfall
        assert threshold is not None and gap is not None
        unit = self.unit_of(score)
        more = {"ge": "少", "le": "多"}.get(threshold.comparator, "相差")
        if unit in _GAP_UNITS:
            more = {"ge": "低", "le": "高"}.get(threshold.comparator, "相差")
            return f"比{requirement}的要求{more}{format_count(gap)}{_GAP_UNITS[unit]}"
        return f"比{requirement}的要求{more}{_amount(gap, unit)}"

    def documents(self, score: ItemScore) -> str:
        """What an archive item found: 已归档…；…尚未归档（仅有草稿）；未见…"""
        held = [check.name for check in score.documents if check.ok]
        drafts = [check.name for check in score.documents if not check.ok and check.status]
        missing = [check.name for check in score.documents if check.status is None]
        clauses = []
        if held:
            clauses.append(("、".join(held) + "均已归档") if len(held) > 1 and not (
                drafts or missing) else f"已归档{'、'.join(held)}")
        if drafts:
            clauses.append(f"{'、'.join(drafts)}尚未归档（仅有草稿）")
        if missing:
            clauses.append(f"未见{'、'.join(missing)}")
        return "，".join(clauses)

    def evidence(self, score: ItemScore) -> str:
        """A measured item's figure with its relation to the standard, as one clause."""
        item = score.item
        if isinstance(item, IndicatorItem):
            if score.value is None:
                missing = self.missing_figures(score)
                if not missing:
                    # Every figure is in, yet no value: the denominator is zero.
                    return f"{item.label}的计算基数为0，无法计算"
                return f"因{missing}未报送，{item.label}无法计算"
            return f"{item.label}{format_value(self.indicator(score), score.value)}，{self.relation(score)}"
        if isinstance(item, ArchiveItem):
            return self.documents(score)
        assert score.value is not None
        unit = self.unit_of(score)
        if isinstance(item, ObservedItem) and item.answer == "score":
            text = (f"{item.label}自评{_points(score.value)}分"
                    f"（满分{_points(item.points)}分）")
            if score.answer is not None and score.answer.note:
                text += f"（{_clause(score.answer.note)}）"
            return text
        if isinstance(item, ActivityItem):
            if score.value == 0:
                stated = f"{self.year}年台账中未登记{item.label}"
            else:
                measure = self.catalogue.activities[item.activity].measure(item.measure)
                assert measure is not None
                stated = f"{self.year}年{measure.render_phrase(_phrase_value(score.value, unit))}"
        elif isinstance(item, ObservedItem) and item.answer == "number":
            stated = f"{item.label}{_amount(score.value, unit)}"
        else:
            stated = f"现有{item.label}{_amount(score.value, unit)}" if score.value else f"尚无{item.label}"
        text = f"{stated}，{self.difference(score)}"
        if score.answer is not None and score.answer.note:
            text += f"（{_clause(score.answer.note)}）"
        return text


def _section_paragraphs(phrases: _Phrases, section: SectionScore) -> list[str]:
    judged = [s for s in section.items if s.level is not None]
    paragraphs = [_section_opening(section, judged)] if judged else []
    measured = [phrases.evidence(s) for s in judged if not s.yes_no]
    if measured:
        paragraphs.append("；".join(measured) + "。")
    yes_no = [s for s in judged if s.yes_no]
    if yes_no:
        done = [s.item.label for s in yes_no if s.level == "met"]
        undone = [s.item.label for s in yes_no if s.level != "met"]
        clauses = []
        if done:
            clauses.append(f"{_quoted(done)}{f'等{len(done)}项要求均' if len(done) > 1 else ''}已落实")
        if undone:
            clauses.append(f"{_quoted(undone)}{f'等{len(undone)}项要求' if len(undone) > 1 else ''}尚未落实")
        text = "经逐项核对，" + "；".join(clauses) + "。"
        text += "".join(_sentence(s.answer.note) for s in yes_no if s.answer and s.answer.note)
        paragraphs.append(text)
    for score in section.items:
        if score.level is None and score.answer is not None:
            paragraphs.append(f"{score.item.label}：{_sentence(str(score.answer.value))}")
    return paragraphs


def _tally(judged: Sequence[ItemScore]) -> str:
    """其中5项达到要求，1项基本达到要求，2项未达到要求 ("" when every item is met)."""
    counts = {level: sum(1 for s in judged if s.level == level)
              for level in ("met", "partial", "missed")}
    if counts["met"] == len(judged):
        return ""
    return "其中" + "，".join(
        f"{counts[level]}项{word}" for level, word in
        (("met", "达到要求"), ("partial", "基本达到要求"), ("missed", "未达到要求"))
        if counts[level])


def _section_opening(section: SectionScore, judged: list[ItemScore]) -> str:
    """本部分共6项，满分40分，自评得分34分，其中5项达到要求，1项未达到要求。"""
    opening = (f"本部分共{len(judged)}项，满分{_points(section.section.max_points)}分，"
               f"自评得分{_points(section.earned)}分")
    return f"{opening}，{_tally(judged) or '各项均达到要求'}。"


def _score_rows(phrases: _Phrases, score: ChecklistScore) -> list[dict[str, str]]:
    rows, number = [], 0
    for section in score.sections:
        for item in section.items:
            if item.level is None:
                continue
            number += 1
            rows.append({"no": str(number), "label": phrases.content(item),
                         "actual": phrases.actual(item), "result": phrases.result(item),
                         "points": _points(item.item.points), "earned": _points(item.earned)})
        rows.append({"no": "", "label": f"{section.section.title}小计", "actual": "",
                     "result": "", "points": _points(section.section.max_points),
                     "earned": _points(section.earned)})
    verdict = score.grade.label if score.grade else ("一票否决" if score.vetoed else "")
    rows.append({"no": "", "label": "合计", "actual": "", "result": verdict,
                 "points": _points(score.checklist.max_points), "earned": _points(score.earned)})
    return rows


def _grade_phrase(score: ChecklistScore) -> str:
    """，达到模范社区标准 / ，但…为一票否决项 / ，未达到先进社区标准 / nothing without grades."""
    checklist = score.checklist
    if score.vetoed:
        labels = _quoted([s.item.label for s in score.vetoed])
        return f"，但{labels}未达到要求，按评分标准实行一票否决"
    if score.grade is not None:
        return f"，达到{score.grade.label}标准"
    if checklist.grades:
        return f"，未达到{checklist.grades[-1].label}标准"
    return ""


def _inspection_intro(profile: UnitProfile, score: ChecklistScore) -> str:
    checklist, judged = score.checklist, score.judged
    text = (f"对照《{checklist.title}》{len(checklist.sections)}个方面{len(judged)}项评分内容，"
            f"{profile.name}逐项核对工作台账、基础数据和现场情况，自评得分{_points(score.earned)}分"
            f"（满分{_points(checklist.max_points)}分）{_grade_phrase(score)}。")
    return f"{text}{_tally(judged) or '各项内容均达到要求'}。各项自查结果及得分见表1。"


def _problem(phrases: _Phrases, score: ItemScore) -> dict[str, str]:
    item = score.item
    threshold = score.threshold
    deduction = (f"本项{_points(item.points)}分，"
                 + (f"自评得{_points(score.earned)}分。" if score.earned else "自评不得分。"))
    if score.yes_no:
        lead = f"“{item.label}”的要求尚未落实。"
    elif isinstance(item, IndicatorItem) and score.value is None:
        lead = f"{item.label}缺少基础数据。"
    elif isinstance(item, ArchiveItem):
        lead = f"“{item.label}”的要求未落实到位。"
    elif isinstance(item, ObservedItem) and item.answer == "score":
        lead = f"“{item.label}”有待改进。"
    elif score.level == "partial":
        lead = f"{item.label}基本达到要求，但仍有差距。"
    elif isinstance(item, IndicatorItem):
        assert threshold is not None
        lead = {"le": f"{item.label}超过{phrases.noun(score)}。",
                "range": f"{item.label}超出正常范围。"}.get(
            threshold.comparator, f"{item.label}未达到{phrases.noun(score)}。")
    else:
        assert threshold is not None
        short = ("开展不足" if isinstance(item, ActivityItem)
                 else "未达到要求" if isinstance(item, ObservedItem) and item.answer == "number"
                 else "数量不足")
        lead = f"{item.label}{short if threshold.comparator == 'ge' else '不符合要求'}。"
    if score.yes_no or (isinstance(item, ObservedItem) and item.answer == "score"):
        text = f"对照评分标准，{deduction}"
        if score.answer is not None and score.answer.note:
            text += _sentence(score.answer.note)
    else:
        text = f"{_clause(phrases.evidence(score))}，{deduction}"
    if item.veto:
        text += "该项为一票否决项。"
    return {"lead": lead, "text": text}


def _measure(phrases: _Phrases, score: ItemScore, issued_on: date,
             checklist: Checklist) -> dict[str, str]:
    item = score.item
    days = item.rectify_days or checklist.rectify_days or RECTIFY_DAYS[item.kind]
    deadline = cn_date(issued_on + timedelta(days=days))
    threshold = score.threshold
    remedy, goal = _clause(item.remedy), ""
    if isinstance(item, IndicatorItem):
        if score.value is None:
            # The item's remedy raises the figure; here the figure itself is missing.
            lead = f"补报{item.label}基础数据。"
            missing = phrases.missing_figures(score) or "相关基础数据"
            remedy = f"督促核实并补报{missing}，完善基础数据台账"
        else:
            assert threshold is not None
            target = format_target(phrases.indicator(score), threshold)
            lead = {"le": f"控制{item.label}。", "range": f"促进{item.label}回归正常范围。"}.get(
                threshold.comparator, f"提升{item.label}。")
            remedy = remedy or f"逐月跟踪{item.label}，查找未达标原因并落实补救措施"
            goal = (f"确保回到{target}的正常范围" if threshold.comparator == "range"
                    else f"确保达到{target}的要求")
    elif isinstance(item, ActivityItem):
        lead = f"加强{item.label}。"
        remedy = remedy or f"合理安排{item.label}，落实专人负责并及时登记台账"
        goal = f"确保{phrases.requirement(score)}"
    elif score.yes_no:
        lead = f"落实“{item.label}”的要求。"
        remedy = remedy or "明确专人负责，落实所需场地、设备和资料"
    elif isinstance(item, ArchiveItem):
        lead = "补齐归档材料。"
        names = "、".join(check.name for check in score.documents if not check.ok)
        remedy = remedy or f"补齐{names}，按规定审核后归档"
    elif isinstance(item, ObservedItem) and item.answer == "score":
        lead = f"改进“{item.label}”方面的工作。"
        remedy = remedy or f"对照评分标准，逐项完善“{item.label}”的相关工作"
    elif isinstance(item, ObservedItem) and item.answer == "number":
        assert threshold is not None
        lead = (f"控制{item.label}。" if threshold.comparator == "le" else f"提升{item.label}。")
        remedy = remedy or f"查找{item.label}未达标的原因，落实改进措施"
        goal = f"确保{phrases.words(score)}"
    else:
        lead = f"补充{item.label}。"
        remedy = remedy or f"补充配置{item.label}"
        goal = f"确保{phrases.words(score)}"
    parts = [p for p in (remedy, goal) if p]
    text = "，".join(parts) + f"，于{deadline}前整改到位（{days}日内）。"
    return {"lead": lead, "text": text}


def _basic_paragraphs(profile: UnitProfile, activities: Sequence[ActivitySummary],
                      catalogue: Catalogue, year: int, narrative: Narrative) -> list[str]:
    paragraphs = []
    parts = []
    if profile.children:
        parts.append(f"下辖{profile.children}个{profile.child_noun}")
    parts.extend(f"{label}{value}" for label, value in profile.figures)
    if parts:
        paragraphs.append(f"{profile.name}{'，'.join(parts)}。")
    records = sum(a.records for a in activities)
    if records:
        clauses = []
        busiest = sorted((a for a in activities if a.records),
                         key=lambda a: (-a.records, a.key))[:PROFILE_ACTIVITIES]
        for summary in busiest:
            kind = catalogue.activities[summary.key]
            total = next((t for t in summary.measures if t.value), None)
            measure = kind.measure(total.column) if total else None
            if total is not None and measure is not None:
                clauses.append(measure.render_phrase(_phrase_value(total.value, measure.unit)))
        scope = scope_word(profile.level)
        text = f"{year}年，{scope}共登记工作台账{format_count(records)}条"
        paragraphs.append(text + ("，" + "，".join(clauses) if clauses else "") + "。")
    else:
        paragraphs.append(f"{year}年，{profile.name}暂未登记工作台账。")
    paragraphs.extend(narrative.highlights)
    return paragraphs


def _opening(profile: UnitProfile, checklist: Checklist, year: int, code: str) -> str:
    basis = f"按照{checklist.basis}的要求，" if checklist.basis else ""
    return pick(
        (f"{basis}{profile.name}对照《{checklist.title}》，对{year}年{checklist.subject}"
         "开展情况进行了全面自查。现将自查情况报告如下：",
         f"为全面检验{year}年{checklist.subject}成效，{basis}{profile.name}组织专人对照"
         f"《{checklist.title}》逐项开展了自查。现将有关情况报告如下："),
        code, checklist.key, "opening",
    )


def build_context(score: ChecklistScore, profile: UnitProfile,
                  activities: Sequence[ActivitySummary], catalogue: Catalogue, *, year: int,
                  unit_code: str, issued_on: date, narrative: Narrative | None = None,
                  signature_unit: str | None = None) -> dict[str, Any]:
    """The template context of a 自查报告 (every value a finished string)."""
    narrative = narrative or Narrative()
    checklist = score.checklist
    phrases = _Phrases(catalogue, year)
    sections = [
        {"heading": f"{heading_number(2, n)}{section.section.title}",
         "paragraphs": _section_paragraphs(phrases, section)}
        for n, section in enumerate(score.sections, start=1)
    ]
    not_met = score.not_met
    problems = [_problem(phrases, s) for s in not_met]
    problems.extend({"lead": "", "text": _sentence(text)} for text in narrative.problems)
    if not problems:
        problems.append({"lead": "", "text": f"对照《{checklist.title}》逐项自查，各项内容均达到"
                                            "要求，未发现问题。"})
    measures = [_measure(phrases, s, issued_on, checklist) for s in not_met]
    measures.extend({"lead": "", "text": _sentence(text)} for text in narrative.plans)
    return {
        "title": f"{profile.name}{year}年{checklist.subject}自查报告",
        "opening": _opening(profile, checklist, year, unit_code),
        "basic_heading": f"{heading_number(1, 1)}基本情况",
        "basic_paragraphs": _basic_paragraphs(profile, activities, catalogue, year, narrative),
        "inspection_heading": f"{heading_number(1, 2)}自查情况",
        "inspection_intro": _inspection_intro(profile, score),
        "inspection_sections": sections,
        "table_caption": f"表1  {profile.name}{year}年{checklist.subject}自查评分表",
        "score_rows": _score_rows(phrases, score),
        "problems_heading": f"{heading_number(1, 3)}存在问题",
        "problems": numbered(problems),
        "measures_heading": f"{heading_number(1, 4)}整改措施",
        "measures_intro": (f"针对自查发现的问题，{profile.name}逐项制定整改措施、明确完成时限"
                           "（时限自本报告印发之日起计算），具体如下："),
        "measures": numbered(measures),
        "signature_unit": signature_unit or profile.name,
        "signature_date": cn_date(issued_on),
    }


def unit_profile(request: ContextRequest) -> UnitProfile:
    """The unit, its peer children and its profile figures for the request's year."""
    snapshot, code, year = request.snapshot, request.unit_code, request.period.start.year
    unit = snapshot.unit_map[code]
    children = peer_children(snapshot, code)
    levels = {snapshot.unit_map[c].level for c in children}
    noun = level_noun(levels)
    figures = []
    for key in PROFILE_FIGURES:
        figure = request.catalogue.figures.get(key)
        value = request.rollup.figure(code, year, key) if figure else None
        if figure is not None and value is not None:
            # 常住人口数 → 常住人口: the count follows, and 数 would say it twice.
            figures.append((figure.label.removesuffix("数"), _amount(value, figure.unit)))
    return UnitProfile(unit.name, unit.level, len(children), noun, tuple(figures))


def build(request: ContextRequest) -> dict[str, Any]:
    """The self-inspection context for one unit (the kind's builder)."""
    checklist, answers = read_spec(request.options.spec)
    year = request.period.start.year
    score = score_checklist(checklist, answers, request.catalogue, request.rollup,
                            request.unit_code, year, archive=read_holdings(request.options.spec))
    report = compute_unit(request.snapshot, request.catalogue, request.unit_code,
                          request.period, request.rollup)
    options = request.options
    return build_context(score, unit_profile(request), report.activities, request.catalogue,
                         year=year, unit_code=request.unit_code, issued_on=options.issued_on,
                         narrative=options.narrative, signature_unit=options.signature_unit
                         or issuing_organ(request.snapshot.unit_map[request.unit_code]))


def build_template(path: Path) -> None:
    """Write the 自查报告 template to ``path``.

    The title lines, 发文字号, 主送机关, 附件说明 and 版记 come from the shared blocks,
    filled by :func:`wenshu.generators.layout_context.layout_context`.
    """
    profile = template_build.load_layout("gbt9704")
    document = template_build.new_document(profile, "自查报告")
    add = document.add_paragraph

    template_build.title_block(document)
    add("{{ opening }}")

    add("{{ basic_heading }}", style="Heading 1")
    add("{%p for paragraph in basic_paragraphs %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")

    add("{{ inspection_heading }}", style="Heading 1")
    add("{{ inspection_intro }}")
    add("{%p for section in inspection_sections %}")
    add("{{ section.heading }}", style="Heading 2")
    add("{%p for paragraph in section.paragraphs %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")
    add("{%p endfor %}")
    add("{{ table_caption }}", style="Caption")
    template_build.loop_table(document, profile, COLUMNS, "score_rows")

    add("{{ problems_heading }}", style="Heading 1")
    template_build.lead_paragraphs(document, "problems")

    add("{%p if measures %}")
    add("{{ measures_heading }}", style="Heading 1")
    add("{{ measures_intro }}")
    template_build.lead_paragraphs(document, "measures")
    add("{%p endif %}")

    template_build.signature(document)
    template_build.save(document, path)


SAMPLE_ANSWERS = Path(str(files("wenshu") / "data" / "samples" / "self_inspection_answers.yaml"))


def sample_options() -> dict[str, Any]:
    """The shipped checklist with the sample answers, for the built-in sample street."""
    checklist = load_checklist(resolve_checklist(DEFAULT_CHECKLIST))
    return {"spec": inspection_spec(checklist, load_answers(SAMPLE_ANSWERS, checklist)),
            "topic": checklist.key}


SELF_INSPECTION = DocumentKind("self_inspection", "自查报告", "self_inspection", build,
                               build_template, sample_options=sample_options)
