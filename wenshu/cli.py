"""The ``wenshu`` command: a thin shell over the library API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from wenshu.db import session_scope, upgrade_schema
from wenshu.errors import InputError, RowError, WenshuError
from wenshu.ingest.report import ImportResult
from wenshu.periods import Period
from wenshu.settings import Settings, get_settings

if TYPE_CHECKING:
    from wenshu.collect import Completeness, FileOutcome
    from wenshu.pipeline import Outcome

app = typer.Typer(help="wenshu (文书): activity ledgers in, filed documents out.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
units_app = typer.Typer(help="The unit tree (机构).", no_args_is_help=True)
ledger_app = typer.Typer(help="Activity ledgers (工作台账).", no_args_is_help=True)
figures_app = typer.Typer(help="Base figures (基础数据).", no_args_is_help=True)
targets_app = typer.Typer(help="Targets (目标责任书).", no_args_is_help=True)
summary_app = typer.Typer(help="Generate summaries (工作总结).", no_args_is_help=True)
archive_app = typer.Typer(help="The document archive (归档).", no_args_is_help=True)
templates_app = typer.Typer(help="Word templates offices own (模板).", no_args_is_help=True)
inspect_app = typer.Typer(help="Inspections (检查): self-inspection reports (自查报告); a "
                               "supervisor's inspection: findings sheets, findings, scores, "
                               "ranking and reports (检查情况反馈意见, 检查情况通报).",
                          no_args_is_help=True)
plan_app = typer.Typer(help="Plans: work plans (工作计划), campaign plans (实施方案).",
                       no_args_is_help=True)
users_app = typer.Typer(help="Users and their roles (clerk, supervisor, archivist).",
                        no_args_is_help=True)
for sub, name in ((users_app, "users"), (units_app, "units"), (ledger_app, "ledger"), (figures_app, "figures"),
                  (targets_app, "targets"), (summary_app, "summary"), (archive_app, "archive"),
                  (templates_app, "templates"), (plan_app, "plan"), (inspect_app, "inspect")):
    app.add_typer(sub, name=name)
checklists_app = typer.Typer(help="Inspection checklists (检查评分标准).", no_args_is_help=True)
app.add_typer(checklists_app, name="checklists")

console = Console()
MAX_ERRORS_SHOWN = 50


@app.callback()
def _main(user: Annotated[str | None, typer.Option(
        "--user", help="Act as this user (default: WENSHU_USER).")] = None) -> None:
    if user:
        # The process-wide settings, so flows run in this process act as the same user.
        get_settings().user = user


@contextmanager
def _reported() -> Iterator[None]:
    """Turn wenshu's errors into a message and exit status 1, never a traceback."""
    try:
        yield
    except InputError as exc:
        _print_errors(exc.errors)
        console.print(f"[red]{exc}[/red]")
        if exc.report_path:
            console.print(f"error report: {exc.report_path}")
        raise typer.Exit(1) from None
    except WenshuError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


def _settings() -> Settings:
    settings = get_settings()
    settings.ensure_dirs()
    upgrade_schema(settings)
    return settings


def _print_errors(errors: list[RowError]) -> None:
    table = Table("文件 file", "行 row", "列 column", "值 value", "错误 problem", title="Invalid rows")
    for error in errors[:MAX_ERRORS_SHOWN]:
        table.add_row(Path(error.file).name, str(error.row), error.column, error.value, error.message)
    console.print(table)
    if len(errors) > MAX_ERRORS_SHOWN:
        console.print(f"… and {len(errors) - MAX_ERRORS_SHOWN} more in the error report")


def _print_result(result: ImportResult) -> None:
    if result.already_imported:
        console.print(f"{result.file.name}: already imported, nothing new stored")
        return
    console.print(
        f"{result.file.name}: {result.rows_read} rows read, {result.rows_stored} stored, "
        f"{result.rows_existing} already present, {result.rows_rejected} rejected"
    )
    if result.errors:
        _print_errors(result.errors)
        console.print(f"rejected rows written to {result.error_report}")


def _import(importer: Callable[..., ImportResult], files: list[Path], **kwargs: object) -> None:
    settings = _settings()
    failed = False
    for path in files:
        try:
            with _reported(), session_scope(settings) as session:
                _print_result(importer(session, path, **kwargs))
        except typer.Exit:
            failed = True  # each file stands alone: go on with the next one
    if failed:
        raise typer.Exit(1)


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="clerk, supervisor or archivist.")],
    unit: Annotated[str | None, typer.Option(
        help="The unit they act for (with the units under it); not needed for an archivist."
    )] = None,
) -> None:
    """Add a user, or change an existing user's role and unit."""
    from wenshu.access import add_user

    settings = _settings()
    with _reported():
        actor = add_user(settings, name, role, unit)
    console.print(f"{actor.name}: {actor.role}" + (f" of unit {actor.unit_code}"
                                                     if actor.unit_code else ""))


