"""What every command group shares: the console, error reporting, settings, the acting user,
the options document commands take, and the tables they print."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from wenshu.db import upgrade_schema
from wenshu.errors import InputError, RowError, WenshuError, as_storage_full
from wenshu.settings import Settings, get_settings

if TYPE_CHECKING:
    from wenshu.access import Actor
    from wenshu.collect import Completeness, FileOutcome
    from wenshu.ingest.report import ImportResult
    from wenshu.pipeline import Outcome

# Piped to a file or another program, nothing is cut or folded at 80 columns: 档号,
# snippets, paths and values appear whole.
console = Console(width=None if sys.stdout.isatty() else 1000)
MAX_ERRORS_SHOWN = 50


@contextmanager
def reported() -> Iterator[None]:
    """Turn wenshu's errors into a message and exit status 1, never a traceback."""
    try:
        yield
    except InputError as exc:
        print_errors(exc.errors)
        console.print(Text(str(exc), style="red"))
        if exc.report_path:
            console.print(f"error report: {exc.report_path}")
        raise typer.Exit(1) from None
    except (WenshuError, OSError) as exc:
        told = exc if isinstance(exc, WenshuError) else as_storage_full(exc)
        if told is None:
            raise
        if told is not exc:  # the system's own words, for the administrator
            logging.getLogger(__name__).warning("%s: %s", type(exc).__name__, exc)
        # The message may hold [brackets] from the user's own text: never read as markup.
        console.print(Text.assemble(("error: ", "red"), str(told)), soft_wrap=True)
        raise typer.Exit(1) from None


def settings() -> Settings:
    """The process settings, with the data directory made and the schema current."""
    current = get_settings()
    current.ensure_dirs()
    with reported():  # a database that cannot be reached is said so, before anything runs
        upgrade_schema(current)
    return current


def acting(current: Settings) -> Actor:
    """The acting user (``--user`` or ``WENSHU_USER``), checked against the database."""
    from wenshu.access import resolve_actor

    with reported():
        return resolve_actor(current)


def unit_code(value: str) -> str:
    """A ``--unit`` value, checked before anything else runs."""
    from wenshu.codes import check_unit_code

    try:
        return check_unit_code(value)
    except WenshuError as exc:
        raise typer.BadParameter(str(exc)) from None


def parse_date(text: str | None) -> date | None:
    """A YYYY-MM-DD option value."""
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2026-01-15") from None


def print_errors(errors: list[RowError]) -> None:
    """Tabulate row errors (the first :data:`MAX_ERRORS_SHOWN`)."""
    table = Table("文件 file", "行 row", "列 column", "值 value", "错误 problem", title="Invalid rows")
    for error in errors[:MAX_ERRORS_SHOWN]:
        table.add_row(Path(error.file).name, str(error.row), error.column, error.value, error.message)
    console.print(table)
    if len(errors) > MAX_ERRORS_SHOWN:
        console.print(f"… and {len(errors) - MAX_ERRORS_SHOWN} more in the error report")


def print_result(result: ImportResult) -> None:
    """What one import did."""
    if result.already_imported:
        console.print(f"{result.file.name}: already imported, nothing new stored")
        return
    console.print(
        f"{result.file.name}: {result.rows_read} rows read, {result.rows_stored} stored, "
        f"{result.rows_existing} already present, {result.rows_rejected} rejected"
    )
    if result.errors:
        print_errors(result.errors)
        console.print(f"rejected rows written to {result.error_report}")


def import_each(importer: Callable[[Path], ImportResult], files: list[Path]) -> None:
    """Import each file on its own (one bad file does not stop the others); exit 1 if any failed."""
    failed = False
    for path in files:
        try:
            with reported():
                print_result(importer(path))
        except typer.Exit:
            failed = True
    if failed:
        raise typer.Exit(1)


