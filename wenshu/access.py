"""Who may do what (权限): roles, the unit subtree each may act on, and the one check.

Four roles, as the offices work:

- clerk (办事员): their own unit and the units below it: see how the unit is doing
  (overview), enter data (ledgers, figures, targets), generate documents, view
  drafts and filed records, download them, file them;
- supervisor (督导): the same over their subtree, plus inspections;
- archivist (档案员): every unit's filed records (never drafts): view, download,
  search, verify, export and import transfer packages, dispose of records past
  retention;
- administrator (管理员): users, the unit tree and the offices' own Word templates
  (``manage_templates``), nothing else.

Users live in the database (:mod:`wenshu.accounts` manages them). Every library
entry point that reads or changes data asks :func:`authorize`, so the CLI, the
flows, the web pages and the API get the same rules; a refusal is written to the
audit log in its own transaction before :class:`~wenshu.errors.AccessDenied` is
raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from wenshu.archive.audit import ACTION_LABELS, log_event
from wenshu.compute.load import load_units, subtree_codes
from wenshu.db import session_scope
from wenshu.errors import AccessDenied, AccessError, NotFoundError
from wenshu.models.access_tables import User
from wenshu.settings import Settings

ROLE_LABELS = {"clerk": "办事员", "supervisor": "督导", "archivist": "档案员",
               "administrator": "管理员"}
_OFFICE = frozenset({"overview", "generate", "view", "download", "file", "submit"})
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "clerk": _OFFICE,
    "supervisor": _OFFICE | {"inspect"},
    "archivist": frozenset({"view", "download", "export", "import", "verify", "dispose"}),
    "administrator": frozenset({"manage", "manage_templates"}),
}
# Roles that act for a unit (and its subtree); the others act across the whole tree.
UNIT_ROLES = ("clerk", "supervisor")


@dataclass(frozen=True)
class Actor:
    """A user as access checks see them."""

    name: str
    role: str
    unit_code: str | None
    units: frozenset[str] | None  # the units they may act on; None: every unit
    unit_name: str | None = None  # their unit's name, for pages; None without a unit

    @property
    def sees_drafts(self) -> bool:
        """Whether unfiled versions are visible: not to archivists, who keep records."""
        return self.role in UNIT_ROLES

    @property
    def role_label(self) -> str:
        """The role's Chinese name."""
        return ROLE_LABELS.get(self.role, self.role)

    def may(self, action: str) -> bool:
        """Whether the role allows ``action`` at all (on some unit)."""
        return action in ROLE_ACTIONS.get(self.role, frozenset())

    def covers(self, unit_code: str) -> bool:
        """Whether ``unit_code`` is one of the units this user acts for."""
        return self.units is None or unit_code in self.units

    def refusal(self, action: str, unit_code: str | None = None, *,
                filed: bool | None = None) -> str | None:
        """Why ``action`` on ``unit_code``'s data is refused, or None when it is allowed.

        ``filed`` says whether the version acted on is filed (or superseded, or
        disposed); a draft is not an archivist's to see.
        """
        if not self.may(action):
            return f"{self.name}（{self.role_label}）无权{ACTION_LABELS.get(action, action)}"
        if filed is False and not self.sees_drafts:
            return f"{self.name}是{self.role_label}：文件归档前是草稿，不是档案，不能查看"
        if unit_code is not None and not self.covers(unit_code):
            return (f"{self.name}负责单位 {self.unit_code} 及其下属单位，"
                    f"不能操作单位 {unit_code} 的数据")
        return None


def resolve_actor(settings: Settings, name: str | None = None) -> Actor:
    """The user ``name`` (default: ``settings.user``, i.e. ``WENSHU_USER`` or ``--user``).

    Raises :class:`AccessError` for no name, an unknown user or a disabled one.
    """
    name = name or settings.user
    if not name:
        raise AccessError("请指明操作人：--user 用户名，或设置 WENSHU_USER"
                          "（用户由管理员用 'wenshu users add' 添加）")
    with session_scope(settings) as session:
        user = session.get(User, name)
        if user is None:
            raise AccessError(f"没有用户“{name}”（用户由管理员用 'wenshu users add' 添加）")
        if user.disabled:
            raise AccessError(f"用户“{name}”已停用")
        return actor_of(session, user)


def authorize(settings: Settings, actor: Actor, action: str, unit_code: str | None = None, *,
              filed: bool | None = None, target: str = "") -> None:
    """Allow ``action`` or log the refusal and raise :class:`AccessDenied`.

    An unknown unit is :class:`NotFoundError` (not a refusal) for those who could
    act on it, so a typo reads as a typo.
    """
    reason = actor.refusal(action, unit_code, filed=filed)
    if reason is None:
        return
    if unit_code is not None and not actor.covers(unit_code):
        with session_scope(settings) as session:
            if unit_code not in load_units(session):
                raise NotFoundError(f"没有单位代码“{unit_code}”")
    log_event(settings, action=action, agent=actor.name, outcome="refused",
              target=target or (f"unit:{unit_code}" if unit_code else ""),
              detail={"role": actor.role, "reason": reason})
    raise AccessDenied(f"拒绝：{reason}")


def actor_of(session: Session, user: User) -> Actor:
    """The :class:`Actor` for a stored user, with the units they act for."""
    if user.unit_code is None:
        return Actor(user.name, user.role, None, None)
    tree = load_units(session)
    units = frozenset(subtree_codes(tree, user.unit_code)) if user.role in UNIT_ROLES else None
    known = tree.get(user.unit_code)
    return Actor(user.name, user.role, user.unit_code, units, known.name if known else None)


__all__ = ["Actor", "ROLE_ACTIONS", "ROLE_LABELS", "UNIT_ROLES", "actor_of", "authorize",
           "resolve_actor"]
