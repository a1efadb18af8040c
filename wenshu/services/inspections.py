"""A supervisor's inspection: checklists, findings (sheet, file or form), the run, the ranking.

The CLI, the web pages and the API call these. A run goes to the
``inspection_report`` deployment when a Prefect server offers one
(:mod:`wenshu.services.flows`) and the caller allows it, otherwise the same flow runs
in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from wenshu.access import Actor, authorize
from wenshu.codes import check_unit_code
from wenshu.db import session_scope
from wenshu.errors import ChecklistError, WenshuError
from wenshu.ingest.report import ImportResult
from wenshu.jobs import JobRunner
from wenshu.models.checklist import (
    SHIPPED_CHECKLIST_DIR,
    Checklist,
    load_checklist,
    resolve_checklist,
)
from wenshu.periods import Period
from wenshu.services.flows import run_flow
from wenshu.services.inputs import (
    InputFile,
    InputFileError,
    checklist_input,
    read_input,
    read_narratives,
)
from wenshu.services.requests import Letterhead, Narrative, RequestError
from wenshu.settings import Settings

FLOW = "inspection_report"


class InspectionRequest(BaseModel):
    """An inspection to run: a checklist over units for a period."""

    checklist: str = Field(min_length=1, max_length=200)
    units: list[str] = Field(min_length=1, max_length=500)
    period: str = Field(min_length=4, max_length=16)
    follow_up: bool = False
    inspected_on: date | None = None
    issued_on: date | None = None
    signature_unit: str | None = Field(None, max_length=100)
    narrative_files: list[str] = Field(default_factory=list)
    narrative: Narrative = Field(default_factory=Narrative)
    letterhead: Letterhead = Field(default_factory=Letterhead)
    script: str = Field("simplified", pattern="^(simplified|traditional)$")


@dataclass(frozen=True)
class ChecklistInfo:
    """A shipped checklist as a picker lists it."""

    key: str
    title: str
    items: int
    observed: int


@dataclass(frozen=True)
class RankRow:
    """One unit's line in the ranking table."""

    rank: int
    tied: bool
    unit_code: str
    unit_name: str
    total: Decimal
    lost: Decimal
    grade: str


def shipped_checklists() -> list[ChecklistInfo]:
    """The checklists wenshu ships, by key."""
    found = []
    for path in sorted(SHIPPED_CHECKLIST_DIR.glob("*.yaml")):
        checklist = load_checklist(path)
        found.append(ChecklistInfo(checklist.key, checklist.title, len(checklist.items),
                                   len(checklist.observed)))
    return found


def checklist(name: str) -> Checklist:
    """A shipped checklist by key, or a checklist file."""
    return load_checklist(resolve_checklist(name))


def require_shipped(name: str) -> str:
    """``name`` when it is a shipped checklist's key; the web and the API take no paths."""
    if name not in {c.key for c in shipped_checklists()}:
        raise RequestError("checklist", f"没有检查标准“{name[:40]}”")
    return name


def parse_inspection(data: Mapping[str, Any]) -> InspectionRequest:
    """A request from plain data; the first problem is a :class:`RequestError`."""
    try:
        return InspectionRequest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        raise RequestError(field, f"{field}填写有误：{first['msg']}") from None


def check_inspection(settings: Settings, actor: Actor, req: InspectionRequest) -> Checklist:
    """Refuse before any flow starts: a bad period, unit, checklist, or units not the actor's."""
    try:
        period = Period.parse(req.period).code
    except ValueError as exc:
        raise RequestError("period", f"期间“{req.period}”无效：{exc}") from None
    for code in req.units:
        try:
            check_unit_code(code)
        except WenshuError as exc:
            raise RequestError("units", str(exc)) from None
    target = f"inspection:{req.checklist}:{period}"
    authorize(settings, actor, "inspect", None, target=target)
    for code in req.units:
        authorize(settings, actor, "inspect", code, target=f"{target}:{code}")
    try:
        return checklist(req.checklist)
    except ChecklistError as exc:
        raise RequestError("checklist", str(exc)) from None


