"""LibreOffice kept running, one per worker, driven over UNO (:class:`WarmConverter`).

Each worker is a ``uno_worker.py`` process under the system python (the venv cannot
import ``uno``) with its own soffice and profile (:mod:`wenshu.generators.pdf_worker`).
A batch's documents go to whichever worker is free, whichever batch they belong to
(:class:`_Lender`); each PDF is normalised in processes of its own
(:mod:`wenshu.generators.pdf_normalize`) while its LibreOffice goes on.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sized
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from wenshu.errors import ConversionError
from wenshu.generators.office_fonts import fontconfig_file
from wenshu.generators.pdf_feed import JobFeed
from wenshu.generators.pdf_jobs import (
    DEFAULT_WORKERS,
    PDF_EXPORT_OPTIONS,
    UNO_PYTHON,
    PdfJob,
    ProgressCallback,
    ProgressTracker,
    claim_profile,
    failure_report,
    source_digest,
    warm_up_docx,
)
from wenshu.generators.pdf_normalize import Normalizers
from wenshu.generators.pdf_worker import Worker, WorkerDied, WorkerTimedOut
from wenshu.settings import Settings

_WORKER_SCRIPT = Path(__file__).with_name("uno_worker.py")
_log = logging.getLogger(__name__)


class _Lender:
    """The workers not converting right now, lent to the threads that ask, first come first
    served: a worker given back goes straight to the longest waiting thread, so a batch
    whose threads keep asking cannot starve one that asked before them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: collections.deque[Worker] = collections.deque()
        self._waiting: collections.deque[_Loan] = collections.deque()

    def take(self) -> Worker:
        """A worker, once one is free and every thread that asked before has had one."""
        with self._lock:
            if self._idle and not self._waiting:
                return self._idle.popleft()
            loan = _Loan()
            self._waiting.append(loan)
        loan.ready.wait()
        assert loan.worker is not None
        return loan.worker

    def take_idle(self) -> Worker | None:
        """An idle worker nobody waits for, or None."""
        with self._lock:
            return self._idle.popleft() if self._idle and not self._waiting else None

    def give(self, worker: Worker) -> None:
        """Give ``worker`` back: to the longest waiting thread, or to the idle ones."""
        with self._lock:
            if self._waiting:
                loan = self._waiting.popleft()
                loan.worker = worker
                loan.ready.set()
            else:
                self._idle.append(worker)


@dataclass
class _Loan:
    """A thread waiting for a worker."""

    ready: threading.Event = field(default_factory=threading.Event)
    worker: Worker | None = None


