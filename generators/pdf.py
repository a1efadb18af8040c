"""Word to PDF/A-2b with LibreOffice, and reproducible PDF bytes.

Callers open one converter with :func:`open_converter` and hand it :class:`PdfJob` s;
both kinds of converter have the same ``convert_many(jobs, progress=None)``:

- :class:`WarmConverter` keeps one LibreOffice per worker running and drives it over
  UNO through ``uno_worker.py``, run by the system python (the venv cannot import
  ``uno``). A document costs ≈150-200 ms per worker once LibreOffice is up, against
  ≈1.4 s for a cold start (``bench/bench_pdf.py``).
- :class:`ColdConverter`, the fallback where the system python has no ``uno``, runs
  ``soffice --convert-to`` batches through :class:`SofficeConverter`.

A long-running process (the web app) calls :func:`keep_warm` once: from then on
:func:`open_converter` hands out that one converter, already warm, instead of starting
and stopping LibreOffice for every flow run; :func:`release_warm` stops it.

Each LibreOffice owns a profile directory that no other wenshu process may use at the
same time, and sees wenshu's fontconfig file, which maps the 公文 faces onto installed
serif, sans and kai faces. Every PDF is normalised (:mod:`wenshu.generators.pdf_normalize`;
the warm converter does it in processes of its own while LibreOffice converts the next
document): the same .docx with the same metadata gives the same bytes.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import fcntl
import functools
import hashlib
import io
import itertools
import json
import logging
import os
import select
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol

from lxml import etree

from wenshu.errors import ConversionError
from wenshu.generators.pdf_feed import JobFeed
from wenshu.generators.pdf_normalize import Normalizers, normalize_pdf
from wenshu.settings import Settings

FONTS_CONF = Path(str(files("wenshu.generators") / "fonts" / "fonts.conf"))
# Debian's python3-uno installs ``uno`` for this interpreter only.
UNO_PYTHON = "/usr/bin/python3"
# One LibreOffice per core; each holds ≈250 MB, hence the cap.
DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))

_WORKER_SCRIPT = Path(__file__).with_name("uno_worker.py")
_log = logging.getLogger(__name__)

# soffice.bin's exit code after it has created a new profile: run it again.
_RESTART_EXIT_CODE = 81
# Force the Word import filter: with auto-detection, LibreOffice "converts" a damaged
# .docx as plain text and exits 0.
_INPUT_FILTER = "MS Word 2007 XML"
_POLL_SECONDS = 0.1
# writer_pdf_Export's options, for both converters. Version 2 is PDF/A-2b (ISO 19005-2,
# the archival choice): every font embedded, XMP metadata, no encryption. Bookmarks
# from the headings help the reader of a long report.
_PDF_EXPORT: dict[str, bool | int] = {
    "SelectPdfVersion": 2,
    "EmbedStandardFonts": True,
    "ExportBookmarks": True,
}
# How long a worker may take to quit before its process group is killed.
_STOP_SECONDS = 10.0

_CORE_PART = "docProps/core.xml"
_DC = "{http://purl.org/dc/elements/1.1/}"


@dataclass(frozen=True)
class PdfMetadata:
    """What a PDF says about itself, in its Info dictionary and its XMP packet."""

    title: str
    author: str  # the issuing unit (责任者)
    subject: str = ""  # the kind of document, e.g. 年度工作总结
    date: date | None = None  # the document's date; None: the PDF states 1980-01-01

    def as_request(self) -> dict[str, str]:
        """The worker's request fields."""
        fields = {"title": self.title, "author": self.author, "subject": self.subject}
        if self.date is not None:
            fields["date"] = self.date.isoformat()
        return fields


@dataclass(frozen=True)
class PdfJob:
    """One document to convert: the .docx, where its PDF goes, and what the PDF says.

    Without metadata the PDF carries the .docx's own title and author.
    """

    docx: Path
    pdf: Path
    metadata: PdfMetadata | None = None


