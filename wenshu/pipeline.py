"""The document pipeline as plain steps: plan (compute) → render → convert → archive.

Rendering, conversion and archiving overlap: :func:`render_jobs` renders each document
as the converter asks for it, and :func:`wenshu.batch.convert_and_archive` files each as
its PDF is done. The Prefect flows in ``workflows/`` call these, one task for planning
and one for the rest of a batch; tests and benchmarks call them directly. Every
document kind goes the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

from wenshu.archive import Archive, DocumentKey, StoredVersion
from wenshu.compute.snapshot import Snapshot
from wenshu.compute.summary import Rollup
from wenshu.db import session_scope
from wenshu.generators.finish import finish_document
from wenshu.generators.kinds import (
    ContextRequest,
    DocumentKind,
    DocumentOptions,
    document_context,
)
from wenshu.generators.pdf import PdfJob, PdfMetadata
from wenshu.generators.phrasebook import PHRASES_SUBDIR
from wenshu.generators.render import document_bytes, render_template
from wenshu.generators.script import to_traditional, to_traditional_text
from wenshu.models.catalogue import SHIPPED_DIR, Catalogue
from wenshu.models.lines import load_lines
from wenshu.models.tables import Document, Unit
from wenshu.office_templates import template_choices
from wenshu.paths import inside
from wenshu.periods import Period
from wenshu.settings import Settings


@dataclass(frozen=True)
class Job:
    """One document to render: its identity, context and provenance digests."""

    kind: DocumentKind
    key: DocumentKey
    unit_name: str
    title: str
    context: dict[str, Any]
    input_sha256: str
    template: Path
    template_sha256: str
    issued_on: date  # the signing date printed in it (成文日期)
    doc_number: str = ""  # the doc number printed in its letterhead (发文字号), "" for none

    def pdf_metadata(self) -> PdfMetadata:
        """What the PDF/A states about itself: title, issuing unit, kind, date."""
        author = self.context.get("signature_unit") or self.unit_name
        return PdfMetadata(title=self.title, author=author, subject=self.kind.label,
                           date=self.issued_on)


@dataclass(frozen=True)
class Outcome:
    """What happened to one document: archived as a new version, or unchanged."""

    key: DocumentKey
    unit_name: str
    title: str
    document_id: int
    version: int
    created: bool  # False: an identical version was already archived
    created_at: datetime  # when the version (new or existing) was archived
    files: dict[str, Path]


def select_units(snapshot: Snapshot, all_levels: bool, levels: tuple[str, ...] = ()) -> list[str]:
    """The root alone, or with its descendants (optionally only those at ``levels``)."""
    if not all_levels:
        return [snapshot.root_code]
    units = snapshot.subtree(snapshot.root_code)
    if levels:
        keep = set(levels)
        units = [c for c in units if c == snapshot.root_code or snapshot.unit_map[c].level in keep]
    return units


# The wording wenshu ships; an upgrade that rewords a phrase changes these files.
SHIPPED_PHRASES = SHIPPED_DIR / PHRASES_SUBDIR


def _folder_digest(folder: Path | None) -> str:
    """A hash of the phrase files under ``folder``, names and contents (none: no files)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.yaml")) if folder is not None and folder.is_dir() else ():
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0"
                      + path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=4)
def _shipped_digest(folder: Path) -> str:
    # Shipped files change only with an upgrade, that is in a new process.
    return _folder_digest(folder)


def _phrases_digest(user_dir: Path | None) -> str:
    """A hash of the phrasebooks documents are worded from, shipped and the office's own:
    rewording either (an upgrade's fix, an office's taste) regenerates their documents."""
    office = user_dir / PHRASES_SUBDIR if user_dir is not None else None
    return _shipped_digest(SHIPPED_PHRASES) + _folder_digest(office)


