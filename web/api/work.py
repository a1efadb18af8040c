"""``/api/v1``: inspections, the archive (search, records, 四性检测, transfer, disposal),
and administration (users)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from wenshu.accounts import add_user, list_users, reset_password, update_user
from wenshu.archive.retention import dispose, due_records
from wenshu.archive.search import MAX_OFFSET, SearchQuery, search
from wenshu.services import inspections, records
from wenshu.uploads import get_upload
from wenshu.web.api.documents import document_out
from wenshu.web.api.schemas import (
    AuditEventOut,
    Checklist,
    DisposeBody,
    DocumentHit,
    DueOut,
    ExportBody,
    FindingsBody,
    FindingsFileBody,
    ImportOutcome,
    InspectionBody,
    JobStarted,
    PasswordBody,
    RankRow,
    RecordOut,
    UserCreate,
    UserOut,
    UserUpdate,
    VerifyBody,
)
from wenshu.web.downloads import MEDIA_TYPES, stored_file
from wenshu.web.params import DocumentPath, UnitQuery, YearQuery
from wenshu.web.security import Caller, caller, requires, settings_of

router = APIRouter(prefix="/api/v1")
Signed = Annotated[Caller, Depends(caller)]
Inspector = Annotated[Caller, Depends(requires("inspect"))]


def _started(job: str) -> JobStarted:
    return JobStarted(job_id=job, url=f"/api/v1/jobs/{job}")


@router.get("/checklists", response_model=list[Checklist], tags=["检查考核"])
def checklists(who: Signed) -> list[Checklist]:
    """The shipped checklists."""
    return [Checklist.model_validate(c) for c in inspections.shipped_checklists()]


@router.post("/inspections/findings", response_model=ImportOutcome, tags=["检查考核"])
def findings(request: Request, who: Inspector, body: FindingsBody) -> ImportOutcome:
    """Record one unit's findings; any bad value rejects them all (400, nothing stored)."""
    result = inspections.record_findings_form(
        settings_of(request), who.actor, inspections.require_shipped(body.checklist),
        body.period, body.unit_code, body.values, body.notes, inspector=body.inspector)
    return ImportOutcome(status="imported", rows_read=result.rows_read,
                         rows_stored=result.rows_stored, rows_existing=result.rows_existing)


@router.post("/inspections/findings-file", response_model=ImportOutcome, tags=["检查考核"])
def findings_file(request: Request, who: Inspector, body: FindingsFileBody) -> ImportOutcome:
    """Record a findings sheet handed in as an upload; all rows or nothing."""
    settings = settings_of(request)
    upload = get_upload(settings, who.actor, body.upload_id)
    result = inspections.record_findings_file(
        settings, who.actor, upload.path, inspections.require_shipped(body.checklist),
        body.period, inspector=body.inspector, name=upload.original_name)
    return ImportOutcome(status="imported", rows_read=result.rows_read,
                         rows_stored=result.rows_stored, rows_existing=result.rows_existing)


@router.post("/inspections/ranking", response_model=list[RankRow], tags=["检查考核"])
def ranking(request: Request, who: Inspector, body: InspectionBody) -> list[RankRow]:
    """The ranking the recorded findings give (no documents are made)."""
    inspections.require_shipped(body.checklist)
    rows = inspections.ranking(settings_of(request), who.actor, body)
    return [RankRow(rank=r.rank, tied=r.tied, unit_code=r.unit_code, unit_name=r.unit_name,
                    total=str(r.total), lost=str(r.lost), grade=r.grade) for r in rows]


@router.post("/inspections/run", response_model=JobStarted, status_code=202, tags=["检查考核"])
def run(request: Request, who: Inspector, body: InspectionBody) -> JobStarted:
    """Run the inspection in the background: ranking, every 反馈意见 and the 通报."""
    inspections.require_shipped(body.checklist)
    return _started(inspections.start(settings_of(request), request.app.state.runner,
                                      who.actor, body))


