"""Generating documents on request: the checks made before Prefect starts, then the flow.

The CLI, the web pages and the API all describe what to make as a
:class:`GenerateRequest` and call :func:`generate` (the web app from a background
job). :func:`check_request` answers at once, without importing Prefect, for the
mistakes people make: an unknown unit, a unit not theirs, a period the kind does not
cover, a missing file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from wenshu.access import Actor, authorize
from wenshu.archive import DocumentKey
from wenshu.codes import check_unit_code
from wenshu.compute.load import load_units, subtree_codes
from wenshu.compute.snapshot import UnitInfo
from wenshu.db import session_scope
from wenshu.errors import CatalogueError, NotFoundError, WenshuError
from wenshu.jobs import JobRunner
from wenshu.models.catalogue import load_catalogue
from wenshu.models.lines import Line, Lines, load_lines
from wenshu.models.tables import Activity, Unit
from wenshu.periods import Period
from wenshu.services import inputs
from wenshu.services.flows import run_flow
from wenshu.services.requests import KINDS, GenerateRequest, RequestError, request_year
from wenshu.settings import Settings


@dataclass(frozen=True)
class CheckedRequest:
    """A request that passed :func:`check_request`: the files it names, read (as the flow
    parameters carry them), and the period and topic its documents are filed under."""

    inputs: dict[str, Any]
    period: str
    topic: str = ""
    line: str = ""  # the line's key; empty for the default line


def check_request(settings: Settings, actor: Actor, req: GenerateRequest) -> CheckedRequest:
    """Refuse, before any flow starts, what would fail inside it; read the files it names.

    Raises :class:`RequestError` naming the input, :class:`NotFoundError` for an
    unknown unit and :class:`~wenshu.errors.AccessDenied` when the unit is not the
    actor's.
    """
    check_unit(settings, actor, req)
    if not req.period.strip() and req.kind != "campaign_plan":
        raise RequestError("period", f"请填写期间：{KINDS[req.kind].period_hint}")
    if req.kind == "work_plan":
        from wenshu.errors import PlanError
        from wenshu.generators.work_plan_facts import plan_period

        try:
            period = plan_period(req.period).code
        except PlanError:
            raise RequestError("period", f"期间“{req.period}”无效：工作计划按年度（2027）"
                                         "或季度（2027Q1）生成") from None
    elif req.kind == "half_year_summary":
        period = f"{request_year(req)}H1"
    elif req.kind != "campaign_plan":
        period = str(request_year(req))
    line = request_line(settings, req)
    checked = _check_files(settings, req, line)
    if req.kind == "campaign_plan":
        return checked
    _check_data(settings, req, line)
    return CheckedRequest(checked.inputs, period, checked.topic or line.identity,
                          "" if line.default else line.key)


def check_unit(settings: Settings, actor: Actor, req: GenerateRequest) -> None:
    """Refuse a malformed or unknown unit, or one the actor may not generate for."""
    try:
        check_unit_code(req.unit_code)
    except WenshuError as exc:
        raise RequestError("unit_code", str(exc)) from None
    with session_scope(settings) as session:
        if session.get(Unit, req.unit_code) is None:
            raise NotFoundError(f"没有单位代码“{req.unit_code}”")
    authorize(settings, actor, "generate", req.unit_code,
              target=f"{req.kind}:{req.unit_code}:{req.period}")


def self_inspection_checklist(req: GenerateRequest, line: Line) -> str | None:
    """The checklist a self-inspection answers: the one named, else the line's first (for
    the default line None, the shipped default)."""
    return req.checklist or (None if line.default else line.checklists[0])


def office_lines(settings: Settings) -> Lines:
    """The lines of work the office files for (shipped, with its catalogue's additions)."""
    return load_lines(load_catalogue(settings.catalogue_dir), settings.catalogue_dir)


def request_line(settings: Settings, req: GenerateRequest) -> Line:
    """The request's line of work, or a :class:`RequestError` listing the lines there are."""
    try:
        return office_lines(settings).get(req.line)
    except CatalogueError as exc:
        raise RequestError("line", str(exc)) from None


def _read(field: str, path: str) -> inputs.InputFile:
    try:
        return inputs.read_input(path)
    except inputs.InputFileError as exc:
        raise RequestError(field, str(exc)) from None


def _check_files(settings: Settings, req: GenerateRequest, line: Line) -> CheckedRequest:
    """Read every file the request names and check that it is what it must be."""
    read: dict[str, Any] = {
        "narrative_texts": [_read("narrative_files", f) for f in req.narrative_files]}
    inputs.read_narratives(read["narrative_texts"])
    if req.kind == "campaign_plan":
        if not req.spec_file:
            raise RequestError("spec_file", "实施方案需要方案文件（.yaml）")
        read["spec"] = _read("spec_file", req.spec_file)
        spec = inputs.checked_campaign(settings, req.unit_code, read["spec"])
        return CheckedRequest(read, str(spec.year), spec.code)
    if req.kind == "self_inspection":
        read["checklist"] = inputs.checklist_input(self_inspection_checklist(req, line))
        read["answers"] = _read("answers_file", req.answers_file) if req.answers_file else None
        checklist, _ = inputs.checked_self_inspection(settings, req.unit_code, request_year(req),
                                                      read["checklist"], read["answers"])
        owner = office_lines(settings).for_checklist(checklist.key)
        if req.line and owner.key != line.key:
            raise RequestError("checklist", f"检查标准“{checklist.title}”属于{owner.label}条线，"
                                            f"不能用于{line.label}的自查报告")
        return CheckedRequest(read, "", checklist.key)
    return CheckedRequest(read, "")


def data_period(req: GenerateRequest) -> Period:
    """The period whose ledgers the document is written from: the period itself for
    summaries and self-inspections, the year before for a work plan."""
    if req.kind == "work_plan":
        return Period.year(Period.parse(req.period).start.year - 1)
    if req.kind == "half_year_summary":
        return Period.parse(f"{request_year(req)}H1")
    return Period.year(request_year(req))


def _check_data(settings: Settings, req: GenerateRequest, line: Line) -> None:
    """Refuse a document that would have no ledger of its line under it (an empty summary
    is worse than none: it would be archived and look filed)."""
    period = data_period(req)
    types = list(line.restrict(load_catalogue(settings.catalogue_dir)).activities)
    with session_scope(settings) as session:
        units = load_units(session)
        codes = subtree_codes(units, req.unit_code)
        rows = session.scalar(select(func.count()).select_from(Activity).where(
            Activity.unit_code.in_(codes), Activity.activity_type.in_(types),
            Activity.date.between(period.start, period.end), Activity.counted()))
    if not rows:
        name = units[req.unit_code].name
        raise RequestError("period", f"{name}及下级单位在{period.code}没有任何{line.label}台账"
                                     f"记录：请先上传台账，再生成{KINDS[req.kind].label}")


def flow_parameters(req: GenerateRequest, actor: Actor, job: str | None,
                    checked: CheckedRequest) -> dict[str, Any]:
    """The flow's keyword arguments: JSON-friendly, files by content (a deployment may run
    on another machine)."""
    common: dict[str, Any] = {
        "unit_code": req.unit_code, "issued_on": req.issued_on,
        "signature_unit": req.signature_unit, "letterhead": req.letterhead.model_dump(),
        "script": req.script, "user": actor.name, "job": job,
        **({"line": checked.line} if checked.line else {}),
    }
    narrative = {"narrative_texts": checked.inputs["narrative_texts"],
                 "narrative": req.narrative.model_dump()}
    if req.kind in ("year_summary", "half_year_summary"):
        return {**common, **narrative, "year": request_year(req), "all_levels": req.all_levels}
    if req.kind == "work_plan":
        return {**common, **narrative, "period": req.period, "all_levels": req.all_levels}
    if req.kind == "campaign_plan":
        return {**common, "spec": checked.inputs["spec"]}
    return {**common, **narrative, "year": request_year(req), "checklist": checked.inputs["checklist"],
            "answers": checked.inputs["answers"]}


def _flow(kind: str) -> Callable[..., Any]:
    """The kind's Prefect flow, imported only when one runs (Prefect takes a second)."""
    from wenshu.workflows.serve import document_flow

    return document_flow(KINDS[kind].flow)


def _archived(settings: Settings, req: GenerateRequest, checked: CheckedRequest,
              run_ids: list[str]) -> list[Any]:
    """The outcomes of served runs, read back from the archive."""
    # Imported here: the pipeline's imports cost a command that runs its flow here
    # ≈0.5 s before it can start Prefect's API.
    from wenshu.pipeline import archived_outcomes

    return archived_outcomes(settings, document_keys(settings, req, checked), run_ids)


def _planned_ahead(kind: str, parameters: dict[str, Any]) -> AbstractContextManager[None]:
    """The kind's flow planned outside Prefect, for its run in this process."""
    from wenshu.workflows.documents import planned_ahead

    return planned_ahead(_flow(kind), parameters)


def document_keys(settings: Settings, req: GenerateRequest, checked: CheckedRequest
                  ) -> list[DocumentKey]:
    """The documents a request makes: the unit's, and with ``all_levels`` its subtree's."""
    codes = [req.unit_code]
    if req.all_levels:
        with session_scope(settings) as session:
            codes = subtree_codes(load_units(session), req.unit_code)
    return [DocumentKey(req.kind, code, checked.period, checked.topic, req.script)
            for code in codes]


def batch_parts(units: Mapping[str, UnitInfo], root: str) -> list[tuple[str, bool]]:
    """A batch over ``root``'s tree split into runs the pool's workers share: the root
    alone, then each unit directly under it with its own subtree (a district: the
    district, then each street with its communities)."""
    children = sorted(code for code, unit in units.items() if unit.parent_code == root)
    return [(root, False), *((child, True) for child in children)]


def generate(settings: Settings, actor: Actor, req: GenerateRequest, *,
             job: str | None = None, served: bool = True,
             on_route: Callable[[str], None] | None = None) -> list[Any]:
    """Check the request, then run the kind's flow: on its deployment when a Prefect
    server offers one (and ``served``), a subtree split by :func:`batch_parts` when the
    pool has several workers; else in this process. Returns the outcomes; ``on_route``
    hears which way it ran."""
    checked = check_request(settings, actor, req)
    parameters = flow_parameters(req, actor, job, checked)

    def split() -> list[Mapping[str, Any]]:
        with session_scope(settings) as session:
            units = load_units(session)
        return [{**parameters, "unit_code": code, "all_levels": subtree}
                for code, subtree in batch_parts(units, req.unit_code)]

    return run_flow(settings, KINDS[req.kind].flow, parameters,
                    local=lambda: list(_flow(req.kind)(**parameters)),
                    archived=lambda run_ids: _archived(settings, req, checked, run_ids),
                    split=split if req.all_levels else None,
                    served=served, on_route=on_route,
                    ahead=lambda: _planned_ahead(req.kind, parameters))


def start(settings: Settings, runner: JobRunner, actor: Actor, req: GenerateRequest) -> str:
    """Check the request now, then queue the generation as a background job; its id."""
    checked = check_request(settings, actor, req)
    with session_scope(settings) as session:
        names = {code: unit.name for code, unit in load_units(session).items()}
    line = office_lines(settings).get(checked.line).label if checked.line else ""

    def work(job: str) -> dict[str, Any]:
        # In this process: the web app keeps LibreOffice and Prefect warm for it.
        return outcome_summary(generate(settings, actor, req, job=job, served=False))

    return runner.submit(actor, "generate", job_title(req, names, line),
                         req.model_dump(mode="json"), work)


def outcome_summary(outcomes: list[Any]) -> dict[str, Any]:
    """Outcomes as JSON for a job's result."""
    return {"documents": [
        {"document_id": o.document_id, "version": o.version, "unit_code": o.key.unit_code,
         "unit_name": o.unit_name, "kind": o.key.kind, "period": o.key.period,
         "title": o.title, "created": o.created} for o in outcomes]}


def job_title(req: GenerateRequest, units: Mapping[str, str], line: str = "") -> str:
    """How a generation job is listed: 东湖社区 2025 年度工作总结 (含下级), with the line's
    name when it is not the default one."""
    name = units.get(req.unit_code, req.unit_code)
    subtree = "（含下级单位）" if req.all_levels else ""
    kind = f"{KINDS[req.kind].label}（{line}）" if line else KINDS[req.kind].label
    period = "" if req.kind == "campaign_plan" else req.period  # its year is the spec's
    return f"{name} {period} {kind}{subtree}".replace("  ", " ")


__all__ = ["CheckedRequest", "batch_parts", "check_request", "check_unit", "document_keys",
           "flow_parameters", "generate", "job_title", "office_lines", "outcome_summary",
           "request_line", "self_inspection_checklist", "start"]
