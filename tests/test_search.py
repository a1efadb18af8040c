"""Searching the archive: Chinese full text (ranked, highlighted, Simplified and Traditional
alike), unit subtree, period, kind, filing data, who may see what; the same on SQLite and
PostgreSQL (which version is shown: test_search_versions)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.people import cli_add_user, cli_admin_and_units
from tests.searching import marked, version_id_of, write_docx
from wenshu.archive import Archive, DocumentKey, ranking
from wenshu.archive.audit import events
from wenshu.archive.bigrams import parse_query
from wenshu.archive.search import (
    Hit,
    SearchError,
    SearchQuery,
    index_version,
    search,
    unindex_version,
)
from wenshu.archive.snippets import Snippet, make_snippet
from wenshu.db import get_engine, session_scope
from wenshu.errors import AccessDenied, NotFoundError
from wenshu.settings import get_settings


def _ids(hits: list[Hit]) -> list[int]:
    return [hit.document_id for hit in hits]


def test_chinese_text_is_found_ranked_and_highlighted(db_settings, staff, file_document):
    often = file_document("440307001", "2025", "流动人口服务管理扎实推进。",
                          "全年走访流动人口1200户，流动人口登记率98%。")
    once = file_document("440307002", "2025", "开展宣传活动12场，其中流动人口专场2场。")
    other = file_document("440307900", "2025", "组织孕检服务3次，孕检覆盖率95%。")
    swapped = file_document("440307", "2025", "人口流动加快，动人的故事很多。")

    def find(text: str) -> list[Hit]:
        return search(db_settings, SearchQuery(text=text), actor=staff.supervisor)

    hits = find("流动人口")
    assert _ids(hits) == [often.document_id, once.document_id]
    assert hits[0].score > hits[1].score > 0
    assert "【流动人口】" in marked(hits[0].snippet) and "【流动人口】" in marked(hits[1].snippet)
    assert (hits[0].unit_code, hits[0].unit_name, hits[0].period) == ("440307001", "东城街道", "2025")
    assert hits[0].status == "draft"

    assert _ids(find("孕检")) == [other.document_id]
    assert "【孕检】" in marked(find("孕检")[0].snippet)
    assert swapped.document_id not in _ids(find("流动人口"))
    assert _ids(find("流动人口 专场")) == [once.document_id]
    assert find("计划生育") == []


def test_a_snippet_keeps_the_text_and_the_terms_places_apart() -> None:
    body = "前言。" * 20 + "【通知】关于流动人口服务的安排：流動人口登记。"
    snippet = make_snippet(body, parse_query("流动人口"))
    assert snippet.text.startswith("…") and "【通知】" in snippet.text
    assert [snippet.text[a:b] for a, b in snippet.marks] == ["流动人口", "流動人口"]
    assert [t for t, hit in snippet.parts() if hit] == ["流动人口", "流動人口"]
    assert "".join(t for t, _hit in snippet.parts()) == snippet.text
    assert marked(snippet, "[", "]").endswith("【通知】关于[流动人口]服务的安排：[流動人口]登记。")
    assert make_snippet("短文。", []) == Snippet("短文。")


def test_single_characters_and_mixed_digits(db_settings, staff, file_document):
    first = file_document("440307001", "2025", "共发放宣传资料8900份。")
    second = file_document("440307002", "2025", "2025年入户随访覆盖率达到96%。")

    def find(text: str) -> list[int]:
        return _ids(search(db_settings, SearchQuery(text=text), actor=staff.supervisor))

    assert find("份") == [first.document_id]
    assert find("2025年") == [second.document_id]
    assert find("９６") == [second.document_id]  # full-width digits are digits
    assert find("960") == []


def test_table_cells_are_searchable(db_settings, staff, file_document):
    stored = file_document("440307001", "2025", "各项指标完成情况见表1。",
                           rows=[["指标", "完成值"], ["孕环情检查受检率", "92.80%"]])
    hits = search(db_settings, SearchQuery(text="受检率"), actor=staff.supervisor)
    assert _ids(hits) == [stored.document_id]
    assert "【受检率】" in marked(hits[0].snippet)


def test_simplified_and_traditional_find_each_other(db_settings, staff, file_document):
    simplified = file_document("440307001", "2025", "全年走访流动人口1200户。")
    traditional = file_document("440307001", "2025", "全年走訪流動人口1200戶，衞生服務到家。",
                                script="traditional")
    file_document("440307002", "2025", "组织孕检服务3次。")

    def find(text: str, **filters: object) -> dict[int, Hit]:
        hits = search(db_settings, SearchQuery(text=text, **filters), actor=staff.supervisor)
        return {hit.document_id: hit for hit in hits}

    for typed in ("流动人口", "流動人口", "走访流动人口"):
        assert set(find(typed)) == {simplified.document_id, traditional.document_id}, typed
    found = find("流动人口")
    # Marked in the text as stored: each rendition in its own script.
    assert "【流動人口】" in marked(found[traditional.document_id].snippet)
    assert "【流动人口】" in marked(found[simplified.document_id].snippet)
    # Hong Kong forms (衞) fold too; the script filter narrows to one rendition.
    assert set(find("卫生服务")) == {traditional.document_id}
    assert "【衞生服務】" in marked(find("卫生服务")[traditional.document_id].snippet)
    assert set(find("流动人口", script="simplified")) == {simplified.document_id}


def test_filters_alone_and_with_text(db_settings, staff, file_document, monkeypatch):
    street = file_document("440307001", "2025", "流动人口服务。")
    community = file_document("440307001001", "2025", "流动人口走访。")
    old = file_document("440307001001", "2024", "流动人口走访。")
    plan = file_document("440307001001", "2026", "流动人口计划。", kind="work_plan")
    elsewhere = file_document("440307002001", "2025", "流动人口服务。")

    def found(**filters) -> set[int]:
        return set(_ids(search(db_settings, SearchQuery(**filters), actor=staff.supervisor)))

    assert found(unit_code="440307001") == {street.document_id}
    assert found(unit_code="440307001", subtree=True) == {
        street.document_id, community.document_id, old.document_id, plan.document_id}
    assert found(unit_code="440307001", subtree=True, year=2025) == {
        street.document_id, community.document_id}
    assert found(kind="work_plan") == {plan.document_id}
    assert found(period="2024") == {old.document_id}
    assert found(text="流动人口", unit_code="440307002", subtree=True) == {elsewhere.document_id}
    # Many units are filtered on the documents table instead of in the index: same hits.
    monkeypatch.setattr(ranking, "MAX_UNIT_TOKENS", 1)
    assert found(text="流动人口", unit_code="440307001", subtree=True) == {
        street.document_id, community.document_id, old.document_id, plan.document_id}
    # Ranking bounded to one version: SQLite ranks the newest match alone; PostgreSQL
    # finds the newest version that passes the filters by their GIN index, then (too few
    # hits there) ranks every match.
    for bound in ("RANK_WINDOW", "NEWEST_VERSIONS", "SCAN_VERSIONS"):
        monkeypatch.setattr(ranking, bound, 1)
    newest_only = db_settings.db_url.startswith("sqlite")
    assert found(text="流动人口", unit_code="440307001", subtree=True) == (
        {plan.document_id} if newest_only else
        {street.document_id, community.document_id, old.document_id, plan.document_id})
    assert found(text="流动人口", year=2025) == (
        {elsewhere.document_id} if newest_only else
        {street.document_id, community.document_id, elsewhere.document_id})
    # A year none of the newest versions has is found all the same.
    assert found(text="流动人口", year=2024) == {old.document_id}
    monkeypatch.undo()
    assert found(text="走访", year=2025) == {community.document_id}
    assert found(text="走访", kind="work_plan") == set()
    assert found(text="计划", kind="work_plan", period="2026") == {plan.document_id}
    newest_first = search(db_settings, SearchQuery(year=2025), actor=staff.supervisor)
    assert _ids(newest_first) == [elsewhere.document_id, community.document_id,
                                  street.document_id]
    assert newest_first[0].snippet.text == "流动人口服务。"
    assert len(search(db_settings, SearchQuery(limit=2), actor=staff.supervisor)) == 2
    for subtree in (False, True):
        with pytest.raises(NotFoundError, match="^单位代码“999”不在单位名录中$"):
            search(db_settings, SearchQuery(unit_code="999", subtree=subtree),
                   actor=staff.supervisor)


def test_ranking_order_of_each_kind_of_query_the_bench_times(db_settings, staff,
                                                              file_document):
    """SQLite ranks by bm25: more occurrences first, then shorter texts, a rarer term
    weighing more; PostgreSQL by ts_rank: more occurrences first, ties newest first."""
    filler = "开展健康素养宣传活动，发放宣传资料，入户随访困难家庭。"
    stored = {
        "three": file_document("440307001", "2025", "流动人口服务。流动人口登记。流动人口走访。"),
        "two+1": file_document("440307001001", "2025", "流动人口登记。流动人口走访。组织培训。"),
        "short": file_document("440307001002", "2025", "流动人口服务。"),
        "1+three": file_document("440307002", "2025", "流动人口服务。培训。培训。培训。"),
        "long": file_document("440307002001", "2025", "流动人口服务。" + filler * 3),
        "training": file_document("440307002002", "2025", "组织培训。" + filler),
        "older": file_document("440307001001", "2024", "流动人口服务。流动人口登记。"),
        "plan": file_document("440307001", "2025", "流动人口服务。流动人口走访。培训。",
                              kind="work_plan"),
    }
    for month in range(1, 11):  # 流动人口 in fewer than half of the texts: its idf counts
        file_document("440307900", f"2025-{month:02d}", filler)
    names = {version.document_id: name for name, version in stored.items()}

    def ranked(**asked) -> list[str]:
        hits = search(db_settings, SearchQuery(**asked), actor=staff.supervisor)
        assert hits[0].score > hits[-1].score > 0
        return [names[hit.document_id] for hit in hits]

    one_term = ranked(text="流动人口")
    two_terms = ranked(text="流动人口 培训")
    subtree_year = ranked(text="流动人口", unit_code="440307001", subtree=True, year=2025)
    kind_period = ranked(text="流动人口", kind="year_summary", period="2025")
    if db_settings.db_url.startswith("sqlite"):
        assert one_term == ["three", "older", "plan", "two+1", "short", "1+three", "long"]
        assert two_terms == ["1+three", "plan", "two+1"]
        assert subtree_year == ["three", "plan", "two+1", "short"]
        assert kind_period == ["three", "two+1", "short", "1+three", "long"]
    else:
        assert one_term == ["three", "plan", "older", "two+1", "long", "1+three", "short"]
        assert two_terms == ["plan", "two+1", "1+three"]
        assert subtree_year == ["three", "plan", "two+1", "short"]
        assert kind_period == ["three", "two+1", "long", "1+three", "short"]


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)  # FTS5 is SQLite's
def test_sqlite_scores_are_fts5s_own_bm25_below_the_sample_size(db_settings, staff,
                                                                 file_document):
    """Ranked outside FTS5 (its bm25 counts over the whole index), a small archive's
    scores are still exactly those FTS5's bm25() gives, Traditional texts included."""
    stored = [file_document("440307001", "2025", "流动人口服务。流动人口登记。组织培训。"),
              file_document("440307002", "2025", "全年走訪流動人口1200戶，培訓志願者。",
                            script="traditional"),
              file_document("440307001001", "2025", "流动人口宣传。" + "健康素养宣传。" * 9),
              file_document("440307900", "2025", "开展培训。")]
    version_ids = {(s.document_id, s.version): version_id_of(db_settings, s) for s in stored}
    for text in ("流动人口", "流动人口 培训", "培训"):
        hits = search(db_settings, SearchQuery(text=text), actor=staff.supervisor)
        with get_engine(db_settings).connect() as conn:
            fts5 = dict(conn.execute(sa.text(
                "SELECT rowid, -bm25(search_fts, 1.0, 0.0) FROM search_fts "
                "WHERE search_fts MATCH :match"),
                {"match": ranking.fts5_match(parse_query(text), [])}).all())
        assert len(hits) == len(fts5) >= 2
        assert {version_ids[h.document_id, h.version]: h.score for h in hits} == {
            version_id: Decimal(f"{score:.6g}") for version_id, score in fts5.items()}


