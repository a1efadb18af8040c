"""Finding archived documents: by unit (and its subtree), period, kind, filing data and text.

The text of every version is indexed as character bigrams of its folded text
(:mod:`wenshu.archive.bigrams`: Traditional and Simplified fold together), in an
FTS5 table on SQLite and a GIN-indexed tsvector on PostgreSQL, and ranked by
bm25 or ts_rank.

Beside the text, each index entry carries *filter tokens* for what never changes
about a document: its unit, kind, year, period, script and topic (an FTS5 column
of weight 0 on SQLite; a GIN-indexed array on PostgreSQL). A search with those
filters is narrowed inside the index before anything is ranked. What filing
changes (status, retention, 档号) is read from the versions table as the matches
are ranked, and whether a newer version hides a match from ``older_versions``
(kept by database triggers, migrations 0015 and 0016).

Ranking every match of a term found in most of a million filings takes far longer
than the 50 ms the archive aims for, so ranking is bounded, newest first
(:mod:`wenshu.archive.ranking`); searches narrowed by unit, year or kind, and rarer
terms, have fewer matches than the bound and are ranked in full.

Who searches decides what is found: clerks and supervisors see the documents
of their own units (drafts too); archivists see every unit's filed, superseded
and disposed versions, never drafts. A disposed version's text is taken out of
the index (:func:`unindex_version`), so it is found by its filters and 档号 only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from wenshu.archive.bigrams import Term, fold, index_tokens, parse_query
from wenshu.archive.ranking import (
    RANK_WINDOW,
    Conditions,
    Plan,
    ranked_postgresql,
    ranked_sqlite,
)
from wenshu.archive.snippets import Snippet, make_snippet
from wenshu.compute.load import load_units, subtree_codes
from wenshu.compute.snapshot import UnitInfo
from wenshu.db import session_scope
from wenshu.errors import NotFoundError, WenshuError
from wenshu.models.tables import Document, DocumentVersion, Unit
from wenshu.settings import Settings

if TYPE_CHECKING:  # wenshu.access imports the archive package, which imports this module
    from wenshu.access import Actor

MAX_OFFSET = RANK_WINDOW  # paging stops where ranking is bounded
# Statuses an archivist sees: records, never drafts.
ARCHIVED_STATUSES = ("filed", "superseded", "disposed")
_SCORE_DIGITS = 6

_texts = sa.table("search_texts", sa.column("version_id"), sa.column("body"))
_documents = Document.__table__
_versions = DocumentVersion.__table__
_units = Unit.__table__


class SearchError(WenshuError):
    """A search that cannot be run as asked (bad limit, nothing searchable in the text)."""


@dataclass(frozen=True)
class SearchQuery:
    """What to look for; every field left empty is not filtered on."""

    text: str = ""  # whitespace-separated terms, all required; Chinese needs no spaces
    unit_code: str | None = None
    subtree: bool = False  # include every unit under unit_code
    year: int | None = None
    period: str | None = None  # exact period code: 2025, 2025H1, 2025Q3, 2025-03
    kind: str | None = None
    script: str | None = None
    topic: str | None = None
    retention: str | None = None  # Y / D30 / D10
    status: str | None = None  # draft / filed / superseded / disposed
    archival_code: str | None = None  # 档号, or its beginning (0194-WS·2026)
    all_versions: bool = False  # every version, not only each document's newest
    limit: int = 20
    offset: int = 0  # hits to skip, for paging (at most MAX_OFFSET)


@dataclass(frozen=True)
class Hit:
    """One found document version."""

    document_id: int
    version: int
    title: str
    unit_code: str
    unit_name: str
    kind: str
    period: str
    topic: str
    script: str
    score: Decimal  # higher is better; 0 when there was no text to rank by
    snippet: Snippet  # the text around the first match, with the terms' places
    status: str
    retention: str | None = None
    archival_code: str | None = None


# -- indexing ------------------------------------------------------------------


# The letter that starts each filter's tokens.
FILTER_FIELDS = {"unit_code": "u", "kind": "k", "year": "y", "period": "p", "script": "s",
                 "topic": "t"}


def filter_token(name: str, value: str) -> str:
    """The index token of one unchanging fact, e.g. ``filter_token("kind", "work_plan")``."""
    # Hex keeps any value (topics are free text, periods have hyphens) one token for
    # FTS5 and PostgreSQL alike; the letter keeps fields apart.
    return FILTER_FIELDS[name] + value.encode("utf-8").hex()


def filter_tokens(kind: str, unit_code: str, period: str, script: str, topic: str) -> list[str]:
    """The filter tokens a document's versions are indexed with, the unit's first (where
    :func:`wenshu.archive.ranking.ranked_postgresql` reads it)."""
    tokens = [filter_token("unit_code", unit_code), filter_token("kind", kind),
              filter_token("period", period), filter_token("script", script),
              filter_token("topic", topic)]
    if period[:4].isdigit():
        tokens.append(filter_token("year", period[:4]))
    return tokens


def _document_tokens(session: Session, version_id: int) -> tuple[int, list[str]]:
    d, v = _documents.c, _versions.c
    row = session.execute(
        sa.select(d.id, d.kind, d.unit_code, d.period, d.script, d.topic)
        .join_from(_versions, _documents, d.id == v.document_id).where(v.id == version_id)
    ).first()
    if row is None:
        raise NotFoundError(f"没有编号为 {version_id} 的归档版本")
    return row.id, filter_tokens(row.kind, row.unit_code, row.period, row.script, row.topic)


def _remove(session: Session, version_id: int, body: str, filters: list[str]) -> None:
    if session.get_bind().dialect.name == "sqlite":
        # A contentless FTS5 row is removed by repeating the tokens it was given.
        session.execute(sa.text("INSERT INTO search_fts(search_fts, rowid, tokens, filters) "
                                "VALUES ('delete', :id, :tokens, :filters)"),
                        {"id": version_id, "tokens": " ".join(index_tokens(body)),
                         "filters": " ".join(filters)})
    session.execute(sa.delete(_texts).where(_texts.c.version_id == version_id))


def index_version(session: Session, version_id: int, text: str) -> None:
    """Index a stored version's text, replacing what was indexed for it before.

    Runs in the caller's transaction, so a version and its index entry commit together.
    """
    document_id, filters = _document_tokens(session, version_id)
    previous = session.scalar(sa.select(_texts.c.body).where(_texts.c.version_id == version_id))
    if previous == text:
        return
    if previous is not None:
        _remove(session, version_id, previous, filters)
    tokens = index_tokens(text)
    values = {"id": version_id, "doc": document_id, "body": text, "tokens": " ".join(tokens)}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(
            "INSERT INTO search_texts (version_id, document_id, body, tokens, filters) "
            "VALUES (:id, :doc, :body, to_tsvector('simple'::regconfig, :tokens), :filters)"
        ).bindparams(sa.bindparam("filters", type_=postgresql.ARRAY(sa.Text))),
            values | {"filters": filters})
    else:
        folded = fold(text)
        session.execute(sa.text(
            "INSERT INTO search_texts (version_id, document_id, body, folded, token_count) "
            "VALUES (:id, :doc, :body, :folded, :count)"),
            values | {"folded": None if folded == text else folded,
                      "count": len(tokens) + len(filters)})
        session.execute(sa.text("INSERT INTO search_fts(rowid, tokens, filters) "
                                "VALUES (:id, :tokens, :filters)"),
                        values | {"filters": " ".join(filters)})


def unindex_version(session: Session, version_id: int) -> None:
    """Take a version's text out of the index (disposal), in the caller's transaction.

    The version stays findable by its filters and 档号, no longer by its text, and
    its extracted text is deleted with the index entry. A version not indexed
    (never, or already taken out) is left as it is.
    """
    _, filters = _document_tokens(session, version_id)
    body = session.scalar(sa.select(_texts.c.body).where(_texts.c.version_id == version_id))
    if body is not None:
        _remove(session, version_id, body, filters)


# -- what a search may see -------------------------------------------------------


def _scope_units(query: SearchQuery, actor: Actor, units: dict[str, UnitInfo]
                 ) -> list[str] | None:
    asked: list[str] | None = None
    if query.unit_code:
        if query.subtree:
            asked = subtree_codes(units, query.unit_code)
        elif query.unit_code in units:
            asked = [query.unit_code]
        else:
            raise NotFoundError(f"单位代码“{query.unit_code}”不在单位名录中")
    if actor.units is None:
        return asked
    allowed = actor.units & set(units)
    if asked is None:
        return sorted(allowed) if allowed != set(units) else None
    return [code for code in asked if code in allowed]


def _plan(session: Session, query: SearchQuery, actor: Actor) -> Plan:
    every_unit = load_units(session)
    units = _scope_units(query, actor, every_unit)
    facts: list[list[str]] = []
    unit_sql, documents, versions = Conditions(), Conditions(), Conditions()
    if units is not None:
        names = {f"unit{i}": code for i, code in enumerate(units)}
        unit_sql.add(f"d.unit_code IN ({', '.join(':' + n for n in names)})" if names
                     else "1 = 0", **names)
        documents.add(unit_sql.where(), **names)
    if query.year is not None:
        documents.add("substr(d.period, 1, 4) = :year", year=str(query.year))
        facts.append([filter_token("year", str(query.year))])
    for name, value in (("period", query.period), ("kind", query.kind),
                        ("script", query.script), ("topic", query.topic)):
        if value is not None:
            documents.add(f"d.{name} = :{name}", **{name: value})
            facts.append([filter_token(name, value)])
    if query.status is not None:
        versions.add("v.status = :status", status=query.status)
    if query.retention is not None:
        versions.add("v.retention = :retention", retention=query.retention)
    if query.archival_code is not None:
        versions.add("substr(v.archival_code, 1, :code_length) = :code",
                     code=query.archival_code, code_length=len(query.archival_code))
    if not actor.sees_drafts:
        statuses = {f"archived{i}": status for i, status in enumerate(ARCHIVED_STATUSES)}
        versions.add(f"v.status IN ({', '.join(':' + n for n in statuses)})", **statuses)
    tokens = None if units is None else [filter_token("unit_code", code)
                                          for code in units]
    # The newest version the actor may see: an archivist's is the newest record.
    return Plan(units, tokens, unit_sql, facts, documents, versions,
                dated=query.year is not None or query.period is not None,
                newest=not query.all_versions, records_only=not actor.sees_drafts)


# -- searching -------------------------------------------------------------------


def _newest(session: Session, plan: Plan, limit: int) -> Sequence[sa.Row]:
    conditions = [*plan.documents.sql, *plan.versions.sql, plan.newest_only("v.id")]
    statement = sa.text(
        "SELECT v.id AS version_id, 0 AS score FROM documents AS d "
        "JOIN document_versions AS v ON v.document_id = d.id "
        f"WHERE {' AND '.join(conditions)} "
        "ORDER BY d.id DESC, v.version DESC LIMIT :limit")
    return session.execute(statement, plan.documents.params | plan.versions.params
                           | {"limit": limit}).all()


def search(settings: Settings, query: SearchQuery, *, actor: Actor) -> list[Hit]:
    """Documents ``actor`` may see matching every filter and every text term, best first.

    With text, hits are ranked by relevance (among the newest matches, see the
    module docstring) and the snippet shows the first match with every term's place;
    without, the newest documents come first and the snippet is the text's opening.
    Unless ``all_versions`` is asked for, each document shows its newest version
    the actor may see.
    """
    from wenshu.access import authorize  # see the TYPE_CHECKING import above

    authorize(settings, actor, "view", target="search")
    if query.limit < 1:
        raise SearchError(f"每页条数至少为 1，实为 {query.limit}")
    if not 0 <= query.offset <= MAX_OFFSET:
        raise SearchError(f"起始位置应在 0 到 {MAX_OFFSET} 之间，实为 {query.offset}")
    wanted = query.offset + query.limit
    terms = parse_query(query.text)
    if query.text.strip() and not terms:
        raise SearchError(f"“{query.text[:40]}”中没有可检索的字：请输入汉字、字母或数字")
    with session_scope(settings) as session:
        plan = _plan(session, query, actor)
        ranked: Sequence[sa.Row] = []
        if plan.units == []:
            pass  # none of the units asked for is the actor's
        elif not terms:
            ranked = _newest(session, plan, wanted)
        elif session.get_bind().dialect.name == "postgresql":
            ranked = ranked_postgresql(session, terms, plan, wanted)
        else:
            ranked = ranked_sqlite(session, terms, plan, wanted)
        ranked = ranked[query.offset:wanted]
        rows = _details(session, [row.version_id for row in ranked])
    if plan.units == [] and query.unit_code:
        # Say why nothing can be found, and log the refusal.
        authorize(settings, actor, "view", query.unit_code)
    return [_hit(rows[row.version_id], row.score, terms) for row in ranked]


def _details(session: Session, version_ids: list[int]) -> dict[int, sa.RowMapping]:
    d, v = _documents.c, _versions.c
    statement = (
        sa.select(v.id.label("version_id"), d.id, v.version, d.title, d.unit_code,
                  _units.c.name, d.kind, d.period, d.topic, d.script, v.status, v.retention,
                  v.archival_code, _texts.c.body)
        .select_from(_versions.join(_documents, d.id == v.document_id)
                     .join(_units, _units.c.code == d.unit_code)
                     .outerjoin(_texts, _texts.c.version_id == v.id))
        .where(v.id.in_(version_ids))
    )
    return {row["version_id"]: row for row in session.execute(statement).mappings()}


def _hit(row: sa.RowMapping, score: float | None, terms: list[Term]) -> Hit:
    return Hit(document_id=row["id"], version=row["version"], title=row["title"],
               unit_code=row["unit_code"], unit_name=row["name"], kind=row["kind"],
               period=row["period"], topic=row["topic"], script=row["script"],
               score=_score(score), snippet=make_snippet(row["body"] or "", terms),
               status=row["status"], retention=row["retention"],
               archival_code=row["archival_code"])


def _score(value: float | None) -> Decimal:
    # bm25 of a small archive is tiny (FTS5 floors idf at 1e-6): keep significant digits.
    return Decimal(f"{value or 0:.{_SCORE_DIGITS}g}")
