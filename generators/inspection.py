"""检查情况反馈意见 and 检查情况通报: what a supervisor's inspection of units puts on paper.

One inspection (a checklist applied to a set of units for a period) makes two kinds of
document:

- ``inspection_report`` (检查情况反馈意见), one per inspected unit and filed under it: its
  score item by item with section subtotals and the total, its grade and its place in
  the ranking, every lost point as a problem with its evidence (the figure against its
  standard, the documents missing, the inspectors' note), the 整改意见 with their
  deadlines, and what the unit must report back by when;
- ``inspection_bulletin`` (检查情况通报), one per inspection and filed under the issuing
  unit: how the units were judged, the scores table (section subtotals, total, rank with
  ties, grade), the problems several units share, each unit's problems, and the
  requirements that follow.

A follow-up inspection (the same checklist for a later period) also says, for every
problem the previous inspection found, whether it was put right (已整改) or not (未整改),
in both documents.

Everything an inspection rests on travels in ``DocumentOptions.spec`` as plain data
(:func:`report_spec`, :func:`bulletin_spec`), so it is part of each document's input
digest: the checklist, the inspection date, each unit's findings and archive holdings,
the previous inspection's, and for a unit's report its place in the ranking. The
builders score from it with :mod:`wenshu.compute.checklist`; they never touch the
database or files. Every sentence is finished here; the templates only place text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from docx.document import Document

from wenshu.compute.checklist import (
    ArchiveHoldings,
    ChecklistScore,
    Finding,
    FollowUp,
    ItemScore,
    findings,
    follow_up,
    score_checklist,
)
from wenshu.compute.ranking import Ranked, rank_totals
from wenshu.compute.rounding import round_fraction
from wenshu.compute.snapshot import Snapshot
from wenshu.compute.summary import Rollup
from wenshu.generators import template_build
from wenshu.generators.kinds import ContextRequest, DocumentKind
from wenshu.generators.numbers import cn_date, cn_number, format_count, heading_number
from wenshu.generators.phrasing import issuing_organ, level_noun, numbered, pick
from wenshu.generators.template_build import TableColumn
from wenshu.models.catalogue import Catalogue
from wenshu.models.checklist import (
    Answer,
    ArchiveItem,
    Checklist,
    ChecklistError,
    IndicatorItem,
    ObservedItem,
    answers_as_plain,
    answers_from_plain,
    load_checklist,
    parse_answers,
    parse_checklist,
    plain_number,
    resolve_checklist,
    threshold_text,
)
from wenshu.narrative import Narrative
from wenshu.periods import Period

# Names listed in a sentence before the rest are counted instead: 东湖社区、…等23个社区.
NAMES_LISTED = 10
# A problem is common (共性问题) when at least this many units lost points on it.
COMMON_AT_LEAST = 2

REPORT_COLUMNS = (
    TableColumn("序号", "no", Decimal(9)),
    TableColumn("检查项目及评分标准", "label", None),
    TableColumn("检查情况", "actual", Decimal(30)),
    TableColumn("分值", "points", Decimal(13)),
    TableColumn("得分", "earned", Decimal(13)),
)
REPORT_FOLLOWUP_COLUMNS = (
    TableColumn("序号", "no", Decimal(9)),
    TableColumn("上次检查指出的问题", "problem", None),
    TableColumn("此次复查情况", "now", Decimal(50)),
    TableColumn("整改情况", "status", Decimal(20)),
)
BULLETIN_FOLLOWUP_COLUMNS = (
    TableColumn("序号", "no", Decimal(9)),
    TableColumn("单位", "name", Decimal(28)),
    TableColumn("上次问题", "found", Decimal(15), "问题数（个）"),
    TableColumn("已整改", "fixed", Decimal(15), "问题数（个）"),
    TableColumn("未整改", "open", Decimal(15), "问题数（个）"),
    TableColumn("未整改的问题", "pending", None),
)
# The scores table: rank and unit, one column per checklist section, total and grade.
RANKING_LEAD = (TableColumn("名次", "rank", None), TableColumn("单位", "name", None))
RANKING_TAIL = (TableColumn("总分", "total", None), TableColumn("等次", "grade", None))

FIXED, OPEN = "已整改", "未整改"


# The inspection's inputs as plain data ---------------------------------------------------


@dataclass(frozen=True)
class UnitRecord:
    """What an inspection holds for one unit: the inspectors' answers and its archive."""

    answers: Mapping[str, Answer]
    archive: ArchiveHoldings

    def plain(self) -> dict[str, Any]:
        """As plain data for a document's spec (hashed into its inputs)."""
        return {"answers": answers_as_plain(self.answers),
                "archive": [[kind, period, status]
                            for (kind, period), status in sorted(self.archive.items())]}

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> UnitRecord:
        """Back from :meth:`plain`."""
        return cls(answers_from_plain(data["answers"]),
                   {(kind, period): status for kind, period, status in data["archive"]})


@dataclass(frozen=True)
class Place:
    """A unit's place in the ranking: rank (1 is best), out of how many, tied with whom."""

    rank: int
    of: int
    tied: tuple[str, ...] = ()  # the names of the other units sharing the rank
    noun: str = "单位"  # what the units inspected are: 社区, 街道, 单位

    def plain(self) -> dict[str, Any]:
        """As plain data for a document's spec."""
        return {"rank": self.rank, "of": self.of, "tied": list(self.tied), "noun": self.noun}


def _checklist_plain(checklist: Checklist) -> dict[str, Any]:
    return checklist.model_dump(mode="json")


