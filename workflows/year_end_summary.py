"""The ``year_end_summary`` flow: load → compute → render → convert → archive.

Each task is a thin call into :mod:`wenshu.pipeline`. Per unit-document work is
mapped (one task per document); PDF conversion runs as one batch per converter
worker, the only step that retries (LibreOffice can crash; nothing else is
flaky).
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import date
from pathlib import Path

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from wenshu.compute.load import load_snapshot
from wenshu.compute.snapshot import Snapshot
from wenshu.db import session_scope
from wenshu.generators.pdf import SofficeConverter
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.narrative import Narrative, parse_narrative
from wenshu.pipeline import (
    Job,
    Outcome,
    SummaryOptions,
    archive_job,
    plan_year_summaries,
    render_job,
    select_units,
)
from wenshu.settings import Settings, get_settings
from wenshu.workflows.runtime import current_flow_run_id

PDF_WORKERS = max(1, min(2, os.cpu_count() or 1))


@task(cache_policy=NO_CACHE)
def load(settings: Settings, unit_code: str, year: int) -> Snapshot:
    """Read the subtree's ledgers, figures and targets for the year and the one before."""
    with session_scope(settings) as session:
        return load_snapshot(session, unit_code, year)


@task(cache_policy=NO_CACHE)
def compute(settings: Settings, snapshot: Snapshot, catalogue: Catalogue, units: list[str],
            options: SummaryOptions) -> tuple[list[Job], list[Outcome]]:
    """Compute every unit's figures and text; keep only documents whose inputs changed."""
    return plan_year_summaries(settings, snapshot, catalogue, units, options)


@task(cache_policy=NO_CACHE)
def render(job: Job, out_dir: Path) -> Path:
    """Fill the Word template for one document."""
    return render_job(job, out_dir)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def convert(settings: Settings, docx_paths: list[Path], worker: int) -> list[Path]:
    """Turn a batch of .docx into PDF with this worker's own LibreOffice profile."""
    if not docx_paths:
        return []
    converter = SofficeConverter.from_settings(settings, worker)
    return converter.convert_many(docx_paths, docx_paths[0].parent)


@task(cache_policy=NO_CACHE)
def archive(settings: Settings, jobs: list[Job], docx: list[Path], pdf: list[Path],
            flow_run_id: str | None) -> list[Outcome]:
    """Store each document's Word and PDF files as a new version."""
    return [archive_job(settings, job, {"docx": d, "pdf": p}, flow_run_id)
            for job, d, p in zip(jobs, docx, pdf, strict=True)]


@flow(name="year_end_summary", log_prints=False)
def year_end_summary(unit_code: str, year: int, all_levels: bool = False,
                     levels: list[str] | None = None, issued_on: date | None = None,
                     narrative_files: list[str] | None = None,
                     signature_unit: str | None = None) -> list[Outcome]:
    """Generate and archive the 年度工作总结 of a unit (and, with ``all_levels``, its subtree)."""
    settings = get_settings()
    catalogue = load_catalogue(settings.catalogue_dir)
    narrative = Narrative()
    for path in narrative_files or []:
        narrative = narrative.merged(parse_narrative(Path(path)))
    options = SummaryOptions(issued_on=issued_on or date.today(), narrative=narrative,
                             signature_unit=signature_unit)

    snapshot = load(settings, unit_code, year)
    units = select_units(snapshot, all_levels, tuple(levels or ()))
    # quote(): Prefect would otherwise walk every item of the snapshot looking for futures.
    jobs, unchanged = compute(settings, quote(snapshot), quote(catalogue), units, options)
    if not jobs:
        return unchanged

    run_id = current_flow_run_id()
    work = settings.work_dir / (run_id or uuid.uuid4().hex)
    try:
        docx = render.map(jobs, out_dir=unmapped(work)).result()
        batches = [docx[i::PDF_WORKERS] for i in range(PDF_WORKERS)]
        converted = convert.map(unmapped(settings), batches, list(range(PDF_WORKERS))).result()
        pdf_by_docx = {d: p for batch, pdfs in zip(batches, converted, strict=True)
                       for d, p in zip(batch, pdfs, strict=True)}
        created = archive(settings, jobs, docx, [pdf_by_docx[d] for d in docx], run_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return created + unchanged
