"""A batch's last steps overlapping: each document is archived as soon as its PDF is done.

Conversion runs in LibreOffice's processes; archiving (checksums, text for the search
index, the database) runs here. Done one after the other, the archiving of a
year-end batch was a tail of several seconds with LibreOffice idle; done by a thread
of its own while the next documents convert, it costs almost nothing in wall time.
A document whose conversion fails is not archived; the others are, and the error is
raised after them. A rerun finds those archived unchanged, so nothing is done twice.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from wenshu import cancellation
from wenshu.generators.pdf import (
    ConversionProgress,
    PdfJob,
    ProgressCallback,
    open_converter,
)
from wenshu.pipeline import Job, Outcome, archive_job
from wenshu.settings import Settings


def convert_and_archive(settings: Settings, jobs: Sequence[Job], pdf_jobs: Iterable[PdfJob],
                        flow_run_id: str | None,
                        progress: ProgressCallback | None = None) -> list[Outcome]:
    """Convert ``pdf_jobs`` (one per job, in job order; may be ``render_jobs``, which
    renders each as it is asked for) and archive each job's .docx and PDF as its
    conversion ends. Returns the outcomes in job order; ``progress`` hears each
    conversion. Raises the conversion's error, or else the first archiving error, once
    every document that could be was archived.
    """
    filer = _Filer(settings, jobs, flow_run_id)
    index_of: dict[Path, int] = {}

    def converted(done: ConversionProgress) -> None:
        if done.ok:
            filer.put(index_of[done.job.pdf], done.job)
        if progress is not None:
            progress(done)

    try:
        with open_converter(settings) as converter:
            converter.convert_many(_numbered(pdf_jobs, index_of, flow_run_id), total=len(jobs),
                                   progress=converted)
    except BaseException:
        filer.finish(raise_error=False)
        raise
    return filer.finish()


def _numbered(pdf_jobs: Iterable[PdfJob], index_of: dict[Path, int],
              flow_run_id: str | None) -> Iterator[PdfJob]:
    """``pdf_jobs`` unchanged, noting each one's place (the converter rejects two jobs
    with the same PDF, so the PDF names the job). Before each next one (rendered as it
    is asked for) it stops with :class:`~wenshu.cancellation.RunCancelled` if the run
    was cancelled."""
    remaining = iter(pdf_jobs)
    for index in itertools.count():
        cancellation.check(flow_run_id)
        pdf_job = next(remaining, None)
        if pdf_job is None:
            return
        index_of[pdf_job.pdf] = index
        yield pdf_job


class _Filer:
    """Archives converted documents in a thread of its own, in job order.

    Conversions end in any order (two LibreOffice workers); documents are archived in
    the batch's order all the same, so their ids and versions come out as a batch run
    one after the other would make them: a document converted early waits for those
    before it. Those that never come (their conversion failed) are skipped at the end.
    """

    def __init__(self, settings: Settings, jobs: Sequence[Job], flow_run_id: str | None) -> None:
        self._settings, self._jobs, self._run_id = settings, jobs, flow_run_id
        self._outcomes: dict[int, Outcome] = {}
        self._error: Exception | None = None
        self._queue: queue.Queue[tuple[int, PdfJob] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._file, name="wenshu-archive", daemon=True)
        self._thread.start()

    def put(self, index: int, pdf_job: PdfJob) -> None:
        """Archive job ``index`` from ``pdf_job``'s files once those before it are."""
        self._queue.put((index, pdf_job))

    def _file(self) -> None:
        waiting: dict[int, PdfJob] = {}
        next_index = 0
        while (item := self._queue.get()) is not None:
            waiting[item[0]] = item[1]
            while next_index in waiting:
                self._archive(next_index, waiting.pop(next_index))
                next_index += 1
        for index in sorted(waiting):  # the batch is over: what came after a failed one
            self._archive(index, waiting[index])

    def _archive(self, index: int, pdf_job: PdfJob) -> None:
        if self._error is not None:
            return  # the batch has failed; what is left stays for the rerun
        try:
            self._outcomes[index] = archive_job(
                self._settings, self._jobs[index], {"docx": pdf_job.docx, "pdf": pdf_job.pdf},
                self._run_id)
        except Exception as exc:  # noqa: BLE001  (raised by finish, in the caller)
            self._error = exc

    def finish(self, *, raise_error: bool = True) -> list[Outcome]:
        """Wait for everything put to be archived; the outcomes in job order. Raises the
        first archiving error (unless ``raise_error`` is False)."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and raise_error:
            raise self._error
        return [self._outcomes[index] for index in sorted(self._outcomes)]
