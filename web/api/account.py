"""``/api/v1``: the caller, their tokens and password, jobs, uploads and imports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile

from wenshu.auth import change_password, create_token, list_tokens, revoke_token
from wenshu.jobs import get_job
from wenshu.services.data import import_upload
from wenshu.uploads import get_upload, save_upload
from wenshu.web.api.schemas import (
    ImportOutcome,
    ImportRequest,
    Job,
    Me,
    PasswordChange,
    Token,
    TokenCreate,
    TokenMade,
    Upload,
)
from wenshu.web.pages.data import read_limited
from wenshu.web.params import JobPath, TokenPath
from wenshu.web.security import Caller, caller, settings_of

router = APIRouter(prefix="/api/v1", tags=["账户与任务"])
Signed = Annotated[Caller, Depends(caller)]


@router.get("/me", response_model=Me)
def me(who: Signed) -> Me:
    """Who the caller is."""
    actor = who.actor
    return Me(name=actor.name, role=actor.role, role_label=actor.role_label,
              unit_code=actor.unit_code)


@router.get("/tokens", response_model=list[Token])
def tokens(request: Request, who: Signed) -> list[Token]:
    """The caller's API tokens."""
    return [Token.model_validate(t) for t in list_tokens(settings_of(request), who.actor)]


@router.post("/tokens", response_model=TokenMade, status_code=201)
def token_create(request: Request, who: Signed, body: TokenCreate) -> TokenMade:
    """A new API token for the caller, shown this once."""
    return TokenMade(token=create_token(settings_of(request), who.actor, body.label))


@router.delete("/tokens/{token_id}", status_code=204)
def token_revoke(request: Request, who: Signed, token_id: TokenPath) -> None:
    """Revoke one of the caller's tokens."""
    revoke_token(settings_of(request), who.actor, token_id)


@router.post("/password", status_code=204)
def password(request: Request, who: Signed, body: PasswordChange) -> None:
    """Change the caller's own password."""
    change_password(settings_of(request), who.actor, body.old, body.new,
                    keep_session=who.session_key or None)


@router.get("/jobs/{job_id}", response_model=Job)
def job(request: Request, who: Signed, job_id: JobPath,
        wait: Annotated[float, Query(ge=0, le=60, description="秒：至多等这么久，任务结束即返回")
                        ] = 0) -> Job:
    """A job of the caller's: its progress and, once done, its result. With ``wait``, the
    answer comes as soon as the job ends (or after that many seconds): no busy polling."""
    settings = settings_of(request)
    get_job(settings, who.actor, job_id)  # someone else's job is not waited for
    if wait:
        request.app.state.runner.wait(job_id, wait)
    return Job.model_validate(get_job(settings, who.actor, job_id))


@router.post("/uploads", response_model=Upload, status_code=201)
async def upload(request: Request, who: Signed, file: Annotated[UploadFile, File()],
                 purpose: Annotated[str, Form(
                     pattern="^(ledger|figures|targets|units|findings|spec|answers)$")]
                 ) -> Upload:
    """Hand in a file (size-limited, typed by its content) for a later import."""
    from starlette.concurrency import run_in_threadpool

    data = await read_limited(file)
    info = await run_in_threadpool(save_upload, settings_of(request), who.actor, purpose,
                                   file.filename or "", data)
    return Upload.model_validate(info)


@router.post("/imports", response_model=ImportOutcome,
             responses={422: {"model": ImportOutcome, "description": "rejected: nothing stored"},
                        409: {"model": ImportOutcome,
                              "description": "revision: a ledger differs from the stored rows; "
                                             "nothing stored until the request names revise"}})
def import_(request: Request, response: Response, who: Signed,
            body: ImportRequest) -> ImportOutcome:
    """Import an upload by its purpose; a rejected file (422) stored nothing, nor did a
    ledger that corrects or leaves out stored rows without ``revise`` (409)."""
    settings = settings_of(request)
    info = get_upload(settings, who.actor, body.upload_id)
    outcome = ImportOutcome.model_validate(import_upload(
        settings, who.actor, info, skip_invalid=body.skip_invalid, revise=body.revise))
    response.status_code = {"rejected": 422, "revision": 409}.get(outcome.status, 200)
    return outcome