@dataclass(frozen=True)
class ConversionProgress:
    """One document of a batch has finished: converted, or failed with ``error``."""

    done: int  # documents of the batch finished so far, this one included
    total: int  # documents in the batch
    job: PdfJob
    error: str | None = None  # None: its PDF is in place

    @property
    def ok(self) -> bool:
        """Whether this document was converted."""
        return self.error is None


ProgressCallback = Callable[[ConversionProgress], None]


class PdfConverter(Protocol):
    """What :func:`open_converter` and :func:`keep_warm` return."""

    def convert_many(self, jobs: Iterable[PdfJob], *, progress: ProgressCallback | None = None,
                     total: int | None = None) -> list[Path]:
        """Convert every job; returns the PDFs in job order or raises ConversionError.

        ``jobs`` may be a generator that writes each .docx as it is asked for (``total``:
        how many it yields); the warm converter then converts while it renders.

        ``progress`` is called once per document as it finishes, converted or failed,
        e.g. to show "3 of 12 converted". Its calls never overlap and ``done`` goes up
        by one per call; one that raises is logged and conversion goes on. It must not
        start another batch on the same converter (that batch would wait for this one).
        """
        ...


class _Progress:
    """Tells a caller's callback about each finished document of one batch.

    Worker threads report here. Calls never overlap and ``done`` goes up by one per
    call, so a callback needs no locking of its own. A callback that raises is logged
    and ignored: a progress display must never cost a document.
    """

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self._callback = callback
        self._total = total
        self._done = 0
        self._lock = threading.Lock()

    def finished(self, job: PdfJob, error: str | None = None) -> None:
        """Report one document as converted (``error`` None) or failed."""
        if self._callback is None:
            return
        with self._lock:
            self._done += 1
            report = ConversionProgress(self._done, self._total, job, error)
            try:
                self._callback(report)
            except Exception:  # noqa: BLE001  (any error of the caller's display)
                _log.exception("the progress callback failed on %s; converting on", job.docx)


