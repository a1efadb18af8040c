"""What an inspection found, item by item, and what to do about it: the phrases both
inspection documents build their problems and 整改意见 from.

An item not met is worded by what its data say: a figure short of (or over) its
threshold and by how much, near the standard (within the item's band) or far from
it; a requirement not in place; an inspector's score below full marks; documents
missing from the archive; an indicator nobody could compute. What it is called as a
problem (:func:`lead`) is a shortfall, never the item's own positive wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from wenshu.compute.checklist import Finding, ItemScore
from wenshu.generators.inspection_voice import Voice, amount, points, quote, quoted
from wenshu.generators.numbers import goal_comparator
from wenshu.models.checklist import (
    ActivityItem,
    ArchiveItem,
    IndicatorItem,
    ObservedItem,
)


def _clause(text: str) -> str:
    """Text without its closing stop, to go on with the sentence."""
    return text.strip().rstrip("。；，;,. ")


def missing_figures(v: Voice, score: ItemScore) -> str:
    """The base figures an indicator lacks: 出生人数、活产数 ("" when every one was reported)."""
    evaluation = score.evaluation
    assert evaluation is not None
    indicator, names = evaluation.indicator, []
    for source, value in ((indicator.numerator, evaluation.numerator),
                          (indicator.denominator, evaluation.denominator)):
        if source is not None and source.figure is not None and value is None:
            figure = v.catalogue.figures.get(source.figure)
            names.append(figure.label if figure else source.figure)
    return "、".join(names)


def kind(score: ItemScore) -> str:
    """How the item's result is worded: rate, count, range, no_data, yes_no, score, archive."""
    item = score.item
    if isinstance(item, ArchiveItem):
        return "archive"
    if isinstance(item, ObservedItem) and item.answer in ("yes_no", "score"):
        return item.answer
    if score.value is None:
        return "no_data"
    assert score.threshold is not None
    if score.threshold.comparator == "range":
        return "range"
    rate = (isinstance(item, ObservedItem) and item.answer == "number") or (
        isinstance(item, IndicatorItem) and score.evaluation is not None
        and score.evaluation.indicator.unit != "count")
    return "rate" if rate else "count"


def direction(score: ItemScore) -> str:
    """below (the figure must rise to its threshold) or above (it must come down)."""
    assert score.threshold is not None and score.value is not None
    if score.threshold.comparator == "le":
        return "above"
    if score.threshold.comparator == "eq" and score.value > score.threshold.value:
        return "above"
    return "below"


def _what(v: Voice, score: ItemScore) -> str:
    key = "what.activity" if isinstance(score.item, ActivityItem) else "what.plain"
    return v.say(key, label=score.item.label)


def _documents(v: Voice, score: ItemScore) -> list[str]:
    return [v.say("find.archive.absent" if c.status is None else "find.archive.draft", doc=c.name)
            for c in score.documents if not c.ok]


def clause(v: Voice, score: ItemScore) -> str:
    """One finding as a clause: 宣传板3块，比标准（≥5块）少2块 (yes/no items: see :func:`clauses`)."""
    label, what = score.item.label, kind(score)
    if what == "archive":
        return "；".join(_documents(v, score))
    if what == "score":
        return v.say("find.score", label=label, earned=points(score.earned),
                     points=points(score.item.points))
    if what == "yes_no":
        return v.say("find.yes_no.one", label=label)
    if what == "no_data":
        figures = missing_figures(v, score)
        return (v.say("find.no_data", label=label, figures=figures) if figures
                else v.say("find.no_base", label=label))
    assert score.value is not None and score.level is not None
    values = {"what": _what(v, score), "value": amount(score.value, score.unit),
              "target": v.standard(score), "noun": v.target_noun(score)}
    if what == "range":
        return v.say("find.range", **values)
    level = "zero" if what == "count" and not score.value else score.level
    return v.say(f"find.{what}.{direction(score)}.{level}", gap=v.gap(score), **values)


def _empty(score: ItemScore) -> bool:
    """A count that must rise and stands at nothing (0场, 0块)."""
    return kind(score) == "count" and not score.value and direction(score) == "below"


def _together(v: Voice, group: Sequence[Finding]) -> str:
    """Several requirements not in place, counts at nothing or documents missing, in one
    clause."""
    if kind(group[0].score) == "archive":
        checks = [c for f in group for c in f.score.documents if not c.ok]
        parts = [(key, "、".join(c.name for c in checks if (c.status is None) == absent))
                 for key, absent in (("find.archive.absent", True), ("find.archive.draft", False))]
        return "；".join(v.say(key, doc=names) for key, names in parts if names)
    if kind(group[0].score) == "yes_no":
        return v.say("find.yes_no.many", labels=quoted([f.item.label for f in group]),
                     count=len(group))
    return v.say("find.count.zero_many", labels="、".join(f.item.label for f in group),
                 count=len(group), noun=v.target_noun(group[0].score),
                 targets="、".join(v.standard(f.score) for f in group))


