"""The administrator's pages: users (add, change role and unit, disable, reset password)
and the unit tree (view, import)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from wenshu.access import ROLE_LABELS
from wenshu.accounts import add_user, list_users, reset_password, update_user
from wenshu.errors import AccessDenied, AccessError
from wenshu.services import overview
from wenshu.services.data import import_upload
from wenshu.uploads import get_upload, save_upload
from wenshu.web.pages.data import read_limited
from wenshu.web.params import UNIT_PATTERN
from wenshu.web.security import Caller, caller, requires, settings_of
from wenshu.web.templating import page

router = APIRouter(include_in_schema=False)
Signed = Annotated[Caller, Depends(caller)]
NameField = Annotated[str, Form(min_length=1, max_length=64)]
RoleField = Annotated[str, Form(pattern="^(clerk|supervisor|archivist|administrator)$")]
UnitField = Annotated[str, Form(pattern=f"^$|{UNIT_PATTERN}")]


def _users_page(request: Request, who: Caller, *, status: int = 200, message: str = "",
                errors: dict[str, str] | None = None) -> Response:
    settings = settings_of(request)
    users = list_users(settings, by=who.actor)
    # The unit fields suggest codes by code or name: an administrator need not know them.
    units = overview.actor_units(settings, who.actor)
    return page(request, "admin_users.html", {"users": users, "roles": ROLE_LABELS,
                                              "units": units, "message": message,
                                              "errors": errors or {}}, status=status)


@router.get("/admin/users")
def users_page(request: Request, who: Signed) -> Response:
    """Every user, and the form to add one."""
    return _users_page(request, who)


@router.post("/admin/users")
def users_add(request: Request, who: Signed, name: NameField, role: RoleField,
              unit_code: UnitField = "",
              password: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Add a user."""
    try:
        added = add_user(settings_of(request), name, role, unit_code or None, by=who.actor,
                         password=password or None)
    except AccessDenied:
        raise
    except AccessError as exc:
        return _users_page(request, who, status=400, errors={"add": str(exc)})
    return _users_page(request, who, message=f"已添加用户 {added.name}（{added.role_label}）")


@router.post("/admin/users/{name}")
def users_update(request: Request, who: Signed, name: str, role: RoleField,
                 unit_code: UnitField = "",
                 disabled: Annotated[bool, Form()] = False) -> Response:
    """Change a user's role and unit, or disable or enable them."""
    try:
        changed = update_user(settings_of(request), name, by=who.actor, role=role,
                              unit_code=unit_code or None, disabled=disabled)
    except AccessDenied:
        raise
    except AccessError as exc:
        return _users_page(request, who, status=400, errors={name: str(exc)})
    state = "（已停用）" if disabled else ""
    return _users_page(request, who, message=f"已更新用户 {changed.name}：{changed.role_label}{state}")


@router.post("/admin/users/{name}/password")
def users_password(request: Request, who: Signed, name: str,
                   password: Annotated[str, Form(max_length=200)]) -> Response:
    """Set a user's password; their sessions end."""
    try:
        reset_password(settings_of(request), name, password, by=who.actor)
    except AccessDenied:
        raise
    except AccessError as exc:
        return _users_page(request, who, status=400, errors={name: str(exc)})
    return _users_page(request, who, message=f"已重置 {name} 的密码")


@router.get("/admin/units")
def units_page(request: Request, who: Annotated[Caller, Depends(requires("manage"))]
               ) -> Response:
    """The unit tree, and the form to import units."""
    units = overview.actor_units(settings_of(request), who.actor)
    return page(request, "admin_units.html", {"units": units, "outcome": None,
                                              "levels": overview.LEVEL_LABELS})


@router.post("/admin/units")
async def units_import(request: Request, who: Signed,
                       file: Annotated[UploadFile, File()]) -> Response:
    """Import a units file; all rows or nothing, every bad row shown."""
    from starlette.concurrency import run_in_threadpool

    settings = settings_of(request)
    data = await read_limited(file)
    upload = await run_in_threadpool(save_upload, settings, who.actor, "units",
                                     file.filename or "", data)
    outcome = await run_in_threadpool(import_upload, settings, who.actor, upload)
    units = await run_in_threadpool(overview.actor_units, settings, who.actor)
    upload = await run_in_threadpool(get_upload, settings, who.actor, upload.id)
    return page(request, "admin_units.html", {"units": units, "outcome": outcome,
                                              "upload": upload, "levels": overview.LEVEL_LABELS},
                status=400 if outcome["status"] == "rejected" else 200)
