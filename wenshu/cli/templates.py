"""``wenshu templates``: check an office's own Word template, install it for a kind and a
unit (administrators), list and remove installed ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from wenshu.cli.common import acting, console, reported, settings, unit_code

app = typer.Typer(help="Word templates offices own (模板).", no_args_is_help=True)

KindOption = Annotated[str, typer.Option(
    "--kind", help="Document kind (year_summary, half_year_summary, work_plan …).")]
ScopeOption = Annotated[str | None, typer.Option(
    "--unit", help="Unit code: that unit and the units under it (default: every unit).")]


def _kind(key: str) -> str:
    """A --kind value, checked before anything else runs."""
    from wenshu.generators.kinds import registered_kinds

    kinds = registered_kinds()
    if key not in kinds:
        raise typer.BadParameter(f"unknown kind {key!r} (kinds: {', '.join(sorted(kinds))})")
    return key


def _print_problems(problems: list[str], colours: list[str]) -> None:
    for problem, colour in zip(problems, colours, strict=True):
        console.print(f"[{colour}]{escape(problem)}[/{colour}]", soft_wrap=True)


@app.command("check")
def templates_check(
    file: Path,
    kind: Annotated[str | None, typer.Option(
        help="Document kind the template is for (year_summary, half_year_summary …): "
             "also compares the variables it uses with those the kind provides.")] = None,
) -> None:
    """Check a .docx template before any render: Jinja syntax, split tags, IME delimiters,
    what the sandbox and the render limits refuse, unknown filters and tests, variables
    the kind does not provide (and the reverse)."""
    from wenshu.office_templates import check_file, kind_of

    if kind is not None:
        _kind(kind)
    with reported():
        problems = check_file(file, kind_of(kind) if kind else None)
    _print_problems([str(p) for p in problems],
                    ["red" if p.severity == "error" else "yellow" for p in problems])
    errors = sum(1 for p in problems if p.severity == "error")
    console.print(f"{file.name}: {errors} error(s), {len(problems) - errors} warning(s)")
    if errors:
        raise typer.Exit(1)


@app.command("install")
def templates_install(file: Path, kind: KindOption, unit: ScopeOption = None) -> None:
    """Check FILE and install it for KIND: from now on the unit (and the units under it)
    render that kind with it (administrators only: --user ADMIN). Refused on any error."""
    from wenshu.errors import TemplateRefused
    from wenshu.office_templates import install_template

    _kind(kind)
    if unit is not None:
        unit_code(unit)
    current = settings()
    admin = acting(current)
    with reported():
        try:
            installed = install_template(current, admin, file, kind, unit)
        except TemplateRefused as exc:
            _print_problems(exc.problems, ["red"] * len(exc.problems))
            raise
    scope = "every unit" if installed.unit_code == "*" else f"unit {installed.unit_code}"
    console.print(f"{installed.stored_name}: installed for {kind} ({scope}), version "
                  f"{installed.version}, sha256 {installed.sha256}", soft_wrap=True)


@app.command("remove")
def templates_remove(kind: KindOption, unit: ScopeOption = None) -> None:
    """Stop using the installed template of KIND for the unit (administrators only); the
    unit falls back to the one above it, or the shipped one. Its file is kept."""
    from wenshu.office_templates import remove_template

    _kind(kind)
    if unit is not None:
        unit_code(unit)
    current = settings()
    admin = acting(current)
    with reported():
        removed = remove_template(current, admin, kind, unit)
    console.print(f"{removed.stored_name}: no longer used", soft_wrap=True)


@app.command("list")
def templates_list(
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind.")] = None,
    all_versions: Annotated[bool, typer.Option(
        "--all", help="Also versions replaced or removed.")] = False,
) -> None:
    """Installed templates: every one for administrators, those for your units otherwise."""
    from wenshu.office_templates import STATUS_LABELS, list_templates

    if kind is not None:
        _kind(kind)
    current = settings()
    actor = acting(current)
    with reported():
        rows = list_templates(current, actor, kind, all_versions)
    table = Table("kind", "unit", "ver", "file", "from", "sha256", "installed", "status")
    for row in rows:
        table.add_row(row.kind, "全部单位 *" if row.unit_code == "*" else row.unit_code,
                      str(row.version), row.stored_name, escape(row.original_name),
                      row.sha256[:12], f"{row.installed_at:%Y-%m-%d %H:%M} {row.installed_by}",
                      STATUS_LABELS.get(row.status, row.status))
    console.print(table)
    if not rows:
        console.print("no office template installed: every unit uses the shipped ones")
