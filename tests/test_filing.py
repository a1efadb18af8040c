"""Filing: drafts become filed records with a gap-free 档号, a 归档章 and DA/T 46 metadata."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import docx as docx_module
import pytest
from pypdf import PdfReader

from tests.sample_context import year_summary_context
from tests.test_pdf import pdfa_problems
from wenshu.archive import Archive, DocumentKey, StoredVersion
from wenshu.archive.filing import (
    archival_code,
    archival_metadata,
    export_metadata,
    file_version,
    filing_history,
)
from wenshu.archive.filing_rules import load_filing_rules
from wenshu.archive.stamp import StampFields, stamp_box, stamp_pdf
from wenshu.errors import ArchiveError
from wenshu.generators.pdf import SofficeConverter
from wenshu.generators.render import render_docx
from wenshu.settings import Settings
from wenshu.templates import template_path

pytestmark = pytest.mark.soffice  # the filed PDFs are real LibreOffice PDF/A

UNITS = ["440307", "440307001", "440307002", "440307001001", "440307001002", "440307002001",
         "440307002002", "440307900"]


@pytest.fixture(scope="module")
def real_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PDF/A-2b year summary made by LibreOffice."""
    work = tmp_path_factory.mktemp("filing")
    docx = work / "summary.docx"
    docx.write_bytes(render_docx(template_path("year_summary"), year_summary_context()))
    return SofficeConverter(work / "profile").convert(docx, work / "out")


def _store(settings: Settings, tmp_path: Path, pdf: Path | bytes, *, unit: str = "440307",
           kind: str = "year_summary", period: str = "2025", inputs: str = "i1") -> StoredVersion:
    docx = tmp_path / f"{unit}_{kind}_{inputs}.docx"
    word = docx_module.Document()
    word.add_paragraph(f"{unit} {inputs}")
    word.save(str(docx))
    pdf_path = tmp_path / f"{unit}_{kind}_{inputs}.pdf"
    pdf_path.write_bytes(pdf if isinstance(pdf, bytes) else pdf.read_bytes())
    return Archive(settings).store(DocumentKey(kind, unit, period), title=f"{unit}{period}年度工作总结",
                                   files={"docx": docx, "pdf": pdf_path},
                                   template_name=f"{kind}.docx", template_sha256="t1",
                                   input_sha256=inputs)


def test_archival_code_follows_da_t_22() -> None:
    assert archival_code("0194", 2026, "D30", "BGS", 1) == "0194-WS·2026-D30-BGS-0001"
    with pytest.raises(ArchiveError, match="retention"):
        archival_code("0194", 2026, "D5", "BGS", 1)
    with pytest.raises(ArchiveError, match="全宗号"):
        archival_code("194", 2026, "Y", "BGS", 1)


def test_rules_ship_per_kind_and_the_user_overrides_them(tmp_path: Path) -> None:
    shipped = load_filing_rules()
    assert (shipped.retention_for("year_summary"), shipped.retention_for("half_year_summary")) \
        == ("Y", "D30")
    (tmp_path / "retention.yaml").write_text("kinds:\n  half_year_summary: D10\n", "utf-8")
    (tmp_path / "archive_orgs.yaml").write_text("units:\n  440307900: FL\n", "utf-8")
    rules = load_filing_rules(tmp_path)
    assert rules.retention_for("half_year_summary") == "D10"
    assert rules.retention_for("year_summary") == "Y"
    assert (rules.org_code_for("440307900"), rules.org_code_for("440307")) == ("FL", "BGS")


def test_stamp_keeps_the_original_bytes_text_and_pdfa_markers(real_pdf: Path,
                                                              tmp_path: Path) -> None:
    stamped = tmp_path / "stamped.pdf"
    before = real_pdf.read_bytes()
    stamp_pdf(real_pdf, stamped, StampFields("0194", 2025, "Y", 7, "BGS", 3))
    assert real_pdf.read_bytes() == before
    assert stamped.read_bytes().startswith(before)  # an incremental update on top
    original, copy = PdfReader(real_pdf), PdfReader(stamped)
    assert [p.extract_text() for p in copy.pages] == [p.extract_text() for p in original.pages]
    assert pdfa_problems(stamped) == []
    assert copy.metadata == original.metadata


def test_stamp_is_red_ink_in_the_top_right_of_page_one(real_pdf: Path, tmp_path: Path) -> None:
    from PIL import Image

    stamped = tmp_path / "stamped.pdf"
    stamp_pdf(real_pdf, stamped, StampFields("0194", 2025, "Y", 7, "BGS", 3))
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-f", "1", "-l", "2", str(stamped),
                    str(tmp_path / "page")], check=True)
    first, second = (Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("page-*.png")))
    width, height = first.size
    left, bottom, right, top = (float(v) for v in stamp_box(width, height))

    def red(image: Image.Image, box: tuple[float, float, float, float]) -> int:
        crop = image.crop(tuple(round(v) for v in box))
        return sum(1 for r, g, b in crop.getdata() if r > 150 and g < 90 and b < 90)

    # Image rows run downwards; 2 px more for the anti-aliased frame lines.
    inside = (left - 2, height - top - 2, right + 2, height - bottom + 2)
    assert red(first, inside) > 200
    assert red(first, (0, 0, width, height)) == red(first, inside)
    assert red(second, (0, 0, width, height)) == 0