@router.get("/archive/search", response_model=list[DocumentHit], tags=["档案"])
def archive_search(
    request: Request, who: Signed, q: Annotated[str, Query(max_length=200)] = "",
    unit: UnitQuery = None, subtree: bool = False, year: YearQuery = None,
    kind: Annotated[str | None, Query(pattern="^[a-z_]{1,32}$")] = None,
    retention: Annotated[str | None, Query(pattern="^(Y|D30|D10)$")] = None,
    status: Annotated[str | None, Query(pattern="^(draft|filed|superseded|disposed)$")] = None,
    code: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[DocumentHit]:
    """Documents the caller may see, by text (【…】 marks the match) and filters."""
    hits = search(settings_of(request), SearchQuery(
        text=q, unit_code=unit, subtree=subtree, year=year, kind=kind, retention=retention,
        status=status, archival_code=code, limit=limit, offset=offset), actor=who.actor)
    return [DocumentHit.model_validate(h) for h in hits]


@router.get("/archive/records/{document_id}", response_model=RecordOut, tags=["档案"])
def archive_record(request: Request, who: Signed, document_id: DocumentPath) -> RecordOut:
    """A record: its versions, each filed one's DA/T 46 metadata, its audit history."""
    view = records.record(settings_of(request), who.actor, document_id)
    return RecordOut(document=document_out(document_id, view.versions), metadata=view.metadata,
                     history=[AuditEventOut.model_validate(e) for e in view.history])


@router.post("/archive/verify", response_model=JobStarted, status_code=202, tags=["档案"])
def archive_verify(request: Request, who: Signed, body: VerifyBody) -> JobStarted:
    """Run 四性检测 in the background; the job's result is the report."""
    return _started(records.start_verify(settings_of(request), request.app.state.runner,
                                         who.actor, body.year))


@router.post("/archive/exports", response_model=JobStarted, status_code=202, tags=["档案"])
def archive_export(request: Request, who: Signed, body: ExportBody) -> JobStarted:
    """Write a year's transfer package in the background; the result names it."""
    return _started(records.start_export(settings_of(request), request.app.state.runner,
                                         who.actor, body.year))


@router.get("/archive/exports/{name}", response_class=Response, tags=["档案"],
            responses={200: {"content": {"application/zip": {}}}})
def archive_package(request: Request, who: Signed, name: str) -> Response:
    """A transfer package written before."""
    path = records.package_path(settings_of(request), who.actor, name)
    return stored_file(path, path.name, MEDIA_TYPES["zip"])


@router.get("/archive/due", response_model=list[DueOut], tags=["档案"])
def archive_due(request: Request, who: Signed, on: date | None = None) -> list[DueOut]:
    """Records past their retention period."""
    return [DueOut.model_validate(r)
            for r in due_records(settings_of(request), actor=who.actor, on=on)]


@router.post("/archive/records/{document_id}/dispose", status_code=204, tags=["档案"])
def archive_dispose(request: Request, who: Signed, document_id: DocumentPath,
                    body: DisposeBody) -> None:
    """Destroy a record past retention; its catalogue entry stays."""
    dispose(settings_of(request), document_id, body.version, actor=who.actor,
            reason=body.reason)


@router.get("/users", response_model=list[UserOut], tags=["管理"])
def users(request: Request, who: Signed) -> list[UserOut]:
    """Every user (administrators)."""
    return [UserOut.model_validate(u) for u in list_users(settings_of(request), by=who.actor)]


@router.post("/users", response_model=UserOut, status_code=201, tags=["管理"])
def user_add(request: Request, who: Signed, body: UserCreate) -> UserOut:
    """Add a user (administrators)."""
    settings = settings_of(request)
    added = add_user(settings, body.name, body.role, body.unit_code, by=who.actor,
                     password=body.password)
    return next(UserOut.model_validate(u) for u in list_users(settings, by=who.actor)
                if u.name == added.name)


@router.patch("/users/{name}", response_model=UserOut, tags=["管理"])
def user_update(request: Request, who: Signed, name: str, body: UserUpdate) -> UserOut:
    """Change a user's role or unit, or disable or enable them (administrators)."""
    settings = settings_of(request)
    update_user(settings, name, by=who.actor, role=body.role, unit_code=body.unit_code,
                disabled=body.disabled)
    return next(UserOut.model_validate(u) for u in list_users(settings, by=who.actor)
                if u.name == name)


@router.post("/users/{name}/password", status_code=204, tags=["管理"])
def user_password(request: Request, who: Signed, name: str, body: PasswordBody) -> None:
    """Set a user's password (administrators); their sessions end."""
    reset_password(settings_of(request), name, body.password, by=who.actor)
