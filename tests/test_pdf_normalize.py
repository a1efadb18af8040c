"""Normalising LibreOffice's PDFs (pdf_normalize): the rewrite itself, and in processes of
their own (Normalizers), as the warm converter does after each export."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from wenshu.errors import ConversionError
from wenshu.generators.pdf_normalize import (
    Normalizers,
    _eexec_without_unique_id,
    normalize_pdf,
)

DAY = date(2026, 1, 15)


def _exported(path: Path, created: str) -> Path:
    """A one-page PDF dated like a fresh export, with a trailer /ID."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/CreationDate": f"D:{created}", "/ModDate": f"D:{created}"})
    writer.generate_file_identifiers()
    out = io.BytesIO()
    writer.write(out)
    # pypdf escapes the colon; LibreOffice writes it plain (padded: offsets stay right).
    path.write_bytes(out.getvalue().replace(b"(D\\072", b"(D:").replace(
        created.encode() + b")", created.encode() + b")   "))
    return path


@pytest.fixture
def normalizers() -> Iterator[Normalizers]:
    helpers = Normalizers(1)
    yield helpers
    helpers.close()


def test_exports_made_at_different_times_come_out_the_same(
    normalizers: Normalizers, tmp_path: Path
) -> None:
    first = _exported(tmp_path / "first.lo", "20261203101010")
    later = _exported(tmp_path / "later.lo", "20261203111111")
    normalizers.normalize(first, tmp_path / "first.pdf", "stamp", DAY)
    normalizers.normalize(later, tmp_path / "later.pdf", "stamp", DAY)
    result = (tmp_path / "first.pdf").read_bytes()
    assert result == (tmp_path / "later.pdf").read_bytes()
    assert result == normalize_pdf(first.read_bytes(), stamp="stamp", date=DAY)
    assert PdfReader(tmp_path / "first.pdf").metadata["/CreationDate"] == "D:20260115000000"


def test_a_file_that_is_not_a_pdf_is_refused_by_name(
    normalizers: Normalizers, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.lo"
    broken.write_bytes(b"not a PDF at all")
    with pytest.raises(ConversionError, match="trailer /ID"):
        normalizers.normalize(broken, tmp_path / "broken.pdf", "stamp", DAY)
    assert not (tmp_path / "broken.pdf").exists()
    # The process that refused it goes on serving.
    good = _exported(tmp_path / "good.lo", "20261203101010")
    normalizers.normalize(good, tmp_path / "good.pdf", "stamp", DAY)
    assert (tmp_path / "good.pdf").read_bytes() == normalize_pdf(good.read_bytes(),
                                                                  stamp="stamp", date=DAY)


def test_a_killed_normalising_process_costs_no_document(
    normalizers: Normalizers, tmp_path: Path
) -> None:
    source = _exported(tmp_path / "a.lo", "20261203101010")
    normalizers.normalize(source, tmp_path / "a.pdf", "stamp", DAY)
    [process] = normalizers._idle  # the one kept for the next document
    process.kill()
    process.wait()
    normalizers.normalize(source, tmp_path / "b.pdf", "stamp", DAY)
    assert (tmp_path / "b.pdf").read_bytes() == (tmp_path / "a.pdf").read_bytes()


def test_documents_beyond_the_processes_wait_for_one(tmp_path: Path) -> None:
    # Two batches sharing a converter: more documents at once than normalising processes.
    normalizers = Normalizers(1)
    sources = [_exported(tmp_path / f"{n}.lo", f"2026120310101{n}") for n in range(4)]
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda source: normalizers.normalize(
                source, source.with_suffix(".pdf"), "stamp", DAY), sources))
        assert len({source.with_suffix(".pdf").read_bytes() for source in sources}) == 1
        assert normalizers._live == 1  # one process started, for all four
    finally:
        normalizers.close()


def _eexec(data: bytes, *, decrypt: bool) -> bytes:
    """Type 1 eexec (Adobe Type 1 Font Format, 7.2), written out plainly."""
    key, out = 55665, bytearray()
    for byte in data:
        out.append(byte ^ (key >> 8))
        key = (((byte if decrypt else out[-1]) + key) * 52845 + 22719) & 0xFFFF
    return bytes(out)


@pytest.mark.parametrize("offset", [360, 9000], ids=["where LibreOffice puts it", "further on"])
def test_unique_id_leaves_the_encrypted_part_of_a_font_exactly(offset: int) -> None:
    """The shortcut (re-encrypt only until the keys meet) gives the full re-encryption."""
    noise = hashlib.shake_256(b"font").digest(300_000)  # long enough for the keys to meet
    plain = noise[:offset] + b"/UniqueID 4100007 def\n/BlueValues [-250 0] def\n" + noise
    expected = _eexec(plain.replace(b"/UniqueID 4100007 def\n", b""), decrypt=False)
    assert _eexec_without_unique_id(_eexec(plain, decrypt=False)) == expected


@pytest.mark.soffice
def test_normalisation_refuses_a_layout_it_cannot_rewrite(real_pdf: Path) -> None:
    """An incremental update (a second xref section) is not what LibreOffice writes."""
    writer = PdfWriter(real_pdf, incremental=True)
    writer.add_metadata({"/Keywords": "更新"})
    updated = io.BytesIO()
    writer.write(updated)
    with pytest.raises(ConversionError, match="not laid out as LibreOffice writes it"):
        normalize_pdf(updated.getvalue(), stamp="x")
