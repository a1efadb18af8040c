"""Access: roles over unit subtrees, refusals logged; the append-only audit log; disposal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from tests.conftest import OFFICE_ARCHIVIST, Staff
from tests.drafts import store_draft
from tests.people import ADMIN, add_user
from wenshu.access import Actor, resolve_actor
from wenshu.accounts import add_user as add_by
from wenshu.accounts import create_first_administrator, update_user
from wenshu.archive.audit import check_chain, events
from wenshu.archive.filing import file_version, filing_history
from wenshu.archive.reading import download, view_document
from wenshu.archive.retention import dispose, due_on, due_records
from wenshu.archive.search import SearchQuery, search
from wenshu.db import get_engine
from wenshu.errors import AccessDenied, AccessError, ArchiveError, CodeError
from wenshu.settings import Settings

COMMUNITY = frozenset({"440307001001"})


@pytest.mark.parametrize(("actor", "action", "unit", "filed", "allowed"), [
    (Actor("c", "clerk", "440307001001", COMMUNITY), "file", "440307001001", None, True),
    (Actor("c", "clerk", "440307001001", COMMUNITY), "file", "440307001", None, False),
    (Actor("c", "clerk", "440307001001", COMMUNITY), "inspect", "440307001001", None, False),
    (Actor("c", "clerk", "440307001001", COMMUNITY), "export", None, None, False),
    (Actor("s", "supervisor", "440307001", frozenset({"440307001", "440307001001"})),
     "inspect", "440307001001", None, True),
    (Actor("a", "archivist", None, None), "view", "440307", True, True),
    (Actor("a", "archivist", None, None), "view", "440307", False, False),
    (Actor("a", "archivist", None, None), "file", "440307", None, False),
    (Actor("a", "archivist", None, None), "generate", "440307", None, False),
    (Actor("a", "archivist", None, None), "dispose", None, None, True),
])
def test_roles_allow_within_their_subtree(actor: Actor, action: str, unit: str | None,
                                          filed: bool | None, allowed: bool) -> None:
    assert (actor.refusal(action, unit, filed=filed) is None) is allowed


def test_users_are_checked_when_added(db_settings: Settings, staff: Staff) -> None:
    assert staff.supervisor.units is not None and len(staff.supervisor.units) == 8
    assert staff.clerk.units == COMMUNITY and staff.archivist.units is None
    with pytest.raises(AccessError, match="没有角色“boss”"):
        add_user(db_settings, "x", "boss", "440307")
    with pytest.raises(AccessError, match="须指定所在单位"):
        add_user(db_settings, "x", "clerk")
    with pytest.raises(AccessError, match="没有单位代码“999”"):
        add_user(db_settings, "x", "clerk", "999")
    with pytest.raises(CodeError, match="只能由字母、数字"):
        add_user(db_settings, "x", "clerk", "../../x")
    with pytest.raises(AccessError, match="已存在"):
        add_user(db_settings, staff.clerk.name, "clerk", "440307001001")
    with pytest.raises(AccessError, match="没有用户“nobody”"):
        resolve_actor(db_settings, "nobody")
    with pytest.raises(AccessError, match="WENSHU_USER"):
        resolve_actor(db_settings)
    admin = resolve_actor(db_settings, ADMIN)
    moved = update_user(db_settings, staff.clerk.name, by=admin, unit_code="440307002001")
    assert resolve_actor(db_settings, staff.clerk.name) == moved
    assert [e.detail for e in events(db_settings, action="user")][-1] == {
        "op": "update", "was": {"role": "clerk", "unit": "440307001001", "disabled": False},
        "now": {"role": "clerk", "unit": "440307002001", "disabled": False}}


def test_only_administrators_manage_users(db_settings: Settings, staff: Staff) -> None:
    """A supervisor cannot add a supervisor (the reported impersonation), nor can anyone
    make a second first administrator; the refusals are in the audit log."""
    with pytest.raises(AccessDenied, match="无权管理用户和单位"):
        add_by(db_settings, "冒充者", "supervisor", "440307", by=staff.supervisor)
    with pytest.raises(AccessDenied, match="已有管理员"):
        create_first_administrator(db_settings, "冒充者", "long-enough-1")
    with pytest.raises(AccessDenied):
        update_user(db_settings, staff.clerk.name, by=staff.clerk, role="supervisor")
    assert [(e.agent, e.action, e.target) for e in events(db_settings, outcome="refused")] == [
        (staff.supervisor.name, "manage", "user:冒充者"),
        (staff.clerk.name, "manage", f"user:{staff.clerk.name}")]
    admin = resolve_actor(db_settings, ADMIN)
    with pytest.raises(AccessError, match="唯一的管理员"):
        update_user(db_settings, ADMIN, by=admin, disabled=True)
    update_user(db_settings, staff.clerk.name, by=admin, disabled=True)
    with pytest.raises(AccessError, match="已停用"):
        resolve_actor(db_settings, staff.clerk.name)


def test_the_audit_log_only_grows_and_its_chain_shows_tampering(db_settings: Settings,
                                                                staff: Staff) -> None:
    assert len(events(db_settings)) == 4 and check_chain(db_settings) == []
    engine = get_engine(db_settings)
    for statement in ("UPDATE audit_events SET agent = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert len(events(db_settings)) == 4
    # Someone with the database owner's rights drops the guard and rewrites an event.
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_events_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_events_no_delete"))
        conn.execute(sa.text("UPDATE audit_events SET agent = 'someone' WHERE id = 1"))
        conn.execute(sa.text("DELETE FROM audit_events WHERE id = 2"))
    assert check_chain(db_settings) == [
        "审计记录 #1 写入后被改动", "审计记录 #3 与前一条记录接不上（有记录被删除或调换）"]


def test_drafts_are_for_the_units_staff_filed_records_for_archivists(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    draft = store_draft(db_settings, tmp_path, real_pdf, unit="440307001")
    with pytest.raises(AccessDenied, match="不能操作单位 440307001"):
        view_document(db_settings, draft.document_id, actor=staff.clerk)
    with pytest.raises(AccessDenied, match="是草稿，不是档案"):
        view_document(db_settings, draft.document_id, actor=staff.archivist)
    with pytest.raises(AccessDenied, match="草稿"):
        download(db_settings, draft.document_id, "pdf", tmp_path, actor=staff.archivist)
    assert [r.status for r in view_document(db_settings, draft.document_id,
                                            actor=staff.supervisor)] == ["draft"]

    filed = file_version(db_settings, draft.document_id, actor=staff.supervisor)
    store_draft(db_settings, tmp_path, real_pdf, unit="440307001", inputs="i2")  # a newer draft
    seen = view_document(db_settings, draft.document_id, actor=staff.archivist)
    assert [(r.version, r.status) for r in seen] == [(1, "filed")]
    out = download(db_settings, draft.document_id, "pdf_filed", tmp_path / "out.pdf",
                   actor=staff.archivist)
    assert out.read_bytes() == filed.files["pdf_filed"].path.read_bytes()

    log = [(e.agent, e.action, e.outcome, e.target) for e in events(db_settings)
           if e.action != "user"]
    document = f"document:{draft.document_id}"
    assert log == [
        (staff.clerk.name, "view", "refused", document),
        (staff.archivist.name, "view", "refused", document),
        (staff.archivist.name, "download", "refused", f"document:{draft.document_id}/v1"),
        (staff.supervisor.name, "view", "ok", document),
        (staff.supervisor.name, "file", "ok", filed.archival_code),
        (staff.archivist.name, "view", "ok", document),
        (staff.archivist.name, "download", "ok", filed.archival_code),
    ]


def test_a_refused_generation_is_logged(office: Path, wenshu: Callable[..., str]) -> None:
    out = wenshu("--user", OFFICE_ARCHIVIST, "summary", "year", "--unit", "440307",
                 "--year", "2025", expect=1)
    assert "拒绝" in out and "无权生成" in out
    assert "refused" in wenshu("archive", "log", "--refused")
    assert "No documents" in wenshu("--user", OFFICE_ARCHIVIST, "archive", "search")


def test_retention_runs_from_the_year_after() -> None:
    assert due_on(2025, "D10") == date(2036, 1, 1)
    assert due_on(2025, "D30") == date(2056, 1, 1)
    assert due_on(2025, "Y") is None


def test_disposal_destroys_files_and_keeps_the_catalogue_entry(
        db_settings: Settings, staff: Staff, real_pdf: Path, tmp_path: Path) -> None:
    short = store_draft(db_settings, tmp_path, real_pdf, unit="440307001")
    kept = store_draft(db_settings, tmp_path, real_pdf, unit="440307002")
    record = file_version(db_settings, short.document_id, actor=staff.supervisor, retention="D10")
    file_version(db_settings, kept.document_id, actor=staff.supervisor, retention="Y")
    folder = record.files["pdf"].path.parent
    digests = {fmt: f.sha256 for fmt, f in record.files.items()}

    assert due_records(db_settings, actor=staff.archivist, on=date(2035, 12, 31)) == []
    (due,) = due_records(db_settings, actor=staff.archivist, on=date(2036, 1, 1))
    assert (due.archival_code, due.due_on) == (record.archival_code, date(2036, 1, 1))
    assert (due.unit_code, due.unit_name) == ("440307001", "东城街道")
    with pytest.raises(AccessDenied):
        dispose(db_settings, short.document_id, 1, actor=staff.supervisor, reason="到期")
    with pytest.raises(ArchiveError, match="保管至 2036-01-01（定期10年，自 2025 年度起算），尚未到期"):
        dispose(db_settings, short.document_id, 1, actor=staff.archivist, reason="到期")
    with pytest.raises(ArchiveError, match="永久保存，不能销毁"):
        dispose(db_settings, kept.document_id, 1, actor=staff.archivist, reason="到期",
                on=date(2100, 1, 1))
    with pytest.raises(ArchiveError, match="销毁须写明原因"):
        dispose(db_settings, short.document_id, 1, actor=staff.archivist, reason=" ",
                on=date(2036, 1, 1))

    gone = dispose(db_settings, short.document_id, 1, actor=staff.archivist,
                   reason="经鉴定到期销毁（鉴定组2036-1号）", on=date(2036, 1, 1))
    assert (gone.status, gone.archival_code, gone.files) == ("disposed", record.archival_code, {})
    assert gone.disposed_by == staff.archivist.name and "鉴定组" in (gone.disposal_reason or "")
    assert not folder.exists()
    (event,) = events(db_settings, action="dispose", outcome="ok")
    assert event.target == record.archival_code and event.detail["files"] == digests
    assert due_records(db_settings, actor=staff.archivist, on=date(2036, 1, 1)) == []
    # Still in the catalogue: found by its 档号, no longer by its text.
    (hit,) = search(db_settings, SearchQuery(archival_code=record.archival_code),
                    actor=staff.archivist)
    assert (hit.document_id, hit.status) == (short.document_id, "disposed")
    assert search(db_settings, SearchQuery(text="440307001"), actor=staff.archivist) == []
    with pytest.raises(ArchiveError, match="已销毁"):
        download(db_settings, short.document_id, "pdf_filed", tmp_path, actor=staff.archivist)
    assert [r.status for r in filing_history(db_settings, short.document_id)] == ["disposed"]
