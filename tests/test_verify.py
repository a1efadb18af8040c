"""四性检测: verify finds exactly what was damaged, and nothing else."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript

from tests.conftest import Staff
from tests.drafts import store_draft
from wenshu.archive import Archive
from wenshu.archive.audit import events
from wenshu.archive.filing import file_version, filing_history
from wenshu.archive.verify import VerifyReport, verify_archive
from wenshu.db import get_engine
from wenshu.errors import AccessDenied
from wenshu.settings import Settings

pytestmark = pytest.mark.soffice  # the filed PDFs are real LibreOffice PDF/A


def _found(report: VerifyReport) -> list[tuple[str, str, str, str]]:
    return [(p.check, p.subject, p.expected, p.actual) for p in report.problems]


def _relative(settings: Settings, path: Path) -> str:
    return path.relative_to(settings.archive_dir).as_posix()


def _filed_archive(settings: Settings, staff: Staff, pdf: Path, tmp_path: Path) -> dict[str, int]:
    """Two filed documents (one corrected, so one superseded version) and one draft."""
    street = store_draft(settings, tmp_path, pdf, unit="440307001")
    file_version(settings, street.document_id, actor=staff.supervisor)
    store_draft(settings, tmp_path, pdf, unit="440307001", inputs="i2")
    file_version(settings, street.document_id, actor=staff.supervisor, reason="补录台账")
    district = store_draft(settings, tmp_path, pdf, unit="440307", kind="half_year_summary",
                      period="2025H1")
    file_version(settings, district.document_id, actor=staff.supervisor, retention="D10")
    draft = store_draft(settings, tmp_path, pdf, unit="440307002")
    return {"street": street.document_id, "district": district.document_id,
            "draft": draft.document_id}


def test_a_sound_archive_passes_and_the_run_is_an_audit_event(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    _filed_archive(db_settings, staff, real_pdf, tmp_path)
    report = verify_archive(db_settings, actor=staff.archivist)
    assert report.ok, report.problems
    checked = {r.check.name: r.checked for r in report.results}
    # 4 versions with docx + pdf, 3 of them filed with pdf_filed + dat46.
    assert checked["digest"] == checked["read_only"] == checked["opens"] == 4 * 2 + 3 * 2
    assert checked["pdfa"] == 4 + 3
    assert checked["metadata"] == 3  # filed and superseded versions
    assert checked["stamp"] == 3  # their stamped PDFs
    assert checked["item_numbers"] == 3  # Y group 0001, 0002; D10 group 0001
    assert checked["unexpected"] == 4 * 2 + 3 * 2  # no metadata.json beside them any more
    assert checked["record_guard"] == (4 if db_settings.database_url else 5)  # triggers
    assert set(report.by_property()) == {"authenticity", "integrity", "usability", "security"}

    (event,) = events(db_settings, action="verify")
    assert (event.id, event.agent, event.outcome, event.target) == (
        report.event_id, staff.archivist.name, "ok", "archive")
    assert event.detail["checks"]["digest"] == {"checked": 14, "problems": 0}

    with pytest.raises(AccessDenied, match="无权四性检测"):
        verify_archive(db_settings, actor=staff.supervisor)
    assert [e.outcome for e in events(db_settings, action="verify")] == ["ok", "refused"]


def test_a_flipped_byte_is_reported_with_both_digests_and_nothing_else(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    ids = _filed_archive(db_settings, staff, real_pdf, tmp_path)
    (record,) = filing_history(db_settings, ids["district"])
    damaged = record.files["pdf_filed"].path
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.chmod(0o644)
    damaged.write_bytes(bytes(data))
    damaged.chmod(0o444)  # bit rot, not a careless edit: the file is read-only again

    report = verify_archive(db_settings, actor=staff.archivist)
    assert _found(report) == [("digest", _relative(db_settings, damaged),
                               record.files["pdf_filed"].sha256,
                               hashlib.sha256(bytes(data)).hexdigest())]
    assert report.problems[0].archival_code == record.archival_code
    assert report.problems[0].message == f"{record.archival_code} 的归档章 PDF存入后被改动"
    (event,) = events(db_settings, action="verify")
    assert event.outcome == "failed"
    assert event.detail["checks"]["digest"] == {"checked": 14, "problems": 1}


def test_a_deleted_docx_is_reported_missing_and_nothing_else(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    ids = _filed_archive(db_settings, staff, real_pdf, tmp_path)
    first, second = filing_history(db_settings, ids["street"])
    first.files["docx"].path.unlink()
    report = verify_archive(db_settings, actor=staff.archivist)
    assert _found(report) == [("missing", _relative(db_settings, first.files["docx"].path),
                               first.files["docx"].sha256, "")]
    assert report.problems[0].archival_code == first.archival_code != second.archival_code
    assert report.problems[0].message == f"{first.archival_code} 的Word 文件缺失"


def test_a_file_no_record_accounts_for_is_unexpected(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    ids = _filed_archive(db_settings, staff, real_pdf, tmp_path)
    (record,) = filing_history(db_settings, ids["district"])
    dropped = record.files["pdf"].path.parent / "补充材料.pdf"
    dropped.write_bytes(real_pdf.read_bytes())
    staging = db_settings.archive_dir / ".staging" / "x"
    staging.mkdir(parents=True)
    (staging / "half.pdf").write_bytes(b"%PDF")  # bookkeeping: not a record, not a finding
    report = verify_archive(db_settings, actor=staff.archivist)
    assert _found(report) == [("unexpected", _relative(db_settings, dropped), "", "")]
    assert report.problems[0].message == "没有任何登记记录对应此文件"


def test_a_pdf_with_a_script_and_no_pdfa_markers_and_a_writable_file(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    _filed_archive(db_settings, staff, real_pdf, tmp_path)
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_open_action(JavaScript("app.alert('hi');"))
    scripted = io.BytesIO()
    writer.write(scripted)
    draft = store_draft(db_settings, tmp_path, scripted.getvalue(), unit="440307002001")
    draft.files["docx"].path.chmod(0o644)
    report = verify_archive(db_settings, actor=staff.archivist)
    pdf, word = (_relative(db_settings, draft.files[f].path) for f in ("pdf", "docx"))
    assert _found(report) == [("pdfa", pdf, "", ""), ("read_only", word, "只读", "可写"),
                              ("active_content", pdf, "", "")]
    assert [p.message for p in report.problems] == [
        f"文档 {draft.document_id} 第 1 版 的PDF：没有 XMP 元数据",
        f"文档 {draft.document_id} 第 1 版 的Word 文件可以被改写",
        f"文档 {draft.document_id} 第 1 版 的PDF含有文档级 JavaScript"]


def test_record_and_metadata_disagreeing_and_gaps_in_item_numbers(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    ids = _filed_archive(db_settings, staff, real_pdf, tmp_path)
    (record,) = filing_history(db_settings, ids["district"])
    moved = record.archival_code.replace("-D10-", "-D30-")
    update = sa.text("UPDATE document_versions SET retention = 'D30', archival_code = :c "
                     "WHERE archival_code = :old").bindparams(c=moved, old=record.archival_code)
    engine = get_engine(db_settings)
    with pytest.raises(sa.exc.DatabaseError, match="immutable"), engine.begin() as conn:
        conn.execute(update)  # the database refuses to change a filed record
    # Someone with the owner's rights drops the guard and rewrites the record's 保管期限.
    guard = _drop_record_guard(db_settings)
    with engine.begin() as conn:
        conn.execute(update)
    report = verify_archive(db_settings, actor=staff.archivist)
    dat46 = _relative(db_settings, record.files["dat46"].path)
    stamped = _relative(db_settings, record.files["pdf_filed"].path)
    pages = len(PdfReader(record.files["pdf_filed"].path).pages)
    assert _found(report) == [
        # The 归档章 still says 10年, the record now D30.
        ("stamp", stamped, "0194 2025 30年 BGS 0001", f"0194 2025 0001 BGS 10年 {pages}"),
        ("audit_chain", moved, "归档记录", "无"),  # the log filed it as the old code
        ("metadata", dat46, moved, record.archival_code),
        ("metadata", dat46, "定期30年", "定期10年"),
        ("item_numbers", "0194-WS·2025-D10-BGS", "1–1", "无"),
        ("item_numbers", "0194-WS·2025-D30-BGS", "1", "无"),
        ("record_guard", "归档记录", "启用", "缺失"),
    ]
    assert report.problems[0].message == f"{moved} 的归档章（第 1 页）缺少：保管期限 30年"
    assert guard in report.problems[-1].message
    assert report.problems[-2].message == "本组没有件号计数器：下次归档会再给出件号 0001"
    assert "断号" in report.problems[-3].message
    # Only that year's records are looked at with --year (the database's guards always).
    assert [p.check for p in verify_archive(db_settings, actor=staff.archivist,
                                            year=2024).problems] == ["record_guard"]


def test_the_newest_events_cut_from_the_log_are_missed(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    ids = _filed_archive(db_settings, staff, real_pdf, tmp_path)
    (record,) = filing_history(db_settings, ids["district"])
    engine = get_engine(db_settings)
    # Cutting the tail leaves a whole chain; only the records show what is missing.
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_events_no_delete"))
        conn.execute(sa.text("DELETE FROM audit_events WHERE target = :code"),
                     {"code": record.archival_code})
    report = verify_archive(db_settings, actor=staff.archivist)
    assert [(p.check, p.subject, p.expected, p.actual) for p in report.problems
            if p.check == "audit_chain"] == [
        ("audit_chain", record.archival_code, "归档记录", "无")]


def test_a_disposed_record_keeps_its_item_number_and_no_files(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    from wenshu.archive.retention import dispose  # needs search.unindex_version

    ids = _filed_archive(db_settings, staff, real_pdf, tmp_path)
    (record,) = filing_history(db_settings, ids["district"])
    dispose(db_settings, ids["district"], 1, actor=staff.archivist, reason="到期销毁",
            on=date(2036, 1, 1))
    report = verify_archive(db_settings, actor=staff.archivist)
    assert report.ok, report.problems
    assert {r.check.name: r.checked for r in report.results}["item_numbers"] == 3

    # A disposal killed before it removed the files leaves them: verify says so.
    folder = record.files["pdf"].path.parent
    folder.mkdir(parents=True)
    (folder / record.files["pdf"].path.name).write_bytes(real_pdf.read_bytes())
    (problem,) = verify_archive(db_settings, actor=staff.archivist).problems
    assert (problem.check, problem.archival_code) == ("unexpected", record.archival_code)
    assert problem.message == f"{record.archival_code} 已销毁，此文件却仍在"


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_the_command_prints_a_table_per_property_and_fails_on_a_problem(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path,
        wenshu: Callable[..., str]) -> None:
    ids = _filed_archive(db_settings, staff, real_pdf, tmp_path)
    out = wenshu("--user", staff.archivist.name, "archive", "verify")
    for heading in ("真实性 authenticity", "完整性 integrity", "可用性 usability",
                    "安全性 security", "passed"):
        assert heading in out
    (record,) = filing_history(db_settings, ids["district"])
    record.files["docx"].path.unlink()
    out = wenshu("--user", staff.archivist.name, "archive", "verify", "--year", "2025", expect=1)
    assert "1 problem(s)" in out and "failed" in out and record.files["docx"].path.name in out


def _drop_record_guard(settings: Settings) -> str:
    """Take away the trigger that keeps filed versions unchanged, as a database owner can."""
    engine = get_engine(settings)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE document_versions "
                                 "DISABLE TRIGGER document_versions_guard"))
            return "document_versions_guard"
        conn.execute(sa.text("DROP TRIGGER document_versions_filed_no_change"))
        return "document_versions_filed_no_change"


def _legacy_metadata(settings: Settings, document_id: int, version: int) -> Path:
    """The metadata.json the store wrote beside a version's files before migration 0010."""
    stored = Archive(settings).get(document_id, version)
    data = {
        "document_id": stored.document_id, "kind": stored.key.kind,
        "unit_code": stored.key.unit_code, "period": stored.key.period,
        "topic": stored.key.topic, "script": stored.key.script, "title": stored.title,
        "version": stored.version, "created_at": stored.created_at.isoformat(),
        "template": {"name": stored.template_name, "sha256": stored.template_sha256},
        "input_sha256": stored.input_sha256, "flow_run_id": stored.flow_run_id,
        "files": {f.format: {"name": f.path.name, "sha256": f.sha256, "size": f.size}
                  for f in stored.files.values() if f.format in ("docx", "pdf")},
    }
    target = stored.files["pdf"].path.parent / "metadata.json"
    target.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    target.chmod(0o444)
    return target


