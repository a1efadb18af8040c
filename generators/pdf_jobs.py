"""What both PDF converters share: the jobs and their progress reports, LibreOffice's
export options and profiles, and the one-page document that warms a LibreOffice up.

The converters themselves are in :mod:`wenshu.generators.pdf_cold` (cold ``soffice``
runs) and :mod:`wenshu.generators.pdf_warm` (LibreOffice kept running, each worker a
:mod:`wenshu.generators.pdf_worker`); the entry points are in :mod:`wenshu.generators.pdf`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import itertools
import logging
import os
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import IO, Protocol

from wenshu.errors import ConversionError

FONTS_CONF = Path(str(files("wenshu.generators") / "fonts" / "fonts.conf"))
# Debian's python3-uno installs ``uno`` for this interpreter only.
UNO_PYTHON = "/usr/bin/python3"
# One LibreOffice per core; each holds ≈250 MB, hence the cap.
DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))
# writer_pdf_Export's options, for both converters. Version 2 is PDF/A-2b (ISO 19005-2,
# the archival choice): every font embedded, XMP metadata, no encryption. Bookmarks
# from the headings help the reader of a long report. Lossless pictures: a chart never
# gets JPEG's blur, and LibreOffice's lossy path costs work even on our palette-PNG
# charts, which it stores losslessly anyway: same PDFs, ≈13% less conversion CPU
# (bench/bench_pdf_options.py).
PDF_EXPORT_OPTIONS: dict[str, bool | int] = {
    "SelectPdfVersion": 2,
    "EmbedStandardFonts": True,
    "ExportBookmarks": True,
    "UseLosslessCompression": True,
}

_log = logging.getLogger(__name__)


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
    """What :func:`~wenshu.generators.pdf.open_converter` and
    :func:`~wenshu.generators.pdf.keep_warm` return."""

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


class ProgressTracker:
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
def profile_lock(profile_dir: Path) -> Iterator[None]:
    """Hold the profile for this process: a second wenshu process waits instead of
    starting LibreOffice on a profile in use (which fails or hangs)."""
    profile_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(profile_dir.with_name(profile_dir.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def claim_profile(root: Path) -> tuple[Path, IO[str]]:
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


def check_targets(jobs: Sequence[PdfJob]) -> None:
    """Refuse a batch where two documents would write the same PDF."""
    seen: set[Path] = set()
    for job in jobs:
        target = job.pdf.resolve()
        if target in seen:
            raise ConversionError(f"two documents would both become {job.pdf}")
        seen.add(target)


def failure_report(jobs: Sequence[PdfJob], failures: dict[int, str]) -> str:
    """One line per failed document, in job order."""
    lines = [f"{len(failures)} of {len(jobs)} documents were not converted:"]
    lines += [f"  {jobs[index].docx}: {failures[index]}" for index in sorted(failures)]
    return "\n".join(lines)


def source_digest(path: Path) -> str:
    """Hex digest of a source document, the stamp its PDF is normalised with."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ConversionError(f"cannot read {path}: {exc.strerror}") from exc


def warm_up_docx() -> bytes:
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
