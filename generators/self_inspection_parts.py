"""The parts of a self-inspection report, each a list of finished sentences.

一、基本情况 (the unit and its ledgers), 二、自查情况 (the total and its grade, then each
section's items against their standards, and the score table), 三、存在问题 (every item
not fully met, led by its shortfall) and 四、整改措施 (one dated measure per problem).
The rules a reader relies on are kept here: a grade is named only when it fits the
unit's level, a veto is mentioned only when it changed the grade, and a 目标管理责任书 is
cited only by a unit that signed targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from wenshu.compute.checklist import (
    RECTIFY_DAYS,
    ChecklistScore,
    ItemScore,
    SectionScore,
)
from wenshu.compute.summary import ActivitySummary
from wenshu.generators.numbers import cn_date, format_count, format_target, goal_comparator
from wenshu.generators.self_inspection_words import (
    Voice,
    clause,
    phrase_value,
    quoted,
    sentence,
)
from wenshu.models.checklist import (
    ActivityItem,
    ArchiveItem,
    IndicatorItem,
    ObservedItem,
)

# Activity types named in the first part (most ledger records first).
PROFILE_ACTIVITIES = 4
# The measure that counts the work itself (培训期数); the others count whom it reached.
SESSIONS = "sessions"


def points(value: Decimal) -> str:
    """Points as printed: 3, 1.5, 0."""
    return format_count(value)


# 一、基本情况 -------------------------------------------------------------------------


def opening(v: Voice, signed: bool) -> str:
    """The lead: what the unit inspected against what; a contract only when signed."""
    basis = v.checklist.basis
    if signed:
        cited = v.say("basis.signed", basis=basis) if basis else v.say("basis.signed_only")
    else:
        cited = v.say("basis.plain", basis=basis) if basis else ""
    return v.say("opening", "opening", basis=cited)


def basic_paragraphs(v: Voice, activities: Sequence[ActivitySummary]) -> list[str]:
    """The unit's size and base figures, then its year's ledgers in its line of work."""
    unit, paragraphs = v.unit, []
    parts = [v.say("basic.children", count=unit.children, child=unit.child_noun)
             ] if unit.children else []
    parts.extend(v.say("basic.figure", label=label, value=value) for label, value in unit.figures)
    if parts:
        paragraphs.append(v.say("basic.profile", parts="，".join(parts)))
    records = sum(a.records for a in activities)
    if not records:
        return [*paragraphs, v.say("basic.no_ledger")]
    clauses = []
    busiest = sorted((a for a in activities if a.records),
                     key=lambda a: (-a.records, a.key))[:PROFILE_ACTIVITIES]
    for summary in busiest:
        total = next((t for t in summary.measures if t.value), None)
        if total is not None:
            measure = v.measure(summary.key, total.column)
            clauses.append(measure.render_phrase(phrase_value(total.value, measure.unit)))
    work = "".join(f"，{c}" for c in clauses)
    return [*paragraphs, v.say("basic.ledger", records=format_count(records), work=work)]


# 二、自查情况 -------------------------------------------------------------------------


def tally(v: Voice, judged: Sequence[ItemScore]) -> str:
    """其中5项达到要求，1项基本达到要求，2项未达到要求 ("" when every item is met)."""
    counts = {level: sum(1 for s in judged if s.level == level)
              for level in ("met", "partial", "missed")}
    if counts["met"] == len(judged):
        return ""
    return v.say("tally.lead", parts="，".join(
        v.say(f"tally.{level}", count=counts[level]) for level in counts if counts[level]))


def grade_phrase(v: Voice, score: ChecklistScore) -> str:
    """What the total earns, in the unit's own level's words, and a veto only when it
    lowered or withheld the grade; nothing for a checklist without printable grades."""
    checklist = score.checklist
    if not checklist.grades or not checklist.grades_fit(v.unit.level):
        return ""
    decisive = score.decisive_vetoes
    if decisive:
        before = score.grade_by_total
        assert before is not None  # a veto lowers only a grade the total earned
        labels = quoted([s.item.label for s in decisive])
        if score.grade is None:
            return v.say("grade.withheld", before=before.label, labels=labels)
        return v.say("grade.lowered", before=before.label, after=score.grade.label,
                     labels=labels)
    if score.grade is not None:
        return v.say("grade.reached", "grade", grade=score.grade.label)
    return v.say("grade.below", grade=checklist.grades[-1].label)


def inspection_intro(v: Voice, score: ChecklistScore) -> str:
    """The total, its grade and the tally of items, pointing to the table."""
    judged = score.judged
    text = v.say("intro", "intro", count=len(judged), earned=points(score.earned),
                 points=points(score.checklist.max_points), grade=grade_phrase(v, score))
    return text + v.say("intro.close", parts=tally(v, judged) or v.say("intro.all_met"))


def section_paragraphs(v: Voice, section: SectionScore) -> list[str]:
    """A section's subtotal, its measured items against their standards, its yes/no
    items, then the unit's text answers."""
    judged = [s for s in section.items if s.level is not None]
    paragraphs = []
    if judged:
        paragraphs.append(v.say(
            "section.opening", section.section.key, section=section.section.title,
            count=len(judged), points=points(section.section.max_points),
            earned=points(section.earned), parts=tally(v, judged) or v.say("section.all_met")))
    measured = [v.evidence(s) for s in judged if not s.yes_no]
    if measured:
        paragraphs.append("；".join(measured) + "。")
    yes_no = [s for s in judged if s.yes_no]
    if yes_no:
        paragraphs.append(_checked(v, yes_no))
    for score in section.items:
        if score.level is None and score.answer is not None:
            paragraphs.append(v.say("text.answer", label=score.item.label,
                                    answer=sentence(str(score.answer.value))))
    return paragraphs