def report_spec(checklist: Checklist, inspected_on: date, issuer: str, record: UnitRecord,
                place: Place, previous: tuple[Period, UnitRecord] | None = None
                ) -> dict[str, Any]:
    """The ``DocumentOptions.spec`` of one unit's 检查情况反馈意见.

    ``issuer`` is the inspecting unit's name; ``previous`` the earlier inspection's
    period and this unit's record in it, for a follow-up.
    """
    return {"checklist": _checklist_plain(checklist), "inspected_on": inspected_on.isoformat(),
            "issuer": issuer, "unit": record.plain(), "place": place.plain(),
            "previous": None if previous is None else {"period": previous[0].code,
                                                       "unit": previous[1].plain()}}


def bulletin_spec(checklist: Checklist, inspected_on: date, records: Mapping[str, UnitRecord],
                  previous: tuple[Period, Mapping[str, UnitRecord]] | None = None
                  ) -> dict[str, Any]:
    """The ``DocumentOptions.spec`` of an inspection's 检查情况通报: every unit's record
    (by unit code) and, for a follow-up, the earlier inspection's period and records."""
    return {"checklist": _checklist_plain(checklist), "inspected_on": inspected_on.isoformat(),
            "units": {code: record.plain() for code, record in sorted(records.items())},
            "previous": None if previous is None else {
                "period": previous[0].code,
                "units": {code: r.plain() for code, r in sorted(previous[1].items())}}}


# Scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitInspection:
    """One unit's inspection: score, findings and (in a follow-up) the earlier findings."""

    code: str
    name: str
    score: ChecklistScore
    findings: tuple[Finding, ...]
    # Every item the earlier inspection found not fully met, as it stands now; None when
    # the inspection is no follow-up or the unit was not inspected the time before.
    follow_ups: tuple[FollowUp, ...] | None = None
    earlier: Mapping[str, Finding] | None = None  # the earlier findings, by item key

    @property
    def total(self) -> Decimal:
        """The unit's total."""
        return self.score.earned

    @property
    def lost(self) -> Decimal:
        """Points lost in all."""
        return sum((f.lost for f in self.findings), Decimal(0))

    def still_open(self, key: str) -> bool:
        """Whether the earlier inspection already found the item not met and it still is not."""
        return any(f.before.item.key == key and not f.rectified for f in self.follow_ups or ())


def period_months(period: Period) -> frozenset[int]:
    """The ledger months a period's figures count (January to the period's end)."""
    return frozenset(range(1, period.end.month + 1))


def inspect_unit(checklist: Checklist, record: UnitRecord, catalogue: Catalogue, rollup: Rollup,
                 code: str, name: str, period: Period, inspected_on: date,
                 previous: tuple[Period, UnitRecord, Rollup] | None = None) -> UnitInspection:
    """Score one unit, list its findings, and set them beside the earlier inspection's.

    ``rollup`` covers the unit's subtree for ``period``; ``previous`` is the earlier
    inspection's period, the unit's record then, and a rollup for that period.
    """
    score = score_checklist(checklist, record.answers, catalogue, rollup, code,
                            period.start.year, archive=record.archive)
    found = tuple(findings(score, catalogue, inspected_on))
    if previous is None:
        return UnitInspection(code, name, score, found)
    before_period, before_record, before_rollup = previous
    before = score_checklist(checklist, before_record.answers, catalogue, before_rollup, code,
                             before_period.start.year, archive=before_record.archive)
    # The earlier findings' evidence; their deadlines are not restated here.
    earlier = {f.item.key: f for f in findings(before, catalogue, before_period.end)}
    return UnitInspection(code, name, score, found, tuple(follow_up(before, score)), earlier)


def rank_units(units: Sequence[UnitInspection]) -> list[Ranked]:
    """The units ranked by total (ties share a rank; see :func:`rank_totals`)."""
    return rank_totals({unit.code: unit.total for unit in units})


def place_of(code: str, ranked: Sequence[Ranked], names: Mapping[str, str],
             noun: str = "单位") -> Place:
    """A unit's :class:`Place` in ``ranked``."""
    mine = next(r for r in ranked if r.unit_code == code)
    tied = tuple(names[r.unit_code] for r in ranked if r.rank == mine.rank and r.unit_code != code)
    return Place(mine.rank, len(ranked), tied, noun)


# Phrases ------------------------------------------------------------------------------------


def _points(value: Decimal) -> str:
    return format_count(value)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith(("。", "！", "？", "”", "）")) else f"{text}。"


def quote(label: str) -> str:
    """“label”, its own quotation marks turned single (GB/T 15834: ‘’ inside “”)."""
    return "“" + label.replace("“", "‘").replace("”", "’") + "”"


def _quoted(labels: Sequence[str]) -> str:
    """“甲”“乙” (GB/T 15834: no 顿号 between quoted items)."""
    return "".join(quote(label) for label in labels)


def names_text(names: Sequence[str], noun: str = "单位") -> str:
    """东湖社区、东山社区; past :data:`NAMES_LISTED` names: 东湖社区、…等23个社区."""
    if len(names) <= NAMES_LISTED:
        return "、".join(names)
    return f"{'、'.join(names[:NAMES_LISTED])}等{len(names)}个{noun}"


def period_words(period: Period) -> str:
    """2025年, 2025年上半年, 2025年第三季度, 2025年3月."""
    year = period.start.year
    code = period.code
    if code == str(year):
        return f"{year}年"
    if code[4] == "H":
        return f"{year}年{'上' if code[5] == '1' else '下'}半年"
    if code[4] == "Q":
        return f"{year}年第{cn_number(int(code[5]))}季度"
    return f"{year}年{period.start.month}月"


def _standard(score: ItemScore) -> str:
    assert score.threshold is not None
    return threshold_text(score.threshold, score.unit)


