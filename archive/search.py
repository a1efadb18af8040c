"""Finding archived documents: by unit (and its subtree), period, kind, filing data and text.

The text of every version is indexed as character bigrams (:mod:`wenshu.archive.bigrams`)
in an FTS5 table on SQLite and a GIN-indexed tsvector on PostgreSQL (migration 0004),
and ranked by bm25 or ts_rank. Only a document's latest version is searched unless
``all_versions`` is asked for. Filing columns (status, retention, archival_code, from
the filing migration) are filtered on when the database has them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from wenshu.archive.bigrams import Term, fts5_query, index_tokens, parse_query, tsquery
from wenshu.compute.load import load_units, subtree_codes
from wenshu.db import get_engine, session_scope
from wenshu.errors import NotFoundError, WenshuError
from wenshu.models.tables import Document, DocumentVersion, Unit
from wenshu.settings import Settings

SNIPPET_CHARS = 80
# Without filters, at most this many matching versions (the newest) are ranked on SQLite.
RANK_WINDOW = 20_000
FILING_COLUMNS = ("status", "retention", "archival_code")
_SCORE_DIGITS = 6

_texts = sa.table("search_texts", sa.column("version_id"), sa.column("document_id"),
                  sa.column("is_latest"), sa.column("body"), sa.column("tokens"))
_fts = sa.table("search_fts", sa.column("rowid"))
_documents = Document.__table__
_versions = DocumentVersion.__table__
_units = Unit.__table__


class SearchError(WenshuError):
    """A search that cannot be run as asked (bad limit, filter the database cannot apply)."""


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
    retention: str | None = None  # Y / D30 / D10, once filing is in the database
    status: str | None = None
    archival_code: str | None = None  # 档号, or its beginning (0194-WS·2026)
    all_versions: bool = False  # search superseded versions too
    limit: int = 20


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
    snippet: str  # matched terms marked 【…】
    status: str | None = None
    retention: str | None = None
    archival_code: str | None = None


# -- indexing ------------------------------------------------------------------


def index_version(session: Session, version_id: int, text: str) -> None:
    """Index a stored version's text, replacing what was indexed for it before.

    Marks the document's latest version so searches skip superseded ones. Runs in
    the caller's transaction, so a version and its index entry commit together.
    """
    document_id = session.scalar(
        sa.select(_versions.c.document_id).where(_versions.c.id == version_id))
    if document_id is None:
        raise NotFoundError(f"no archived version with id {version_id}")
    dialect = session.get_bind().dialect.name
    previous = session.scalar(sa.select(_texts.c.body).where(_texts.c.version_id == version_id))
    if previous == text:
        return
    if previous is not None:
        if dialect == "sqlite":
            # A contentless FTS5 row is removed by repeating the tokens it was given.
            session.execute(sa.text("INSERT INTO search_fts(search_fts, rowid, tokens) "
                                    "VALUES ('delete', :id, :tokens)"),
                            {"id": version_id, "tokens": " ".join(index_tokens(previous))})
        session.execute(sa.delete(_texts).where(_texts.c.version_id == version_id))
    tokens = " ".join(index_tokens(text))
    if dialect == "postgresql":
        session.execute(sa.text(
            "INSERT INTO search_texts (version_id, document_id, is_latest, body, tokens) "
            "VALUES (:id, :doc, false, :body, to_tsvector('simple'::regconfig, :tokens))"),
            {"id": version_id, "doc": document_id, "body": text, "tokens": tokens})
    else:
        session.execute(sa.insert(_texts).values(version_id=version_id, document_id=document_id,
                                                 is_latest=False, body=text))
        session.execute(sa.text("INSERT INTO search_fts(rowid, tokens) VALUES (:id, :tokens)"),
                        {"id": version_id, "tokens": tokens})
    latest = (sa.select(_versions.c.id).where(_versions.c.document_id == document_id)
              .order_by(_versions.c.version.desc()).limit(1).scalar_subquery())
    session.execute(sa.update(_texts).where(_texts.c.document_id == document_id)
                    .values(is_latest=_texts.c.version_id == latest))


# -- searching -------------------------------------------------------------------


_filing_cache: dict[str, dict[str, str]] = {}


def _filing_columns(settings: Settings) -> dict[str, str]:
    """Which filing columns exist, as filter name → ``table.column``; read once per database."""
    url = settings.db_url
    if url not in _filing_cache:
        inspector = sa.inspect(get_engine(settings))
        found: dict[str, str] = {}
        # A version's own value wins over its document's: filing is per version.
        for table in ("documents", "document_versions"):
            names = {c["name"] for c in inspector.get_columns(table)}
            found.update({name: f"{table}.{name}" for name in FILING_COLUMNS if name in names})
        _filing_cache[url] = found
    return _filing_cache[url]


def _unit_codes(session: Session, query: SearchQuery) -> list[str] | None:
    if not query.unit_code:
        return None
    units = load_units(session)
    if query.subtree:
        return subtree_codes(units, query.unit_code)
    if query.unit_code not in units:
        raise NotFoundError(f"unknown unit code {query.unit_code!r}")
    return [query.unit_code]


def _filters(session: Session, query: SearchQuery, filing: dict[str, str]
             ) -> list[sa.ColumnElement[bool]]:
    d = _documents.c
    conditions: list[sa.ColumnElement[bool]] = []
    codes = _unit_codes(session, query)
    if codes is not None:
        conditions.append(d.unit_code.in_(codes))
    if query.year is not None:
        conditions.append(d.period.startswith(str(query.year)))
    for column, value in ((d.period, query.period), (d.kind, query.kind),
                          (d.script, query.script), (d.topic, query.topic)):
        if value is not None:
            conditions.append(column == value)
    for name in FILING_COLUMNS:
        value = getattr(query, name)
        if value is None:
            continue
        if name not in filing:
            raise SearchError(f"cannot filter on {name}: the archive has no {name} yet "
                              "(documents are not filed)")
        column = sa.literal_column(filing[name], sa.String)
        conditions.append(column.startswith(value) if name == "archival_code" else column == value)
    return conditions


def _ranked(session: Session, terms: list[Term], filtered: bool
            ) -> tuple[sa.FromClause, sa.ColumnElement, sa.ColumnElement]:
    """The matching versions as a FROM clause, their score (higher is better), and the join."""
    if session.get_bind().dialect.name == "postgresql":
        tsq = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"),
                                 sa.bindparam("tsq", tsquery(terms)))
        score = sa.func.ts_rank(_texts.c.tokens, tsq)
        return _texts, score, _texts.c.tokens.op("@@")(tsq)
    match = sa.literal_column("search_fts").op("MATCH")(fts5_query(terms))
    ranked = sa.select(_fts.c.rowid.label("version_id"),
                       (-sa.literal_column("bm25(search_fts)")).label("score")).where(match)
    if not filtered:
        # bm25 costs about a microsecond per match; a term found in nearly every filing
        # would take over 100 ms at 100,000 filings. Rank the newest RANK_WINDOW matches.
        oldest = session.scalar(sa.select(_fts.c.rowid).where(match).order_by(
            _fts.c.rowid.desc()).offset(RANK_WINDOW).limit(1))
        if oldest is not None:
            ranked = ranked.where(_fts.c.rowid > oldest)
    matches = ranked.subquery("matches")
    joined = matches.join(_texts, _texts.c.version_id == matches.c.version_id)
    return joined, matches.c.score, sa.true()


def search(settings: Settings, query: SearchQuery) -> list[Hit]:
    """Documents matching every filter and every text term, best first.

    With text, hits are ranked by relevance and the snippet shows the first
    match with every term marked 【…】; without, the newest documents come first
    and the snippet is the text's opening.
    """
    if query.limit < 1:
        raise SearchError(f"limit must be at least 1, got {query.limit}")
    terms = parse_query(query.text)
    if query.text.strip() and not terms:
        raise SearchError(f"nothing to search for in {query.text!r}: "
                          "use Chinese characters, letters or digits")
    filing = _filing_columns(settings)
    d, v = _documents.c, _versions.c
    with session_scope(settings) as session:
        conditions = _filters(session, query, filing)
        if terms:
            source, score, match = _ranked(session, terms, filtered=bool(conditions))
            source = (source.join(_versions, v.id == _texts.c.version_id)
                      .join(_documents, d.id == v.document_id))
            conditions.append(match)
            if not query.all_versions:
                conditions.append(_texts.c.is_latest == sa.true())
            order: list[sa.ColumnElement] = [score.desc(), d.id.desc()]
        else:
            source = (_documents.join(_versions, v.document_id == d.id)
                      .outerjoin(_texts, _texts.c.version_id == v.id))
            if not query.all_versions:
                other = _versions.alias("other_versions")
                newest = sa.select(sa.func.max(other.c.version)).where(
                    other.c.document_id == d.id).scalar_subquery()
                conditions.append(v.version == newest)
            score = sa.literal(0)
            order = [d.id.desc(), v.version.desc()]
        extra = [sa.literal_column(filing[name], sa.String).label(name)
                 for name in FILING_COLUMNS if name in filing]
        statement = (
            sa.select(d.id, v.version, d.title, d.unit_code, _units.c.name, d.kind, d.period,
                      d.topic, d.script, score.label("score"), _texts.c.body, *extra)
            .select_from(source.join(_units, _units.c.code == d.unit_code))
            .where(*conditions).order_by(*order).limit(query.limit)
        )
        rows = session.execute(statement).mappings().all()
    return [
        Hit(document_id=row["id"], version=row["version"], title=row["title"],
            unit_code=row["unit_code"], unit_name=row["name"], kind=row["kind"],
            period=row["period"], topic=row["topic"], script=row["script"],
            score=_score(row["score"]),
            snippet=make_snippet(row["body"] or "", terms),
            **{name: row.get(name) for name in FILING_COLUMNS if name in filing})
        for row in rows
    ]


def _score(value: float | None) -> Decimal:
    # bm25 of a small archive is tiny (FTS5 floors idf at 1e-6): keep significant digits.
    return Decimal(f"{value or 0:.{_SCORE_DIGITS}g}")


# -- snippets --------------------------------------------------------------------

_BETWEEN_RUNS = r"[^0-9A-Za-z\u3007\u3400-\u9fff]*"


def _term_pattern(term: Term) -> str:
    """A regex for a term as written in the text: runs may be split by punctuation or spaces."""
    runs = re.findall(r"[0-9A-Za-z]+|[\u3007\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+",
                      term.text)
    return _BETWEEN_RUNS.join(re.escape(run) for run in runs) or re.escape(term.text)


def make_snippet(body: str, terms: list[Term], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of ``body`` around the first match, every term marked 【…】."""
    flat = " ".join(body.split())
    if not terms:
        return flat[:width] + ("…" if len(flat) > width else "")
    patterns = sorted((_term_pattern(t) for t in terms), key=len, reverse=True)
    matcher = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    first = matcher.search(flat)
    start = 0 if first is None else max(0, first.start() - width // 4)
    end = max(start + width, first.end() if first else 0)
    window = matcher.sub(lambda m: f"【{m.group(0)}】", flat[start:end])
    return ("…" if start > 0 else "") + window + ("…" if end < len(flat) else "")
