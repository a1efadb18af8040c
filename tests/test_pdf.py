"""LibreOffice turns rendered documents into A4 PDFs with the right faces, reproducibly."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from tests.sample_context import strings_in, year_summary_context
from wenshu.errors import ConversionError
from wenshu.generators.pdf import SofficeConverter
from wenshu.generators.pdf_normalize import normalize_pdf
from wenshu.generators.render import render_docx
from wenshu.settings import Settings
from wenshu.templates import template_path

pytestmark = pytest.mark.soffice

_PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")


def _render(path: Path, context: dict[str, Any]) -> Path:
    path.write_bytes(render_docx(template_path("year_summary"), context))
    return path


def pdfa_problems(pdf: Path) -> list[str]:
    """What is missing for PDF/A-2b, as far as reading the file can tell.

    Checks the identification (XMP pdfaid part 2, conformance B), the output intent
    with its colour profile, that every font is embedded, no encryption, and that the
    Info dictionary and XMP agree on title, author and creation date. This is not a
    full validation, which needs veraPDF (not installable here).
    """
    reader = PdfReader(pdf)
    root = reader.trailer["/Root"]
    problems = []
    xmp_text = root["/Metadata"].get_object().get_data().decode("utf-8")
    if not re.search(r"pdfaid:part(>|=\")2\b", xmp_text):
        problems.append("XMP does not say PDF/A part 2")
    if not re.search(r"pdfaid:conformance(>|=\")B\b", xmp_text):
        problems.append("XMP does not say conformance B")
    intents = [intent.get_object() for intent in root.get("/OutputIntents", [])]
    if not any(i["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents):
        problems.append("no PDF/A output intent with a colour profile")
    if "/Encrypt" in reader.trailer:
        problems.append("encrypted")
    for name, descriptor in _fonts(reader):
        if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            problems.append(f"font {name} is not embedded")
    xmp, info = reader.xmp_metadata, reader.metadata
    if xmp is None or info is None:
        return problems + ["no XMP or no Info dictionary"]
    if (xmp.dc_title or {}).get("x-default") != info.title:
        problems.append(f"titles differ: {xmp.dc_title} / {info.title}")
    if (xmp.dc_creator or [None])[0] != info.author:
        problems.append(f"authors differ: {xmp.dc_creator} / {info.author}")
    # pypdf cannot parse LibreOffice's "Z'" zone (which veraPDF accepts): compare digits.
    info_date = re.sub(r"\D", "", str(info["/CreationDate"]))[:14]
    if xmp.xmp_create_date is None or xmp.xmp_create_date.strftime("%Y%m%d%H%M%S") != info_date:
        problems.append(f"creation dates differ: {xmp.xmp_create_date} / {info_date}")
    return problems


def _fonts(reader: PdfReader) -> Iterator[tuple[str, DictionaryObject]]:
    """(name, font descriptor) of every font the pages and their forms use."""
    seen: set[int] = set()

    def walk(resources: DictionaryObject) -> Iterator[tuple[str, DictionaryObject]]:
        for font in resources.get("/Font", DictionaryObject()).values():
            font = font.get_object()
            for each in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                if "/FontDescriptor" in each and id(each) not in seen:
                    seen.add(id(each))
                    yield str(each["/BaseFont"]), each["/FontDescriptor"].get_object()
        for form in resources.get("/XObject", DictionaryObject()).values():
            form = form.get_object()
            if form.get("/Subtype") == "/Form" and "/Resources" in form:
                yield from walk(form["/Resources"].get_object())

    for page in reader.pages:
        yield from walk(page.get("/Resources", DictionaryObject()).get_object())


def _text(pdf: Path) -> str:
    """All page text without whitespace or page numbers, as a reader would copy it."""
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    return re.sub(r"\s+", "", _PAGE_NUMBER.sub("", "".join(pages)))


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="module")
def converter(work: Path) -> SofficeConverter:
    """One converter (one LibreOffice profile) shared by the module's conversions."""
    return SofficeConverter(work / "profile")


@pytest.fixture(scope="module")
def sample_docx(work: Path) -> Path:
    return _render(work / "summary.docx", year_summary_context())


@pytest.fixture(scope="module")
def sample_pdf(converter: SofficeConverter, sample_docx: Path, work: Path) -> Path:
    return converter.convert(sample_docx, work / "first")


def test_pages_are_a4(sample_pdf: Path) -> None:
    pages = PdfReader(sample_pdf).pages
    assert len(pages) >= 2
    for page in pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_every_string_of_the_context_reads_back_from_the_pdf(sample_pdf: Path) -> None:
    """Text that round-trips is drawn with real glyphs: no tofu, no .notdef."""
    context = year_summary_context()
    text = _text(sample_pdf)
    assert context["title"] in text
    rows = context.pop("indicator_rows")
    for value in strings_in(context):
        assert re.sub(r"\s+", "", value) in text
    # Narrow table columns wrap labels across lines; the figures fit on one.
    for row in rows:
        assert row["actual"] in text and row["target"] in text
    assert "92.79%" in text and "\ufffd" not in text