def flow_parameters(req: InspectionRequest, actor: Actor, job: str | None) -> dict[str, Any]:
    """The flow's parameters: a checklist file and narratives by content (the run may be
    on another machine)."""
    return {"checklist": checklist_input(req.checklist), "units": list(req.units),
            "period": Period.parse(req.period).code,
            "follow_up": req.follow_up, "inspected_on": req.inspected_on,
            "issued_on": req.issued_on, "signature_unit": req.signature_unit,
            "narrative_texts": [_narrative(p) for p in req.narrative_files],
            "narrative": req.narrative.model_dump(), "letterhead": req.letterhead.model_dump(),
            "script": req.script, "user": actor.name, "job": job}


def _narrative(path: str) -> InputFile:
    try:
        return read_input(path)
    except InputFileError as exc:
        raise RequestError("narrative_files", str(exc)) from None


def run_inspection(settings: Settings, actor: Actor, req: InspectionRequest, *,
                   job: str | None = None, served: bool = True, timeout: float = 1800,
                   on_route: Callable[[str], None] | None = None) -> list[Any]:
    """Check, then run the inspection: on its deployment when a Prefect server offers one
    (and ``served``), else in this process. ``on_route`` hears which (and the run's id)."""
    loaded = check_inspection(settings, actor, req)
    parameters = flow_parameters(req, actor, job)
    read_narratives(parameters["narrative_texts"])
    assert actor.unit_code is not None  # check_inspection: a supervisor

    def local() -> list[Any]:
        from wenshu.workflows.inspection import inspection_report

        return list(inspection_report(**parameters))

    def archived(run_ids: list[str]) -> list[Any]:
        from wenshu.workflows.inspection_steps import inspection_outcomes

        assert actor.unit_code is not None
        return inspection_outcomes(settings, loaded.key, parameters["period"], req.units,
                                   issuer=actor.unit_code, script=req.script, run_ids=run_ids)

    return run_flow(settings, FLOW, parameters, local=local, archived=archived,
                    served=served, timeout=timeout, on_route=on_route)


def start(settings: Settings, runner: JobRunner, actor: Actor, req: InspectionRequest) -> str:
    """Check now, then run the inspection as a background job in this process; its id.

    The job's result holds the ranking and every document made (the units' 反馈意见 and
    the 通报).
    """
    from wenshu.services.documents import outcome_summary

    loaded = check_inspection(settings, actor, req)

    def work(job: str) -> dict[str, Any]:
        rows = [vars(row) for row in ranking(settings, actor, req)]
        outcomes = run_inspection(settings, actor, req, job=job, served=False)
        return {"ranking": rows, **outcome_summary(outcomes)}

    title = f"检查考核：{loaded.title}（{req.period}，{len(req.units)}个单位）"
    return runner.submit(actor, "inspection", title, req.model_dump(mode="json"), work)


def ranking(settings: Settings, actor: Actor, req: InspectionRequest) -> list[RankRow]:
    """The ranking the inspection gives, computed from the recorded findings (no documents)."""
    from wenshu.generators.inspection_inputs import rank_units
    from wenshu.models.catalogue import load_catalogue
    from wenshu.workflows.inspection_steps import load_inspection, score_unit, unit_works

    loaded = check_inspection(settings, actor, req)
    assert actor.unit_code is not None
    inspection = load_inspection(settings, loaded, req.units, Period.parse(req.period),
                                 actor.unit_code, req.inspected_on or date.today())
    catalogue = load_catalogue(settings.catalogue_dir)
    scored = {s.code: s for s in (score_unit(inspection, catalogue, w)
                                  for w in unit_works(inspection))}
    rows = []
    for ranked in rank_units(list(scored.values())):
        unit = scored[ranked.unit_code]
        grade = unit.score.grade.label if unit.score.grade else "未定等次"
        rows.append(RankRow(ranked.rank, ranked.tied, ranked.unit_code, unit.name, ranked.total,
                            unit.lost, grade))
    return rows