def test_reindexing_a_version_replaces_its_text(db_settings, staff, file_document):
    stored = file_document("440307001", "2025", "原文写的是孕检。")
    version_id = version_id_of(db_settings, stored)
    with session_scope(db_settings) as session:
        index_version(session, version_id, "改为流動人口。")
        index_version(session, version_id, "改为流動人口。")  # unchanged: a no-op
    assert search(db_settings, SearchQuery(text="孕检"), actor=staff.supervisor) == []
    (hit,) = search(db_settings, SearchQuery(text="流动人口"), actor=staff.supervisor)
    assert (hit.document_id, marked(hit.snippet)) == (stored.document_id, "改为【流動人口】。")
    with session_scope(db_settings) as session, pytest.raises(NotFoundError):
        index_version(session, 12345, "无")


def test_clerks_and_supervisors_see_only_their_units(db_settings, staff, file_document):
    own = file_document("440307001001", "2025", "东湖社区流动人口走访。")
    street = file_document("440307001", "2025", "东城街道流动人口服务。")
    other = file_document("440307002001", "2025", "西湖社区流动人口服务。")

    def found(actor, **asked) -> set[int]:
        return set(_ids(search(db_settings, SearchQuery(**asked), actor=actor)))

    everything = {own.document_id, street.document_id, other.document_id}
    assert found(staff.supervisor, text="流动人口") == everything
    assert found(staff.supervisor) == everything  # drafts too
    assert found(staff.clerk, text="流动人口") == {own.document_id}
    assert found(staff.clerk) == {own.document_id}
    assert found(staff.clerk, text="服务") == set()
    # A subtree that holds the clerk's unit is narrowed to it.
    assert found(staff.clerk, text="流动人口", unit_code="440307", subtree=True) == {
        own.document_id}
    with pytest.raises(AccessDenied, match="440307002"):
        search(db_settings, SearchQuery(text="流动人口", unit_code="440307002", subtree=True),
               actor=staff.clerk)
    (refusal,) = events(db_settings, outcome="refused")
    assert (refusal.agent, refusal.action) == (staff.clerk.name, "view")


