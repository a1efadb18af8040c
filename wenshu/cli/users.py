"""``wenshu users``: the first administrator, then users managed by administrators."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from wenshu.cli.common import acting, console, reported, settings, unit_code

app = typer.Typer(help="Users and their roles (clerk, supervisor, archivist, administrator).",
                  no_args_is_help=True)

PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from standard input (for scripts).")]


def _password(from_stdin: bool, *, required: bool = True) -> str | None:
    """A new password: one line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not required and not sys.stdin.isatty():
        return None
    return str(typer.prompt("Password (密码)", hide_input=True, confirmation_prompt=True))


@app.command("create-admin")
def create_admin(name: str, password_stdin: PasswordStdin = False) -> None:
    """Create the first administrator of a database that has none (the bootstrap step)."""
    from wenshu.accounts import create_first_administrator

    current = settings()
    password = _password(password_stdin)
    assert password is not None
    with reported():
        actor = create_first_administrator(current, name, password)
    console.print(f"{actor.name}: administrator (管理员); sign in to 'wenshu web' with this "
                  "password, or act with --user", soft_wrap=True)


@app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="clerk, supervisor, archivist or administrator.")],
    unit: Annotated[str | None, typer.Option(
        help="The unit they act for (with the units under it); clerks and supervisors.")] = None,
    password_stdin: PasswordStdin = False,
    no_password: Annotated[bool, typer.Option(
        "--no-password", help="No web login for now (an administrator can set one later).")
    ] = False,
) -> None:
    """Add a user (administrators only: --user ADMIN)."""
    from wenshu.accounts import add_user

    current = settings()
    admin = acting(current)
    if unit is not None:
        unit_code(unit)
    password = None if no_password else _password(password_stdin, required=False)
    with reported():
        actor = add_user(current, name, role, unit, by=admin, password=password)
    console.print(f"{actor.name}: {actor.role} ({actor.role_label})"
                  + (f" of unit {actor.unit_code}" if actor.unit_code else "")
                  + ("" if password else "; no password yet (CLI only)"))


@app.command("set")
def users_set(
    name: str,
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    unit: Annotated[str | None, typer.Option(help="New unit code.")] = None,
    disable: Annotated[bool | None, typer.Option(
        "--disable/--enable", help="Stop (or allow again) the user from acting.")] = None,
) -> None:
    """Change a user's role or unit, or disable or enable them (administrators only)."""
    from wenshu.accounts import update_user

    current = settings()
    admin = acting(current)
    if unit is not None:
        unit_code(unit)
    with reported():
        actor = update_user(current, name, by=admin, role=role, unit_code=unit, disabled=disable)
    state = " (disabled)" if disable else ""
    console.print(f"{actor.name}: {actor.role} ({actor.role_label})"
                  + (f" of unit {actor.unit_code}" if actor.unit_code else "") + state)


@app.command("password")
def users_password(name: str, password_stdin: PasswordStdin = False) -> None:
    """Set a user's password (administrators only); their browser sessions end."""
    from wenshu.accounts import reset_password

    current = settings()
    admin = acting(current)
    password = _password(password_stdin)
    assert password is not None
    with reported():
        reset_password(current, name, password, by=admin)
    console.print(f"{name}: password set")


@app.command("list")
def users_list() -> None:
    """Every user with their role and unit (administrators only)."""
    from wenshu.accounts import list_users

    current = settings()
    admin = acting(current)
    with reported():
        users = list_users(current, by=admin)
    table = Table("name", "role", "unit", "web login", "state")
    for user in users:
        unit = f"{user.unit_name} {user.unit_code}" if user.unit_code else "—"
        table.add_row(user.name, f"{user.role} {user.role_label}", unit,
                      "yes" if user.has_password else "no",
                      "disabled" if user.disabled else "active")
    console.print(table)