def _checked(v: Voice, yes_no: Sequence[ItemScore]) -> str:
    """经逐项核对，“甲”“乙”等2项要求均已落实；“丙”尚未落实。 with the unit's notes."""
    clauses = []
    for done, key in ((True, "done"), (False, "undone")):
        labels = [s.item.label for s in yes_no if (s.level == "met") == done]
        if labels:
            many = "many" if len(labels) > 1 else "one"
            clauses.append(v.say(f"{key}.{many}", labels=quoted(labels), count=len(labels)))
    text = v.say("done.checked", clauses="；".join(clauses))
    # A note on a requirement not met explains its problem in part 三, once.
    return text + "".join(sentence(s.note) for s in yes_no if s.note and s.level == "met")


def score_rows(v: Voice, score: ChecklistScore) -> list[dict[str, str]]:
    """The score table: one row per judged item, a subtotal per section, the total."""
    rows, number = [], 0
    for section in score.sections:
        for item in section.items:
            if item.level is None:
                continue
            number += 1
            rows.append({"no": str(number), "label": v.content(item), "actual": v.actual(item),
                         "result": v.result(item), "points": points(item.item.points),
                         "earned": points(item.earned)})
        rows.append({"no": "", "label": v.say("cell.subtotal", section=section.section.title),
                     "actual": "", "result": "", "points": points(section.section.max_points),
                     "earned": points(section.earned)})
    verdict = ""
    if score.checklist.grades_fit(v.unit.level):
        verdict = (score.grade.label if score.grade else
                   v.say("cell.vetoed") if score.decisive_vetoes else "")
    rows.append({"no": "", "label": v.say("cell.total"), "actual": "", "result": verdict,
                 "points": points(score.checklist.max_points), "earned": points(score.earned)})
    return rows


# 三、存在问题 -------------------------------------------------------------------------


def problem_lead(v: Voice, score: ItemScore) -> str:
    """The problem's lead: the item's shortfall, never its positive wording. Leads that
    recur within a report vary by item, so a list of them does not read as one phrase."""
    item, threshold = score.item, score.threshold
    if item.shortfall:
        return v.say("problem.shortfall", shortfall=clause(item.shortfall))
    if score.yes_no:
        return v.say("problem.undone", label=item.label)
    if isinstance(item, IndicatorItem) and score.value is None:
        return v.say("problem.no_data", label=item.label)
    if isinstance(item, ArchiveItem):
        # The label says what should be on file; the problem names what is not.
        return v.say("problem.documents", names=_not_filed(score))
    if isinstance(item, ObservedItem) and item.answer == "score":
        return v.say("problem.score_partial" if score.level == "partial"
                     else "problem.score_missed", label=item.label)
    if score.level == "partial":
        return v.say("problem.partial", item.key, label=item.label)
    assert threshold is not None
    if isinstance(item, IndicatorItem):
        key = {"le": "problem.over", "range": "problem.out_of_range"}.get(
            threshold.comparator, "problem.under")
        return v.say(key, label=item.label, noun=v.noun(score))
    if threshold.comparator != "ge":
        return v.say("problem.not_fit", label=item.label)
    if isinstance(item, ActivityItem) and item.measure != SESSIONS:
        # 参训妇女30人 is short of people reached, not of work done.
        return v.say("problem.reach_short", activity=v.activity(item.activity))
    short = ("problem.work_short" if isinstance(item, ActivityItem)
             else "problem.number_short" if isinstance(item, ObservedItem)
             and item.answer == "number" else "problem.count_short")
    return v.say(short, item.key, label=item.label)


