"""The yearly transfer package (移交): contents, refusals, damage, round trip, killed export."""

from __future__ import annotations

import hashlib
import io
import json
import re
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.conftest import SMALL_TREE, Staff
from tests.drafts import store_draft
from tests.people import add_user
from tests.test_pdf import pdfa_problems
from wenshu.access import Actor
from wenshu.archive.audit import events
from wenshu.archive.filing import file_version, filing_history
from wenshu.archive.transfer import TransferPackage, export_year
from wenshu.archive.transfer_import import import_package
from wenshu.db import session_scope, upgrade_schema
from wenshu.errors import AccessDenied, ArchiveError
from wenshu.models.tables import Document, DocumentVersion, FilingCounter, StoredFile, Unit
from wenshu.settings import Settings, get_settings

pytestmark = pytest.mark.soffice  # filed PDFs and the catalogue PDF are real LibreOffice PDF/A

ROOT = "0194-WS-2025"
# 档号 order: retention Y before D30, then 件号.
CODES = ["0194-WS·2025-Y-BGS-0001", "0194-WS·2025-Y-BGS-0002", "0194-WS·2025-Y-BGS-0003",
         "0194-WS·2025-D30-BGS-0001"]
REASON = "补录9月台账后重新生成"


@dataclass(frozen=True)
class Source:
    """A SQLite archive with 2025 filings (one corrected), a draft and a 2024 filing."""

    settings: Settings
    archivist: Actor
    package: TransferPackage
    pages_each: int


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory, real_pdf: Path) -> Source:
    root = tmp_path_factory.mktemp("transfer-source")
    settings = Settings(home=root / "home")
    upgrade_schema(settings)
    with session_scope(settings) as session:
        for code, name, level, parent in SMALL_TREE:
            session.add(Unit(code=code, name=name, level=level, parent_code=parent))
            session.flush()
    supervisor = add_user(settings, "督导李四", "supervisor", "440307")
    archivist = add_user(settings, "档案员张三", "archivist")
    made = root / "made"
    made.mkdir()

    def filed(**where: str) -> int:
        draft = store_draft(settings, made, real_pdf, **where)
        file_version(settings, draft.document_id, actor=supervisor)
        return draft.document_id

    filed()  # 示范区 年度工作总结: Y-0001
    filed(unit="440307001", kind="half_year_summary", period="2025H1")  # D30-0001
    corrected = filed(unit="440307002")  # Y-0002, superseded by Y-0003
    store_draft(settings, made, real_pdf, unit="440307002", inputs="i2")
    file_version(settings, corrected, actor=supervisor, reason=REASON)
    store_draft(settings, made, real_pdf, unit="440307900")  # a draft: not a record
    filed(unit="440307001001", period="2024")  # another year
    package = export_year(settings, 2025, root / "out", actor=archivist)
    return Source(settings, archivist, package, len(PdfReader(real_pdf).pages))


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name.removeprefix(f"{ROOT}/"): package.read(name) for name in package.namelist()}


def _rewrite(original: Path, target: Path, changes: dict[str, bytes | None]) -> Path:
    """A copy of a package with members replaced (or, with None, dropped) or added."""
    members = _members(original)
    for name, data in changes.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(f"{ROOT}/{name}", data)
    return target


def _stored_files(settings: Settings) -> list[Path]:
    return sorted(p for p in settings.archive_dir.rglob("*") if p.is_file()
                  and not p.relative_to(settings.archive_dir).parts[0].startswith("."))


def _archivist(settings: Settings) -> Actor:
    upgrade_schema(settings)
    return add_user(settings, "档案员赵六", "archivist")