def test_filing_gives_the_code_the_stamped_copy_and_metadata(db_settings: Settings, small_tree,
                                                             real_pdf: Path, tmp_path: Path) -> None:
    draft = _store(db_settings, tmp_path, real_pdf)
    assert filing_history(db_settings, draft.document_id)[0].status == "draft"
    filed = file_version(db_settings, draft.document_id, agent="档案员张三")
    assert (filed.status, filed.archival_code) == ("filed", "0194-WS·2025-Y-BGS-0001")
    assert filed.filed_by == "档案员张三"
    assert filed.files["pdf"].path.read_bytes() == real_pdf.read_bytes()  # the draft's PDF untouched
    assert filed.files["pdf_filed"].path.read_bytes().startswith(real_pdf.read_bytes())
    assert filed.files["pdf_filed"].path.stat().st_mode & 0o222 == 0

    stored = json.loads(filed.files["dat46"].path.read_text(encoding="utf-8"))
    assert stored["档号"] == "0194-WS·2025-Y-BGS-0001"
    assert (stored["保管期限"], stored["责任者"], stored["文种"]) == ("永久", "示范区", "年度工作总结")
    assert stored["页数"] == len(PdfReader(real_pdf).pages)
    assert stored["数字摘要"]["值"] == filed.files["pdf_filed"].sha256
    assert [e["行为"] for e in stored["事件"]] == ["生成", "归档"]
    exported = export_metadata(db_settings, draft.document_id, tmp_path)
    assert json.loads(exported.read_text(encoding="utf-8")) == stored

    with pytest.raises(ArchiveError, match="already filed"):
        file_version(db_settings, draft.document_id)


def test_correction_supersedes_and_both_remain(db_settings: Settings, small_tree, real_pdf: Path,
                                               tmp_path: Path) -> None:
    first = _store(db_settings, tmp_path, real_pdf)
    file_version(db_settings, first.document_id, retention="D30")
    _store(db_settings, tmp_path, real_pdf, inputs="i2")
    with pytest.raises(ArchiveError, match="give a reason"):
        file_version(db_settings, first.document_id, retention="D30")
    corrected = file_version(db_settings, first.document_id, retention="D30",
                             reason="补录9月台账后重新生成")
    assert corrected.archival_code == "0194-WS·2025-D30-BGS-0002"
    assert (corrected.supersedes_version, corrected.change_reason) == (1, "补录9月台账后重新生成")

    old, new = filing_history(db_settings, first.document_id)
    assert (old.status, new.status) == ("superseded", "filed")
    assert old.files["pdf_filed"].path.exists() and old.archival_code.endswith("-0001")
    assert archival_metadata(db_settings, first.document_id)["档号"] == new.archival_code
    history = archival_metadata(db_settings, first.document_id, version=1)["事件"]
    assert history[-1]["行为"] == "被更正" and "补录9月台账" in history[-1]["说明"]
    with pytest.raises(ArchiveError, match="superseded"):
        file_version(db_settings, first.document_id, version=1)


def test_a_failed_filing_leaves_no_trace_and_uses_no_number(db_settings: Settings, small_tree,
                                                            real_pdf: Path, tmp_path: Path) -> None:
    broken = _store(db_settings, tmp_path, b"%PDF-1.6 not really a pdf", unit="440307001")
    with pytest.raises(ArchiveError, match="cannot stamp"):
        file_version(db_settings, broken.document_id)
    (record,) = filing_history(db_settings, broken.document_id)
    assert (record.status, record.archival_code, sorted(record.files)) == ("draft", None,
                                                                           ["docx", "pdf"])
    assert sorted(p.name for p in record.files["pdf"].path.parent.iterdir()) == sorted(
        [record.files["docx"].path.name, record.files["pdf"].path.name, "metadata.json"])
    good = _store(db_settings, tmp_path, real_pdf, unit="440307002")
    assert file_version(db_settings, good.document_id).archival_code.endswith("-0001")


_OTHER_PROCESS = """
import sys
from wenshu.archive.filing import file_version
from wenshu.settings import Settings
settings = Settings(home=sys.argv[1], database_url=sys.argv[2] or None)
sys.stdin.readline()  # start together with the threads
print(file_version(settings, int(sys.argv[3])).item_number)
"""


def test_concurrent_filers_get_numbers_without_gaps(db_settings: Settings, small_tree,
                                                     real_pdf: Path, tmp_path: Path) -> None:
    documents = [_store(db_settings, tmp_path, real_pdf, unit=u).document_id for u in UNITS]
    other = subprocess.Popen(
        [sys.executable, "-c", _OTHER_PROCESS, str(db_settings.home), db_settings.database_url or "",
         str(documents[-1])], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    start = threading.Barrier(len(documents) - 1)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def filer(document_id: int) -> None:
        try:
            start.wait()
            numbers.append(file_version(db_settings, document_id).item_number or 0)
        except BaseException as exc:  # reported below, with the numbers
            errors.append(exc)

    threads = [threading.Thread(target=filer, args=(d,)) for d in documents[:-1]]
    for thread in threads:
        thread.start()
    out, _ = other.communicate("go\n", timeout=120)
    for thread in threads:
        thread.join(120)
    assert not errors and other.returncode == 0, errors
    numbers.append(int(out.strip()))
    assert sorted(numbers) == list(range(1, len(documents) + 1))
    codes = {r.archival_code for d in documents for r in filing_history(db_settings, d)}
    assert len(codes) == len(documents)
