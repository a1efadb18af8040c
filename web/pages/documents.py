"""Documents: the generate form, the job's progress, a document's versions with its PDF in
the page, downloads, and filing (归档)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from wenshu.archive.filing import file_version
from wenshu.archive.reading import open_file, view_document
from wenshu.errors import NotFoundError
from wenshu.jobs import get_job
from wenshu.previews import MAX_PAGES, image_size, page_images
from wenshu.services import documents, overview
from wenshu.services.inspections import require_shipped, shipped_checklists
from wenshu.services.requests import KINDS, RequestError, parse_request
from wenshu.uploads import save_upload
from wenshu.web.downloads import MEDIA_TYPES, SUFFIXES, stored_file
from wenshu.web.pages.campaign_form import campaign_part, typed_campaign
from wenshu.web.pages.data import read_limited
from wenshu.web.pages.self_answers import answers_part, typed_answers
from wenshu.web.params import DocumentPath, FormatPath, JobPath, UnitQuery, VersionPath
from wenshu.web.security import Caller, caller, requires, settings_of
from wenshu.web.templating import page

router = APIRouter(include_in_schema=False)
Signed = Annotated[Caller, Depends(caller)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _form_page(request: Request, who: Caller, values: dict[str, Any], *,
               errors: dict[str, str] | None = None, status: int = 200) -> Response:
    units = overview.actor_units(settings_of(request), who.actor)
    lines = documents.office_lines(settings_of(request)).by_key.values()
    return page(request, "generate.html", {"kinds": KINDS, "units": units, "v": values,
                                           "lines": lines, "checklists": shipped_checklists(),
                                           "answers": answers_part(request, who, values),
                                           "campaign": campaign_part(request, who, values),
                                           "errors": errors or {}}, status=status)


@router.get("/documents/new")
def generate_form(request: Request, who: Annotated[Caller, Depends(requires("generate"))],
                  unit: UnitQuery = None, kind: str = "", period: str = "",
                  checklist: str = "", line: str = "") -> Response:
    """The form: kind, unit, period, options, staff paragraphs, GB/T 9704 blocks (and for
    a self-inspection the unit's answers). The period starts as the year the unit's page
    opens on."""
    unit_code = unit or who.actor.unit_code or ""
    values = {"kind": kind if kind in KINDS else "year_summary", "unit_code": unit_code,
              "period": period[:16] or _default_period(request, who, unit_code),
              "checklist": checklist[:64], "line": line[:64],
              "issued_on": date.today().isoformat()}
    return _form_page(request, who, values)


def _default_period(request: Request, who: Caller, unit_code: str) -> str:
    """The latest year with ledger rows under the unit, if the actor acts for it."""
    if not unit_code or not who.actor.covers(unit_code):
        return ""
    return str(overview.latest_year(settings_of(request), unit_code))


async def _spooled(request: Request, who: Caller, form: Any, field: str,
                   purpose: str) -> str | None:
    """An uploaded side file (campaign spec, answers) kept as an upload; its stored path."""
    from starlette.concurrency import run_in_threadpool

    item = form.get(field)
    if not isinstance(item, UploadFile) or not item.filename:
        return None
    data = await read_limited(item)
    upload = await run_in_threadpool(save_upload, settings_of(request), who.actor, purpose,
                                     item.filename, data)
    return str(upload.path)


def request_data(form: Any, files: dict[str, str | None]) -> dict[str, Any]:
    """A generation request from the form's fields (file fields only from uploads)."""
    text = {key: str(form.get(key) or "") for key in (
        "kind", "unit_code", "period", "script", "issued_on", "signature_unit", "highlights",
        "problems", "plans", "doc_number", "addressee", "attachments", "copy_to", "printed_by",
        "checklist", "line")}
    return {
        "kind": text["kind"], "unit_code": text["unit_code"], "period": text["period"],
        "line": text["line"],
        "all_levels": form.get("all_levels") == "true", "script": text["script"] or "simplified",
        "issued_on": text["issued_on"] or None, "signature_unit": text["signature_unit"] or None,
        "narrative": {k: _lines(text[k]) for k in ("highlights", "problems", "plans")},
        "letterhead": {"doc_number": text["doc_number"], "addressee": text["addressee"],
                       "attachments": _lines(text["attachments"]),
                       "copy_to": _lines(text["copy_to"]), "printed_by": text["printed_by"]},
        "checklist": require_shipped(text["checklist"]) if text["checklist"] else None,
        **files,
    }


@router.post("/documents/new")
async def generate_submit(request: Request,
                          who: Annotated[Caller, Depends(requires("generate"))]) -> Response:
    """Check the form and start the job; errors are shown beside their fields."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    settings = settings_of(request)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        files = {"spec_file": await _spooled(request, who, form, "spec_upload", "spec"),
                 "answers_file": await _spooled(request, who, form, "answers_upload", "answers")}
        typed = {"self_inspection": ("answers_file", typed_answers, "自查答复"),
                 "campaign_plan": ("spec_file", typed_campaign, "实施方案的内容")}
        if (kind := values.get("kind", "")) in typed and files[typed[kind][0]] is None:
            # No file handed in: what was typed below the form, kept as one.
            field, keep, what = typed[kind]
            files[field], wrong = await run_in_threadpool(keep, request, who, values)
            if wrong:
                return _form_page(request, who, values, errors={
                    "form": f"{what}有 {len(wrong)} 处需要填写或修改，见下方标红的地方",
                    **wrong}, status=400)
        req = parse_request(request_data(form, files))
        job = await run_in_threadpool(documents.start, settings, request.app.state.runner,
                                      who.actor, req)
    except RequestError as exc:
        return _form_page(request, who, values, errors={exc.field or "form": str(exc)},
                          status=400)
    return RedirectResponse(f"/jobs/{job}", status_code=303)


def preview(request: Request, who: Caller, document_id: int, version: int,
            fmt: str = "pdf") -> dict[str, Any]:
    """What the page needs to show a version's PDF as page images: their URLs and sizes
    (given in the page, a lazily loaded image does not move what follows when it arrives)."""
    record, item = open_file(settings_of(request), document_id, fmt, actor=who.actor,
                             version=version, log=False)
    pages = page_images(settings_of(request), item.path, item.sha256)
    base = f"/documents/{document_id}/versions/{record.version}/{fmt}"
    return {"pages": [{"src": f"{base}/page-{n}.png", "size": image_size(png)}
                      for n, png in enumerate(pages, start=1)], "pdf": base}


@router.get("/jobs/{job_id}")
def job_page(request: Request, who: Signed, job_id: JobPath) -> Response:
    """A job's progress, then what it made (the PDF's pages in the page when it made one)."""
    job = get_job(settings_of(request), who.actor, job_id)
    documents = (job.result or {}).get("documents") or []
    shown = preview(request, who, documents[0]["document_id"], documents[0]["version"]) \
        if job.status == "done" and len(documents) == 1 else None
    return page(request, "job.html", {"job": job, "preview": shown})


@router.get("/jobs/{job_id}/status")
def job_status(request: Request, who: Signed, job_id: JobPath) -> Response:
    """The progress fragment htmx polls while the job runs."""
    job = get_job(settings_of(request), who.actor, job_id)
    response = page(request, "partials/job_status.html", {"job": job})
    if job.finished:
        # The whole page shows the result: documents, PDF, buttons.
        response.headers["HX-Refresh"] = "true"
    return response


@router.get("/documents/{document_id}")
def document_page(request: Request, who: Signed, document_id: DocumentPath) -> Response:
    """A document's versions, files and filing state, with its newest PDF in the page."""
    versions = view_document(settings_of(request), document_id, actor=who.actor)
    latest = versions[-1]
    fmt = next((f for f in ("pdf_filed", "pdf") if f in latest.files), None)
    shown = preview(request, who, document_id, latest.version, fmt) if fmt else None
    return page(request, "document.html", {
        "versions": versions, "latest": latest, "document_id": document_id, "preview": shown,
        "unit_name": overview.unit_name(settings_of(request), latest.key.unit_code)})


