"""An archive share that is not mounted leaves an empty folder where the archive was. wenshu
then says 档案库无法访问 and writes nothing there (no other machine would see it), rather than
filing into it or calling every filed file lost; one file lost from a mounted archive is
still named as that file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.drafts import store_draft
from tests.outages import unmounted
from tests.web_client import Session, finished_job
from wenshu.archive import Archive
from wenshu.db import session_scope
from wenshu.errors import ArchiveError, ArchiveUnreachable
from wenshu.models.tables import DocumentVersion

UNREACHABLE = "档案库无法访问：档案存储中找不到已归档的文件（共享存储可能没有挂载）"


def _filed(settings, document_id: int) -> list[str | None]:  # noqa: ANN001
    with session_scope(settings) as session:
        return list(session.scalars(select(DocumentVersion.archival_code)
                                    .where(DocumentVersion.document_id == document_id)))


def test_filing_downloads_and_transfers_say_the_archive_is_not_there(
        web, db_settings, staff, real_pdf, tmp_path):
    first = store_draft(db_settings, tmp_path, real_pdf, unit="440307001")
    second = store_draft(db_settings, tmp_path, real_pdf, unit="440307002")
    supervisor = Session(web, staff.supervisor.name)
    archivist = Session(web, staff.archivist.name)
    assert supervisor.post(f"/documents/{first.document_id}/file", {}).status_code == 303
    root = db_settings.archive_dir
    with unmounted(root):
        filing = supervisor.post(f"/documents/{second.document_id}/file", {"version": "1"})
        download = supervisor.get(f"/documents/{first.document_id}/versions/1/pdf")
        for response in (filing, download):
            assert response.status_code == 503, response.text
            assert "<h1>档案库无法访问</h1>" in response.text and UNREACHABLE in response.text
            assert "Retry-After" not in response.headers  # it needs the administrator
            assert "缺失" not in response.text
        started = archivist.post("/archive/transfer", {"year": "2025"})
        transfer = finished_job(archivist, started.headers["location"])
        assert "失败" in transfer and UNREACHABLE in transfer and "缺失" not in transfer
        with pytest.raises(ArchiveUnreachable):
            store_draft(db_settings, tmp_path, real_pdf, unit="440307")
        assert list(root.rglob("*")) == []  # nothing written where no one else would see it
    assert _filed(db_settings, second.document_id) == [None]

    filed = supervisor.post(f"/documents/{second.document_id}/file", {"version": "1"})
    assert filed.status_code == 303, filed.text
    assert _filed(db_settings, second.document_id)[0].startswith("0194-")
    assert supervisor.get(f"/documents/{first.document_id}/versions/1/pdf").status_code == 200


def test_one_lost_file_is_named_as_lost_and_stops_nothing(db_settings, staff, real_pdf,
                                                          tmp_path: Path):
    first = store_draft(db_settings, tmp_path, real_pdf, unit="440307001")
    first.files["pdf"].path.unlink()  # the newest file of all, lost
    with pytest.raises(ArchiveError, match="^存储的文件缺失："):
        Archive(db_settings).verified(first.document_id, "pdf")
    later = store_draft(db_settings, tmp_path, real_pdf, unit="440307002")
    assert later.version == 1 and later.files["pdf"].path.exists()
