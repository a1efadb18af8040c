"""A batch archives each document as its PDF is done, in the batch's order: a document
LibreOffice cannot convert fails the batch after the others are archived, and a rerun
files it without filing the others twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from wenshu import cancellation
from wenshu.archive import Archive, DocumentKey
from wenshu.batch import convert_and_archive
from wenshu.cancellation import RunCancelled
from wenshu.db import session_scope, upgrade_schema
from wenshu.errors import ConversionError
from wenshu.generators.kinds import YEAR_SUMMARY, sample_context
from wenshu.generators.pdf import PdfJob
from wenshu.generators.render import template_sha256
from wenshu.models.tables import Document, Unit
from wenshu.pipeline import Job, render_job, render_jobs
from wenshu.settings import Settings
from wenshu.templates import template_path

pytestmark = pytest.mark.soffice

UNIT = "440307"
YEARS = ("2023", "2024", "2025")


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(home=tmp_path / "home")
    upgrade_schema(settings)
    with session_scope(settings) as session:
        session.add(Unit(code=UNIT, name="示范区", level="district", parent_code=None))
    yield settings


def _jobs() -> list[Job]:
    """The sample year summary, as three years' documents."""
    template = template_path("year_summary")
    jobs = []
    for year in YEARS:
        context: dict[str, Any] = {**sample_context(YEAR_SUMMARY),
                                   "title": f"示范区{year}年度工作总结"}
        jobs.append(Job(YEAR_SUMMARY, DocumentKey("year_summary", UNIT, year), "示范区",
                        context["title"], context, year * 16, template,
                        template_sha256(template), date(int(year) + 1, 1, 15)))
    return jobs


def _archived_years(settings: Settings) -> list[str]:
    """The years with an archived version, each with both its files intact."""
    archive = Archive(settings)
    with session_scope(settings) as session:
        documents = session.scalars(select(Document).order_by(Document.period)).all()
        found = [(d.period, d.id) for d in documents if d.versions]
    for _, document_id in found:
        for fmt in ("docx", "pdf"):
            archive.verified(document_id, fmt)
    return [period for period, _ in found]


def test_every_document_is_archived_with_its_pdf_in_job_order(office: Settings,
                                                             tmp_path: Path) -> None:
    jobs = _jobs()
    outcomes = convert_and_archive(office, jobs, render_jobs(jobs, tmp_path / "work"), None)
    assert [o.key.period for o in outcomes] == list(YEARS)
    assert all(o.created and o.version == 1 for o in outcomes)
    # Archived in the batch's order whichever conversion ended first: ids follow the jobs.
    assert [o.document_id for o in outcomes] == [1, 2, 3]
    for outcome, year in zip(outcomes, YEARS):
        # Each PDF is its own document's: its properties carry that document's title.
        assert PdfReader(outcome.files["pdf"]).metadata.title == f"示范区{year}年度工作总结"
    assert _archived_years(office) == list(YEARS)


def test_a_document_that_fails_to_convert_leaves_the_others_archived(office: Settings,
                                                                    tmp_path: Path) -> None:
    jobs = _jobs()
    docx = [render_job(job, tmp_path / "work") for job in jobs]
    good = docx[1].read_bytes()
    docx[1].write_bytes(b"PK\x03\x04 not a Word document")
    pdf_jobs = [PdfJob(path, path.with_suffix(".pdf"), job.pdf_metadata())
                for job, path in zip(jobs, docx)]
    with pytest.raises(ConversionError, match=docx[1].name):
        convert_and_archive(office, jobs, pdf_jobs, None)
    assert _archived_years(office) == ["2023", "2025"]

    docx[1].write_bytes(good)
    outcomes = convert_and_archive(office, jobs, pdf_jobs, None)
    assert [(o.key.period, o.created, o.version) for o in outcomes] == [
        ("2023", False, 1), ("2024", True, 1), ("2025", False, 1)]


def test_a_cancelled_run_stops_before_its_next_document_and_keeps_what_it_made(
        office: Settings, tmp_path: Path) -> None:
    jobs, run_id = _jobs(), "cancelled-run"

    def rendered() -> Iterator[PdfJob]:
        for number, pdf_job in enumerate(render_jobs(jobs, tmp_path / "work"), 1):
            if number == 1:  # the supervisor cancels while the first document renders
                cancellation.request(run_id)
            yield pdf_job

    try:
        with pytest.raises(RunCancelled, match="已被取消"):
            convert_and_archive(office, jobs, rendered(), run_id)
    finally:
        cancellation.forget(run_id)
    # The document begun before is archived whole; the others were never rendered.
    assert _archived_years(office) == [YEARS[0]]
    assert not (tmp_path / "work" / f"{UNIT}_{YEARS[2]}_year_summary.docx").exists()
    # A rerun makes the rest, the first one found unchanged.
    outcomes = convert_and_archive(office, jobs, render_jobs(jobs, tmp_path / "again"), None)
    assert [o.created for o in outcomes] == [False, True, True]
    assert _archived_years(office) == list(YEARS)
