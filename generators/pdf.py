"""Word to PDF with LibreOffice headless, and reproducible PDF bytes.

One ``soffice`` process converts a whole batch (≈300 ms per document, against ≈1.4 s
for a cold start per document). Each converter owns a LibreOffice profile directory,
and LibreOffice sees wenshu's fontconfig file, which maps the 公文 faces onto installed
serif, sans and kai faces.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from importlib.resources import files
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject

from wenshu.errors import ConversionError
from wenshu.settings import Settings

FONTS_CONF = Path(str(files("wenshu.generators") / "fonts" / "fonts.conf"))

# soffice.bin's exit code after it has created a new profile: run it again.
_RESTART_EXIT_CODE = 81
# Force the Word import filter: with auto-detection, LibreOffice "converts" a damaged
# .docx as plain text and exits 0.
_INPUT_FILTER = "MS Word 2007 XML"
_POLL_SECONDS = 0.1

# What LibreOffice stamps differently on every export: the creation date, the trailer
# /ID and its own /DocChecksum (a digest over the other two).
_DATE = re.compile(rb"(/(?:CreationDate|ModDate)\s*\(D:)(\d{14})")
_ID = re.compile(rb"(/ID\s*\[\s*<)([0-9A-Fa-f]+)(>\s*<)([0-9A-Fa-f]+)(>)")
# The DOS epoch, as on the entries of rendered .docx files.
_FIXED_DATE = b"19800101000000"
# LibreOffice embeds CFF faces (Noto CJK) as Type 1 programs numbered by a per-process
# counter, so within one batch a document's bytes depend on the documents before it.
_UNIQUE_ID = re.compile(rb"/UniqueID\s+\d+\s+def\s*")
_EEXEC_KEY = 55665  # Type 1 font format, section 7.2


def normalize_pdf(data: bytes, *, stamp: str) -> bytes:
    """Make a LibreOffice PDF depend only on the document: same content, same bytes.

    ``stamp`` identifies the content (the converter passes the source .docx's SHA-256):
    the trailer /ID becomes hex derived from it; the creation date becomes 1980-01-01
    00:00:00, because the export time is not a fact about the document (the archive
    records when things happened); LibreOffice's private /DocChecksum and the /UniqueID
    it counts up per process in embedded Type 1 fonts are dropped.
    """
    digest = hashlib.sha256(stamp.encode("utf-8")).hexdigest().upper().encode("ascii")

    def same_length_id(match: re.Match[bytes]) -> bytes:
        first, second = match.group(2), match.group(4)
        return (match.group(1) + digest[:len(first)] + match.group(3)
                + digest[:len(second)] + match.group(5))

    # Same-length substitutions keep the xref offsets valid for the parse that follows.
    data, found = _ID.subn(same_length_id, data)
    if not found:
        raise ConversionError("PDF has no trailer /ID to normalise")
    data = _DATE.sub(lambda m: m.group(1) + _FIXED_DATE, data)
    return _without_unique_ids(data)


def _without_unique_ids(data: bytes) -> bytes:
    """Rewrite the PDF with /UniqueID removed from every embedded Type 1 font program.

    The rewrite also drops LibreOffice's non-standard /DocChecksum from the trailer.
    """
    try:
        reader = PdfReader(io.BytesIO(data))
        writer = PdfWriter(clone_from=reader)
    except PdfReadError as exc:
        raise ConversionError(f"not a readable PDF: {exc}") from exc
    writer.pdf_header = reader.pdf_header
    seen: set[int] = set()
    for page in writer.pages:
        resources = page.get("/Resources", DictionaryObject()).get_object()
        for font in resources.get("/Font", DictionaryObject()).get_object().values():
            descriptor = font.get_object().get("/FontDescriptor")
            program = descriptor.get_object().get("/FontFile") if descriptor else None
            if program is None or program.idnum in seen:
                continue
            seen.add(program.idnum)
            _drop_unique_id(program.get_object())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _drop_unique_id(stream: StreamObject) -> None:
    """Remove /UniqueID from a Type 1 program's clear part and its eexec-encrypted part."""
    clear_length, crypt_length = int(stream["/Length1"]), int(stream["/Length2"])
    program = stream.get_data()
    clear = _UNIQUE_ID.sub(b"", program[:clear_length])
    encrypted = program[clear_length:clear_length + crypt_length]
    crypt = _eexec(_UNIQUE_ID.sub(b"", _eexec(encrypted, decrypt=True)), decrypt=False)
    stream.set_data(clear + crypt + program[clear_length + crypt_length:])
    stream[NameObject("/Length1")] = NumberObject(len(clear))
    stream[NameObject("/Length2")] = NumberObject(len(crypt))


def _eexec(data: bytes, *, decrypt: bool) -> bytes:
    """Type 1 eexec encryption: each byte is keyed by the running ciphertext."""
    key, out = _EEXEC_KEY, bytearray(len(data))
    for index, byte in enumerate(data):
        result = byte ^ (key >> 8)
        out[index] = result
        cipher = byte if decrypt else result
        key = ((cipher + key) * 52845 + 22719) & 0xFFFF
    return bytes(out)


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


class SofficeConverter:
    """LibreOffice headless with its own profile; converts .docx files to PDF.

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
        """Convert a batch in one LibreOffice run; returns the PDFs in input order.

        Raises :class:`ConversionError` when LibreOffice stalls past the timeout (it is
        killed) or any expected PDF is missing (the message carries LibreOffice's output).
        """
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
        missing = [src.name for src, target in zip(sources, targets) if not target.is_file()]
        if missing:
            raise ConversionError(f"LibreOffice made no PDF from {', '.join(missing)}:\n{output}")
        for source, target in zip(sources, targets):
            stamp = hashlib.sha256(source.read_bytes()).hexdigest()
            target.write_bytes(normalize_pdf(target.read_bytes(), stamp=stamp))
        return targets

    def _run(self, sources: list[Path], out_dir: Path, targets: list[Path]) -> str:
        """Run soffice (again after its first-start exit); returns its combined output."""
        command = [
            self.soffice, f"-env:UserInstallation={self.profile_dir.resolve().as_uri()}",
            "--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck",
            f"--infilter={_INPUT_FILTER}", "--convert-to", "pdf:writer_pdf_Export",
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
