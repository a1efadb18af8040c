"""Data never steers a path outside its root: unit codes, inside(), and writers given bad data."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.sample_context import year_summary_context
from wenshu.archive import Archive, DocumentKey
from wenshu.codes import check_unit_code, is_unit_code
from wenshu.db import session_scope
from wenshu.errors import ArchiveError, CodeError, PathError, WenshuError
from wenshu.generators.kinds import YEAR_SUMMARY
from wenshu.models.tables import Document, PlacementLease, StoredFile, Unit
from wenshu.paths import check_name, inside, inside_relative
from wenshu.pipeline import Job, render_job
from wenshu.settings import Settings
from wenshu.templates import template_path

ATTACK = "../../../escape_target/x"  # the reported unit code


def _outside(tmp_path: Path, home: Path) -> list[Path]:
    """Everything under tmp_path that is not under the data directory (the test's own
    input files excepted)."""
    return sorted(p for p in tmp_path.rglob("*")
                  if not p.is_relative_to(home) and not p.is_relative_to(tmp_path / "in"))


# --- unit codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["440307", "440307001001", "A1", "dept-01", "x_y", "a" * 32])
def test_valid_unit_codes_pass_unchanged(code: str) -> None:
    assert check_unit_code(code) == code
    assert is_unit_code(code)


@pytest.mark.parametrize(("code", "says"), [
    (ATTACK, "只能由字母、数字、“-”和“_”组成"),
    ("..", "只能由字母、数字、“-”和“_”组成"),
    ("4403.07", "只能由字母、数字、“-”和“_”组成"),
    ("4403 07", "只能由字母、数字、“-”和“_”组成"),
    (" 440307", "只能由字母、数字、“-”和“_”组成"),  # refused, not trimmed
    ("440307\n", "只能由字母、数字、“-”和“_”组成"),
    ("a\\b", "只能由字母、数字、“-”和“_”组成"),
    ("东城街道", "只能由字母、数字、“-”和“_”组成"),
    ("４４０３", "只能由字母、数字、“-”和“_”组成"),  # full-width digits are not ASCII
    ("a" * 33, "最多32个字符"),
])
def test_bad_unit_codes_are_refused_naming_the_value(code: str, says: str) -> None:
    with pytest.raises(CodeError) as caught:
        check_unit_code(code)
    shown = code.replace("\n", "\\x0a")  # control characters are shown escaped
    assert str(caught.value) == f"单位代码“{shown}”无效：{says}" + (
        "（现有33个）" if len(code) > 32 else "")
    assert not is_unit_code(code)
    assert isinstance(caught.value, WenshuError)


def test_the_exact_message_of_the_reported_attack() -> None:
    with pytest.raises(CodeError, match="^单位代码“../../../escape_target/x”无效：只能由字母、"
                                        "数字、“-”和“_”组成$"):
        check_unit_code(ATTACK)
    with pytest.raises(CodeError, match="^单位代码不能为空$"):
        check_unit_code("")


# --- inside() ----------------------------------------------------------------------------------


def test_inside_joins_names_under_the_root(tmp_path: Path) -> None:
    assert inside(tmp_path, "a", "b.docx") == tmp_path / "a" / "b.docx"
    assert inside(tmp_path) == tmp_path
    assert inside(tmp_path, "中文 名称.pdf", "..x", "x..") == tmp_path / "中文 名称.pdf" / "..x" / "x.."
    assert inside_relative(tmp_path, "year_summary/440307/v0001/a.pdf") == \
        tmp_path / "year_summary" / "440307" / "v0001" / "a.pdf"
    assert not (tmp_path / "a").exists()  # a check, not a mkdir


@pytest.mark.parametrize("parts", [
    ("..",), ("a", ".."), ("a", "..", "b"), (".",), ("",),
    ("/etc",), ("/etc/passwd",), ("a/b",), ("../x",), ("a\\..\\b",), ("a\x00b",),
])
def test_inside_refuses_parts_that_are_not_single_names(tmp_path: Path,
                                                        parts: tuple[str, ...]) -> None:
    root = tmp_path / "root"
    with pytest.raises(PathError) as caught:
        inside(root, *parts)
    assert str(root) in str(caught.value)  # names the root
    assert "路径“" in str(caught.value)


@pytest.mark.parametrize("relative", ["", "../x", "a/../../x", "/etc/passwd", "a//b", "./a",
                                      "a/./b", "a/"])
def test_inside_relative_refuses_paths_leaving_or_bending(tmp_path: Path, relative: str) -> None:
    with pytest.raises(PathError):
        inside_relative(tmp_path, relative)


def test_inside_refuses_a_symlink_pointing_out(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside)
    (root / "passwd").symlink_to("/etc/passwd")
    (root / "sub").mkdir()
    (root / "inner").symlink_to(root / "sub")  # a link that stays inside is followed
    with pytest.raises(PathError, match="不在"):
        inside(root, "link", "x.docx")
    with pytest.raises(PathError, match="/etc/passwd"):
        inside(root, "passwd")
    assert inside(root, "inner", "x.docx") == root / "inner" / "x.docx"


def test_inside_refuses_a_root_reached_through_a_symlinked_ancestor_only_when_it_leaves(
        tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "a").mkdir(parents=True)
    alias = tmp_path / "alias"
    alias.symlink_to(real)  # the root itself may be reached through a link
    assert inside(alias, "a", "x") == alias / "a" / "x"


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a\\b", "/a"])
def test_check_name(name: str) -> None:
    with pytest.raises(PathError, match="不是有效的文件名"):
        check_name(name)


# --- writers given a unit code stored before codes were checked ----------------------------------


def _files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_paragraph("越界测试")
    word.save(str(folder / "a.docx"))
    (folder / "a.pdf").write_bytes(b"%PDF-1.7 test")
    return {"docx": folder / "a.docx", "pdf": folder / "a.pdf"}


def _store(settings: Settings, key: DocumentKey, files: dict[str, Path]):  # noqa: ANN202
    return Archive(settings).store(key, title="越界测试", files=files, template_name="t.docx",
                                   template_sha256="t1", input_sha256="i1")


@pytest.mark.parametrize("code", [ATTACK, "..", "a.b"])
def test_a_bad_code_already_in_the_database_cannot_steer_the_archive(
        db_settings: Settings, session: Session, small_tree, tmp_path: Path, code: str) -> None:
    # As a database filled before unit codes were checked would hold it.
    session.add(Unit(code=code, name="越界社区", level="community", parent_code="440307001"))
    session.commit()
    files = _files(tmp_path / "in")
    with pytest.raises(CodeError, match=f"单位代码“{re.escape(code)}”无效"):
        _store(db_settings, DocumentKey("year_summary", code, "2025"), files)
    assert not (tmp_path / "escape_target").exists()
    assert _outside(tmp_path, db_settings.home) == []
    with session_scope(db_settings) as check:
        assert check.scalar(select(func.count()).select_from(Document)) == 0


@pytest.mark.parametrize("key", [
    DocumentKey("year_summary", "440307", "2025", topic="../../../escape_target"),
    DocumentKey("year_summary", "440307", "../../../escape_target"),
    DocumentKey("../../escape_target", "440307", "2025"),
    DocumentKey(".staging", "440307", "2025"),
    DocumentKey("year_summary", "440307", "2025", script="../../../escape_target"),
])
def test_other_key_parts_cannot_steer_the_archive(db_settings: Settings, small_tree,
                                                  tmp_path: Path, key: DocumentKey) -> None:
    with pytest.raises(WenshuError):
        _store(db_settings, key, _files(tmp_path / "in"))
    assert not (tmp_path / "escape_target").exists()
    assert _outside(tmp_path, db_settings.home) == []
    assert not (db_settings.archive_dir / ".staging" / "440307").exists()


def _job(key: DocumentKey) -> Job:
    return Job(YEAR_SUMMARY, key, "越界社区", "越界社区2025年度工作总结", year_summary_context(),
               "i1", template_path("year_summary"), "t1", date(2026, 1, 15))


@pytest.mark.parametrize("key", [
    DocumentKey("year_summary", ATTACK, "2025"),
    DocumentKey("year_summary", "../../../escape_target", "2025"),
    DocumentKey("year_summary", "440307", "2025", topic="../../../escape_target"),
])
def test_render_refuses_a_name_outside_its_folder(settings: Settings, tmp_path: Path,
                                                  key: DocumentKey) -> None:
    out_dir = settings.work_dir / "run-1"
    with pytest.raises(WenshuError):
        render_job(_job(key), out_dir)
    assert _outside(tmp_path, settings.home) == []
    assert not out_dir.exists()  # refused before anything was made


def test_render_writes_inside_its_folder(settings: Settings) -> None:
    out_dir = settings.work_dir / "run-1"
    path = render_job(_job(DocumentKey("year_summary", "440307", "2025")), out_dir)
    assert path == out_dir / "440307_2025_year_summary.docx" and path.is_file()


def test_export_refuses_a_stored_path_outside_the_archive(db_settings: Settings, small_tree,
                                                          tmp_path: Path) -> None:
    stored = _store(db_settings, DocumentKey("year_summary", "440307", "2025"),
                    _files(tmp_path / "in"))
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"not the archive's")
    # A record altered to point outside, its digest made to fit.
    with session_scope(db_settings) as session:
        item = session.scalar(select(StoredFile).where(StoredFile.format == "pdf"))
        assert item is not None
        item.path = "../../secret.pdf"
        item.sha256 = hashlib.sha256(secret.read_bytes()).hexdigest()
        item.size = secret.stat().st_size
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PathError, match="secret.pdf"):
        Archive(db_settings).export(stored.document_id, "pdf", out)
    assert list(out.iterdir()) == []


def test_recovery_never_removes_through_a_symlinked_folder(db_settings: Settings, small_tree,
                                                           tmp_path: Path) -> None:
    archive = Archive(db_settings)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.pdf").write_bytes(b"keep")
    archive.root.mkdir(parents=True)
    (archive.root / "link").symlink_to(outside, target_is_directory=True)
    (archive.root / "stray.pdf").symlink_to(outside / "keep.pdf")
    # The lease of a writer that crashed long ago, naming a path under a folder that is a
    # link to outside the archive.
    with session_scope(db_settings) as session:
        session.add(PlacementLease(target="link/keep.pdf", staging=".staging/killed-0",
                                   token="killed", owner="gone pid 999999999",
                                   taken_at=datetime(2000, 1, 1, tzinfo=UTC),
                                   expires_at=datetime(2000, 1, 1, tzinfo=UTC)))
    with pytest.raises(ArchiveError, match="not a path in the archive"):
        archive.recover()
    assert (outside / "keep.pdf").read_bytes() == b"keep"

    # A link the lease names is itself removed; what it points to is left alone.
    with session_scope(db_settings) as session:
        session.execute(update(PlacementLease).values(
            target="stray.pdf", expires_at=datetime(2000, 1, 1, tzinfo=UTC)))
    assert archive.recover() == [archive.root / "stray.pdf"]
    assert not (archive.root / "stray.pdf").is_symlink()
    assert archive.placements_under_way() == frozenset()
    assert (outside / "keep.pdf").read_bytes() == b"keep"
