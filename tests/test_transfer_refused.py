"""Transfer packages wenshu refuses: damaged, forged, or naming paths outside the archive.
Nothing of a refused package is imported, and the refusal names the member at fault."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import Staff
from tests.drafts import store_draft
from tests.transfer_source import (
    CODES,
    ROOT,
    Source,
    new_archivist,
    package_members,
    stored_files,
)
from wenshu.archive.audit import events
from wenshu.archive.transfer_import import import_package
from wenshu.db import session_scope
from wenshu.errors import ArchiveError
from wenshu.models.tables import Document, DocumentVersion, FilingCounter, Unit
from wenshu.settings import Settings

pytestmark = pytest.mark.soffice  # the packages hold real LibreOffice PDF/A


def _rewrite(original: Path, target: Path, changes: dict[str, bytes | None]) -> Path:
    """A copy of a package with members replaced (or, with None, dropped) or added."""
    members = package_members(original)
    for name, data in changes.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(f"{ROOT}/{name}", data)
    return target


def test_a_damaged_package_is_refused_naming_the_file(db_settings: Settings,
                                                      transfer_source: Source,
                                                      tmp_path: Path) -> None:
    archivist = new_archivist(db_settings)
    original = transfer_source.package.path
    members = package_members(original)
    pdf = f"文件/{CODES[1]}.pdf"
    altered = members[pdf].replace(b"/Producer", b"/Producex", 1)
    assert altered != members[pdf]

    damaged = _rewrite(original, tmp_path / "damaged.zip", {pdf: altered})
    with pytest.raises(ArchiveError, match=re.escape(f"{ROOT}/{pdf} 与清单不符")):
        import_package(db_settings, damaged, actor=archivist)

    # A manifest redone to fit the altered file still disagrees with the records.
    manifest = members["manifest-sha256.txt"].decode("utf-8").replace(
        hashlib.sha256(members[pdf]).hexdigest(), hashlib.sha256(altered).hexdigest())
    forged = _rewrite(original, tmp_path / "forged.zip",
                      {pdf: altered, "manifest-sha256.txt": manifest.encode("utf-8")})
    with pytest.raises(ArchiveError, match=re.escape(f"{ROOT}/{pdf} 与记录所载的摘要和大小不符")):
        import_package(db_settings, forged, actor=archivist)

    extra = _rewrite(original, tmp_path / "extra.zip", {"文件/附加.pdf": b"%PDF-1.7"})
    with pytest.raises(ArchiveError, match=re.escape(f"{ROOT}/文件/附加.pdf 不在清单中")):
        import_package(db_settings, extra, actor=archivist)

    missing = _rewrite(original, tmp_path / "missing.zip", {f"元数据/{CODES[0]}.json": None})
    with pytest.raises(ArchiveError, match=re.escape(f"清单列有 {ROOT}/元数据/{CODES[0]}.json，移交包中却没有")):
        import_package(db_settings, missing, actor=archivist)

    cut = tmp_path / "cut.zip"
    cut.write_bytes(original.read_bytes()[:len(original.read_bytes()) // 2])
    with pytest.raises(ArchiveError, match="cut.zip：不是可读的 zip 文件"):
        import_package(db_settings, cut, actor=archivist)

    with session_scope(db_settings) as session:
        assert session.scalar(select(func.count()).select_from(DocumentVersion)) == 0
        assert session.scalar(select(func.count()).select_from(Unit)) == 0
    assert stored_files(db_settings) == []
    failed = events(db_settings, action="import", outcome="failed")
    assert [e.target for e in failed] == [f"package:{name}" for name in
                                          ("damaged.zip", "forged.zip", "extra.zip",
                                           "missing.zip", "cut.zip")]


def test_a_failed_import_leaves_nothing_behind(db_settings: Settings, staff: Staff,
                                               transfer_source: Source, real_pdf: Path,
                                               tmp_path: Path) -> None:
    # The archive already has a version 1 of the corrected document (Y-0002's): the import
    # gets past Y-0001, placing its files, then fails there.
    draft = store_draft(db_settings, tmp_path, real_pdf, unit="440307002")
    before = stored_files(db_settings)
    with pytest.raises(ArchiveError, match=re.escape(f"记录 {CODES[1]} 是 ") + ".+的第 1 版，本档案中该文档已有第 1 版（草稿）"):
        import_package(db_settings, transfer_source.package.path, actor=staff.archivist)
    assert stored_files(db_settings) == before
    assert not (db_settings.archive_dir / "year_summary" / "440307" / "2025" / "v0001").exists()
    assert list((db_settings.archive_dir / ".staging").glob("*")) == []
    with session_scope(db_settings) as session:
        assert session.scalars(select(Document.id)).all() == [draft.document_id]
        assert session.scalar(select(func.count()).select_from(FilingCounter)) == 0
    assert events(db_settings, action="import", outcome="ok") == []


ATTACK = "../../../escape_target/x"  # a unit code that would leave the archive


def _resealed(original: Path, target: Path, changes: dict[str, bytes]) -> Path:
    """A copy of a package with members replaced, its manifest redone to fit them."""
    members = {**package_members(original), **changes}
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
    assert stored_files(settings) == []
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
def test_zip_slip_member_names_are_refused(db_settings: Settings, transfer_source: Source,
                                           tmp_path: Path, member: str) -> None:
    archivist = new_archivist(db_settings)
    package = tmp_path / "slip.zip"
    with zipfile.ZipFile(transfer_source.package.path) as original, \
            zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as slip:
        for info in original.infolist():
            slip.writestr(info, original.read(info))
        slip.writestr(zipfile.ZipInfo(member), b"%PDF-1.7 escape")
    with pytest.raises(ArchiveError, match=re.escape(f"成员“{member}”不是顶层文件夹下的文件")):
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
    (lambda m: _add_unit(m, "4403.07", "440307"), "units.json 第 4 个单位：单位代码“4403.07”无效"),
    (lambda m: _add_unit(m, "4403079", "../440307"), "单位代码“../440307”无效"),
    (lambda m: _set_topic(m, "../../../../../escape_target"),
     "records.json 第 1 条记录：“../../../../../escape_target”不是有效的文件名"),
])
def test_a_package_with_bad_unit_codes_or_keys_is_refused(db_settings: Settings,
                                                         transfer_source: Source, tmp_path: Path,
                                                         change, says: str) -> None:  # noqa: ANN001
    archivist = new_archivist(db_settings)
    original = transfer_source.package.path
    package = _resealed(original, tmp_path / "bad.zip", change(package_members(original)))
    with pytest.raises(ArchiveError, match=re.escape(says)):
        import_package(db_settings, package, actor=archivist)
    _assert_nothing_imported(db_settings, tmp_path, "bad.zip")
