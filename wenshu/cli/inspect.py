"""Inspections: ``wenshu checklists check``, ``wenshu inspect sheet|record|run|self``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wenshu.cli.common import (
    AddresseeOption,
    AttachmentOption,
    CopyToOption,
    DocNumberOption,
    IssuedOption,
    NarrativeOption,
    PrintedByOption,
    Script,
    ScriptOption,
    SignatureOption,
    acting,
    console,
    letterhead,
    parse_date,
    print_outcomes,
    reported,
    settings,
    unit_codes,
)
from wenshu.cli.documents import inspect_self
from wenshu.settings import get_settings

app = typer.Typer(help="Inspections (检查): self-inspection reports (自查报告); a "
                       "supervisor's inspection: findings sheets, findings, scores, "
                       "ranking and reports (检查情况反馈意见, 检查情况通报).",
                  no_args_is_help=True)
checklists_app = typer.Typer(help="Inspection checklists (检查评分标准).", no_args_is_help=True)
app.command("self")(inspect_self)
ChecklistOption = Annotated[str, typer.Option(
    help="A shipped checklist's name (model_community …) or a checklist file.")]
PeriodOption = Annotated[str, typer.Option(
    help="The inspection's period: 2025, 2025H1, 2025Q3 or 2025-03.")]
UnitsOption = Annotated[list[str], typer.Option(
    "--units", help="Unit codes to inspect (repeat the option, or separate with commas).")]


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
    with reported():
        path = resolve_checklist(file)
        checklist = load_checklist(path)
        catalogue = load_catalogue(settings.catalogue_dir)
        check_catalogue(checklist, catalogue, str(path))
        sources = item_sources(checklist, catalogue)
    say = lambda text: console.print(text, soft_wrap=True, markup=False, highlight=False)  # noqa: E731
    grades = ", ".join(f"{g.label} ≥{plain_number(g.min_points)}" for g in checklist.grades)
    say(f"{path.name}: {checklist.key} 《{checklist.title}》, {len(checklist.sections)} sections, "
        f"{len(sources)} items, {plain_number(checklist.max_points)} points; "
        f"grades: {grades or 'none'}; levels: {', '.join(checklist.levels) or 'any'}")
    for section in checklist.sections:
        say(f"{section.title} ({plain_number(section.max_points)} points)")
        for source in (s for s in sources if s.section == section.title):
            veto = f"  [{source.veto}]" if source.veto else ""
            say(f"  {source.key}  {source.label}  {plain_number(source.points)} points{veto}")
            say(f"      reads: {source.reads}")
            if source.standard:
                say(f"      standard: {source.standard}")
    say(f"{path.name}: OK")



@app.command("sheet")
def inspect_sheet(
    checklist: ChecklistOption,
    units: UnitsOption,
    out: Annotated[Path | None, typer.Option(
        help="The sheet to write (.xlsx); default <checklist>_检查记录表.xlsx here.")] = None,
) -> None:
    """Write the sheet inspectors fill in on site: one row per unit and observed item."""
    from wenshu.services import inspections

    if out is not None and out.suffix.lower() != ".xlsx":
        raise typer.BadParameter(f"the sheet is an .xlsx file, not {out.name}")
    current = settings()
    actor = acting(current)
    codes = unit_codes(units)
    with reported():
        loaded = inspections.checklist(checklist)
        target = out or Path(f"{loaded.key}_检查记录表.xlsx")
        inspections.findings_sheet(current, actor, checklist, codes, target)
    console.print(f"{target}: {len(codes)} unit(s) × {len(loaded.observed)} observed item(s) "
                  f"= {len(codes) * len(loaded.observed)} rows to fill in", soft_wrap=True,
                  markup=False, highlight=False)


@app.command("record")
def inspect_record(
    file: Path,
    checklist: ChecklistOption,
    period: PeriodOption,
    inspector: Annotated[str | None, typer.Option(
        help="Who inspected, for rows without a 检查人.")] = None,
) -> None:
    """Import inspectors' findings (.xlsx/.xls/.csv, one row per unit and item), all or nothing.

    Any bad row rejects the file; you must supervise every unit in it.
    """
    from wenshu.cli.common import import_each
    from wenshu.services import inspections

    current = settings()
    actor = acting(current)
    import_each(lambda path: inspections.record_findings_file(
        current, actor, path, checklist, period, inspector=inspector), [file])


@app.command("run")
def inspect_run(
    checklist: ChecklistOption,
    units: UnitsOption,
    period: PeriodOption,
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

    Runs on the deployment when a Prefect server offers one ('wenshu serve', or
    PREFECT_API_URL and a 'wenshu worker'), otherwise in this process: the same flow.
    """
    from wenshu.services import inspections

    current = settings()
    actor = acting(current)
    with reported():
        request = inspections.parse_inspection(dict(
            checklist=checklist, units=unit_codes(units), period=period, follow_up=follow_up,
            inspected_on=parse_date(inspected), issued_on=parse_date(issued),
            signature_unit=signature, narrative_files=[str(p) for p in narrative or []],
            letterhead=letterhead(doc_number, to, attachment, copy_to, printed_by),
            script=script.value))
        with console.status("Running the inspection (Prefect flow inspection_report)…"):
            outcomes = inspections.run_inspection(
                current, actor, request, timeout=timeout,
                on_route=lambda said: console.print(said, soft_wrap=True, markup=False))
    print_outcomes(outcomes, current.archive_dir)
