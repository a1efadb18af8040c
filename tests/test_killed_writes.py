"""A filing or a store killed before its commit leaves nothing behind that verify would flag.

The writer is a child process killed with SIGKILL at the worst moment (files placed,
database not yet committed); the next writer or verify run cleans up after it, and
leaves a placement still under way alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import Staff
from tests.drafts import store_draft
from wenshu.archive import Archive
from wenshu.archive.filing import file_version, filing_history
from wenshu.archive.verify import verify_archive
from wenshu.db import session_scope
from wenshu.models.tables import Document
from wenshu.settings import Settings

pytestmark = pytest.mark.soffice  # the filed PDFs are real LibreOffice PDF/A


def _relative(settings: Settings, path: Path) -> str:
    return path.relative_to(settings.archive_dir).as_posix()


_KILLED = """
import os, signal, sys
from wenshu.access import resolve_actor
from wenshu.archive import filing, store
from wenshu.settings import Settings

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

settings = Settings(home=sys.argv[1], database_url=sys.argv[2] or None)
if sys.argv[3] == "file":
    # After the stamped PDF and its metadata were placed, before the commit.
    filing.record_event = killed
    filing.file_version(settings, int(sys.argv[4]), actor=resolve_actor(settings, sys.argv[5]))
else:
    # After the version folder was renamed into place, before the commit.
    store.index_version = killed
    store.Archive(settings).store(
        store.DocumentKey("year_summary", "440307002", "2025"), title="西城街道2025年度工作总结",
        files={"docx": sys.argv[4], "pdf": sys.argv[5]}, template_name="year_summary.docx",
        template_sha256="t1", input_sha256="killed")
"""


KILLED_LEASE = 1.0  # seconds: the killed child's leases, so the test sees them expire


def _killed(settings: Settings, *args: str) -> None:
    """Run the child and wait until the leases it leaves behind have expired."""
    env = {**os.environ, "WENSHU_PLACEMENT_LEASE_SECONDS": str(KILLED_LEASE)}
    child = subprocess.run([sys.executable, "-c", _KILLED, str(settings.home),
                            settings.database_url or "", *args], capture_output=True, text=True,
                           timeout=120, env=env)
    assert child.returncode == -9, child.stderr
    time.sleep(KILLED_LEASE + 0.2)


def test_a_filing_killed_before_its_commit_leaves_no_record_and_no_file(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    draft = store_draft(db_settings, tmp_path, real_pdf)
    folder = draft.files["pdf"].path.parent
    before = sorted(p.name for p in folder.iterdir())
    _killed(db_settings, "file", str(draft.document_id), staff.supervisor.name)
    stamped = folder / f"{draft.files['pdf'].path.stem}_filed.pdf"
    assert stamped.exists()  # it was killed after placing the stamped copy

    report = verify_archive(db_settings, actor=staff.archivist)
    assert report.ok, report.problems
    assert sorted(report.recovered) == sorted(_relative(db_settings, folder / n) for n in (
        stamped.name, f"{draft.files['pdf'].path.stem}_filed.dat46.json"))
    assert sorted(p.name for p in folder.iterdir()) == before
    assert Archive(db_settings).placements_under_way() == frozenset()
    assert list((db_settings.archive_dir / ".staging").iterdir()) == []
    (record,) = filing_history(db_settings, draft.document_id)
    assert (record.status, record.archival_code) == ("draft", None)
    filed = file_version(db_settings, draft.document_id, actor=staff.supervisor)
    assert filed.archival_code == "0194-WS·2025-Y-BGS-0001"
    assert verify_archive(db_settings, actor=staff.archivist).ok


def test_a_store_killed_before_its_commit_is_recovered_at_the_next_store(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    kept = store_draft(db_settings, tmp_path, real_pdf)
    _killed(db_settings, "store", str(kept.files["docx"].path), str(real_pdf))
    archive = Archive(db_settings)
    folder = archive.root / "year_summary" / "440307002" / "2025" / "v0001"
    assert archive.placements_under_way() == {_relative(db_settings, folder)}
    assert sorted(p.suffix for p in folder.iterdir()) == [".docx", ".pdf"]
    assert _documents_of(db_settings, "440307002") == 0

    stored = store_draft(db_settings, tmp_path, real_pdf, unit="440307002")
    assert (stored.version, stored.files["pdf"].path.parent) == (1, folder)
    assert archive.placements_under_way() == frozenset()
    report = verify_archive(db_settings, actor=staff.archivist)
    assert report.ok and report.recovered == (), report.problems


_PAUSED = """
import sys
from wenshu.archive import store
from wenshu.settings import Settings

index = store.index_version
def paused(session, version_id, text):
    # After the version folder was renamed into place, before the commit.
    print("placed", flush=True)
    sys.stdin.readline()
    index(session, version_id, text)

store.index_version = paused
settings = Settings(home=sys.argv[1], database_url=sys.argv[2] or None)
store.Archive(settings).store(
    store.DocumentKey("year_summary", "440307002", "2025"), title="西城街道2025年度工作总结",
    files={"docx": sys.argv[3], "pdf": sys.argv[4]}, template_name="year_summary.docx",
    template_sha256="t1", input_sha256="paused")
"""


def test_recovery_leaves_a_placement_under_way_alone(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    kept = store_draft(db_settings, tmp_path, real_pdf)
    child = subprocess.Popen([sys.executable, "-c", _PAUSED, str(db_settings.home),
                              db_settings.database_url or "", str(kept.files["docx"].path),
                              str(real_pdf)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "placed\n"
        archive = Archive(db_settings)
        folder = "year_summary/440307002/2025/v0001"
        assert archive.recover() == []
        assert archive.placements_under_way() == {folder}
        assert (archive.root / folder).is_dir()
    finally:
        child.communicate("go\n", timeout=120)
    assert child.returncode == 0
    assert _documents_of(db_settings, "440307002") == 1
    assert verify_archive(db_settings, actor=staff.archivist).ok


def _documents_of(settings: Settings, unit_code: str) -> int:
    with session_scope(settings) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Document)
                              .where(Document.unit_code == unit_code)) or 0
