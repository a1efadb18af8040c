"""The audit log (审计日志): every filing, view, download, export, check and disposal.

Events are only ever appended: database triggers refuse to update or delete
them (migration 0006), and each event's SHA-256 covers the previous event's, so
an event removed or altered behind the database's back breaks the chain that
:func:`check_chain` walks. An event is written in the caller's transaction when
it records something that transaction does (a filing commits with its event),
or in a transaction of its own (:func:`log_event`) when it must outlive a
failure, such as a refusal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from wenshu.db import as_utc, serialise, session_scope, write_scope
from wenshu.models.access_tables import AuditEvent
from wenshu.settings import Settings

ACTIONS = ("file", "view", "download", "export", "import", "verify", "dispose", "generate",
           "inspect", "user", "submit", "manage", "login", "logout", "password", "token",
           "request", "overview", "manage_templates")
OUTCOMES = ("ok", "refused", "failed")
OUTCOME_LABELS = {"ok": "成功", "refused": "拒绝", "failed": "失败"}
GENESIS = "0" * 64
ACTION_LABELS = {"file": "归档", "view": "查看", "download": "下载", "export": "移交导出",
                 "import": "导入", "verify": "四性检测", "dispose": "销毁", "generate": "生成",
                 "inspect": "检查", "user": "用户管理", "submit": "报送数据",
                 "manage": "管理用户和单位", "login": "登录", "logout": "退出登录",
                 "password": "设置密码", "token": "API令牌", "request": "网页请求",
                 "overview": "查看单位工作情况", "manage_templates": "管理模板"}
# What an event's target names, before its colon (a filing's target is its 档号 alone).
TARGET_LABELS = {"document": "文档", "year": "年度", "user": "用户", "package": "移交包",
                 "template": "模板"}
# Appends take turns under this lock (:func:`wenshu.db.serialise`): each chains to the last.
_LOCK = "audit_events"


@dataclass(frozen=True)
class Event:
    """One audit event as read back."""

    id: int
    at: datetime
    agent: str
    action: str
    outcome: str
    target: str
    detail: Mapping[str, Any]
    digest: str


def target_label(target: str) -> str:
    """An event's target as users read it: ``document:12`` is 文档 12; a 档号 stays as it is."""
    kind, colon, rest = target.partition(":")
    label = TARGET_LABELS.get(kind) if colon else None
    return f"{label} {rest}" if label else target


def event_digest(prev_digest: str, at: datetime, agent: str, action: str, outcome: str,
                 target: str, detail: str) -> str:
    """The SHA-256 chaining one event to the one before it."""
    payload = json.dumps([prev_digest, as_utc(at).isoformat(), agent, action, outcome, target,
                          detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record_event(session: Session, *, action: str, agent: str, target: str = "",
                 outcome: str = "ok", detail: Mapping[str, Any] | None = None,
                 at: datetime | None = None) -> Event:
    """Append an event in the caller's transaction; it commits (or not) with it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    serialise(session, _LOCK)
    last = session.execute(sa.select(AuditEvent.digest).order_by(AuditEvent.id.desc())
                           .limit(1)).scalar()
    prev = last or GENESIS
    moment = at or datetime.now(UTC)
    body = json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True, default=str)
    row = AuditEvent(at=moment, agent=agent, action=action, outcome=outcome, target=target[:200],
                     detail=body, prev_digest=prev,
                     digest=event_digest(prev, moment, agent, action, outcome, target[:200],
                                         body))
    session.add(row)
    session.flush()
    return _event(row)


def log_event(settings: Settings, **fields: Any) -> Event:
    """Append an event in a transaction of its own (see :func:`record_event`)."""
    with write_scope(settings) as session:
        return record_event(session, **fields)


def events(settings: Settings, *, action: str | None = None, target: str | None = None,
           agent: str | None = None, outcome: str | None = None,
           limit: int | None = None) -> list[Event]:
    """Events matching the filters, oldest first (the last ``limit`` of them if given)."""
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    for column, value in ((AuditEvent.action, action), (AuditEvent.target, target),
                          (AuditEvent.agent, agent), (AuditEvent.outcome, outcome)):
        if value is not None:
            query = query.where(column == value)
    if limit is not None:
        query = query.limit(limit)
    with session_scope(settings) as session:
        return [_event(row) for row in reversed(session.scalars(query).all())]


def check_chain(settings: Settings) -> list[str]:
    """Problems with the log's chain of digests, in order; empty when it is whole."""
    problems: list[str] = []
    prev = GENESIS
    with session_scope(settings) as session:
        for row in session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)
                                   .execution_options(yield_per=1000)):
            if row.prev_digest != prev:
                problems.append(f"审计记录 #{row.id} 与前一条记录接不上（有记录被删除或调换）")
            expected = event_digest(row.prev_digest, row.at, row.agent, row.action, row.outcome,
                                    row.target, row.detail)
            if row.digest != expected:
                problems.append(f"审计记录 #{row.id} 写入后被改动")
            prev = row.digest
    return problems


def _event(row: AuditEvent) -> Event:
    return Event(row.id, as_utc(row.at), row.agent, row.action, row.outcome, row.target,
                 json.loads(row.detail), row.digest)