def clauses(v: Voice, found: Sequence[Finding], binding: set[str]) -> list[str]:
    """A section's findings as clauses; its unmet requirements (yes/no) said together, and
    so are its counts standing at nothing and its missing documents."""
    groups = [[f for f in found if test(f.score)] for test in (
        lambda s: kind(s) == "yes_no", _empty, lambda s: kind(s) == "archive")]
    result = []
    for finding in found:
        group = next((g for g in groups if finding in g and len(g) > 1), None)
        if group is None:
            result.append(clause(v, finding.score) + _extras(v, finding.score, binding))
        elif finding is group[0]:
            result.append(_together(v, group)
                          + "".join(_extras(v, f.score, binding) for f in group))
    return result


def _extras(v: Voice, score: ItemScore, binding: set[str]) -> str:
    """The inspectors' note and, when it lowered the grade, the veto mark."""
    note = _clause(score.note)
    text = v.say("find.note", note=note) if note else ""
    return text + (v.say("find.veto") if score.item.key in binding else "")


def brief(v: Voice, score: ItemScore) -> str:
    """One finding in brief, for lists and tables: 宣传板3块（标准≥5块）."""
    label, what = score.item.label, kind(score)
    if what == "archive":
        return "；".join(_documents(v, score))
    if what == "yes_no":
        return v.say("brief.yes_no", label=label)
    if what == "score":
        return v.say("brief.score", label=label, earned=points(score.earned),
                     points=points(score.item.points))
    if what == "no_data":
        return v.say("brief.no_data", label=label, figures=missing_figures(v, score))
    assert score.value is not None
    return v.say("brief.measured", what=_what(v, score), value=amount(score.value, score.unit),
                 noun=v.target_noun(score), target=v.standard(score))


def _missing(scores: Sequence[ItemScore]) -> str:
    """The documents missing (or only drafted) in any of ``scores``, each named once."""
    return "、".join(dict.fromkeys(c.name for s in scores for c in s.documents if not c.ok))


def briefs(v: Voice, found: Sequence[Finding]) -> list[str]:
    """A section's findings in brief, its missing documents named together."""
    archive = [f for f in found if kind(f.score) == "archive"]
    result = []
    for finding in found:
        if finding not in archive or len(archive) == 1:
            result.append(brief(v, finding.score))
        elif finding is archive[0]:
            result.append(_together(v, archive))
    return result


def lead(v: Voice, score: ItemScore, shared: Sequence[ItemScore] = ()) -> str:
    """What the shortfall is called: 宣传板数量不足, 未落实“配备电话和计算机”的要求
    (for an item several units missed, ``shared`` holds each one's score)."""
    item, what = score.item, kind(score)
    if what == "archive":
        return v.say("lead.archive", docs=_missing(shared or [score]))
    if what in ("yes_no", "score", "range", "no_data"):
        return v.say(f"lead.{what}", label=item.label)
    if isinstance(item, ActivityItem):
        return v.say("lead.activity", label=item.label)
    return v.say(f"lead.{what}.{direction(score)}", label=item.label, noun=v.target_noun(score))


def _goal(v: Voice, score: ItemScore) -> str:
    """，使宣传板达到5块以上 ("" for items without a threshold)."""
    if score.threshold is None or kind(score) in ("archive", "no_data", "score", "yes_no"):
        return ""
    return v.say(f"goal.{goal_comparator(score.threshold, score.unit)}", label=score.item.label,
                 target=v.standard(score), figure=v.standard(score, signed=False))


def measure(v: Voice, score: ItemScore, shared: Sequence[ItemScore] = ()) -> str:
    """The 整改意见 for one item, without its deadline: the checklist's remedy, else one
    from the phrasebook by what was found, and the figure to reach.

    For an item several units missed (``shared``: each one's score) the measure names
    no one unit's shortfall, and the figure to reach only when it is the same for all."""
    item, what = score.item, kind(score)
    alike = all(s.threshold == score.threshold for s in shared)
    if what == "no_data":  # the item's remedy raises the figure; here the figure is missing
        return v.say("measure.no_data", figures=missing_figures(v, score) or item.label)
    remedy = _clause(item.remedy)
    if not remedy:
        if what == "archive":
            remedy = v.say("measure.archive", docs=_missing(shared or [score]))
        elif what in ("yes_no", "score"):
            remedy = v.say(f"measure.{what}", label=item.label, labels=quote(item.label))
        elif isinstance(item, ActivityItem):
            key = "measure.activity_all" if shared else "measure.activity"
            remedy = v.say(key, label=item.label, gap=v.gap(score))
        elif what == "count":
            key = "measure.count_all" if shared else "measure.count"
            remedy = v.say(key, label=item.label, gap=v.gap(score))
        elif what == "range":
            remedy = v.say("measure.range", label=item.label)
        else:
            remedy = v.say(f"measure.rate.{direction(score)}", label=item.label)
    return remedy + (_goal(v, score) if alike else "")


def measures(v: Voice, found: Sequence[Finding]) -> list[tuple[str, date]]:
    """Each finding's measure with its deadline; the same words said once (latest date),
    and requirements without a remedy of their own asked for together."""
    plain = [f for f in found if kind(f.score) == "yes_no" and not f.item.remedy.strip()]
    result: dict[str, date] = {}
    for finding in found:
        if finding in plain and len(plain) > 1:
            if finding is not plain[0]:
                continue
            text = v.say("measure.yes_no", labels=quoted([f.item.label for f in plain]))
            deadline = max(f.deadline for f in plain)
        else:
            text, deadline = measure(v, finding.score), finding.deadline
        result[text] = max(deadline, result.get(text, deadline))
    return list(result.items())
