"""A supervisor's inspection in the browser: pick a checklist and units, enter findings per
unit (or upload the sheet), see the ranking, run it: the 通报 and every 反馈意见."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from wenshu.errors import InputError
from wenshu.services import inspections, overview
from wenshu.services.requests import RequestError
from wenshu.uploads import save_upload
from wenshu.web.downloads import MEDIA_TYPES, attachment
from wenshu.web.pages.data import read_limited
from wenshu.web.params import PERIOD_PATTERN, UNIT_PATTERN, prefixed
from wenshu.web.security import Caller, requires, settings_of
from wenshu.web.templating import page

router = APIRouter(include_in_schema=False)
Signed = Annotated[Caller, Depends(requires("inspect"))]
ChecklistField = Annotated[str, Form(pattern="^[a-z0-9_]{1,64}$")]
PeriodField = Annotated[str, Form(pattern=PERIOD_PATTERN)]
UnitsQuery = Annotated[list[str], Query(max_length=500)]


def _units(values: list[str]) -> list[str]:
    """Unit codes from repeated fields or one comma-separated field, each checked."""
    import re

    codes = [c for value in values for c in re.split(r"[,，\s]+", value) if c]
    for code in codes:
        if not re.fullmatch(UNIT_PATTERN, code):
            raise RequestError("units", f"单位代码“{code[:40]}”无效")
    return codes


def _selection(request: Request, who: Caller, checklist: str, period: str,
               units: list[str]) -> dict[str, Any]:
    """The picking form's values; the period starts as the year the supervisor's unit
    page opens on, and the units below are grouped by the unit directly below theirs."""
    codes = _units(units)
    chosen = inspections.require_shipped(checklist) if checklist else ""
    settings, root = settings_of(request), who.actor.unit_code
    candidates = [u for u in overview.actor_units(settings, who.actor) if u.code != root]
    if not period and root:
        period = str(overview.latest_year(settings, root))
    return {"checklists": inspections.shipped_checklists(), "checklist": chosen,
            "period": period, "units": codes,
            "groups": overview.unit_groups(candidates, root or "")}


@router.get("/inspections")
def inspection_home(request: Request, who: Signed, checklist: str = "", period: str = "",
                    units: UnitsQuery = []) -> Response:  # noqa: B006 (FastAPI reads it)
    """Pick a checklist, a period and the units to inspect."""
    return page(request, "inspections.html", _selection(request, who, checklist, period[:16],
                                                        units))


def _request(checklist: str, period: str, units: list[str], **extra: Any
             ) -> inspections.InspectionRequest:
    return inspections.parse_inspection({"checklist": inspections.require_shipped(checklist),
                                         "period": period, "units": _units(units), **extra})


@router.get("/inspections/sheet")
def inspection_sheet(request: Request, who: Signed, checklist: str,
                     units: UnitsQuery = []) -> Response:  # noqa: B006
    """The blank findings sheet for the units chosen."""
    import tempfile
    from pathlib import Path

    name = inspections.require_shipped(checklist)
    with tempfile.TemporaryDirectory() as folder:
        path = inspections.findings_sheet(settings_of(request), who.actor, name, _units(units),
                                          Path(folder) / "sheet.xlsx")
        data = path.read_bytes()
    return attachment(data, f"{name}_检查记录表.xlsx", MEDIA_TYPES["xlsx"])


def _findings_page(request: Request, who: Caller, req: inspections.InspectionRequest, *,
                   sent: tuple[str, dict[str, str], dict[str, str]] | None = None,
                   refused: InputError | None = None) -> Response:
    """One form per unit, showing what is recorded for it; ``sent``: the unit, values and
    notes of a form ``refused``, shown as typed with each problem beside its item."""
    settings = settings_of(request)
    loaded, recorded = inspections.recorded_findings(settings, who.actor, req)
    errors: dict[str, str] = {}
    if sent is not None and refused is not None:
        recorded[sent[0]] = sent[1], sent[2]
        # The form's rows are the checklist's observed items, in order.
        items = loaded.observed
        errors = {items[e.row - 1].key: e.message for e in refused.errors
                  if 0 < e.row <= len(items)} or {"": str(refused)}
    names = {u.code: u.name for u in overview.actor_units(settings, who.actor)}
    return page(request, "findings.html", {
        "checklist": loaded, "period": req.period, "units": req.units, "names": names,
        "recorded": recorded, "sent_unit": sent[0] if sent else "", "item_errors": errors},
        status=400 if errors else 200)


@router.get("/inspections/findings")
def findings_form(request: Request, who: Signed, checklist: str, period: str,
                  units: UnitsQuery = []) -> Response:  # noqa: B006
    """One form per unit with the checklist's observed items and what is recorded."""
    return _findings_page(request, who, _request(checklist, period, units))


