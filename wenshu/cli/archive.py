"""``wenshu archive``: list, show, search, file, get, verify, export, import, due, dispose, log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wenshu.cli.common import acting, console, parse_date, reported, settings

app = typer.Typer(help="The document archive (归档).", no_args_is_help=True)


@app.command("list")
def archive_list(
    unit: str | None = None, year: int | None = None, kind: str | None = None,
    limit: Annotated[int, typer.Option(min=1, help="Most documents to show.")] = 500,
) -> None:
    """List the archived documents you may see (latest version of each, newest first)."""
    from wenshu.archive.search import SearchQuery, search

    current = settings()
    with reported():
        hits = search(current, SearchQuery(unit_code=unit, year=year, kind=kind, limit=limit),
                      actor=acting(current))
    table = Table("id", "kind", "unit", "period", "title", "ver", "status", "档号")
    for hit in hits:
        script = "" if hit.script == "simplified" else hit.script
        period = " ".join(part for part in (hit.period, hit.topic, script) if part)
        table.add_row(str(hit.document_id), hit.kind, hit.unit_code, period, hit.title,
                      str(hit.version), hit.status or "", hit.archival_code or "")
    console.print(table)


@app.command("show")
def archive_show(document_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """The versions of a document you may see: provenance, filing state, file digests."""
    from wenshu.archive.reading import view_document

    current = settings()
    with reported():
        versions = view_document(current, document_id, actor=acting(current))
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


@app.command("search")
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

    from wenshu.archive.search import SearchQuery, search

    current = settings()
    with reported():
        hits = search(current, SearchQuery(
            text=text, unit_code=unit, subtree=subtree, year=year, period=period, kind=kind,
            retention=retention, status=status, archival_code=code, limit=limit),
            actor=acting(current))
    if not hits:
        console.print("No documents found.")
        return
    table = Table("id", "ver", "unit", "period", "kind", "档号", "snippet",
                  title=f"{len(hits)} document(s)")
    for hit in hits:
        snippet = Text(hit.snippet.text)
        for start, end in hit.snippet.marks:
            snippet.stylize("bold red", start, end)
        table.add_row(str(hit.document_id), str(hit.version), f"{hit.unit_name} {hit.unit_code}",
                      hit.period, hit.kind, hit.archival_code or "", snippet)
    console.print(table)


@app.command("file")
def archive_file(
    document_id: Annotated[int, typer.Argument(metavar="ID")],
    version: Annotated[int | None, typer.Option(help="Default: the latest.")] = None,
    retention: Annotated[str | None, typer.Option(
        help="Y (永久), D30 or D10; default: the rule for the document's kind.")] = None,
    reason: Annotated[str | None, typer.Option(
        help="Why this version corrects the filed one (required for a correction).")] = None,
) -> None:
    """File a version (归档): give it its 档号, stamp the 归档章 on a copy of its PDF."""
    from wenshu.archive.filing import file_version

    current = settings()
    with reported():
        record = file_version(current, document_id, version, actor=acting(current),
                              retention=retention, reason=reason)
    console.print(f"filed version {record.version} as {record.archival_code}")
    if record.supersedes_version is not None:
        console.print(f"supersedes version {record.supersedes_version}: {record.change_reason}")
    console.print(f"stamped PDF: {record.files['pdf_filed'].path}")


@app.command("verify")
def archive_verify(
    year: Annotated[int | None, typer.Option(help="Only the records of this 年度.")] = None,
) -> None:
    """四性检测: authenticity, integrity, usability and security of the archive (archivists)."""
    from wenshu.archive.verify import PROPERTIES, verify_archive

    current = settings()
    with reported():
        report = verify_archive(current, actor=acting(current), year=year)
    for prop, results in report.by_property().items():
        table = Table("check", "checked", "problems", title=f"{PROPERTIES[prop]} {prop}")
        for r in results:
            table.add_row(f"{r.check.label} {r.check.name}", str(r.checked),
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


@app.command("get")
def archive_get(
    document_id: Annotated[int, typer.Argument(metavar="ID")],
    to: Annotated[str, typer.Option(
        help="Target file, or folder (an existing one, or one ending in / to create).")],
    format: Annotated[str, typer.Option(help="docx, pdf, pdf_filed (stamped) or dat46.")] = "pdf",
    version: Annotated[int | None, typer.Option(help="Default: the latest.")] = None,
) -> None:
    """Copy an archived file out, after checking its SHA-256 against the record."""
    import os

    from wenshu.archive.reading import download

    current = settings()
    with reported():
        # Path() drops a trailing slash: read "out/" as a folder before it does.
        target = download(current, document_id, format, Path(to), actor=acting(current),
                          version=version, folder=to.endswith(("/", os.sep)))
    console.print(f"written {target} (checksum verified)", soft_wrap=True, markup=False,
                  highlight=False)


@app.command("export")
def archive_export(
    year: Annotated[int, typer.Option(help="The 年度 to transfer.")],
    to: Annotated[Path, typer.Option(help="Folder the package is written to.")],
) -> None:
    """Write the year's transfer package (移交): catalogue, filed PDF/A, metadata, manifest."""
    from wenshu.archive.transfer import export_year

    current = settings()
    with reported():
        package = export_year(current, year, to, actor=acting(current))
    console.print(f"written {package.path}: {package.documents} documents, "
                  f"{package.pages} pages, {package.members} files")
    console.print(f"SHA-256 {package.sha256}")