def test_the_package_holds_catalogue_documents_metadata_and_manifest(source: Source,
                                                                     tmp_path: Path) -> None:
    package = source.package
    assert package.path.name == f"{ROOT}.zip"
    assert package.sha256 == hashlib.sha256(package.path.read_bytes()).hexdigest()
    members = _members(package.path)
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
    for record in (r for d in (1, 2, 3) for r in filing_history(source.settings, d)):
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
        ("0001", CODES[0], "示范区", source.pages_each),
        ("0002", CODES[1], "西城街道", source.pages_each),
        ("0003", CODES[2], "西城街道", source.pages_each),
        ("0001", CODES[3], "东城街道", source.pages_each)]
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
    assert len(merged.pages) == package.pages == 4 * source.pages_each
    assert [merged.get_destination_page_number(item) for item in merged.outline] == \
        [i * source.pages_each for i in range(4)]

    logged = [e for e in events(source.settings, action="export") if e.outcome == "ok"]
    assert any(e.target == "year:2025" and e.detail["sha256"] == package.sha256
               and e.detail["documents"] == 4 for e in logged)


def test_only_archivists_export_and_import(db_settings: Settings, staff: Staff, source: Source,
                                          tmp_path: Path) -> None:
    for actor in (staff.clerk, staff.supervisor):
        with pytest.raises(AccessDenied, match="无权移交导出"):
            export_year(db_settings, 2025, tmp_path / "out", actor=actor)
        with pytest.raises(AccessDenied, match="无权导入"):
            import_package(db_settings, source.package.path, actor=actor)
    assert not (tmp_path / "out").exists()
    refused = events(db_settings, outcome="refused")
    assert [(e.agent, e.action) for e in refused] == [
        (staff.clerk.name, "export"), (staff.clerk.name, "import"),
        (staff.supervisor.name, "export"), (staff.supervisor.name, "import")]
    with session_scope(db_settings) as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0


def test_import_reproduces_the_archive_and_its_package(db_settings: Settings, source: Source,
                                                       real_pdf: Path,
                                                       tmp_path: Path) -> None:
    archivist = _archivist(db_settings)
    summary = import_package(db_settings, source.package.path, actor=archivist)
    assert (summary.documents, summary.units_created, summary.sha256) == \
        (4, 3, source.package.sha256)

    again = export_year(db_settings, 2025, tmp_path / "again", actor=archivist)
    assert again.path.read_bytes() == source.package.path.read_bytes()

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
        (archivist.name, source.package.sha256, 4)

    with pytest.raises(ArchiveError, match="already holds 4 of the package's 4 records"):
        import_package(db_settings, source.package.path, actor=archivist)

    # The next filing of the year continues the numbering after the imported 件号.
    supervisor = add_user(db_settings, "督导钱七", "supervisor", "440307")
    draft = store_draft(db_settings, tmp_path, real_pdf, unit="440307001")
    assert file_version(db_settings, draft.document_id, actor=supervisor).archival_code == \
        "0194-WS·2025-Y-BGS-0004"


