"""Finding archived documents: by unit (and its subtree), period, kind, filing data and text.

The text of every version is indexed as character bigrams of its folded text
(:mod:`wenshu.archive.bigrams`: Traditional and Simplified fold together), in an
FTS5 table on SQLite and a GIN-indexed tsvector on PostgreSQL, and ranked by
bm25 or ts_rank.

Beside the text, each index entry carries *filter tokens* for what never changes
about a document: its unit, kind, year, period, script and topic (an FTS5 column
of weight 0 on SQLite; a GIN-indexed array on PostgreSQL). A search with those
filters is narrowed inside the index before anything is ranked. What filing
changes (status, retention, 档号) and which version is a document's newest are
read from the versions table as the matches are ranked.

Ranking every match of a term found in most of a million filings takes far longer
than the 50 ms the archive aims for, so ranking is bounded, newest first, and no
step of a search reads the whole index:

- SQLite ranks the newest :data:`RANK_WINDOW` versions that match every term and
  filter by bm25 and returns the best of them. FTS5's own ``bm25()`` would count
  each term's matches over the whole index for its idf, so the score is computed
  here, as FTS5 does (k1 1.2, b 0.75, the filters' tokens counting in a text's
  length but never matching), from each version's stored token count and folded
  text, with the corpus statistics (texts, average length, texts holding each
  term) of the newest :data:`IDF_SAMPLE` version ids. An archive smaller than
  that gets FTS5's scores exactly.
- PostgreSQL reads a few kilobytes of heap per match to check phrases and rank
  (ts_rank), so it ranks the matches among the newest :data:`NEWEST_VERSIONS`
  versions that pass every filter, and all matches only when those hold fewer
  hits than asked for and more versions pass the filters.

Searches narrowed by unit, year or kind, and rarer terms, have fewer matches than
that and are ranked in full.

Who searches decides what is found: clerks and supervisors see the documents
of their own units (drafts too); archivists see every unit's filed, superseded
and disposed versions, never drafts. A disposed version's text is taken out of
the index (:func:`unindex_version`), so it is found by its filters and 档号 only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from wenshu.archive.bigrams import (
    Term,
    fold,
    fts5_query,
    index_tokens,
    parse_query,
    tsquery,
)
from wenshu.compute.load import load_units, subtree_codes
from wenshu.compute.snapshot import UnitInfo
from wenshu.db import session_scope
from wenshu.errors import NotFoundError, WenshuError
from wenshu.models.tables import Document, DocumentVersion, Unit
from wenshu.settings import Settings

if TYPE_CHECKING:  # wenshu.access imports the archive package, which imports this module
    from wenshu.access import Actor

SNIPPET_CHARS = 80
MAX_OFFSET = 5_000  # paging stops where ranking is bounded (RANK_WINDOW)
# SQLite ranks at most this many matching versions, the newest; PostgreSQL first ranks
# the matches among this many newest versions. See the module docstring.
RANK_WINDOW = 5_000
NEWEST_VERSIONS = 2_000
# SQLite's bm25 takes its corpus statistics (document count, average length, how many
# texts hold each term) from this many newest version ids; FTS5 parameters k1 and b.
IDF_SAMPLE = 20_000
BM25_K1, BM25_B = 1.2, 0.75
# Statuses an archivist sees: records, never drafts.
ARCHIVED_STATUSES = ("filed", "superseded", "disposed")
# Past this many units a unit filter is applied on the documents table, not in the index:
# an OR of that many tokens costs FTS5 more than looking the unit up per match.
MAX_UNIT_TOKENS = 64
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
    snippet: str  # matched terms marked 【…】 in the text as stored
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
    """The filter tokens a document's versions are indexed with."""
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
        raise NotFoundError(f"no archived version with id {version_id}")
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


@dataclass
class _Conditions:
    """SQL conditions on ``documents d`` and ``document_versions v``, and their parameters."""

    sql: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, sql: str, **params: Any) -> None:
        self.sql.append(sql)
        self.params.update(params)

    def where(self) -> str:
        return " AND ".join(self.sql) if self.sql else "1 = 1"


