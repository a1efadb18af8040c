"""Handing in data: upload a ledger (or base figures, targets), see every bad row, download
the error report, and store the good rows on request."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from wenshu.errors import Revise
from wenshu.ingest.report import error_report_csv
from wenshu.services.data import PURPOSE_LABELS, import_upload, ledger_template_for
from wenshu.services.overview import actor_units
from wenshu.uploads import MAX_BYTES, UploadTooLarge, get_upload, save_upload
from wenshu.web.downloads import MEDIA_TYPES, attachment
from wenshu.web.params import UNIT_PATTERN, PeriodQuery, UnitQuery, UploadPath
from wenshu.web.security import Caller, caller, requires, settings_of
from wenshu.web.templating import page

router = APIRouter(include_in_schema=False)
Signed = Annotated[Caller, Depends(caller)]
DATA_PURPOSES = ("ledger", "figures", "targets")


async def read_limited(file: UploadFile) -> bytes:
    """The upload's bytes, refused past :data:`MAX_BYTES` without reading further."""
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UploadTooLarge(f"{file.filename or '文件'}：文件过大，最大 {MAX_BYTES // 1024 // 1024} MB")
    return data


def _form(request: Request, who: Caller, purpose: str, unit: str,
          **extra: object) -> dict[str, object]:
    """What the upload form shows: the purposes, and the units a file without a 单位代码
    column may be for (the user's own first, then the units below them)."""
    return {"purpose": purpose, "purposes": DATA_PURPOSES, "labels": PURPOSE_LABELS,
            "unit": unit, "units": actor_units(settings_of(request), who.actor),
            "max_mb": MAX_BYTES // 1024 // 1024, **extra}


@router.get("/data/upload")
def upload_form(request: Request, who: Annotated[Caller, Depends(requires("submit"))],
                unit: UnitQuery = None, purpose: str = "ledger") -> Response:
    """The upload page: pick or drop a file."""
    chosen = purpose if purpose in DATA_PURPOSES else "ledger"
    return page(request, "upload.html", _form(request, who, chosen,
                                              unit or who.actor.unit_code or "",
                                              upload=None, outcome=None))


@router.get("/data/ledger-template.xlsx")
def ledger_template(request: Request, who: Annotated[Caller, Depends(requires("submit"))],
                    unit: UnitQuery = None, stored: PeriodQuery = None) -> Response:
    """A blank 工作台账 for the unit (default: the user's own) and the units below it; with
    ``stored`` (a period), holding the rows stored for it, to correct and upload again."""
    name, content = ledger_template_for(settings_of(request), who.actor, unit, stored=stored)
    return attachment(content, name, MEDIA_TYPES["xlsx"])


@router.post("/data/upload")
async def upload_submit(request: Request, who: Signed, file: Annotated[UploadFile, File()],
                        purpose: Annotated[str, Form(pattern="^(ledger|figures|targets)$")],
                        skip_invalid: Annotated[bool, Form()] = False,
                        unit: Annotated[str, Form(pattern=f"^$|{UNIT_PATTERN}")] = "") -> Response:
    """Keep the file, import it, and show the outcome (every bad row, if any). ``unit`` is
    the unit of a file without a 单位代码 column (default: a clerk's own)."""
    from starlette.concurrency import run_in_threadpool

    settings = settings_of(request)
    data = await read_limited(file)
    upload = await run_in_threadpool(save_upload, settings, who.actor, purpose,
                                     file.filename or "", data)
    await run_in_threadpool(import_upload, settings, who.actor, upload,
                            skip_invalid=skip_invalid, unit=unit or None)
    return _outcome_page(request, upload.id, who)


def _outcome_page(request: Request, upload_id: str, who: Caller) -> Response:
    upload = get_upload(settings_of(request), who.actor, upload_id)
    status = 400 if upload.status == "rejected" else 200
    options = (upload.result or {}).get("options") or {}
    unit = options.get("unit") or who.actor.unit_code or ""
    return page(request, "upload.html", _form(request, who, upload.purpose, unit, upload=upload,
                                              outcome=upload.result), status=status)


@router.get("/data/uploads/{upload_id}")
def upload_page(request: Request, who: Signed, upload_id: UploadPath) -> Response:
    """An earlier upload and how its import went."""
    return _outcome_page(request, upload_id, who)


@router.post("/data/uploads/{upload_id}/import")
def upload_again(request: Request, who: Signed, upload_id: UploadPath,
                 skip_invalid: Annotated[bool, Form()] = False,
                 revise: Annotated[Revise | Literal[""], Form()] = "") -> Response:
    """Import an upload again: keeping only the good rows, or, for a corrected ledger,
    replacing the stored rows it changes or leaves out (``revise=replace``) or adding its
    rows beside them (``revise=add``)."""
    settings = settings_of(request)
    upload = get_upload(settings, who.actor, upload_id)
    # Read the same way as the first time: the same unit, sheets and year.
    options = (upload.result or {}).get("options") or {}
    import_upload(settings, who.actor, upload, skip_invalid=skip_invalid,
                  unit=options.get("unit"), sheets=options.get("sheets") or (),
                  year=options.get("year"), revise=revise or None)
    return _outcome_page(request, upload_id, who)


@router.get("/data/uploads/{upload_id}/errors.csv")
def upload_errors(request: Request, who: Signed, upload_id: UploadPath) -> Response:
    """The upload's row errors, and a ledger's differences from the stored rows, as a CSV
    Excel opens (no cell can run as a formula)."""
    upload = get_upload(settings_of(request), who.actor, upload_id)
    result = upload.result or {}
    errors = [*result.get("errors", ()), *result.get("differences", ()),
              *result.get("revisions", ())]
    stem = upload.original_name.rsplit(".", 1)[0]
    return attachment(error_report_csv(errors), f"{stem}.错误报告.csv", "text/csv; charset=utf-8")
