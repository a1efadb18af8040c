"""``/api/v1``: units and their figures, generating documents, documents and their files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from wenshu.access import Actor
from wenshu.archive.filing import FiledRecord, file_version
from wenshu.archive.reading import open_file, view_document
from wenshu.services import documents, overview
from wenshu.services.campaign_form import save_spec
from wenshu.services.requests import KINDS, RequestError, parse_request
from wenshu.settings import Settings
from wenshu.uploads import get_upload, save_data
from wenshu.web.api.schemas import (
    DocumentHit,
    DocumentOut,
    FileBody,
    Filed,
    FileOut,
    GenerateBody,
    JobStarted,
    Kind,
    Version,
)
from wenshu.web.api.unit_schemas import (
    BranchReporting,
    ChildRow,
    IndicatorRow,
    Indicators,
    Overview,
    Reporting,
    Submission,
    Unit,
)
from wenshu.web.downloads import MEDIA_TYPES, SUFFIXES, stored_file
from wenshu.web.params import (
    DocumentPath,
    FormatPath,
    LineQuery,
    PeriodQuery,
    UnitPath,
    VersionPath,
    YearQuery,
)
from wenshu.web.security import Caller, caller, settings_of

router = APIRouter(prefix="/api/v1", tags=["单位与文书"])
Signed = Annotated[Caller, Depends(caller)]


def _unit(info: object) -> Unit:
    return Unit.model_validate(info)


@router.get("/units", response_model=list[Unit])
def units(request: Request, who: Signed) -> list[Unit]:
    """The units the caller acts for (every unit for archivists and administrators)."""
    return [_unit(u) for u in overview.actor_units(settings_of(request), who.actor)]


@router.get("/units/{unit_code}/overview", response_model=Overview)
def unit_overview(request: Request, who: Signed, unit_code: UnitPath,
                  period: PeriodQuery = None) -> Overview:
    """A unit's period: submissions, indicators against targets, documents."""
    settings = settings_of(request)
    overview.unit_info(settings, who.actor, unit_code)
    chosen = overview.period_or_latest(settings, unit_code, period)
    data = overview.unit_overview(settings, who.actor, unit_code, chosen)
    return Overview(unit=_unit(data.unit), period=chosen.code,
                    submission=Submission.model_validate(data.submission),
                    indicators=[IndicatorRow.model_validate(r) for r in data.indicators],
                    documents=[DocumentHit.model_validate(h) for h in data.documents])


@router.get("/units/{unit_code}/reporting", response_model=Reporting)
def unit_reporting(request: Request, who: Signed, unit_code: UnitPath,
                   period: PeriodQuery = None, due: date | None = None) -> Reporting:
    """Who below the unit reported ledgers for the period (DHIS2's reporting rate); with
    ``due``, who reported after that deadline."""
    settings = settings_of(request)
    _, units = overview.unit_info(settings, who.actor, unit_code)
    chosen = overview.period_or_latest(settings, unit_code, period)
    report = overview.reporting(settings, who.actor, unit_code, chosen, due)
    branches = [BranchReporting(unit=_unit(b.unit), expected=len(b.report.expected),
                                submitted=len(b.report.submitted),
                                missing=len(b.report.missing), late=len(b.report.late),
                                rate=_rate(b.report.rate))
                for b in overview.by_branch(report, units, unit_code)]
    return Reporting(period=report.period, rate=_rate(report.rate),
                     expected=[_unit(u) for u in report.expected],
                     submitted=[_unit(u) for u in report.submitted],
                     missing=[_unit(u) for u in report.missing], due=report.due,
                     late=[_unit(u) for u in report.late], branches=branches)


def _rate(rate: Decimal | None) -> str | None:
    return None if rate is None else str(rate)


@router.get("/units/{unit_code}/indicators", response_model=Indicators)
def unit_indicators(request: Request, who: Signed, unit_code: UnitPath,
                    year: YearQuery = None, line: LineQuery = "") -> Indicators:
    """One line's indicators of the unit (default: the first line) beside each unit below
    it; ``lagging`` units missed a target."""
    settings = settings_of(request)
    overview.unit_info(settings, who.actor, unit_code)
    chosen = year or overview.latest_year(settings, unit_code)
    own, children = overview.child_indicators(settings, who.actor, unit_code, chosen,
                                              overview.line_of(settings, line))
    return Indicators(year=chosen, own=[IndicatorRow.model_validate(r) for r in own],
                      children=[ChildRow(unit=_unit(c.unit), values=c.values,
                                         missed=list(c.missed), records=c.records,
                                         lagging=c.lagging) for c in children])


