"""The ASGI application: pages for people, ``/api/v1`` for programs, one library beneath.

Route handlers only translate: request to library call, result to page or JSON.
Who may do what is the library's decision (:mod:`wenshu.access`); how each refusal
or error is shown is decided here, once, so no traceback ever reaches a user.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from wenshu import __version__
from wenshu.db import upgrade_schema
from wenshu.errors import (
    AccessDenied,
    InputError,
    NotFoundError,
    Unavailable,
    WenshuError,
    as_storage_full,
)
from wenshu.jobs import JobRunner
from wenshu.settings import Settings, get_settings
from wenshu.uploads import UploadTooLarge
from wenshu.web.security import CsrfRefused, NotSignedIn, SecurityHeaders, signed_in
from wenshu.web.templating import page
from wenshu.web.validation import validation_message

_log = logging.getLogger(__name__)
STATIC = Path(str(files("wenshu.web") / "static"))
# When a client told the system is busy or the database unreachable may try again: a lock
# wait ran out (most writes take well under a second), or a server is restarting.
RETRY_AFTER_SECONDS = 5


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _problem(request: Request, status: int, message: str, **extra: object) -> Response:
    """The same problem as JSON for the API or as a Chinese page for a browser."""
    if _is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": message, **extra}, status_code=status, headers=headers)
    # ``detail``, not ``message``: a page's ``message`` is the green notice above it.
    return page(request, "error.html", {"status": status, "detail": message, **extra},
                status=status)


def install_error_pages(app: FastAPI) -> None:
    """Map every error class to its status, page and JSON body."""

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if not _is_api(request) and request.method == "GET":
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return _problem(request, 401, str(exc))

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return _problem(request, 403, str(exc))

    @app.exception_handler(AccessDenied)
    async def access_denied(request: Request, exc: AccessDenied) -> Response:
        return _problem(request, 403, str(exc))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _problem(request, 404, str(exc))

    @app.exception_handler(UploadTooLarge)
    async def too_large(request: Request, exc: UploadTooLarge) -> Response:
        return _problem(request, 413, str(exc))

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, exc: Unavailable) -> Response:
        response = _problem(request, 503, str(exc), heading=exc.heading)
        if exc.passes:  # else it needs the administrator first
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> Response:
        return _problem(request, 400, str(exc), errors=[e.as_dict() for e in exc.errors])

    @app.exception_handler(WenshuError)
    async def wenshu_error(request: Request, exc: WenshuError) -> Response:
        field = getattr(exc, "field", None)
        return _problem(request, 400, str(exc), **({"field": field} if field else {}))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        message, problems = validation_message(exc.errors())
        return _problem(request, 422 if _is_api(request) else 400, message, problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "没有这个页面", 405: "不支持这种请求方式"}
        if not _is_api(request) and request.method == "GET":
            # No route answered, so none looked up the caller: look now, so that a
            # signed-in user keeps the menu instead of a bare page.
            try:
                request.state.caller = await signed_in(request)
            except Unavailable:
                pass  # the page says what was asked, without the menu
        return _problem(request, exc.status_code,
                        messages.get(exc.status_code, str(exc.detail)))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        full = as_storage_full(exc)
        if full is not None:
            _log.warning("disk full on %s %s: %s", request.method, request.url.path, exc)
            return await unavailable(request, full)
        _log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _problem(request, 500, "内部错误：请求未能完成，详情已记入服务日志")


def create_app(settings: Settings | None = None, *, warm: bool = True) -> FastAPI:
    """The web application over ``settings``' data directory (default: the environment's).

    ``warm`` keeps LibreOffice and Prefect started between requests (off in tests
    that never generate).
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.ensure_dirs()
        upgrade_schema(settings)
        runner = JobRunner(settings)
        runner.abandon_stale()
        app.state.runner = runner
        if warm:
            from wenshu.web.warm import cool_down, warm_up

            runner.prepare(partial(warm_up, settings))
        try:
            yield
        finally:
            runner.shutdown()
            if warm:
                cool_down(settings)

    app = FastAPI(title="wenshu 文书", version=__version__, lifespan=lifespan,
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None,
                  description="台账报送、文书生成、检查考核与档案管理的接口。认证：请求头 "
                              "`Authorization: Bearer <令牌>`（在“我的账户”页创建）。")
    app.state.settings = settings
    app.add_middleware(SecurityHeaders)
    install_error_pages(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    from wenshu.web import api, pages

    for router in (*pages.routers(), api.router()):
        app.include_router(router)
    return app


__all__ = ["create_app"]
