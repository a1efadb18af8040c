"""Which version of a document a search shows: the newest, an archivist's newest record,
every version when asked; after corrections, new drafts and deleted drafts; and the
migrations that re-index and that list the versions a newer one hides (older_versions)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.searching import marked, migrate, version_id_of
from wenshu.archive.filing import file_version
from wenshu.archive.search import SearchQuery, search, unindex_version
from wenshu.db import get_engine, session_scope
from wenshu.settings import Settings


def _ids(hits) -> list[int]:
    return [hit.document_id for hit in hits]


def test_only_the_latest_version_is_searched_unless_asked(db_settings, staff, file_document):
    first = file_document("440307001", "2025", "初稿提到孕检工作。")
    second = file_document("440307001", "2025", "定稿只写流动人口。")
    assert second.document_id == first.document_id and second.version == 2

    def find(**asked) -> list[tuple[int, int]]:
        hits = search(db_settings, SearchQuery(**asked), actor=staff.supervisor)
        return [(hit.document_id, hit.version) for hit in hits]

    assert find(text="孕检") == []
    assert find(text="孕检", all_versions=True) == [(first.document_id, 1)]
    assert find(unit_code="440307001") == [(first.document_id, 2)]
    assert find(unit_code="440307001", all_versions=True) == [(first.document_id, 2),
                                                               (first.document_id, 1)]


@pytest.mark.soffice
def test_a_deleted_draft_shows_the_version_it_hid_again(db_settings, staff, file_document,
                                                       real_pdf):  # noqa: F811
    filed = file_document("440307001", "2025", "已归档：流动人口服务。", pdf=real_pdf)
    file_version(db_settings, filed.document_id, actor=staff.supervisor)
    draft = file_document("440307001", "2025", "新草稿：流动人口服务管理。")

    def shown(actor) -> list[tuple[int, int, str]]:
        hits = search(db_settings, SearchQuery(text="流动人口"), actor=actor)
        return [(hit.document_id, hit.version, hit.status) for hit in hits]

    assert shown(staff.supervisor) == [(filed.document_id, 2, "draft")]
    assert shown(staff.archivist) == [(filed.document_id, 1, "filed")]
    _delete_draft(db_settings, version_id_of(db_settings, draft))
    assert shown(staff.supervisor) == [(filed.document_id, 1, "filed")]
    assert shown(staff.archivist) == [(filed.document_id, 1, "filed")]
    assert [hit.version for hit in search(db_settings, SearchQuery(unit_code="440307001"),
                                          actor=staff.supervisor)] == [1]


def _delete_draft(settings: Settings, version_id: int) -> None:
    """Delete a draft version: its text first, then its files and the version."""
    with session_scope(settings) as session:
        unindex_version(session, version_id)
        session.execute(sa.text("DELETE FROM stored_files WHERE version_id = :id"),
                        {"id": version_id})
        session.execute(sa.text("DELETE FROM document_versions WHERE id = :id"),
                        {"id": version_id})


@pytest.mark.soffice
def test_hidden_versions_follow_each_change_before_and_after_0016(db_settings, staff,
                                                                  file_document, real_pdf):
    """older_versions after new drafts, a deleted draft and a correction filed: with the
    triggers of migration 0016, with 0015's after a downgrade, and after upgrading again."""

    def hidden(document_id: int) -> dict[int, bool]:
        with session_scope(db_settings) as session:
            return {row.version: bool(row.newer_record) for row in session.execute(sa.text(
                "SELECT v.version, o.newer_record FROM older_versions o JOIN "
                "document_versions v ON v.id = o.version_id WHERE v.document_id = :d"),
                {"d": document_id})}

    def follow(unit: str) -> None:
        first = file_document(unit, "2025", "第一稿。", pdf=real_pdf)
        document_id = first.document_id
        file_version(db_settings, document_id, actor=staff.supervisor)
        assert hidden(document_id) == {}
        file_document(unit, "2025", "第二稿。", pdf=real_pdf)
        assert hidden(document_id) == {1: False}  # hidden by a draft, not by a record
        third = file_document(unit, "2025", "第三稿。")
        assert hidden(document_id) == {1: False, 2: False}
        _delete_draft(db_settings, version_id_of(db_settings, third))
        assert hidden(document_id) == {1: False}  # the second is newest again
        file_version(db_settings, document_id, actor=staff.supervisor, reason="更正")
        assert hidden(document_id) == {1: True}  # superseded by a filed record

    follow("440307001")
    migrate(db_settings, "0015", down=True)
    follow("440307002")
    migrate(db_settings, "head")
    follow("440307900")