def item_content(score: ItemScore) -> str:
    """The scores table's first cell: the item and its standard (孕环情检查受检率≥90%)."""
    if score.threshold is None or isinstance(score.item, ArchiveItem):
        return score.item.label
    return f"{score.item.label}{_standard(score)}"


def item_actual(score: ItemScore) -> str:
    """The scores table's finding cell: 92.80%, 4块, 已落实, 缺1份, 现场评定."""
    item = score.item
    if isinstance(item, ArchiveItem):
        missing = sum(1 for check in score.documents if not check.ok)
        return f"缺{missing}份" if missing else "齐全"
    if score.yes_no:
        return "已落实" if score.level == "met" else "未落实"
    if isinstance(item, ObservedItem) and item.answer == "score":
        return "现场评定"
    if score.value is None:
        return "无法计算"
    if isinstance(item, IndicatorItem):
        return f"{plain_number(score.value)}{score.unit}"
    return f"{format_count(score.value)}{score.unit}"


def _score_rows(score: ChecklistScore) -> list[dict[str, str]]:
    rows, number = [], 0
    for section in score.sections:
        for item in section.items:
            if item.level is None:
                continue
            number += 1
            rows.append({"no": str(number), "label": item_content(item),
                         "actual": item_actual(item), "points": _points(item.item.points),
                         "earned": _points(item.earned)})
        rows.append({"no": "", "label": f"{section.section.title}小计", "actual": "",
                     "points": _points(section.section.max_points),
                     "earned": _points(section.earned)})
    rows.append({"no": "", "label": "合计", "actual": grade_cell(score),
                 "points": _points(score.checklist.max_points), "earned": _points(score.earned)})
    return rows


def grade_cell(score: ChecklistScore) -> str:
    """The grade as the tables show it: 模范社区, 一票否决 (no grade for a veto), or —."""
    if score.grade is not None:
        return score.grade.label
    return "一票否决" if score.vetoed else "—"


def _veto_sentence(score: ChecklistScore, subject: str = "") -> str:
    """因“…”未达到要求，按一票否决规定，等次评定为合格社区 / 不评定等次。("" without a veto)."""
    if not score.vetoed:
        return ""
    labels = _quoted([s.item.label for s in score.vetoed])
    outcome = (f"等次评定为{score.grade.label}" if score.grade is not None else "不评定等次")
    if score.grade is not None and not score.capped:
        outcome = f"等次为{score.grade.label}"
    return f"{subject}因{labels}未达到要求，按一票否决规定，{outcome}。"


def _grade_clause(score: ChecklistScore) -> str:
    """，评定为模范社区 / ，未达到合格社区标准 / "" (vetoes are stated on their own)."""
    if score.vetoed:
        return ""
    if score.grade is not None:
        return f"，评定为{score.grade.label}"
    if score.checklist.grades:
        return f"，未达到{score.checklist.grades[-1].label}标准"
    return ""


def _sections_text(checklist: Checklist) -> str:
    judged = sum(1 for item in checklist.items if item.points or item.veto)
    titles = "、".join(section.title for section in checklist.sections)
    return (f"《{checklist.title}》从{titles}{len(checklist.sections)}个方面{judged}项内容逐项评分，"
            f"满分{_points(checklist.max_points)}分")


def _text_notes(score: ChecklistScore) -> list[str]:
    """What the inspectors wrote for the items described, not scored (特色做法 …)."""
    return [f"{s.item.label}：{_sentence(str(s.answer.value))}"
            for section in score.sections for s in section.items
            if s.level is None and s.answer is not None]


def _follow_up_now(follow: FollowUp, current: Mapping[str, Finding]) -> str:
    """How an earlier problem stands now: 已达到要求 / the current evidence."""
    if follow.rectified:
        return "已达到要求"
    finding = current.get(follow.now.item.key)
    return finding.evidence if finding is not None else "已达到要求"


def _latest(found: Sequence[Finding]) -> date:
    return max(f.deadline for f in found)


# One unit's 检查情况反馈意见 -------------------------------------------------------------------


