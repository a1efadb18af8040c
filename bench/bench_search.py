"""Archive search latency at 100,000 filings, or a city's 1,000,000, against the 50 ms p95 target.

Builds a database holding N synthetic filings (default 100,000) of a district shaped
like seed 004 (11 streets, 111 communities, one department): each a document, one or two
versions, and a few hundred characters of text composed from the reviewed phrasing in
tests/golden/*.txt plus the seeds' recurring subjects (流动人口, 孕检, 关爱女孩…); one
filing in twenty is a Traditional rendition. 70% of versions are filed. Filings run
period by period (years, halves, quarters, months) through as many years, ending with
2025, as N needs: every unit files every kind each period. Text is indexed with the
tokens :func:`wenshu.archive.search.index_version` writes, in bulk (indexing speed is
not what is measured). The built database is kept under /tmp/wenshu-bench-search (on
PostgreSQL: a database ``bench_search_<N>_<key>`` beside the one given) and reused
while what it was built from is unchanged.

Then runs 200 mixed queries (typed in Simplified) through
:func:`wenshu.archive.search.search`, as three users: the district's supervisor (every
unit, drafts too), an archivist (every unit, records only) and a street's clerk, twice:
a *first pass* (cold: every user's queries once, in this fresh process, with nothing
warmed beforehand; the OS page cache as this machine left it, or emptied of the
database file first with ``--evict``, SQLite only) and a *warm pass* (the same queries
again). It prints p50 / p95 / max per query class and overall against the target for
both passes, and, for the supervisor,
the ratio against the raw library doing the same index work: a bare ``sqlite3`` FTS5
MATCH of the same terms and filter tokens with every match ranked by bm25 (PostgreSQL: a
bare psycopg ``@@`` with ts_rank), and for filters alone the bare SQL of the same filters.

    .venv/bin/python bench/bench_search.py [N] [--postgres URL] [--evict]

``--postgres`` takes a SQLAlchemy URL (postgresql+psycopg://…) of any database on the
server; the bench builds and keeps its own database there.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from typing import Any

from search_corpus import KINDS, built, unit_tree

from wenshu.access import Actor
from wenshu.archive.bigrams import fts5_query, parse_query, tsquery
from wenshu.archive.search import SearchQuery, filter_token, search
from wenshu.db import get_engine
from wenshu.settings import Settings

TARGET_MS = 50.0
QUERIES = 200
LIMIT = 20
TERMS = ["流动人口", "孕检", "受检率", "关爱女孩", "计划生育", "性别比", "随访", "帮扶",
         "培训", "宣传资料", "目标管理责任书", "健康素养", "奖励扶助", "避孕药具", "整改",
         "同比", "序时进度", "义诊", "志愿者", "工作"]
CLASSES = ["one term", "two terms", "filters only", "term+subtree+year",
           "term+kind+period+retention"]


def subtree(root: str) -> frozenset[str]:
    """``root`` and every unit under it."""
    children: dict[str | None, list[str]] = {}
    for code, _, _, parent in unit_tree():
        children.setdefault(parent, []).append(code)
    found, todo = set(), [root]
    while todo:
        code = todo.pop()
        found.add(code)
        todo += children.get(code, [])
    return frozenset(found)


def actors() -> list[Actor]:
    """The district's supervisor, an archivist and the clerk of street 3."""
    return [Actor("督导", "supervisor", "440307", frozenset(subtree("440307"))),
            Actor("档案员", "archivist", None, None),
            Actor("街道办事员", "clerk", "440307003", subtree("440307003"))]


