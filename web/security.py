"""Who is calling, and whether the call is genuine: sessions, API tokens, CSRF, headers.

Every route but the login page and static files depends on :func:`caller` (pages) or
:func:`api_caller` (the JSON API). A browser proves itself with the session cookie
and, on every state-changing request, the session's CSRF token (a form field or
the ``X-CSRF-Token`` header); a program proves itself with ``Authorization: Bearer
<token>`` and needs no CSRF token, since no browser sends that header by itself.
What each caller may then do is decided by the library (:mod:`wenshu.access`).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wenshu.access import Actor, authorize
from wenshu.archive.audit import log_event
from wenshu.auth import session_of, token_actor
from wenshu.errors import WenshuError
from wenshu.settings import Settings

SESSION_COOKIE = "wenshu_session"
LOGIN_COOKIE = "wenshu_login"  # the login form's own CSRF token, before any session
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; frame-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
SECURITY_HEADERS = {b"content-security-policy": CSP.encode(), b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY", b"referrer-policy": b"same-origin",
                    b"cross-origin-opener-policy": b"same-origin"}


class NotSignedIn(WenshuError):
    """No valid session or token: 401 for the API, the login page for a browser."""


class CsrfRefused(WenshuError):
    """A state-changing browser request without the session's CSRF token."""


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request."""

    actor: Actor
    csrf_token: str  # "" for token callers
    session_key: str  # "" for token callers

    @property
    def by_token(self) -> bool:
        """Whether the caller is a program with an API token."""
        return not self.session_key


def settings_of(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def client_of(request: Request) -> str:
    """The client's address, for throttling and the audit log."""
    return request.client.host if request.client else ""


async def _csrf_sent(request: Request) -> str:
    sent = request.headers.get(CSRF_HEADER, "")
    if sent:
        return sent
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def signed_in(request: Request) -> Caller | None:
    """The caller a browser's session cookie names, or None: for a page no route answers
    (an unknown address), which shows the menu when someone is signed in."""
    key = request.cookies.get(SESSION_COOKIE, "")
    session = await run_in_threadpool(session_of, settings_of(request), key) if key else None
    return Caller(session.actor, session.csrf_token, key) if session else None


async def _authenticate(request: Request) -> Caller:
    settings = settings_of(request)
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        actor = await run_in_threadpool(token_actor, settings, header[7:].strip())
        if actor is None:
            raise NotSignedIn("API 令牌无效、已撤销，或其用户已停用")
        return Caller(actor, "", "")
    caller = await signed_in(request)
    if caller is None:
        raise NotSignedIn("请先登录")
    if request.method in UNSAFE_METHODS:
        sent = await _csrf_sent(request)
        if not sent or not hmac.compare_digest(sent, caller.csrf_token):
            await run_in_threadpool(
                log_event, settings, action="request", agent=caller.actor.name, outcome="refused",
                target=f"{request.method} {request.url.path}"[:200],
                detail={"reason": "CSRF token missing or wrong"})
            raise CsrfRefused("页面已过期或请求来源不明（缺少表单令牌），请刷新页面后重试")
    return caller


async def caller(request: Request) -> Caller:
    """The signed-in caller of a page (session or token), CSRF-checked."""
    found = await _authenticate(request)
    request.state.caller = found
    return found


def requires(action: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the signed-in caller, whose role must allow ``action`` at all (checked,
    and a refusal logged, before any input is looked at)."""

    async def allowed(request: Request, who: Caller = Depends(caller)) -> Caller:
        await run_in_threadpool(authorize, settings_of(request), who.actor, action, None,
                                target=request.url.path[:200])
        return who

    return allowed


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI, so streaming is untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS.items() if k not in names]
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


__all__ = ["CSP", "Caller", "CsrfRefused", "LOGIN_COOKIE", "NotSignedIn", "SESSION_COOKIE",
           "SecurityHeaders", "caller", "requires", "client_of", "settings_of"]