def report_context(unit: UnitInspection, place: Place, *, period: Period,
                   inspected_on: date, issuer: str, issued_on: date,
                   previous_period: Period | None = None, narrative: Narrative | None = None,
                   signature_unit: str | None = None) -> dict[str, Any]:
    """The template context of one unit's 检查情况反馈意见 (every value a finished string)."""
    narrative = narrative or Narrative()
    score, checklist = unit.score, unit.score.checklist
    when = period_words(period)

    basis = f"按照{checklist.basis}的要求，" if checklist.basis else ""
    opening = pick((
        f"{cn_date(inspected_on)}，{basis}{issuer}对照《{checklist.title}》，对你单位{when}"
        f"{checklist.subject}进行了检查。现将检查情况反馈如下：",
        f"{basis}{issuer}检查组于{cn_date(inspected_on)}对你单位{when}{checklist.subject}"
        f"开展了检查，对照《{checklist.title}》逐项评分。现将有关情况反馈如下：",
    ), unit.code, checklist.key, period.code, "opening")

    rank = ""
    if place.of > 1:
        rank = f"，在参加检查的{place.of}个{place.noun}中排第{place.rank}名"
        if place.tied:
            rank += f"（与{'、'.join(place.tied)}并列）"
    intro = (f"此次检查按{_sections_text(checklist)}。你单位得分{_points(score.earned)}分"
             f"{_grade_clause(score)}{rank}。")
    if unit.findings:
        intro += f"共有{len(unit.findings)}项扣分，合计扣{_points(unit.lost)}分。"
    else:
        intro += "各项均达到评分标准，未扣分。"
    score_paragraphs = [intro + "各项得分见表1。"]
    veto = _veto_sentence(score, "你单位")
    if veto:
        score_paragraphs.append(veto)
    score_paragraphs.extend(_text_notes(score))
    score_paragraphs.extend(_sentence(text) for text in narrative.highlights)

    followup_heading, followup_paragraphs, followup_rows = "", [], []
    current = {f.item.key: f for f in unit.findings}
    if previous_period is not None and unit.follow_ups is not None:
        followup_heading = f"{heading_number(1, 2)}上次检查问题整改情况"
        earlier_words = period_words(previous_period)
        follows = unit.follow_ups
        fixed = sum(1 for f in follows if f.rectified)
        if follows:
            followup_paragraphs.append(
                f"{earlier_words}检查指出你单位扣分问题{len(follows)}个，经此次复查，"
                f"已整改{fixed}个，未整改{len(follows) - fixed}个。具体情况见表2。")
        else:
            followup_paragraphs.append(f"{earlier_words}检查未发现你单位存在扣分问题。")
        earlier = unit.earlier or {}
        for number, follow in enumerate(follows, start=1):
            key = follow.before.item.key
            before = earlier.get(key)
            problem = before.evidence if before is not None else follow.before.item.label
            followup_rows.append({"no": str(number), "problem": problem,
                                  "now": _follow_up_now(follow, current),
                                  "status": FIXED if follow.rectified else OPEN})
    number = 2 + bool(followup_heading)

    problems = []
    for finding in unit.findings:
        text = f"检查发现，{finding.evidence}。"
        if unit.still_open(finding.item.key):
            text += "该问题上次检查已经指出，至今未整改到位。"
        if finding.veto:
            text += "该项为一票否决项。"
        problems.append({"lead": f"{quote(finding.item.label)}扣{_points(finding.lost)}分。",
                         "text": text})
    problems.extend({"lead": "", "text": _sentence(text)} for text in narrative.problems)
    if not problems:
        problems.append({"lead": "", "text": "对照评分标准逐项检查，未发现扣分问题。"})
    problems_heading = f"{heading_number(1, number)}存在的问题"
    number += 1

    measures = [{"lead": f"关于{quote(finding.item.label)}：", "text": finding.text}
                for finding in unit.findings]
    measures_heading = f"{heading_number(1, number)}整改意见" if measures else ""
    number += bool(measures)

    if unit.findings:
        requirements = [
            f"请你单位高度重视检查指出的问题，逐项明确整改责任人和措施，按上述期限整改到位，"
            f"并于{cn_date(_latest(unit.findings))}前将整改情况书面报送{issuer}。",
            f"{issuer}将在整改期满后组织复查，复查结果纳入年度考核。",
        ]
    else:
        requirements = [f"请你单位保持良好的工作状态，巩固{checklist.subject}成果，"
                        "进一步提升工作水平。"]
    requirements.extend(_sentence(text) for text in narrative.plans)

    return {
        "title": f"关于{unit.name}{when}{checklist.subject}检查情况的反馈意见",
        "opening": opening,
        "score_heading": f"{heading_number(1, 1)}检查得分情况",
        "score_paragraphs": score_paragraphs,
        "score_caption": f"表1  {unit.name}{when}{checklist.subject}检查评分表",
        "score_rows": _score_rows(score),
        "followup_heading": followup_heading,
        "followup_paragraphs": followup_paragraphs,
        "followup_caption": (f"表2  {unit.name}上次检查问题整改情况" if followup_rows else ""),
        "followup_rows": followup_rows,
        "problems_heading": problems_heading,
        "problems": numbered(problems),
        "measures_heading": measures_heading,
        "measures_intro": "请你单位针对上述问题逐项整改，具体意见如下：" if measures else "",
        "measures": numbered(measures),
        "requirements_heading": f"{heading_number(1, number)}有关要求",
        "requirements": requirements,
        "signature_unit": signature_unit or issuer,
        "signature_date": cn_date(issued_on),
    }


# The inspection's 检查情况通报 ------------------------------------------------------------------


def _average(totals: Sequence[Decimal]) -> Decimal:
    exact = sum((Fraction(t) for t in totals), Fraction(0)) / len(totals)
    return round_fraction(exact, 2)


def _result_paragraphs(units: Sequence[UnitInspection], ranked: Sequence[Ranked],
                       checklist: Checklist, noun: str) -> list[str]:
    by_code = {u.code: u for u in units}
    paragraphs = []
    if len(units) == 1:
        [only] = units
        paragraphs.append(f"{only.name}得分{_points(only.total)}分{_grade_clause(only.score)}。")
    else:
        top, bottom = ranked[0].total, ranked[-1].total
        highest = [by_code[r.unit_code].name for r in ranked if r.total == top]
        lowest = [by_code[r.unit_code].name for r in ranked if r.total == bottom]
        paragraphs.append(
            f"{len(units)}个{noun}平均得分{_points(_average([u.total for u in units]))}分，"
            f"最高{_points(top)}分（{names_text(highest, noun)}），"
            f"最低{_points(bottom)}分（{names_text(lowest, noun)}）。")
    if checklist.grades:
        counts = [(grade.label, sum(1 for u in units if u.score.grade == grade))
                  for grade in checklist.grades]
        text = "按评分标准，评定" + "、".join(f"{label}{count}个" for label, count in counts
                                         if count)
        none = sum(1 for u in units if u.score.grade is None)
        if none == len(units):
            text = f"按评分标准，{'所有' if len(units) > 1 else ''}参加检查的{noun}均未评定等次"
        elif none:
            text += f"，{none}个{noun}未评定等次"
        paragraphs.append(text + "。")
    for unit in units:
        veto = _veto_sentence(unit.score, unit.name)
        if veto:
            paragraphs.append(veto)
    if any(r.tied for r in ranked):
        tied_top = [by_code[r.unit_code].name for r in ranked if r.rank == 1]
        text = f"{'、'.join(tied_top)}得分相同，并列第1名；" if len(tied_top) > 1 else ""
        paragraphs.append(f"{text}得分相同的{noun}名次并列，其后名次顺延。")
    paragraphs.append(f"各{noun}得分及名次见表1。")
    return paragraphs