@router.post("/inspections/findings")
async def findings_submit(request: Request, who: Signed) -> Response:
    """Record one unit's findings from its form."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    text = {k: v for k, v in form.items() if isinstance(v, str)}
    checklist = inspections.require_shipped(text.get("checklist", ""))
    values, notes = prefixed(text, "value:"), prefixed(text, "note:")
    unit = _units([text.get("unit_code", "")])
    if len(unit) != 1:
        raise RequestError("unit_code", "请指明一个被检查单位")
    try:
        result = await run_in_threadpool(
            inspections.record_findings_form, settings_of(request), who.actor, checklist,
            text.get("period", ""), unit[0], values, notes,
            inspector=(text.get("inspector") or who.actor.name)[:100])
    except InputError as exc:
        req = _request(checklist, text.get("period", ""), _units(
            [text.get("back_units", "")]) or unit)
        return await run_in_threadpool(_findings_page, request, who, req,
                                       sent=(unit[0], values, notes), refused=exc)
    back = text.get("back", "/inspections")
    target = back if back.startswith("/inspections") else "/inspections"
    separator = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{separator}saved={unit[0]}&stored={result.rows_stored}",
                            status_code=303)


@router.post("/inspections/findings/upload")
async def findings_upload(request: Request, who: Signed, file: Annotated[UploadFile, File()],
                          checklist: ChecklistField, period: PeriodField,
                          inspector: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Import a filled-in findings sheet; every bad row is shown."""
    from starlette.concurrency import run_in_threadpool

    settings = settings_of(request)
    data = await read_limited(file)
    upload = await run_in_threadpool(save_upload, settings, who.actor, "findings",
                                     file.filename or "", data)
    context = _selection(request, who, checklist, period, [])
    try:
        result = await run_in_threadpool(
            inspections.record_findings_file, settings, who.actor, upload.path,
            inspections.require_shipped(checklist), period, inspector=inspector or None,
            name=upload.original_name)
    except InputError as exc:
        return page(request, "inspections.html", {**context, "row_errors": exc.errors,
                                                  "message": str(exc)}, status=400)
    return page(request, "inspections.html", {
        **context, "message": f"{upload.original_name}：已记录 {result.rows_stored} 条检查结果"})


@router.get("/inspections/ranking")
def inspection_ranking(request: Request, who: Signed, checklist: str, period: str,
                       units: UnitsQuery = []) -> Response:  # noqa: B006
    """The ranking the recorded findings give, before any document is made."""
    req = _request(checklist, period, units)
    rows = inspections.ranking(settings_of(request), who.actor, req)
    return page(request, "inspections.html", {**_selection(request, who, checklist, period,
                                                           units), "ranking": rows})


@router.post("/inspections/run")
async def inspection_run(request: Request, who: Signed, checklist: ChecklistField,
                         period: PeriodField, units: Annotated[list[str], Form()],
                         follow_up: Annotated[bool, Form()] = False,
                         issued_on: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Start the inspection: scores, ranking, every unit's 反馈意见 and the 通报."""
    from starlette.concurrency import run_in_threadpool

    req = _request(checklist, period, units, follow_up=follow_up, issued_on=issued_on or None)
    job = await run_in_threadpool(inspections.start, settings_of(request),
                                  request.app.state.runner, who.actor, req)
    return RedirectResponse(f"/jobs/{job}", status_code=303)
