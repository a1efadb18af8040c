"""The 实施方案's opening and sections, each filled from the ``campaign_plan`` phrasebook.

A section builder returns ``None`` when the spec gives it nothing to say; the plan
numbers the sections that remain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wenshu.compute.summary import Rollup
from wenshu.generators.campaign_resolve import ResolvedCampaign
from wenshu.generators.campaign_words import (
    date_phrase,
    date_span,
    goal_sentence,
    numbered,
    sentence,
)
from wenshu.generators.numbers import cn_number, heading_number
from wenshu.generators.phrasebook import Phrasebook
from wenshu.generators.phrasing import scope_word
from wenshu.models.campaign import CampaignSpec, Item


def section(title: str, paragraphs: Sequence[str] = (), points: Sequence[dict[str, str]] = (),
            parts: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """One section of the plan: its heading, paragraphs, bold-lead points and parts."""
    # Not "items": in the template, section.items would be the dict's method.
    return {"heading": title, "paragraphs": list(paragraphs), "points": list(points),
            "parts": list(parts)}


def _whole_span(spec: CampaignSpec, p: Phrasebook, year: int | None = None) -> str:
    """The campaign's dates: exact only when its first and last phases are."""
    return date_span(spec.start, spec.end, exact=spec.phases[0].exact and spec.phases[-1].exact,
                     year=year, phrases=p)


def opening(plan: ResolvedCampaign, p: Phrasebook) -> str:
    """The opening paragraph: purpose, basis, when and where, and that the plan follows."""
    spec, vary = plan.spec, (plan.unit.code, plan.spec.code)
    purpose = ""
    if spec.purpose:
        # A purpose that starts with the word the phrase puts before it is not given it twice.
        purpose = spec.purpose.removeprefix(p.say("opening.purpose_word")).rstrip("，,。")
    text = (p.say("opening.purpose", purpose=purpose) if purpose
            else p.say("opening.no_purpose", campaign=spec.name))
    if spec.basis:
        text += p.say("opening.basis", *vary, basis=spec.basis)
    # A level without its own phrase (a department) speaks of itself as own.other.
    own_key = f"own.{plan.unit.level}"
    own = p.say(own_key if own_key in p.phrases else "own.other")
    where = (p.say("opening.where", participants=plan.participant_phrase)
             if plan.participant_phrase else "")
    text += p.say("opening.decision", own=own, when=_whole_span(spec, p), where=where,
                  campaign=spec.name)
    return text + p.say("opening.close", *vary)


def goals(plan: ResolvedCampaign, rollup: Rollup, p: Phrasebook) -> dict[str, Any] | None:
    """工作目标: the spec's own text, then each indicator goal from last year's figure."""
    spec = plan.spec
    if not spec.goals.text and not plan.goals:
        return None
    paragraphs = [sentence(t) for t in spec.goals.text]
    scope = scope_word(plan.unit.level)
    items = []
    for indicator, target in plan.goals:
        baseline = rollup.evaluate(indicator, plan.unit.code, spec.year - 1).value
        items.append(Item(text=goal_sentence(indicator, target, baseline, spec.year - 1, scope,
                                             (plan.unit.code, spec.code), p)))
    if items:
        paragraphs.append(p.say("goals.intro", plan.unit.code, spec.code))
    return section(p.say("heading.goals"), paragraphs, numbered(items))


def steps(plan: ResolvedCampaign, p: Phrasebook) -> dict[str, Any]:
    """实施步骤: the campaign's span and phases, each with its dates and numbered tasks."""
    spec = plan.spec
    lead = p.say("steps.lead", lead=plan.lead.name) if plan.lead.code != plan.unit.code else ""
    where = (p.say("steps.where", participants=plan.participant_phrase)
             if plan.participant_phrase else "")
    count = len(spec.phases)
    intro = p.say("steps.intro.phases" if count > 1 else "steps.intro.single", lead=lead,
                  where=where, when=_whole_span(spec, p, spec.year), count=cn_number(count))
    stage_word = p.say("steps.stage_word")
    parts = []
    for n, phase in enumerate(spec.phases, start=1):
        span = date_span(phase.start, phase.end, exact=phase.exact, year=spec.year, phrases=p)
        tasks = [sentence(t) for t in phase.tasks]
        if len(tasks) > 1:
            tasks = [f"{heading_number(3, i)}{t}" for i, t in enumerate(tasks, start=1)]
        name = (phase.name if phase.name.endswith(stage_word)
                else p.say("steps.stage", name=phase.name))
        parts.append({"heading": p.say("steps.phase", number=heading_number(2, n), name=name,
                                       span=span),
                      "paragraphs": tasks})
    return section(p.say("heading.steps"), [intro], parts=parts)


def organisation(plan: ResolvedCampaign, p: Phrasebook) -> dict[str, Any] | None:
    """组织领导: the leading group, its office and duties, then the participants' own."""
    spec, group = plan.spec, plan.spec.leading_group
    vary = (plan.unit.code, spec.code)
    paragraphs = []
    if group is not None:
        names = {"deputies": ("organisation.deputies", group.deputies),
                 "members": ("organisation.members", group.members)}
        paragraphs.append(p.say(
            "organisation.group",
            why=p.say("organisation.why", *vary),
            group=group.name or p.say("organisation.group_name", unit=plan.unit.name,
                                      campaign=spec.name),
            leader=group.leader,
            **{part: p.say(key, names="、".join(people)) if people else ""
               for part, (key, people) in names.items()}))
        if group.office:
            head = (p.say("organisation.office_head", head=group.office_head)
                    if group.office_head else "")
            paragraphs.append(p.say("organisation.office", office=group.office, head=head))
        if group.duties:
            duties = group.duties.removeprefix(p.say("organisation.duties_word"))
            paragraphs.append(sentence(p.say("organisation.duties", duties=duties)))
    if plan.participants:
        paragraphs.append(p.say("organisation.participants", *vary, noun=plan.participant_noun))
    return section(p.say("heading.organisation"), paragraphs) if paragraphs else None


def requirements(plan: ResolvedCampaign, p: Phrasebook) -> dict[str, Any] | None:
    """工作要求: the spec's own, then the report the participants owe, if it has a date."""
    spec = plan.spec
    items = list(spec.requirements)
    if spec.report_due is not None:
        group = spec.leading_group
        to = spec.report_to or (group.office if group and group.office else plan.lead.name)
        who = plan.participant_noun or p.say("requirements.report.who")
        items.append(Item(lead=p.say("requirements.report.lead"),
                          text=p.say("requirements.report.text", who=who, to=to,
                                     due=date_phrase(spec.report_due, spec.year, p))))
    return section(p.say("heading.requirements"), points=numbered(items)) if items else None
