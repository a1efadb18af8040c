"""A converter kept warm for the whole process (keep_warm), and conversion progress."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.sample_context import year_summary_context
from tests.test_pdf import pdfa_problems
from tests.test_pdf_warm import METADATA, _gone_within, _soffice_bin
from wenshu.errors import ConversionError
from wenshu.generators.pdf import (
    ColdConverter,
    ConversionProgress,
    PdfJob,
    WarmConverter,
    keep_warm,
    kept_converter,
    open_converter,
    release_warm,
    uno_unavailable_reason,
)
from wenshu.generators.render import render_docx
from wenshu.settings import Settings
from wenshu.templates import template_path

pytestmark = pytest.mark.soffice


@pytest.fixture(scope="module", autouse=True)
def system_python_has_uno() -> None:
    """These tests need Debian's python3-uno; without it they fail and say so."""
    reason = uno_unavailable_reason()
    assert reason is None, reason


@pytest.fixture(scope="module")
def sample_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kept") / "summary.docx"
    path.write_bytes(render_docx(template_path("year_summary"), year_summary_context()))
    return path


@pytest.fixture
def released() -> Iterator[None]:
    """Whatever a test keeps is stopped after it, even when it fails."""
    yield
    release_warm()


def _pids(profiles: list[Path]) -> list[int]:
    return [_soffice_bin(profile) for profile in profiles]


def _jobs(source: Path, folder: Path, count: int) -> list[PdfJob]:
    return [PdfJob(source, folder / f"{index}.pdf", METADATA) for index in range(count)]


def test_open_converter_reuses_the_kept_libreoffice_until_it_is_released(
    settings: Settings, sample_docx: Path, tmp_path: Path, released: None,
    caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="wenshu.generators.pdf"):
        kept = keep_warm(settings, 2)
    assert "warm-up failed" not in caplog.text
    assert isinstance(kept, WarmConverter)
    profiles = kept.profile_dirs
    # Warmed up: both LibreOffice processes run before the first document.
    started = _pids(profiles)
    assert keep_warm(settings, 2) is kept
    assert kept_converter(Settings(home=settings.home / ".." / settings.home.name)) is kept
    for batch in ("one", "two"):
        with open_converter(settings) as converter:
            assert converter is kept
            pdfs = converter.convert_many(_jobs(sample_docx, tmp_path / batch, 3))
        assert _pids(profiles) == started  # the same processes, still running
    assert pdfa_problems(pdfs[0]) == []
    with open_converter(Settings(home=tmp_path / "other"),
                        python=str(tmp_path / "no-such-python")) as other:
        assert isinstance(other, ColdConverter)  # another data directory: not the kept one
    release_warm()
    assert kept.profile_dirs == [] and kept_converter(settings) is None
    assert all(_gone_within(profile, 5) for profile in profiles)
    with pytest.raises(ConversionError, match="not open"):
        kept.convert_many(_jobs(sample_docx, tmp_path / "late", 1))
    with open_converter(settings) as converter:
        assert converter is not kept and isinstance(converter, WarmConverter)


def test_a_killed_libreoffice_of_the_kept_converter_is_restarted(
    settings: Settings, sample_docx: Path, tmp_path: Path, released: None
) -> None:
    kept = keep_warm(settings, 1)
    assert isinstance(kept, WarmConverter)
    [profile] = kept.profile_dirs
    killed = _soffice_bin(profile)
    os.kill(killed, signal.SIGKILL)  # while idle between two flow runs
    with open_converter(settings) as converter:
        [pdf] = converter.convert_many(_jobs(sample_docx, tmp_path, 1))
    assert pdfa_problems(pdf) == []
    assert _soffice_bin(profile) != killed


