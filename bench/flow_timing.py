"""What the flow benchmarks share: warm converters, the plain convert-and-archive tail,
and Prefect's start-up, timed on its own so the ratios compare like with like."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from wenshu.generators.pdf import PdfJob, open_converter
from wenshu.pipeline import Job, archive_job
from wenshu.settings import Settings
from wenshu.templates import template_path


def warm_converters(settings: Sequence[Settings], template: str) -> None:
    """Create LibreOffice's profiles (one document per worker) so no side pays their start."""
    for each in settings:
        samples = [each.work_dir / f"warm-{n}.docx" for n in range(2)]
        for sample in samples:
            sample.parent.mkdir(parents=True, exist_ok=True)
            sample.write_bytes(template_path(template).read_bytes())
        with open_converter(each) as converter:
            converter.convert_many([PdfJob(p, p.with_suffix(".pdf")) for p in samples])


def convert_and_archive(settings: Settings, jobs: Sequence[Job], docx: Sequence[Path]) -> int:
    """The flow's last two steps as plain calls: PDF/A for the batch, then archive each."""
    with open_converter(settings) as converter:
        pdf = converter.convert_many([PdfJob(path, path.with_suffix(".pdf"), job.pdf_metadata())
                                      for job, path in zip(jobs, docx, strict=True)])
    for job, d, p in zip(jobs, docx, pdf, strict=True):
        archive_job(settings, job, {"docx": d, "pdf": p}, None)
    return len(jobs)


def start_prefect() -> float:
    """Start Prefect's ephemeral API with an empty flow; seconds it took."""
    import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)

    start = time.perf_counter()
    from prefect import flow

    @flow
    def warm_up() -> None:
        """An empty flow: starts Prefect's ephemeral API."""

    warm_up()
    return time.perf_counter() - start