def _base_fonts(pdf: Path) -> set[str]:
    names = set()
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_serif_sans_and_kai_faces_are_embedded(sample_pdf: Path) -> None:
    names = _base_fonts(sample_pdf)
    assert any("Serif" in n and "CJK" in n for n in names), names  # 仿宋, 宋体, 小标宋
    assert any("Sans" in n and "CJK" in n for n in names), names  # 黑体
    assert any("Kai" in n for n in names), names  # 楷体
    if shutil.which("pdffonts"):
        listing = subprocess.run(["pdffonts", str(sample_pdf)], capture_output=True,
                                 text=True, check=True).stdout.splitlines()[2:]
        assert listing and all(line.split()[-5] == "yes" for line in listing), listing


def test_cold_output_carries_pdfa_2b_markers_and_the_docx_title(sample_pdf: Path) -> None:
    assert pdfa_problems(sample_pdf) == []
    assert PdfReader(sample_pdf).metadata.title == year_summary_context()["title"]


def test_same_docx_gives_identical_pdf_bytes_alone_or_late_in_a_batch(
    converter: SofficeConverter, sample_docx: Path, sample_pdf: Path, work: Path
) -> None:
    again = converter.convert(sample_docx, work / "again")
    assert again.read_bytes() == sample_pdf.read_bytes()
    # In a batch LibreOffice numbers embedded fonts per process; the copy comes second.
    other = year_summary_context()
    other["title"] = "西湖社区2025年度工作总结"
    other["title_lines"] = [other["title"]]
    copy = work / "copy.docx"
    shutil.copyfile(sample_docx, copy)
    batch = [_render(work / "other.docx", other), copy]
    first, second = converter.convert_many(batch, work / "batch")
    assert (first.name, second.name) == ("other.pdf", "copy.pdf")
    assert second.read_bytes() == sample_pdf.read_bytes()
    assert other["title"] in _text(first) and year_summary_context()["title"] not in _text(first)


def test_normalisation_derives_id_from_the_stamp(sample_docx: Path, sample_pdf: Path) -> None:
    data = sample_pdf.read_bytes()
    stamp = hashlib.sha256(sample_docx.read_bytes()).hexdigest()
    assert normalize_pdf(data, stamp=stamp) == data  # the converter already applied it
    reader = PdfReader(io.BytesIO(data))
    derived = hashlib.sha256(stamp.encode()).hexdigest()[:32]
    assert reader.trailer["/ID"][0].original_bytes.hex() == derived
    assert reader.metadata["/CreationDate"].startswith("D:19800101000000")
    restamped = PdfReader(io.BytesIO(normalize_pdf(data, stamp="another document")))
    assert restamped.trailer["/ID"][0] != reader.trailer["/ID"][0]


def test_corrupt_docx_raises_even_with_a_stale_pdf_in_place(
    converter: SofficeConverter, work: Path
) -> None:
    corrupt = work / "corrupt.docx"
    corrupt.write_bytes(b"PK\x03\x04 this is not a Word document")
    out = work / "corrupt-out"
    out.mkdir()
    (out / "corrupt.pdf").write_bytes(b"%PDF left over from an earlier run")
    with pytest.raises(ConversionError, match="no PDF from corrupt.docx"):
        converter.convert(corrupt, out)


def _processes_using(profile: Path) -> list[str]:
    """Live processes started with this profile (a killed one keeps its cmdline until it dies)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if profile.as_uri().encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            continue
    return found


def _gone_within(profile: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _processes_using(profile):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_stalled_conversion_is_killed_and_reported(
    settings: Settings, sample_docx: Path, tmp_path: Path
) -> None:
    impatient = settings.model_copy(update={"pdf_timeout_seconds": 0.3})
    converter = SofficeConverter.from_settings(impatient)
    assert converter.profile_dir.is_relative_to(settings.home)
    with pytest.raises(ConversionError, match="no progress for 0.3 s"):
        converter.convert(sample_docx, tmp_path / "out")
    # SIGKILL takes effect in milliseconds; a soffice.bin left running would work on for
    # seconds, finishing its first start on the new profile.
    assert _gone_within(converter.profile_dir.resolve(), 1.0)


def test_first_start_exit_code_81_is_retried(sample_docx: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    binary = Path(soffice).resolve().parent / "soffice.bin" if soffice else None
    if binary is None or not binary.exists():
        pytest.skip("soffice.bin not found")
    # The soffice wrapper hides exit 81; soffice.bin on a new profile returns it.
    converter = SofficeConverter(tmp_path / "fresh-profile", soffice=str(binary))
    pdf = converter.convert(sample_docx, tmp_path / "out")
    assert year_summary_context()["title"] in _text(pdf)
