"""Ranking a search's text matches with bounded work, newest first.

Ranking every match of a term found in most of a million filings takes far longer
than the 50 ms the archive aims for, so no step of a search reads the whole index:

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
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from wenshu.archive.bigrams import Term, fold, fts5_query, tsquery

# SQLite ranks at most this many matching versions, the newest; PostgreSQL first ranks
# the matches among this many newest versions that pass the filters. Each costs a
# visibility check and a text read: 2,000 keep a search within 50 ms at a million.
RANK_WINDOW = 2_000
NEWEST_VERSIONS = 2_000
# PostgreSQL looks for those newest versions among this many, checking filters row by row.
SCAN_VERSIONS = 50_000
# SQLite's bm25 takes its corpus statistics (document count, average length, how many
# texts hold each term) from this many newest version ids; FTS5 parameters k1 and b.
IDF_SAMPLE = 10_000
BM25_K1, BM25_B = 1.2, 0.75
# Past this many units a unit filter is applied on the documents table, not in the index:
# an OR of that many tokens costs FTS5 more than looking the unit up per match.
MAX_UNIT_TOKENS = 64


@dataclass
class Conditions:
    """SQL conditions on ``documents d`` and ``document_versions v``, and their parameters."""

    sql: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, sql: str, **params: Any) -> None:
        """One more condition, with its parameters."""
        self.sql.append(sql)
        self.params.update(params)

    def where(self) -> str:
        """The conditions joined by AND (true when there are none)."""
        return " AND ".join(self.sql) if self.sql else "1 = 1"


@dataclass
class Plan:
    """A query and an actor's scope, split by where each filter is applied."""

    units: list[str] | None  # None: every unit
    unit_tokens: list[str] | None  # the units as an OR of filter tokens
    unit_sql: Conditions  # the units as SQL on documents d
    facts: list[list[str]]  # filter tokens of the other unchanging facts: AND of ORs
    documents: Conditions  # the units and other facts as SQL, for searches without text
    versions: Conditions  # status, retention, 档号, visibility
    # A year or period is asked for: a small share of versions passes, found sooner by
    # the filters' index than by walking the newest versions.
    dated: bool = False
    newest: bool = True  # each document's newest version only
    records_only: bool = False  # newest among records: what an archivist sees

    def newest_only(self, version_id: str) -> str:
        """SQL true when the version whose id is ``version_id`` is one the search shows:
        no newer version of its document hides it (a newer record, for an archivist)."""
        if not self.newest:
            return "1 = 1"
        # older_versions (kept by triggers, migrations 0015-0016) lists each version a newer
        # one hides: one lookup by the id the index gives, no join to the versions.
        return ("NOT EXISTS (SELECT 1 FROM older_versions AS w WHERE w.version_id = "
                f"{version_id}{' AND w.newer_record' if self.records_only else ''})")


def fts5_match(terms: list[Term], groups: list[list[str]]) -> str:
    """An FTS5 MATCH of every term in the text and one token of each group in the filters."""
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
                              {"match": fts5_match([term], []), "floor": floor})
        # FTS5's floor for a term in over half the texts, so that every term counts.
        idfs.append(max(math.log((count - hits + 0.5) / (hits + 0.5)), 1e-6))
    return average or 1.0, idfs


def _bm25_sql(terms: list[Term]) -> str:
    """bm25 over ``hits``' term frequencies (tf0, tf1…) and lengths (dl), as FTS5 scores."""
    norm = ":k1 * (1 - :b + :b * dl / :avgdl)"
    return " + ".join(f"(:idf{i} * tf{i} * (:k1 + 1) / (tf{i} + {norm}))"
                      for i in range(len(terms)))


def ranked_sqlite(session: Session, terms: list[Term], plan: Plan, limit: int
                  ) -> Sequence[sa.Row]:
    """The best ``limit`` (version_id, score) of the newest RANK_WINDOW matches, by bm25."""
    groups, conditions = list(plan.facts), Conditions(list(plan.versions.sql),
                                                      dict(plan.versions.params))
    units = plan.unit_tokens
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
    # A term's frequency: how often its folded text stands in the folded body, counted
    # in bytes (a blob's length is stored, a text's is counted character by character).
    text = "coalesce(t.folded, t.body)"
    frequencies = "".join(
        f", (length(CAST({text} AS BLOB)) - length(CAST(replace({text}, :term{i}, '') "
        f"AS BLOB))) / :length{i} AS tf{i}" for i in range(len(terms)))
    statement = sa.text(
        "WITH hits AS MATERIALIZED (SELECT t.version_id, t.token_count AS dl"
        f"{frequencies} FROM (SELECT search_fts.rowid AS version_id FROM search_fts{joins} "
        f"WHERE search_fts MATCH :match AND {conditions.where()} "
        f"AND {plan.newest_only('search_fts.rowid')} "
        "ORDER BY search_fts.rowid DESC LIMIT :window) AS window "
        "JOIN search_texts AS t ON t.version_id = window.version_id) "
        f"SELECT version_id, {_bm25_sql(terms)} AS score FROM hits "
        "ORDER BY score DESC, version_id DESC LIMIT :limit")
    params = {"match": fts5_match(terms, groups), "window": RANK_WINDOW, "limit": limit,
              "k1": BM25_K1, "b": BM25_B, "avgdl": avgdl}
    for i, (term, idf) in enumerate(zip(terms, idfs, strict=True)):
        folded = fold(term.text)
        params |= {f"term{i}": folded, f"length{i}": float(len(folded.encode())),
                   f"idf{i}": idf}
    return session.execute(statement, conditions.params | params).all()