@pytest.mark.soffice
def test_archivists_see_filed_records_never_drafts(db_settings, staff, file_document,
                                                   real_pdf):  # noqa: F811
    # Filed, then corrected and filed again: version 1 superseded, version 2 filed.
    corrected = file_document("440307001", "2025", "初稿：流动人口走访。", pdf=real_pdf)
    file_version(db_settings, corrected.document_id, actor=staff.supervisor, retention="D30")
    file_document("440307001", "2025", "更正：流动人口走访1200户。", pdf=real_pdf)
    second = file_version(db_settings, corrected.document_id, actor=staff.supervisor,
                          retention="D30", reason="补录台账")
    # Filed, then a newer draft not filed yet.
    pending = file_document("440307002", "2025", "已归档：流动人口服务。", pdf=real_pdf)
    filed = file_version(db_settings, pending.document_id, actor=staff.supervisor)
    file_document("440307002", "2025", "新草稿：流动人口服务管理。", pdf=real_pdf)
    draft = file_document("440307900", "2025", "草稿：流动人口宣传。", pdf=real_pdf)

    def found(actor, **asked) -> list[tuple[int, int, str]]:
        hits = search(db_settings, SearchQuery(**asked), actor=actor)
        return sorted((hit.document_id, hit.version, hit.status) for hit in hits)

    records = [(corrected.document_id, 2, "filed"), (pending.document_id, 1, "filed")]
    assert found(staff.archivist, text="流动人口") == records
    assert found(staff.archivist) == records
    assert found(staff.archivist, text="草稿") == []
    assert found(staff.archivist, text="初稿", all_versions=True) == [
        (corrected.document_id, 1, "superseded")]
    assert found(staff.archivist, status="draft") == []
    assert found(staff.supervisor, text="流动人口") == [
        (corrected.document_id, 2, "filed"), (pending.document_id, 2, "draft"),
        (draft.document_id, 1, "draft")]
    # Filing data: retention and 档号 (or its beginning).
    assert found(staff.archivist, retention="D30", text="流动人口") == [
        (corrected.document_id, 2, "filed")]
    (hit,) = search(db_settings, SearchQuery(archival_code=filed.archival_code),
                    actor=staff.archivist)
    assert (hit.document_id, hit.archival_code, hit.retention) == (
        pending.document_id, filed.archival_code, "Y")
    assert found(staff.archivist, archival_code="0194-WS·2025-D30") == [
        (corrected.document_id, 2, "filed")]
    assert second.archival_code.startswith("0194-WS·2025-D30")


# -- the migration ---------------------------------------------------------------


def _old_index(settings: Settings, phrase: str) -> set[int]:
    """Version ids 0006's index finds for a phrase of its (unfolded) bigrams."""
    with get_engine(settings).connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.execute(sa.text(
                "SELECT version_id FROM search_texts "
                "WHERE tokens @@ to_tsquery('simple', :q)"), {"q": " <-> ".join(phrase.split())})
        else:
            rows = conn.execute(sa.text("SELECT rowid FROM search_fts WHERE search_fts MATCH :q"),
                                {"q": f'"{phrase}"'})
        return {row[0] for row in rows}


def test_migration_reindexes_existing_versions_and_downgrades(db_settings, staff,
                                                              file_document):
    simplified = file_document("440307001", "2025", "全年走访流动人口1200户。")
    corrected = file_document("440307001", "2025", "第二版：流动人口登记。")
    traditional = file_document("440307002", "2025", "全年走訪流動人口。", script="traditional")
    first, second, other = (version_id_of(db_settings, stored)
                            for stored in (simplified, corrected, traditional))

    migrate(db_settings, "0006", down=True)
    # 0006's index: unfolded tokens, and which version is each document's latest.
    assert _old_index(db_settings, "流动 动人 人口") == {first, second}
    assert _old_index(db_settings, "流動 動人 人口") == {other}
    with get_engine(db_settings).connect() as conn:
        latest = dict(conn.execute(sa.text("SELECT version_id, is_latest FROM search_texts")).all())
    assert latest == {first: False, second: True, other: True}

    migrate(db_settings, "head")
    hits = search(db_settings, SearchQuery(text="流动人口"), actor=staff.supervisor)
    assert sorted((h.document_id, h.version) for h in hits) == [
        (simplified.document_id, 2), (traditional.document_id, 1)]
    (hit,) = search(db_settings, SearchQuery(text="流动人口", unit_code="440307002"),
                    actor=staff.supervisor)
    assert "【流動人口】" in marked(hit.snippet)
    assert search(db_settings, SearchQuery(text="走访", all_versions=True, year=2025,
                                           script="simplified"), actor=staff.supervisor)[0] \
        .version == 1
    # Index entries stay removable after the rebuild (SQLite repeats the tokens to delete).
    with session_scope(db_settings) as session:
        unindex_version(session, other)
    assert _ids(search(db_settings, SearchQuery(text="流动人口"), actor=staff.supervisor)) == [
        simplified.document_id]


def test_migration_to_bounded_ranking_keeps_every_score(db_settings, staff, file_document):
    file_document("440307001", "2025", "流动人口服务。流动人口登记。组织培训。")
    file_document("440307002", "2025", "全年走訪流動人口1200戶，培訓志願者。", script="traditional")
    file_document("440307900", "2025", "ＰＤＦ版本：流动人口宣传。")
    file_document("440307001001", "2025", "开展健康素养宣传活动。")

    def ranked() -> list[tuple[int, Decimal]]:
        return [(hit.document_id, hit.score) for text in ("流动人口", "流动人口 培训", "pdf")
                for hit in search(db_settings, SearchQuery(text=text), actor=staff.supervisor)]

    before = ranked()
    assert len(before) == 6 and all(score > 0 for _, score in before)
    migrate(db_settings, "0011", down=True)
    migrate(db_settings, "head")
    assert ranked() == before
