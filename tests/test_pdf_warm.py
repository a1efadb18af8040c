"""The warm converter: LibreOffice kept running over UNO, PDF/A-2b, restarts and clean exits."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from tests.sample_context import year_summary_context
from tests.test_pdf import pdfa_problems
from wenshu.errors import ConversionError
from wenshu.generators.pdf import (
    ColdConverter,
    PdfJob,
    PdfMetadata,
    WarmConverter,
    open_converter,
    uno_unavailable_reason,
)
from wenshu.generators.render import render_docx
from wenshu.settings import Settings
from wenshu.templates import template_path

pytestmark = pytest.mark.soffice

ISSUED = date(2026, 1, 15)
METADATA = PdfMetadata(title="示范区2025年度工作总结", author="示范区卫生健康局",
                       subject="年度工作总结", date=ISSUED)


@pytest.fixture(scope="module", autouse=True)
def system_python_has_uno() -> None:
    """These tests need Debian's python3-uno; without it they fail and say so."""
    reason = uno_unavailable_reason()
    assert reason is None, reason


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warm")


@pytest.fixture(scope="module")
def home_settings(work: Path) -> Settings:
    """One data directory for the module's converters (their profiles live there)."""
    return Settings(home=work / "home")


@pytest.fixture(scope="module")
def warm(home_settings: Settings) -> Iterator[WarmConverter]:
    """Two workers, as on a two-core machine, shared by the module's batch tests."""
    with WarmConverter(home_settings, 2) as converter:
        yield converter


@pytest.fixture(scope="module")
def sample_docx(work: Path) -> Path:
    path = work / "summary.docx"
    path.write_bytes(render_docx(template_path("year_summary"), year_summary_context()))
    return path


@pytest.fixture(scope="module")
def sample_pdf(warm: WarmConverter, sample_docx: Path, work: Path) -> Path:
    """The first document the converter's first LibreOffice ever converted."""
    return warm.convert_many([PdfJob(sample_docx, work / "first" / "summary.pdf", METADATA)])[0]


def _text(pdf: Path) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(pdf).pages))


def _libreoffice_processes(profile: Path) -> list[tuple[int, str]]:
    """(pid, command) of live soffice processes on ``profile``, as ps lists them."""
    listing = subprocess.run(["ps", "-ww", "-eo", "pid=,stat=,args="], capture_output=True,
                             text=True, check=True).stdout
    found = []
    for line in listing.splitlines():
        pid, stat, command = line.split(None, 2)
        if profile.as_uri() in command and not stat.startswith("Z"):
            found.append((int(pid), command))
    return found


def _soffice_bin(profile: Path) -> int:
    [pid] = [pid for pid, command in _libreoffice_processes(profile)
             if command.split()[0].endswith("soffice.bin")]
    return pid


