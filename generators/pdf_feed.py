"""A batch's PDF jobs as the warm converter's workers take them: drawn from any iterable
by a thread of their own, a few ahead of the workers.

A generator that renders each .docx as it is asked for (``pipeline.render_jobs``)
then renders while LibreOffice converts the documents before: the batch costs about
its conversion alone instead of its rendering plus its conversion.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from wenshu.errors import ConversionError

if TYPE_CHECKING:
    from wenshu.generators.pdf import PdfJob

_PUT_POLL_SECONDS = 0.1


class JobFeed:
    """Jobs drawn from ``jobs`` by a thread, at most ``ahead`` waiting for a worker.

    Workers call :meth:`take` until it returns None. ``seen`` holds every job drawn so
    far, in order (a job's index is its place there). An error raised by the iterable
    (e.g. a template that does not render) ends the feed and is kept in ``error``;
    so is a second job with the same PDF target. :meth:`close` stops the thread.
    """

    def __init__(self, jobs: Iterable[PdfJob], ahead: int) -> None:
        self.seen: list[PdfJob] = []
        self.error: Exception | None = None
        self._queue: queue.Queue[int | None] = queue.Queue(maxsize=max(1, ahead))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._draw, args=(iter(jobs),),
                                        name="wenshu-pdf-feed", daemon=True)
        self._thread.start()

    def _draw(self, jobs: Iterator[PdfJob]) -> None:
        targets: set[Path] = set()
        try:
            for job in jobs:
                target = job.pdf.resolve()
                if target in targets:
                    raise ConversionError(f"two documents would both become {job.pdf}")
                targets.add(target)
                self.seen.append(job)
                if not self._put(len(self.seen) - 1):
                    return
        except Exception as exc:  # noqa: BLE001  (re-raised by the converter's caller)
            self.error = exc
        self._put(None)

    def _put(self, item: int | None) -> bool:
        """Queue ``item`` once a worker has room for it; False when the feed was closed."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_PUT_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def take(self) -> int | None:
        """The index of the next job in :attr:`seen`, or None when there are no more."""
        index = self._queue.get()
        if index is None:
            self._queue.put(None)  # for the other workers
        return index

    def close(self) -> None:
        """Stop drawing jobs and wait for the thread."""
        self._stop.set()
        self._thread.join()