def test_release_waits_for_the_batch_in_progress(
    settings: Settings, sample_docx: Path, tmp_path: Path, released: None
) -> None:
    kept = keep_warm(settings, 1)
    underway = threading.Event()
    results: list[list[Path]] = []
    jobs = _jobs(sample_docx, tmp_path, 3)
    batch = threading.Thread(target=lambda: results.append(
        kept.convert_many(jobs, progress=lambda report: underway.set())))
    batch.start()
    assert underway.wait(60)
    release_warm(settings)  # the web app shutting down mid-batch
    batch.join()
    assert results == [[job.pdf for job in jobs]]
    assert all(job.pdf.is_file() for job in jobs)


def test_a_batch_started_during_another_shares_the_workers_instead_of_waiting(
    settings: Settings, sample_docx: Path, tmp_path: Path, released: None
) -> None:
    # A worker running two flow runs at once: the short one is not held up by the long one.
    kept = keep_warm(settings, 2)
    long_jobs, [short_job] = _jobs(sample_docx, tmp_path / "long", 8), \
        _jobs(sample_docx, tmp_path / "short", 1)
    underway, order = threading.Event(), []
    long_batch = threading.Thread(target=lambda: (
        kept.convert_many(long_jobs, progress=lambda report: underway.set()),
        order.append("long")))
    long_batch.start()
    assert underway.wait(60)
    kept.convert_many([short_job])
    order.append("short")
    long_batch.join()
    assert order == ["short", "long"]
    assert pdfa_problems(short_job.pdf) == []
    assert all(pdfa_problems(job.pdf) == [] for job in long_jobs)


def test_keep_warm_falls_back_to_cold_runs_without_uno(
    settings: Settings, tmp_path: Path, released: None
) -> None:
    kept = keep_warm(settings, python=str(tmp_path / "no-such-python"), warm_up=False)
    assert isinstance(kept, ColdConverter)
    with open_converter(settings) as converter:
        assert converter is kept
    kept.warm_up()  # creates the profile: the first batch is spared LibreOffice's first start
    assert (settings.home / "libreoffice" / "worker-0" / "user").is_dir()


def _recorder(reports: list[ConversionProgress],
              overlaps: list[int]) -> Callable[[ConversionProgress], None]:
    """A callback that records each report, notices overlapping calls, and raises once."""
    inside = threading.Lock()

    def on_progress(report: ConversionProgress) -> None:
        if not inside.acquire(blocking=False):
            overlaps.append(report.done)
            return
        try:
            time.sleep(0.05)  # widen the window in which two workers could both report
            reports.append(report)
            if report.done == 1:
                raise RuntimeError("the display broke")
        finally:
            inside.release()

    return on_progress


@pytest.mark.parametrize("make", [ColdConverter, WarmConverter], ids=["cold", "warm"])
def test_progress_is_reported_per_document_in_order_and_a_failing_callback_is_logged(
    make: type[ColdConverter] | type[WarmConverter], settings: Settings, sample_docx: Path,
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corrupt = tmp_path / "corrupt.docx"
    corrupt.write_bytes(b"PK\x03\x04 this is not a Word document")
    jobs = _jobs(sample_docx, tmp_path / "out", 4) + [PdfJob(corrupt, tmp_path / "bad.pdf")]
    reports: list[ConversionProgress] = []
    overlaps: list[int] = []
    on_progress = _recorder(reports, overlaps)
    with caplog.at_level(logging.ERROR, logger="wenshu.generators.pdf_jobs"):
        with make(settings, 2) as converter, pytest.raises(ConversionError, match="1 of 5"):
            converter.convert_many(jobs, progress=on_progress)
    assert overlaps == []
    assert [report.done for report in reports] == [1, 2, 3, 4, 5]
    assert {report.total for report in reports} == {5}
    assert sorted(str(report.job.pdf) for report in reports) == sorted(str(j.pdf) for j in jobs)
    [failed] = [report for report in reports if not report.ok]
    assert failed.job.docx == corrupt and failed.error
    assert "the progress callback failed" in caplog.text and "the display broke" in caplog.text
    # The callback's error cost nothing: every good document was converted.
    assert all(PdfReader(job.pdf).metadata.title == METADATA.title for job in jobs[:4])
