"""Who may do what (权限): users, their roles, and the unit subtree each may act on.

Three roles, as the offices work:

- clerk (办事员): their own unit and the units below it: generate documents, view
  drafts and filed records, download them, file them;
- supervisor (督导): the same over their subtree, plus inspections;
- archivist (档案员): every unit's filed records (never drafts): view, download,
  search, verify, export and import transfer packages, dispose of records past
  retention.

Users live in the database. Every library entry point that reads or changes
documents asks :func:`authorize`, so the CLI, flows and any API get the same
rules; a refusal is written to the audit log in its own transaction before
:class:`~wenshu.errors.AccessDenied` is raised.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wenshu.archive.audit import log_event, record_event
from wenshu.compute.load import load_units, subtree_codes
from wenshu.db import session_scope, write_scope
from wenshu.errors import AccessDenied, AccessError, NotFoundError
from wenshu.models.tables import USER_ROLES, User
from wenshu.settings import Settings

ROLE_LABELS = {"clerk": "办事员", "supervisor": "督导", "archivist": "档案员"}
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "clerk": frozenset({"generate", "view", "download", "file"}),
    "supervisor": frozenset({"generate", "view", "download", "file", "inspect"}),
    "archivist": frozenset({"view", "download", "export", "import", "verify", "dispose"}),
}


@dataclass(frozen=True)
class Actor:
    """A user as access checks see them."""

    name: str
    role: str
    unit_code: str | None
    units: frozenset[str] | None  # the units they may act on; None: every unit

    @property
    def sees_drafts(self) -> bool:
        """Whether unfiled versions are visible: not to archivists, who keep records."""
        return self.role != "archivist"

    def refusal(self, action: str, unit_code: str | None = None, *,
                filed: bool | None = None) -> str | None:
        """Why ``action`` on ``unit_code``'s document is refused, or None when it is allowed.

        ``filed`` says whether the version acted on is filed (or superseded, or
        disposed); a draft is not an archivist's to see.
        """
        role = ROLE_LABELS.get(self.role, self.role)
        if action not in ROLE_ACTIONS.get(self.role, frozenset()):
            return f"{self.name} ({role}, {self.role}) may not {action}"
        if filed is False and not self.sees_drafts:
            return f"{self.name} is an archivist: drafts are not archive records until filed"
        if unit_code is not None and self.units is not None and unit_code not in self.units:
            return (f"{self.name} acts for unit {self.unit_code} and the units under it, "
                    f"not for unit {unit_code}")
        return None


def add_user(settings: Settings, name: str, role: str, unit_code: str | None = None, *,
             by: str | None = None) -> Actor:
    """Create a user (or change an existing one's role and unit) and log it.

    Clerks and supervisors need a unit; an archivist's unit is optional and only
    informative (they see every unit's filed records).
    """
    name = name.strip()
    if not name:
        raise AccessError("a user needs a name")
    if role not in USER_ROLES:
        raise AccessError(f"unknown role {role!r}: use one of {', '.join(USER_ROLES)}")
    if role != "archivist" and not unit_code:
        raise AccessError(f"a {role} acts for a unit: give the unit code")
    with write_scope(settings) as session:
        if unit_code is not None and unit_code not in load_units(session):
            raise AccessError(f"unknown unit code {unit_code!r}: import the unit tree first")
        user = session.get(User, name)
        previous = None if user is None else (user.role, user.unit_code)
        if user is None:
            user = User(name=name, role=role, unit_code=unit_code, created_at=datetime.now(UTC))
            session.add(user)
        else:
            user.role, user.unit_code = role, unit_code
        session.flush()
        record_event(session, action="user", agent=by or getpass.getuser(), target=f"user:{name}",
                     detail={"role": role, "unit": unit_code,
                             **({"was": list(previous)} if previous else {})})
        return _actor(session, user)


def list_users(settings: Settings) -> list[Actor]:
    """Every user, by name."""
    with session_scope(settings) as session:
        return [_actor(session, u) for u in session.scalars(select(User).order_by(User.name))]


def resolve_actor(settings: Settings, name: str | None = None) -> Actor:
    """The user ``name`` (default: ``settings.user``, i.e. ``WENSHU_USER`` or ``--user``)."""
    name = name or settings.user
    if not name:
        raise AccessError("who is acting? give --user NAME or set WENSHU_USER "
                          "(users are added with 'wenshu users add')")
    with session_scope(settings) as session:
        user = session.get(User, name)
        if user is None:
            raise AccessError(f"unknown user {name!r} (add them with 'wenshu users add')")
        return _actor(session, user)


def authorize(settings: Settings, actor: Actor, action: str, unit_code: str | None = None, *,
              filed: bool | None = None, target: str = "") -> None:
    """Allow ``action`` or log the refusal and raise :class:`AccessDenied`."""
    reason = actor.refusal(action, unit_code, filed=filed)
    if reason is None:
        return
    if unit_code is not None and actor.units is not None and unit_code not in actor.units:
        with session_scope(settings) as session:
            if unit_code not in load_units(session):
                raise NotFoundError(f"unknown unit code {unit_code!r}")
    log_event(settings, action=action, agent=actor.name, outcome="refused",
              target=target or (f"unit:{unit_code}" if unit_code else ""),
              detail={"role": actor.role, "reason": reason})
    raise AccessDenied(f"refused: {reason}")


def _actor(session: Session, user: User) -> Actor:
    units = None
    if user.role != "archivist" and user.unit_code is not None:
        units = frozenset(subtree_codes(load_units(session), user.unit_code))
    return Actor(user.name, user.role, user.unit_code, units)


__all__ = ["Actor", "ROLE_ACTIONS", "add_user", "authorize", "list_users", "resolve_actor"]
