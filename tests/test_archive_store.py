"""The archive keeps every version immutably, with digests, and hands files out checked."""

from datetime import date
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa

from wenshu.archive import Archive, DocumentKey
from wenshu.archive.keys import sha256_file
from wenshu.db import session_scope
from wenshu.errors import ArchiveError, NotFoundError
from wenshu.models.tables import Document


def _files(tmp_path: Path, text: str) -> dict[str, Path]:
    docx_path, pdf = tmp_path / f"{text}.docx", tmp_path / f"{text}.pdf"
    document = docx.Document()
    document.add_paragraph(f"docx {text}")
    document.save(str(docx_path))
    pdf.write_bytes(f"pdf {text}".encode())
    return {"docx": docx_path, "pdf": pdf}


def _store(archive: Archive, files, input_sha="i1", template_sha="t1"):
    return archive.store(DocumentKey("year_summary", "440307", "2025"),
                         title="示范区2025年度工作总结", files=files, template_name="year_summary.docx",
                         template_sha256=template_sha, input_sha256=input_sha, flow_run_id="run-1")


def test_versions_follow_changes_and_keep_the_old_ones(db_settings, small_tree, tmp_path):
    archive = Archive(db_settings)
    first = _store(archive, _files(tmp_path, "a"))
    assert (first.version, first.created) == (1, True)
    assert first.files["docx"].sha256 == sha256_file(tmp_path / "a.docx")

    again = _store(archive, _files(tmp_path, "a"))
    assert (again.version, again.created) == (1, False)

    second = _store(archive, _files(tmp_path, "b"), input_sha="i2")
    third = _store(archive, _files(tmp_path, "c"), input_sha="i2", template_sha="t2")
    assert (second.version, third.version) == (2, 3)

    versions = archive.versions(first.document_id)
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[0].files["pdf"].path.read_bytes() == b"pdf a"
    assert versions[1].files["pdf"].path.read_bytes() == b"pdf b"
    assert versions[0].flow_run_id == "run-1"


def test_a_version_folder_holds_only_recorded_files(db_settings, small_tree, tmp_path):
    """What a version is lives in the database; no unchecked metadata.json beside its files."""
    archive = Archive(db_settings)
    stored = _store(archive, _files(tmp_path, "a"))
    folder = stored.files["pdf"].path.parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f.path.name for f in stored.files.values())
    assert not (folder / "metadata.json").exists()


def test_the_signing_date_and_doc_number_are_recorded_with_the_version(db_settings, small_tree,
                                                                        tmp_path):
    archive = Archive(db_settings)
    key = DocumentKey("year_summary", "440307", "2025")

    def store(inputs: str, issued: date, number: str):
        return archive.store(key, title="示范区2025年度工作总结", files=_files(tmp_path, inputs),
                             template_name="year_summary.docx", template_sha256="t1",
                             input_sha256=inputs, issued_on=issued, doc_number=number)

    first = store("i1", date(2026, 1, 15), "龙卫〔2026〕10号")
    assert (first.issued_on, first.doc_number) == (date(2026, 1, 15), "龙卫〔2026〕10号")
    # The input digest leaves the date out: unchanged inputs on a later day find the
    # version made before, which keeps the date it was made (and printed) with.
    again = store("i1", date(2026, 2, 1), "龙卫〔2026〕10号")
    assert (again.created, again.version, again.issued_on) == (False, 1, date(2026, 1, 15))
    second = store("i2", date(2026, 2, 1), "")
    assert [(v.version, v.issued_on, v.doc_number) for v in archive.versions(first.document_id)] \
        == [(1, date(2026, 1, 15), "龙卫〔2026〕10号"), (2, date(2026, 2, 1), "")]
    assert second.version == 2


def test_stored_files_are_read_only(db_settings, small_tree, tmp_path):
    stored = _store(Archive(db_settings), _files(tmp_path, "a"))
    assert stored.files["docx"].path.stat().st_mode & 0o222 == 0


def test_export_checks_the_digest(db_settings, small_tree, tmp_path):
    archive = Archive(db_settings)
    stored = _store(archive, _files(tmp_path, "a"))
    _store(archive, _files(tmp_path, "b"), input_sha="i2")
    out = archive.export(stored.document_id, "pdf", tmp_path / "out.pdf", version=1)
    assert out.read_bytes() == b"pdf a"
    latest = archive.export(stored.document_id, "docx", tmp_path)
    assert docx.Document(str(latest)).paragraphs[0].text == "docx b"

    damaged = stored.files["pdf"].path
    damaged.chmod(0o644)
    damaged.write_bytes(b"pdf tampered")
    with pytest.raises(ArchiveError, match="存储的文件已损坏"):
        archive.export(stored.document_id, "pdf", tmp_path / "x.pdf", version=1)


def test_unknown_document_and_version(db_settings, small_tree, tmp_path):
    archive = Archive(db_settings)
    stored = _store(archive, _files(tmp_path, "a"))
    with pytest.raises(NotFoundError, match="没有第 7 版"):
        archive.get(stored.document_id, 7)
    with pytest.raises(NotFoundError):
        archive.get(999)


def test_failed_store_leaves_no_files_and_no_record(db_settings, small_tree, tmp_path):
    archive = Archive(db_settings)
    files = _files(tmp_path, "a")
    files["pdf"] = tmp_path / "never-converted.pdf"
    with pytest.raises(FileNotFoundError):
        _store(archive, files)
    assert [p for p in archive.root.rglob("*") if p.is_file()] == []
    with session_scope(db_settings) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0


def test_topics_keep_documents_of_one_period_apart(db_settings, small_tree, tmp_path):
    archive = Archive(db_settings)
    first = archive.store(DocumentKey("campaign_plan", "440307", "2026", "婚育新风"), title="甲",
                          files=_files(tmp_path, "a"), template_name="t", template_sha256="t",
                          input_sha256="i")
    second = archive.store(DocumentKey("campaign_plan", "440307", "2026", "关爱女孩"), title="乙",
                           files=_files(tmp_path, "b"), template_name="t", template_sha256="t",
                           input_sha256="i")
    assert first.document_id != second.document_id
    assert (first.version, second.version) == (1, 1)
    assert first.files["pdf"].path.parent.parent.name == "婚育新风"
    assert first.files["pdf"].path.name == "440307_2026_campaign_plan_婚育新风.pdf"
