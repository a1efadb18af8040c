"""Filed records cannot drift in the database: triggers refuse every change the rules do not allow.

Each forbidden change is tried with SQL straight through the engine (as someone with
the application's database rights would), on SQLite and PostgreSQL; each allowed
move (filing, superseding, disposal, transfer import) still works.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject
from sqlalchemy.exc import DatabaseError

from tests.conftest import Staff
from tests.drafts import store_draft
from wenshu.archive.filing import file_version, filing_history
from wenshu.archive.retention import dispose
from wenshu.db import get_engine
from wenshu.models.tables import DocumentVersion, StoredFile
from wenshu.settings import Settings

_versions = DocumentVersion.__table__
_files = StoredFile.__table__

# A new value for every content field of a filed version.
CONTENT_CHANGES: dict[str, Any] = {
    "document_id": None,  # another document's id, filled in below
    "version": 7, "created_at": datetime(2000, 1, 1, tzinfo=UTC), "template_name": "x.docx",
    "template_sha256": "0" * 64, "input_sha256": "0" * 64, "flow_run_id": "forged",
    "issued_on": date(2000, 1, 1), "doc_number": "伪〔2000〕1号",
    "filed_at": datetime(2000, 1, 1, tzinfo=UTC), "filed_by": "someone", "fonds": "9999",
    "filing_year": 2000, "retention": "Y", "org_code": "XX", "item_number": 99,
    "archival_code": "9999-WS·2000-D10-XX-0099", "supersedes_id": None,
    "change_reason": "rewritten", "disposed_at": datetime(2000, 1, 1, tzinfo=UTC),
    "disposed_by": "someone", "disposal_reason": "rewritten",
}
FILE_CHANGES: dict[str, Any] = {"path": "elsewhere/x.pdf", "sha256": "0" * 64, "size": 1,
                                "format": "docx2"}


def _blank_pdf() -> bytes:
    """A small PDF to file (no PDF/A needed: these tests are about the database)."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    content = DecodedStreamObject()
    content.set_data(b"72 72 m 144 144 l S")
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _ids(settings: Settings) -> dict[str, int]:
    """Version ids by status, and another document's id."""
    with get_engine(settings).connect() as conn:
        rows = conn.execute(sa.select(_versions.c.id, _versions.c.status,
                                      _versions.c.document_id)).all()
    ids = {status: id_ for id_, status, _ in rows}
    ids["other_document"] = max(d for _, _, d in rows)
    return ids


@pytest.fixture
def filed(db_settings: Settings, staff: Staff, tmp_path: Path) -> dict[str, int]:
    """A superseded version, its filed correction, and a draft of another document."""
    pdf = _blank_pdf()
    first = store_draft(db_settings, tmp_path, pdf, issued_on=date(2026, 1, 15),
                        doc_number="示卫〔2026〕1号")
    file_version(db_settings, first.document_id, actor=staff.supervisor, retention="D10")
    store_draft(db_settings, tmp_path, pdf, inputs="i2", issued_on=date(2026, 1, 20))
    file_version(db_settings, first.document_id, actor=staff.supervisor, retention="D10",
                 reason="补录台账")
    store_draft(db_settings, tmp_path, pdf, unit="440307001")
    return _ids(db_settings)


def _refused(settings: Settings, statement: sa.Executable) -> str | None:
    """The database's refusal of ``statement`` (run in a transaction of its own), or None."""
    try:
        with get_engine(settings).begin() as conn:
            conn.execute(statement)
    except DatabaseError as exc:
        return str(exc.orig)
    return None


def _row(settings: Settings, table: sa.Table, id_: int) -> tuple[Any, ...]:
    with get_engine(settings).connect() as conn:
        return tuple(conn.execute(sa.select(table).where(table.c.id == id_)).one())


def test_no_content_field_of_a_filed_version_changes(db_settings: Settings,
                                                     filed: dict[str, int]) -> None:
    changes = {**CONTENT_CHANGES, "document_id": filed["other_document"],
               "supersedes_id": filed["draft"]}
    for status in ("filed", "superseded"):
        before = _row(db_settings, _versions, filed[status])
        allowed = [column for column, value in changes.items() if "immutable" not in (_refused(
            db_settings, sa.update(_versions).where(_versions.c.id == filed[status])
            .values({column: value})) or "")]
        assert allowed == [], f"a {status} version's {allowed} changed"
        assert _row(db_settings, _versions, filed[status]) == before


