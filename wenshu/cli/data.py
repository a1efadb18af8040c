"""Data in: ``wenshu units|ledger|figures|targets import`` and ``wenshu collect``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from wenshu.cli.common import (
    acting,
    import_each,
    print_collect,
    reported,
    settings,
    unit_code,
)
from wenshu.periods import Period

units_app = typer.Typer(help="The unit tree (机构).", no_args_is_help=True)
ledger_app = typer.Typer(help="Activity ledgers (工作台账).", no_args_is_help=True)
figures_app = typer.Typer(help="Base figures (基础数据).", no_args_is_help=True)
targets_app = typer.Typer(help="Targets (目标责任书).", no_args_is_help=True)


@units_app.command("import")
def units_import(file: Path) -> None:
    """Import the unit tree from a CSV/XLSX with columns code,name,level,parent_code
    (administrators)."""
    from wenshu.services import data

    current = settings()
    actor = acting(current)
    import_each(lambda path: data.import_units(current, actor, path), [file])


@ledger_app.command("import")
def ledger_import(
    files: list[Path],
    skip_invalid: Annotated[bool, typer.Option(help="Store the valid rows, report the rest.")] = False,
) -> None:
    """Import ledger files (.csv in UTF-8/GB18030, .xlsx) for your units; a file with an
    invalid row is rejected whole."""
    from wenshu.services import data

    current = settings()
    actor = acting(current)
    import_each(lambda path: data.import_ledger(current, actor, path, skip_invalid=skip_invalid),
                files)


@figures_app.command("import")
def figures_import(file: Path) -> None:
    """Import base figures for your units: unit_code, year, key, value."""
    from wenshu.services import data

    current = settings()
    actor = acting(current)
    import_each(lambda path: data.import_figures(current, actor, path), [file])


@targets_app.command("import")
def targets_import(file: Path) -> None:
    """Import targets for your units: unit_code, year, indicator, comparator, value."""
    from wenshu.services import data

    current = settings()
    actor = acting(current)
    import_each(lambda path: data.import_targets(current, actor, path), [file])


def collect(
    inbox: Annotated[Path | None, typer.Option(
        help="Folder with one subfolder per unit code (default: $WENSHU_HOME/inbox).")] = None,
    period: Annotated[str | None, typer.Option(
        help="Period to check completeness for: 2025, 2025H1, 2025Q3 (default: this year).")] = None,
    root: Annotated[str | None, typer.Option(
        help="Only units under this code (default: your unit).")] = None,
    skip_invalid: bool = False,
) -> None:
    """Import every new ledger in the inbox (Prefect flow) and report who has not submitted."""
    from wenshu.services import data

    current = settings()
    actor = acting(current)
    period = period or str(date.today().year)
    try:
        Period.parse(period)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if root is not None:
        unit_code(root)
    with reported():
        outcomes, report = data.collect(current, actor, inbox or current.home / "inbox", period,
                                        root=root, skip_invalid=skip_invalid)
    print_collect(outcomes, report)