class WarmConverter:
    """LibreOffice kept running, one per worker, driven over UNO; use it as a context manager.

    Documents go to whichever worker is free, whichever batch they belong to (batches
    from several threads run at once). A document that takes longer
    than ``settings.pdf_timeout_seconds`` fails and its worker is killed and started
    again (it is not retried: it would most likely stall again). When a worker or its
    LibreOffice dies, a new one starts and the document is tried once more.
    """

    def __init__(self, settings: Settings, workers: int = DEFAULT_WORKERS, *,
                 python: str = UNO_PYTHON, start_timeout_seconds: float = 60.0) -> None:
        """``python`` must be able to import ``uno`` (see :func:`uno_unavailable_reason`)."""
        if workers < 1:
            raise ValueError("a converter needs at least one worker")
        self.timeout_seconds = settings.pdf_timeout_seconds
        self._settings = settings
        self._python = python
        self._start_timeout = start_timeout_seconds
        self._count = workers
        self._workers: list[Worker] = []
        # Workers not converting right now. Every batch's threads take one per document
        # and give it back, so batches running at once (a worker's concurrent flow runs)
        # share the LibreOffices instead of waiting for each other.
        self._idle = _Lender()
        self._state = threading.Condition()
        self._batches = 0  # batches running; close() waits for them
        self._normalizers = Normalizers(workers)

    @property
    def profile_dirs(self) -> list[Path]:
        """The LibreOffice profiles this converter holds (empty when closed)."""
        return [worker.profile_dir for worker in self._workers]

    def __enter__(self) -> WarmConverter:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def open(self) -> None:
        """Claim a profile per worker; LibreOffice itself starts with the first document."""
        if self._workers:
            return
        root = self._settings.home / "libreoffice"
        fontconfig = fontconfig_file(self._settings.fonts_dir)
        for _ in range(self._count):
            profile, lock = claim_profile(root)
            command = [self._python, str(_WORKER_SCRIPT), "--soffice", self._settings.soffice,
                       "--profile", str(profile.resolve()), "--fontconfig", str(fontconfig),
                       "--start-timeout", str(self._start_timeout),
                       "--pdf-options", json.dumps(PDF_EXPORT_OPTIONS)]
            self._workers.append(Worker(command, profile, lock, self._start_timeout))
            self._idle.give(self._workers[-1])

    def close(self) -> None:
        """Shut every LibreOffice down and release the profiles.

        A batch running in another thread (a kept converter) is let finish first.
        """
        with self._state:
            self._state.wait_for(lambda: self._batches == 0)
            workers, self._workers = self._workers, []
            self._idle = _Lender()
        for worker in workers:  # each LibreOffice closes (≈0.3 s) while the others do
            worker.ask_to_stop()
        self._normalizers.close()
        for worker in workers:
            worker.release()

    def warm_up(self) -> None:
        """Start every worker's LibreOffice now and have each convert a one-page document,
        so that the first real document finds it warm (its first conversion otherwise
        costs ≈300 ms more: filters, fonts). Raises :class:`ConversionError` when a
        LibreOffice cannot start or convert.
        """
        with tempfile.TemporaryDirectory(prefix="wenshu-warm-up-") as tmp:
            source = Path(tmp) / "warm-up.docx"
            source.write_bytes(warm_up_docx())
            with self._batch() as count:
                # One document per worker, each on its own worker (a shared queue could
                # give both to whichever LibreOffice came up first).
                workers = [self._idle.take() for _ in range(count)]
                try:
                    jobs = [PdfJob(source, Path(tmp) / f"{n}.pdf") for n in range(count)]
                    with ThreadPoolExecutor(count) as pool:
                        list(pool.map(self._convert_one, workers, jobs))
                finally:
                    for worker in workers:
                        self._idle.give(worker)

    def convert_many(self, jobs: Iterable[PdfJob], *, progress: ProgressCallback | None = None,
                     total: int | None = None) -> list[Path]:
        """Convert every job on the workers in parallel; returns the PDFs in job order.

        ``jobs`` may be a generator that writes each .docx as it is asked for: a thread
        draws it a few documents ahead of the workers (:class:`JobFeed`), so it renders
        while LibreOffice converts; ``total`` is then its length, for ``progress`` and
        so as not to start a LibreOffice for nothing. An error the generator raises is
        raised here once the documents already drawn are converted. Raises
        :class:`ConversionError` naming every document that failed, after the others
        are converted (their PDFs are in place). ``progress`` is called as each
        document finishes. Batches from several threads share the workers.
        """
        count = len(jobs) if isinstance(jobs, Sized) else total
        tracker = ProgressTracker(progress, count or 0)
        failures: dict[int, str] = {}

        def drain(feed: JobFeed) -> None:
            self._start_idle_one()  # now, while the first documents render
            while (index := feed.take()) is not None:
                job = feed.seen[index]
                worker = self._idle.take()
                try:
                    try:
                        exported = self._export(worker, job)
                    finally:
                        self._idle.give(worker)
                    self._normalize(job, *exported)
                except ConversionError as exc:
                    failures[index] = str(exc)
                    tracker.finished(job, str(exc))
                else:
                    tracker.finished(job)

        with self._batch() as workers:
            active = min(workers, count) if count is not None else workers
            feed = JobFeed(jobs, ahead=2 * active)
            try:
                if active:
                    # Two threads a worker: while one waits for its PDF to be normalised,
                    # the other already has the worker's LibreOffice export the next.
                    with ThreadPoolExecutor(2 * active) as pool:
                        list(pool.map(drain, [feed] * (2 * active)))
            finally:
                feed.close()
        if feed.error is not None:
            raise feed.error
        if failures:
            raise ConversionError(failure_report(feed.seen, failures))
        return [job.pdf for job in feed.seen]

    @contextlib.contextmanager
    def _batch(self) -> Iterator[int]:
        """Count a batch as running (close() waits for it); yields the number of workers."""
        with self._state:
            # Checked here: release_warm() may have closed a kept converter.
            if not self._workers:
                raise ConversionError("the converter is not open")
            self._batches += 1
            count = len(self._workers)
        try:
            yield count
        finally:
            with self._state:
                self._batches -= 1
                self._state.notify_all()

    def _start_idle_one(self) -> None:
        """Start one idle worker's LibreOffice if it is not running (errors wait for the
        document that needs it)."""
        worker = self._idle.take_idle()
        if worker is None:
            return
        try:
            with contextlib.suppress(ConversionError):
                worker.ensure_started()
        finally:
            self._idle.give(worker)

    def _convert_one(self, worker: Worker, job: PdfJob) -> None:
        """Convert one job on ``worker`` and normalise the PDF into place."""
        self._normalize(job, *self._export(worker, job))

    def _export(self, worker: Worker, job: PdfJob) -> tuple[Path, str]:
        """Have ``worker``'s LibreOffice export ``job``; the PDF as exported (beside the
        target) and the source's digest."""
        source = job.docx.resolve()
        stamp = source_digest(source)
        job.pdf.parent.mkdir(parents=True, exist_ok=True)
        job.pdf.unlink(missing_ok=True)
        # LibreOffice writes beside the target; only a normalised PDF takes its name.
        raw = job.pdf.resolve().with_name(f".{job.pdf.name}.{os.getpid()}.lo")
        request = {"docx": str(source), "pdf": str(raw),
                   **(job.metadata.as_request() if job.metadata else {})}
        try:
            answer = self._ask(worker, request)
            if not answer.get("ok"):
                raise ConversionError(str(answer.get("error") or "LibreOffice failed"))
        except BaseException:
            raw.unlink(missing_ok=True)
            raise
        return raw, stamp

    def _normalize(self, job: PdfJob, raw: Path, stamp: str) -> None:
        """Normalise the exported ``raw`` into the job's PDF, in the normalising processes
        while this worker's LibreOffice goes on to the next document."""
        try:
            self._normalizers.normalize(raw, job.pdf, stamp,
                                        job.metadata.date if job.metadata else None)
        finally:
            raw.unlink(missing_ok=True)

    def _ask(self, worker: Worker, request: dict[str, str]) -> dict[str, Any]:
        """The worker's answer, restarting it once if it dies on the way."""
        for attempt in itertools.count(1):
            worker.ensure_started()
            try:
                return worker.request(request, self.timeout_seconds)
            except WorkerTimedOut:
                worker.kill()
                raise ConversionError(
                    f"LibreOffice 在 {self.timeout_seconds:g} 秒内没有转换完成，已停止") from None
            except WorkerDied as exc:
                worker.kill()
                if attempt == 2:
                    raise ConversionError(f"LibreOffice 转换时两次异常退出（{exc}）") from None
                _log.warning("LibreOffice worker died (%s); starting a new one", exc)
        raise AssertionError("unreachable")