def _ranking_rows(units: Mapping[str, UnitInspection], ranked: Sequence[Ranked]
                  ) -> list[dict[str, Any]]:
    rows = []
    for place in ranked:
        unit = units[place.unit_code]
        rows.append({"rank": f"{place.rank}（并列）" if place.tied else str(place.rank),
                     "name": unit.name,
                     "sections": [_points(s.earned) for s in unit.score.sections],
                     "total": _points(unit.total), "grade": grade_cell(unit.score)})
    return rows


def _common_problems(units: Sequence[UnitInspection], noun: str) -> list[dict[str, str]]:
    """Items several units lost points on: most units first, then most points lost."""
    shared: dict[str, list[Finding]] = {}
    names: dict[str, list[str]] = {}
    for unit in units:
        for finding in unit.findings:
            shared.setdefault(finding.item.key, []).append(finding)
            names.setdefault(finding.item.key, []).append(unit.name)
    order = {item.key: n for n, item in enumerate(units[0].score.checklist.items)} if units else {}
    common = sorted((key for key, found in shared.items() if len(found) >= COMMON_AT_LEAST),
                    key=lambda key: (-len(shared[key]),
                                     -sum((f.lost for f in shared[key]), Decimal(0)), order[key]))
    problems = []
    for key in common:
        found = shared[key]
        lost = sum((f.lost for f in found), Decimal(0))
        problems.append({
            "lead": f"{quote(found[0].item.label)}。",
            "text": f"{len(found)}个{noun}在此项扣分（{names_text(names[key], noun)}），"
                    f"合计扣{_points(lost)}分。"})
    return problems


def _unit_problems(units: Sequence[UnitInspection], ranked: Sequence[Ranked], noun: str
                   ) -> list[dict[str, str]]:
    by_code = {u.code: u for u in units}
    problems, clean = [], []
    for place in ranked:
        unit = by_code[place.unit_code]
        if not unit.findings:
            clean.append(unit.name)
            continue
        items = "；".join(f"{f.item.label}扣{_points(f.lost)}分" for f in unit.findings)
        problems.append({"lead": f"{unit.name}（{_points(unit.total)}分）：",
                         "text": f"{items}。"})
    if clean:
        problems.append({"lead": "", "text": f"{names_text(clean, noun)}各项均达到评分标准。"})
    return problems


def _bulletin_follow_up(units: Sequence[UnitInspection], ranked: Sequence[Ranked],
                        previous_period: Period, noun: str
                        ) -> tuple[list[str], list[dict[str, str]]]:
    by_code = {u.code: u for u in units}
    compared = [by_code[r.unit_code] for r in ranked if by_code[r.unit_code].follow_ups is not None]
    earlier = period_words(previous_period)
    if not compared:
        return [f"参加此次检查的{noun}均未参加{earlier}检查，不作整改情况复查。"], []
    follows = [f for u in compared for f in u.follow_ups or ()]
    fixed = sum(1 for f in follows if f.rectified)
    paragraphs = []
    if follows:
        rate = round_fraction(Fraction(fixed * 100, len(follows)), 1)
        paragraphs.append(
            f"此次检查对{earlier}检查指出的问题逐项进行了复查。{len(compared)}个{noun}上次共有"
            f"扣分问题{len(follows)}个，已整改{fixed}个，未整改{len(follows) - fixed}个，"
            f"整改率{format_count(rate)}%。")
        done = [u.name for u in compared if u.follow_ups and all(f.rectified for f in u.follow_ups)]
        pending = [u.name for u in compared if any(not f.rectified for f in u.follow_ups or ())]
        if done:
            paragraphs.append(f"{names_text(done, noun)}上次指出的问题已全部整改到位。")
        if pending:
            paragraphs.append(f"{names_text(pending, noun)}仍有问题未整改到位，具体见表2。")
    else:
        paragraphs.append(f"{earlier}检查未发现扣分问题。")
    missed = [u.name for u in units if u.follow_ups is None]
    if missed:
        paragraphs.append(f"{names_text(missed, noun)}未参加{earlier}检查，不作整改情况复查。")
    rows = []
    for number, unit in enumerate((u for u in compared if u.follow_ups), start=1):
        follows = unit.follow_ups or ()
        still = [f.before.item.label for f in follows if not f.rectified]
        rows.append({"no": str(number), "name": unit.name, "found": str(len(follows)),
                     "fixed": str(len(follows) - len(still)), "open": str(len(still)),
                     "pending": "、".join(still) or "—"})
    return paragraphs, rows


