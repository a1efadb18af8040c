"""The archive in the browser: search with filters and snippets (terms marked), a record's page
(DA/T 46 metadata, versions, audit history), 四性检测, transfer packages, disposal."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from wenshu.archive.retention import dispose, due_records
from wenshu.archive.search import SearchQuery, search
from wenshu.services import overview, records
from wenshu.web.downloads import MEDIA_TYPES, stored_file
from wenshu.web.params import UNIT_PATTERN, DocumentPath
from wenshu.web.security import Caller, caller, requires, settings_of
from wenshu.web.templating import page

router = APIRouter(include_in_schema=False)
Signed = Annotated[Caller, Depends(caller)]
PAGE_SIZE = 20
KINDS = ("year_summary", "half_year_summary", "work_plan", "campaign_plan", "self_inspection",
         "inspection_report", "inspection_bulletin")


@router.get("/archive")
def archive_search(
    request: Request, who: Signed,
    q: Annotated[str, Query(max_length=200)] = "",
    unit: Annotated[str, Query(pattern=f"^$|{UNIT_PATTERN}")] = "",
    subtree: bool = False, year: Annotated[str, Query(pattern=r"^$|^\d{4}$")] = "",
    kind: Annotated[str, Query(pattern="^[a-z_]{0,32}$")] = "",
    retention: Annotated[str, Query(pattern="^(|Y|D30|D10)$")] = "",
    status: Annotated[str, Query(pattern="^(|draft|filed|superseded|disposed)$")] = "",
    code: Annotated[str, Query(max_length=64)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=250)] = 1,
) -> Response:
    """Search the archive: text and filters, newest or best first, 20 a page."""
    query = SearchQuery(text=q, unit_code=unit or None, subtree=subtree,
                        year=int(year) if year else None,
                        kind=kind or None, retention=retention or None, status=status or None,
                        archival_code=code.strip() or None, limit=PAGE_SIZE + 1,
                        offset=(page_number - 1) * PAGE_SIZE)
    hits = search(settings_of(request), query, actor=who.actor)
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    # The unit is picked by name, indented under its parent: no one need know the codes.
    units = overview.actor_units(settings_of(request), who.actor)
    return page(request, "archive_search.html", {
        "units": units, "depths": overview.tree_depths(units),
        "hits": hits[:PAGE_SIZE], "more": len(hits) > PAGE_SIZE, "page_number": page_number,
        "q": q, "unit": unit, "subtree": subtree, "year": year, "kind": kind,
        "retention": retention, "status": status, "code": code, "kinds": KINDS,
        "params": params, "searched": bool(request.query_params)})


@router.get("/archive/records/{document_id}")
def archive_record(request: Request, who: Signed, document_id: DocumentPath) -> Response:
    """A record: DA/T 46 metadata of each filed version, the versions, the audit history."""
    view = records.record(settings_of(request), who.actor, document_id)
    return page(request, "archive_record.html", {"r": view, "latest": view.versions[-1]})


@router.get("/archive/verify")
def verify_form(request: Request,
                who: Annotated[Caller, Depends(requires("verify"))]) -> Response:
    """Start a 四性检测 run."""
    return page(request, "archive_verify.html", {"year": date.today().year - 1})


@router.post("/archive/verify")
def verify_start(request: Request, who: Signed,
                 year: Annotated[int | None, Form(ge=2000, le=2100)] = None) -> Response:
    """Run 四性检测 as a job; its page shows the report."""
    job = records.start_verify(settings_of(request), request.app.state.runner, who.actor, year)
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.get("/archive/transfer")
def transfer_form(request: Request,
                  who: Annotated[Caller, Depends(requires("export"))]) -> Response:
    """Write a year's transfer package."""
    return page(request, "archive_transfer.html", {"year": date.today().year - 1})


@router.post("/archive/transfer")
def transfer_start(request: Request, who: Signed,
                   year: Annotated[int, Form(ge=2000, le=2100)]) -> Response:
    """Write the package as a job; its page links the download."""
    job = records.start_export(settings_of(request), request.app.state.runner, who.actor, year)
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.get("/archive/transfer/{name}")
def transfer_download(request: Request, who: Signed, name: str) -> Response:
    """A transfer package written before."""
    path = records.package_path(settings_of(request), who.actor, name)
    return stored_file(path, path.name, MEDIA_TYPES["zip"])


@router.get("/archive/due")
def due_page(request: Request, who: Signed,
             on: Annotated[date | None, Query()] = None) -> Response:
    """Records past their retention period, each with a disposal form."""
    found = due_records(settings_of(request), actor=who.actor, on=on)
    return page(request, "archive_due.html", {"records": found, "on": on or date.today()})


@router.post("/archive/records/{document_id}/dispose")
def dispose_record(request: Request, who: Signed, document_id: DocumentPath,
                   version: Annotated[int, Form(ge=1, le=9999)],
                   reason: Annotated[str, Form(min_length=1, max_length=500)]) -> Response:
    """Destroy a record past retention, with the reason; its catalogue entry stays."""
    entry = dispose(settings_of(request), document_id, version, actor=who.actor, reason=reason)
    return page(request, "archive_due.html", {
        "records": due_records(settings_of(request), actor=who.actor), "on": date.today(),
        "message": f"已销毁 {entry.archival_code}；其目录条目保留"})

