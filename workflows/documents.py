"""The tasks every document flow shares: plan (load + compute) → render, convert and archive.

Each task is a thin call into :mod:`wenshu.pipeline` and takes the whole batch: a
Prefect task costs ≈30 ms of bookkeeping (≈40 ms mapped), as much as rendering a
document, and a clerk's click is usually one document (``bench/bench_flow_warm.py``).
PDF conversion hands the batch to warm LibreOffice workers, one per core, which convert
while the next documents render, and each document is archived as its PDF is done;
that task is the only one that retries (LibreOffice can crash; nothing else is flaky).
:func:`generate_documents` runs the steps; call it inside a flow.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.access import Actor, authorize, resolve_actor
from wenshu.batch import convert_and_archive
from wenshu.codes import check_unit_code
from wenshu.compute.load import load_snapshot
from wenshu.db import session_scope
from wenshu.generators.kinds import DocumentKind, DocumentOptions
from wenshu.generators.layout_context import Letterhead
from wenshu.generators.pdf import ConversionProgress, PdfJob, ProgressCallback
from wenshu.jobs import report
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.narrative import Narrative
from wenshu.paths import inside
from wenshu.periods import Period
from wenshu.pipeline import (
    Job,
    Outcome,
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

# Set while a flow's body runs ahead of its run (planned_ahead), which then stops at
# the plan; the plan waits in _planned, with the inputs it was made from.
_AHEAD: ContextVar[bool] = ContextVar("wenshu_planning_ahead", default=False)
_planned: list[tuple[tuple[Any, ...], tuple[list[Job], list[Outcome]]]] = []

# What a background job shows while a batch goes through each step.
STAGES = {"plan": "读取数据、计算指标、撰写文稿", "render": "生成 Word 文件",
          "convert": "转换为 PDF/A 并存入档案库"}


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
def make(settings: Settings, jobs: list[Job], out_dir: Path, flow_run_id: str | None,
         progress_job: str | None = None) -> list[Outcome]:
    """Fill the Word template of every document, turn it into PDF/A and archive both, the
    three overlapping: warm LibreOffice workers, one per core, convert while the next
    documents render, and each document is archived as its PDF is done.

    Rendering is one thread (docxtpl and the chart drawing hold the GIL); one task for
    the batch, not one per document, as each task adds its own bookkeeping. A crashed
    document is retried by the converter; this retry covers the rest (rendering again
    gives the same bytes, and what was archived is found unchanged). ``progress_job``:
    the background job (:mod:`wenshu.jobs`) told of each document converted.
    """
    return convert_and_archive(settings, jobs, render_jobs(jobs, out_dir), flow_run_id,
                               _progress(settings, progress_job))


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def convert_and_file(settings: Settings, jobs: list[Job], docx: list[Path],
                     flow_run_id: str | None, progress_job: str | None = None) -> list[Outcome]:
    """Turn documents already rendered into PDF/A and archive each (see :func:`make`)."""
    pdf_jobs = [PdfJob(path, path.with_suffix(".pdf"), job.pdf_metadata())
                for job, path in zip(jobs, docx, strict=True)]
    return convert_and_archive(settings, jobs, pdf_jobs, flow_run_id,
                               _progress(settings, progress_job))


def _progress(settings: Settings, progress_job: str | None) -> ProgressCallback | None:
    """A conversion callback telling the background job ``progress_job``, if any."""
    if progress_job is None:
        return None

    def converted(done: ConversionProgress) -> None:
        report(settings, progress_job, STAGES["convert"], done.done, done.total)

    return converted


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
    actor = resolve_actor(settings, user)
    what = (kind, unit_code, period, all_levels, tuple(levels or ()), options)
    if _AHEAD.get():
        # Ahead, a refusal plans nothing: the run itself checks again and logs it.
        if actor.refusal("generate", unit_code) is None:
            _plan(settings, actor, *what, ahead=True)
        return []
    authorize(settings, actor, "generate", unit_code,
              target=f"{kind.key}:{unit_code}:{period.code}")
    report(settings, job, STAGES["plan"])
    jobs, unchanged = _plan(settings, actor, *what)
    if not jobs:
        return unchanged
    run_id = current_flow_run_id()
    work = inside(settings.work_dir, run_id or uuid.uuid4().hex)
    try:
        report(settings, job, STAGES["convert"], 0, len(jobs))
        created = make(settings, quote(jobs), work, run_id, job)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return created + unchanged


def _plan(settings: Settings, actor: Actor, kind: DocumentKind, unit_code: str,
          period: Period, all_levels: bool, levels: tuple[str, ...], options: DocumentOptions,
          *, ahead: bool = False) -> tuple[list[Job], list[Outcome]]:
    """The plan task's result, or the plan made ahead from the same inputs
    (:func:`planned_ahead`); ``ahead``: plan now, without Prefect, and keep it."""
    catalogue = load_catalogue(settings.catalogue_dir)
    inputs = (settings.home, actor.name, kind.key, unit_code, period.code, all_levels, levels,
              options, catalogue)
    if ahead:
        _planned[:] = [(inputs, plan.fn(settings, kind, unit_code, period, catalogue,
                                        all_levels, levels, options))]
        return [], []
    made = [result for made_from, result in _planned if made_from == inputs]
    _planned.clear()
    # quote(): Prefect would otherwise walk every field of the catalogue and every item
    # of the jobs' contexts looking for futures.
    return made[0] if made else plan(settings, kind, unit_code, period, quote(catalogue),
                                     all_levels, levels, options)


@contextmanager
def planned_ahead(flow: Callable[..., Any], parameters: Mapping[str, Any]) -> Iterator[None]:
    """Plan ``flow(**parameters)`` now, outside Prefect, for its run inside the block.

    A command that runs its flow in this process waits seconds for Prefect's API with a
    core idle: reading a batch's data and writing its texts fits in that wait. The run
    takes the plan when its inputs are the same (it plans again otherwise); the plan
    still passes the same access check first. A plan that fails is dropped: the run
    plans again and reports the error where its flow reports errors.
    """
    token = _AHEAD.set(True)
    try:
        getattr(flow, "fn", flow)(**parameters)
    except Exception:  # noqa: BLE001 - the run repeats the step and reports what failed
        _planned.clear()
    finally:
        _AHEAD.reset(token)
    try:
        yield
    finally:
        _planned.clear()