def mixed_queries(rng: random.Random, actor: Actor) -> list[tuple[str, SearchQuery]]:
    """Terms alone, filters alone, and both, in equal shares, each with its class.

    Units are drawn from those the actor acts for (asking for others is refused).
    """
    units = [unit for unit in unit_tree() if actor.units is None or unit[0] in actor.units]
    queries: list[tuple[str, SearchQuery]] = []
    for n in range(QUERIES):
        unit = rng.choice(units)[0]
        year = rng.randint(2010, 2025)
        shape = n % 5
        if shape == 0:
            query = SearchQuery(text=rng.choice(TERMS))
        elif shape == 1:
            query = SearchQuery(text=" ".join(rng.sample(TERMS, 2)))
        elif shape == 2:
            query = SearchQuery(unit_code=unit, subtree=rng.random() < 0.5, year=year,
                                kind=rng.choice([None, *KINDS]))
        elif shape == 3:
            street = unit[:9] if actor.units is None or unit[:9] in actor.units else unit
            query = SearchQuery(text=rng.choice(TERMS), unit_code=street, subtree=True,
                                year=year)
        else:
            query = SearchQuery(text=rng.choice(TERMS), kind=rng.choice(KINDS),
                                period=str(year), retention=rng.choice(["Y", "D30", "D10"]))
        queries.append((CLASSES[shape], query))
    return queries


# -- the raw library doing the same index work -------------------------------------


def _filter_groups(query: SearchQuery) -> list[list[str]]:
    groups = []
    if query.unit_code:
        codes = subtree(query.unit_code) if query.subtree else {query.unit_code}
        groups.append([filter_token("unit_code", code) for code in sorted(codes)])
    if query.year is not None:
        groups.append([filter_token("year", str(query.year))])
    for name in ("period", "kind"):
        if getattr(query, name) is not None:
            groups.append([filter_token(name, getattr(query, name))])
    return groups


def raw_runner(settings: Settings) -> Callable[[SearchQuery], int]:
    """A function running a query's index work through the bare driver; returns rows."""
    if settings.db_url.startswith("sqlite"):
        conn = sqlite3.connect(settings.db_url.removeprefix("sqlite:///"))
        placeholder = "?"
    else:
        import psycopg

        conn = psycopg.connect(settings.db_url.replace("postgresql+psycopg", "postgresql"),
                               autocommit=True)
        placeholder = "%s"

    def run(query: SearchQuery) -> int:
        return len(conn.execute(*_raw_sql(query, placeholder)).fetchall())

    return run


def _raw_sql(query: SearchQuery, placeholder: str) -> tuple[str, list[Any]]:
    """The bare SQL (and its arguments) doing ``query``'s index work: FTS5 MATCH ranked by
    bm25 on SQLite (placeholder ``?``), ``@@`` ranked by ts_rank on PostgreSQL, or the
    filters alone."""
    groups = _filter_groups(query)
    terms = parse_query(query.text)
    args: list[Any] = []
    if not terms:
        where = ["NOT EXISTS (SELECT 1 FROM document_versions o WHERE o.document_id = "
                 "v.document_id AND o.version > v.version)"]
        if query.unit_code:
            codes = sorted(subtree(query.unit_code)) if query.subtree else [query.unit_code]
            where.append(f"d.unit_code IN ({', '.join([placeholder] * len(codes))})")
            args += codes
        if query.year is not None:
            where.append(f"substr(d.period, 1, 4) = {placeholder}")
            args.append(str(query.year))
        if query.kind is not None:
            where.append(f"d.kind = {placeholder}")
            args.append(query.kind)
        sql = ("SELECT v.id FROM documents d JOIN document_versions v "
               f"ON v.document_id = d.id WHERE {' AND '.join(where)} "
               f"ORDER BY d.id DESC, v.version DESC LIMIT {LIMIT}")
    elif placeholder == "?":  # SQLite
        match = f"tokens : ({fts5_query(terms)})"
        if groups:
            match += " AND filters : (" + " AND ".join(
                "(" + " OR ".join(group) + ")" for group in groups) + ")"
        sql = ("SELECT rowid, bm25(search_fts, 1.0, 0.0) AS rank FROM search_fts "
               f"WHERE search_fts MATCH ? ORDER BY rank LIMIT {LIMIT}")
        args.append(match)
    else:
        where = ["tokens @@ to_tsquery('simple', %s)"]
        args += [tsquery(terms), tsquery(terms)]
        for group in groups:
            where.append("filters && %s")
            args.append(group)
        sql = ("SELECT version_id, ts_rank(tokens, to_tsquery('simple', %s)) AS rank "
               f"FROM search_texts WHERE {' AND '.join(where)} "
               f"ORDER BY rank DESC LIMIT {LIMIT}")
    return sql, args