def input_digest(kind: DocumentKind, snapshot: Snapshot, catalogue: Catalogue, unit_code: str,
                 period: Period, options: DocumentOptions, user_dir: Path | None = None) -> str:
    """SHA-256 over everything a document's content depends on except its signing date.

    The date is left out on purpose: regenerating unchanged data on a later day
    keeps the version already filed instead of making a new one. That version
    keeps its own signing date, the one printed in its files and recorded with
    it when it was stored: the later date is neither printed nor recorded (the
    regeneration reports the document unchanged). The doc number is part of the
    letterhead, so of the digest: a new number makes a new version. The phrasebooks,
    shipped and reworded by the office (``user_dir/phrases``), are part of it too.
    """
    payload = {
        "kind": kind.key,
        "period": period.code,
        "topic": options.topic,
        "data": snapshot.subtree_digest(unit_code),
        "catalogue": hashlib.sha256(catalogue.model_dump_json().encode()).hexdigest(),
        "options": options.digest_parts(),
        "phrases": _phrases_digest(user_dir),
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def plan_documents(settings: Settings, kind: DocumentKind, snapshot: Snapshot,
                   catalogue: Catalogue, units: list[str], period: Period,
                   options: DocumentOptions) -> tuple[list[Job], list[Outcome]]:
    """Build each unit's context; split into jobs to render and documents unchanged.

    Each unit renders with its own template (an office's installed one or the shipped
    one, see :func:`wenshu.office_templates.template_choices`); the archive records
    the template file's name and digest.
    """
    archive = Archive(settings)
    rollup = Rollup(snapshot, kind.months(period))
    line = load_lines(catalogue, settings.catalogue_dir).get(options.line)
    catalogue = line.restrict(catalogue)
    jobs: list[Job] = []
    unchanged: list[Outcome] = []
    with session_scope(settings) as session:
        templates = template_choices(settings, session, kind, units)
        for code in units:
            template = templates[code]
            digest = input_digest(kind, snapshot, catalogue, code, period, options,
                                  settings.catalogue_dir)
            # Checked before anything is computed or written: every part names a path.
            key = DocumentKey(kind.key, code, period.code, options.topic or line.identity,
                              options.script).check()
            existing = archive.find_identical(session, key, digest, template.sha256)
            unit = snapshot.unit_map[code]
            if existing is not None:
                unchanged.append(_outcome(unit.name, existing))
                continue
            context = document_context(
                kind, ContextRequest(snapshot, rollup, catalogue, code, period, options,
                                     settings.catalogue_dir, line), unit.name)
            title = context["title"]
            if options.script == "traditional":
                title = to_traditional_text(title)
            jobs.append(Job(kind, key, unit.name, title, context, digest, template.path,
                            template.sha256, options.issued_on, options.letterhead.doc_number))
    return jobs, unchanged


def render_job(job: Job, out_dir: Path) -> Path:
    """Render a job's .docx into ``out_dir``.

    Refused (:class:`~wenshu.errors.CodeError`, :class:`~wenshu.errors.PathError`)
    before anything is written when the job's key could name a file outside ``out_dir``.
    """
    target = inside(out_dir, f"{job.key.check().stem}.docx")
    out_dir.mkdir(parents=True, exist_ok=True)
    target.write_bytes(render_document(job.template, job.context, job.issued_on, job.key.script))
    return target


def render_jobs(jobs: Sequence[Job], out_dir: Path) -> Iterator[PdfJob]:
    """Render each job's .docx into ``out_dir`` when asked for the next, and give its
    conversion: for a converter's ``convert_many``, which then converts while the next
    documents render (their charts are drawn here too, see ``render.Image``). The PDF
    goes beside the .docx, under the same name."""
    for job in jobs:
        docx = render_job(job, out_dir)
        yield PdfJob(docx, docx.with_suffix(".pdf"), job.pdf_metadata())


def render_document(template: Path, context: dict[str, Any], issued_on: date,
                    script: str = "simplified") -> bytes:
    """A document's .docx bytes: the template rendered and finished (signature block kept
    with the body, properties dated ``issued_on``), and for ``script`` "traditional" the
    whole document converted (tables, headers, footers and properties too)."""
    document = render_template(template, context)
    finish_document(document, issued_on)
    rendered = document_bytes(document)
    return to_traditional(rendered) if script == "traditional" else rendered


def archive_job(settings: Settings, job: Job, files: dict[str, Path],
                flow_run_id: str | None) -> Outcome:
    """Store a rendered job's files as a new version (or find it unchanged).

    The version records the signing date and doc number the files print (DA/T 46
    日期 and 文件编号 when it is filed). An unchanged version found instead keeps
    the date it was made with (see :func:`input_digest`).
    """
    stored = Archive(settings).store(
        job.key, title=job.title, files=files, template_name=job.template.name,
        template_sha256=job.template_sha256, input_sha256=job.input_sha256,
        flow_run_id=flow_run_id, issued_on=job.issued_on, doc_number=job.doc_number,
    )
    return _outcome(job.unit_name, stored)


def archived_outcomes(settings: Settings, keys: Sequence[DocumentKey],
                      run_ids: Collection[str]) -> list[Outcome]:
    """The latest archived version of each document ``keys`` name (one never archived is
    left out), as the flow runs ``run_ids`` made them: ``created`` when one of them made
    the version.

    For runs on a deployment, whose return value stays with the worker that ran them:
    the archive, not Prefect, keeps the record.
    """
    found: list[tuple[int, str]] = []
    with session_scope(settings) as session:
        for key in keys:
            row = session.execute(
                select(Document.id, Unit.name).join(Unit, Unit.code == Document.unit_code)
                .where(Document.kind == key.kind, Document.unit_code == key.unit_code,
                       Document.period == key.period, Document.topic == key.topic,
                       Document.script == key.script)).first()
            if row is not None:
                found.append((row[0], row[1]))
    store = Archive(settings)
    outcomes = []
    for document_id, unit_name in found:
        stored = store.get(document_id)
        made_now = stored.flow_run_id is not None and stored.flow_run_id in run_ids
        outcomes.append(replace(_outcome(unit_name, stored), created=made_now))
    return outcomes


def _outcome(unit_name: str, stored: StoredVersion) -> Outcome:
    return Outcome(
        key=stored.key, unit_name=unit_name, title=stored.title,
        document_id=stored.document_id, version=stored.version,
        created=stored.created, created_at=stored.created_at,
        files={fmt: f.path for fmt, f in stored.files.items()},
    )