def _gone_within(profile: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _libreoffice_processes(profile):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_output_carries_pdfa_2b_markers_fonts_and_metadata(sample_pdf: Path) -> None:
    assert pdfa_problems(sample_pdf) == []
    reader = PdfReader(sample_pdf)
    info, xmp = reader.metadata, reader.xmp_metadata
    assert (info.title, info.author, info.subject) == (METADATA.title, METADATA.author,
                                                       METADATA.subject)
    assert xmp.dc_title == {"x-default": METADATA.title}
    assert xmp.dc_creator == [METADATA.author]
    assert info["/CreationDate"].startswith("D:20260115000000")
    assert str(xmp.xmp_create_date) == "2026-01-15 00:00:00"
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    profile = intent["/DestOutputProfile"].get_object().get_data()
    assert struct.unpack(">6H", profile[24:36]) == (2026, 1, 15, 0, 0, 0)
    assert year_summary_context()["title"] in _text(sample_pdf)
    if shutil.which("verapdf"):
        report = subprocess.run(["verapdf", "--flavour", "2b", "--format", "text",
                                 str(sample_pdf)], capture_output=True, text=True).stdout
        assert report.startswith("PASS"), report


def test_same_docx_and_metadata_give_the_same_bytes_on_any_worker_at_any_position(
    warm: WarmConverter, sample_docx: Path, sample_pdf: Path, work: Path
) -> None:
    other = year_summary_context()
    other["title"] = "西湖社区2025年度工作总结"
    other["title_lines"] = [other["title"]]
    other_docx = work / "other.docx"
    other_docx.write_bytes(render_docx(template_path("year_summary"), other))
    # Documents alternate between the two workers, each later in its LibreOffice's life.
    jobs = [PdfJob(other_docx if index % 3 == 0 else sample_docx,
                   work / "batch" / f"{index}.pdf", METADATA) for index in range(8)]
    pdfs = warm.convert_many(jobs)
    assert pdfs == [job.pdf for job in jobs]
    copies = {pdf.read_bytes() for job, pdf in zip(jobs, pdfs, strict=True)
              if job.docx == sample_docx}
    assert copies == {sample_pdf.read_bytes()}
    assert other["title"] in _text(pdfs[0])
    renamed = PdfMetadata(title="另一个标题", author=METADATA.author, date=date(2026, 2, 1))
    [changed] = warm.convert_many([PdfJob(sample_docx, work / "renamed.pdf", renamed)])
    assert PdfReader(changed).metadata.title == "另一个标题"
    assert PdfReader(changed).metadata["/CreationDate"].startswith("D:20260201")
    assert pdfa_problems(changed) == []


def test_a_generator_of_jobs_converts_while_it_renders(
    warm: WarmConverter, sample_docx: Path, sample_pdf: Path, work: Path
) -> None:
    out = work / "streamed"
    converted_before_last: list[bool] = []

    def rendered() -> Iterator[PdfJob]:
        for index in range(6):
            if index == 5:  # the last document is "rendered" once earlier ones are PDFs
                deadline = time.monotonic() + 60
                while not any(out.glob("*.pdf")) and time.monotonic() < deadline:
                    time.sleep(0.05)
                converted_before_last.append(any(out.glob("*.pdf")))
            docx = out / f"{index}.docx"
            docx.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(sample_docx, docx)
            yield PdfJob(docx, docx.with_suffix(".pdf"), METADATA)

    pdfs = warm.convert_many(rendered(), total=6)
    assert converted_before_last == [True]
    assert pdfs == [out / f"{index}.pdf" for index in range(6)]
    assert {pdf.read_bytes() for pdf in pdfs} == {sample_pdf.read_bytes()}


def test_an_error_while_rendering_is_raised_after_the_documents_before_it_convert(
    warm: WarmConverter, sample_docx: Path, work: Path
) -> None:
    out = work / "broken-batch"
    out.mkdir()

    def rendered() -> Iterator[PdfJob]:
        yield PdfJob(sample_docx, out / "0.pdf", METADATA)
        raise ConversionError("模板渲染失败")

    with pytest.raises(ConversionError, match="模板渲染失败"):
        warm.convert_many(rendered(), total=2)
    assert pdfa_problems(out / "0.pdf") == []
    # The converter is still usable.
    assert warm.convert_many([PdfJob(sample_docx, out / "1.pdf", METADATA)]) == [out / "1.pdf"]


def _field(paragraph: Paragraph, instruction: str, cached: str) -> None:
    """A Word field whose stored result is ``cached`` (what Word last computed)."""
    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    paragraph.add_run()._r.append(text)
    char("separate")
    paragraph.add_run(cached)
    char("end")


def test_table_of_contents_and_page_numbers_are_computed_afresh(
    warm: WarmConverter, work: Path
) -> None:
    document = docx.Document()
    document.add_paragraph("目录")
    _field(document.add_paragraph(), ' TOC \\o "1-3" \\h \\z \\u ', "目录尚未更新")
    for heading in ("一、总体情况", "二、主要做法", "三、下步打算"):
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(heading, level=1)
        document.add_paragraph("正文。" * 40)
    _field(document.sections[0].footer.paragraphs[0], " PAGE ", "99")
    source = work / "toc.docx"
    document.save(str(source))
    [pdf] = warm.convert_many([PdfJob(source, work / "toc.pdf")])
    # pdftotext keeps each page's lines in printed order: the footer's number comes last.
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                            text=True, check=True).stdout
    pages = [re.sub(r"\s+", "", page) for page in layout.split("\f") if page.strip()]
    assert len(pages) == 4
    assert "目录尚未更新" not in pages[0]
    for heading, page_number in (("一、总体情况", 2), ("二、主要做法", 3), ("三、下步打算", 4)):
        assert re.search(heading + r"\.*" + str(page_number), pages[0]), pages[0]
    assert [page.endswith(str(number)) for number, page in enumerate(pages, 1)] == [True] * 4


