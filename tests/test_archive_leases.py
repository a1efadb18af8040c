"""Writers that share the archive but not a process table coordinate through the database.

Writer A is another process standing for another machine: its own home, its own host
name, and a pid this machine's /proc does not have once it is killed. Only its lease
in the database tells this process (writer B) what A was doing and until when.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import Staff
from tests.drafts import store_draft
from wenshu.archive import Archive
from wenshu.archive.verify import verify_archive
from wenshu.db import get_engine, session_scope
from wenshu.errors import ArchiveError
from wenshu.models.tables import Document, DocumentVersion, PlacementLease
from wenshu.settings import Settings

pytestmark = pytest.mark.soffice  # verify checks real LibreOffice PDF/A

OTHER_HOST = "worker-on-another-host"
FOLDER = "year_summary/440307002/2025/v0001"

_WRITER = """
import os, signal, socket, sys
from pathlib import Path
from wenshu.archive import store
from wenshu.settings import Settings

socket.gethostname = lambda: sys.argv[1]  # the machine this process stands for

def killed(*args, **kwargs):
    # After the version folder was renamed into place, before its records commit.
    os.kill(os.getpid(), signal.SIGKILL)

store.index_version = killed
settings = Settings(home=sys.argv[2], database_url=sys.argv[3], archive_root=Path(sys.argv[4]),
                    placement_lease_seconds=float(sys.argv[5]))
store.Archive(settings).store(
    store.DocumentKey("year_summary", "440307002", "2025"), title="西城街道2025年度工作总结",
    files={"docx": sys.argv[6], "pdf": sys.argv[7]}, template_name="year_summary.docx",
    template_sha256="t1", input_sha256="killed")
"""


def _killed_writer(settings: Settings, tmp_path: Path, docx: Path, lease: float) -> int:
    """Run writer A until it is killed mid-placement; its pid."""
    pdf = tmp_path / "half-written.pdf"
    pdf.write_bytes(b"writer A's PDF")
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, OTHER_HOST, str(tmp_path / "host-a"), settings.db_url,
         str(settings.archive_dir), str(lease), str(docx), str(pdf)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == -9, stderr
    return child.pid


def _leases(settings: Settings) -> list[tuple[str, str]]:
    with session_scope(settings) as session:
        return [tuple(row) for row in session.execute(
            sa.select(PlacementLease.target, PlacementLease.owner))]


def _seconds_left(settings: Settings) -> float:
    """How long the latest lease has to run, on the database's clock."""
    with get_engine(settings).connect() as conn:
        if conn.dialect.name == "postgresql":
            query = "SELECT EXTRACT(EPOCH FROM max(expires_at) - now()) FROM placement_leases"
        else:
            query = ("SELECT (julianday(max(expires_at)) - julianday('now')) * 86400 "
                     "FROM placement_leases")
        return float(conn.execute(sa.text(query)).scalar_one())


def _versions_of(settings: Settings, unit_code: str) -> list[int]:
    with session_scope(settings) as session:
        return list(session.scalars(sa.select(DocumentVersion.version).join(Document)
                                    .where(Document.unit_code == unit_code)))


