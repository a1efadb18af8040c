"""Files written whole or not at all (wenshu.files.write_whole)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wenshu.files import write_whole


def test_bytes_replace_the_file_with_the_mode_set(tmp_path: Path) -> None:
    target = tmp_path / "模板.docx"
    target.write_bytes(b"old")
    assert write_whole(target, b"new", mode=0o444) == target
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == ["模板.docx"]


def test_a_writer_gets_a_scratch_path_beside_the_target(tmp_path: Path) -> None:
    seen: list[Path] = []

    def write(scratch: Path) -> None:
        seen.append(scratch)
        scratch.write_text("整理表", encoding="utf-8")

    write_whole(tmp_path / "a.xlsx", write)
    assert seen[0].parent == tmp_path and seen[0].name.startswith(".a.xlsx.")
    assert (tmp_path / "a.xlsx").read_text(encoding="utf-8") == "整理表"
    assert not seen[0].exists()


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "fonts.conf"
    target.write_bytes(b"whole")

    def fail_halfway(scratch: Path) -> None:
        scratch.write_bytes(b"ha")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_whole(target, fail_halfway)
    assert target.read_bytes() == b"whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fonts.conf"]