@pytest.fixture
def solo(settings: Settings, sample_docx: Path, tmp_path: Path) -> Iterator[WarmConverter]:
    """A one-worker converter of its own, already warm."""
    with WarmConverter(settings, 1) as converter:
        converter.convert_many([PdfJob(sample_docx, tmp_path / "warmup.pdf", METADATA)])
        yield converter


def test_a_document_over_the_time_limit_is_stopped_and_the_worker_restarted(
    solo: WarmConverter, sample_docx: Path, sample_pdf: Path, tmp_path: Path
) -> None:
    [profile] = solo.profile_dirs
    stalled = _soffice_bin(profile)
    solo.timeout_seconds = 0.01
    with pytest.raises(ConversionError, match="在 0.01 秒内没有转换完成"):
        solo.convert_many([PdfJob(sample_docx, tmp_path / "slow.pdf", METADATA)])
    assert stalled not in [pid for pid, _ in _libreoffice_processes(profile)]
    assert not (tmp_path / "slow.pdf").exists()
    solo.timeout_seconds = 120.0
    [pdf] = solo.convert_many([PdfJob(sample_docx, tmp_path / "again.pdf", METADATA)])
    assert pdf.read_bytes() == sample_pdf.read_bytes()
    assert _soffice_bin(profile) != stalled


def test_libreoffice_killed_mid_batch_is_restarted_and_the_batch_completes(
    solo: WarmConverter, sample_docx: Path, sample_pdf: Path, tmp_path: Path
) -> None:
    [profile] = solo.profile_dirs
    jobs = [PdfJob(sample_docx, tmp_path / f"{index}.pdf", METADATA) for index in range(6)]
    killed: list[int] = []

    def kill_after_first_pdf() -> None:
        deadline = time.monotonic() + 60
        while not jobs[0].pdf.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        killed.append(_soffice_bin(profile))
        os.kill(killed[0], signal.SIGKILL)

    killer = threading.Thread(target=kill_after_first_pdf)
    killer.start()
    pdfs = solo.convert_many(jobs)
    killer.join()
    assert killed and killed[0] not in [pid for pid, _ in _libreoffice_processes(profile)]
    assert _soffice_bin(profile) != killed[0]  # a new LibreOffice finished the batch
    assert {pdf.read_bytes() for pdf in pdfs} == {sample_pdf.read_bytes()}


def test_closing_leaves_no_libreoffice_running_and_frees_the_profiles(
    settings: Settings, sample_docx: Path, tmp_path: Path
) -> None:
    converter = WarmConverter(settings, 2)
    with converter:
        profiles = converter.profile_dirs
        jobs = [PdfJob(sample_docx, tmp_path / f"{index}.pdf") for index in range(2)]
        converter.convert_many(jobs)
        assert all(_libreoffice_processes(profile) for profile in profiles)
    assert converter.profile_dirs == []
    assert all(_gone_within(profile, 0.5) for profile in profiles)
    worker_lines = subprocess.run(["ps", "-ww", "-eo", "args="], capture_output=True, text=True,
                                  check=True).stdout
    assert not [line for line in worker_lines.splitlines()
                if "uno_worker.py" in line and str(settings.home) in line]
    with WarmConverter(settings, 2) as again:
        assert again.profile_dirs == profiles