def findings_sheet(settings: Settings, actor: Actor, name: str, units: Sequence[str],
                   out: Path) -> Path:
    """Write the blank findings sheet for ``units`` (the actor must inspect each)."""
    from wenshu.ingest.findings_sheet import unit_names, write_findings_sheet

    loaded = checklist(name)
    for code in units:
        check_unit_code(code)
        authorize(settings, actor, "inspect", code, target=f"findings:{loaded.key}:{code}")
    with session_scope(settings) as session:
        named = unit_names(session, list(units))
    return write_findings_sheet(out, loaded, named)


def _may_inspect(settings: Settings, actor: Actor, target: str) -> Callable[[str], None]:
    def check(code: str) -> None:
        authorize(settings, actor, "inspect", code, target=f"{target}:{code}")
    return check


def record_findings_file(settings: Settings, actor: Actor, path: Path, checklist_name: str,
                         period: str, *, inspector: str | None = None,
                         name: str | None = None) -> ImportResult:
    """Import a findings sheet (all rows or nothing); every unit in it must be the actor's.

    ``name`` is how the file is called in errors (an upload's original name).
    """
    from wenshu.ingest.findings import import_findings

    loaded = checklist(checklist_name)
    target = f"findings:{loaded.key}:{period}"
    authorize(settings, actor, "inspect", None, target=target)
    with session_scope(settings) as session:
        return import_findings(session, path, loaded, period, inspector=inspector,
                               may_inspect=_may_inspect(settings, actor, target), name=name)


def recorded_findings(settings: Settings, actor: Actor, req: InspectionRequest
                      ) -> tuple[Checklist, dict[str, tuple[dict[str, str], dict[str, str]]]]:
    """The inspection's checklist, and what is recorded so far for each of its units as
    its form shows it: values and notes by item key (checked like
    :func:`check_inspection`)."""
    from wenshu.ingest.findings import stored_findings

    loaded = check_inspection(settings, actor, req)
    recorded: dict[str, tuple[dict[str, str], dict[str, str]]] = {
        code: ({}, {}) for code in req.units}
    with session_scope(settings) as session:
        for finding in stored_findings(session, loaded.key, req.period, req.units):
            values, notes = recorded[finding.unit_code]
            values[finding.item], notes[finding.item] = finding.value, finding.note
    return loaded, recorded


def record_findings_form(settings: Settings, actor: Actor, name: str, period: str,
                         unit_code: str, values: Mapping[str, str], notes: Mapping[str, str],
                         *, inspector: str) -> ImportResult:
    """Record one unit's findings typed into a form: ``values`` and ``notes`` by item key."""
    from wenshu.ingest.findings import record_findings

    loaded = checklist(name)
    check_unit_code(unit_code)
    target = f"findings:{loaded.key}:{period}"
    authorize(settings, actor, "inspect", unit_code, target=f"{target}:{unit_code}")
    rows = [{"unit_code": unit_code, "item": item.key, "value": values.get(item.key) or None,
             "note": notes.get(item.key) or None, "inspector": inspector}
            for item in loaded.observed]
    with session_scope(settings) as session:
        return record_findings(session, rows, loaded, period, source=f"检查记录表单（{unit_code}）",
                               inspector=inspector,
                               may_inspect=_may_inspect(settings, actor, target))


__all__ = ["ChecklistInfo", "InspectionRequest", "RankRow", "check_inspection", "checklist",
           "findings_sheet", "parse_inspection", "ranking", "record_findings_file",
           "record_findings_form", "recorded_findings", "require_shipped", "run_inspection",
           "shipped_checklists", "start"]