def _not_filed(score: ItemScore) -> str:
    """The documents an archive item still lacks: 2025年上半年工作总结、…"""
    return "、".join(check.name for check in score.documents if not check.ok)


def problem(v: Voice, score: ItemScore, scored: ChecklistScore) -> dict[str, str]:
    """One item not fully met: its shortfall, the evidence, the points, a decisive veto."""
    item = score.item
    earned = {"points": points(item.points), "earned": points(score.earned)}
    some = "some" if score.earned else "none"
    if score.yes_no or (isinstance(item, ObservedItem) and item.answer == "score"):
        text = v.say(f"problem.rated_{some}", label=item.label, **earned)
        text += sentence(score.note) if score.note else ""
    else:
        text = v.say("problem.measured", stated=clause(v.evidence(score)),
                     text=v.say(f"problem.earned_{some}", **earned))
    if scored.lowered_by(score) and scored.checklist.grades_fit(v.unit.level):
        before = scored.grade_by_total
        assert before is not None
        text += (v.say("problem.lowered", before=before.label, after=scored.grade.label)
                 if scored.grade else v.say("problem.withheld", before=before.label))
    return {"lead": problem_lead(v, score), "text": text}


# 四、整改措施 -------------------------------------------------------------------------


def measure(v: Voice, score: ItemScore, issued_on: date) -> dict[str, str]:
    """What the unit will do about one problem, and by when."""
    item = score.item
    days = item.rectify_days or v.checklist.rectify_days or RECTIFY_DAYS[item.kind]
    lead, remedy, goal = _remedy(v, score)
    text = v.say("measure.join", remedy=remedy, goal=goal) if goal else remedy
    return {"lead": lead, "text": v.say("measure.deadline", text=text, days=days,
                                        deadline=cn_date(issued_on + timedelta(days=days)))}


def _remedy(v: Voice, score: ItemScore) -> tuple[str, str, str]:
    """(lead, remedy, goal): the item's own remedy, else the kind's generic one."""
    item, label = score.item, score.item.label
    own = clause(item.remedy)
    if isinstance(item, IndicatorItem):
        return _indicator_remedy(v, score, own)
    if isinstance(item, ActivityItem):
        lead = (v.say("measure.work.lead", item.key, label=label) if item.measure == SESSIONS
                else v.say("measure.reach.lead", activity=v.activity(item.activity)))
        return (lead, own or v.say("measure.work", label=label),
                v.say("goal.standard", standard=v.requirement(score)))
    if score.yes_no:
        return (v.say("measure.undone.lead", label=label),
                own or v.say("measure.undone", label=label), "")
    if isinstance(item, ArchiveItem):
        return (v.say("measure.documents.lead", names=_not_filed(score)),
                own or v.say("measure.documents"), "")
    assert isinstance(item, ObservedItem)
    if item.answer == "score":
        return (v.say("measure.score.lead", label=label),
                own or v.say("measure.score", label=label), "")
    assert score.threshold is not None
    goal = v.say("goal.standard", standard=v.standard(score))
    if item.answer == "number":
        side = "ceiling" if score.threshold.comparator == "le" else "floor"
        return (v.say(f"measure.number.{side}", label=label),
                own or v.say("measure.number", label=label), goal)
    return (v.say("measure.count.lead", label=label),
            own or v.say("measure.count", label=label), goal)


def _indicator_remedy(v: Voice, score: ItemScore, own: str) -> tuple[str, str, str]:
    label = score.item.label
    if score.value is None:
        # The item's remedy raises the figure; here the figure itself is missing.
        figures = v.missing_figures(score) or v.say("measure.no_data_figures")
        return (v.say("measure.no_data.lead", label=label),
                v.say("measure.no_data", figures=figures), "")
    threshold = score.threshold
    assert threshold is not None
    side = {"le": "ceiling", "range": "range"}.get(threshold.comparator, "floor")
    # The figure to reach in words: 不低于98%, 不超过12‰, 达到100%.
    said = {"ge": "floor", "le": "ceiling", "eq": "exact", "range": "range"}[
        goal_comparator(threshold, score.unit)]
    goal = v.say(f"goal.{said}", label=label,
                 target=format_target(v.indicator(score), threshold),
                 figure=format_target(v.indicator(score), threshold, signed=False))
    return (v.say(f"measure.indicator.{side}", score.item.key, label=label),
            own or v.say("measure.indicator", label=label), goal)