def test_two_wenshu_processes_never_share_a_profile(settings: Settings) -> None:
    """The second process takes the next free profiles instead of ours."""
    claim = ("import sys; from pathlib import Path; from wenshu.settings import Settings; "
             "from wenshu.generators.pdf import WarmConverter\n"
             "with WarmConverter(Settings(home=Path(sys.argv[1])), 2) as c:\n"
             "    print(*c.profile_dirs)")
    with WarmConverter(settings, 2) as ours:
        theirs = subprocess.run([sys.executable, "-c", claim, str(settings.home)],
                                capture_output=True, text=True, check=True).stdout.split()
        assert not {str(path) for path in ours.profile_dirs} & set(theirs)
        assert [Path(path).name for path in theirs] == ["warm-2", "warm-3"]


def test_first_start_exit_code_81_is_handled(
    tmp_path: Path, sample_docx: Path, sample_pdf: Path
) -> None:
    soffice = shutil.which("soffice")
    binary = Path(soffice).resolve().parent / "soffice.bin" if soffice else None
    if binary is None or not binary.exists():
        pytest.skip("soffice.bin not found")
    # The soffice wrapper hides exit 81; soffice.bin on a new profile returns it.
    fresh = Settings(home=tmp_path / "fresh", soffice=str(binary))
    with WarmConverter(fresh, 1) as converter:
        [pdf] = converter.convert_many([PdfJob(sample_docx, tmp_path / "out.pdf", METADATA)])
    assert pdf.read_bytes() == sample_pdf.read_bytes()


def test_a_missing_libreoffice_is_reported_per_document(
    tmp_path: Path, sample_docx: Path
) -> None:
    broken = Settings(home=tmp_path / "home", soffice=str(tmp_path / "no-soffice"))
    with WarmConverter(broken, 1) as converter:
        with pytest.raises(ConversionError, match=r"(?s)summary\.docx: LibreOffice did not start"
                                                  r".*no-soffice"):
            converter.convert_many([PdfJob(sample_docx, tmp_path / "out.pdf")])
    assert not (tmp_path / "out.pdf").exists()


def test_open_converter_is_warm_where_the_system_python_has_uno(settings: Settings) -> None:
    with open_converter(settings) as converter:
        assert isinstance(converter, WarmConverter)


def test_open_converter_falls_back_to_cold_runs_and_says_why(
    settings: Settings, sample_docx: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    jobs = [PdfJob(sample_docx, tmp_path / "one" / "a.pdf", METADATA),
            PdfJob(sample_docx, tmp_path / "two" / "a.pdf", METADATA)]
    with caplog.at_level(logging.WARNING, logger="wenshu.generators.pdf"):
        with open_converter(settings, python=str(tmp_path / "no-such-python")) as converter:
            assert isinstance(converter, ColdConverter)
            first, second = converter.convert_many(jobs)
    assert "no-such-python" in caplog.text
    assert first.read_bytes() == second.read_bytes()
    assert pdfa_problems(first) == []
    reader = PdfReader(first)
    assert (reader.metadata.title, reader.metadata.author) == (METADATA.title, METADATA.author)
    assert reader.metadata["/CreationDate"].startswith("D:20260115")


@pytest.mark.parametrize("make", [ColdConverter, WarmConverter], ids=["cold", "warm"])
def test_a_document_libreoffice_cannot_read_fails_alone_in_either_converter(
    make: type[ColdConverter] | type[WarmConverter], settings: Settings, sample_docx: Path,
    tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt.docx"
    corrupt.write_bytes(b"PK\x03\x04 this is not a Word document")
    out = tmp_path / "out"
    out.mkdir()
    (out / "corrupt.pdf").write_bytes(b"%PDF left over from an earlier run")
    jobs = [PdfJob(corrupt, out / "corrupt.pdf", METADATA),
            PdfJob(sample_docx, out / "good.pdf", METADATA)]
    expected = r"(?s)1 of 2 documents.*corrupt\.docx: "
    with make(settings, 1) as converter, pytest.raises(ConversionError, match=expected) as raised:
        converter.convert_many(jobs)
    assert sample_docx.name not in str(raised.value)
    assert sorted(path.name for path in out.iterdir()) == ["good.pdf"]  # no raw leftovers
    assert pdfa_problems(out / "good.pdf") == []
    assert year_summary_context()["title"] in _text(out / "good.pdf")

