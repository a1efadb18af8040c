"""A campaign spec typed into the generate form instead of written as YAML.

The form has a field per part of the spec (名称, 年度, 参与单位, 目的, 依据, 指导思想,
原则, 目标, up to :data:`PHASES` 阶段 and :data:`INDICATORS` 指标, 领导小组, 工作要求,
报送日期). :func:`spec_from_form` turns the fields into spec data and names each problem
by its field; :func:`form_from_spec` turns a spec back into fields, to start the next
form from the last one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from wenshu.models.campaign import PARTICIPANT_GROUPS, CampaignSpec
from wenshu.models.checklist_schema import level_word
from wenshu.models.pydantic_words import pydantic_message

PHASES = 4  # rows for 阶段 on the form; a campaign rarely has more
INDICATORS = 4  # rows for indicator targets
# 参与单位 as the form offers them: a group a spec may name (全部街道), or the codes typed in.
PARTICIPANT_CHOICES = {**{group: f"全部{level_word(level)}"
                          for group, level in PARTICIPANT_GROUPS.items()},
                       "codes": "指定单位（在右侧填写单位代码）"}
_LEAD = re.compile(r"^(?P<lead>[^，。；：:]{2,15})[：:](?P<text>.+)$")  # 坚持群众主体：从…
_GROUP = ("leader", "deputies", "members", "office", "office_head")
_LISTS = {"guiding_idea", "goals_text", "deputies", "members"}


def campaign_code(name: str, year: object) -> str:
    """The campaign's code (the document's topic), from its name and year: the same
    campaign keeps its code, so generating it again makes a new version of one document."""
    digits = str(year) if str(year).isdigit() else "0"  # a bad year is the year field's error
    return f"campaign-{digits}-{hashlib.sha256(name.strip().encode()).hexdigest()[:8]}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _items(text: str) -> list[Any]:
    """Lines as numbered points: 标题：内容 with a short title as a lead, else plain text."""
    items: list[Any] = []
    for line in _lines(text):
        match = _LEAD.match(line)
        items.append({match["lead"].strip(): match["text"].strip()} if match else line)
    return items


def spec_from_form(fields: Mapping[str, str]) -> dict[str, Any]:
    """The spec data the form's fields (``name``, ``year``, ``phase_start_1`` …) say;
    empty fields are left out, so the spec's own rules say what is missing."""
    f = {k: v.strip() for k, v in fields.items()}
    year = f.get("year", "")
    data: dict[str, Any] = {"code": campaign_code(f.get("name", ""), year),
                            "name": f.get("name", ""), "year": int(year) if year.isdigit() else year}
    group = f.get("participants", "")
    codes = re.split(r"[,，、\s]+", f.get("participant_codes", ""))
    data["participants"] = [c for c in codes if c] if group == "codes" else group or None
    for key in ("purpose", "basis", "report_due"):
        data[key] = f.get(key) or None
    data["guiding_idea"] = _lines(f.get("guiding_idea", ""))
    data["principles"] = _items(f.get("principles", ""))
    data["requirements"] = _items(f.get("requirements", ""))
    data["goals"] = {"text": _lines(f.get("goals_text", "")), "indicators": [
        {"indicator": f.get(f"indicator_{n}", ""), "target": f.get(f"target_{n}", "")}
        for n in range(1, INDICATORS + 1) if f.get(f"indicator_{n}") or f.get(f"target_{n}")]}
    data["phases"] = [
        {"name": f.get(f"phase_name_{n}", ""), "start": f.get(f"phase_start_{n}") or None,
         "end": f.get(f"phase_end_{n}") or None, "tasks": _lines(f.get(f"phase_tasks_{n}", ""))}
        for n in range(1, PHASES + 1)
        if any(f.get(f"phase_{part}_{n}") for part in ("name", "start", "end", "tasks"))]
    group_data = {key: (_lines(f.get(key, "")) if key in _LISTS else f.get(key) or None)
                  for key in _GROUP}
    data["leading_group"] = group_data if any(group_data.values()) else None
    return {k: v for k, v in data.items() if v not in (None, [], "")}


def _field(location: tuple[int | str, ...]) -> str:
    """The form field a spec error is about: ('phases', 1, 'end') → phase_end_2."""
    head, *rest = location or ("",)
    index = next((p for p in rest if isinstance(p, int)), None)
    part = next((p for p in reversed(rest) if isinstance(p, str)), "")
    if head == "phases":
        return f"phase_{part or 'end'}_{index + 1}" if index is not None else "phases"
    if head == "goals":
        if part in ("indicator", "target") and index is not None:
            return f"{part}_{index + 1}"
        return "goals_text" if part == "text" else "indicator_1"
    if head == "leading_group":
        return part if part in _GROUP else "leader"
    return {"code": "name"}.get(str(head), str(head))


def form_errors(data: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with spec ``data`` from :func:`spec_from_form`, by form field."""
    try:
        CampaignSpec.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            location = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
            errors.setdefault(_field(location), pydantic_message(error))
        return errors
    return {}


def form_from_spec(data: Mapping[str, Any]) -> dict[str, str]:
    """A spec's data as the form's fields (a spec written by hand reads back too)."""
    def text(value: Any) -> str:
        return "" if value is None else str(value)

    def items(values: Any) -> str:
        entries = values if isinstance(values, list) else [values] if values else []
        return "\n".join("".join(f"{k}：{v}" for k, v in e.items()) if isinstance(e, dict)
                         else text(e) for e in entries)

    participants = data.get("participants")
    fields = {"name": text(data.get("name")), "year": text(data.get("year")),
              "purpose": text(data.get("purpose")), "basis": text(data.get("basis")),
              "report_due": text(data.get("report_due")),
              "guiding_idea": items(data.get("guiding_idea")),
              "principles": items(data.get("principles")),
              "requirements": items(data.get("requirements"))}
    if isinstance(participants, str) and participants in PARTICIPANT_GROUPS:
        fields["participants"] = participants
    elif participants:
        fields["participants"] = "codes"
        fields["participant_codes"] = "、".join(map(str, participants if isinstance(
            participants, list) else [participants]))
    goals = data.get("goals") if isinstance(data.get("goals"), dict) else {}
    fields["goals_text"] = items(goals.get("text"))
    for n, goal in enumerate(goals.get("indicators") or [], start=1):
        if isinstance(goal, dict) and n <= INDICATORS:
            fields[f"indicator_{n}"], fields[f"target_{n}"] = (text(goal.get("indicator")),
                                                               text(goal.get("target")))
    for n, phase in enumerate(data.get("phases") or [], start=1):
        if isinstance(phase, dict) and n <= PHASES:
            fields |= {f"phase_name_{n}": text(phase.get("name")),
                       f"phase_start_{n}": text(phase.get("start")),
                       f"phase_end_{n}": text(phase.get("end")),
                       f"phase_tasks_{n}": items(phase.get("tasks"))}
    group = data.get("leading_group") if isinstance(data.get("leading_group"), dict) else {}
    fields |= {key: items(group.get(key)) for key in _GROUP if group.get(key)}
    return fields


__all__ = ["INDICATORS", "PARTICIPANT_CHOICES", "PHASES", "campaign_code", "form_errors",
           "form_from_spec", "spec_from_form"]