def test_an_old_metadata_json_must_agree_with_the_database(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    ids = _filed_archive(db_settings, staff, real_pdf, tmp_path)
    # Versions stored before migration 0010 have a metadata.json beside their files.
    old = _legacy_metadata(db_settings, ids["street"], 1)  # superseded: its title not compared
    latest = _legacy_metadata(db_settings, ids["district"], 1)
    report = verify_archive(db_settings, actor=staff.archivist)
    assert report.ok, report.problems
    assert {r.check.name: r.checked for r in report.results}["metadata"] == 3 + 2

    data = json.loads(latest.read_text(encoding="utf-8"))
    data["input_sha256"], data["title"] = "edited", "改过的题名"
    data["files"]["pdf"]["sha256"] = "0" * 64
    latest.chmod(0o644)
    latest.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    latest.chmod(0o444)
    (record,) = filing_history(db_settings, ids["district"])
    found = _found(verify_archive(db_settings, actor=staff.archivist))
    where = _relative(db_settings, latest)
    assert [(check, subject) for check, subject, _, _ in found] == [("metadata", where)] * 3
    assert {(want, got) for _, _, want, got in found} >= {("i1", "edited"),
                                                          (record.title, "改过的题名")}
    problem = verify_archive(db_settings, actor=staff.archivist).problems[0]
    assert problem.archival_code == record.archival_code and "metadata.json" in problem.message

    old.chmod(0o644)
    old.write_text("{not json", encoding="utf-8")
    assert [p.subject for p in verify_archive(db_settings, actor=staff.archivist).problems
            if "无法读取" in p.message] == [_relative(db_settings, old)]
    # Removing one loses nothing the database does not hold.
    old.unlink()
    latest.unlink()
    assert verify_archive(db_settings, actor=staff.archivist).ok


def test_a_filed_pdf_whose_stamp_does_not_show_its_code_is_reported(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from wenshu.archive import filing
    from wenshu.archive.stamp import StampFields, stamp_pdf

    street = store_draft(db_settings, tmp_path, real_pdf, unit="440307001")
    district = store_draft(db_settings, tmp_path, real_pdf, unit="440307")

    def wrong_number(source: Path, target: Path, fields: StampFields) -> None:
        stamp_pdf(source, target, replace(fields, item_number=fields.item_number + 40))

    # A filing whose stamp shows another 件号, and one with no stamp at all.
    monkeypatch.setattr(filing, "stamp_pdf", wrong_number)
    numbered = file_version(db_settings, street.document_id, actor=staff.supervisor)
    monkeypatch.setattr(filing, "stamp_pdf", lambda source, target, _: target.write_bytes(
        source.read_bytes()))
    bare = file_version(db_settings, district.document_id, actor=staff.supervisor)
    report = verify_archive(db_settings, actor=staff.archivist)
    assert [(p.check, p.subject, p.archival_code) for p in report.problems] == [
        ("stamp", _relative(db_settings, numbered.files["pdf_filed"].path),
         numbered.archival_code),
        ("stamp", _relative(db_settings, bare.files["pdf_filed"].path), bare.archival_code)]
    assert report.problems[0].message == f"{numbered.archival_code} 的归档章（第 1 页）缺少：件号 0001"
    assert report.problems[1].message == (f"{bare.archival_code} 的归档章（第 1 页）缺少：全宗号 0194、"
                                          "年度 2025、保管期限 永久、机构（问题）代码 BGS、件号 0002")
    assert report.problems[1].actual == "无可读文字"


def test_a_pdf_stamped_before_stamps_carried_text_is_taken_as_it_is(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from wenshu.archive import stamp

    # The old stamp: the same grid, its values drawn as filled outlines, no text.
    monkeypatch.setattr(stamp, "_text_operators", lambda text, font, resource, x, y: (
        f"{x - 3:.2f} {y - 3:.2f} m {x + 3:.2f} {y - 3:.2f} l {x:.2f} {y + 3:.2f} l h f"))
    draft = store_draft(db_settings, tmp_path, real_pdf)
    filed = file_version(db_settings, draft.document_id, actor=staff.supervisor)
    page = PdfReader(filed.files["pdf_filed"].path).pages[0]
    assert stamp.stamp_texts(page) == [] and stamp.outline_stamp(page)
    report = verify_archive(db_settings, actor=staff.archivist)
    assert report.ok, report.problems
    assert {r.check.name: r.checked for r in report.results}["stamp"] == 1


def test_a_missing_record_guard_is_reported(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    _filed_archive(db_settings, staff, real_pdf, tmp_path)
    guard = _drop_record_guard(db_settings)
    (problem,) = verify_archive(db_settings, actor=staff.archivist).problems
    assert (problem.check, problem.subject) == ("record_guard", "归档记录")
    assert guard in problem.message and "document_versions" in problem.message
