"""Data in: ``wenshu units|ledger|figures|targets import`` and ``wenshu collect``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wenshu.cli.common import (
    MAX_ERRORS_SHOWN,
    acting,
    console,
    parse_date,
    print_collect,
    reported,
    settings,
    unit_code,
)
from wenshu.errors import InputError, RevisionNeeded, RowError
from wenshu.periods import Period

if TYPE_CHECKING:  # the importers load openpyxl and the row models: only when a command runs
    from wenshu.ingest.report import ImportResult

units_app = typer.Typer(help="The unit tree (机构).", no_args_is_help=True)
ledger_app = typer.Typer(help="Activity ledgers (工作台账).", no_args_is_help=True)
figures_app = typer.Typer(help="Base figures (基础数据).", no_args_is_help=True)
targets_app = typer.Typer(help="Targets (目标责任书).", no_args_is_help=True)


def _optional_unit(value: str | None) -> str | None:
    return None if value is None else unit_code(value)


SheetsOption = Annotated[list[str] | None, typer.Option(
    "--sheet", help="Only this sheet of a workbook (repeat for several; default: every sheet).")]
DataYearOption = Annotated[int | None, typer.Option(
    "--year", min=2000, max=2100,
    help="Year of dates written without one (3月7日), when the sheet name and title give none.")]
# A corrected ledger's answer to RevisionNeeded (its CHOICES).
ReviseChoice = Enum("ReviseChoice", {choice: choice for choice in RevisionNeeded.CHOICES}, type=str)
DataUnitOption = Annotated[str | None, typer.Option(
    "--unit", callback=_optional_unit,
    help="Unit code for a file without a 单位代码 column (a clerk's own unit by default).")]


def _import_each(run: Callable[[Path], ImportResult], files: list[Path]) -> None:
    """Import each file on its own (one bad file does not stop the others): what the reader
    noticed, the counts, and every bad row with its sheet; exit 1 if any file failed."""
    failed = False
    for path in files:
        try:
            with reported():
                result = _shown_on_failure(run, path)
            _print_notes(result.notes)
            if result.already_imported:
                console.print(f"{result.file.name}: already imported, nothing new stored")
                continue
            console.print(f"{result.file.name}: {result.rows_read} rows read, "
                          f"{result.rows_stored} stored, {result.rows_existing} already present, "
                          f"{result.rows_rejected} rejected")
            if result.revisions:
                _print_errors(result.revisions, "Stored rows corrected or withdrawn")
            if result.errors:
                _print_errors(result.errors)
                console.print(f"rejected rows written to {result.error_report}")
        except typer.Exit:
            failed = True
    if failed:
        raise typer.Exit(1)


def _shown_on_failure(run: Callable[[Path], ImportResult], path: Path) -> ImportResult:
    """``run(path)``; a rejected file's notes and bad rows are printed before it is reported."""
    try:
        return run(path)
    except InputError as exc:
        _print_notes(exc.notes)
        _print_errors(exc.errors)
        console.print(f"[red]{exc}[/red]")
        if exc.report_path:
            console.print(f"error report: {exc.report_path}")
        raise typer.Exit(1) from None
    except RevisionNeeded as exc:
        _print_errors(exc.differences, "Differences from the stored rows")
        console.print(f"[red]{exc}[/red]")
        console.print("import again with --revise replace (take this file as the corrected "
                      "version) or --revise add (keep the stored rows, add this file's)")
        raise typer.Exit(1) from None


def _print_notes(notes: list[str]) -> None:
    from rich.markup import escape

    for note in notes:
        console.print(f"  · {escape(note)}", soft_wrap=True)


def _print_errors(errors: list[RowError], title: str = "Invalid rows") -> None:
    """Tabulate row errors (the first :data:`MAX_ERRORS_SHOWN`), with their sheet."""
    from rich.table import Table

    table = Table("文件 file", "工作表 sheet", "行 row", "列 column", "值 value", "错误 problem",
                  title=title)
    for error in errors[:MAX_ERRORS_SHOWN]:
        table.add_row(Path(error.file).name, error.sheet, str(error.row), error.column,
                      error.value, error.message)
    console.print(table)
    if len(errors) > MAX_ERRORS_SHOWN:
        console.print(f"… and {len(errors) - MAX_ERRORS_SHOWN} more in the error report")


@units_app.command("import")
def units_import(file: Path) -> None:
    """Import the unit tree from a CSV/XLSX with columns code,name,level,parent_code
    (administrators)."""
    from wenshu.services import data

    current = settings()
    actor = acting(current)
    _import_each(lambda path: data.import_units(current, actor, path), [file])


