"""One unit's 检查情况反馈意见: its score item by item, its place, the problems found
section by section, a dated 整改意见 for each, and what it must report back by when.

A fact is said once: requirements not in place in one section are named together,
a veto is mentioned only where it lowered the grade the total earned, and problems
the last inspection already raised are named once per section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from wenshu.compute.checklist import ChecklistScore, Finding, FollowUp, ItemScore
from wenshu.generators import inspection_findings as found_
from wenshu.generators.inspection_inputs import Place, UnitInspection
from wenshu.generators.inspection_voice import (
    Voice,
    amount,
    binding_vetoes,
    points,
    quoted,
    sentence,
)
from wenshu.generators.numbers import format_count, heading_number
from wenshu.generators.phrasing import numbered
from wenshu.models.checklist import ArchiveItem, IndicatorItem, ObservedItem
from wenshu.narrative import Narrative
from wenshu.periods import Period


def item_content(v: Voice, score: ItemScore) -> str:
    """The scores table's first cell: the item and its standard (孕环情检查受检率≥90%)."""
    if score.threshold is None or isinstance(score.item, ArchiveItem):
        return score.item.label
    return f"{score.item.label}{v.standard(score)}"


def item_actual(v: Voice, score: ItemScore) -> str:
    """The scores table's finding cell: 92.80%, 4块, 已落实, 缺1份, 现场评定."""
    item = score.item
    if isinstance(item, ArchiveItem):
        missing = sum(1 for check in score.documents if not check.ok)
        return v.say("cell.archive_missing", count=missing) if missing else v.say(
            "cell.archive_full")
    if score.yes_no:
        return v.say("cell.yes" if score.level == "met" else "cell.no")
    if isinstance(item, ObservedItem) and item.answer == "score":
        return v.say("cell.score")
    if score.value is None:
        return v.say("cell.no_data")
    if isinstance(item, IndicatorItem):
        return amount(score.value, score.unit)
    return format_count(score.value, score.unit)


def score_rows(v: Voice, score: ChecklistScore) -> list[dict[str, str]]:
    """表1: every judged item, each section's subtotal, the total and the grade."""
    rows, number = [], 0
    for section in score.sections:
        for item in section.items:
            if item.level is None:
                continue
            number += 1
            rows.append({"no": str(number), "label": item_content(v, item),
                         "actual": item_actual(v, item), "points": points(item.item.points),
                         "earned": points(item.earned)})
        rows.append({"no": "", "label": v.say("cell.subtotal", section=section.section.title),
                     "actual": "", "points": points(section.section.max_points),
                     "earned": points(section.earned)})
    rows.append({"no": "", "label": v.say("cell.total"), "actual": v.grade_cell(score),
                 "points": points(score.checklist.max_points), "earned": points(score.earned)})
    return rows


def grade_clause(v: Voice, score: ChecklistScore) -> str:
    """，评定为模范社区 / ，未达到合格社区标准 / "" (a lowering veto is said on its own)."""
    if binding_vetoes(score):
        return ""
    if score.grade is not None:
        return v.say("report.grade", grade=score.grade.label)
    grades = score.checklist.grades
    return v.say("report.grade_none", lowest=grades[-1].label) if grades else ""


def _score_paragraphs(v: Voice, unit: UnitInspection, place: Place) -> list[str]:
    score = unit.score
    rank = ""
    if place.of > 1:
        rank = v.say("report.rank", count=place.of, rank=place.rank)
        if place.tied:
            rank += v.say("report.rank_tied", names="、".join(place.tied))
    text = v.say("report.scope", scope=v.scope()) + v.say(
        "report.total", total=points(score.earned), grade=grade_clause(v, score), rank=rank)
    if unit.findings:
        lost = [(s.section.title, s.section.max_points - s.earned) for s in score.sections]
        parts = "、".join(v.say("report.lost_part", section=title, lost=points(n))
                          for title, n in lost if n)
        text += v.say("report.lost", count=len(unit.findings), lost=points(unit.lost),
                      parts=parts)
        full = [title for title, n in lost if not n]
        text += v.say("report.full", sections="、".join(full)) if full else ""
    else:
        text += v.say("report.clean")
    paragraphs = [text + v.say("report.see_table")]
    binding = binding_vetoes(score)
    if binding:
        assert score.grade_by_total is not None
        paragraphs.append(v.say("report.veto", by_total=score.grade_by_total.label,
                                labels=quoted([s.item.label for s in binding]),
                                outcome=v.veto_outcome(score)))
    paragraphs.extend(v.say("report.text_note", label=s.item.label,
                            note=sentence(str(s.answer.value)))
                      for section in score.sections for s in section.items
                      if s.level is None and s.answer is not None)
    return paragraphs