@app.command("import")
def archive_import(
    package: Annotated[Path, typer.Argument(metavar="PACKAGE", help="A transfer package .zip.")],
) -> None:
    """Import a transfer package: checked against its manifest, added in one transaction."""
    from wenshu.archive.transfer_import import import_package

    current = settings()
    with reported():
        summary = import_package(current, package, actor=acting(current))
    console.print(f"imported {summary.documents} documents of fonds {summary.fonds}, "
                  f"{summary.year} ({summary.units_created} units created)")


@app.command("due")
def archive_due(
    on: Annotated[str | None, typer.Option(help="As of this date, YYYY-MM-DD (default today).")
                  ] = None,
) -> None:
    """Records past their retention period (到期档案), for an archivist to appraise."""
    from wenshu.archive.retention import due_records

    current = settings()
    with reported():
        records = due_records(current, actor=acting(current), on=parse_date(on))
    if not records:
        console.print("No records are past their retention period.")
        return
    table = Table("id", "ver", "档号", "题名", "unit", "保管期限", "due since",
                  title=f"{len(records)} record(s) past retention")
    for r in records:
        table.add_row(str(r.document_id), str(r.version), r.archival_code, r.title, r.unit_code,
                      r.retention, r.due_on.isoformat())
    console.print(table)


@app.command("dispose")
def archive_dispose(
    document_id: Annotated[int, typer.Argument(metavar="ID")],
    version: Annotated[int, typer.Option(help="The filed version to dispose of.")],
    reason: Annotated[str, typer.Option(help="Why (e.g. the appraisal decision).")],
) -> None:
    """Destroy a record past retention (销毁), keeping its catalogue entry (archivists)."""
    from wenshu.archive.retention import dispose

    current = settings()
    with reported():
        record = dispose(current, document_id, version, actor=acting(current),
                         reason=reason)
    console.print(f"disposed of {record.archival_code}; its catalogue entry remains")


@app.command("log")
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

    current = settings()
    table = Table("#", "time (UTC)", "agent", "action", "outcome", "target", "detail")
    for e in events(current, action=action, target=target, agent=agent,
                    outcome="refused" if refused else None, limit=limit):
        colour = {"ok": "green", "refused": "red", "failed": "yellow"}[e.outcome]
        detail = e.detail.get("reason") or ", ".join(f"{k}={v}" for k, v in e.detail.items())
        table.add_row(str(e.id), e.at.strftime("%Y-%m-%d %H:%M:%S"), e.agent,
                      f"{e.action} {ACTION_LABELS[e.action]}", f"[{colour}]{e.outcome}[/{colour}]",
                      e.target, str(detail)[:80])
    console.print(table)