@ledger_app.command("import")
def ledger_import(
    files: list[Path],
    sheet: SheetsOption = None,
    year: DataYearOption = None,
    unit: DataUnitOption = None,
    skip_invalid: Annotated[bool, typer.Option(help="Store the valid rows, report the rest.")] = False,
    revise: Annotated[ReviseChoice | None, typer.Option(
        "--revise",
        help="A file that corrects or leaves out stored rows: 'replace' withdraws those rows "
             "(kept, no longer counted), 'add' keeps them and adds the file's rows.")] = None,
) -> None:
    """Import ledger files (.csv in UTF-8/GB18030, .xlsx or .xls: every sheet) for your
    units; a file with an invalid row is rejected whole. Title rows, a 序号 column and
    合计/小计 rows are recognised; see tests/samples/ledgers/ for the layouts. A file
    handed in again after a correction is compared with the stored rows first."""
    from wenshu.services import data

    current = settings()
    actor = acting(current)
    _import_each(lambda path: data.import_ledger(
        current, actor, path, skip_invalid=skip_invalid, sheets=sheet or (), year=year,
        unit=unit, revise=revise.value if revise else None), files)


@ledger_app.command("template")
def ledger_template(
    unit: Annotated[str | None, typer.Option(
        "--unit", callback=_optional_unit,
        help="The unit it is for, with the units below it (default: your own).")] = None,
    year: Annotated[int | None, typer.Option("--year", min=2000, max=2100,
                                             help="The year in its title (default: this year).")
                    ] = None,
    stored: Annotated[str | None, typer.Option(
        "--stored", help="Fill in the rows stored for this period (2025, 2025H1), to check, "
                         "correct and import again.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Where to write it (default: <unit><year>年工作台账.xlsx, or "
                      "<unit><period>已报送台账.xlsx, here).")] = None,
) -> None:
    """Write a 工作台账 (.xlsx) to keep: the columns wenshu reads, a drop-down of 活动类型,
    Excel's own checks on dates and figures, and a 填表说明 sheet; blank, or holding the
    rows already stored (--stored)."""
    from wenshu.files import write_whole
    from wenshu.paths import inside
    from wenshu.services import data

    current = settings()
    with reported():
        name, content = data.ledger_template_for(current, acting(current), unit, year, stored)
        target = out or inside(Path.cwd(), name)  # a unit's name is data: keep it a name
        write_whole(target, content)
    console.print(f"wrote {target}")


@figures_app.command("import")
def figures_import(file: Path, sheet: SheetsOption = None, year: DataYearOption = None,
                   unit: DataUnitOption = None) -> None:
    """Import base figures for your units: unit_code, year, key, value (the unit and year
    may come from --unit and the sheet name, title or --year)."""
    from wenshu.services import data

    current = settings()
    actor = acting(current)
    _import_each(lambda path: data.import_figures(current, actor, path, sheets=sheet or (),
                                                  year=year, unit=unit), [file])


@targets_app.command("import")
def targets_import(file: Path, sheet: SheetsOption = None, year: DataYearOption = None,
                   unit: DataUnitOption = None) -> None:
    """Import targets for your units: unit_code, year, indicator, comparator, value (the unit
    and year may come from --unit and the sheet name, title or --year)."""
    from wenshu.services import data

    current = settings()
    actor = acting(current)
    _import_each(lambda path: data.import_targets(current, actor, path, sheets=sheet or (),
                                                  year=year, unit=unit), [file])


def collect(
    inbox: Annotated[Path | None, typer.Option(
        help="Folder with one subfolder per unit code (default: $WENSHU_HOME/inbox).")] = None,
    period: Annotated[str | None, typer.Option(
        help="Period to check completeness for: 2025, 2025H1, 2025Q3 (default: this year).")] = None,
    root: Annotated[str | None, typer.Option(
        help="Only units under this code (default: your unit).")] = None,
    due: Annotated[str | None, typer.Option(
        help="Deadline for the period (2026-01-10): units that submitted "
        "after it are named late.")] = None,
    skip_invalid: bool = False,
) -> None:
    """Import every new ledger in the inbox (Prefect flow) and report who has not submitted,
    and with --due who submitted late."""
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
    deadline = parse_date(due)
    with reported():
        outcomes, report = data.collect(current, actor, inbox or current.home / "inbox", period,
                                        root=root, skip_invalid=skip_invalid,
                                        due=deadline)
    print_collect(outcomes, report)


def lines() -> None:
    """List the lines of work (业务条线): what each one's documents are about and read."""
    from wenshu.models.catalogue import load_catalogue
    from wenshu.models.lines import load_lines

    current = settings()
    with reported():
        catalogue = load_catalogue(current.catalogue_dir)
        known = load_lines(catalogue, current.catalogue_dir)
    say = lambda text: console.print(text, soft_wrap=True, markup=False,  # noqa: E731
                                     highlight=False)
    for line in known.by_key.values():
        view = line.restrict(catalogue)
        mark = "  (default)" if line.default else ""
        say(f"{line.key}  {line.label}  — documents on 《…{line.topic}…》{mark}")
        say("  activity types: " + "、".join(a.label for a in view.activities.values()))
        say("  indicators: " + "、".join(i.label for i in view.indicators.values()))
        say("  checklists: " + (", ".join(line.checklists) or "none"))