@dataclass
class _Plan:
    """A query and an actor's scope, split by where each filter is applied."""

    units: list[str] | None  # None: every unit
    unit_sql: _Conditions  # the units as SQL on documents d
    facts: list[list[str]]  # filter tokens of the other unchanging facts: AND of ORs
    documents: _Conditions  # the units and other facts as SQL, for searches without text
    versions: _Conditions  # status, retention, 档号, visibility, newest version

    def unit_tokens(self) -> list[str] | None:
        """The units as an OR of filter tokens, or None when every unit may match."""
        return None if self.units is None else [filter_token("unit_code", code)
                                                for code in self.units]


def _scope_units(query: SearchQuery, actor: Actor, units: dict[str, UnitInfo]
                 ) -> list[str] | None:
    asked: list[str] | None = None
    if query.unit_code:
        if query.subtree:
            asked = subtree_codes(units, query.unit_code)
        elif query.unit_code in units:
            asked = [query.unit_code]
        else:
            raise NotFoundError(f"unknown unit code {query.unit_code!r}")
    if actor.units is None:
        return asked
    allowed = actor.units & set(units)
    if asked is None:
        return sorted(allowed) if allowed != set(units) else None
    return [code for code in asked if code in allowed]


def _plan(session: Session, query: SearchQuery, actor: Actor) -> _Plan:
    every_unit = load_units(session)
    units = _scope_units(query, actor, every_unit)
    facts: list[list[str]] = []
    unit_sql, documents, versions = _Conditions(), _Conditions(), _Conditions()
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
    visible = ""
    if not actor.sees_drafts:
        statuses = {f"archived{i}": status for i, status in enumerate(ARCHIVED_STATUSES)}
        visible = f"status IN ({', '.join(':' + n for n in statuses)})"
        versions.add(f"v.{visible}", **statuses)
    if not query.all_versions:
        # The newest version the actor may see: an archivist's is the newest record.
        versions.add("NOT EXISTS (SELECT 1 FROM document_versions o WHERE o.document_id = "
                     "v.document_id AND o.version > v.version"
                     + (f" AND o.{visible})" if visible else ")"))
    return _Plan(units, unit_sql, facts, documents, versions)


# -- searching -------------------------------------------------------------------


def _fts5_match(terms: list[Term], groups: list[list[str]]) -> str:
    match = f"tokens : ({fts5_query(terms)})"
    if groups:
        match += " AND filters : (" + " AND ".join(
            "(" + " OR ".join(f'"{token}"' for token in group) + ")" for group in groups) + ")"
    return match


def _corpus(session: Session, terms: list[Term]) -> tuple[float, list[float]]:
    """bm25's average document length and each term's idf, as FTS5 computes them but
    over the newest :data:`IDF_SAMPLE` version ids only (FTS5 counts over all)."""
    floor = (session.scalar(sa.text("SELECT max(version_id) FROM search_texts")) or 0
             ) - IDF_SAMPLE
    count, average = session.execute(sa.text(
        "SELECT count(*), avg(token_count) FROM search_texts WHERE version_id > :floor"),
        {"floor": floor}).one()
    idfs = []
    for term in terms:
        hits = session.scalar(sa.text("SELECT count(*) FROM search_fts WHERE search_fts "
                                      "MATCH :match AND rowid > :floor"),
                              {"match": _fts5_match([term], []), "floor": floor})
        # FTS5's floor for a term in over half the texts, so that every term counts.
        idfs.append(max(math.log((count - hits + 0.5) / (hits + 0.5)), 1e-6))
    return average or 1.0, idfs


def _bm25_sql(terms: list[Term]) -> str:
    """bm25 over ``hits``' term frequencies (tf0, tf1…) and lengths (dl), as FTS5 scores."""
    norm = ":k1 * (1 - :b + :b * dl / :avgdl)"
    return " + ".join(f"(:idf{i} * tf{i} * (:k1 + 1) / (tf{i} + {norm}))"
                      for i in range(len(terms)))