def test_a_damaged_package_is_refused_naming_the_file(db_settings: Settings, source: Source,
                                                      tmp_path: Path) -> None:
    archivist = _archivist(db_settings)
    original = source.package.path
    members = _members(original)
    pdf = f"文件/{CODES[1]}.pdf"
    altered = members[pdf].replace(b"/Producer", b"/Producex", 1)
    assert altered != members[pdf]

    damaged = _rewrite(original, tmp_path / "damaged.zip", {pdf: altered})
    with pytest.raises(ArchiveError, match=re.escape(f"{ROOT}/{pdf} does not match the manifest")):
        import_package(db_settings, damaged, actor=archivist)

    # A manifest redone to fit the altered file still disagrees with the records.
    manifest = members["manifest-sha256.txt"].decode("utf-8").replace(
        hashlib.sha256(members[pdf]).hexdigest(), hashlib.sha256(altered).hexdigest())
    forged = _rewrite(original, tmp_path / "forged.zip",
                      {pdf: altered, "manifest-sha256.txt": manifest.encode("utf-8")})
    with pytest.raises(ArchiveError, match=re.escape(f"{ROOT}/{pdf} differs from the digest")):
        import_package(db_settings, forged, actor=archivist)

    extra = _rewrite(original, tmp_path / "extra.zip", {"文件/附加.pdf": b"%PDF-1.7"})
    with pytest.raises(ArchiveError, match=re.escape(f"{ROOT}/文件/附加.pdf is not in the manifest")):
        import_package(db_settings, extra, actor=archivist)

    missing = _rewrite(original, tmp_path / "missing.zip", {f"元数据/{CODES[0]}.json": None})
    with pytest.raises(ArchiveError, match=re.escape(f"lists {ROOT}/元数据/{CODES[0]}.json")):
        import_package(db_settings, missing, actor=archivist)

    cut = tmp_path / "cut.zip"
    cut.write_bytes(original.read_bytes()[:len(original.read_bytes()) // 2])
    with pytest.raises(ArchiveError, match="cut.zip: not a readable zip"):
        import_package(db_settings, cut, actor=archivist)

    with session_scope(db_settings) as session:
        assert session.scalar(select(func.count()).select_from(DocumentVersion)) == 0
        assert session.scalar(select(func.count()).select_from(Unit)) == 0
    assert _stored_files(db_settings) == []
    failed = events(db_settings, action="import", outcome="failed")
    assert [e.target for e in failed] == [f"package:{name}" for name in
                                          ("damaged.zip", "forged.zip", "extra.zip",
                                           "missing.zip", "cut.zip")]


def test_a_failed_import_leaves_nothing_behind(db_settings: Settings, staff: Staff,
                                               source: Source, real_pdf: Path,
                                               tmp_path: Path) -> None:
    # The archive already has a version 1 of the corrected document (Y-0002's): the import
    # gets past Y-0001, placing its files, then fails there.
    draft = store_draft(db_settings, tmp_path, real_pdf, unit="440307002")
    before = _stored_files(db_settings)
    with pytest.raises(ArchiveError, match=re.escape(f"record {CODES[1]} is version 1")):
        import_package(db_settings, source.package.path, actor=staff.archivist)
    assert _stored_files(db_settings) == before
    assert not (db_settings.archive_dir / "year_summary" / "440307" / "2025" / "v0001").exists()
    assert list((db_settings.archive_dir / ".staging").glob("*")) == []
    with session_scope(db_settings) as session:
        assert session.scalars(select(Document.id)).all() == [draft.document_id]
        assert session.scalar(select(func.count()).select_from(FilingCounter)) == 0
    assert events(db_settings, action="import", outcome="ok") == []


ATTACK = "../../../escape_target/x"  # a unit code that would leave the archive


def _resealed(original: Path, target: Path, changes: dict[str, bytes]) -> Path:
    """A copy of a package with members replaced, its manifest redone to fit them."""
    members = {**_members(original), **changes}
    del members["manifest-sha256.txt"]
    members["manifest-sha256.txt"] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members.items()
    ).encode("utf-8")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(f"{ROOT}/{name}", data)
    return target


def _assert_nothing_imported(settings: Settings, tmp_path: Path, package: str) -> None:
    assert not (tmp_path / "escape_target").exists()
    assert not list(tmp_path.glob("**/escape_target*"))
    assert _stored_files(settings) == []
    with session_scope(settings) as session:
        assert session.scalar(select(func.count()).select_from(DocumentVersion)) == 0
        assert session.scalar(select(func.count()).select_from(Unit)) == 0
    assert [e.target for e in events(settings, action="import", outcome="failed")] == [
        f"package:{package}"]


@pytest.mark.parametrize("member", [
    f"{ROOT}/../../../escape_target/x.pdf", "../escape_target/x.pdf", "/tmp/escape_target.pdf",
    f"{ROOT}/文件/..\\..\\..\\escape_target.pdf", f"{ROOT}//escape_target.pdf",
    f"{ROOT}/./escape_target.pdf", f"{ROOT}/文件/../escape_target.pdf",
])
def test_zip_slip_member_names_are_refused(db_settings: Settings, source: Source,
                                           tmp_path: Path, member: str) -> None:
    archivist = _archivist(db_settings)
    package = tmp_path / "slip.zip"
    with zipfile.ZipFile(source.package.path) as original, \
            zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as slip:
        for info in original.infolist():
            slip.writestr(info, original.read(info))
        slip.writestr(zipfile.ZipInfo(member), b"%PDF-1.7 escape")
    with pytest.raises(ArchiveError, match=re.escape(f"member {member!r} is not a file under "
                                                     "the package's top folder")):
        import_package(db_settings, package, actor=archivist)
    _assert_nothing_imported(db_settings, tmp_path, "slip.zip")


def _rename_unit(members: dict[str, bytes], old: str, new: str) -> dict[str, bytes]:
    """units.json and records.json with unit ``old`` called ``new`` throughout."""
    units = json.loads(members["units.json"])
    for unit in units["units"]:
        unit["code"] = new if unit["code"] == old else unit["code"]
        unit["parent"] = new if unit["parent"] == old else unit["parent"]
    records = json.loads(members["records.json"])
    for record in records["records"]:
        if record["document"]["unit_code"] == old:
            record["document"]["unit_code"] = new
    return {"units.json": json.dumps(units, ensure_ascii=False).encode("utf-8"),
            "records.json": json.dumps(records, ensure_ascii=False).encode("utf-8")}


def _add_unit(members: dict[str, bytes], code: str, parent: str | None) -> dict[str, bytes]:
    units = json.loads(members["units.json"])
    units["units"].append({"code": code, "name": "越界社区", "level": "community",
                           "parent": parent})
    return {"units.json": json.dumps(units, ensure_ascii=False).encode("utf-8")}


def _set_topic(members: dict[str, bytes], topic: str) -> dict[str, bytes]:
    records = json.loads(members["records.json"])
    records["records"][0]["document"]["topic"] = topic
    return {"records.json": json.dumps(records, ensure_ascii=False).encode("utf-8")}


@pytest.mark.parametrize(("change", "says"), [
    (lambda m: _rename_unit(m, "440307", ATTACK), f"单位代码“{ATTACK}”无效"),
    (lambda m: _rename_unit(m, "440307001", ".."), "单位代码“..”无效"),
    (lambda m: _add_unit(m, "4403.07", "440307"), "units.json unit 4: 单位代码“4403.07”无效"),
    (lambda m: _add_unit(m, "4403079", "../440307"), "单位代码“../440307”无效"),
    (lambda m: _set_topic(m, "../../../../../escape_target"),
     "records.json record 1: “../../../../../escape_target”不是有效的文件名"),
])
def test_a_package_with_bad_unit_codes_or_keys_is_refused(db_settings: Settings,
                                                         source: Source, tmp_path: Path,
                                                         change, says: str) -> None:  # noqa: ANN001
    archivist = _archivist(db_settings)
    original = source.package.path
    package = _resealed(original, tmp_path / "bad.zip", change(_members(original)))
    with pytest.raises(ArchiveError, match=re.escape(says)):
        import_package(db_settings, package, actor=archivist)
    _assert_nothing_imported(db_settings, tmp_path, "bad.zip")


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


def test_a_killed_export_leaves_no_partial_package(source: Source, tmp_path: Path) -> None:
    target = tmp_path / "transfer"
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


def test_the_cli_imports_and_exports(source: Source, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from wenshu.cli import app

    monkeypatch.setenv("WENSHU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WENSHU_USER", "档案员赵六")
    get_settings.cache_clear()
    try:
        _archivist(get_settings())
        runner = CliRunner()
        result = runner.invoke(app, ["archive", "import", str(source.package.path)])
        assert result.exit_code == 0, result.output
        assert "imported 4 documents" in result.output
        result = runner.invoke(app, ["archive", "export", "--year", "2025",
                                     "--to", str(tmp_path / "out")])
        assert result.exit_code == 0, result.output
        assert source.package.sha256 in result.output
        assert (tmp_path / "out" / f"{ROOT}.zip").read_bytes() == \
            source.package.path.read_bytes()
        result = runner.invoke(app, ["archive", "import", str(source.package.path)])
        assert result.exit_code == 1 and "already holds" in result.output
    finally:
        get_settings.cache_clear()
