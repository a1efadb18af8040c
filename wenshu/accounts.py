"""Managing users (用户管理): administrators add users, change roles and units, disable
them and reset passwords; the very first administrator is made from the CLI.

Every change is checked against the acting administrator (``by``) and logged in
the audit log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from wenshu.access import ROLE_LABELS, UNIT_ROLES, Actor, actor_of, authorize
from wenshu.archive.audit import record_event
from wenshu.auth import end_sessions, hash_password
from wenshu.codes import check_unit_code
from wenshu.db import as_utc, session_scope, write_scope
from wenshu.errors import AccessDenied, AccessError, NotFoundError
from wenshu.models.access_tables import USER_ROLES, User
from wenshu.models.tables import Unit
from wenshu.settings import Settings

MAX_NAME_LENGTH = 64


@dataclass(frozen=True)
class UserInfo:
    """A user as the administrator's list shows them."""

    name: str
    role: str
    role_label: str
    unit_code: str | None
    unit_name: str | None
    disabled: bool
    has_password: bool
    created_at: datetime


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise AccessError("用户名不能为空")
    if len(name) > MAX_NAME_LENGTH or any(c in name for c in "\r\n\t/\\:"):
        raise AccessError(f"用户名“{name[:20]}”无效：最多{MAX_NAME_LENGTH}个字符，"
                          "不能含斜杠、冒号或换行")
    return name


def _check_role(session: Session, role: str, unit_code: str | None) -> str | None:
    """The unit the role needs (None for roles without one); refuses bad combinations."""
    if role not in USER_ROLES:
        raise AccessError(f"没有角色“{role}”：可选 " +
                          "、".join(f"{r}（{ROLE_LABELS[r]}）" for r in USER_ROLES))
    if role not in UNIT_ROLES:
        unit_code = unit_code or None
    elif not unit_code:
        raise AccessError(f"{ROLE_LABELS[role]}须指定所在单位的代码")
    if unit_code is not None:
        check_unit_code(unit_code)
        if session.get(Unit, unit_code) is None:
            raise AccessError(f"没有单位代码“{unit_code}”：请先导入单位名录")
    return unit_code


def _administrators(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(User)
                          .where(User.role == "administrator", User.disabled.is_(False))) or 0


def create_first_administrator(settings: Settings, name: str, password: str) -> Actor:
    """Make the first administrator of a database that has none (the bootstrap step)."""
    name = _check_name(name)
    digest = hash_password(password, name)
    with write_scope(settings) as session:
        if _administrators(session):
            raise AccessDenied("已有管理员：其他用户须由管理员添加"
                               "（'wenshu --user 管理员 users add …' 或网页的用户管理）")
        if session.get(User, name) is not None:
            raise AccessError(f"用户“{name}”已存在")
        user = User(name=name, role="administrator", unit_code=None, created_at=datetime.now(UTC),
                    password_hash=digest, password_changed_at=datetime.now(UTC), disabled=False)
        session.add(user)
        session.flush()
        record_event(session, action="user", agent=name, target=f"user:{name}",
                     detail={"role": "administrator", "op": "bootstrap"})
        return actor_of(session, user)


def add_user(settings: Settings, name: str, role: str, unit_code: str | None = None, *,
             by: Actor, password: str | None = None) -> Actor:
    """Add a user (administrators only). Without a password they can act only via the CLI."""
    authorize(settings, by, "manage", target=f"user:{name.strip()}")
    name = _check_name(name)
    digest = hash_password(password, name) if password else None
    with write_scope(settings) as session:
        if session.get(User, name) is not None:
            raise AccessError(f"用户“{name}”已存在：修改角色或单位请用 'wenshu users set'")
        unit_code = _check_role(session, role, unit_code)
        now = datetime.now(UTC)
        user = User(name=name, role=role, unit_code=unit_code, created_at=now,
                    password_hash=digest, password_changed_at=now if digest else None,
                    disabled=False)
        session.add(user)
        session.flush()
        record_event(session, action="user", agent=by.name, target=f"user:{name}",
                     detail={"op": "add", "role": role, "unit": unit_code})
        return actor_of(session, user)


def update_user(settings: Settings, name: str, *, by: Actor, role: str | None = None,
                unit_code: str | None = None, disabled: bool | None = None) -> Actor:
    """Change a user's role and unit, or disable/enable them (administrators only).

    The last active administrator cannot be demoted or disabled, so a database
    never loses its way in.
    """
    authorize(settings, by, "manage", target=f"user:{name}")
    with write_scope(settings) as session:
        user = _user(session, name)
        before = {"role": user.role, "unit": user.unit_code, "disabled": user.disabled}
        new_role = role or user.role
        new_unit = _check_role(session, new_role,
                               unit_code if unit_code is not None else user.unit_code)
        losing_admin = user.role == "administrator" and not user.disabled and (
            new_role != "administrator" or disabled)
        if losing_admin and _administrators(session) <= 1:
            raise AccessError("不能停用或降级唯一的管理员：请先添加另一位管理员")
        user.role, user.unit_code = new_role, new_unit
        if disabled is not None:
            user.disabled = disabled
        if user.disabled:
            end_sessions(session, name)
        after = {"role": user.role, "unit": user.unit_code, "disabled": user.disabled}
        record_event(session, action="user", agent=by.name, target=f"user:{name}",
                     detail={"op": "update", "was": before, "now": after})
        return actor_of(session, user)


def reset_password(settings: Settings, name: str, password: str, *, by: Actor) -> None:
    """Set a user's password (administrators only); the user's sessions end."""
    authorize(settings, by, "manage", target=f"user:{name}")
    with write_scope(settings) as session:
        user = _user(session, name)
        user.password_hash = hash_password(password, name)
        user.password_changed_at = datetime.now(UTC)
        end_sessions(session, name)
        record_event(session, action="password", agent=by.name, target=f"user:{name}",
                     detail={"op": "reset"})


def list_users(settings: Settings, *, by: Actor) -> list[UserInfo]:
    """Every user, by name (administrators only)."""
    authorize(settings, by, "manage", target="users")
    with session_scope(settings) as session:
        units = dict(session.execute(sa.select(Unit.code, Unit.name)).tuples().all())
        return [UserInfo(u.name, u.role, ROLE_LABELS.get(u.role, u.role), u.unit_code,
                         units.get(u.unit_code) if u.unit_code else None, u.disabled,
                         u.password_hash is not None, as_utc(u.created_at))
                for u in session.scalars(sa.select(User).order_by(User.name))]


def _user(session: Session, name: str) -> User:
    user = session.get(User, name)
    if user is None:
        raise NotFoundError(f"没有用户“{name}”")
    return user


__all__ = ["UserInfo", "add_user", "create_first_administrator", "list_users",
           "reset_password", "update_user"]