def _ranked_sqlite(session: Session, terms: list[Term], plan: _Plan, limit: int
                   ) -> Sequence[sa.Row]:
    groups, conditions = list(plan.facts), _Conditions(list(plan.versions.sql),
                                                      dict(plan.versions.params))
    units = plan.unit_tokens()
    if units is not None and len(units) <= MAX_UNIT_TOKENS:
        groups.append(units)
    elif units is not None:
        conditions.add(plan.unit_sql.where(), **plan.unit_sql.params)
    joins = ""
    if conditions.sql:
        # CROSS JOIN keeps FTS5 the outer loop: it streams matches newest first and
        # only those that pass are ranked, RANK_WINDOW at most.
        joins = " CROSS JOIN document_versions AS v ON v.id = search_fts.rowid"
        if units is not None and len(units) > MAX_UNIT_TOKENS:
            joins += " CROSS JOIN documents AS d ON d.id = v.document_id"
    avgdl, idfs = _corpus(session, terms)
    # A term's frequency: how often its folded text stands in the folded body.
    text = "coalesce(t.folded, t.body)"
    frequencies = "".join(
        f", (length({text}) - length(replace({text}, :term{i}, ''))) / :length{i} AS tf{i}"
        for i in range(len(terms)))
    statement = sa.text(
        "WITH hits AS MATERIALIZED (SELECT t.version_id, t.token_count AS dl"
        f"{frequencies} FROM (SELECT search_fts.rowid AS version_id FROM search_fts{joins} "
        f"WHERE search_fts MATCH :match AND {conditions.where()} "
        "ORDER BY search_fts.rowid DESC LIMIT :window) AS window "
        "JOIN search_texts AS t ON t.version_id = window.version_id) "
        f"SELECT version_id, {_bm25_sql(terms)} AS score FROM hits "
        "ORDER BY score DESC, version_id DESC LIMIT :limit")
    params = {"match": _fts5_match(terms, groups), "window": RANK_WINDOW, "limit": limit,
              "k1": BM25_K1, "b": BM25_B, "avgdl": avgdl}
    for i, (term, idf) in enumerate(zip(terms, idfs, strict=True)):
        params |= {f"term{i}": fold(term.text), f"length{i}": float(len(term.text)),
                   f"idf{i}": idf}
    return session.execute(statement, conditions.params | params).all()


def _ranked_postgresql(session: Session, terms: list[Term], plan: _Plan, limit: int
                       ) -> Sequence[sa.Row]:
    params: dict[str, Any] = dict(plan.versions.params)
    filters, arrays = [], []
    units = plan.unit_tokens()
    for i, group in enumerate(plan.facts + ([] if units is None else [units])):
        # One token must be there (@>), or one of several (&&): both use the GIN index.
        name = f"filters{i}"
        filters.append(f"filters {'@>' if len(group) == 1 else '&&'} :{name}")
        params[name] = group
        arrays.append(sa.bindparam(name, type_=postgresql.ARRAY(sa.Text)))

    def passing(alias: str) -> list[str]:
        return [f"{alias}.{condition}" for condition in filters]

    visible = ("" if not plan.versions.sql else
               " AND EXISTS (SELECT 1 FROM document_versions AS v WHERE v.id = t.version_id "
               f"AND {plan.versions.where()})")
    params |= {"tsq": tsquery(terms), "limit": limit, "newest": NEWEST_VERSIONS}
    rank = "ts_rank(t.tokens, to_tsquery('simple'::regconfig, :tsq))"
    match = "t.tokens @@ to_tsquery('simple'::regconfig, :tsq)"
    # The newest versions that pass every filter, read from an index of version ids and
    # filters (or the filters' GIN index when few pass); their text is checked and
    # ranked after the fence (OFFSET 0), never looked up in the text's GIN index.
    window = sa.text(
        "WITH newest AS MATERIALIZED (SELECT n.version_id FROM search_texts AS n "
        f"WHERE {' AND '.join(passing('n')) or 'TRUE'} "
        "ORDER BY n.version_id DESC LIMIT :newest), "
        f"ranked AS (SELECT t.version_id, {rank} AS score FROM (SELECT t.version_id, "
        "t.tokens FROM newest JOIN search_texts AS t ON t.version_id = newest.version_id "
        f"OFFSET 0) AS t WHERE {match}{visible} "
        "ORDER BY score DESC, t.version_id DESC LIMIT :limit) "
        "SELECT ranked.version_id, ranked.score, seen.count FROM "
        "(SELECT count(*) AS count FROM newest) AS seen LEFT JOIN ranked ON TRUE "
        "ORDER BY ranked.score DESC, ranked.version_id DESC").bindparams(*arrays)
    rows = session.execute(window, params).all()
    hits = [row for row in rows if row.version_id is not None]
    if len(hits) >= limit or rows[0].count < NEWEST_VERSIONS:
        return hits  # enough, or every version that passes the filters was ranked
    # Too few among the newest: rank every match (a rare term), found by the GIN indexes.
    everything = sa.text(
        f"SELECT t.version_id, {rank} AS score FROM search_texts AS t "
        f"WHERE {' AND '.join([match, *passing('t')])}"
        f"{visible} ORDER BY score DESC, t.version_id DESC LIMIT :limit").bindparams(*arrays)
    return session.execute(everything, params).all()