@users_app.command("list")
def users_list() -> None:
    """Every user with their role and unit."""
    from wenshu.access import ROLE_LABELS, list_users

    table = Table("name", "role", "unit")
    for actor in list_users(_settings()):
        table.add_row(actor.name, f"{actor.role} {ROLE_LABELS[actor.role]}",
                      actor.unit_code or "all (filed records)")
    console.print(table)


@units_app.command("import")
def units_import(file: Path) -> None:
    """Import the unit tree from a CSV/XLSX with columns code,name,level,parent_code."""
    from wenshu.ingest.units import import_units

    _import(import_units, [file])


@ledger_app.command("import")
def ledger_import(
    files: list[Path],
    skip_invalid: Annotated[bool, typer.Option(help="Store the valid rows, report the rest.")] = False,
) -> None:
    """Import ledger files (.csv in UTF-8/GB18030, .xlsx); invalid files are rejected whole."""
    from wenshu.ingest.ledger import import_ledger_file
    from wenshu.models.catalogue import load_catalogue

    catalogue = load_catalogue(get_settings().catalogue_dir)
    _import(import_ledger_file, files, catalogue=catalogue, skip_invalid=skip_invalid)


@figures_app.command("import")
def figures_import(file: Path) -> None:
    """Import base figures: unit_code, year, key, value."""
    from wenshu.ingest.figures import import_figures
    from wenshu.models.catalogue import load_catalogue

    _import(import_figures, [file], catalogue=load_catalogue(get_settings().catalogue_dir))


@targets_app.command("import")
def targets_import(file: Path) -> None:
    """Import targets: unit_code, year, indicator, comparator, value."""
    from wenshu.ingest.figures import import_targets
    from wenshu.models.catalogue import load_catalogue

    _import(import_targets, [file], catalogue=load_catalogue(get_settings().catalogue_dir))


@app.command()
def collect(
    inbox: Annotated[Path | None, typer.Option(
        help="Folder with one subfolder per unit code (default: $WENSHU_HOME/inbox).")] = None,
    period: Annotated[str | None, typer.Option(
        help="Period to check completeness for: 2025, 2025H1, 2025Q3 (default: this year).")] = None,
    root: Annotated[str | None, typer.Option(help="Only units under this code.")] = None,
    skip_invalid: bool = False,
) -> None:
    """Import every new ledger in the inbox (Prefect flow) and report who has not submitted."""
    settings = _settings()
    inbox = inbox or settings.home / "inbox"
    period = period or str(date.today().year)
    try:
        Period.parse(period)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    from wenshu.workflows.collect import collect_ledgers

    with _reported():
        outcomes, report = collect_ledgers(str(inbox), period, root=root,
                                           skip_invalid=skip_invalid)
    print_collect(outcomes, report)


def print_collect(outcomes: list[FileOutcome], report: Completeness) -> None:
    """Tabulate collected files and the completeness of reporting."""
    table = Table("unit", "file", "status", "stored", "present", "errors",
                  title="Collected ledger files (filed under <unit>/done or <unit>/rejected)")
    for o in outcomes:
        colour = {"imported": "green", "unchanged": "dim", "rejected": "red"}[o.status]
        table.add_row(o.unit_code, o.name, f"[{colour}]{o.status}[/{colour}]", str(o.rows_stored),
                      str(o.rows_existing), str(o.errors))
    if outcomes:
        console.print(table)
    rate = "—" if report.rate is None else f"{report.rate}%"
    console.print(f"Reporting completeness {report.period}: {len(report.submitted)} of "
                  f"{len(report.expected)} units submitted ({rate})")
    if report.missing:
        console.print("Not submitted: " + "、".join(f"{u.name}({u.code})" for u in report.missing))


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2026-01-15") from None


# Options every document command shares.
UnitOption = Annotated[str, typer.Option("--unit", help="Unit code.")]
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


class Script(str, Enum):
    """Which Chinese script a document is written in."""

    simplified = "simplified"
    traditional = "traditional"


ScriptOption = Annotated[Script, typer.Option(
    "--script", help="simplified (default) or traditional (OpenCC, codes kept as issued).")]


def _letterhead(doc_number: str, to: str, attachment: list[str] | None,
                copy_to: list[str] | None, printed_by: str) -> dict[str, object]:
    return {"doc_number": doc_number, "addressee": to, "attachments": attachment or [],
            "copy_to": copy_to or [], "printed_by": printed_by}


def _run_flow(flow_name: str, flow: Callable[..., list[Outcome]], unit: str, period: int | str,
              all_levels: bool, narrative: list[Path] | None, issued: str | None,
              signature: str | None, letterhead: dict[str, object], script: Script) -> None:
    """Check the shared options, run a document flow, print what was archived."""
    settings = _settings()
    for path in narrative or []:
        if not path.is_file():
            raise typer.BadParameter(f"narrative file not found: {path}")
    issued_on = _parse_date(issued)
    with _reported(), console.status(f"Generating (Prefect flow {flow_name})…"):
        outcomes = flow(unit, period, all_levels=all_levels, issued_on=issued_on,
                        narrative_files=[str(p) for p in narrative or []],
                        signature_unit=signature, letterhead=letterhead,
                        script=script.value)
    print_outcomes(outcomes, settings.archive_dir)