@router.get("/kinds", response_model=list[Kind])
def kinds(who: Signed) -> list[Kind]:
    """The kinds that can be generated on request."""
    return [Kind.model_validate(k) for k in KINDS.values()]


@router.post("/documents/generate", response_model=JobStarted, status_code=202)
def generate(request: Request, who: Signed, body: GenerateBody) -> JobStarted:
    """Check the request, then generate in the background; poll the job."""
    settings = settings_of(request)
    data = body.model_dump(exclude={"spec_upload", "answers_upload", "answers", "campaign"})
    for field, upload_id in (("spec_file", body.spec_upload),
                             ("answers_file", body.answers_upload)):
        if upload_id:
            data[field] = str(get_upload(settings, who.actor, upload_id).path)
    data |= _content_files(settings, who.actor, body)
    if body.checklist:
        from wenshu.services.inspections import require_shipped

        require_shipped(body.checklist)
    job = documents.start(settings, request.app.state.runner, who.actor, parse_request(data))
    return JobStarted(job_id=job, url=f"/api/v1/jobs/{job}")


def _content_files(settings: Settings, actor: Actor, body: GenerateBody) -> dict[str, str]:
    """Answers or a campaign spec sent as JSON, kept as the caller's files as the web
    forms keep theirs; refused beside an upload of the same, or for another kind."""
    kept: dict[str, str] = {}
    for name, given, upload, kind, field in (
            ("answers", body.answers, body.answers_upload, "self_inspection", "answers_file"),
            ("campaign", body.campaign, body.spec_upload, "campaign_plan", "spec_file")):
        if given is None:
            continue
        if body.kind != kind:
            raise RequestError(name, f"{name} 只用于{KINDS[kind].label}（kind: {kind}）")
        if upload:
            raise RequestError(name, f"{name} 与 {name}_upload 只能给一个")
        saved = (save_data(settings, actor, "answers", "自查答复.yaml", {"answers": given})
                 if name == "answers" else save_spec(settings, actor, given))
        kept[field] = str(saved.path)
    return kept


def document_out(document_id: int, versions: list[FiledRecord]) -> DocumentOut:
    """A document's versions as the API shows them."""
    latest = versions[-1]
    return DocumentOut(
        document_id=document_id, title=latest.title, kind=latest.key.kind,
        unit_code=latest.key.unit_code, period=latest.key.period,
        versions=[Version(version=v.version, status=v.status, created_at=v.created_at,
                          archival_code=v.archival_code, filed_at=v.filed_at,
                          filed_by=v.filed_by,
                          files=[FileOut(format=f, size=item.size, sha256=item.sha256,
                                         url=f"/api/v1/documents/{document_id}/versions/"
                                             f"{v.version}/{f}")
                                 for f, item in v.files.items()]) for v in versions])


@router.get("/documents/{document_id}", response_model=DocumentOut)
def document(request: Request, who: Signed, document_id: DocumentPath) -> DocumentOut:
    """A document and the versions the caller may see."""
    return document_out(document_id,
                        view_document(settings_of(request), document_id, actor=who.actor))


@router.get("/documents/{document_id}/versions/{version}/{fmt}",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def document_file(request: Request, who: Signed, document_id: DocumentPath,
                  version: VersionPath, fmt: FormatPath) -> Response:
    """One stored file, its SHA-256 checked first; the download is logged."""
    record, item = open_file(settings_of(request), document_id, fmt, actor=who.actor,
                             version=version)
    return stored_file(item.path, f"{record.title}_v{record.version}.{SUFFIXES[fmt]}",
                       MEDIA_TYPES[fmt])


@router.post("/documents/{document_id}/file", response_model=Filed)
def file_document(request: Request, who: Signed, document_id: DocumentPath,
                  body: FileBody) -> Filed:
    """File (归档) a version: its 档号 and the 归档章 on a copy of its PDF."""
    record = file_version(settings_of(request), document_id, body.version, actor=who.actor,
                          retention=body.retention, reason=body.reason)
    assert record.archival_code is not None
    return Filed(document_id=document_id, version=record.version,
                 archival_code=record.archival_code)