@contextlib.contextmanager
def _profile_lock(profile_dir: Path) -> Iterator[None]:
    """Hold the profile for this process: a second wenshu process waits instead of
    starting LibreOffice on a profile in use (which fails or hangs)."""
    profile_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(profile_dir.with_name(profile_dir.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _claim_profile(root: Path) -> tuple[Path, IO[str]]:
    """The first profile ``root/warm-<n>`` that nobody holds, with its lock now held.

    A second wenshu process converting at the same time takes the next free profiles
    instead of waiting; the lock lasts as long as the returned handle stays open.
    """
    root.mkdir(parents=True, exist_ok=True)
    for number in itertools.count():
        profile = root / f"warm-{number}"
        handle = open(profile.with_name(profile.name + ".lock"), "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return profile, handle
    raise AssertionError("unreachable")  # itertools.count() never ends


def _check_targets(jobs: Sequence[PdfJob]) -> None:
    """Refuse a batch where two documents would write the same PDF."""
    seen: set[Path] = set()
    for job in jobs:
        target = job.pdf.resolve()
        if target in seen:
            raise ConversionError(f"two documents would both become {job.pdf}")
        seen.add(target)


def _failure_report(jobs: Sequence[PdfJob], failures: dict[int, str]) -> str:
    """One line per failed document, in job order."""
    lines = [f"{len(failures)} of {len(jobs)} documents were not converted:"]
    lines += [f"  {jobs[index].docx}: {failures[index]}" for index in sorted(failures)]
    return "\n".join(lines)


def _sha256(path: Path) -> str:
    """Hex digest of a source document, the stamp its PDF is normalised with."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ConversionError(f"cannot read {path}: {exc.strerror}") from exc


class SofficeConverter:
    """LibreOffice headless with its own profile; converts .docx files to PDF/A-2b.

    One conversion runs at a time per converter (a profile serves one process);
    give converters that run in parallel their own ``profile_dir``.
    """

    def __init__(self, profile_dir: Path, *, soffice: str = "soffice",
                 timeout_seconds: float = 120.0) -> None:
        """``timeout_seconds`` is the longest LibreOffice may work without finishing a document."""
        self.profile_dir = profile_dir
        self.soffice = soffice
        self.timeout_seconds = timeout_seconds
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, worker: int = 0) -> SofficeConverter:
        """Converter number ``worker``, its profile under the data directory.

        Converters that run side by side need different worker numbers.
        """
        return cls(settings.home / "libreoffice" / f"worker-{worker}", soffice=settings.soffice,
                   timeout_seconds=settings.pdf_timeout_seconds)

    def convert(self, docx_path: Path, out_dir: Path) -> Path:
        """Convert one .docx; returns ``out_dir/<stem>.pdf``."""
        return self.convert_many([docx_path], out_dir)[0]

    def convert_many(self, docx_paths: Sequence[Path], out_dir: Path) -> list[Path]:
        """Convert a batch in one LibreOffice run; returns the normalised PDFs in input order.

        Raises :class:`ConversionError` when LibreOffice stalls past the timeout (it is
        killed) or any expected PDF is missing (the message carries LibreOffice's output).
        """
        sources = [path.resolve() for path in docx_paths]
        targets = self.convert_raw(sources, out_dir)
        for source, target in zip(sources, targets, strict=True):
            target.write_bytes(normalize_pdf(target.read_bytes(), stamp=_sha256(source)))
        return targets

    def convert_raw(self, docx_paths: Sequence[Path], out_dir: Path) -> list[Path]:
        """Like :meth:`convert_many`, but the PDFs are left as LibreOffice wrote them."""
        sources = [path.resolve() for path in docx_paths]
        stems = [path.stem for path in sources]
        duplicates = sorted({stem for stem in stems if stems.count(stem) > 1})
        if duplicates:
            raise ConversionError(f"two inputs would both become {duplicates[0]}.pdf")
        if not sources:
            return []
        out_dir.mkdir(parents=True, exist_ok=True)
        targets = [out_dir / f"{stem}.pdf" for stem in stems]
        for target in targets:
            # A PDF left over from an earlier run would hide a failed conversion.
            target.unlink(missing_ok=True)
        with self._lock, _profile_lock(self.profile_dir):
            output = self._run(sources, out_dir, targets)
        missing = [src.name for src, target in zip(sources, targets, strict=True)
                   if not target.is_file()]
        if missing:
            raise ConversionError(f"LibreOffice made no PDF from {', '.join(missing)}:\n{output}")
        return targets

    def _run(self, sources: list[Path], out_dir: Path, targets: list[Path]) -> str:
        """Run soffice (again after its first-start exit); returns its combined output."""
        # --convert-to takes filter options as JSON with explicit UNO types.
        options = {name: {"type": "boolean", "value": str(value).lower()}
                   if isinstance(value, bool) else {"type": "long", "value": str(value)}
                   for name, value in _PDF_EXPORT.items()}
        command = [
            self.soffice, f"-env:UserInstallation={self.profile_dir.resolve().as_uri()}",
            "--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck",
            f"--infilter={_INPUT_FILTER}",
            "--convert-to", f"pdf:writer_pdf_Export:{json.dumps(options)}",
            "--outdir", str(out_dir), *map(str, sources),
        ]
        # In UTC the creation date's zone suffix, which normalisation keeps, is the same
        # on every machine.
        env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF), "TZ": "UTC"}
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        returncode, output = self._run_once(command, env, targets)
        if returncode == _RESTART_EXIT_CODE:
            returncode, output = self._run_once(command, env, targets)
        return output

    def _run_once(self, command: list[str], env: dict[str, str],
                  targets: list[Path]) -> tuple[int, str]:
        """One soffice process, killed with its children when it stops making progress."""
        with tempfile.TemporaryFile() as log:
            try:
                process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, start_new_session=True)
            except OSError as exc:
                raise ConversionError(f"cannot start LibreOffice ({self.soffice}): {exc}") from exc
            done, deadline = 0, time.monotonic() + self.timeout_seconds
            while True:
                try:
                    returncode = process.wait(timeout=_POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    pass
                finished = sum(target.exists() for target in targets)
                if finished > done:
                    done, deadline = finished, time.monotonic() + self.timeout_seconds
                elif time.monotonic() > deadline:
                    # soffice is a wrapper around soffice.bin: stop the whole group.
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                    raise ConversionError(
                        f"LibreOffice made no progress for {self.timeout_seconds:g} s "
                        f"({done} of {len(targets)} PDFs written); it was stopped"
                    )
            log.seek(0)
            return returncode, log.read().decode("utf-8", errors="replace")


def _with_core_properties(data: bytes, metadata: PdfMetadata) -> bytes:
    """The .docx with its title, author and subject replaced: what --convert-to exports."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            core = etree.fromstring(source.read(_CORE_PART))
            for value, tag in ((metadata.title, "title"), (metadata.author, "creator"),
                               (metadata.subject, "subject")):
                if not value:  # as the warm worker: an empty field keeps the .docx's own
                    continue
                element = core.find(_DC + tag)
                if element is None:
                    element = etree.SubElement(core, _DC + tag)
                element.text = value
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
                for entry in source.infolist():
                    content = source.read(entry)
                    if entry.filename == _CORE_PART:
                        content = etree.tostring(core, xml_declaration=True, encoding="UTF-8",
                                                 standalone=True)
                    target.writestr(entry, content)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise ConversionError(f"not a .docx with document properties: {exc}") from exc
    return out.getvalue()


class ColdConverter:
    """The fallback converter: one ``soffice --convert-to`` run per batch and worker.

    Metadata reaches the PDF through the document properties of a staged copy of each
    .docx; the PDF's stamp is still the original's digest.
    """

    def __init__(self, settings: Settings, workers: int = DEFAULT_WORKERS) -> None:
        """``workers`` LibreOffice runs side by side, each with its own profile."""
        self._converters = [SofficeConverter.from_settings(settings, number)
                            for number in range(max(1, workers))]

    def __enter__(self) -> ColdConverter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def open(self) -> None:
        """Nothing to start: each batch runs its own soffice (for :func:`keep_warm`)."""

    def close(self) -> None:
        """Nothing to stop: no soffice outlives its batch."""

    def warm_up(self) -> None:
        """Convert a one-page document per profile, so that the first batch does not pay
        for creating LibreOffice's profiles (≈1 s more than a normal cold start).

        Raises :class:`ConversionError` when LibreOffice cannot convert it.
        """
        with tempfile.TemporaryDirectory(prefix="wenshu-warm-up-") as tmp:
            source = Path(tmp) / "warm-up.docx"
            source.write_bytes(_warm_up_docx())

            def one(converter: SofficeConverter) -> None:
                converter.convert_raw([source], Path(tmp) / converter.profile_dir.name)

            with ThreadPoolExecutor(len(self._converters)) as pool:
                list(pool.map(one, self._converters))

    def convert_many(self, jobs: Iterable[PdfJob], *, progress: ProgressCallback | None = None,
                     total: int | None = None) -> list[Path]:
        """Convert every job; returns the PDFs in job order.

        A generator of jobs is drawn to its end first (``total`` is not needed: soffice
        converts a whole group in one run). Raises :class:`ConversionError` naming every
        document that failed, after the others are converted. ``progress`` hears of each
        document when the soffice run that holds it has ended.
        """
        jobs = list(jobs)
        _check_targets(jobs)
        tracker = _Progress(progress, len(jobs))
        failures: dict[int, str] = {}
        groups = [list(range(len(jobs)))[start::len(self._converters)]
                  for start in range(len(self._converters))]
        work = [(converter, group)
                for converter, group in zip(self._converters, groups, strict=True) if group]
        if work:
            with ThreadPoolExecutor(len(work)) as pool:
                for result in pool.map(
                        lambda pair: self._convert_group(jobs, *pair, tracker), work):
                    failures.update(result)
        if failures:
            raise ConversionError(_failure_report(jobs, failures))
        return [job.pdf for job in jobs]

    @staticmethod
    def _convert_group(jobs: Sequence[PdfJob], converter: SofficeConverter,
                       indexes: list[int], tracker: _Progress) -> dict[int, str]:
        """Convert some jobs in one LibreOffice run; returns their failures by job index."""
        failures: dict[int, str] = {}
        with tempfile.TemporaryDirectory(prefix="wenshu-pdf-") as tmp:
            staged = ColdConverter._stage(jobs, indexes, Path(tmp), failures, tracker)
            out_dir = Path(tmp) / "pdf"
            try:
                converter.convert_raw([path for path, _ in staged.values()], out_dir)
                problem = "LibreOffice made no PDF"
            except ConversionError as exc:
                # The documents LibreOffice got through before the failure are kept.
                problem = str(exc)
            for index, (path, stamp) in staged.items():
                job, pdf = jobs[index], out_dir / f"{path.stem}.pdf"
                if not pdf.is_file():
                    failures[index] = problem
                    tracker.finished(job, problem)
                    continue
                day = job.metadata.date if job.metadata else None
                job.pdf.parent.mkdir(parents=True, exist_ok=True)
                job.pdf.write_bytes(normalize_pdf(pdf.read_bytes(), stamp=stamp, date=day))
                tracker.finished(job)
        return failures

    @staticmethod
    def _stage(jobs: Sequence[PdfJob], indexes: list[int], tmp: Path,
               failures: dict[int, str], tracker: _Progress) -> dict[int, tuple[Path, str]]:
        """Copy each job's .docx (with its metadata) into ``tmp``; by job index, each
        copy and the original's digest. A document that cannot be read fails here."""
        staged: dict[int, tuple[Path, str]] = {}
        for position, index in enumerate(indexes):
            job = jobs[index]
            job.pdf.unlink(missing_ok=True)  # a stale PDF would hide a failure
            path = tmp / f"{position:04d}_{job.docx.name}"
            try:
                data = job.docx.read_bytes()
                path.write_bytes(data if job.metadata is None
                                 else _with_core_properties(data, job.metadata))
            except OSError as exc:
                failures[index] = f"cannot read it: {exc.strerror}"
            except ConversionError as exc:
                failures[index] = str(exc)
            else:
                staged[index] = (path, hashlib.sha256(data).hexdigest())
                continue
            tracker.finished(job, failures[index])
        return staged


class _WorkerDied(ConversionError):
    """The worker or its LibreOffice exited: start a new one and try again."""


class _WorkerTimedOut(ConversionError):
    """The worker did not answer in time."""


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies excepted), read from /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


class _Worker:
    """One ``uno_worker.py`` process and its LibreOffice, on a profile this process holds.

    The worker leads its own process group, which its soffice joins: killing the group
    leaves nothing behind.
    """

    def __init__(self, command: list[str], profile_dir: Path, lock: IO[str],
                 start_timeout: float) -> None:
        """``command`` starts the worker; ``lock`` holds ``profile_dir`` until :meth:`release`."""
        self.command = command
        self.profile_dir = profile_dir
        self._lock = lock
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._pending = b""

    @property
    def log_path(self) -> Path:
        """Where the worker's and LibreOffice's own messages go."""
        return self.profile_dir.with_name(self.profile_dir.name + ".log")

    def ensure_started(self) -> None:
        """Start the worker unless it is running; raises ConversionError if it cannot start."""
        if self._process is not None and self._process.poll() is None:
            return
        self.kill()
        with open(self.log_path, "wb") as log:
            try:
                self._process = subprocess.Popen(self.command, stdin=subprocess.PIPE,
                                                 stdout=subprocess.PIPE, stderr=log,
                                                 start_new_session=True)
            except OSError as exc:
                raise ConversionError(f"cannot start the UNO worker ({self.command[0]}): {exc}") \
                    from exc
        try:
            answer = self._receive(time.monotonic() + self._start_timeout)
        except ConversionError as exc:
            self.kill()
            raise ConversionError(f"LibreOffice did not start ({exc}); {self._log_tail()}") \
                from exc
        if not answer.get("ready"):
            self.kill()
            raise ConversionError(f"LibreOffice did not start: {answer.get('error')}; "
                                  f"{self._log_tail()}")

    def request(self, message: dict[str, str], timeout: float) -> dict[str, Any]:
        """Send one request and return the answer, which must come within ``timeout`` s."""
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(message, ensure_ascii=False).encode() + b"\n")
            self._process.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise _WorkerDied("the worker had exited") from exc
        answer = self._receive(time.monotonic() + timeout)
        if answer.get("restart"):
            raise _WorkerDied(str(answer.get("error")))
        return answer

    def _receive(self, deadline: float) -> dict[str, Any]:
        """The next JSON line from the worker."""
        assert self._process is not None and self._process.stdout is not None
        channel = self._process.stdout.fileno()
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _WorkerTimedOut("no answer in time")
            readable, _, _ = select.select([channel], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(channel, 65536)
            if not chunk:
                raise _WorkerDied(f"the worker exited; {self._log_tail()}")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        try:
            answer = json.loads(line)
        except ValueError as exc:
            raise _WorkerDied(f"the worker said {line[:200]!r}") from exc
        if not isinstance(answer, dict):
            raise _WorkerDied(f"the worker said {line[:200]!r}")
        return answer

    def _log_tail(self) -> str:
        """The last lines the worker and LibreOffice wrote, for error messages."""
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "no log"
        tail = [line for line in lines if line.strip()][-5:]
        return "log: " + (" | ".join(tail) if tail else "empty")

    def kill(self) -> None:
        """Kill the worker and its LibreOffice at once."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        # SIGKILL reaches a process busy in the kernel only when it returns: wait for the
        # rest of the group (LibreOffice) to be gone before a new one takes the profile.
        deadline = time.monotonic() + _STOP_SECONDS
        while _group_alive(self._process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self._close_pipes()

    def stop(self) -> None:
        """Let the worker close LibreOffice; kill whatever is left after a grace period."""
        if self._process is None:
            return
        if self._process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self._process.stdin.close()  # end of input: the worker shuts down
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=_STOP_SECONDS)
        self.kill()

    def release(self) -> None:
        """Stop, then give the profile back."""
        self.stop()
        self._lock.close()

    def _close_pipes(self) -> None:
        assert self._process is not None
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                with contextlib.suppress(BrokenPipeError):
                    pipe.close()
        self._process = None
        self._pending = b""


class _Lender:
    """The workers not converting right now, lent to the threads that ask, first come first
    served: a worker given back goes straight to the longest waiting thread, so a batch
    whose threads keep asking cannot starve one that asked before them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiting: collections.deque[_Loan] = collections.deque()

    def take(self) -> _Worker:
        """A worker, once one is free and every thread that asked before has had one."""
        with self._lock:
            if self._idle and not self._waiting:
                return self._idle.popleft()
            loan = _Loan()
            self._waiting.append(loan)
        loan.ready.wait()
        assert loan.worker is not None
        return loan.worker

    def take_idle(self) -> _Worker | None:
        """An idle worker nobody waits for, or None."""
        with self._lock:
            return self._idle.popleft() if self._idle and not self._waiting else None

    def give(self, worker: _Worker) -> None:
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
    worker: _Worker | None = None


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
        self._workers: list[_Worker] = []
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
        for _ in range(self._count):
            profile, lock = _claim_profile(root)
            command = [self._python, str(_WORKER_SCRIPT), "--soffice", self._settings.soffice,
                       "--profile", str(profile.resolve()), "--fontconfig", str(FONTS_CONF),
                       "--start-timeout", str(self._start_timeout),
                       "--pdf-options", json.dumps(_PDF_EXPORT)]
            self._workers.append(_Worker(command, profile, lock, self._start_timeout))
            self._idle.give(self._workers[-1])

    def close(self) -> None:
        """Shut every LibreOffice down and release the profiles.

        A batch running in another thread (a kept converter) is let finish first.
        """
        with self._state:
            self._state.wait_for(lambda: self._batches == 0)
            workers, self._workers = self._workers, []
            self._idle = _Lender()
        for worker in workers:
            worker.release()
        self._normalizers.close()

    def warm_up(self) -> None:
        """Start every worker's LibreOffice now and have each convert a one-page document,
        so that the first real document finds it warm (its first conversion otherwise
        costs ≈300 ms more: filters, fonts). Raises :class:`ConversionError` when a
        LibreOffice cannot start or convert.
        """
        with tempfile.TemporaryDirectory(prefix="wenshu-warm-up-") as tmp:
            source = Path(tmp) / "warm-up.docx"
            source.write_bytes(_warm_up_docx())
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
        tracker = _Progress(progress, count or 0)
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
                    with ThreadPoolExecutor(active) as pool:
                        list(pool.map(drain, [feed] * active))
            finally:
                feed.close()
        if feed.error is not None:
            raise feed.error
        if failures:
            raise ConversionError(_failure_report(feed.seen, failures))
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

    def _convert_one(self, worker: _Worker, job: PdfJob) -> None:
        """Convert one job on ``worker`` and normalise the PDF into place."""
        self._normalize(job, *self._export(worker, job))

    def _export(self, worker: _Worker, job: PdfJob) -> tuple[Path, str]:
        """Have ``worker``'s LibreOffice export ``job``; the PDF as exported (beside the
        target) and the source's digest."""
        source = job.docx.resolve()
        stamp = _sha256(source)
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

    def _ask(self, worker: _Worker, request: dict[str, str]) -> dict[str, Any]:
        """The worker's answer, restarting it once if it dies on the way."""
        for attempt in itertools.count(1):
            worker.ensure_started()
            try:
                return worker.request(request, self.timeout_seconds)
            except _WorkerTimedOut:
                worker.kill()
                raise ConversionError(
                    f"LibreOffice 在 {self.timeout_seconds:g} 秒内没有转换完成，已停止") from None
            except _WorkerDied as exc:
                worker.kill()
                if attempt == 2:
                    raise ConversionError(f"LibreOffice 转换时两次异常退出（{exc}）") from None
                _log.warning("LibreOffice worker died (%s); starting a new one", exc)
        raise AssertionError("unreachable")


@functools.lru_cache(maxsize=8)
def uno_unavailable_reason(python: str = UNO_PYTHON) -> str | None:
    """Why ``python`` cannot run the UNO worker, or None when it can."""
    try:
        result = subprocess.run([python, "-c", "import uno"], capture_output=True,
                                stdin=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {python}: {exc}"
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", errors="replace").strip().splitlines()
        return (f"{python} cannot import uno ({said[-1] if said else result.returncode}); "
                "Debian's python3-uno provides it")
    return None


def _new_converter(settings: Settings, workers: int,
                   python: str) -> WarmConverter | ColdConverter:
    """Warm over UNO, or cold ``soffice`` runs when ``python`` cannot import ``uno``."""
    reason = uno_unavailable_reason(python)
    if reason is None:
        return WarmConverter(settings, workers, python=python)
    _log.warning("converting with one soffice run per batch (slower): %s", reason)
    return ColdConverter(settings, workers)


@contextlib.contextmanager
def open_converter(settings: Settings, workers: int = DEFAULT_WORKERS, *,
                   python: str = UNO_PYTHON) -> Iterator[PdfConverter]:
    """The converter to use: warm over UNO, or cold ``soffice`` runs when UNO is missing.

    When this process keeps a converter for the settings' data directory
    (:func:`keep_warm`), that one is handed out and stays running afterwards (``workers``
    and ``python`` are then the kept one's). Otherwise everything it started is stopped
    when the ``with`` block ends.
    """
    kept = kept_converter(settings)
    if kept is not None:
        yield kept
        return
    with _new_converter(settings, workers, python) as converter:
        yield converter


# The converters this process keeps running, by resolved data directory: LibreOffice
# profiles belong to one data directory, and a process serves very few of them.
_kept: dict[Path, WarmConverter | ColdConverter] = {}
_kept_lock = threading.Lock()


def keep_warm(settings: Settings, workers: int = DEFAULT_WORKERS, *,
              python: str = UNO_PYTHON, warm_up: bool = True) -> PdfConverter:
    """Keep one converter running for this process and data directory; returns it.

    For a long-running process (the web app): from now on :func:`open_converter` with
    settings of the same data directory yields this converter and leaves it running,
    so a flow run no longer starts and stops LibreOffice. Falls back to the cold
    converter like :func:`open_converter` when UNO is unavailable. Idempotent and
    thread-safe: a second call returns the kept converter as it is. With ``warm_up``
    the first call starts LibreOffice and converts a one-page document on each worker
    before returning (≈2-3 s), so that the first real document is fast too; a failing
    warm-up is logged, not raised (each document will try LibreOffice again and report
    its own error). Batches from several threads share the workers, document by document.
    :func:`release_warm` (also registered with :mod:`atexit`) stops it.
    """
    home = settings.home.resolve()
    with _kept_lock:
        kept = _kept.get(home)
        if kept is not None:
            return kept
        kept = _new_converter(settings, workers, python)
        kept.open()
        _kept[home] = kept
    if warm_up:
        # Outside the registry lock: other data directories need not wait. A batch
        # arriving meanwhile waits for the warm-up on the converter's own lock.
        try:
            kept.warm_up()
        except ConversionError as exc:
            _log.warning("LibreOffice warm-up failed (documents will retry): %s", exc)
    return kept


def kept_converter(settings: Settings) -> PdfConverter | None:
    """The converter :func:`keep_warm` keeps for the settings' data directory, if any."""
    with _kept_lock:
        return _kept.get(settings.home.resolve())


def release_warm(settings: Settings | None = None) -> None:
    """Stop the kept converter of ``settings``' data directory (default: every one).

    Waits for a batch in progress to finish, then stops LibreOffice and frees the
    profiles; :func:`open_converter` goes back to a converter per ``with`` block.
    """
    with _kept_lock:
        if settings is None:
            released = list(_kept.values())
            _kept.clear()
        else:
            found = _kept.pop(settings.home.resolve(), None)
            released = [found] if found is not None else []
    for converter in released:
        converter.close()


# A process that forgets release_warm() still stops its LibreOffice on the way out
# (the workers would also quit at end of input, but only once this process is gone).
atexit.register(release_warm)


def _warm_up_docx() -> bytes:
    """A one-page .docx with a line in each 公文 face: loads the Word import filter, the
    PDF export and the CJK fonts the way a real document does, at a fraction of its cost."""
    runs = "".join(
        f'<w:p><w:r><w:rPr><w:rFonts w:ascii="{face}" w:hAnsi="{face}" w:eastAsia="{face}"/>'
        f'</w:rPr><w:t>预热 {face} 2026</w:t></w:r></w:p>' for face in _WARM_UP_FACES)
    parts = {
        "[Content_Types].xml": _WARM_UP_TYPES,
        "_rels/.rels": _WARM_UP_RELS,
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{_WORDML}"><w:body>{runs}</w:body></w:document>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            package.writestr(name, text)
    return out.getvalue()


_WARM_UP_FACES = ("仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体", "宋体")
_WORDML = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_WARM_UP_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_WARM_UP_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
