"""Reproducible PDF bytes: what LibreOffice stamps differently on every export, made to
depend on the document alone (:func:`normalize_pdf`).

Pure bytes in, bytes out, so the warm converter runs it in processes of its own
(:class:`Normalizers`) while LibreOffice converts the next documents. With the TrueType
copies of the CJK fonts (:mod:`wenshu.generators.office_fonts`) a document takes ≈4 ms;
with the system's CFF faces, which LibreOffice embeds as Type 1 programs, ≈40-70 ms,
nearly all of it re-encrypting them without their /UniqueID.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import json
import re
import struct
import subprocess
import sys
import threading
import zlib
from datetime import date
from pathlib import Path
from typing import cast

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import (
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from wenshu.errors import ConversionError

# What LibreOffice stamps differently on every export: the creation date in the Info
# dictionary, in XMP and in the header of the sRGB profile that PDF/A's output intent
# embeds; XMP's document and instance UUIDs (newer versions); the trailer /ID and its
# own /DocChecksum (a digest over the other two).
_DATE = re.compile(rb"(/(?:CreationDate|ModDate)\s*\(D:)(\d{14})")
# LibreOffice 25.2 also dates the document in Dublin Core (dc:date).
_XMP_DATE = re.compile(
    rb"(<xmp:(?:CreateDate|ModifyDate|MetadataDate)>|xmp:(?:CreateDate|ModifyDate|MetadataDate)=\""
    rb"|<dc:date>\s*<rdf:Seq>\s*<rdf:li>)"
    rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")
_XMP_UUID = re.compile(
    rb"(xmpMM:(?:DocumentID|InstanceID)(?:>|=\")uuid:)"
    rb"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})")
_ID = re.compile(rb"(/ID\s*\[\s*<)([0-9A-Fa-f]+)(>\s*<)([0-9A-Fa-f]+)(>)")
_CHECKSUM = re.compile(rb"(/DocChecksum\s*/)([0-9A-Fa-f]+)")
_OUTPUT_PROFILE = re.compile(rb"/DestOutputProfile\s+(\d+)\s+0\s+R")
_ICC_DATE = slice(24, 36)  # ICC.1 header: dateTimeNumber, six big-endian uint16
# The DOS epoch, as on the entries of rendered .docx files: the date of a document
# that states none.
_EPOCH = date(1980, 1, 1)
# LibreOffice embeds CFF faces (the system's Noto CJK, where the TrueType copies are not
# built) as Type 1 programs numbered by a per-process counter, so within one LibreOffice
# run a document's bytes depend on the documents before it.
_FONT_FILE = re.compile(rb"/FontFile\s+(\d+)\s+0\s+R")
_UNIQUE_ID = re.compile(rb"/UniqueID\s+\d+\s+def\s*")
_EEXEC_KEY = 55665  # Type 1 font format, section 7.2
# LibreOffice writes the ID in the private dictionary's first few hundred bytes.
_EEXEC_HEAD = 4096
_LENGTH_REF = re.compile(rb"/Length\s+(\d+)\s+0\s+R")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) n")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def normalize_pdf(data: bytes, *, stamp: str, date: date | None = None) -> bytes:
    """Make a LibreOffice PDF depend only on the document: same content, same bytes.

    ``stamp`` identifies the content (the converters pass the source .docx's SHA-256):
    the trailer /ID, LibreOffice's /DocChecksum and any XMP document/instance UUID
    become hex derived from it. The creation and modification dates, in the Info
    dictionary, in XMP (PDF/A requires the two to agree) and in the embedded colour
    profile, become ``date`` at 00:00:00 UTC, or 1980-01-01 without one: the export
    time is not a fact about the document (the archive records when things happened).
    The /UniqueID that LibreOffice counts up per process in embedded Type 1 fonts is
    dropped. Raises :class:`ConversionError` for a PDF it cannot read.
    """
    day = date or _EPOCH
    digest = hashlib.sha256(stamp.encode("utf-8")).hexdigest().upper().encode("ascii")
    pdf_date = day.strftime("%Y%m%d").encode("ascii") + b"000000"
    xmp_date = day.isoformat().encode("ascii") + b"T00:00:00"
    uuid = b"-".join((digest[:8], digest[8:12], digest[12:16], digest[16:20], digest[20:32]))

    def same_length(match: re.Match[bytes]) -> bytes:
        groups = list(match.groups())
        for index in range(1, len(groups), 2):
            groups[index] = digest[:len(groups[index])]
        return b"".join(groups)

    # Same-length substitutions keep every byte offset valid; the zone suffixes stay
    # (LibreOffice runs in UTC, so they are the same everywhere).
    data, found = _ID.subn(same_length, data)
    if not found:
        raise ConversionError("PDF has no trailer /ID to normalise")
    data = _CHECKSUM.sub(same_length, data)
    data = _DATE.sub(lambda m: m.group(1) + pdf_date, data)
    data = _XMP_DATE.sub(lambda m: m.group(1) + xmp_date, data)
    data = _XMP_UUID.sub(lambda m: m.group(1) + uuid.lower(), data)
    try:
        reader = PdfReader(io.BytesIO(data))
        streams: dict[int, tuple[bytes, dict[str, int]]] = {}
        for number in sorted({int(n) for n in _FONT_FILE.findall(data)}):
            program = reader.get_object(number)
            if isinstance(program, StreamObject) and "/Length2" in program:
                streams[number] = _type1_without_unique_id(program)
        for number in sorted({int(n) for n in _OUTPUT_PROFILE.findall(data)}):
            profile = reader.get_object(number)
            if isinstance(profile, StreamObject):
                streams[number] = (_icc_dated(profile.get_data(), day), {})
        return _with_streams(data, reader, streams)
    except (PdfReadError, KeyError, ValueError, zlib.error) as exc:
        raise ConversionError(f"cannot normalise the PDF: {exc}") from exc


def _icc_dated(profile: bytes, day: date) -> bytes:
    """An ICC profile whose header states ``day`` at midnight as its creation time."""
    if profile[36:40] != b"acsp":  # not an ICC profile: leave it alone
        return profile
    stamp = struct.pack(">6H", day.year, day.month, day.day, 0, 0, 0)
    return profile[:_ICC_DATE.start] + stamp + profile[_ICC_DATE.stop:]


def _type1_without_unique_id(stream: StreamObject) -> tuple[bytes, dict[str, int]]:
    """A Type 1 program without /UniqueID (clear and encrypted parts), and its new lengths."""
    clear_length = int(cast(NumberObject, stream["/Length1"]))
    crypt_length = int(cast(NumberObject, stream["/Length2"]))
    program = stream.get_data()
    clear = _UNIQUE_ID.sub(b"", program[:clear_length])
    crypt = _eexec_without_unique_id(program[clear_length:clear_length + crypt_length])
    content = clear + crypt + program[clear_length + crypt_length:]
    return content, {"/Length1": len(clear), "/Length2": len(crypt)}


def _eexec_without_unique_id(encrypted: bytes) -> bytes:
    """An eexec-encrypted section with /UniqueID taken out of its plain text.

    Ciphertext before the ID stays as it is. After it, each byte is decrypted with the
    old key and encrypted with the new one, until the two running keys coincide: from
    there on the old ciphertext is already right (for a 16-bit key that happens after
    ≈64 KB on average, which saves much of the work on a large font).
    """
    head = _eexec(encrypted[:_EEXEC_HEAD], decrypt=True)
    match = _UNIQUE_ID.search(head)
    if match is None or match.end() > len(head) - 64:
        # Not where LibreOffice puts it (or too near the cut to be sure): the long way.
        return _eexec(_UNIQUE_ID.sub(b"", _eexec(encrypted, decrypt=True)), decrypt=False)
    start, end = match.span()
    new_key, old_key = _eexec_key(encrypted[:start]), _eexec_key(encrypted[:end])
    out, tail = bytearray(encrypted[:start]), encrypted[end:]
    for position, cipher in enumerate(tail):
        plain = cipher ^ (old_key >> 8)
        old_key = ((cipher + old_key) * 52845 + 22719) & 0xFFFF
        result = plain ^ (new_key >> 8)
        out.append(result)
        new_key = ((result + new_key) * 52845 + 22719) & 0xFFFF
        if new_key == old_key:
            out += tail[position + 1:]
            break
    return bytes(out)


def _eexec_key(cipher: bytes) -> int:
    """The eexec key after ``cipher`` (the key depends on the ciphertext only)."""
    key = _EEXEC_KEY
    for byte in cipher:
        key = ((byte + key) * 52845 + 22719) & 0xFFFF
    return key


def _eexec(data: bytes, *, decrypt: bool) -> bytes:
    """Type 1 eexec encryption: each byte is keyed by the running ciphertext."""
    key, out = _EEXEC_KEY, bytearray(len(data))
    for index, byte in enumerate(data):
        result = byte ^ (key >> 8)
        out[index] = result
        cipher = byte if decrypt else result
        key = ((cipher + key) * 52845 + 22719) & 0xFFFF
    return bytes(out)


def _with_streams(data: bytes, reader: PdfReader,
                  streams: dict[int, tuple[bytes, dict[str, int]]]) -> bytes:
    """``data`` with the content of some stream objects replaced, offsets and xref redone.

    Only the replaced objects are rewritten; a full rewrite through pypdf costs more
    than the conversion's own export. LibreOffice writes one classic cross-reference
    table and no object streams, which is all this handles.
    """
    if not streams:
        return data
    xref_match = _STARTXREF.search(data)
    xref_start = int(xref_match.group(1)) if xref_match else -1
    trailer_start = data.find(b"trailer", xref_start)
    if (not data.startswith(b"xref", xref_start) or trailer_start < 0
            or b"/Prev" in data[trailer_start:] or reader.xref_objStm):
        raise ConversionError("the PDF is not laid out as LibreOffice writes it; "
                              "cannot normalise it")
    # An object runs from its offset to the next object's (or to the table).
    offsets = sorted(reader.xref[0].values()) + [xref_start]
    pieces: list[bytes] = []
    shifts: list[tuple[int, int]] = []
    position = 0
    replaced = _replacement_objects(data, reader, streams)
    for number in sorted(replaced, key=lambda n: reader.xref[0][n]):
        begin = reader.xref[0][number]
        end = offsets[bisect.bisect_right(offsets, begin)]
        pieces += [data[position:begin], replaced[number]]
        shifts.append((begin, len(replaced[number]) - (end - begin)))
        position = end
    pieces.append(data[position:xref_start])

    def moved(offset: int) -> int:
        return offset + sum(delta for begin, delta in shifts if begin < offset)

    table = _XREF_ENTRY.sub(
        lambda m: b"%010d %s n" % (moved(int(m.group(1))), m.group(2)),
        data[xref_start:trailer_start])
    trailer = data[trailer_start:xref_match.start()]  # type: ignore[union-attr]
    return b"".join(pieces) + table + trailer + b"startxref\n%d\n%%%%EOF\n" % moved(xref_start)


def _replacement_objects(data: bytes, reader: PdfReader,
                         streams: dict[int, tuple[bytes, dict[str, int]]]) -> dict[int, bytes]:
    """The text of each new stream object, and of the length objects they refer to."""
    objects: dict[int, bytes] = {}
    for number, (content, entries) in streams.items():
        stream = reader.get_object(number)
        assert isinstance(stream, StreamObject)  # normalize_pdf picked streams only
        encoded = zlib.compress(content)
        # pypdf keeps no /Length in a parsed stream; the file says whether it was indirect.
        begin = reader.xref[0][number]
        length_ref = _LENGTH_REF.search(data, begin, data.index(b"stream", begin))
        header = DictionaryObject(stream.items())
        header[NameObject("/Filter")] = NameObject("/FlateDecode")
        header.pop(NameObject("/DecodeParms"), None)
        for key, value in entries.items():
            header[NameObject(key)] = NumberObject(value)
        if length_ref:
            # The length object would otherwise keep this run's number.
            target = int(length_ref.group(1))
            objects[target] = b"%d 0 obj\n%d\nendobj\n" % (target, len(encoded))
            header[NameObject("/Length")] = IndirectObject(target, 0, reader)
        else:
            header[NameObject("/Length")] = NumberObject(len(encoded))
        text = io.BytesIO()
        header.write_to_stream(text)
        objects[number] = (b"%d 0 obj\n" % number + text.getvalue() + b"\nstream\n" + encoded
                           + b"\nendstream\nendobj\n")
    return objects


def normalize_file(raw: Path, target: Path, stamp: str, day: date | None) -> None:
    """Write ``raw`` (a PDF as LibreOffice exported it) normalised to ``target``."""
    target.write_bytes(normalize_pdf(raw.read_bytes(), stamp=stamp, date=day))


class Normalizers:
    """:func:`normalize_file` in at most ``processes`` processes of this module's own (see
    :func:`main`), started as documents need them; a thread finding them all busy waits
    for one. A document whose process fails or cannot start is done here."""

    def __init__(self, processes: int) -> None:
        self._processes = processes
        self._free = threading.Condition()
        self._idle: list[subprocess.Popen[bytes]] = []
        self._live = 0

    def normalize(self, raw: Path, target: Path, stamp: str, day: date | None) -> None:
        """Normalise ``raw`` into ``target``; blocks until done (other threads run meanwhile).

        Raises :class:`ConversionError` for a PDF that cannot be read."""
        process = self._take()
        if process is None:  # cannot start one: do it here
            normalize_file(raw, target, stamp, day)
            return
        request = {"raw": str(raw), "target": str(target), "stamp": stamp,
                   "date": day.isoformat() if day else None}
        try:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(json.dumps(request).encode() + b"\n")
            process.stdin.flush()
            answer = json.loads(process.stdout.readline() or b"null")
        except (OSError, ValueError):
            answer = None
        if not isinstance(answer, dict):  # the process is gone: do it here
            process.kill()
            process.wait()
            self._forget()
            normalize_file(raw, target, stamp, day)
            return
        with self._free:
            self._idle.append(process)
            self._free.notify()
        if answer.get("error"):
            raise ConversionError(answer["error"])

    def close(self) -> None:
        """Stop the idle processes (each exits at the end of its input)."""
        with self._free:
            idle, self._idle = self._idle, []
            self._live -= len(idle)
        for process in idle:
            assert process.stdin is not None
            process.stdin.close()
        for process in idle:
            process.wait()

    def _take(self) -> subprocess.Popen[bytes] | None:
        """An idle process, a new one, or None when one cannot be started."""
        with self._free:
            self._free.wait_for(lambda: self._idle or self._live < self._processes)
            if self._idle:
                return self._idle.pop()
            self._live += 1
        try:
            return subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE)
        except OSError:
            self._forget()
            return None

    def _forget(self) -> None:
        """One process fewer: a waiting thread may start another."""
        with self._free:
            self._live -= 1
            self._free.notify()


def main() -> None:
    """Answer normalisation requests, one JSON line each, until end of input."""
    for line in sys.stdin.buffer:
        request = json.loads(line)
        try:
            normalize_file(Path(request["raw"]), Path(request["target"]), request["stamp"],
                           date.fromisoformat(request["date"]) if request["date"] else None)
        except (ConversionError, OSError) as exc:
            answer = {"error": str(exc)}
        else:
            answer = {"ok": True}
        sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