def test_a_writer_killed_on_another_host_is_waited_for_then_cleaned_up(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    kept = store_draft(db_settings, tmp_path, real_pdf)
    pid = _killed_writer(db_settings, tmp_path, kept.files["docx"].path, lease=4.0)
    archive = Archive(db_settings)
    folder = archive.root / FOLDER
    assert _leases(db_settings) == [(FOLDER, f"{OTHER_HOST} pid {pid}")]
    assert not Path(f"/proc/{pid}").exists()  # gone here, and named as another host's anyway

    # While A's lease runs, B leaves its folder alone, however dead A looks from here.
    assert archive.recover() == []
    assert (folder / "440307002_2025_year_summary.pdf").read_bytes() == b"writer A's PDF"
    left = _seconds_left(db_settings)
    started = time.monotonic()
    stored = store_draft(db_settings, tmp_path, real_pdf, unit="440307002")
    waited = time.monotonic() - started
    assert left > 0.5 and waited >= left

    # Then B cleaned up after A and archived the document once, in A's folder.
    assert (stored.version, stored.created, stored.files["pdf"].path.parent) == (1, True, folder)
    assert stored.files["pdf"].path.read_bytes() == real_pdf.read_bytes()
    assert sorted(p.name for p in folder.parent.iterdir()) == ["v0001"]
    assert sorted(p.suffix for p in folder.iterdir()) == [".docx", ".pdf"]
    assert _versions_of(db_settings, "440307002") == [1]
    assert _leases(db_settings) == []
    assert list((archive.root / ".staging").iterdir()) == []
    report = verify_archive(db_settings, actor=staff.archivist)
    assert report.ok, report.problems


def test_a_live_lease_of_another_host_is_left_alone(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    kept = store_draft(db_settings, tmp_path, real_pdf)
    pid = _killed_writer(db_settings, tmp_path, kept.files["docx"].path, lease=600.0)
    archive = Archive(db_settings)
    folder = archive.root / FOLDER

    assert archive.recover() == []
    report = verify_archive(db_settings, actor=staff.archivist)
    assert report.ok and report.recovered == (), report.problems  # under way, not unexpected
    assert archive.placements_under_way() == {FOLDER}
    # The lease holds one folder, not the archive: another document is stored meanwhile.
    assert store_draft(db_settings, tmp_path, real_pdf, unit="440307001").version == 1
    # A writer of the same document waits (here 2 × 0.5 s), then says who holds it.
    impatient = db_settings.model_copy(update={"placement_lease_seconds": 0.5})
    with pytest.raises(ArchiveError, match=f"“{FOLDER}”正由 {OTHER_HOST} pid {pid} 写入"):
        store_draft(impatient, tmp_path, real_pdf, unit="440307002")

    assert (folder / "440307002_2025_year_summary.pdf").read_bytes() == b"writer A's PDF"
    assert _leases(db_settings) == [(FOLDER, f"{OTHER_HOST} pid {pid}")]
    assert _versions_of(db_settings, "440307002") == []


_STALLED = """
import sys
from pathlib import Path
from wenshu.archive import store
from wenshu.errors import ArchiveError
from wenshu.settings import Settings

place = store.Archive._place_files
def stalled(self, *args):
    placed = place(self, *args)
    print("placed", flush=True)  # then it stalls (a hung mount, a paused machine) past its lease
    sys.stdin.readline()
    return placed

store.Archive._place_files = stalled
settings = Settings(home=sys.argv[1], database_url=sys.argv[2], archive_root=Path(sys.argv[3]),
                    placement_lease_seconds=float(sys.argv[4]))
try:
    store.Archive(settings).store(
        store.DocumentKey("year_summary", "440307002", "2025"), title="西城街道2025年度工作总结",
        files={"docx": sys.argv[5], "pdf": sys.argv[6]}, template_name="year_summary.docx",
        template_sha256="t1", input_sha256="stalled")
except ArchiveError as exc:
    print(exc, flush=True)
    sys.exit(3)
"""


def test_a_writer_stalled_past_its_lease_cannot_record_what_was_cleaned_up(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    kept = store_draft(db_settings, tmp_path, real_pdf)
    archive = Archive(db_settings)
    folder = archive.root / FOLDER
    child = subprocess.Popen(
        [sys.executable, "-c", _STALLED, str(tmp_path / "host-a"), db_settings.db_url,
         str(db_settings.archive_dir), "1.0", str(kept.files["docx"].path), str(real_pdf)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "placed\n"
        assert folder.is_dir()
        while _seconds_left(db_settings) >= 0:
            time.sleep(0.1)
        assert archive.recover() == [folder]
    finally:
        said, _ = child.communicate("go\n", timeout=120)
    # Its transaction finds the lease gone, so it records nothing and says so.
    assert child.returncode == 3 and "其他进程已接管清理" in said, said
    assert not folder.exists() and _versions_of(db_settings, "440307002") == []
    assert _leases(db_settings) == []

    assert store_draft(db_settings, tmp_path, real_pdf, unit="440307002").version == 1
    assert verify_archive(db_settings, actor=staff.archivist).ok
