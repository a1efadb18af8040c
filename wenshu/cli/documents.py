"""Documents on request: ``wenshu summary year|half``, ``wenshu plan work|campaign``,
``wenshu inspect self``. Each builds a :class:`GenerateRequest` and hands it to the
application layer, which checks it before Prefect starts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from wenshu.cli.common import (
    AddresseeOption,
    AllLevelsOption,
    AttachmentOption,
    CopyToOption,
    DocNumberOption,
    IssuedOption,
    LineOption,
    NarrativeOption,
    PrintedByOption,
    Script,
    ScriptOption,
    SignatureOption,
    UnitOption,
    YearOption,
    acting,
    console,
    letterhead,
    parse_date,
    print_outcomes,
    reported,
    settings,
)

summary_app = typer.Typer(help="Generate summaries (工作总结).", no_args_is_help=True)
plan_app = typer.Typer(help="Plans: work plans (工作计划), campaign plans (实施方案).",
                       no_args_is_help=True)


def run(kind: str, unit: str, period: str, *, narrative: list[Path] | None, issued: str | None,
        signature: str | None, head: dict[str, object], script: Script,
        **extra: Any) -> None:
    """Check and generate one kind through its flow, then print what was archived."""
    from wenshu.services.documents import generate
    from wenshu.services.requests import parse_request

    current = settings()
    actor = acting(current)
    with reported():
        request = parse_request(dict(
            kind=kind, unit_code=unit, period=period, issued_on=parse_date(issued),
            signature_unit=signature, letterhead=head, script=script.value,
            narrative_files=[str(p.resolve()) for p in narrative or []], **extra))
        with console.status(f"Generating {kind} (Prefect flow)…"):
            outcomes = generate(current, actor, request, on_route=lambda said: console.print(
                said, soft_wrap=True, markup=False, highlight=False))
    print_outcomes(outcomes, current.archive_dir)


@summary_app.command("year")
def summary_year(unit: UnitOption, year: YearOption, all_levels: AllLevelsOption = False,
                 narrative: NarrativeOption = None, issued: IssuedOption = None,
                 signature: SignatureOption = None, doc_number: DocNumberOption = "",
                 to: AddresseeOption = "", attachment: AttachmentOption = None,
                 copy_to: CopyToOption = None, printed_by: PrintedByOption = "",
                 script: ScriptOption = Script.simplified, line: LineOption = "") -> None:
    """Generate the 年度工作总结 (Word + PDF) through the Prefect flow and archive it."""
    run("year_summary", unit, str(year), narrative=narrative, issued=issued,
        signature=signature, head=letterhead(doc_number, to, attachment, copy_to, printed_by),
        script=script, all_levels=all_levels, line=line)


@summary_app.command("half")
def summary_half(unit: UnitOption, year: YearOption, all_levels: AllLevelsOption = False,
                 narrative: NarrativeOption = None, issued: IssuedOption = None,
                 signature: SignatureOption = None, doc_number: DocNumberOption = "",
                 to: AddresseeOption = "", attachment: AttachmentOption = None,
                 copy_to: CopyToOption = None, printed_by: PrintedByOption = "",
                 script: ScriptOption = Script.simplified, line: LineOption = "") -> None:
    """Generate the 半年工作总结 (January–June against the year's targets) and archive it."""
    run("half_year_summary", unit, str(year), narrative=narrative, issued=issued,
        signature=signature, head=letterhead(doc_number, to, attachment, copy_to, printed_by),
        script=script, all_levels=all_levels, line=line)


@plan_app.command("work")
def plan_work(
    unit: UnitOption,
    period: Annotated[str, typer.Option(help="The plan's year (2026) or quarter (2026Q1).")],
    all_levels: AllLevelsOption = False, narrative: NarrativeOption = None,
    issued: IssuedOption = None, signature: SignatureOption = None,
    doc_number: DocNumberOption = "", to: AddresseeOption = "",
    attachment: AttachmentOption = None, copy_to: CopyToOption = None,
    printed_by: PrintedByOption = "", script: ScriptOption = Script.simplified,
    line: LineOption = "",
) -> None:
    """Generate the 工作计划 for a year or quarter (targets, tasks, timetable, duties) and archive it."""
    run("work_plan", unit, period, narrative=narrative, issued=issued, signature=signature,
        head=letterhead(doc_number, to, attachment, copy_to, printed_by), script=script,
        all_levels=all_levels, line=line)


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
    run("campaign_plan", unit, "", narrative=None, issued=issued, signature=signature,
        head=letterhead(doc_number, to, attachment, copy_to, printed_by), script=script,
        spec_file=str(spec.resolve()))


def inspect_self(
    unit: UnitOption, year: YearOption,
    answers: Annotated[Path | None, typer.Option(
        help="The unit's answers to the observed items (.yaml); see "
             "wenshu/data/samples/self_inspection_answers.yaml.")] = None,
    checklist: Annotated[str | None, typer.Option(
        help="A shipped checklist's name (family_planning) or a checklist file; "
             "default: the line's first.")] = None,
    narrative: NarrativeOption = None, issued: IssuedOption = None,
    signature: SignatureOption = None, doc_number: DocNumberOption = "",
    to: AddresseeOption = "", attachment: AttachmentOption = None,
    copy_to: CopyToOption = None, printed_by: PrintedByOption = "",
    script: ScriptOption = Script.simplified, line: LineOption = "",
) -> None:
    """Generate the 自查报告: the unit answers a checklist with its own figures; archive it."""
    run("self_inspection", unit, str(year), narrative=narrative, issued=issued,
        signature=signature, head=letterhead(doc_number, to, attachment, copy_to, printed_by),
        script=script, checklist=checklist, line=line,
        answers_file=str(answers.resolve()) if answers else None)
