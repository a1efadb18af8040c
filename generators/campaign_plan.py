"""实施方案 of a named campaign: its render context, its template and its document kind.

A campaign spec (:mod:`wenshu.models.campaign`) says what the office wants; this module
checks it against the unit tree and the indicator catalogue, states each indicator goal
with the unit's figure of the year before, turns phase dates into the phrasing plans use
(5月下旬至6月下旬, 6月, 5月21日至6月30日) and numbers the sections that have something
to say: 指导思想, 基本原则, 工作目标, 实施步骤, 组织领导, 工作要求.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from wenshu.compute.indicators import gap_to_target, meets
from wenshu.compute.snapshot import Snapshot, UnitInfo
from wenshu.compute.summary import Rollup
from wenshu.generators.kinds import ContextRequest, DocumentKind
from wenshu.generators.numbers import (
    cn_date,
    cn_number,
    format_target,
    format_value,
    heading_number,
    plain,
)
from wenshu.generators.phrasing import issuing_organ, level_noun, pick, scope_word
from wenshu.generators.template_build import (
    lead_paragraphs,
    load_layout,
    new_document,
    save,
    signature,
    title_block,
)
from wenshu.models.campaign import (
    PARTICIPANT_GROUPS,
    CampaignSpec,
    CampaignSpecError,
    Item,
    parse_campaign,
)
from wenshu.models.catalogue import Catalogue, Indicator, TargetSpec
from wenshu.periods import Period

KIND_LABEL = "实施方案"
_XUN = ("上旬", "中旬", "下旬")
_OWN = {"district": "我区", "street": "本街道", "community": "本社区", "department": "本单位"}
_GROUP_NOUN = {"street": "街道", "community": "社区"}
_TERMINAL = frozenset("。！？!?；;：:…")
_CLOSING = "”’）)」』"


# --- Dates as plans state them --------------------------------------------------------

def xun(day: date) -> str:
    """The third of the month a day falls in: 1–10 上旬, 11–20 中旬, 21 to the end 下旬."""
    return _XUN[min(day.day - 1, 20) // 10]


def _is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def date_span(start: date, end: date, *, exact: bool = False, year: int | None = None) -> str:
    """A phase's dates as a plan prints them.

    - whole months (from a 1st to a month's last day): 6月, 5月至10月;
    - otherwise by 旬: 5月下旬至6月下旬, 5月中旬至下旬, 5月下旬;
    - ``exact``: days, 5月21日至6月30日, 5月21日至30日, 10月31日.

    ``year`` is the year the reader already knows: dates in it are printed without
    their year, others with it (11月下旬至2026年1月上旬). Without ``year`` the start's
    year is always printed (2025年5月下旬至6月下旬). Raises ValueError if ``end`` is
    before ``start``.
    """
    if end < start:
        raise ValueError(f"a span cannot end ({end}) before it starts ({start})")
    same_month = (start.year, start.month) == (end.year, end.month)
    first = f"{start.year}年" if year is None or start.year != year else ""
    first += f"{start.month}月"
    last = f"{end.year}年" if end.year != start.year else ""
    if not same_month:
        last += f"{end.month}月"
    if exact:
        if start == end:
            return f"{first}{start.day}日"
        return f"{first}{start.day}日至{last}{end.day}日"
    if start.day == 1 and _is_month_end(end):
        return first if same_month else f"{first}至{last}"
    if same_month and xun(start) == xun(end):
        return f"{first}{xun(start)}"
    return f"{first}{xun(start)}至{last}{xun(end)}"


def date_phrase(day: date, year: int | None = None) -> str:
    """One day in running text: 10月31日 within ``year``, 2026年1月5日 outside it."""
    return date_span(day, day, exact=True, year=year)


# --- The spec against the unit tree and the catalogue ---------------------------------

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
                     catalogue: Catalogue, source: str) -> ResolvedCampaign:
    """Look up the spec's units (``units``: the plan's unit and those below it) and indicators.

    Raises :class:`CampaignSpecError` naming ``source`` and every field that names a
    unit outside the tree, a group with no members, or an unknown indicator or unit.
    """
    if unit_code not in units:
        raise CampaignSpecError(f"{source}: unit {unit_code!r} is not among the units given")
    unit = units[unit_code]
    problems: list[str] = []
    outside = f"not {unit.name} ({unit.code}) or a unit under it"

    lead = unit
    if spec.lead_unit is not None:
        if spec.lead_unit in units:
            lead = units[spec.lead_unit]
        else:
            problems.append(f"lead_unit: unknown unit code {spec.lead_unit!r} ({outside})")

    chosen: list[UnitInfo] = []
    phrases: list[str] = []
    for number, entry in enumerate(spec.participants, start=1):
        where = f"participants[{number}]"
        if entry in PARTICIPANT_GROUPS:
            level = PARTICIPANT_GROUPS[entry]
            members = sorted((u for c, u in units.items() if c != unit_code and u.level == level),
                             key=lambda u: u.code)
            if not members:
                problems.append(f"{where}: {entry!r}: {unit.name} has no "
                                f"{_GROUP_NOUN[level]} under it")
                continue
            chosen.extend(members)
            phrases.append(f"辖区{len(members)}个{_GROUP_NOUN[level]}")
        elif entry not in units:
            problems.append(f"{where}: unknown unit code {entry!r} ({outside})")
        else:
            chosen.append(units[entry])
            phrases.append(units[entry].name)
    repeated = sorted({u.code for u in chosen if chosen.count(u) > 1})
    if repeated:
        problems.append(f"participants: {', '.join(repeated)} listed twice "
                        "(a unit code that a group already covers)")

    goals: list[tuple[Indicator, TargetSpec]] = []
    for number, goal in enumerate(spec.goals.indicators, start=1):
        where = f"goals.indicators[{number}]"
        indicator = catalogue.indicator(goal.indicator)
        if indicator is None:
            problems.append(f"{where}.indicator: unknown indicator {goal.indicator!r}; known: "
                            + "、".join(i.label for i in catalogue.indicators.values()))
            continue
        if any(indicator.key == known.key for known, _ in goals):
            problems.append(f"{where}.indicator: {indicator.label} has a goal already")
            continue
        target = goal.target_spec
        expected = format_value(indicator, target.value).removeprefix(plain(target.value))
        if goal.target_unit and goal.target_unit != expected:
            problems.append(f"{where}.target: {goal.target!r} is in {goal.target_unit}, but "
                            f"{indicator.label} is stated in {expected or 'plain numbers'}")
            continue
        goals.append((indicator, target))

    if problems:
        raise CampaignSpecError(f"{source}: {len(problems)} problem(s) in the campaign spec:\n"
                                + "\n".join(f"  {p}" for p in problems))
    levels = {u.level for u in chosen}
    noun = ""
    if chosen:
        noun = f"各{level_noun(levels, '参与单位')}"
    return ResolvedCampaign(spec, unit, lead, tuple(chosen), "、".join(phrases), noun,
                            tuple(goals))


# --- Words ----------------------------------------------------------------------------

def _sentence(text: str) -> str:
    """The text with a closing 。 unless it already ends a sentence (also inside quotes)."""
    core = text.rstrip(_CLOSING)
    return text if core and core[-1] in _TERMINAL else f"{text}。"


def _bare(value: Decimal) -> Decimal:
    """A target's number without trailing zeros (95.0 → 95), never in exponent form."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def goal_sentence(indicator: Indicator, target: TargetSpec, baseline: Decimal | None,
                  baseline_year: int, scope: str, key: object = "") -> str:
    """An indicator goal with where the unit stands: 全区孕环情检查受检率由2024年的92.79%提高到95%以上。"""
    label = f"{scope}{indicator.label}"
    goal = format_value(indicator, _bare(target.value))
    was = f"{baseline_year}年的{format_value(indicator, baseline)}" if baseline is not None else ""
    aside = (f"（{baseline_year}年为{format_value(indicator, baseline)}）"
             if baseline is not None else "")
    met = baseline is not None and meets(baseline, target)
    rise = "增加" if indicator.unit == "count" else "提高"
    if target.comparator == "range":
        band = f"{format_target(indicator, target)}的正常范围内"
        if baseline is None or met:
            return f"{label}保持在{band}{aside}。"
        back = "回落" if gap_to_target(baseline, target) > 0 else "回升"
        return f"{label}由{was}{back}到{band}。"
    if target.comparator == "le":
        if baseline is None or met:
            return f"{label}控制在{goal}以内{aside}。"
        return f"{label}由{was}下降到{goal}以内。"
    if target.comparator == "eq":
        if baseline is None:
            return f"{label}达到{goal}。"
        if met:
            return f"{label}保持{goal}。"
        move = rise if baseline < target.value else "调整"
        return f"{label}由{was}{move}到{goal}。"
    if baseline is None:
        return f"{label}达到{goal}以上。"
    if met:
        return f"{label}保持在{goal}以上{aside}。"
    value = format_value(indicator, baseline)
    return label + pick((f"由{was}{rise}到{goal}以上。",
                          f"在{baseline_year}年{value}的基础上{rise}到{goal}以上。"),
                         key, indicator.key)