def _requirements(units: Sequence[UnitInspection], checklist: Checklist, issuer: str,
                  noun: str, narrative: Narrative) -> list[dict[str, str]]:
    found = [f for u in units for f in u.findings]
    items = []
    if found:
        first, last = min(f.deadline for f in found), _latest(found)
        window = (f"于{cn_date(last)}前" if first == last
                  else f"在{cn_date(first)}至{cn_date(last)}期间按各项期限")
        items.append({"lead": "抓紧整改落实。",
                      "text": f"有扣分问题的{noun}要对照本通报和检查情况反馈意见，逐项制定整改措施，"
                              f"明确责任人和完成时限，{window}整改到位。"})
        items.append({"lead": "按时报送整改情况。",
                      "text": f"请相关{noun}于{cn_date(last)}前将整改落实情况书面报送{issuer}。"})
    vetoed = [u.name for u in units if u.score.vetoed]
    if vetoed:
        items.append({"lead": "严肃对待一票否决事项。",
                      "text": f"{names_text(vetoed, noun)}存在一票否决事项，要深入查找原因，"
                              "专题研究整改措施，主要负责同志要亲自过问、推动落实。"})
    still = sum(1 for u in units for f in u.follow_ups or () if not f.rectified)
    if still:
        items.append({"lead": "盯住未整改问题。",
                      "text": f"对上次检查指出、至今仍未整改到位的{still}个问题，相关{noun}要说明"
                              "原因，制定专项措施，限期整改销号。"})
    items.append({"lead": "巩固提升工作成效。",
                  "text": f"各{noun}要举一反三，对照《{checklist.title}》开展自查，"
                          f"补齐短板，推动{checklist.subject}全面达标。{issuer}将在整改期满后"
                          "组织复查，复查情况另行通报，并纳入年度目标管理考核。"})
    items.extend({"lead": "", "text": _sentence(text)} for text in narrative.plans)
    return numbered(items)


def bulletin_context(units: Sequence[UnitInspection], *, period: Period,
                     inspected_on: date, issuer_code: str, issuer: str, issued_on: date,
                     previous_period: Period | None = None, levels: Sequence[str] = (),
                     narrative: Narrative | None = None, signature_unit: str | None = None
                     ) -> dict[str, Any]:
    """The template context of an inspection's 检查情况通报 (every value a finished string).

    ``levels`` are the inspected units' levels (社区, 街道 … name them).
    """
    if not units:
        raise ChecklistError("an inspection needs at least one unit")
    narrative = narrative or Narrative()
    checklist = units[0].score.checklist
    noun = level_noun(levels)
    when = period_words(period)
    ranked = rank_units(units)
    by_code = {u.code: u for u in units}

    basis = f"按照{checklist.basis}的要求，" if checklist.basis else ""
    opening = pick((
        f"为全面掌握{checklist.subject}开展情况，{basis}{issuer}于{cn_date(inspected_on)}组织"
        f"检查组，对{len(units)}个{noun}{when}工作进行了检查。现将检查情况通报如下：",
        f"{basis}{issuer}于{cn_date(inspected_on)}对{len(units)}个{noun}{when}"
        f"{checklist.subject}进行了检查。现将有关情况通报如下：",
    ), issuer_code, checklist.key, period.code, "bulletin")

    kinds = [item.kind for item in checklist.items if item.points or item.veto]
    sources = [f"{count}项{what}" for count, what in (
        (kinds.count("indicator"), "指标依据各单位基础数据计算"),
        (kinds.count("activity"), "工作量依据工作台账统计"),
        (kinds.count("archive"), "依据档案归档情况核定"),
        (kinds.count("observed"), "由检查组现场查看、查阅资料后评定")) if count]
    basic = [f"此次检查对照{_sections_text(checklist)}，其中" + "，".join(sources) + "。"]
    if checklist.grades:
        bars = "、".join(f"{_points(g.min_points)}分以上为{g.label}" for g in checklist.grades)
        basic.append(f"按评分标准，{bars}。")
    vetoes = [item.label for item in checklist.items if item.veto]
    if vetoes:
        basic.append(f"{_quoted(vetoes)}为一票否决项，未达到要求的相应降低或不评定等次。")

    number = 3
    followup_heading, followup_paragraphs, followup_rows = "", [], []
    if previous_period is not None:
        followup_heading = f"{heading_number(1, number)}上次检查问题整改情况"
        followup_paragraphs, followup_rows = _bulletin_follow_up(units, ranked, previous_period,
                                                                 noun)
        number += 1
    problems_heading = f"{heading_number(1, number)}存在的主要问题"
    common = _common_problems(units, noun)
    common.extend({"lead": "", "text": _sentence(text)} for text in narrative.problems)
    if not common:
        common.append({"lead": "", "text": "此次检查未发现多个单位共同存在的扣分问题。"})

    return {
        "title": f"{issuer}关于{when}{checklist.subject}检查情况的通报",
        "opening": opening,
        "basic_heading": f"{heading_number(1, 1)}检查的基本情况",
        "basic_paragraphs": basic,
        "result_heading": f"{heading_number(1, 2)}检查结果",
        "result_paragraphs": _result_paragraphs(units, ranked, checklist, noun)
        + [_sentence(text) for text in narrative.highlights],
        "ranking_caption": f"表1  {when}{checklist.subject}检查得分及名次",
        "ranking_heads": [f"{s.title}（{_points(s.max_points)}分）" for s in checklist.sections],
        "ranking_rows": _ranking_rows(by_code, ranked),
        "followup_heading": followup_heading,
        "followup_paragraphs": followup_paragraphs,
        "followup_caption": (f"表2  {period_words(previous_period)}检查问题整改情况"
                             if previous_period is not None and followup_rows else ""),
        "followup_rows": followup_rows,
        "problems_heading": problems_heading,
        "common_heading": f"{heading_number(2, 1)}共性问题",
        "common_problems": numbered(common),
        "units_heading": f"{heading_number(2, 2)}各{noun}存在的问题",
        "unit_problems": numbered(_unit_problems(units, ranked, noun)),
        "requirements_heading": f"{heading_number(1, number + 1)}整改要求",
        "requirements": _requirements(units, checklist, issuer, noun, narrative),
        "signature_unit": signature_unit or issuer,
        "signature_date": cn_date(issued_on),
    }


# The kinds' builders ------------------------------------------------------------------------


