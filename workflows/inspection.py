"""The ``inspection_report`` flow: a supervisor inspects units against a checklist.

load (the issuer's subtree, the inspectors' findings, what each unit holds in the
archive; for a follow-up, the earlier inspection's) → score (mapped: one task per unit)
→ rank → draft (mapped: one task per document, its context and .docx) → convert (warm
LibreOffice, the whole batch) → archive. It makes one 检查情况反馈意见 per unit, filed
under that unit, and one 检查情况通报, filed under the issuing unit: the acting
supervisor's unit, who must supervise every unit inspected.

Every task is a thin call into a plain function in
:mod:`wenshu.workflows.inspection_steps` or :mod:`wenshu.pipeline`; tests and the
benchmark call those directly. Served as a deployment by ``wenshu serve``
(:mod:`wenshu.workflows.serve`); ``wenshu inspect run`` triggers that deployment when a
server is up and otherwise calls the flow in-process: the same code either way.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.access import authorize, resolve_actor
from wenshu.codes import check_unit_code
from wenshu.compute.snapshot import Snapshot
from wenshu.generators.inspection import INSPECTION_BULLETIN, INSPECTION_REPORT
from wenshu.generators.inspection_inputs import (
    UnitInspection,
    rank_units,
)
from wenshu.generators.kinds import DocumentKind, DocumentOptions
from wenshu.jobs import report
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.models.checklist import Checklist
from wenshu.paths import inside
from wenshu.periods import Period
from wenshu.pipeline import Outcome
from wenshu.services.documents import office_lines
from wenshu.services.inputs import InputFile, checked_checklist
from wenshu.settings import Settings, get_settings
from wenshu.workflows.documents import STAGES, convert_and_file, document_options
from wenshu.workflows.inspection_steps import (
    Draft,
    Inspection,
    UnitWork,
    bulletin_options,
    draft_document,
    load_inspection,
    places,
    report_options,
    score_unit,
    unit_works,
)
from wenshu.workflows.runtime import current_flow_run_id


def _inspecting_unit(settings: Settings, user: str | None, checklist_name: str,
                     units: Sequence[str], period: Period) -> str:
    """The unit of ``user`` (default: the settings' user), once checked as a supervisor
    allowed to inspect every one of ``units`` (each code valid)."""
    for code in units:
        check_unit_code(code)
    actor = resolve_actor(settings, user)
    target = f"inspection:{checklist_name}:{period.code}"
    authorize(settings, actor, "inspect", None, target=target)
    for code in units:
        authorize(settings, actor, "inspect", code, target=f"{target}:{code}")
    assert actor.unit_code is not None  # a supervisor always has one
    return actor.unit_code


def _draft_all(settings: Settings, inspection: Inspection, works: Sequence[UnitWork],
               catalogue: Catalogue, period: Period, unit_options: Sequence[DocumentOptions],
               bulletin: DocumentOptions, work: Path) -> list[Draft]:
    """Every unit's 反馈意见 (as mapped tasks) and the 通报, drafted into ``work``."""
    reports = draft.map(
        unmapped(settings), unmapped(INSPECTION_REPORT), [quote(w.snapshot) for w in works],
        unmapped(quote(catalogue)), [w.code for w in works], unmapped(period),
        [quote(options) for options in unit_options], unmapped(work))
    drafted = draft(settings, INSPECTION_BULLETIN, quote(inspection.snapshot),
                    quote(catalogue), inspection.issuer, period, quote(bulletin), work)
    return [*reports.result(), drafted]


def _checklist_name(checklist: str | InputFile) -> str:
    """How the audit log names a checklist: its shipped name or its file's name."""
    return checklist if isinstance(checklist, str) else str(checklist.get("name", "?"))


# Tasks --------------------------------------------------------------------------------------


@task(cache_policy=NO_CACHE)
def load(settings: Settings, checklist: Checklist, units: list[str], period: Period, issuer: str,
         inspected_on: date, follow_up: bool) -> Inspection:
    """Read the inspection's inputs."""
    return load_inspection(settings, checklist, units, period, issuer, inspected_on,
                           follow_up=follow_up)


@task(cache_policy=NO_CACHE)
def score(inspection: Inspection, catalogue: Catalogue, work: UnitWork) -> UnitInspection:
    """Score one unit."""
    return score_unit(inspection, catalogue, work)


@task(cache_policy=NO_CACHE)
def draft(settings: Settings, kind: DocumentKind, snapshot: Snapshot, catalogue: Catalogue,
          unit_code: str, period: Period, options: DocumentOptions, out_dir: Path) -> Draft:
    """Write one document's text and fill its Word template."""
    return draft_document(settings, kind, snapshot, catalogue, unit_code, period, options,
                          out_dir)


# The flow -------------------------------------------------------------------------------------


@flow(name="inspection_report", log_prints=False)
def inspection_report(checklist: str | InputFile, units: list[str], period: str,
                      follow_up: bool = False,
                      inspected_on: date | None = None, issued_on: date | None = None,
                      signature_unit: str | None = None,
                      narrative_texts: list[InputFile] | None = None,
                      letterhead: dict[str, Any] | None = None, script: str = "simplified",
                      user: str | None = None, narrative: dict[str, list[str]] | None = None,
                      job: str | None = None) -> list[Outcome]:
    """Inspect ``units`` against ``checklist`` for ``period``; archive every unit's
    检查情况反馈意见 and the 检查情况通报.

    ``checklist`` is a shipped checklist's name or a checklist file's name and text
    (``narrative_texts`` too are files by content); the findings are
    those recorded for the checklist and period (``wenshu inspect record``).
    ``follow_up`` sets each unit beside the latest earlier inspection of the same
    checklist (已整改/未整改). Deadlines run from ``inspected_on`` (default: the signing
    date ``issued_on``, default today). ``user`` (default: the settings' user) must be a
    supervisor of every unit; the bulletin is issued by their unit. Every unit code must
    be valid (:class:`~wenshu.errors.CodeError`). ``job``: a background job that hears
    each stage.
    """
    settings = get_settings()
    period_ = Period.parse(period)
    issuer = _inspecting_unit(settings, user, _checklist_name(checklist), units, period_)
    loaded = checked_checklist(settings, checklist)
    catalogue = load_catalogue(settings.catalogue_dir)
    # The documents are of the checklist's line of work: its indicators, its signing organ.
    line = office_lines(settings).for_checklist(loaded.key)
    base = document_options(issued_on, narrative_texts, signature_unit, letterhead, narrative,
                            script=script, line=line.identity)
    report(settings, job, STAGES["plan"])
    inspection = load(settings, loaded, list(units), period_, issuer,
                      inspected_on or base.issued_on, follow_up)
    works = unit_works(inspection)
    # quote(): Prefect would otherwise walk every snapshot and spec looking for futures
    # (a third of the flow's cost for a district's 111 communities).
    scored = score.map(unmapped(quote(inspection)), unmapped(quote(catalogue)),
                       [quote(w) for w in works]).result()
    ranked = rank_units(scored)
    placed = places(inspection, ranked)

    run_id = current_flow_run_id()
    work = inside(settings.work_dir, run_id or uuid.uuid4().hex)
    try:
        report(settings, job, STAGES["render"], 0, len(works) + 1)
        drafts = _draft_all(settings, inspection, works, catalogue, period_,
                            [report_options(base, inspection, w, placed[w.code], line)
                             for w in works], bulletin_options(base, inspection), work)
        unchanged = [d.unchanged for d in drafts if d.unchanged is not None]
        made = [d for d in drafts if d.job is not None]
        if not made:
            return unchanged
        jobs = [d.job for d in made if d.job is not None]
        docx = [d.docx for d in made if d.docx is not None]
        report(settings, job, STAGES["convert"], 0, len(jobs))
        created = convert_and_file(settings, quote(jobs), docx, run_id, job)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return created + unchanged
