"""A campaign spec against the unit tree and the indicator catalogue.

:func:`resolve_campaign` looks up the units and indicators a spec names and says in one
:class:`CampaignSpecError` everything that is not there; the participants' phrasing
(辖区3个社区, 各社区) comes from the ``campaign_plan`` phrasebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wenshu.compute.snapshot import UnitInfo
from wenshu.generators.campaign_words import phrasebook
from wenshu.generators.numbers import format_value, plain
from wenshu.generators.phrasebook import Phrasebook
from wenshu.generators.phrasing import level_noun
from wenshu.models.campaign import (
    PARTICIPANT_GROUPS,
    CampaignSpec,
    CampaignSpecError,
    spec_problem,
    spec_problems,
)
from wenshu.models.catalogue import Catalogue, Indicator, TargetSpec


@dataclass(frozen=True)
class ResolvedCampaign:
    """A spec with its units and indicators looked up, ready to be put into words."""

    spec: CampaignSpec
    unit: UnitInfo  # the unit the plan is for
    lead: UnitInfo
    participants: tuple[UnitInfo, ...]
    participant_phrase: str  # 辖区2个街道、区妇联 ("" without participants)
    participant_noun: str  # 各街道 / 各社区 / 各参与单位 ("" without participants)
    goals: tuple[tuple[Indicator, TargetSpec], ...]


def resolve_campaign(spec: CampaignSpec, units: Mapping[str, UnitInfo], unit_code: str,
                     catalogue: Catalogue, source: str,
                     phrases: Phrasebook | None = None) -> ResolvedCampaign:
    """Look up the spec's units (``units``: the plan's unit and those below it) and indicators.

    Raises :class:`CampaignSpecError` naming ``source`` and every field that names a
    unit outside the tree, a group with no members, or an unknown indicator or unit.
    """
    if unit_code not in units:
        raise CampaignSpecError(spec_problem("unit_not_given", source=source, unit=unit_code))
    p = phrases or phrasebook()
    unit = units[unit_code]
    problems: list[str] = []
    outside = spec_problem("outside", name=unit.name, code=unit.code)
    lead = unit
    if spec.lead_unit is not None:
        if spec.lead_unit in units:
            lead = units[spec.lead_unit]
        else:
            problems.append(spec_problem("unknown_unit", where="lead_unit", code=spec.lead_unit,
                                         outside=outside))
    chosen, named = _participants(spec, units, unit, outside, problems, p)
    goals = _goals(spec, catalogue, problems)
    if problems:
        raise spec_problems(source, problems)
    noun = ""
    if chosen:
        noun = p.say("participants.noun", noun=level_noun({u.level for u in chosen},
                                                          p.say("participants.mixed")))
    return ResolvedCampaign(spec, unit, lead, tuple(chosen), "、".join(named), noun, goals)


def _participants(spec: CampaignSpec, units: Mapping[str, UnitInfo], unit: UnitInfo,
                  outside: str, problems: list[str], p: Phrasebook
                  ) -> tuple[list[UnitInfo], list[str]]:
    """The participating units and how the plan names them (a group by its count);
    what the spec gets wrong is added to ``problems``."""
    chosen: list[UnitInfo] = []
    named: list[str] = []
    for number, entry in enumerate(spec.participants, start=1):
        where = f"participants[{number}]"
        if entry in PARTICIPANT_GROUPS:
            level = PARTICIPANT_GROUPS[entry]
            group_noun = p.say(f"participants.group_noun.{level}")
            members = sorted((u for c, u in units.items() if c != unit.code and u.level == level),
                             key=lambda u: u.code)
            if not members:
                problems.append(spec_problem("empty_group", where=where, entry=entry,
                                             name=unit.name, noun=group_noun))
                continue
            chosen.extend(members)
            named.append(p.say("participants.group", count=len(members), noun=group_noun))
        elif entry not in units:
            problems.append(spec_problem("unknown_unit", where=where, code=entry,
                                         outside=outside))
        else:
            chosen.append(units[entry])
            named.append(units[entry].name)
    repeated = sorted({u.code for u in chosen if chosen.count(u) > 1})
    if repeated:
        problems.append(spec_problem("repeated_units", codes="、".join(repeated)))
    return chosen, named


def _goals(spec: CampaignSpec, catalogue: Catalogue, problems: list[str]
           ) -> tuple[tuple[Indicator, TargetSpec], ...]:
    """The spec's indicator goals looked up; what it gets wrong is added to ``problems``."""
    goals: list[tuple[Indicator, TargetSpec]] = []
    for number, goal in enumerate(spec.goals.indicators, start=1):
        where = f"goals.indicators[{number}]"
        indicator = catalogue.indicator(goal.indicator)
        if indicator is None:
            problems.append(spec_problem(
                "unknown_indicator", where=where, indicator=goal.indicator,
                known="、".join(i.label for i in catalogue.indicators.values())))
            continue
        if any(indicator.key == known.key for known, _ in goals):
            problems.append(spec_problem("goal_twice", where=where, label=indicator.label))
            continue
        target = goal.target_spec
        expected = format_value(indicator, target.value).removeprefix(plain(target.value))
        if goal.target_unit and goal.target_unit != expected:
            problems.append(spec_problem(
                "target_unit", where=where, target=goal.target, unit=goal.target_unit,
                label=indicator.label, expected=expected or spec_problem("plain_numbers")))
            continue
        goals.append((indicator, target))
    return tuple(goals)