def by_section(found: Sequence[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped by their checklist section, in checklist order."""
    groups: dict[str, list[Finding]] = {}
    for finding in found:
        groups.setdefault(finding.section, []).append(finding)
    return groups


def _problems(v: Voice, unit: UnitInspection) -> list[dict[str, str]]:
    binding = {s.item.key for s in binding_vetoes(unit.score)}
    items = []
    for section, found in by_section(unit.findings).items():
        text = v.say("report.problem_text", section,
                     clauses="；".join(found_.clauses(v, found, binding)))
        still = [found_.lead(v, f.score) for f in found if unit.still_open(f.item.key)]
        if len(still) == 1:
            text += v.say("report.still_open_one", leads=still[0])
        elif still:
            text += v.say("report.still_open", leads="、".join(still), count=len(still))
        lost = sum(f.lost for f in found)
        items.append({"lead": v.say("report.problem_lead", section=section, lost=points(lost)),
                      "text": text})
    return items


def _measures(v: Voice, unit: UnitInspection) -> list[dict[str, str]]:
    items = []
    for section, found in by_section(unit.findings).items():
        sentences = []
        for n, (text, deadline) in enumerate(found_.measures(v, found)):
            key = "report.measure_first" if n == 0 else "report.measure_next"
            sentences.append(v.say(key, unit=unit.name, measure=text, deadline=v.date(deadline)))
        items.append({"lead": v.say("report.measure_lead", section=section),
                      "text": "".join(sentences)})
    return items


def _follow_up_now(v: Voice, follow: FollowUp, current: Mapping[str, Finding]) -> str:
    finding = current.get(follow.now.item.key)
    if follow.rectified or finding is None:
        return v.say("cell.now_met")
    return found_.brief(v, finding.score)


def _follow_up(v: Voice, unit: UnitInspection, earlier: Period) -> tuple[list[str], list[dict]]:
    follows = unit.follow_ups or ()
    words = v.period(earlier)
    if not follows:
        return [v.say("report.followup_none", earlier=words)], []
    fixed = sum(1 for f in follows if f.rectified)
    paragraphs = [v.say("report.followup", earlier=words, count=len(follows), fixed=fixed,
                        open=len(follows) - fixed)]
    current = {f.item.key: f for f in unit.findings}
    before = unit.earlier or {}
    rows = []
    for number, follow in enumerate(follows, start=1):
        then = before.get(follow.before.item.key)
        rows.append({"no": str(number),
                     "problem": found_.brief(v, then.score if then else follow.before),
                     "now": _follow_up_now(v, follow, current),
                     "status": v.say("cell.fixed" if follow.rectified else "cell.open")})
    return paragraphs, rows


def report_context(v: Voice, unit: UnitInspection, place: Place, *, period: Period,
                   issuer: str, inspected_on: date, issued_on: date,
                   previous_period: Period | None = None, narrative: Narrative | None = None,
                   signature_unit: str | None = None) -> dict[str, Any]:
    """The template context of one unit's 检查情况反馈意见 (every value a finished string)."""
    narrative = narrative or Narrative()
    when = v.period(period)
    followup_paragraphs, followup_rows, followup_heading = [], [], ""
    if previous_period is not None and unit.follow_ups is not None:
        followup_heading = heading_number(1, 2) + v.say("report.followup_heading")
        followup_paragraphs, followup_rows = _follow_up(v, unit, previous_period)
    number = 2 + bool(followup_heading)
    problems = _problems(v, unit) + [{"lead": "", "text": sentence(t)}
                                     for t in narrative.problems]
    measures = _measures(v, unit)
    if unit.findings:
        latest = max(f.deadline for f in unit.findings)
        requirements = [v.say("report.require", deadline=v.date(latest), issuer=issuer),
                        v.say("report.review", issuer=issuer)]
    else:
        requirements = [v.say("report.keep")]
    return {
        "title": v.say("report.title", unit=unit.name, when=when),
        "opening": v.say("report.opening", "opening", date=v.date(inspected_on),
                         basis=v.basis(), issuer=issuer, when=when),
        "score_heading": heading_number(1, 1) + v.say("report.score_heading"),
        "score_paragraphs": _score_paragraphs(v, unit, place)
        + [sentence(text) for text in narrative.highlights],
        "score_caption": v.say("report.score_caption", unit=unit.name, when=when),
        "score_rows": score_rows(v, unit.score),
        "followup_heading": followup_heading,
        "followup_paragraphs": followup_paragraphs,
        "followup_caption": (v.say("report.followup_caption", unit=unit.name)
                             if followup_rows else ""),
        "followup_rows": followup_rows,
        "problems_heading": heading_number(1, number) + v.say("report.problems_heading"),
        "problems": numbered(problems or [{"lead": "", "text": v.say("report.no_problems")}]),
        "measures_heading": (heading_number(1, number + 1) + v.say("report.measures_heading")
                             if measures else ""),
        "measures_intro": v.say("report.measures_intro") if measures else "",
        "measures": numbered(measures),
        "requirements_heading": (heading_number(1, number + 1 + bool(measures))
                                 + v.say("report.requirements_heading")),
        "requirements": requirements + [sentence(text) for text in narrative.plans],
        "signature_unit": signature_unit or issuer,
        "signature_date": v.date(issued_on),
    }
