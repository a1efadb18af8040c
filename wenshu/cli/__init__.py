"""The ``wenshu`` command: a thin shell over the library and its application layer.

One module per command group; :mod:`wenshu.cli.common` holds what they share.
``--user NAME`` may stand anywhere on the line (before or after the subcommand).
"""

from __future__ import annotations

import gc
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from wenshu.cli import archive, data, documents, inspect, serve, templates, users
from wenshu.settings import get_settings


def hoist_user(args: list[str]) -> list[str]:
    """Move every ``--user X`` / ``--user=X`` to the front, where the root option is parsed."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--user" and index + 1 < len(args):
            front += [arg, args[index + 1]]
            index += 2
            continue
        if arg.startswith("--user="):
            front.append(arg)
        else:
            rest.append(arg)
        index += 1
    return front + rest


class _Root(TyperGroup):
    """The root group: lets ``--user`` follow the subcommand too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> Any:
        """Parse with ``--user`` hoisted to where the root reads it."""
        return super().parse_args(ctx, hoist_user(args))


app = typer.Typer(cls=_Root, help="wenshu (文书): activity ledgers in, filed documents out.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
for group, name in ((users.app, "users"), (data.units_app, "units"),
                    (data.ledger_app, "ledger"), (data.figures_app, "figures"),
                    (data.targets_app, "targets"), (documents.summary_app, "summary"),
                    (documents.plan_app, "plan"), (inspect.app, "inspect"),
                    (inspect.checklists_app, "checklists"), (archive.app, "archive"),
                    (templates.app, "templates")):
    app.add_typer(group, name=name)
app.command()(data.collect)
app.command()(data.lines)
app.registered_commands += serve.app.registered_commands


@app.callback()
def _main(user: Annotated[str | None, typer.Option(
        "--user", help="Act as this user (default: WENSHU_USER); may follow the subcommand."
)] = None) -> None:
    # Settings read afresh for each command (a program may run several in one process),
    # and --user put in them, so flows run in this process act as the same user.
    get_settings.cache_clear()
    if user:
        get_settings().user = user


def main() -> None:
    """Entry point of the ``wenshu`` script."""
    try:
        app()
    finally:
        # At exit the interpreter collects garbage over every object the command made
        # (≈0.35 s after a document command); frozen, they are skipped and the OS frees
        # them with the process. Threads are joined and exit handlers run as before.
        gc.freeze()


__all__ = ["app", "hoist_user", "main"]