def _text(sql: str, arrays: list[Any]) -> sa.TextClause:
    """``sql`` with the array parameters it uses typed as arrays."""
    return sa.text(sql).bindparams(
        *(array for array in arrays if re.search(rf":{array.key}\b", sql)))


def _pg_filters(plan: Plan) -> tuple[list[str], list[str], dict[str, Any], list[Any]]:
    """The filters on ``search_texts n``: as the GIN index takes them (@>, &&), as checked
    row by row (= ANY, far cheaper there), their parameters and array bindings."""
    indexed, scanned, params, arrays = [], [], {}, []
    groups = [(group, False) for group in plan.facts]
    if plan.unit_tokens is not None:
        groups.append((plan.unit_tokens, True))
    for i, (group, unit) in enumerate(groups):
        name = f"filters{i}"
        indexed.append(f"n.filters {'&&' if unit else '@>'} :{name}")
        # A unit's token comes first among a version's filters (filter_tokens).
        scanned.append(f"n.filters[1] = ANY(:{name})" if unit
                       else f":{name}_token = ANY(n.filters)")
        params |= {name: group, f"{name}_token": group[0]}
        arrays.append(sa.bindparam(name, type_=postgresql.ARRAY(sa.Text)))
    return indexed, scanned, params, arrays


def ranked_postgresql(session: Session, terms: list[Term], plan: Plan, limit: int
                      ) -> Sequence[sa.Row]:
    """The best ``limit`` (version_id, score) by ts_rank, among the matches in the newest
    NEWEST_VERSIONS versions that pass the filters (all matches when those hold too few)."""
    indexed, scanned, params, arrays = _pg_filters(plan)
    params |= plan.versions.params | {"tsq": tsquery(terms), "limit": limit,
                                      "newest": NEWEST_VERSIONS}
    rank = "ts_rank(n.tokens, to_tsquery('simple'::regconfig, :tsq))"
    match = "n.tokens @@ to_tsquery('simple'::regconfig, :tsq)"
    visible = f" AND {plan.newest_only('n.version_id')}" + (
        "" if not plan.versions.sql else
        " AND EXISTS (SELECT 1 FROM document_versions AS v WHERE v.id = n.version_id "
        f"AND {plan.versions.where()})")

    def newest(conditions: list[str], floor: int) -> list[int]:
        statement = _text(
            "SELECT n.version_id FROM search_texts AS n WHERE n.version_id > :floor"
            + "".join(f" AND {condition}" for condition in conditions)
            + " ORDER BY n.version_id DESC LIMIT :newest", arrays)
        return list(session.scalars(statement, params | {"floor": floor}))

    # The newest versions that pass the filters: among the newest SCAN_VERSIONS from an
    # index of version ids and filters, else (few pass) from the filters' GIN index.
    last = session.scalar(sa.text("SELECT max(version_id) FROM search_texts")) or 0
    window = [] if plan.dated and last > SCAN_VERSIONS else newest(scanned, last - SCAN_VERSIONS)
    if len(window) < NEWEST_VERSIONS and indexed and last > SCAN_VERSIONS:
        # OFFSET 0 keeps the GIN index from being traded for a scan of every version.
        window = list(session.scalars(_text(
            "SELECT n.version_id FROM (SELECT n.version_id FROM search_texts AS n WHERE "
            f"{' AND '.join(indexed)} OFFSET 0) AS n ORDER BY n.version_id DESC "
            "LIMIT :newest", arrays), params))
    # Their text is checked and ranked behind the fence, never found by the text's index.
    hits = session.execute(sa.text(
        f"SELECT n.version_id, {rank} AS score FROM (SELECT n.version_id, n.tokens "
        "FROM search_texts AS n WHERE n.version_id = ANY(:window) OFFSET 0) AS n "
        f"WHERE {match}{visible} ORDER BY score DESC, n.version_id DESC LIMIT :limit"
    ).bindparams(sa.bindparam("window", type_=postgresql.ARRAY(sa.Integer))),
        params | {"window": window}).all()
    if len(hits) >= limit or len(window) < NEWEST_VERSIONS:
        return hits  # enough, or every version that passes the filters was ranked
    # Too few among the newest: rank every match (a rare term), found by the GIN indexes.
    return session.execute(_text(
        f"SELECT n.version_id, {rank} AS score FROM search_texts AS n "
        f"WHERE {' AND '.join([match, *indexed])}{visible} "
        "ORDER BY score DESC, n.version_id DESC LIMIT :limit", arrays), params).all()