def test_status_moves_the_rules_do_not_allow_are_refused(db_settings: Settings,
                                                         filed: dict[str, int]) -> None:
    def move(status: str, to: str, **values: Any) -> str | None:
        return _refused(db_settings, sa.update(_versions).where(_versions.c.id == filed[status])
                        .values(status=to, **values))

    gone = {"disposed_at": datetime(2036, 1, 1, tzinfo=UTC), "disposed_by": "x",
            "disposal_reason": "x"}
    for status, to, values in [("filed", "draft", {}), ("superseded", "filed", {}),
                               ("superseded", "draft", {}), ("filed", "disposed", {}),
                               ("draft", "superseded", {}), ("draft", "disposed", gone),
                               ("draft", "filed", {})]:  # filed without its filing fields
        message = move(status, to, **values)
        assert message is not None and "immutable" in message, (status, to)
    assert "已归档的版本不可更改" in (move("filed", "draft") or "")


def test_no_filed_version_or_its_file_rows_go(db_settings: Settings,
                                              filed: dict[str, int]) -> None:
    for status in ("filed", "superseded"):
        message = _refused(db_settings, sa.delete(_versions)
                           .where(_versions.c.id == filed[status]))
        assert message is not None and "已归档的版本不可删除" in message
        rows = sa.select(_files.c.id).where(_files.c.version_id == filed[status])
        with get_engine(db_settings).connect() as conn:
            file_ids = list(conn.scalars(rows))
        assert len(file_ids) == 4  # docx, pdf, pdf_filed, dat46
        for file_id in file_ids:
            before = _row(db_settings, _files, file_id)
            for column, value in FILE_CHANGES.items():
                message = _refused(db_settings, sa.update(_files)
                                   .where(_files.c.id == file_id).values({column: value}))
                assert message is not None and "immutable" in message, (status, column)
            message = _refused(db_settings, sa.delete(_files).where(_files.c.id == file_id))
            assert message is not None and "until disposal" in message
            assert _row(db_settings, _files, file_id) == before
    # Nor may a draft's file row be moved onto a filed version.
    message = _refused(db_settings, sa.update(_files).where(
        _files.c.version_id == filed["draft"], _files.c.format == "docx")
        .values(version_id=filed["filed"], format="pdf_copy"))
    assert message is not None and "immutable" in message


def test_a_draft_changes_only_by_being_filed(db_settings: Settings,
                                             filed: dict[str, int]) -> None:
    for column in ("input_sha256", "template_sha256", "created_at", "issued_on", "doc_number",
                   "disposed_at"):
        message = _refused(db_settings, sa.update(_versions)
                           .where(_versions.c.id == filed["draft"])
                           .values({column: CONTENT_CHANGES[column]}))
        assert message is not None and "immutable" in message, column


@pytest.mark.postgres
@pytest.mark.parametrize("db_settings", ["postgresql"], indirect=True)
def test_postgresql_refuses_truncate(db_settings: Settings, filed: dict[str, int]) -> None:
    for table in ("stored_files", "document_versions"):
        message = _refused(db_settings, sa.text(f"TRUNCATE {table} CASCADE"))
        assert message is not None and "TRUNCATE" in message


def test_the_moves_the_rules_allow_pass(db_settings: Settings, staff: Staff,
                                        filed: dict[str, int]) -> None:
    # Filing (draft → filed) and a correction (filed → superseded) made the fixture.
    history = filing_history(db_settings, _document(db_settings, filed["filed"]))
    assert [r.status for r in history] == ["superseded", "filed"]
    assert [(r.issued_on, r.doc_number) for r in history] == [
        (date(2026, 1, 15), "示卫〔2026〕1号"), (date(2026, 1, 20), None)]
    # Disposal: filed or superseded → disposed with its fields; then its file rows go.
    gone = dispose(db_settings, history[0].document_id, 1, actor=staff.archivist,
                   reason="到期销毁", on=date(2036, 1, 1))
    assert (gone.status, gone.files) == ("disposed", {})
    assert _refused(db_settings, sa.update(_versions).where(_versions.c.id == filed["filed"])
                    .values(status="disposed", disposed_at=datetime(2036, 1, 2, tzinfo=UTC),
                            disposed_by="档案员", disposal_reason="到期")) is None
    assert _refused(db_settings, sa.delete(_files)
                    .where(_files.c.version_id == filed["filed"])) is None
    # A disposed record stays: neither deleted nor changed again.
    assert _refused(db_settings, sa.delete(_versions)
                    .where(_versions.c.id == filed["filed"])) is not None
    assert _refused(db_settings, sa.update(_versions).where(_versions.c.id == filed["filed"])
                    .values(disposal_reason="改写")) is not None
    # A draft is no record: its rows may go (its search entry first).
    assert _refused(db_settings, sa.delete(_files)
                    .where(_files.c.version_id == filed["draft"])) is None
    assert _refused(db_settings, sa.text("DELETE FROM search_texts WHERE version_id = :id")
                    .bindparams(id=filed["draft"])) is None
    assert _refused(db_settings, sa.delete(_versions)
                    .where(_versions.c.id == filed["draft"])) is None


def _document(settings: Settings, version_id: int) -> int:
    with get_engine(settings).connect() as conn:
        return conn.scalar(sa.select(_versions.c.document_id)
                           .where(_versions.c.id == version_id))
