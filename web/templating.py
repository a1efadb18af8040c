"""Server-rendered pages: the Jinja environment, the navigation per role, and :func:`page`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from wenshu.archive.audit import ACTION_LABELS, OUTCOME_LABELS, target_label
from wenshu.archive.metadata import FORMAT_LABELS, RETENTION_NAMES, STATUS_LABELS
from wenshu.models.checklist_schema import threshold_text
from wenshu.web.security import Caller

TEMPLATES = Path(str(files("wenshu.web") / "templates"))
LOCAL_TIME = ZoneInfo("Asia/Shanghai")
HTMX = "htmx-2.0.11.min.js"

# (path, label, roles that see it)
NAVIGATION = (
    ("/", "首页", ("clerk", "supervisor")),
    ("/data/upload", "上传台账", ("clerk", "supervisor")),
    ("/documents/new", "生成文书", ("clerk", "supervisor")),
    ("/inspections", "检查考核", ("supervisor",)),
    ("/archive", "档案检索", ("clerk", "supervisor", "archivist")),
    ("/archive/verify", "四性检测", ("archivist",)),
    ("/archive/transfer", "移交导出", ("archivist",)),
    ("/archive/due", "到期鉴定", ("archivist",)),
    ("/admin/users", "用户管理", ("administrator",)),
    ("/admin/units", "单位名录", ("administrator",)),
    ("/account", "我的账户", ("clerk", "supervisor", "archivist", "administrator")),
)


def _local(moment: datetime | None) -> str:
    """A stored UTC time as the office reads it: 2026-01-15 09:30."""
    if moment is None:
        return "—"
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")


def _day(value: date | None) -> str:
    return "—" if value is None else f"{value.year}年{value.month}月{value.day}日"


def _number(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                          autoescape=select_autoescape(default=True, default_for_string=True),
                          trim_blocks=True, lstrip_blocks=True)
environment.filters.update(local=_local, day=_day, number=_number, size=_size,
                           audit_target=target_label, threshold=threshold_text)


def _kind_labels() -> dict[str, str]:
    from wenshu.generators.kinds import registered_kinds

    return {key: kind.label for key, kind in registered_kinds().items()}


environment.globals.update(kind_labels=_kind_labels(), status_labels=STATUS_LABELS,
                           retention_labels=RETENTION_NAMES, format_labels=FORMAT_LABELS,
                           action_labels=ACTION_LABELS, outcome_labels=OUTCOME_LABELS)


def navigation(caller: Caller | None) -> list[tuple[str, str]]:
    """The menu for the caller's role."""
    if caller is None:
        return []
    return [(path, label) for path, label, roles in NAVIGATION if caller.actor.role in roles]


def current_item(nav: list[tuple[str, str]], path: str) -> str:
    """The menu item a page belongs to: the longest one whose path is the page's or a
    folder above it (四性检测 at /archive/verify, not 档案检索 at /archive too)."""
    def covers(href: str) -> bool:
        return path == href or (href != "/" and path.startswith(href.rstrip("/") + "/"))

    return max((href for href, _ in nav if covers(href)), key=len, default="")


def page(request: Request, template: str, context: dict[str, Any] | None = None, *,
         status: int = 200) -> HTMLResponse:
    """Render a page (or an htmx fragment) with the caller, CSRF token and menu."""
    caller: Caller | None = getattr(request.state, "caller", None)
    nav = navigation(caller)
    values = {"request": request, "caller": caller, "user": caller.actor if caller else None,
              "csrf": caller.csrf_token if caller else "", "nav": nav,
              "nav_current": current_item(nav, request.url.path), "htmx": HTMX,
              "message": "", "errors": {},
              **(context or {})}
    html = environment.get_template(template).render(values)
    return HTMLResponse(html, status_code=status)


__all__ = ["environment", "navigation", "page"]
