"""Filing: drafts become filed records with a gap-free 档号, a 归档章 and DA/T 46 metadata."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import Staff
from tests.drafts import store_draft
from tests.test_pdf import pdfa_problems
from wenshu.archive.audit import events
from wenshu.archive.filing import (
    archival_code,
    archival_metadata,
    export_metadata,
    file_version,
    filing_history,
)
from wenshu.archive.filing_rules import load_filing_rules
from wenshu.archive.stamp import StampFields, stamp_box, stamp_pdf, stamp_texts
from wenshu.errors import AccessDenied, ArchiveError
from wenshu.settings import Settings

pytestmark = pytest.mark.soffice  # the filed PDFs are real LibreOffice PDF/A

UNITS = ["440307", "440307001", "440307002", "440307001001", "440307001002", "440307002001",
         "440307002002", "440307900"]


def test_archival_code_follows_da_t_22() -> None:
    assert archival_code("0194", 2026, "D30", "BGS", 1) == "0194-WS·2026-D30-BGS-0001"
    with pytest.raises(ArchiveError, match="保管期限“.*”无效"):
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
    # Page 1 reads as before, then the stamp's fields: its text is extractable.
    first, *rest = [p.extract_text() for p in copy.pages]
    assert first == original.pages[0].extract_text() + "\n0194 2025 0007\nBGS 永久 3"
    assert rest == [p.extract_text() for p in original.pages[1:]]
    assert stamp_texts(copy.pages[0]) == ["0194", "2025", "0007", "BGS", "永久", "3"]
    assert stamp_texts(original.pages[0]) == []
    assert pdfa_problems(stamped) == []  # the stamp's font is embedded
    assert copy.metadata == original.metadata
    # Only page 1 gains the font; pages sharing its resources keep theirs.
    assert "/WenshuStamp" in copy.pages[0]["/Resources"]["/Font"]
    assert all("/WenshuStamp" not in p["/Resources"]["/Font"] for p in copy.pages[1:])
    again = tmp_path / "again.pdf"
    stamp_pdf(real_pdf, again, StampFields("0194", 2025, "Y", 7, "BGS", 3))
    assert again.read_bytes() == stamped.read_bytes()  # the same stamp, the same bytes


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


def test_filing_gives_the_code_the_stamped_copy_and_metadata(db_settings: Settings, staff: Staff,
                                                             real_pdf: Path, tmp_path: Path) -> None:
    draft = store_draft(db_settings, tmp_path, real_pdf)
    assert filing_history(db_settings, draft.document_id)[0].status == "draft"
    filed = file_version(db_settings, draft.document_id, actor=staff.supervisor)
    assert (filed.status, filed.archival_code) == ("filed", "0194-WS·2025-Y-BGS-0001")
    assert filed.filed_by == "督导李四"
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

    with pytest.raises(ArchiveError, match="已归档为 .*，归档后不能再改"):
        file_version(db_settings, draft.document_id, actor=staff.supervisor)


def test_dat46_date_and_number_are_the_signing_date_and_doc_number(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    draft = store_draft(db_settings, tmp_path, real_pdf, issued_on=date(2026, 1, 15),
                        doc_number="示卫〔2026〕10号")
    filed = file_version(db_settings, draft.document_id, actor=staff.supervisor)
    assert (filed.issued_on, filed.doc_number) == (date(2026, 1, 15), "示卫〔2026〕10号")
    stored = json.loads(filed.files["dat46"].path.read_text(encoding="utf-8"))
    assert (stored["日期"], stored["文件编号"]) == ("20260115", "示卫〔2026〕10号")
    assert stored["日期"] != filed.created_at.strftime("%Y%m%d")  # not the day it was made
    now = archival_metadata(db_settings, draft.document_id)
    assert (now["日期"], now["文件编号"]) == ("20260115", "示卫〔2026〕10号")


def test_a_version_stored_before_dates_were_recorded_falls_back(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    # Stored without a signing date or number (as before migration 0010): the date its PDF
    # states (the converters write the signing date there), the number unknown.
    dated = tmp_path / "dated.pdf"
    dated.write_bytes(re.sub(rb"/CreationDate\s*\(D:\d{8}", b"/CreationDate(D:20260120",
                             real_pdf.read_bytes(), count=1))
    draft = store_draft(db_settings, tmp_path, dated)
    filed = file_version(db_settings, draft.document_id, actor=staff.supervisor)
    assert (filed.issued_on, filed.doc_number) == (None, None)
    stored = json.loads(filed.files["dat46"].path.read_text(encoding="utf-8"))
    assert (stored["日期"], stored["文件编号"]) == ("20260120", "")
    # A PDF stating the converters' "no date" (1980-01-01): the day the version was made.
    undated = tmp_path / "undated.pdf"
    undated.write_bytes(re.sub(rb"/CreationDate\s*\(D:\d{8}", b"/CreationDate(D:19800101",
                               real_pdf.read_bytes(), count=1))
    other = store_draft(db_settings, tmp_path, undated, unit="440307001")
    made = file_version(db_settings, other.document_id, actor=staff.supervisor)
    stored = json.loads(made.files["dat46"].path.read_text(encoding="utf-8"))
    assert stored["日期"] == made.created_at.strftime("%Y%m%d")


def test_correction_supersedes_and_both_remain(db_settings: Settings, staff: Staff, real_pdf: Path,
                                               tmp_path: Path) -> None:
    first = store_draft(db_settings, tmp_path, real_pdf)
    file_version(db_settings, first.document_id, actor=staff.supervisor, retention="D30")
    store_draft(db_settings, tmp_path, real_pdf, inputs="i2")
    with pytest.raises(ArchiveError, match="请填写更正原因"):
        file_version(db_settings, first.document_id, actor=staff.supervisor, retention="D30")
    corrected = file_version(db_settings, first.document_id, actor=staff.supervisor, retention="D30",
                             reason="补录9月台账后重新生成")
    assert corrected.archival_code == "0194-WS·2025-D30-BGS-0002"
    assert (corrected.supersedes_version, corrected.change_reason) == (1, "补录9月台账后重新生成")

    old, new = filing_history(db_settings, first.document_id)
    assert (old.status, new.status) == ("superseded", "filed")
    assert old.files["pdf_filed"].path.exists() and old.archival_code.endswith("-0001")
    assert archival_metadata(db_settings, first.document_id)["档号"] == new.archival_code
    history = archival_metadata(db_settings, first.document_id, version=1)["事件"]
    assert history[-1]["行为"] == "被更正" and "补录9月台账" in history[-1]["说明"]
    with pytest.raises(ArchiveError, match="已被更正，不能再次归档"):
        file_version(db_settings, first.document_id, actor=staff.supervisor, version=1)


def test_a_failed_filing_leaves_no_trace_and_uses_no_number(db_settings: Settings, staff: Staff,
                                                            real_pdf: Path, tmp_path: Path) -> None:
    broken = store_draft(db_settings, tmp_path, b"%PDF-1.6 not really a pdf", unit="440307001")
    with pytest.raises(ArchiveError, match="cannot stamp"):
        file_version(db_settings, broken.document_id, actor=staff.supervisor)
    (record,) = filing_history(db_settings, broken.document_id)
    assert (record.status, record.archival_code, sorted(record.files)) == ("draft", None,
                                                                           ["docx", "pdf"])
    assert sorted(p.name for p in record.files["pdf"].path.parent.iterdir()) == sorted(
        [record.files["docx"].path.name, record.files["pdf"].path.name])
    good = store_draft(db_settings, tmp_path, real_pdf, unit="440307002")
    assert file_version(db_settings, good.document_id, actor=staff.supervisor).archival_code.endswith("-0001")


_OTHER_PROCESS = """
import sys
from wenshu.access import resolve_actor
from wenshu.archive.filing import file_version
from wenshu.settings import Settings
settings = Settings(home=sys.argv[1], database_url=sys.argv[2] or None)
actor = resolve_actor(settings, sys.argv[4])
sys.stdin.readline()  # start together with the threads
print(file_version(settings, int(sys.argv[3]), actor=actor).item_number)
"""


def test_concurrent_filers_get_numbers_without_gaps(db_settings: Settings, staff: Staff,
                                                     real_pdf: Path, tmp_path: Path) -> None:
    documents = [store_draft(db_settings, tmp_path, real_pdf, unit=u).document_id for u in UNITS]
    other = subprocess.Popen(
        [sys.executable, "-c", _OTHER_PROCESS, str(db_settings.home), db_settings.database_url or "",
         str(documents[-1]), staff.supervisor.name], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    start = threading.Barrier(len(documents) - 1)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def filer(document_id: int) -> None:
        try:
            start.wait()
            numbers.append(file_version(db_settings, document_id, actor=staff.supervisor).item_number or 0)
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


def test_two_filers_of_one_document_file_it_once(db_settings: Settings, staff: Staff,
                                                 real_pdf: Path, tmp_path: Path) -> None:
    draft = store_draft(db_settings, tmp_path, real_pdf)
    start = threading.Barrier(2)
    results: list[object] = []

    def filer() -> None:
        start.wait()
        try:
            results.append(file_version(db_settings, draft.document_id, actor=staff.supervisor))
        except ArchiveError as exc:
            results.append(exc)

    threads = [threading.Thread(target=filer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    refused = [r for r in results if isinstance(r, ArchiveError)]
    assert len(results) == 2 and len(refused) == 1 and "归档后不能再改" in str(refused[0])
    (record,) = filing_history(db_settings, draft.document_id)
    assert record.archival_code == "0194-WS·2025-Y-BGS-0001"
    assert [e.target for e in events(db_settings, action="file")] == [record.archival_code]


def test_filing_is_for_the_units_own_staff_and_refusals_are_logged(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    street = store_draft(db_settings, tmp_path, real_pdf, unit="440307001")
    with pytest.raises(AccessDenied, match="不能操作单位 440307001"):
        file_version(db_settings, street.document_id, actor=staff.clerk)
    with pytest.raises(AccessDenied, match="档案员张三（档案员）无权归档"):
        file_version(db_settings, street.document_id, actor=staff.archivist)
    assert filing_history(db_settings, street.document_id)[0].status == "draft"
    refusals = events(db_settings, outcome="refused")
    assert [(e.agent, e.action, e.target) for e in refusals] == [
        (staff.clerk.name, "file", f"document:{street.document_id}"),
        (staff.archivist.name, "file", f"document:{street.document_id}")]
    own = store_draft(db_settings, tmp_path, real_pdf, unit="440307001001")
    assert file_version(db_settings, own.document_id, actor=staff.clerk).filed_by == staff.clerk.name