def test_an_unindexed_version_is_found_by_its_filters_not_its_text(db_settings, staff,
                                                                    file_document):
    gone = file_document("440307001", "2024", "销毁前写着孕检工作。")
    kept = file_document("440307001", "2025", "保留的孕检工作总结。")
    version_id = version_id_of(db_settings, gone)

    with pytest.raises(RuntimeError), session_scope(db_settings) as session:
        unindex_version(session, version_id)
        raise RuntimeError("the caller's transaction fails")
    assert len(search(db_settings, SearchQuery(text="孕检"), actor=staff.supervisor)) == 2

    with session_scope(db_settings) as session:
        unindex_version(session, version_id)
        unindex_version(session, version_id)  # already out: nothing to do
    assert _ids(search(db_settings, SearchQuery(text="孕检"), actor=staff.supervisor)) == [
        kept.document_id]
    (hit,) = search(db_settings, SearchQuery(unit_code="440307001", year=2024),
                    actor=staff.supervisor)
    assert (hit.document_id, marked(hit.snippet)) == (gone.document_id, "")
    # The index is left sound: the version can be indexed again and found.
    with session_scope(db_settings) as session:
        index_version(session, version_id, "重新索引的孕检工作。")
    assert len(search(db_settings, SearchQuery(text="孕检"), actor=staff.supervisor)) == 2
    with session_scope(db_settings) as session, pytest.raises(NotFoundError):
        unindex_version(session, 12345)