# -- measuring ------------------------------------------------------------------


def _ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(0.95 * len(ordered)) - 1)]


def _line(label: str, values: list[float]) -> str:
    return (f"{label:28} p50 {statistics.median(values):6.1f}  p95 {_p95(values):6.1f}  "
            f"max {max(values):6.1f} ms")


def _evict(settings: Settings) -> None:
    """Drop the SQLite database file from the OS page cache (this file only)."""
    import os

    path = settings.db_url.removeprefix("sqlite:///")
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


def _timed_pass(settings: Settings, actor: Actor, queries: list[tuple[str, SearchQuery]]
                ) -> tuple[dict[str, list[float]], int]:
    """Each query's latency in ms, by class, and how many hits they found."""
    timings: dict[str, list[float]] = {name: [] for name in CLASSES}
    found = 0
    for name, query in queries:
        hits: list[object] = []
        timings[name].append(_ms(lambda q=query: hits.extend(search(settings, q, actor=actor))))
        found += len(hits)
    return timings, found


def _report(label: str, timings: dict[str, list[float]]) -> float:
    """Print one pass's distribution per class; return its overall p95."""
    every = [t for values in timings.values() for t in values]
    print(f"  {label}")
    for name in CLASSES:
        print("    " + _line(name, timings[name]))
    print("    " + _line("all", every) + f"   p95 / target = {_p95(every) / TARGET_MS:.2f}")
    return _p95(every)


def _raw_ratios(raw: Callable[[SearchQuery], int], queries: list[tuple[str, SearchQuery]],
                timings: dict[str, list[float]]) -> None:
    print("  raw library, same index work (every match ranked), against the warm pass:")
    raw_timings: dict[str, list[float]] = {name: [] for name in CLASSES}
    for name, query in queries:
        raw_timings[name].append(_ms(lambda q=query: raw(q)))
    for name in CLASSES:
        ratio = _p95(timings[name]) / _p95(raw_timings[name])
        print("    " + _line(name, raw_timings[name]) + f"   search / raw at p95 = {ratio:.2f}")


def main() -> None:
    """Build, query as each user (first pass, then warm), print the latency distribution
    against the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=100_000)
    parser.add_argument("--postgres", help="a URL of any database on the PostgreSQL server")
    parser.add_argument("--evict", action="store_true",
                        help="empty the OS page cache of the SQLite file before the first pass")
    args = parser.parse_args()
    settings, seconds = built(args.count, args.postgres)
    get_engine(settings).dispose()  # the first pass starts without an open connection
    if args.evict and not args.postgres:
        _evict(settings)
    how = "kept from an earlier run" if seconds is None else f"built in {seconds:.0f} s"
    print(f"{get_engine(settings).dialect.name}: {args.count:,} filings {how}; "
          f"{QUERIES} queries per user, limit {LIMIT}; first pass "
          f"({'OS page cache emptied of the file' if args.evict else 'OS page cache as found'}"
          "), then warm")
    users = [(actor, mixed_queries(random.Random(11), actor)) for actor in actors()]
    first = [_timed_pass(settings, actor, queries) for actor, queries in users]
    worst = {"first pass": 0.0, "warm pass": 0.0}
    for (actor, queries), (cold, _) in zip(users, first, strict=True):
        warm, found = _timed_pass(settings, actor, queries)
        print(f"\n{actor.role} {actor.unit_code or '(all units)'}: {found} hits")
        worst["first pass"] = max(worst["first pass"], _report("first pass (cold)", cold))
        worst["warm pass"] = max(worst["warm pass"], _report("warm pass", warm))
        if actor.role == "supervisor":
            _raw_ratios(raw_runner(settings), queries, warm)
    print()
    for label, p95 in worst.items():
        print(f"{label}: worst p95 of the three users {p95:.1f} ms; target {TARGET_MS:.0f} ms: "
              f"{'met' if p95 <= TARGET_MS else 'NOT met'}")
    get_engine(settings).dispose()


if __name__ == "__main__":
    main()