def _spec_checklist(spec: Mapping[str, Any]) -> Checklist:
    if "checklist" not in spec or "inspected_on" not in spec:
        raise ChecklistError("an inspection document needs its checklist and findings "
                             "(run it through the inspection_report flow)")
    return parse_checklist(spec["checklist"], "the inspection's checklist")


def _previous(spec: Mapping[str, Any]) -> tuple[Period, Mapping[str, Any]] | None:
    previous = spec.get("previous")
    if not previous:
        return None
    return Period.parse(previous["period"]), previous


def build_report(request: ContextRequest) -> dict[str, Any]:
    """One unit's 检查情况反馈意见 (the ``inspection_report`` kind's builder)."""
    spec = request.options.spec
    checklist = _spec_checklist(spec)
    inspected_on = date.fromisoformat(spec["inspected_on"])
    previous, previous_period = None, None
    earlier = _previous(spec)
    if earlier is not None:
        previous_period, data = earlier
        previous = (previous_period, UnitRecord.from_plain(data["unit"]),
                    Rollup(request.snapshot, period_months(previous_period)))
    name = request.snapshot.unit_map[request.unit_code].name
    unit = inspect_unit(checklist, UnitRecord.from_plain(spec["unit"]), request.catalogue,
                        request.rollup, request.unit_code, name, request.period, inspected_on,
                        previous)
    place = spec["place"]
    options = request.options
    return report_context(unit, Place(place["rank"], place["of"], tuple(place["tied"]),
                                      place["noun"]),
                          period=request.period, inspected_on=inspected_on,
                          issuer=spec["issuer"], issued_on=options.issued_on,
                          previous_period=previous_period, narrative=options.narrative,
                          signature_unit=options.signature_unit)


def inspect_units(checklist: Checklist, records: Mapping[str, UnitRecord], catalogue: Catalogue,
                  snapshot: Snapshot, period: Period, inspected_on: date,
                  previous: tuple[Period, Mapping[str, UnitRecord]] | None = None,
                  rollup: Rollup | None = None) -> list[UnitInspection]:
    """Every unit of ``records`` inspected (in code order), each against its earlier record
    when ``previous`` has one. ``snapshot`` holds every unit's subtree."""
    rollup = rollup or Rollup(snapshot, period_months(period))
    before = None
    if previous is not None:
        before = (previous[0], previous[1], Rollup(snapshot, period_months(previous[0])))
    units = []
    for code in sorted(records):
        earlier = None
        if before is not None and code in before[1]:
            earlier = (before[0], before[1][code], before[2])
        units.append(inspect_unit(checklist, records[code], catalogue, rollup, code,
                                  snapshot.unit_map[code].name, period, inspected_on, earlier))
    return units


def build_bulletin(request: ContextRequest) -> dict[str, Any]:
    """An inspection's 检查情况通报 (the ``inspection_bulletin`` kind's builder)."""
    spec = request.options.spec
    checklist = _spec_checklist(spec)
    inspected_on = date.fromisoformat(spec["inspected_on"])
    records = {code: UnitRecord.from_plain(data) for code, data in spec["units"].items()}
    previous = None
    earlier = _previous(spec)
    if earlier is not None:
        previous = (earlier[0], {code: UnitRecord.from_plain(data)
                                 for code, data in earlier[1]["units"].items()})
    snapshot = request.snapshot
    units = inspect_units(checklist, records, request.catalogue, snapshot, request.period,
                          inspected_on, previous, request.rollup)
    options = request.options
    return bulletin_context(
        units, period=request.period, inspected_on=inspected_on,
        issuer_code=request.unit_code, issuer=snapshot.unit_map[request.unit_code].name,
        issued_on=options.issued_on, previous_period=None if previous is None else previous[0],
        levels=[snapshot.unit_map[code].level for code in records],
        narrative=options.narrative, signature_unit=options.signature_unit
        or issuing_organ(snapshot.unit_map[request.unit_code]))


# Templates ------------------------------------------------------------------------------


def _paragraphs(document: Document, name: str) -> None:
    document.add_paragraph(f"{{%p for paragraph in {name} %}}")
    document.add_paragraph("{{ paragraph }}")
    document.add_paragraph("{%p endfor %}")


def build_report_template(path: Path) -> None:
    """Write the 检查情况反馈意见 template to ``path``.

    The title lines, 发文字号, 主送机关, 附件说明 and 版记 come from the shared blocks.
    """
    profile = template_build.load_layout("gbt9704")
    document = template_build.new_document(profile, "检查情况反馈意见")
    add = document.add_paragraph

    template_build.title_block(document)
    add("{{ opening }}")

    add("{{ score_heading }}", style="Heading 1")
    _paragraphs(document, "score_paragraphs")
    add("{{ score_caption }}", style="Caption")
    template_build.loop_table(document, profile, REPORT_COLUMNS, "score_rows")

    add("{%p if followup_heading %}")
    add("{{ followup_heading }}", style="Heading 1")
    _paragraphs(document, "followup_paragraphs")
    add("{%p if followup_rows %}")
    add("{{ followup_caption }}", style="Caption")
    template_build.loop_table(document, profile, REPORT_FOLLOWUP_COLUMNS, "followup_rows")
    add("{%p endif %}")
    add("{%p endif %}")

    add("{{ problems_heading }}", style="Heading 1")
    template_build.lead_paragraphs(document, "problems")

    add("{%p if measures %}")
    add("{{ measures_heading }}", style="Heading 1")
    add("{{ measures_intro }}")
    template_build.lead_paragraphs(document, "measures")
    add("{%p endif %}")

    add("{{ requirements_heading }}", style="Heading 1")
    _paragraphs(document, "requirements")

    template_build.signature(document)
    template_build.save(document, path)


