"""Proving who someone is (登录): passwords, login throttling, browser sessions, API tokens.

- Passwords are hashed with Argon2id (argon2-cffi); hashes are upgraded when the
  parameters change.
- Logins are throttled from the audit log itself: after
  :data:`MAX_FAILURES` failed logins for a name, or :data:`CLIENT_MAX_FAILURES`
  from one client address, within :data:`THROTTLE_WINDOW`, further attempts are
  refused until the window has passed. Every login, failed login and refusal is an
  audit event.
- A browser session is a random key in an HttpOnly cookie; the database keeps only
  its SHA-256, the user, and the session's CSRF token. Sessions end on logout, after
  :data:`SESSION_IDLE` without use or :data:`SESSION_MAX` in all, and when the
  user's password changes or the user is disabled.
- An API token is shown once when made; the database keeps its SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from wenshu.access import Actor, actor_of
from wenshu.archive.audit import log_event, record_event
from wenshu.db import as_utc, session_scope, write_scope
from wenshu.errors import AccessError, NotFoundError
from wenshu.models.access_tables import ApiToken, AuditEvent, User, WebSession
from wenshu.settings import Settings

MIN_PASSWORD_LENGTH = 8
MAX_FAILURES = 5
CLIENT_MAX_FAILURES = 20
THROTTLE_WINDOW = timedelta(minutes=15)
SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(hours=12)
# last_seen_at is written at most this often, so reading pages costs no writes.
_TOUCH_EVERY = timedelta(minutes=5)
TOKEN_PREFIX = "ws_"

_hasher = PasswordHasher()
# Verified against when the name is unknown, so both answers take as long.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class LoginFailed(AccessError):
    """Wrong name or password (which of the two is not said)."""


class LoginThrottled(AccessError):
    """Too many failed logins recently; the attempt was not even checked."""


@dataclass(frozen=True)
class BrowserSession:
    """A signed-in browser as a request sees it."""

    actor: Actor
    csrf_token: str


@dataclass(frozen=True)
class TokenInfo:
    """An API token as its owner sees it (never the token itself)."""

    id: int
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_password_policy(password: str, name: str = "") -> None:
    """Refuse a password that is too short or is the user's name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError(f"密码至少需要{MIN_PASSWORD_LENGTH}个字符")
    if name and password.strip() == name.strip():
        raise AccessError("密码不能与用户名相同")


def hash_password(password: str, name: str = "") -> str:
    """The Argon2id hash of a password that meets the policy."""
    check_password_policy(password, name)
    return _hasher.hash(password)


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _recent_failures(session: Session, *, name: str, client: str) -> tuple[int, int]:
    """Failed logins within the window: for this name, and from this client."""
    since = _now() - THROTTLE_WINDOW
    failed = (sa.select(AuditEvent.target, AuditEvent.detail)
              .where(AuditEvent.action == "login", AuditEvent.outcome == "failed",
                     AuditEvent.at >= since))
    by_name = by_client = 0
    marker = f'"client": "{client}"'
    for target, detail in session.execute(failed):
        by_name += target == f"user:{name}"
        by_client += bool(client) and marker in detail
    return by_name, by_client


def login(settings: Settings, name: str, password: str, *, client: str = "") -> Actor:
    """Check a name and password; every outcome is an audit event.

    Raises :class:`LoginThrottled` after too many recent failures (for the name or
    from the client), :class:`LoginFailed` for a wrong name or password or a
    disabled user.
    """
    name = name.strip()
    target = f"user:{name}"
    detail = {"client": client}
    with session_scope(settings) as session:
        by_name, by_client = _recent_failures(session, name=name, client=client)
        user = session.get(User, name)
        stored = user.password_hash if user is not None else None
    if by_name >= MAX_FAILURES or by_client >= CLIENT_MAX_FAILURES:
        log_event(settings, action="login", agent=name or "?", target=target, outcome="refused",
                  detail={**detail, "reason": "throttled"})
        minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
        raise LoginThrottled(f"登录失败次数过多，请{minutes}分钟后再试")
    ok = _verify(stored, password)
    if not ok or user is None or user.disabled:
        log_event(settings, action="login", agent=name or "?", target=target, outcome="failed",
                  detail={**detail, **({"reason": "disabled"} if ok else {})})
        raise LoginFailed("用户名或密码错误" if not ok or user is None else "该用户已停用")
    with write_scope(settings) as session:
        user = session.get(User, name)
        assert user is not None
        if _hasher.check_needs_rehash(user.password_hash or ""):
            user.password_hash = _hasher.hash(password)
        record_event(session, action="login", agent=name, target=target, detail=detail)
        return actor_of(session, user)


def open_session(settings: Settings, actor: Actor) -> tuple[str, str]:
    """Start a browser session: ``(cookie key, CSRF token)``."""
    key, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()
    with write_scope(settings) as session:
        session.add(WebSession(key_sha256=_sha256(key), user_name=actor.name, csrf_token=csrf,
                               created_at=now, last_seen_at=now))
    return key, csrf


