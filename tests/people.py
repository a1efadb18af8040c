"""Users for tests: the first administrator is made once per database, and every other
user is added by that administrator, as in a real office."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from wenshu.access import Actor, resolve_actor
from wenshu.accounts import add_user as add_by_admin
from wenshu.accounts import create_first_administrator
from wenshu.errors import AccessDenied
from wenshu.settings import Settings

ADMIN = "管理员甲"
PASSWORD = "test-password-1"


def admin(settings: Settings) -> Actor:
    """The database's administrator (made on first use)."""
    try:
        return create_first_administrator(settings, ADMIN, PASSWORD)
    except AccessDenied:
        return resolve_actor(settings, ADMIN)


def add_user(settings: Settings, name: str, role: str, unit_code: str | None = None, *,
             password: str | None = PASSWORD) -> Actor:
    """Add a user as the administrator (with the test password, so they can sign in)."""
    return add_by_admin(settings, name, role, unit_code, by=admin(settings), password=password)


def cli_admin_and_units(wenshu: Callable[..., str], folder: Path) -> None:
    """Through the CLI: the first administrator, then the small tree's units."""
    from tests import office_data

    wenshu("users", "create-admin", ADMIN, "--password-stdin", input=PASSWORD + "\n")
    wenshu("--user", ADMIN, "units", "import", str(office_data.write_units(folder)))


def cli_add_user(wenshu: Callable[..., str], name: str, role: str,
                 unit_code: str | None = None) -> None:
    """Through the CLI, as the administrator: a user with the test password."""
    unit = ["--unit", unit_code] if unit_code else []
    wenshu("--user", ADMIN, "users", "add", name, "--role", role, *unit, "--password-stdin",
           input=PASSWORD + "\n")
