"""Word to PDF/A-2b with LibreOffice, and reproducible PDF bytes.

Callers open one converter with :func:`open_converter` and hand it :class:`PdfJob` s;
both kinds of converter have the same ``convert_many(jobs, progress=None)``:

- :class:`WarmConverter` (:mod:`wenshu.generators.pdf_warm`) keeps one LibreOffice per
  worker running and drives it over UNO through ``uno_worker.py``, run by the system
  python (the venv cannot import ``uno``). A document costs ≈150-200 ms per worker once
  LibreOffice is up, against ≈1.4 s for a cold start (``bench/bench_pdf.py``).
- :class:`ColdConverter` (:mod:`wenshu.generators.pdf_cold`), the fallback where the
  system python has no ``uno``, runs ``soffice --convert-to`` batches through
  :class:`SofficeConverter`.

A long-running process (the web app) calls :func:`keep_warm` once: from then on
:func:`open_converter` hands out that one converter, already warm, instead of starting
and stopping LibreOffice for every flow run; :func:`release_warm` stops it. The jobs,
progress reports and what both converters share are in :mod:`wenshu.generators.pdf_jobs`;
this module's ``__all__`` is the public API.

Each LibreOffice owns a profile directory that no other wenshu process may use at the
same time, and sees wenshu's fontconfig file, which maps the 公文 faces onto installed
serif, sans and kai faces (TrueType copies of the CJK ones where
:mod:`wenshu.generators.office_fonts` has built them). Every PDF is normalised
(:mod:`wenshu.generators.pdf_normalize`; the warm converter does it in processes of its
own while LibreOffice converts the next document): the same .docx with the same
metadata gives the same bytes.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

from wenshu.errors import ConversionError
from wenshu.generators.pdf_cold import ColdConverter, SofficeConverter
from wenshu.generators.pdf_jobs import (
    DEFAULT_WORKERS,
    UNO_PYTHON,
    ConversionProgress,
    PdfConverter,
    PdfJob,
    PdfMetadata,
    ProgressCallback,
)
from wenshu.generators.pdf_warm import WarmConverter
from wenshu.settings import Settings

__all__ = [
    "DEFAULT_WORKERS", "UNO_PYTHON", "ColdConverter", "ConversionProgress",
    "PdfConverter", "PdfJob", "PdfMetadata", "ProgressCallback", "SofficeConverter",
    "WarmConverter", "keep_warm", "kept_converter", "open_converter", "release_warm",
    "uno_unavailable_reason",
]

_log = logging.getLogger(__name__)


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
