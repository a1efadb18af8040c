"""The tasks every document flow shares: load → compute → render → convert → archive.

Each task is a thin call into :mod:`wenshu.pipeline`. Rendering is mapped (one
task per document); PDF conversion takes the whole batch to warm LibreOffice
workers, one per core, and is the only step that retries (LibreOffice can
crash; nothing else is flaky). :func:`generate_documents` runs the steps; call
it inside a flow.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from prefect import task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from wenshu.access import authorize, resolve_actor
from wenshu.compute.load import load_snapshot
from wenshu.compute.snapshot import Snapshot
from wenshu.db import session_scope
from wenshu.generators.kinds import DocumentKind, DocumentOptions
from wenshu.generators.layout_context import Letterhead
from wenshu.generators.pdf import PdfJob, open_converter
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.narrative import Narrative, parse_narrative
from wenshu.periods import Period
from wenshu.pipeline import Job, Outcome, archive_job, plan_documents, render_job, select_units
from wenshu.settings import Settings, get_settings
from wenshu.workflows.runtime import current_flow_run_id


@task(cache_policy=NO_CACHE)
def load(settings: Settings, unit_code: str, year: int) -> Snapshot:
    """Read the subtree's ledgers, figures and targets for the year and the one before."""
    with session_scope(settings) as session:
        return load_snapshot(session, unit_code, year)


@task(cache_policy=NO_CACHE)
def compute(settings: Settings, kind: DocumentKind, snapshot: Snapshot, catalogue: Catalogue,
            units: list[str], period: Period, options: DocumentOptions
            ) -> tuple[list[Job], list[Outcome]]:
    """Compute every unit's figures and text; keep only documents whose inputs changed."""
    return plan_documents(settings, kind, snapshot, catalogue, units, period, options)


@task(cache_policy=NO_CACHE)
def render(job: Job, out_dir: Path) -> Path:
    """Fill the Word template for one document."""
    return render_job(job, out_dir)


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def convert(settings: Settings, jobs: list[Job], docx: list[Path]) -> list[Path]:
    """Turn the batch into PDF/A: warm LibreOffice workers, one per core, each with its own
    profile (a crashed document is retried by the converter; this retry covers the rest)."""
    pdf_jobs = [PdfJob(path, path.with_suffix(".pdf"), job.pdf_metadata())
                for job, path in zip(jobs, docx, strict=True)]
    with open_converter(settings) as converter:
        return converter.convert_many(pdf_jobs)


@task(cache_policy=NO_CACHE)
def archive(settings: Settings, jobs: list[Job], docx: list[Path], pdf: list[Path],
            flow_run_id: str | None) -> list[Outcome]:
    """Store each document's Word and PDF files as a new version."""
    return [archive_job(settings, job, {"docx": d, "pdf": p}, flow_run_id)
            for job, d, p in zip(jobs, docx, pdf, strict=True)]


def document_options(issued_on: date | None, narrative_files: list[str] | None,
                     signature_unit: str | None, letterhead: dict[str, Any] | None = None,
                     **extra: Any) -> DocumentOptions:
    """Options from flow parameters (which must stay JSON-friendly for deployments).

    ``letterhead`` holds :class:`Letterhead` fields (doc_number, addressee, attachments,
    copy_to, printed_by); ``extra`` passes the other options (script, spec, topic).
    """
    narrative = Narrative()
    for path in narrative_files or []:
        narrative = narrative.merged(parse_narrative(Path(path)))
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in (letterhead or {}).items()}
    return DocumentOptions(issued_on=issued_on or date.today(), narrative=narrative,
                           signature_unit=signature_unit, letterhead=Letterhead(**fields),
                           **extra)


def generate_documents(kind: DocumentKind, unit_code: str, period: Period, *,
                       all_levels: bool = False, levels: list[str] | None = None,
                       options: DocumentOptions, user: str | None = None) -> list[Outcome]:
    """Generate and archive ``kind`` for a unit (and its subtree); run inside a flow.

    ``user`` (default: the settings' user) must be a clerk or supervisor of the unit.
    """
    settings = get_settings()
    authorize(settings, resolve_actor(settings, user), "generate", unit_code,
              target=f"{kind.key}:{unit_code}:{period.code}")
    catalogue = load_catalogue(settings.catalogue_dir)
    snapshot = load(settings, unit_code, kind.snapshot_year(period))
    units = select_units(snapshot, all_levels, tuple(levels or ()))
    # quote(): Prefect would otherwise walk every item of the snapshot looking for futures.
    jobs, unchanged = compute(settings, kind, quote(snapshot), quote(catalogue), units, period,
                              options)
    if not jobs:
        return unchanged
    run_id = current_flow_run_id()
    work = settings.work_dir / (run_id or uuid.uuid4().hex)
    try:
        docx = render.map(jobs, out_dir=unmapped(work)).result()
        pdf = convert(settings, quote(jobs), docx)
        created = archive(settings, quote(jobs), docx, pdf, run_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return created + unchanged