@router.get("/documents/{document_id}/versions/{version}/{fmt}/page-{number}.png")
def document_page_image(request: Request, who: Signed, document_id: DocumentPath,
                        version: VersionPath, fmt: Annotated[str, Path(pattern="^(pdf|pdf_filed)$")],
                        number: Annotated[int, Path(ge=1, le=MAX_PAGES)]) -> Response:
    """One page of a stored PDF as an image (drawn once per file content)."""
    record, item = open_file(settings_of(request), document_id, fmt, actor=who.actor,
                             version=version, log=False)
    pages = page_images(settings_of(request), item.path, item.sha256)
    if number > len(pages):
        raise NotFoundError(f"第 {number} 页不存在（共 {len(pages)} 页）")
    return FileResponse(pages[number - 1], media_type="image/png")


@router.get("/documents/{document_id}/versions/{version}/{fmt}")
def document_file(request: Request, who: Signed, document_id: DocumentPath,
                  version: VersionPath, fmt: FormatPath, inline: bool = False) -> Response:
    """One stored file, its digest checked and the download logged."""
    record, item = open_file(settings_of(request), document_id, fmt, actor=who.actor,
                             version=version)
    name = f"{record.title}_v{record.version}.{SUFFIXES[fmt]}"
    return stored_file(item.path, name, MEDIA_TYPES[fmt],
                       inline=inline and fmt in ("pdf", "pdf_filed"))


@router.post("/documents/{document_id}/file")
def document_file_it(request: Request, who: Signed, document_id: DocumentPath,
                     version: Annotated[int | None, Form(ge=1, le=9999)] = None,
                     retention: Annotated[str, Form(pattern="^(|Y|D30|D10)$")] = "",
                     reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    """File a version (归档): its 档号, the 归档章 on a copy of its PDF."""
    record = file_version(settings_of(request), document_id, version, actor=who.actor,
                          retention=retention or None, reason=reason.strip() or None)
    return RedirectResponse(f"/documents/{document_id}?filed={record.version}", status_code=303)