def _newest(session: Session, plan: _Plan, limit: int) -> Sequence[sa.Row]:
    conditions = plan.documents.sql + plan.versions.sql
    statement = sa.text(
        "SELECT v.id AS version_id, 0 AS score FROM documents AS d "
        "JOIN document_versions AS v ON v.document_id = d.id "
        f"WHERE {' AND '.join(conditions) or '1 = 1'} "
        "ORDER BY d.id DESC, v.version DESC LIMIT :limit")
    return session.execute(statement, plan.documents.params | plan.versions.params
                           | {"limit": limit}).all()


def search(settings: Settings, query: SearchQuery, *, actor: Actor) -> list[Hit]:
    """Documents ``actor`` may see matching every filter and every text term, best first.

    With text, hits are ranked by relevance (among the newest matches, see the
    module docstring) and the snippet shows the first match with every term marked 【…】;
    without, the newest documents come first and the snippet is the text's opening.
    Unless ``all_versions`` is asked for, each document shows its newest version
    the actor may see.
    """
    from wenshu.access import authorize  # see the TYPE_CHECKING import above

    authorize(settings, actor, "view", target="search")
    if query.limit < 1:
        raise SearchError(f"limit must be at least 1, got {query.limit}")
    if not 0 <= query.offset <= MAX_OFFSET:
        raise SearchError(f"offset must be between 0 and {MAX_OFFSET}, got {query.offset}")
    wanted = query.offset + query.limit
    terms = parse_query(query.text)
    if query.text.strip() and not terms:
        raise SearchError(f"nothing to search for in {query.text!r}: "
                          "use Chinese characters, letters or digits")
    with session_scope(settings) as session:
        plan = _plan(session, query, actor)
        ranked: Sequence[sa.Row] = []
        if plan.units == []:
            pass  # none of the units asked for is the actor's
        elif not terms:
            ranked = _newest(session, plan, wanted)
        elif session.get_bind().dialect.name == "postgresql":
            ranked = _ranked_postgresql(session, terms, plan, wanted)
        else:
            ranked = _ranked_sqlite(session, terms, plan, wanted)
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


# -- snippets --------------------------------------------------------------------

_BETWEEN_RUNS = r"[^0-9a-z\u3007\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]*"


def _term_pattern(term: Term) -> str:
    """A regex for a term in folded text: runs may be split by punctuation or spaces."""
    folded = fold(term.text)
    runs = re.findall(r"[0-9a-z]+|[\u3007\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+",
                      folded)
    return _BETWEEN_RUNS.join(re.escape(run) for run in runs) or re.escape(folded)


def make_snippet(body: str, terms: list[Term], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of ``body`` around the first match, every term marked 【…】.

    Matching is done on the folded text (Traditional or Simplified, any case), and
    the marks go around the characters as stored.
    """
    flat = " ".join(body.split())
    if not terms:
        return flat[:width] + ("…" if len(flat) > width else "")
    patterns = sorted((_term_pattern(t) for t in terms), key=len, reverse=True)
    matcher = re.compile("|".join(f"(?:{p})" for p in patterns))
    folded = fold(flat)  # same length as flat: offsets carry over
    first = matcher.search(folded)
    start = 0 if first is None else max(0, first.start() - width // 4)
    end = max(start + width, first.end() if first else 0)
    pieces, at = [], start
    for match in matcher.finditer(folded, start, end):
        pieces += [flat[at:match.start()], "【", flat[match.start():match.end()], "】"]
        at = match.end()
    pieces.append(flat[at:end])
    return ("…" if start > 0 else "") + "".join(pieces) + ("…" if end < len(flat) else "")