def print_collect(outcomes: list[FileOutcome], report: Completeness) -> None:
    """Tabulate collected files and the completeness of reporting."""
    from rich.markup import escape

    table = Table("unit", "file", "status", "stored", "present", "errors",
                  title="Collected ledger files (filed under <unit>/done or <unit>/rejected)")
    for o in outcomes:
        colour = {"imported": "green", "unchanged": "dim", "rejected": "red"}.get(o.status, "yellow")
        status = f"[{colour}]{o.status}[/{colour}]" + (f" {escape(o.message)}" if o.message else "")
        table.add_row(escape(o.unit_code), escape(o.name), status, str(o.rows_stored),
                      str(o.rows_existing), str(o.errors))
    if outcomes:
        console.print(table)
    rate = "—" if report.rate is None else f"{report.rate}%"
    console.print(f"Reporting completeness {report.period}: {len(report.submitted)} of "
                  f"{len(report.expected)} units submitted ({rate})")
    if report.missing:
        console.print("Not submitted: " + "、".join(f"{u.name}({u.code})" for u in report.missing),
                      soft_wrap=True)
    if report.due is not None:
        late = "、".join(f"{u.name}({u.code})" for u in report.late) or "none"
        console.print(f"Submitted after the deadline {report.due.isoformat()}: {late}",
                      soft_wrap=True)


def print_outcomes(outcomes: list[Outcome], archive_root: Path) -> None:
    """Tabulate generated documents and whether each made a new version."""
    table = Table("id", "unit", "ver", "status", f"folder under {archive_root}",
                  title="Archived documents (Word + PDF)")
    for o in sorted(outcomes, key=lambda o: o.key.unit_code):
        status = "[green]new[/green]" if o.created else "[dim]unchanged[/dim]"
        folder = next(iter(o.files.values())).parent.relative_to(archive_root)
        table.add_row(str(o.document_id), f"{o.unit_name} {o.key.unit_code}", str(o.version),
                      status, f"{folder}/")
    console.print(table)
    unchanged = sum(1 for o in outcomes if not o.created)
    if unchanged:
        console.print(f"{unchanged} document(s) unchanged: same data and template as the "
                      "archived version, so no new version was made.")


class Script(str, Enum):
    """Which Chinese script a document is written in."""

    simplified = "simplified"
    traditional = "traditional"


# Options every document command shares.
UnitOption = Annotated[str, typer.Option("--unit", help="Unit code.", callback=unit_code)]
YearOption = Annotated[int, typer.Option("--year", help="The year.")]
AllLevelsOption = Annotated[bool, typer.Option("--all-levels", help="Also every unit below it.")]
NarrativeOption = Annotated[list[Path] | None, typer.Option(
    "--narrative", help="Staff text: .yaml/.md with 亮点/问题/打算, or .txt plans.")]
IssuedOption = Annotated[str | None, typer.Option(
    "--issued", help="Signing date, YYYY-MM-DD (default today).")]
SignatureOption = Annotated[str | None, typer.Option(
    "--signature", help="Issuing unit in the signature.")]
DocNumberOption = Annotated[str, typer.Option("--doc-number", help="发文字号, e.g. 龙卫〔2026〕10号.")]
AddresseeOption = Annotated[str, typer.Option("--to", help="主送机关.")]
AttachmentOption = Annotated[list[str] | None, typer.Option(
    "--attachment", help="附件 title (repeat for several).")]
CopyToOption = Annotated[list[str] | None, typer.Option(
    "--copy-to", help="抄送 organ for the 版记 (repeat for several).")]
PrintedByOption = Annotated[str, typer.Option("--printed-by", help="印发机关 for the 版记.")]
ScriptOption = Annotated[Script, typer.Option(
    "--script", help="simplified (default) or traditional (OpenCC, codes kept as issued).")]
LineOption = Annotated[str, typer.Option(
    "--line", help="The line of work (业务条线) by key or name: family_planning (default), "
                   "women (妇女儿童/妇联); `wenshu lines` lists them.")]


def letterhead(doc_number: str, to: str, attachment: list[str] | None,
               copy_to: list[str] | None, printed_by: str) -> dict[str, object]:
    """The GB/T 9704 blocks as flow parameters."""
    return {"doc_number": doc_number, "addressee": to, "attachments": attachment or [],
            "copy_to": copy_to or [], "printed_by": printed_by}


def unit_codes(values: list[str]) -> list[str]:
    """Unit codes given as repeated options or separated by commas or spaces, each checked."""
    import re

    return [unit_code(code) for value in values for code in re.split(r"[,，\s]+", value) if code]
