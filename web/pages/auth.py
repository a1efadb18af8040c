"""Signing in and out, and one's own account: password and API tokens."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from wenshu.auth import (
    LoginFailed,
    LoginThrottled,
    change_password,
    close_session,
    create_token,
    list_tokens,
    login,
    open_session,
    revoke_token,
)
from wenshu.errors import AccessError
from wenshu.web.params import TokenPath
from wenshu.web.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Caller,
    caller,
    client_of,
    settings_of,
)
from wenshu.web.templating import page

router = APIRouter(include_in_schema=False)
Signed = Annotated[Caller, Depends(caller)]


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another site (``//host``) or a scheme."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    """The sign-in page; it carries its own CSRF token in a cookie of its own."""
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = page(request, "login.html", {"login_csrf": token, "next": safe_next(next),
                                            "name": ""})
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=_cookie_secure(request), path="/login")
    return response


@router.post("/login")
def login_submit(request: Request, name: Annotated[str, Form(max_length=64)] = "",
                 password: Annotated[str, Form(max_length=200)] = "",
                 csrf_token: Annotated[str, Form(max_length=100)] = "",
                 next: Annotated[str, Form(max_length=500)] = "/") -> Response:
    """Check the name and password; on success start a session and go on."""
    expected = request.cookies.get(LOGIN_COOKIE, "")
    context = {"login_csrf": expected or secrets.token_urlsafe(24), "next": safe_next(next),
               "name": name}
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return page(request, "login.html", {**context, "message": "登录页已过期，请重新输入"},
                    status=403)
    settings = settings_of(request)
    try:
        actor = login(settings, name, password, client=client_of(request))
    except LoginThrottled as exc:
        return page(request, "login.html", {**context, "message": str(exc)}, status=429)
    except LoginFailed as exc:
        return page(request, "login.html", {**context, "message": str(exc)}, status=401)
    key, _ = open_session(settings, actor)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, key, httponly=True, samesite="lax",
                        secure=_cookie_secure(request), path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, who: Signed) -> Response:
    """End the session."""
    if who.session_key:
        close_session(settings_of(request), who.session_key)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _account(request: Request, who: Caller, *, status: int = 200, **extra: object) -> Response:
    tokens = list_tokens(settings_of(request), who.actor)
    return page(request, "account.html", {"tokens": tokens, "new_token": "", **extra},
                status=status)


@router.get("/account")
def account(request: Request, who: Signed) -> Response:
    """One's own account: change password, API tokens."""
    return _account(request, who)


@router.post("/account/password")
def account_password(request: Request, who: Signed,
                     old: Annotated[str, Form(max_length=200)] = "",
                     new: Annotated[str, Form(max_length=200)] = "",
                     again: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Change one's own password; the user's other sessions end."""
    if new != again:
        return _account(request, who, status=400, errors={"again": "两次输入的新密码不一致"})
    try:
        change_password(settings_of(request), who.actor, old, new, keep_session=who.session_key)
    except LoginFailed as exc:
        return _account(request, who, status=400, errors={"old": str(exc)})
    except AccessError as exc:
        return _account(request, who, status=400, errors={"new": str(exc)})
    return _account(request, who, message="密码已修改；其他已登录的浏览器需要重新登录")


@router.post("/account/tokens")
def account_token(request: Request, who: Signed,
                  label: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Make an API token; it is shown this once."""
    token = create_token(settings_of(request), who.actor, label)
    return _account(request, who, new_token=token,
                    message="令牌已创建。它只显示这一次，请立即复制保存。")


@router.post("/account/tokens/{token_id}/revoke")
def account_token_revoke(request: Request, who: Signed, token_id: TokenPath) -> Response:
    """Revoke one of one's own tokens."""
    revoke_token(settings_of(request), who.actor, token_id)
    return _account(request, who, message="令牌已撤销")
