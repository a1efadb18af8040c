"""An inspection's 检查情况通报: how the units were judged, the scores table, the
follow-up of the last inspection, the problems several units share and each unit's
own, and the requirements that follow, each naming the units and the date.

A problem every unit shares is said once, in the common part's lead; the units'
own lists leave out what the common part already says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from wenshu.compute.checklist import Finding
from wenshu.compute.ranking import Ranked
from wenshu.compute.rounding import round_fraction
from wenshu.generators import inspection_findings as found_
from wenshu.generators.inspection_inputs import UnitInspection, rank_units
from wenshu.generators.inspection_report import by_section, grade_clause
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
from wenshu.generators.summary_voice import SMALL_BASE
from wenshu.narrative import Narrative
from wenshu.periods import Period

# A problem is common (共性问题) when at least this many units lost points on it.
COMMON_AT_LEAST = 2


def _average(totals: Sequence[Decimal]) -> Decimal:
    exact = sum((Fraction(t) for t in totals), Fraction(0)) / len(totals)
    return round_fraction(exact, 2)


def _basic(v: Voice) -> list[str]:
    checklist = v.checklist
    kinds = [item.kind for item in checklist.items if item.points or item.veto]
    sources = "，".join(v.say(f"source.{k}", count=kinds.count(k))
                       for k in ("indicator", "activity", "archive", "observed") if k in kinds)
    paragraphs = [v.say("bulletin.scope", scope=v.scope(), sources=sources)]
    if checklist.grades:
        bars = "、".join(v.say("bulletin.bar", points=points(g.min_points), grade=g.label)
                         for g in checklist.grades)
        paragraphs.append(v.say("bulletin.bars", bars=bars))
    vetoes = [item.label for item in checklist.items if item.veto]
    if vetoes:
        paragraphs.append(v.say("bulletin.vetoes", labels=quoted(vetoes)))
    return paragraphs


def _results(v: Voice, units: Sequence[UnitInspection], ranked: Sequence[Ranked]) -> list[str]:
    by_code = {u.code: u for u in units}
    if len(units) == 1:
        only = units[0]
        paragraphs = [v.say("result.one", name=only.name, total=points(only.total),
                            grade=grade_clause(v, only.score))]
    else:
        top, bottom = ranked[0].total, ranked[-1].total
        paragraphs = [v.say(
            "result.spread", count=len(units), average=points(_average([u.total for u in units])),
            top=points(top), bottom=points(bottom),
            top_names=v.names([by_code[r.unit_code].name for r in ranked if r.total == top]),
            bottom_names=v.names([by_code[r.unit_code].name for r in ranked
                                  if r.total == bottom]))]
    grades = v.checklist.grades
    if grades:
        none = sum(1 for u in units if u.score.grade is None)
        if none == len(units):
            paragraphs.append(v.say("result.ungraded_all"))
        else:
            parts = "、".join(v.say("result.grade_count", grade=g.label, count=n) for g, n in
                              ((g, sum(1 for u in units if u.score.grade == g)) for g in grades)
                              if n)
            rest = v.say("result.ungraded_some", count=none) if none else ""
            paragraphs.append(v.say("result.grades", parts=parts, rest=rest))
    for place in ranked:
        score = by_code[place.unit_code].score
        binding = binding_vetoes(score)
        if binding:
            assert score.grade_by_total is not None
            paragraphs.append(v.say("result.veto", name=by_code[place.unit_code].name,
                                    by_total=score.grade_by_total.label,
                                    labels=quoted([s.item.label for s in binding]),
                                    outcome=v.veto_outcome(score)))
    if any(r.tied for r in ranked):
        top = [by_code[r.unit_code].name for r in ranked if r.rank == 1]
        lead = v.say("result.tied_top", names="、".join(top)) if len(top) > 1 else ""
        paragraphs.append(v.say("result.ties", lead=lead))
    return paragraphs + [v.say("result.see_table")]


def _ranking_rows(v: Voice, units: Mapping[str, UnitInspection], ranked: Sequence[Ranked]
                  ) -> list[dict[str, Any]]:
    rows = []
    for place in ranked:
        unit = units[place.unit_code]
        rows.append({"rank": (v.say("cell.rank_tied", rank=place.rank) if place.tied
                              else str(place.rank)),
                     "name": unit.name,
                     "sections": [points(s.earned) for s in unit.score.sections],
                     "total": points(unit.total), "grade": v.grade_cell(unit.score)})
    return rows


def common_items(units: Sequence[UnitInspection], ranked: Sequence[Ranked]
                 ) -> list[list[tuple[UnitInspection, Finding]]]:
    """Items several units lost points on, each with those units in ranking order:
    most units first, then most points lost, then checklist order."""
    order = {code.unit_code: n for n, code in enumerate(ranked)}
    shared: dict[str, list[tuple[UnitInspection, Finding]]] = {}
    for unit in sorted(units, key=lambda u: order[u.code]):
        for finding in unit.findings:
            shared.setdefault(finding.item.key, []).append((unit, finding))
    position = {item.key: n for n, item in enumerate(units[0].score.checklist.items)}
    common = [found for found in shared.values() if len(found) >= COMMON_AT_LEAST]
    return sorted(common, key=lambda found: (-len(found), -sum(f.lost for _u, f in found),
                                             position[found[0][1].item.key]))


def _common_text(v: Voice, found: Sequence[tuple[UnitInspection, Finding]], everyone: bool
                 ) -> str:
    score, lost = found[0][1].score, points(sum(f.lost for _u, f in found))
    if found_.kind(score) in ("rate", "count", "range") and not any(
            f.score.value is None for _u, f in found):
        figures = [amount(f.score.value or Decimal(0), f.score.unit) for _u, f in found]
        if len(set(figures)) == 1:  # one figure for all: said once
            who = "" if everyone else v.names([u.name for u, _f in found])
            return v.say("common.same", who=who, value=figures[0], noun=v.target_noun(score),
                         target=v.standard(score), lost=lost)
        values = "、".join(v.say("common.value", name=u.name, value=figure)
                           for (u, _f), figure in zip(found, figures))
        return v.say("common.measured", values=values, noun=v.target_noun(score),
                     target=v.standard(score), lost=lost)
    if everyone:
        return v.say("common.all", lost=lost)
    return v.say("common.named", names=v.names([u.name for u, _f in found]), lost=lost)


def _common(v: Voice, units: Sequence[UnitInspection], common: Sequence[Sequence[Any]]
            ) -> tuple[str, list[dict[str, str]]]:
    everyone = [found for found in common if len(found) == len(units)]
    some = len(common) - len(everyone)
    if not common:
        return v.say("common.none"), []
    key = ("common.intro_both" if everyone and some else
           "common.intro_all" if everyone else "common.intro_some")
    intro = v.say(key, all_count=len(everyone), some_count=some, count=len(units))
    items = [{"lead": v.say("common.lead", lead=found_.lead(
                  v, found[0][1].score, [f.score for _u, f in found])),
              "text": _common_text(v, found, len(found) == len(units))} for found in common]
    return intro, items


def _unit_problems(v: Voice, units: Mapping[str, UnitInspection], ranked: Sequence[Ranked],
                   shared: set[str]) -> list[dict[str, str]]:
    problems, clean = [], []
    for place in ranked:
        unit = units[place.unit_code]
        if not unit.findings:
            clean.append(unit.name)
            continue
        own = [f for f in unit.findings if f.item.key not in shared]
        text = "".join(v.say("units.section", section=section, parts="；".join(
            found_.briefs(v, found))) for section, found in by_section(own).items())
        problems.append({"lead": v.say("units.lead", name=unit.name, total=points(unit.total)),
                         "text": text or v.say("units.only_common")})
    if clean:
        problems.append({"lead": "", "text": v.say("units.clean", names=v.names(clean))})
    return problems


def _follow_up(v: Voice, units: Sequence[UnitInspection], ranked: Sequence[Ranked],
               earlier: Period) -> tuple[list[str], list[dict[str, str]]]:
    by_code = {u.code: u for u in units}
    compared = [by_code[r.unit_code] for r in ranked if by_code[r.unit_code].follow_ups is not None]
    words = v.period(earlier)
    if not compared:
        return [v.say("follow.none_compared", earlier=words)], []
    follows = [f for u in compared for f in u.follow_ups or ()]
    fixed = sum(1 for f in follows if f.rectified)
    paragraphs = []
    if follows:
        # A rate of a handful of problems says nothing the two counts do not.
        rate = (v.say("follow.rate", rate=format_count(round_fraction(
            Fraction(fixed * 100, len(follows)), 1))) if len(follows) >= SMALL_BASE else "")
        paragraphs.append(v.say("follow.summary", earlier=words, count=len(compared),
                                found=len(follows), fixed=fixed, open=len(follows) - fixed,
                                rate=rate))
        done = [u.name for u in compared if u.follow_ups and all(f.rectified for f in u.follow_ups)]
        pending = [u.name for u in compared if any(not f.rectified for f in u.follow_ups or ())]
        if done:
            paragraphs.append(v.say("follow.done", names=v.names(done)))
        if pending:
            paragraphs.append(v.say("follow.pending", names=v.names(pending)))
    else:
        paragraphs.append(v.say("follow.none_found", earlier=words))
    missed = [u.name for u in units if u.follow_ups is None]
    if missed:
        paragraphs.append(v.say("follow.absent", names=v.names(missed), earlier=words))
    rows = []
    for number, unit in enumerate((u for u in compared if u.follow_ups), start=1):
        follows = list(unit.follow_ups or ())
        still = [found_.lead(v, f.now) for f in follows if not f.rectified]
        rows.append({"no": str(number), "name": unit.name, "found": str(len(follows)),
                     "fixed": str(len(follows) - len(still)), "open": str(len(still)),
                     "pending": "；".join(still) or v.say("cell.none")})
    return paragraphs, rows


def _requirement_common(v: Voice, units: Sequence[UnitInspection],
                        common: Sequence[Sequence[tuple[UnitInspection, Finding]]]) -> str:
    sentences = []
    for found in common:
        scores = [f.score for _u, f in found]
        names = (v.say("req.every") if len(found) == len(units)
                 else v.names([u.name for u, _f in found]))
        sentences.append(v.say(
            "req.common", lead=found_.lead(v, scores[0], scores), names=names,
            measure=found_.measure(v, scores[0], shared=scores),
            deadline=v.date(max(f.deadline for _u, f in found))))
    return "".join(sentences)


def _requirements(v: Voice, units: Mapping[str, UnitInspection], ranked: Sequence[Ranked],
                  common: Sequence[Sequence[tuple[UnitInspection, Finding]]], issuer: str
                  ) -> list[dict[str, str]]:
    ordered = [units[r.unit_code] for r in ranked]
    shared = {found[0][1].item.key for found in common}
    items = []
    if common:
        items.append({"lead": v.say("req.common_lead"),
                      "text": _requirement_common(v, ordered, common)})
    own = [(u, [f for f in u.findings if f.item.key not in shared]) for u in ordered]
    own = [(u, found) for u, found in own if found]
    if own:
        text = "".join(v.say("req.unit", name=u.name, measures="；".join(
            m for m, _day in found_.measures(v, found)),
            deadline=v.date(max(f.deadline for f in found))) for u, found in own)
        items.append({"lead": v.say("req.units_lead"), "text": text})
    flawed = [u for u in ordered if u.findings]
    if flawed:
        latest = max(f.deadline for u in flawed for f in u.findings)
        items.append({"lead": v.say("req.report_lead"), "text": v.say(
            "req.report", names=v.names([u.name for u in flawed]), deadline=v.date(latest),
            issuer=issuer)})
    vetoed = [u for u in ordered if binding_vetoes(u.score)]
    if vetoed:
        due = max(f.deadline for u in vetoed for f in u.findings if f.veto)
        items.append({"lead": v.say("req.veto_lead"), "text": v.say(
            "req.veto", names=v.names([u.name for u in vetoed]), deadline=v.date(due),
            issuer=issuer)})
    pending = [(u, f) for u in ordered for f in u.findings if u.still_open(f.item.key)]
    if pending:
        names = list(dict.fromkeys(u.name for u, _f in pending))
        items.append({"lead": v.say("req.pending_lead"), "text": v.say(
            "req.pending", count=len(pending), names=v.names(names),
            deadline=v.date(max(f.deadline for _u, f in pending)))})
    items.append({"lead": v.say("req.closing_lead"), "text": v.say("req.closing", issuer=issuer)})
    return items


def _follow_up_part(v: Voice, units: Sequence[UnitInspection], ranked: Sequence[Ranked],
                    earlier: Period | None) -> dict[str, Any]:
    """三、上次检查问题整改情况 of a follow-up: its heading, paragraphs and 表2 (all empty
    when the inspection is no follow-up)."""
    if earlier is None:
        return {"followup_heading": "", "followup_paragraphs": [], "followup_caption": "",
                "followup_rows": []}
    paragraphs, rows = _follow_up(v, units, ranked, earlier)
    return {"followup_heading": heading_number(1, 3) + v.say("bulletin.followup_heading"),
            "followup_paragraphs": paragraphs,
            "followup_caption": v.say("follow.caption", earlier=v.period(earlier)) if rows else "",
            "followup_rows": rows}


def bulletin_context(v: Voice, units: Sequence[UnitInspection], *, period: Period,
                     inspected_on: date, issuer: str, issued_on: date,
                     previous_period: Period | None = None, narrative: Narrative | None = None,
                     signature_unit: str | None = None) -> dict[str, Any]:
    """The template context of an inspection's 检查情况通报 (every value a finished string)."""
    narrative = narrative or Narrative()
    when = v.period(period)
    ranked = rank_units(units)
    by_code = {u.code: u for u in units}
    common = common_items(units, ranked)
    intro, common_problems = _common(v, units, common)
    common_problems += [{"lead": "", "text": sentence(t)} for t in narrative.problems]
    followup = _follow_up_part(v, units, ranked, previous_period)
    number = 3 + bool(followup["followup_heading"])
    requirements = _requirements(v, by_code, ranked, common, issuer)
    requirements += [{"lead": "", "text": sentence(t)} for t in narrative.plans]
    return {
        "title": v.say("bulletin.title", issuer=issuer, when=when),
        "opening": v.say("bulletin.opening", "bulletin", basis=v.basis(), issuer=issuer,
                         date=v.date(inspected_on), count=len(units), when=when),
        "basic_heading": heading_number(1, 1) + v.say("bulletin.basic_heading"),
        "basic_paragraphs": _basic(v),
        "result_heading": heading_number(1, 2) + v.say("bulletin.result_heading"),
        "result_paragraphs": _results(v, units, ranked)
        + [sentence(text) for text in narrative.highlights],
        "ranking_caption": v.say("bulletin.ranking_caption", when=when),
        "ranking_heads": [v.say("cell.section_head", section=s.title,
                                points=points(s.max_points)) for s in v.checklist.sections],
        "ranking_rows": _ranking_rows(v, by_code, ranked),
        **followup,
        "problems_heading": heading_number(1, number) + v.say("bulletin.problems_heading"),
        "common_heading": heading_number(2, 1) + v.say("bulletin.common_heading"),
        "common_intro": intro,
        "common_problems": numbered(common_problems),
        "units_heading": heading_number(2, 2) + v.say("bulletin.units_heading"),
        "units_intro": v.say("units.intro") if common else "",
        "unit_problems": numbered(_unit_problems(
            v, by_code, ranked, {found[0][1].item.key for found in common})),
        "requirements_heading": heading_number(1, number + 1)
        + v.say("bulletin.requirements_heading"),
        "requirements": numbered(requirements),
        "signature_unit": signature_unit or issuer,
        "signature_date": v.date(issued_on),
    }
