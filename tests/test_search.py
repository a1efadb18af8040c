"""Searching the archive: Chinese full text (ranked, highlighted), unit subtree, period, kind,
filing data; the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document as new_docx

from wenshu.archive import Archive, DocumentKey, StoredVersion
from wenshu.archive.search import SearchError, SearchQuery, index_version, search
from wenshu.archive.text import TextExtractionError, docx_text
from wenshu.db import get_engine, session_scope
from wenshu.errors import NotFoundError
from wenshu.settings import Settings

FileDocument = Callable[..., StoredVersion]


def _write_docx(path: Path, paragraphs: list[str], rows: list[list[str]] | None = None) -> Path:
    document = new_docx()
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    document.save(str(path))
    return path


@pytest.fixture
def file_document(db_settings: Settings, small_tree, tmp_path: Path) -> FileDocument:
    """Archive a Word document with the given paragraphs and index it as Archive.store will."""
    archive = Archive(db_settings)
    counter = iter(range(1_000_000))

    def store(unit: str, period: str, *paragraphs: str, kind: str = "year_summary",
              title: str = "工作总结", rows: list[list[str]] | None = None) -> StoredVersion:
        n = next(counter)
        docx = _write_docx(tmp_path / f"d{n}.docx", list(paragraphs), rows)
        stored = archive.store(DocumentKey(kind, unit, period), title=title, files={"docx": docx},
                               template_name="t.docx", template_sha256="t", input_sha256=f"i{n}")
        with session_scope(db_settings) as session:
            version_id = session.scalar(sa.text(
                "SELECT v.id FROM document_versions v WHERE v.document_id = :d AND v.version = :n"),
                {"d": stored.document_id, "n": stored.version})
            index_version(session, version_id, docx_text(stored.files["docx"].path))
        return stored

    return store


def _ids(hits) -> list[int]:
    return [hit.document_id for hit in hits]


def test_docx_text_reads_paragraphs_and_tables(tmp_path):
    path = _write_docx(tmp_path / "a.docx", ["一、主要指标完成情况", "孕环情检查受检率92.80%。"],
                       rows=[["序号", "指标"], ["1", "流动人口服务覆盖率"]])
    text = docx_text(path)
    assert text.splitlines() == ["一、主要指标完成情况", "孕环情检查受检率92.80%。",
                                 "序号 | 指标", "1 | 流动人口服务覆盖率"]


def test_docx_text_rejects_a_file_that_is_not_word(tmp_path):
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"docx a")
    with pytest.raises(TextExtractionError, match="fake.docx"):
        docx_text(fake)


def test_chinese_text_is_found_ranked_and_highlighted(db_settings, file_document):
    often = file_document("440307001", "2025", "流动人口服务管理扎实推进。",
                          "全年走访流动人口1200户，流动人口登记率98%。")
    once = file_document("440307002", "2025", "开展宣传活动12场，其中流动人口专场2场。")
    other = file_document("440307900", "2025", "组织孕检服务3次，孕检覆盖率95%。")
    swapped = file_document("440307", "2025", "人口流动加快，动人的故事很多。")

    hits = search(db_settings, SearchQuery(text="流动人口"))
    assert _ids(hits) == [often.document_id, once.document_id]
    assert hits[0].score > hits[1].score > 0
    assert "【流动人口】" in hits[0].snippet and "【流动人口】" in hits[1].snippet
    assert (hits[0].unit_code, hits[0].unit_name, hits[0].period) == ("440307001", "东城街道", "2025")

    assert _ids(search(db_settings, SearchQuery(text="孕检"))) == [other.document_id]
    assert "【孕检】" in search(db_settings, SearchQuery(text="孕检"))[0].snippet
    assert swapped.document_id not in _ids(search(db_settings, SearchQuery(text="流动人口")))
    assert _ids(search(db_settings, SearchQuery(text="流动人口 专场"))) == [once.document_id]
    assert search(db_settings, SearchQuery(text="计划生育")) == []


def test_single_characters_and_mixed_digits(db_settings, file_document):
    first = file_document("440307001", "2025", "共发放宣传资料8900份。")
    second = file_document("440307002", "2025", "2025年入户随访覆盖率达到96%。")
    assert _ids(search(db_settings, SearchQuery(text="份"))) == [first.document_id]
    assert _ids(search(db_settings, SearchQuery(text="2025年"))) == [second.document_id]
    assert _ids(search(db_settings, SearchQuery(text="96"))) == [second.document_id]


def test_table_cells_are_searchable(db_settings, file_document):
    stored = file_document("440307001", "2025", "各项指标完成情况见表1。",
                           rows=[["指标", "完成值"], ["孕环情检查受检率", "92.80%"]])
    hits = search(db_settings, SearchQuery(text="受检率"))
    assert _ids(hits) == [stored.document_id]
    assert "【受检率】" in hits[0].snippet


def test_filters_alone_and_with_text(db_settings, file_document):
    street = file_document("440307001", "2025", "流动人口服务。")
    community = file_document("440307001001", "2025", "流动人口走访。")
    old = file_document("440307001001", "2024", "流动人口走访。")
    plan = file_document("440307001001", "2026", "流动人口计划。", kind="work_plan")
    elsewhere = file_document("440307002001", "2025", "流动人口服务。")

    def found(**filters) -> set[int]:
        return set(_ids(search(db_settings, SearchQuery(**filters))))

    assert found(unit_code="440307001") == {street.document_id}
    assert found(unit_code="440307001", subtree=True) == {
        street.document_id, community.document_id, old.document_id, plan.document_id}
    assert found(unit_code="440307001", subtree=True, year=2025) == {
        street.document_id, community.document_id}
    assert found(kind="work_plan") == {plan.document_id}
    assert found(period="2024") == {old.document_id}
    assert found(text="流动人口", unit_code="440307002", subtree=True) == {elsewhere.document_id}
    assert found(text="走访", year=2025) == {community.document_id}
    newest_first = search(db_settings, SearchQuery(year=2025))
    assert _ids(newest_first) == [elsewhere.document_id, community.document_id,
                                  street.document_id]
    assert newest_first[0].snippet == "流动人口服务。"
    assert len(search(db_settings, SearchQuery(limit=2))) == 2
    with pytest.raises(NotFoundError, match="999"):
        search(db_settings, SearchQuery(unit_code="999"))


def test_only_the_latest_version_is_searched_unless_asked(db_settings, file_document):
    first = file_document("440307001", "2025", "初稿提到孕检工作。")
    second = file_document("440307001", "2025", "定稿只写流动人口。")
    assert second.document_id == first.document_id and second.version == 2
    assert search(db_settings, SearchQuery(text="孕检")) == []
    older = search(db_settings, SearchQuery(text="孕检", all_versions=True))
    assert [(h.document_id, h.version) for h in older] == [(first.document_id, 1)]
    assert [h.version for h in search(db_settings, SearchQuery(unit_code="440307001"))] == [2]


def test_reindexing_a_version_replaces_its_text(db_settings, file_document):
    stored = file_document("440307001", "2025", "原文写的是孕检。")
    with session_scope(db_settings) as session:
        version_id = session.scalar(sa.text("SELECT id FROM document_versions"))
        index_version(session, version_id, "改为流动人口。")
        index_version(session, version_id, "改为流动人口。")  # unchanged: a no-op
    assert search(db_settings, SearchQuery(text="孕检")) == []
    assert _ids(search(db_settings, SearchQuery(text="流动人口"))) == [stored.document_id]
    with session_scope(db_settings) as session, pytest.raises(NotFoundError):
        index_version(session, 12345, "无")


def test_filing_filters_need_the_filing_columns(db_settings, file_document):
    kept = file_document("440307001", "2025", "永久保存的总结。")
    file_document("440307002", "2025", "定期保存的总结。")
    engine = get_engine(db_settings)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("document_versions")}
    if "retention" not in columns:
        with pytest.raises(SearchError, match="retention"):
            search(db_settings, SearchQuery(retention="Y"))
        # What the filing migration adds; a fresh database URL is inspected afresh.
        from wenshu.archive import search as search_module

        with engine.begin() as conn:
            for name in ("status", "retention", "archival_code"):
                conn.execute(sa.text(f"ALTER TABLE document_versions ADD COLUMN {name} "
                                     "VARCHAR(64)"))
        search_module._filing_cache.clear()
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE document_versions SET status = 'filed', retention = 'Y', "
                             "archival_code = '0194-WS·2025-Y-BGS-0001' WHERE document_id = :d"),
                     {"d": kept.document_id})
    hits = search(db_settings, SearchQuery(text="总结", retention="Y"))
    assert _ids(hits) == [kept.document_id]
    assert (hits[0].status, hits[0].archival_code) == ("filed", "0194-WS·2025-Y-BGS-0001")
    assert _ids(search(db_settings, SearchQuery(archival_code="0194-WS·2025"))) == [
        kept.document_id]
    assert _ids(search(db_settings, SearchQuery(status="filed", year=2025))) == [kept.document_id]


def test_queries_without_searchable_characters_are_refused(db_settings):
    with pytest.raises(SearchError, match="nothing to search"):
        search(db_settings, SearchQuery(text="，。！"))
    with pytest.raises(SearchError, match="limit"):
        search(db_settings, SearchQuery(limit=0))