@summary_app.command("year")
def summary_year(unit: UnitOption, year: YearOption, all_levels: AllLevelsOption = False,
                 narrative: NarrativeOption = None, issued: IssuedOption = None,
                 signature: SignatureOption = None, doc_number: DocNumberOption = "",
                 to: AddresseeOption = "", attachment: AttachmentOption = None,
                 copy_to: CopyToOption = None, printed_by: PrintedByOption = "",
                 script: ScriptOption = Script.simplified) -> None:
    """Generate the 年度工作总结 (Word + PDF) through the Prefect flow and archive it."""
    from wenshu.workflows.year_end_summary import year_end_summary

    _run_flow("year_end_summary", year_end_summary, unit, year, all_levels, narrative, issued,
              signature, _letterhead(doc_number, to, attachment, copy_to, printed_by), script)


@summary_app.command("half")
def summary_half(unit: UnitOption, year: YearOption, all_levels: AllLevelsOption = False,
                 narrative: NarrativeOption = None, issued: IssuedOption = None,
                 signature: SignatureOption = None, doc_number: DocNumberOption = "",
                 to: AddresseeOption = "", attachment: AttachmentOption = None,
                 copy_to: CopyToOption = None, printed_by: PrintedByOption = "",
                 script: ScriptOption = Script.simplified) -> None:
    """Generate the 半年工作总结 (January–June against the year's targets) and archive it."""
    from wenshu.workflows.half_year_summary import half_year_summary

    _run_flow("half_year_summary", half_year_summary, unit, year, all_levels, narrative,
              issued, signature, _letterhead(doc_number, to, attachment, copy_to, printed_by),
              script)


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


@plan_app.command("work")
def plan_work(
    unit: UnitOption,
    period: Annotated[str, typer.Option(help="The plan's year (2026) or quarter (2026Q1).")],
    all_levels: AllLevelsOption = False, narrative: NarrativeOption = None,
    issued: IssuedOption = None, signature: SignatureOption = None,
    doc_number: DocNumberOption = "", to: AddresseeOption = "",
    attachment: AttachmentOption = None, copy_to: CopyToOption = None,
    printed_by: PrintedByOption = "", script: ScriptOption = Script.simplified,
) -> None:
    """Generate the 工作计划 for a year or quarter (targets, tasks, timetable, duties) and archive it."""
    from wenshu.workflows.work_plan import work_plan

    _run_flow("work_plan", work_plan, unit, period, all_levels, narrative, issued, signature,
              _letterhead(doc_number, to, attachment, copy_to, printed_by), script)


@plan_app.command("campaign")
def plan_campaign(
    unit: UnitOption,
    spec: Annotated[Path, typer.Option(help="The campaign's spec (.yaml); see "
                                            "wenshu/data/campaigns/sample.yaml.")],
    issued: IssuedOption = None, signature: SignatureOption = None,
    doc_number: DocNumberOption = "", to: AddresseeOption = "",
    attachment: AttachmentOption = None, copy_to: CopyToOption = None,
    printed_by: PrintedByOption = "", script: ScriptOption = Script.simplified,
) -> None:
    """Generate the 实施方案 of a named campaign (phases, dates, leading group) and archive it."""
    settings = _settings()
    if not spec.is_file():
        raise typer.BadParameter(f"spec file not found: {spec}")
    from wenshu.workflows.campaign_plan import campaign_plan

    with _reported(), console.status("Generating (Prefect flow campaign_plan)…"):
        outcomes = campaign_plan(unit, str(spec), issued_on=_parse_date(issued),
                                 signature_unit=signature,
                                 letterhead=_letterhead(doc_number, to, attachment, copy_to,
                                                        printed_by),
                                 script=script.value)
    print_outcomes(outcomes, settings.archive_dir)


@inspect_app.command("self")
def inspect_self(
    unit: UnitOption, year: YearOption,
    answers: Annotated[Path | None, typer.Option(
        help="The unit's answers to the observed items (.yaml); see "
             "wenshu/data/samples/self_inspection_answers.yaml.")] = None,
    checklist: Annotated[str | None, typer.Option(
        help="A shipped checklist's name (family_planning) or a checklist file.")] = None,
    narrative: NarrativeOption = None, issued: IssuedOption = None,
    signature: SignatureOption = None, doc_number: DocNumberOption = "",
    to: AddresseeOption = "", attachment: AttachmentOption = None,
    copy_to: CopyToOption = None, printed_by: PrintedByOption = "",
    script: ScriptOption = Script.simplified,
) -> None:
    """Generate the 自查报告: the unit answers a checklist with its own figures; archive it."""
    settings = _settings()
    for path in (answers, *(narrative or [])):
        if path is not None and not path.is_file():
            raise typer.BadParameter(f"file not found: {path}")
    from wenshu.workflows.self_inspection import self_inspection

    with _reported(), console.status("Generating (Prefect flow self_inspection)…"):
        outcomes = self_inspection(
            unit, year, checklist_file=checklist, answers_file=str(answers) if answers else None,
            issued_on=_parse_date(issued), signature_unit=signature,
            narrative_files=[str(p) for p in narrative or []],
            letterhead=_letterhead(doc_number, to, attachment, copy_to, printed_by),
            script=script.value)
    print_outcomes(outcomes, settings.archive_dir)


