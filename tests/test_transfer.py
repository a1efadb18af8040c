"""The yearly transfer package (移交): contents, who may move it, round trip, killed export.
Refused packages: tests/test_transfer_refused.py."""

from __future__ import annotations

import hashlib
import io
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.conftest import Staff
from tests.drafts import store_draft
from tests.people import add_user
from tests.test_pdf import pdfa_problems
from tests.transfer_source import CODES, REASON, ROOT, Source, new_archivist, package_members
from wenshu.archive.audit import events
from wenshu.archive.filing import file_version, filing_history
from wenshu.archive.transfer import export_year
from wenshu.archive.transfer_import import import_package
from wenshu.db import session_scope
from wenshu.errors import AccessDenied, ArchiveError
from wenshu.models.tables import Document, DocumentVersion, StoredFile
from wenshu.settings import Settings, get_settings

pytestmark = pytest.mark.soffice  # filed PDFs and the catalogue PDF are real LibreOffice PDF/A


def test_the_package_holds_catalogue_documents_metadata_and_manifest(transfer_source: Source,
                                                                     tmp_path: Path) -> None:
    package = transfer_source.package
    assert package.path.name == f"{ROOT}.zip"
    assert package.sha256 == hashlib.sha256(package.path.read_bytes()).hexdigest()
    members = package_members(package.path)
    assert list(members) == [
        "目录/归档文件目录.xlsx", "目录/归档文件目录.pdf",
        *[f"文件/{code}.pdf" for code in CODES], *[f"元数据/{code}.json" for code in CODES],
        "2025年度合并.pdf", "units.json", "records.json", "manifest-sha256.txt"]
    assert (package.documents, package.members) == (4, len(members))

    manifest = [line.split("  ", 1) for line in
                members["manifest-sha256.txt"].decode("utf-8").splitlines()]
    assert [name for _, name in manifest] == list(members)[:-1]
    for digest, name in manifest:
        assert hashlib.sha256(members[name]).hexdigest() == digest, name

    # The files are the archive's own: stamped PDFs and the metadata stored at filing.
    for record in (r for d in (1, 2, 3) for r in filing_history(transfer_source.settings, d)):
        if record.archival_code in CODES:
            assert members[f"文件/{record.archival_code}.pdf"] == \
                record.files["pdf_filed"].path.read_bytes()
            assert members[f"元数据/{record.archival_code}.json"] == \
                record.files["dat46"].path.read_bytes()

    records = json.loads(members["records.json"])["records"]
    assert [(r["档号"], r["status"], r["supersedes"], r["change_reason"]) for r in records] == [
        (CODES[0], "filed", None, None), (CODES[1], "superseded", None, None),
        (CODES[2], "filed", CODES[1], REASON), (CODES[3], "filed", None, None)]
    assert [u["code"] for u in json.loads(members["units.json"])["units"]] == \
        ["440307", "440307001", "440307002"]

    sheet = openpyxl.load_workbook(io.BytesIO(members["目录/归档文件目录.xlsx"])).active
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4  # 9: A4
    assert sheet.print_title_rows == "$1:$2"
    assert sheet["A1"].value == "示范区 2025年度归档文件目录"
    assert [c.value for c in sheet[2]] == ["件号", "档号", "责任者", "文号", "题名", "日期",
                                           "页数", "备注"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [(r[0], r[1], r[2], r[6]) for r in rows] == [
        ("0001", CODES[0], "示范区", transfer_source.pages_each),
        ("0002", CODES[1], "西城街道", transfer_source.pages_each),
        ("0003", CODES[2], "西城街道", transfer_source.pages_each),
        ("0001", CODES[3], "东城街道", transfer_source.pages_each)]
    assert rows[1][7] == f"已被 {CODES[2]} 更正"
    assert rows[2][7] == f"更正 {CODES[1]}：{REASON}"
    assert rows[0][4] == "4403072025年度工作总结" and re.fullmatch(r"2\d{7}", rows[0][5])

    catalogue = tmp_path / "catalogue.pdf"
    catalogue.write_bytes(members["目录/归档文件目录.pdf"])
    reader = PdfReader(catalogue)
    page = reader.pages[0].mediabox
    assert (round(float(page.width) / 72 * 25.4), round(float(page.height) / 72 * 25.4)) == \
        (297, 210)
    # Extraction puts spaces between Chinese and Latin text, and breaks wrapped cells; the
    # page number comes before or after a page's text, as LibreOffice's version orders it.
    pages = [re.sub(r"\s", "", p.extract_text()) for p in reader.pages]
    assert all(f"第{number}页" in page for number, page in enumerate(pages, 1))
    text = re.sub(r"第\d+页", "", "".join(pages))
    assert text.startswith("示范区2025年度归档文件目录件号档号责任者文号题名日期页数备注")
    assert [text.index(code) for code in CODES] == sorted(text.index(code) for code in CODES)
    assert pdfa_problems(catalogue) == []

    merged = PdfReader(io.BytesIO(members["2025年度合并.pdf"]))
    assert [item.title for item in merged.outline] == [
        f"{CODES[0]} 4403072025年度工作总结", f"{CODES[1]} 4403070022025年度工作总结",
        f"{CODES[2]} 4403070022025年度工作总结", f"{CODES[3]} 4403070012025H1年度工作总结"]
    assert len(merged.pages) == package.pages == 4 * transfer_source.pages_each
    assert [merged.get_destination_page_number(item) for item in merged.outline] == \
        [i * transfer_source.pages_each for i in range(4)]

    logged = [e for e in events(transfer_source.settings, action="export") if e.outcome == "ok"]
    assert any(e.target == "year:2025" and e.detail["sha256"] == package.sha256
               and e.detail["documents"] == 4 for e in logged)


def test_only_archivists_export_and_import(db_settings: Settings, staff: Staff,
                                          transfer_source: Source, tmp_path: Path) -> None:
    for actor in (staff.clerk, staff.supervisor):
        with pytest.raises(AccessDenied, match="无权移交导出"):
            export_year(db_settings, 2025, tmp_path / "out", actor=actor)
        with pytest.raises(AccessDenied, match="无权导入"):
            import_package(db_settings, transfer_source.package.path, actor=actor)
    assert not (tmp_path / "out").exists()
    refused = events(db_settings, outcome="refused")
    assert [(e.agent, e.action) for e in refused] == [
        (staff.clerk.name, "export"), (staff.clerk.name, "import"),
        (staff.supervisor.name, "export"), (staff.supervisor.name, "import")]
    with session_scope(db_settings) as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0


def test_import_reproduces_the_archive_and_its_package(db_settings: Settings,
                                                       transfer_source: Source,
                                                       real_pdf: Path,
                                                       tmp_path: Path) -> None:
    archivist = new_archivist(db_settings)
    summary = import_package(db_settings, transfer_source.package.path, actor=archivist)
    assert (summary.documents, summary.units_created, summary.sha256) == \
        (4, 3, transfer_source.package.sha256)

    again = export_year(db_settings, 2025, tmp_path / "again", actor=archivist)
    assert again.path.read_bytes() == transfer_source.package.path.read_bytes()

    with session_scope(db_settings) as session:
        versions = {v.archival_code: v for v in session.scalars(select(DocumentVersion))}
        assert sorted(versions) == sorted(CODES)
        assert versions[CODES[2]].supersedes_id == versions[CODES[1]].id
        assert versions[CODES[1]].status == "superseded"
        assert versions[CODES[0]].filed_by == "督导李四"
    for code in CODES:  # every stored file is in place with the recorded digest
        with session_scope(db_settings) as session:
            for item in session.scalars(select(StoredFile).join(DocumentVersion)
                                        .where(DocumentVersion.archival_code == code)):
                path = db_settings.archive_dir / item.path
                assert hashlib.sha256(path.read_bytes()).hexdigest() == item.sha256

    (entry,) = events(db_settings, action="import")
    assert (entry.agent, entry.detail["sha256"], entry.detail["documents"]) == \
        (archivist.name, transfer_source.package.sha256, 4)

    with pytest.raises(ArchiveError, match="移交包的 4 条记录中已有 4 条在本档案中"):
        import_package(db_settings, transfer_source.package.path, actor=archivist)

    # The next filing of the year continues the numbering after the imported 件号.
    supervisor = add_user(db_settings, "督导钱七", "supervisor", "440307")
    draft = store_draft(db_settings, tmp_path, real_pdf, unit="440307001")
    assert file_version(db_settings, draft.document_id, actor=supervisor).archival_code == \
        "0194-WS·2025-Y-BGS-0004"


_KILLED_EXPORT = """
import os, signal, sys
from pathlib import Path
from wenshu.access import resolve_actor
from wenshu.archive import transfer
from wenshu.settings import Settings

settings = Settings(home=sys.argv[1])
write_member = transfer._write_member
written = []

def dying(*args, **kwargs):
    digest = write_member(*args, **kwargs)
    written.append(digest)
    if len(written) == 5:  # the catalogue and three filed PDFs are in the partial zip
        os.kill(os.getpid(), signal.SIGKILL)
    return digest

transfer._write_member = dying
transfer.export_year(settings, 2025, Path(sys.argv[2]), actor=resolve_actor(settings, sys.argv[3]))
"""


def test_a_killed_export_leaves_no_partial_package(transfer_source: Source, tmp_path: Path) -> None:
    target = tmp_path / "transfer"
    source = transfer_source
    child = subprocess.run([sys.executable, "-c", _KILLED_EXPORT, str(source.settings.home),
                            str(target), source.archivist.name], capture_output=True, text=True,
                           timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert not (target / f"{ROOT}.zip").exists()
    work = source.settings.work_dir / "transfer"
    left = [p for p in work.iterdir() if not p.name.startswith(".")]
    assert [p.name for p in left[0].iterdir() if p.suffix == ".part"] == [f"{ROOT}.zip.part"]

    again = export_year(source.settings, 2025, target, actor=source.archivist)
    assert [p for p in work.iterdir() if not p.name.startswith(".")] == []
    assert list(target.iterdir()) == [again.path]
    assert again.path.read_bytes() == source.package.path.read_bytes()


def test_the_cli_imports_and_exports(transfer_source: Source, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from wenshu.cli import app

    monkeypatch.setenv("WENSHU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WENSHU_USER", "档案员赵六")
    get_settings.cache_clear()
    try:
        new_archivist(get_settings())
        runner = CliRunner()
        result = runner.invoke(app, ["archive", "import", str(transfer_source.package.path)])
        assert result.exit_code == 0, result.output
        assert "imported 4 documents" in result.output
        result = runner.invoke(app, ["archive", "export", "--year", "2025",
                                     "--to", str(tmp_path / "out")])
        assert result.exit_code == 0, result.output
        assert transfer_source.package.sha256 in result.output
        assert (tmp_path / "out" / f"{ROOT}.zip").read_bytes() == \
            transfer_source.package.path.read_bytes()
        result = runner.invoke(app, ["archive", "import", str(transfer_source.package.path)])
        assert result.exit_code == 1 and "同一移交包只导入一次" in result.output
    finally:
        get_settings.cache_clear()
