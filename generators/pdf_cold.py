"""The cold PDF path: one ``soffice --convert-to`` run per batch (:class:`ColdConverter`).

:class:`SofficeConverter` runs LibreOffice headless on its own profile for a batch of
.docx files and stops it afterwards; :class:`ColdConverter` spreads a batch's jobs over
several of them and is the fallback that :func:`wenshu.generators.pdf.open_converter`
uses where the system python has no ``uno``. Metadata reaches the PDF through the
document properties of a staged copy of each .docx.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lxml import etree

from wenshu.errors import ConversionError
from wenshu.generators.office_fonts import fontconfig_file
from wenshu.generators.pdf_jobs import (
    DEFAULT_WORKERS,
    PDF_EXPORT_OPTIONS,
    PdfJob,
    PdfMetadata,
    ProgressCallback,
    ProgressTracker,
    check_targets,
    failure_report,
    profile_lock,
    source_digest,
    warm_up_docx,
)
from wenshu.generators.pdf_normalize import normalize_pdf
from wenshu.settings import Settings, get_settings

__all__ = ["ColdConverter", "SofficeConverter"]

# soffice.bin's exit code after it has created a new profile: run it again.
_RESTART_EXIT_CODE = 81
# Force the Word import filter: with auto-detection, LibreOffice "converts" a damaged
# .docx as plain text and exits 0.
_INPUT_FILTER = "MS Word 2007 XML"
_POLL_SECONDS = 0.1
_CORE_PART = "docProps/core.xml"
_DC = "{http://purl.org/dc/elements/1.1/}"


class SofficeConverter:
    """LibreOffice headless with its own profile; converts .docx files to PDF/A-2b.

    One conversion runs at a time per converter (a profile serves one process);
    give converters that run in parallel their own ``profile_dir``.
    """

    def __init__(self, profile_dir: Path, *, soffice: str = "soffice",
                 timeout_seconds: float = 120.0, fonts_dir: Path | None = None) -> None:
        """``timeout_seconds`` is the longest LibreOffice may work without finishing a
        document; ``fonts_dir`` holds the TrueType copies of the CJK fonts (by default
        the settings')."""
        self.profile_dir = profile_dir
        self.soffice = soffice
        self.fontconfig = fontconfig_file(fonts_dir or get_settings().fonts_dir)
        self.timeout_seconds = timeout_seconds
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, worker: int = 0) -> SofficeConverter:
        """Converter number ``worker``, its profile under the data directory.

        Converters that run side by side need different worker numbers.
        """
        return cls(settings.home / "libreoffice" / f"worker-{worker}", soffice=settings.soffice,
                   timeout_seconds=settings.pdf_timeout_seconds, fonts_dir=settings.fonts_dir)

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
            target.write_bytes(normalize_pdf(target.read_bytes(), stamp=source_digest(source)))
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
        with self._lock, profile_lock(self.profile_dir):
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
                   for name, value in PDF_EXPORT_OPTIONS.items()}
        command = [
            self.soffice, f"-env:UserInstallation={self.profile_dir.resolve().as_uri()}",
            "--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck",
            f"--infilter={_INPUT_FILTER}",
            "--convert-to", f"pdf:writer_pdf_Export:{json.dumps(options)}",
            "--outdir", str(out_dir), *map(str, sources),
        ]
        # In UTC the creation date's zone suffix, which normalisation keeps, is the same
        # on every machine.
        env = {**os.environ, "FONTCONFIG_FILE": str(self.fontconfig), "TZ": "UTC"}
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
            source.write_bytes(warm_up_docx())

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
        check_targets(jobs)
        tracker = ProgressTracker(progress, len(jobs))
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
            raise ConversionError(failure_report(jobs, failures))
        return [job.pdf for job in jobs]

    @staticmethod
    def _convert_group(jobs: Sequence[PdfJob], converter: SofficeConverter,
                       indexes: list[int], tracker: ProgressTracker) -> dict[int, str]:
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
               failures: dict[int, str], tracker: ProgressTracker) -> dict[int, tuple[Path, str]]:
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