@archive_app.command("list")
def archive_list(
    unit: str | None = None, year: int | None = None, kind: str | None = None,
    limit: Annotated[int, typer.Option(min=1, help="Most documents to show.")] = 500,
) -> None:
    """List the archived documents you may see (latest version of each, newest first)."""
    from wenshu.access import resolve_actor
    from wenshu.archive.search import SearchQuery, search

    settings = _settings()
    with _reported():
        hits = search(settings, SearchQuery(unit_code=unit, year=year, kind=kind, limit=limit),
                      actor=resolve_actor(settings))
    table = Table("id", "kind", "unit", "period", "title", "ver", "status", "档号")
    for hit in hits:
        script = "" if hit.script == "simplified" else hit.script
        period = " ".join(part for part in (hit.period, hit.topic, script) if part)
        table.add_row(str(hit.document_id), hit.kind, hit.unit_code, period, hit.title,
                      str(hit.version), hit.status or "", hit.archival_code or "")
    console.print(table)


@archive_app.command("show")
def archive_show(document_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """The versions of a document you may see: provenance, filing state, file digests."""
    from wenshu.access import resolve_actor
    from wenshu.archive.reading import view_document

    settings = _settings()
    with _reported():
        versions = view_document(settings, document_id, actor=resolve_actor(settings))
    key = versions[0].key
    console.print(f"[bold]{versions[0].title}[/bold]  ({key.kind}, unit {key.unit_code}, "
                  f"period {key.period}{', ' + key.topic if key.topic else ''}, {key.script})")
    for v in versions:
        console.print(f"\nversion {v.version}  [bold]{v.status}[/bold]  "
                      f"created {v.created_at.isoformat()}  flow run {v.flow_run_id or '—'}")
        if v.archival_code:
            console.print(f"  档号 {v.archival_code}  filed {v.filed_at:%Y-%m-%d %H:%M} "
                          f"by {v.filed_by}" + (f"  ({v.change_reason})" if v.change_reason
                                                else ""))
        if v.disposed_at:
            console.print(f"  disposed {v.disposed_at:%Y-%m-%d} by {v.disposed_by}: "
                          f"{v.disposal_reason}")
        console.print(f"  template {v.template_name}  sha256 {v.template_sha256}")
        console.print(f"  input data sha256 {v.input_sha256}")
        for f in v.files.values():
            console.print(f"  {f.format:9} {f.size:>8} B  sha256 {f.sha256}  {f.path}")


@archive_app.command("search")
def archive_search(
    text: Annotated[str, typer.Argument(
        help="Words to find, e.g. 流动人口 孕检 (all must occur).")] = "",
    unit: Annotated[str | None, typer.Option(help="Unit code.")] = None,
    subtree: Annotated[bool, typer.Option(help="Include every unit under --unit.")] = False,
    year: Annotated[int | None, typer.Option(help="Year, e.g. 2025.")] = None,
    period: Annotated[str | None, typer.Option(help="Exact period: 2025, 2025H1 …")] = None,
    kind: Annotated[str | None, typer.Option(help="Document kind, e.g. year_summary.")] = None,
    retention: Annotated[str | None, typer.Option(help="保管期限: Y, D30 or D10.")] = None,
    status: Annotated[str | None, typer.Option(help="draft, filed, superseded or disposed.")] = None,
    code: Annotated[str | None, typer.Option(help="档号, or its beginning.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Most hits to show.")] = 20,
) -> None:
    """Find archived documents by unit, period, kind, filing data and Chinese full text."""
    from rich.text import Text

    from wenshu.access import resolve_actor
    from wenshu.archive.search import SearchQuery, search

    settings = _settings()
    with _reported():
        hits = search(settings, SearchQuery(
            text=text, unit_code=unit, subtree=subtree, year=year, period=period, kind=kind,
            retention=retention, status=status, archival_code=code, limit=limit),
            actor=resolve_actor(settings))
    if not hits:
        console.print("No documents found.")
        return
    table = Table("id", "ver", "unit", "period", "kind", "档号", "snippet",
                  title=f"{len(hits)} document(s)")
    for hit in hits:
        snippet = Text(hit.snippet)
        snippet.highlight_regex(r"【[^】]*】", "bold red")
        table.add_row(str(hit.document_id), str(hit.version), f"{hit.unit_name} {hit.unit_code}",
                      hit.period, hit.kind, hit.archival_code or "", snippet)
    console.print(table)


@archive_app.command("file")
def archive_file(
    document_id: Annotated[int, typer.Argument(metavar="ID")],
    version: Annotated[int | None, typer.Option(help="Default: the latest.")] = None,
    retention: Annotated[str | None, typer.Option(
        help="Y (永久), D30 or D10; default: the rule for the document's kind.")] = None,
    reason: Annotated[str | None, typer.Option(
        help="Why this version corrects the filed one (required for a correction).")] = None,
) -> None:
    """File a version (归档): give it its 档号, stamp the 归档章 on a copy of its PDF."""
    from wenshu.access import resolve_actor
    from wenshu.archive.filing import file_version

    settings = _settings()
    with _reported():
        record = file_version(settings, document_id, version, actor=resolve_actor(settings),
                              retention=retention, reason=reason)
    console.print(f"filed version {record.version} as {record.archival_code}")
    if record.supersedes_version is not None:
        console.print(f"supersedes version {record.supersedes_version}: {record.change_reason}")
    console.print(f"stamped PDF: {record.files['pdf_filed'].path}")


@archive_app.command("verify")
def archive_verify(
    year: Annotated[int | None, typer.Option(help="Only the records of this 年度.")] = None,
) -> None:
    """四性检测: authenticity, integrity, usability and security of the archive (archivists)."""
    from wenshu.access import resolve_actor
    from wenshu.archive.verify import PROPERTIES, verify_archive

    settings = _settings()
    with _reported():
        report = verify_archive(settings, actor=resolve_actor(settings), year=year)
    for prop, results in report.by_property().items():
        table = Table("check", "checked", "problems", title=f"{PROPERTIES[prop]} {prop}")
        for r in results:
            table.add_row(r.check.label, str(r.checked),
                          "[green]0[/green]" if r.ok else f"[red]{r.problems}[/red]")
        console.print(table)
    if report.recovered:
        console.print(f"removed {len(report.recovered)} leftover(s) of interrupted filings: "
                      + ", ".join(report.recovered))
    if report.problems:
        console.print(f"[bold red]{len(report.problems)} problem(s)[/bold red]")
        for p in report.problems:
            # One unbroken line each: paths and digests stay whole for copying.
            wanted = f" (expected {p.expected}, actual {p.actual or '—'})" if p.expected else ""
            console.print(f"{p.check}: {p.subject}: {p.message}{wanted}", soft_wrap=True,
                          markup=False, highlight=False)
    scope = f"年度 {year}" if year is not None else "the whole archive"
    console.print(f"{scope}: {'[green]passed[/green]' if report.ok else '[red]failed[/red]'} "
                  f"in {report.seconds:.2f} s (audit event {report.event_id})")
    if not report.ok:
        raise typer.Exit(1)


@archive_app.command("get")
def archive_get(
    document_id: Annotated[int, typer.Argument(metavar="ID")],
    to: Annotated[Path, typer.Option(help="Target file or folder.")],
    format: Annotated[str, typer.Option(help="docx, pdf, pdf_filed (stamped) or dat46.")] = "pdf",
    version: Annotated[int | None, typer.Option(help="Default: the latest.")] = None,
) -> None:
    """Copy an archived file out, after checking its SHA-256 against the record."""
    from wenshu.access import resolve_actor
    from wenshu.archive.reading import download

    settings = _settings()
    with _reported():
        target = download(settings, document_id, format, to, actor=resolve_actor(settings),
                          version=version)
    console.print(f"written {target} (checksum verified)")


@archive_app.command("export")
def archive_export(
    year: Annotated[int, typer.Option(help="The 年度 to transfer.")],
    to: Annotated[Path, typer.Option(help="Folder the package is written to.")],
) -> None:
    """Write the year's transfer package (移交): catalogue, filed PDF/A, metadata, manifest."""
    from wenshu.access import resolve_actor
    from wenshu.archive.transfer import export_year

    settings = _settings()
    with _reported():
        package = export_year(settings, year, to, actor=resolve_actor(settings))
    console.print(f"written {package.path}: {package.documents} documents, "
                  f"{package.pages} pages, {package.members} files")
    console.print(f"SHA-256 {package.sha256}")


@archive_app.command("import")
def archive_import(
    package: Annotated[Path, typer.Argument(metavar="PACKAGE", help="A transfer package .zip.")],
) -> None:
    """Import a transfer package: checked against its manifest, added in one transaction."""
    from wenshu.access import resolve_actor
    from wenshu.archive.transfer import import_package

    settings = _settings()
    with _reported():
        summary = import_package(settings, package, actor=resolve_actor(settings))
    console.print(f"imported {summary.documents} documents of fonds {summary.fonds}, "
                  f"{summary.year} ({summary.units_created} units created)")


@archive_app.command("due")
def archive_due(
    on: Annotated[str | None, typer.Option(help="As of this date, YYYY-MM-DD (default today).")
                  ] = None,
) -> None:
    """Records past their retention period (到期档案), for an archivist to appraise."""
    from wenshu.access import resolve_actor
    from wenshu.archive.retention import due_records

    settings = _settings()
    with _reported():
        records = due_records(settings, actor=resolve_actor(settings), on=_parse_date(on))
    if not records:
        console.print("No records are past their retention period.")
        return
    table = Table("id", "ver", "档号", "题名", "unit", "保管期限", "due since",
                  title=f"{len(records)} record(s) past retention")
    for r in records:
        table.add_row(str(r.document_id), str(r.version), r.archival_code, r.title, r.unit_code,
                      r.retention, r.due_on.isoformat())
    console.print(table)


@archive_app.command("dispose")
def archive_dispose(
    document_id: Annotated[int, typer.Argument(metavar="ID")],
    version: Annotated[int, typer.Option(help="The filed version to dispose of.")],
    reason: Annotated[str, typer.Option(help="Why (e.g. the appraisal decision).")],
) -> None:
    """Destroy a record past retention (销毁), keeping its catalogue entry (archivists)."""
    from wenshu.access import resolve_actor
    from wenshu.archive.retention import dispose

    settings = _settings()
    with _reported():
        record = dispose(settings, document_id, version, actor=resolve_actor(settings),
                         reason=reason)
    console.print(f"disposed of {record.archival_code}; its catalogue entry remains")


@archive_app.command("log")
def archive_log(
    action: Annotated[str | None, typer.Option(help="file, view, download, export, verify, "
                                                    "dispose …")] = None,
    target: Annotated[str | None, typer.Option(help="A 档号, document:ID, year:YYYY …")] = None,
    agent: Annotated[str | None, typer.Option(help="Who acted.")] = None,
    refused: Annotated[bool, typer.Option(help="Only refused actions.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="The most recent N events.")] = 50,
) -> None:
    """The audit log (审计日志): who did what to which record, when, with what outcome."""
    from wenshu.archive.audit import ACTION_LABELS, events

    settings = _settings()
    table = Table("#", "time (UTC)", "agent", "action", "outcome", "target", "detail")
    for e in events(settings, action=action, target=target, agent=agent,
                    outcome="refused" if refused else None, limit=limit):
        colour = {"ok": "green", "refused": "red", "failed": "yellow"}[e.outcome]
        detail = e.detail.get("reason") or ", ".join(f"{k}={v}" for k, v in e.detail.items())
        table.add_row(str(e.id), e.at.strftime("%Y-%m-%d %H:%M:%S"), e.agent,
                      f"{e.action} {ACTION_LABELS[e.action]}", f"[{colour}]{e.outcome}[/{colour}]",
                      e.target, str(detail)[:80])
    console.print(table)


@templates_app.command("check")
def templates_check(
    file: Path,
    kind: Annotated[str | None, typer.Option(
        help="Document kind the template is for (year_summary, half_year_summary …): "
             "also compares the variables it uses with those the kind provides.")] = None,
) -> None:
    """Check a .docx template before any render: Jinja syntax, split tags, IME delimiters,
    variables the kind does not provide (and the reverse)."""
    from wenshu.generators.kinds import registered_kinds, sample_context
    from wenshu.generators.template_check import check_template, context_paths

    kinds = registered_kinds()
    if kind is not None and kind not in kinds:
        raise typer.BadParameter(f"unknown kind {kind!r} (kinds: {', '.join(sorted(kinds))})")
    with _reported():
        provided = context_paths(sample_context(kinds[kind])) if kind else None
        problems = check_template(file, provided)
    for problem in problems:
        colour = "red" if problem.severity == "error" else "yellow"
        console.print(f"[{colour}]{problem}[/{colour}]")
    errors = sum(1 for p in problems if p.severity == "error")
    console.print(f"{file.name}: {errors} error(s), {len(problems) - errors} warning(s)")
    if errors:
        raise typer.Exit(1)


@checklists_app.command("check")
def checklists_check(file: Annotated[str, typer.Argument(
        metavar="FILE", help="A checklist file (.yaml) or a shipped checklist's name.")]) -> None:
    """Validate a checklist and list what each item reads from."""
    from wenshu.models.catalogue import load_catalogue
    from wenshu.models.checklist import (
        check_catalogue,
        item_sources,
        load_checklist,
        plain_number,
        resolve_checklist,
    )

    settings = get_settings()
    with _reported():
        path = resolve_checklist(file)
        checklist = load_checklist(path)
        catalogue = load_catalogue(settings.catalogue_dir)
        check_catalogue(checklist, catalogue, str(path))
        sources = item_sources(checklist, catalogue)
    say = lambda text: console.print(text, soft_wrap=True, markup=False, highlight=False)  # noqa: E731
    grades = ", ".join(f"{g.label} ≥{plain_number(g.min_points)}" for g in checklist.grades)
    say(f"{path.name}: {checklist.key} 《{checklist.title}》, {len(checklist.sections)} sections, "
        f"{len(sources)} items, {plain_number(checklist.max_points)} points; "
        f"grades: {grades or 'none'}")
    for section in checklist.sections:
        say(f"{section.title} ({plain_number(section.max_points)} points)")
        for source in (s for s in sources if s.section == section.title):
            veto = f"  [{source.veto}]" if source.veto else ""
            say(f"  {source.key}  {source.label}  {plain_number(source.points)} points{veto}")
            say(f"      reads: {source.reads}")
            if source.standard:
                say(f"      standard: {source.standard}")
    say(f"{path.name}: OK")


def _unit_codes(values: list[str]) -> list[str]:
    """Unit codes given as repeated options or separated by commas or spaces."""
    import re

    return [code for value in values for code in re.split(r"[,，\s]+", value) if code]


@inspect_app.command("sheet")
def inspect_sheet(
    checklist: Annotated[str, typer.Option(
        help="A shipped checklist's name (model_community …) or a checklist file.")],
    units: Annotated[list[str], typer.Option(
        "--units", help="Unit codes to inspect (repeat the option, or separate with commas).")],
    out: Annotated[Path | None, typer.Option(
        help="The sheet to write (.xlsx); default <checklist>_检查记录表.xlsx here.")] = None,
) -> None:
    """Write the sheet inspectors fill in on site: one row per unit and observed item."""
    from wenshu.ingest.findings import unit_names, write_findings_sheet
    from wenshu.models.checklist import load_checklist, resolve_checklist

    if out is not None and out.suffix.lower() != ".xlsx":
        raise typer.BadParameter(f"the sheet is an .xlsx file, not {out.name}")
    settings = _settings()
    with _reported():
        loaded = load_checklist(resolve_checklist(checklist))
        with session_scope(settings) as session:
            named = unit_names(session, _unit_codes(units))
        target = out or Path(f"{loaded.key}_检查记录表.xlsx")
        write_findings_sheet(target, loaded, named)
    console.print(f"{target}: {len(named)} unit(s) × {len(loaded.observed)} observed item(s) "
                  f"= {len(named) * len(loaded.observed)} rows to fill in", soft_wrap=True,
                  markup=False, highlight=False)


@inspect_app.command("record")
def inspect_record(
    file: Path,
    checklist: Annotated[str, typer.Option(
        help="A shipped checklist's name (model_community …) or a checklist file.")],
    period: Annotated[str, typer.Option(
        help="The inspection's period: 2025, 2025H1, 2025Q3 or 2025-03.")],
    inspector: Annotated[str | None, typer.Option(
        help="Who inspected, for rows without a 检查人.")] = None,
) -> None:
    """Import inspectors' findings (.xlsx/.csv, one row per unit and item), all or nothing.

    Any bad row rejects the file; you must supervise every unit in it.
    """
    from wenshu.access import authorize, resolve_actor
    from wenshu.ingest.findings import import_findings
    from wenshu.models.checklist import load_checklist, resolve_checklist

    settings = _settings()
    with _reported():
        loaded = load_checklist(resolve_checklist(checklist))
        actor = resolve_actor(settings)
        target = f"findings:{loaded.key}:{period}"
        authorize(settings, actor, "inspect", None, target=target)

    def may_inspect(code: str) -> None:
        authorize(settings, actor, "inspect", code, target=f"{target}:{code}")

    _import(import_findings, [file], checklist=loaded, period=period, inspector=inspector,
            may_inspect=may_inspect)


@inspect_app.command("run")
def inspect_run(
    checklist: Annotated[str, typer.Option(
        help="A shipped checklist's name (model_community …) or a checklist file.")],
    units: Annotated[list[str], typer.Option(
        "--units", help="Unit codes to inspect (repeat the option, or separate with commas).")],
    period: Annotated[str, typer.Option(
        help="The inspection's period: 2025, 2025H1, 2025Q3 or 2025-03.")],
    follow_up: Annotated[bool, typer.Option(
        "--follow-up", help="Check the previous inspection's findings: 已整改/未整改.")] = False,
    inspected: Annotated[str | None, typer.Option(
        "--inspected", help="Inspection date, YYYY-MM-DD; deadlines run from it "
                            "(default: the signing date).")] = None,
    issued: IssuedOption = None, signature: SignatureOption = None,
    narrative: NarrativeOption = None, doc_number: DocNumberOption = "",
    to: AddresseeOption = "", attachment: AttachmentOption = None,
    copy_to: CopyToOption = None, printed_by: PrintedByOption = "",
    script: ScriptOption = Script.simplified,
    timeout: Annotated[float, typer.Option(
        help="Seconds to wait for a served run to finish.")] = 1800,
) -> None:
    """Score and rank the units, and archive each unit's 检查情况反馈意见 and the 检查情况通报.

    Runs as the served deployment when 'wenshu serve' (or PREFECT_API_URL) offers one,
    otherwise in this process: the same flow either way.
    """
    from wenshu.access import resolve_actor
    from wenshu.models.checklist import load_checklist, resolve_checklist
    from wenshu.workflows.serve import deployment_ready, run_served, running_server

    settings = _settings()
    for path in narrative or []:
        if not path.is_file():
            raise typer.BadParameter(f"narrative file not found: {path}")
    try:
        period_code = Period.parse(period).code
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    codes = _unit_codes(units)
    with _reported():
        path = resolve_checklist(checklist)
        loaded = load_checklist(path)
        actor = resolve_actor(settings)
    # A file is named by its absolute path: a served run works in another directory.
    chosen = str(Path(checklist).resolve()) if Path(checklist).is_file() else checklist
    parameters = {
        "checklist": chosen, "units": codes, "period": period_code, "follow_up": follow_up,
        "inspected_on": _parse_date(inspected), "issued_on": _parse_date(issued),
        "signature_unit": signature,
        "narrative_files": [str(p.resolve()) for p in narrative or []],
        "letterhead": _letterhead(doc_number, to, attachment, copy_to, printed_by),
        "script": script.value, "user": actor.name,
    }
    flow_name = "inspection_report"
    with _reported():
        api = running_server(settings)
        if api is not None and deployment_ready(api, flow_name):
            from wenshu.workflows.inspection import inspection_outcomes

            with console.status(f"Running (served deployment {flow_name} at {api})…"):
                run_id = run_served(api, flow_name, parameters, timeout=timeout)
            console.print(f"flow run {run_id} completed on {api}", soft_wrap=True)
            assert actor.unit_code is not None
            outcomes = inspection_outcomes(settings, loaded.key, period_code, codes,
                                           issuer=actor.unit_code, script=script.value,
                                           run_id=run_id)
        else:
            console.print("No served inspection_report deployment found: running it in this "
                          "process ('wenshu serve' runs flows as deployments, faster after "
                          "the first run).", soft_wrap=True)
            from wenshu.workflows.inspection import inspection_report

            with console.status(f"Running (Prefect flow {flow_name})…"):
                outcomes = inspection_report(**parameters)
    print_outcomes(outcomes, settings.archive_dir)


@app.command()
def serve(
    port: Annotated[int | None, typer.Option(
        help="Port of the local Prefect server to start (default: a free one).")] = None,
    poll: Annotated[int, typer.Option(
        min=1, help="Seconds between the runner's looks for runs to start.")] = 1,
) -> None:
    """Serve the document flows as Prefect deployments (run them from the Prefect UI or
    'wenshu inspect run'); starts a Prefect server on 127.0.0.1 unless one is configured
    (PREFECT_API_URL) or already started by 'wenshu serve'. Stop with Ctrl-C or SIGTERM."""
    import os
    import signal

    from wenshu.workflows.serve import (
        DEPLOYMENT,
        ServeError,
        forget_server,
        record_server,
        running_server,
        serve_flows,
        served_flows,
        start_server,
    )

    settings = _settings()
    server = None
    with _reported():
        api = running_server(settings)
        if api is None and os.environ.get("PREFECT_API_URL"):
            raise ServeError(f"PREFECT_API_URL is {os.environ['PREFECT_API_URL']}, but no "
                             "Prefect server answers there")
        if api is None:
            with console.status("Starting the Prefect server on 127.0.0.1…"):
                server = start_server(settings, port=port)
            api = server.api_url
            record_server(settings, api)
    names = ", ".join(f"{f.name}/{DEPLOYMENT}" for f in served_flows())
    console.print(f"Prefect API {api} (UI {api.removesuffix('/api')}); serving {names}; "
                  "stop with Ctrl-C.", soft_wrap=True, markup=False, highlight=False)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # the same way out as Ctrl-C, through the finally below

    signal.signal(signal.SIGTERM, stop)
    try:
        serve_flows(api, poll_seconds=poll)
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            forget_server(settings)
            server.stop()


@app.command()
def demo(
    seed: int = 9704,
    issued: Annotated[str | None, typer.Option(help="Signing date, YYYY-MM-DD.")] = None,
) -> None:
    """Build a demo district (1 + 11 + 111 units), import two years, generate summaries."""
    from wenshu.demo.run import run_demo

    with _reported():
        run_demo(_settings(), seed=seed, issued_on=_parse_date(issued), console=console)


@app.command("db-upgrade")
def db_upgrade() -> None:
    """Apply database migrations (every command does this on start)."""
    settings = _settings()
    console.print(f"database at the latest revision: {settings.db_url}")


def main() -> None:
    """Entry point of the ``wenshu`` script."""
    app()