def _numbered(items: Sequence[Item]) -> list[dict[str, str]]:
    """1. 2. … before each item; a bold lead ends its sentence, the text follows it."""
    numbered = []
    for n, item in enumerate(items, start=1):
        prefix = heading_number(3, n)
        if item.lead:
            numbered.append({"lead": f"{prefix}{_sentence(item.lead)}",
                             "text": _sentence(item.text)})
        else:
            numbered.append({"lead": "", "text": f"{prefix}{_sentence(item.text)}"})
    return numbered


def _section(title: str, paragraphs: Sequence[str] = (), points: Sequence[dict[str, str]] = (),
             parts: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    # Not "items": in the template, section.items would be the dict's method.
    return {"heading": title, "paragraphs": list(paragraphs), "points": list(points),
            "parts": list(parts)}


def _opening(plan: ResolvedCampaign) -> str:
    spec = plan.spec
    purpose = spec.purpose.removeprefix("为").rstrip("，,。") if spec.purpose else ""
    text = f"为{purpose}，" if purpose else f"为扎实做好{spec.name}各项工作，"
    if spec.basis:
        text += pick((f"根据{spec.basis}精神，", f"按照{spec.basis}要求，"),
                      plan.unit.code, spec.code, "basis")
    when = date_span(spec.start, spec.end, exact=spec.phases[0].exact and spec.phases[-1].exact)
    where = f"在{plan.participant_phrase}" if plan.participant_phrase else ""
    text += (f"结合{_OWN.get(plan.unit.level, '本单位')}实际，决定于{when}{where}组织开展"
             f"{spec.name}。")
    return text + pick(("现制定实施方案如下：", "特制定本方案。"),
                        plan.unit.code, spec.code, "opening")


def _goals(plan: ResolvedCampaign, rollup: Rollup) -> dict[str, Any] | None:
    spec = plan.spec
    if not spec.goals.text and not plan.goals:
        return None
    paragraphs = [_sentence(t) for t in spec.goals.text]
    scope = scope_word(plan.unit.level)
    items = []
    for indicator, target in plan.goals:
        baseline = rollup.evaluate(indicator, plan.unit.code, spec.year - 1).value
        items.append(Item(text=goal_sentence(indicator, target, baseline, spec.year - 1, scope,
                                             (plan.unit.code, spec.code))))
    if items:
        paragraphs.append(pick(("活动结束时，力争实现以下具体目标：", "通过活动，力争达到以下具体目标："),
                                plan.unit.code, spec.code, "goals"))
    return _section("工作目标", paragraphs, _numbered(items))


def _stage(name: str) -> str:
    return name if name.endswith("阶段") else f"{name}阶段"


def _steps(plan: ResolvedCampaign) -> dict[str, Any]:
    spec = plan.spec
    who = f"由{plan.lead.name}牵头，" if plan.lead.code != plan.unit.code else ""
    where = f"在{plan.participant_phrase}开展，" if plan.participant_phrase else ""
    when = date_span(spec.start, spec.end, exact=spec.phases[0].exact and spec.phases[-1].exact,
                     year=spec.year)
    intro = f"本次活动{who}{where}时间为{when}"
    count = len(spec.phases)
    intro += f"，分{cn_number(count)}个阶段进行：" if count > 1 else "。"
    parts = []
    for n, phase in enumerate(spec.phases, start=1):
        span = date_span(phase.start, phase.end, exact=phase.exact, year=spec.year)
        tasks = [_sentence(t) for t in phase.tasks]
        if len(tasks) > 1:
            tasks = [f"{heading_number(3, i)}{t}" for i, t in enumerate(tasks, start=1)]
        parts.append({"heading": f"{heading_number(2, n)}{_stage(phase.name)}（{span}）",
                      "paragraphs": tasks})
    return _section("实施步骤", [intro], parts=parts)


def _organisation(plan: ResolvedCampaign) -> dict[str, Any] | None:
    spec, group = plan.spec, plan.spec.leading_group
    paragraphs = []
    if group is not None:
        name = group.name or f"{plan.unit.name}{spec.name}领导小组"
        text = pick(("为加强对本次活动的组织领导，", "为确保活动有序推进、取得实效，"),
                     plan.unit.code, spec.code, "group")
        text += f"成立{name}，由{group.leader}任组长"
        if group.deputies:
            text += f"，{'、'.join(group.deputies)}任副组长"
        if group.members:
            text += f"，{'、'.join(group.members)}为成员"
        paragraphs.append(f"{text}。")
        if group.office:
            office = f"领导小组下设办公室，办公室设在{group.office}"
            if group.office_head:
                office += f"，由{group.office_head}兼任办公室主任"
            paragraphs.append(f"{office}，负责活动的组织协调、督促检查和日常工作。")
        if group.duties:
            paragraphs.append(_sentence(f"领导小组{group.duties.removeprefix('领导小组')}"))
    if plan.participants:
        paragraphs.append(pick(
            (f"{plan.participant_noun}要成立相应的工作机构，明确分管领导和具体工作人员，"
             "确保各阶段工作落到实处。",
             f"{plan.participant_noun}要参照成立相应的组织机构，落实专人负责，"
             "认真抓好本单位活动的组织实施。"),
            plan.unit.code, spec.code, "participants"))
    return _section("组织领导", paragraphs) if paragraphs else None


def _requirements(plan: ResolvedCampaign) -> dict[str, Any] | None:
    spec = plan.spec
    items = list(spec.requirements)
    if spec.report_due is not None:
        group = spec.leading_group
        to = spec.report_to or (group.office if group and group.office else plan.lead.name)
        who = plan.participant_noun or "各相关单位"
        items.append(Item(lead="及时报送活动情况",
                          text=f"{who}要于{date_phrase(spec.report_due, spec.year)}前将活动开展情况"
                               f"和工作总结报送{to}"))
    return _section("工作要求", points=_numbered(items)) if items else None


def build_context(spec: CampaignSpec, snapshot: Snapshot, rollup: Rollup, catalogue: Catalogue,
                  unit_code: str, *, issued_on: date, signature_unit: str | None = None,
                  source: str = "campaign spec") -> dict[str, Any]:
    """The template context of a campaign's 实施方案 for ``unit_code`` (all finished strings).

    ``snapshot`` holds the unit and those below it for the campaign's year and the one
    before; ``rollup`` gives the figures the indicator goals start from. Raises
    :class:`CampaignSpecError` (naming ``source``) if the spec names units or
    indicators the data does not have.
    """
    units = {code: snapshot.unit_map[code] for code in snapshot.subtree(unit_code)}
    plan = resolve_campaign(spec, units, unit_code, catalogue, source)
    candidates = [
        _section("指导思想", [_sentence(t) for t in spec.guiding_idea]) if spec.guiding_idea else None,
        _section("基本原则", points=_numbered(spec.principles)) if spec.principles else None,
        _goals(plan, rollup),
        _steps(plan),
        _organisation(plan),
        _requirements(plan),
    ]
    sections = [s for s in candidates if s is not None]
    for n, section in enumerate(sections, start=1):
        section["heading"] = f"{heading_number(1, n)}{section['heading']}"
    title = spec.name if spec.name.endswith(KIND_LABEL) else f"{spec.name}{KIND_LABEL}"
    return {
        "title": f"{plan.unit.name}{title}",
        "opening": _opening(plan),
        "sections": sections,
        "signature_unit": signature_unit or issuing_organ(plan.unit),
        "signature_date": cn_date(issued_on),
    }


def build(request: ContextRequest) -> dict[str, Any]:
    """The document kind's builder: the spec travels as plain data in ``options.spec``."""
    options = request.options
    spec = parse_campaign(options.spec, "campaign spec")
    if request.period != Period.year(spec.year):
        raise CampaignSpecError(f"campaign spec {spec.code}: the plan covers {spec.year}, "
                                f"not {request.period}")
    if options.topic != spec.code:
        raise CampaignSpecError(f"campaign spec {spec.code}: the document's topic must be the "
                                f"campaign's code, not {options.topic!r}")
    return build_context(spec, request.snapshot, request.rollup, request.catalogue,
                         request.unit_code, issued_on=options.issued_on,
                         signature_unit=options.signature_unit, source=f"campaign spec {spec.code}")


# --- The template ---------------------------------------------------------------------

def build_template(path: Path) -> None:
    """Write the 实施方案 template: title block, opening, numbered sections, closing blocks.

    Sections arrive as a list (only those with something to say, already numbered);
    each has paragraphs, then bold-lead points, then parts with a level-2 heading
    (the phases).
    """
    profile = load_layout()
    document = new_document(profile, KIND_LABEL)
    add = document.add_paragraph
    title_block(document)
    add("{{ opening }}")
    add("{%p for section in sections %}")
    add("{{ section.heading }}", style="Heading 1")
    add("{%p for paragraph in section.paragraphs %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")
    lead_paragraphs(document, "section.points")
    add("{%p for part in section.parts %}")
    add("{{ part.heading }}", style="Heading 2")
    add("{%p for paragraph in part.paragraphs %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")
    add("{%p endfor %}")
    add("{%p endfor %}")
    signature(document)
    save(document, path)


SAMPLE_SPEC = Path(str(files("wenshu") / "data" / "campaigns" / "sample.yaml"))


def sample_options() -> dict[str, Any]:
    """The shipped sample spec, for the built-in sample street (its communities take part)."""
    spec = yaml.safe_load(SAMPLE_SPEC.read_text(encoding="utf-8"))
    spec["participants"] = "all communities"
    return {"spec": spec, "topic": spec["code"]}


CAMPAIGN_PLAN = DocumentKind("campaign_plan", KIND_LABEL, "campaign_plan", build, build_template,
                             sample_options=sample_options)