def build_bulletin_template(path: Path) -> None:
    """Write the 检查情况通报 template to ``path``.

    The scores table has one column per checklist section (a column loop), so one
    template serves checklists of any number of sections.
    """
    profile = template_build.load_layout("gbt9704")
    document = template_build.new_document(profile, "检查情况通报")
    add = document.add_paragraph

    template_build.title_block(document)
    add("{{ opening }}")

    add("{{ basic_heading }}", style="Heading 1")
    _paragraphs(document, "basic_paragraphs")

    add("{{ result_heading }}", style="Heading 1")
    _paragraphs(document, "result_paragraphs")
    add("{{ ranking_caption }}", style="Caption")
    template_build.column_loop_table(document, profile, RANKING_LEAD, "ranking_heads",
                                     "sections", RANKING_TAIL, "ranking_rows")

    add("{%p if followup_heading %}")
    add("{{ followup_heading }}", style="Heading 1")
    _paragraphs(document, "followup_paragraphs")
    add("{%p if followup_rows %}")
    add("{{ followup_caption }}", style="Caption")
    template_build.loop_table(document, profile, BULLETIN_FOLLOWUP_COLUMNS, "followup_rows")
    add("{%p endif %}")
    add("{%p endif %}")

    add("{{ problems_heading }}", style="Heading 1")
    add("{{ common_heading }}", style="Heading 2")
    template_build.lead_paragraphs(document, "common_problems")
    add("{{ units_heading }}", style="Heading 2")
    template_build.lead_paragraphs(document, "unit_problems")

    add("{{ requirements_heading }}", style="Heading 1")
    template_build.lead_paragraphs(document, "requirements")

    template_build.signature(document)
    template_build.save(document, path)


# The built-in samples (wenshu.demo.sample: 示范区 D > 东城街道 S1 > 东湖 C1, 东山 C2, 东岭 C3) -------

SAMPLE_INSPECTED_ON = date(2026, 1, 12)
SAMPLE_EARLIER = Period.parse("2025H1")


def _sample_answers(checklist: Checklist, values: Mapping[str, Any]) -> dict[str, Answer]:
    """Every observed item answered: the defaults below, overridden by ``values``."""
    defaults = {"yes_no": "是", "count": 10, "number": 100, "text": "无"}
    raw: dict[str, Any] = {}
    for item in checklist.observed:
        if item.answer == "score":
            raw[item.key] = item.points
        elif item.answer == "number" and item.threshold is not None:
            raw[item.key] = item.threshold.value  # exactly at the standard
        else:
            raw[item.key] = defaults[item.answer]
    raw.update(values)
    return parse_answers({"answers": raw}, checklist, "the built-in sample")


def sample_report_options() -> dict[str, Any]:
    """东城街道's 妇幼卫生 inspection by 示范区, a follow-up of the first half's."""
    checklist = load_checklist(resolve_checklist("maternal_child_health"))
    now = UnitRecord(_sample_answers(checklist, {
        "special_funds": {"value": 4, "note": "专项资金已到位，但使用台账不完整"},
        "physician_licensed": 97, "child_care": 93.2, "gynecological_screening": 68,
        "birth_defects": 7.6, "care_funding": "3.5元"}),
        {("work_plan", "2025"): "filed", ("campaign_plan", "2025"): "filed"})
    before = UnitRecord(_sample_answers(checklist, {
        "special_funds": 3, "physician_licensed": 95, "child_care": 90,
        "gynecological_screening": 66, "birth_defects": 8.2, "care_funding": 2.8}),
        {("work_plan", "2025"): "draft"})
    spec = report_spec(checklist, SAMPLE_INSPECTED_ON, "示范区卫生健康局", now,
                       Place(1, 1, (), "街道"), (SAMPLE_EARLIER, before))
    return {"spec": spec, "topic": checklist.key}


def sample_bulletin_options() -> dict[str, Any]:
    """东城街道's model-community inspection of its three communities, a follow-up."""
    checklist = load_checklist(resolve_checklist("model_community"))
    filed = {("work_plan", "2025"): "filed", ("half_year_summary", "2025H1"): "filed",
             ("campaign_plan", "2025"): "draft"}
    now = {
        "C1": UnitRecord(_sample_answers(checklist, {
            "boards": {"value": 4, "note": "另有1块正在制作"}, "practices": "建成婚育新风宣传长廊"}),
            filed),
        "C2": UnitRecord(_sample_answers(checklist, {
            "boards": 3, "edu_discs": 8, "work_log": 1.5, "civilized_families": 62,
            "honest_statistics": {"value": "否", "note": "漏报出生2人"}}),
            {("work_plan", "2025"): "filed"}),
        "C3": UnitRecord(_sample_answers(checklist, {"boards": 4, "work_log": 2}), filed),
    }
    before = {
        "C1": UnitRecord(_sample_answers(checklist, {"boards": 2, "library": "否"}),
                         {("work_plan", "2025"): "draft"}),
        "C2": UnitRecord(_sample_answers(checklist, {"boards": 3, "edu_discs": 8}), {}),
    }
    spec = bulletin_spec(checklist, SAMPLE_INSPECTED_ON, now, (SAMPLE_EARLIER, before))
    return {"spec": spec, "topic": checklist.key}


INSPECTION_REPORT = DocumentKind("inspection_report", "检查情况反馈意见", "inspection_report",
                                 build_report, build_report_template,
                                 sample_options=sample_report_options)
INSPECTION_BULLETIN = DocumentKind("inspection_bulletin", "检查情况通报", "inspection_bulletin",
                                   build_bulletin, build_bulletin_template,
                                   sample_options=sample_bulletin_options)
