"""The tasks every document flow shares: plan (load + compute) → render and convert → archive.

Each task is a thin call into :mod:`wenshu.pipeline` and takes the whole batch: a
Prefect task costs ≈30 ms of bookkeeping (≈40 ms mapped), as much as rendering a
document, and a clerk's click is usually one document (``bench/bench_flow_warm.py``).
PDF conversion hands the batch to warm LibreOffice workers, one per core, which convert
while the next documents render; it is the only step that retries (LibreOffice can
crash; nothing else is flaky).
:func:`generate_documents` runs the steps; call it inside a flow.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.access import authorize, resolve_actor
from wenshu.codes import check_unit_code
from wenshu.compute.load import load_snapshot
from wenshu.db import session_scope
from wenshu.generators.kinds import DocumentKind, DocumentOptions
from wenshu.generators.layout_context import Letterhead
from wenshu.generators.pdf import ConversionProgress, PdfJob, open_converter
from wenshu.jobs import report
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.narrative import Narrative
from wenshu.paths import inside
from wenshu.periods import Period
from wenshu.pipeline import (
    Job,
    Outcome,
    archive_job,
    plan_documents,
    render_jobs,
    select_units,
)
from wenshu.services.inputs import InputFile, read_narratives
from wenshu.settings import Settings, get_settings
from wenshu.workflows.runtime import (
    current_flow_run_id,
    hide_expected_errors,
    tune_ephemeral_runs,
)

tune_ephemeral_runs()
hide_expected_errors()
# What a background job shows while a batch goes through each step.
STAGES = {"plan": "读取数据、计算指标、撰写文稿", "render": "生成 Word 文件",
          "convert": "转换为 PDF/A", "archive": "存入档案库"}


@task(cache_policy=NO_CACHE)
def plan(settings: Settings, kind: DocumentKind, unit_code: str, period: Period,
         catalogue: Catalogue, all_levels: bool, levels: tuple[str, ...],
         options: DocumentOptions) -> tuple[list[Job], list[Outcome]]:
    """Read the subtree's ledgers, figures and targets (the year and the one before),
    compute every chosen unit's figures and text; keep only documents whose inputs
    changed. One task for both: the snapshot never crosses a task boundary."""
    with session_scope(settings) as session:
        snapshot = load_snapshot(session, unit_code, kind.snapshot_year(period))
    units = select_units(snapshot, all_levels, levels)
    return plan_documents(settings, kind, snapshot, catalogue, units, period, options)


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def render_and_convert(settings: Settings, jobs: list[Job], out_dir: Path,
                       progress_job: str | None = None) -> tuple[list[Path], list[Path]]:
    """Fill the Word template of every document and turn it into PDF/A, overlapping: warm
    LibreOffice workers, one per core, convert while the next documents render.

    Rendering is one thread (docxtpl and matplotlib hold the GIL); one task for both
    steps, not one per document, as each task adds its own bookkeeping. A crashed
    document is retried by the converter; this retry covers the rest (rendering again
    gives the same bytes). ``progress_job``: the background job (:mod:`wenshu.jobs`)
    told of each document done. Returns the .docx and the PDF files, in job order.
    """
    def converted(done: ConversionProgress) -> None:
        report(settings, progress_job, STAGES["convert"], done.done, done.total)

    with open_converter(settings) as converter:
        pdf = converter.convert_many(render_jobs(jobs, out_dir), total=len(jobs),
                                     progress=converted if progress_job else None)
    return [path.with_suffix(".docx") for path in pdf], pdf  # render_jobs: side by side


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def convert(settings: Settings, jobs: list[Job], docx: list[Path],
            progress_job: str | None = None) -> list[Path]:
    """Turn documents already rendered into PDF/A (see :func:`render_and_convert`)."""
    pdf_jobs = [PdfJob(path, path.with_suffix(".pdf"), job.pdf_metadata())
                for job, path in zip(jobs, docx, strict=True)]

    def converted(done: ConversionProgress) -> None:
        report(settings, progress_job, STAGES["convert"], done.done, done.total)

    with open_converter(settings) as converter:
        return converter.convert_many(pdf_jobs, progress=converted if progress_job else None)


@task(cache_policy=NO_CACHE)
def archive(settings: Settings, jobs: list[Job], docx: list[Path], pdf: list[Path],
            flow_run_id: str | None) -> list[Outcome]:
    """Store each document's Word and PDF files as a new version."""
    return [archive_job(settings, job, {"docx": d, "pdf": p}, flow_run_id)
            for job, d, p in zip(jobs, docx, pdf, strict=True)]


def document_options(issued_on: date | None, narrative_texts: list[InputFile] | None,
                     signature_unit: str | None, letterhead: dict[str, Any] | None = None,
                     narrative: dict[str, list[str]] | None = None,
                     **extra: Any) -> DocumentOptions:
    """Options from flow parameters (which must stay JSON-friendly for deployments).

    ``narrative_texts`` are staff narrative files by content (:data:`InputFile`);
    ``letterhead`` holds :class:`Letterhead` fields (doc_number, addressee, attachments,
    copy_to, printed_by); ``narrative`` staff paragraphs typed in (highlights, problems,
    plans), after those of ``narrative_texts``; ``extra`` passes the other options
    (script, spec, topic).
    """
    staff = read_narratives(narrative_texts or [])
    if narrative:
        staff = staff.merged(Narrative(**{k: tuple(v) for k, v in narrative.items() if v}))
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in (letterhead or {}).items()}
    return DocumentOptions(issued_on=issued_on or date.today(), narrative=staff,
                           signature_unit=signature_unit, letterhead=Letterhead(**fields),
                           **extra)


def generate_documents(kind: DocumentKind, unit_code: str, period: Period, *,
                       all_levels: bool = False, levels: list[str] | None = None,
                       options: DocumentOptions, user: str | None = None,
                       job: str | None = None) -> list[Outcome]:
    """Generate and archive ``kind`` for a unit (and its subtree); run inside a flow.

    ``user`` (default: the settings' user) must be a clerk or supervisor of the unit;
    ``unit_code`` must be a valid code (:class:`~wenshu.errors.CodeError`). ``job``: a
    background job (:mod:`wenshu.jobs`) that hears each stage and count.
    """
    check_unit_code(unit_code)
    settings = get_settings()
    authorize(settings, resolve_actor(settings, user), "generate", unit_code,
              target=f"{kind.key}:{unit_code}:{period.code}")
    catalogue = load_catalogue(settings.catalogue_dir)
    report(settings, job, STAGES["plan"])
    # quote(): Prefect would otherwise walk every field of the catalogue and every item
    # of the jobs' contexts looking for futures.
    jobs, unchanged = plan(settings, kind, unit_code, period, quote(catalogue), all_levels,
                           tuple(levels or ()), options)
    if not jobs:
        return unchanged
    run_id = current_flow_run_id()
    work = inside(settings.work_dir, run_id or uuid.uuid4().hex)
    try:
        report(settings, job, STAGES["convert"], 0, len(jobs))
        docx, pdf = render_and_convert(settings, quote(jobs), work, job)
        report(settings, job, STAGES["archive"], len(jobs), len(jobs))
        created = archive(settings, quote(jobs), docx, pdf, run_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return created + unchanged