def session_of(settings: Settings, key: str) -> BrowserSession | None:
    """The live session a cookie key belongs to, or None (unknown, expired, user disabled)."""
    if not key:
        return None
    now = _now()
    with session_scope(settings) as session:
        row = session.get(WebSession, _sha256(key))
        if row is None:
            return None
        user = session.get(User, row.user_name)
        expired = (now - as_utc(row.last_seen_at) > SESSION_IDLE
                   or now - as_utc(row.created_at) > SESSION_MAX)
        if expired or user is None or user.disabled:
            session.delete(row)
            return None
        if now - as_utc(row.last_seen_at) > _TOUCH_EVERY:
            row.last_seen_at = now
        return BrowserSession(actor_of(session, user), row.csrf_token)


def close_session(settings: Settings, key: str) -> None:
    """End a browser session (logout) and log it."""
    with write_scope(settings) as session:
        row = session.get(WebSession, _sha256(key))
        if row is None:
            return
        record_event(session, action="logout", agent=row.user_name,
                     target=f"user:{row.user_name}")
        session.delete(row)


def end_sessions(session: Session, user_name: str, *, keep: str | None = None) -> None:
    """End every browser session of a user (except the one with cookie key ``keep``)."""
    query = sa.delete(WebSession).where(WebSession.user_name == user_name)
    if keep:
        query = query.where(WebSession.key_sha256 != _sha256(keep))
    session.execute(query)


def change_password(settings: Settings, actor: Actor, old: str, new: str, *,
                    keep_session: str | None = None) -> None:
    """Change one's own password; other sessions of the user end."""
    with write_scope(settings) as session:
        user = session.get(User, actor.name)
        if user is None:
            raise NotFoundError(f"没有用户“{actor.name}”")
        if not _verify(user.password_hash, old):
            record_event(session, action="password", agent=actor.name, outcome="failed",
                         target=f"user:{actor.name}", detail={"reason": "wrong old password"})
            raise LoginFailed("原密码不正确")
        user.password_hash = hash_password(new, actor.name)
        user.password_changed_at = _now()
        end_sessions(session, actor.name, keep=keep_session)
        record_event(session, action="password", agent=actor.name, target=f"user:{actor.name}")


def create_token(settings: Settings, actor: Actor, label: str) -> str:
    """Make an API token for ``actor``; the returned text is shown once and never stored."""
    label = label.strip() or "API"
    if len(label) > 100:
        raise AccessError("令牌名称最多100个字符")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_scope(settings) as session:
        row = ApiToken(user_name=actor.name, label=label, prefix=token[:10],
                       token_sha256=_sha256(token), created_at=_now())
        session.add(row)
        session.flush()
        record_event(session, action="token", agent=actor.name, target=f"user:{actor.name}",
                     detail={"token": row.id, "label": label, "op": "create"})
    return token


def list_tokens(settings: Settings, actor: Actor) -> list[TokenInfo]:
    """The actor's own tokens, newest first."""
    with session_scope(settings) as session:
        rows = session.scalars(sa.select(ApiToken).where(ApiToken.user_name == actor.name)
                               .order_by(ApiToken.id.desc()))
        return [TokenInfo(r.id, r.label, r.prefix, as_utc(r.created_at),
                          as_utc(r.last_used_at) if r.last_used_at else None,
                          r.revoked_at is not None) for r in rows]


def revoke_token(settings: Settings, actor: Actor, token_id: int) -> None:
    """Revoke one of the actor's own tokens."""
    with write_scope(settings) as session:
        row = session.get(ApiToken, token_id)
        if row is None or row.user_name != actor.name:
            raise NotFoundError(f"没有编号为{token_id}的令牌")
        if row.revoked_at is None:
            row.revoked_at = _now()
            record_event(session, action="token", agent=actor.name, target=f"user:{actor.name}",
                         detail={"token": row.id, "op": "revoke"})


def token_actor(settings: Settings, token: str) -> Actor | None:
    """The user an API token acts for, or None (unknown, revoked, user disabled)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with session_scope(settings) as session:
        row = session.scalars(sa.select(ApiToken)
                              .where(ApiToken.token_sha256 == _sha256(token))).first()
        if row is None or row.revoked_at is not None:
            return None
        # Constant-time comparison of what was looked up, for good measure.
        if not hmac.compare_digest(row.token_sha256, _sha256(token)):
            return None
        user = session.get(User, row.user_name)
        if user is None or user.disabled:
            return None
        now = _now()
        if row.last_used_at is None or now - as_utc(row.last_used_at) > _TOUCH_EVERY:
            row.last_used_at = now
        return actor_of(session, user)


__all__ = ["BrowserSession", "LoginFailed", "LoginThrottled", "TokenInfo", "change_password",
           "check_password_policy", "close_session", "create_token", "end_sessions",
           "hash_password", "list_tokens", "login", "open_session", "revoke_token",
           "session_of", "token_actor"]