def test_queries_without_searchable_characters_are_refused(db_settings, staff):
    with pytest.raises(SearchError, match="中没有可检索的字：请输入汉字、字母或数字"):
        search(db_settings, SearchQuery(text="，。！"), actor=staff.supervisor)
    with pytest.raises(SearchError, match="每页条数至少为 1"):
        search(db_settings, SearchQuery(limit=0), actor=staff.supervisor)


# -- the command line --------------------------------------------------------------


@pytest.fixture
def cli_archive(wenshu: Callable[..., str], tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """``wenshu`` over the small tree with a clerk of 东湖社区 acting and two documents."""

    cli_admin_and_units(wenshu, tmp_path)
    cli_add_user(wenshu, "办事员王五", "clerk", "440307001001")
    settings = get_settings()
    for unit, text in (("440307001001", "全年走訪流動人口1200戶。"),
                       ("440307002001", "全年走访流动人口800户。")):
        docx = write_docx(tmp_path / f"{unit}.docx", [text])
        Archive(settings).store(DocumentKey("year_summary", unit, "2025"), title="工作总结",
                                files={"docx": docx}, template_name="t.docx",
                                template_sha256="t", input_sha256=unit)
    monkeypatch.setenv("WENSHU_USER", "办事员王五")
    get_settings.cache_clear()
    yield wenshu


def test_cli_search_as_the_acting_user(cli_archive):
    found = cli_archive("archive", "search", "流动人口")
    assert "1 document(s)" in found and "440307001001" in found and "440307002001" not in found
    refused = cli_archive("archive", "search", "流动人口", "--unit", "440307002", expect=1)
    assert "拒绝" in refused

