"""Archive search latency at 100,000 filings against the 50 ms p95 target.

Builds a fresh database holding N synthetic filings (default 100,000) of a district shaped
like seed 004 (11 streets, 111 communities, one department): each a document, one or two
versions, and a few hundred characters of text composed from the reviewed phrasing in
tests/golden/*.txt plus the seeds' recurring subjects (流动人口, 孕检, 关爱女孩…). Text is
indexed with the same tokens :func:`wenshu.archive.search.index_version` writes, in bulk
(indexing speed is not what is measured). Then runs 200 mixed queries through
:func:`wenshu.archive.search.search` (terms, filters, both) and prints p50 / p95 / max
and p95 against the target.

    .venv/bin/python bench/bench_search.py [N] [--postgres URL]

``--postgres`` takes an empty database's SQLAlchemy URL (postgresql+psycopg://…).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from wenshu.archive.bigrams import index_tokens
from wenshu.archive.search import SearchQuery, search
from wenshu.db import get_engine, upgrade_schema
from wenshu.settings import Settings

TARGET_MS = 50.0
QUERIES = 200
GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"
KINDS = ["year_summary", "half_year_summary", "work_plan", "campaign_plan", "self_inspection"]
# Subjects the seeds keep returning to; each filing mentions a few of them.
SUBJECTS = ["流动人口服务管理", "孕检服务", "孕环情检查", "关爱女孩行动", "婚育新风进万家",
            "计划生育家庭奖励扶助", "出生人口性别比综合治理", "避孕药具发放", "健康素养宣传",
            "困难家庭帮扶", "生育关怀基金", "人口和计划生育目标管理责任书", "入户随访",
            "新市民健康城市行", "妇女儿童权益保障", "来沪务工人员政策法规培训"]
TERMS = ["流动人口", "孕检", "受检率", "关爱女孩", "计划生育", "性别比", "随访", "帮扶",
         "培训", "宣传资料", "目标管理责任书", "健康素养", "奖励扶助", "避孕药具", "整改",
         "同比", "序时进度", "义诊", "志愿者", "工作"]


def unit_tree() -> list[tuple[str, str, str, str | None]]:
    """One district, 11 streets with 10 communities each (one with 11), one department."""
    units = [("440307", "示范区", "district", None)]
    for street in range(1, 12):
        street_code = f"440307{street:03d}"
        units.append((street_code, f"第{street}街道", "street", "440307"))
        for community in range(1, 11 + (street == 1)):
            units.append((f"{street_code}{community:03d}", f"第{street}-{community}社区",
                          "community", street_code))
    units.append(("440307900", "区妇联", "department", "440307"))
    return units


def golden_sentences() -> list[str]:
    """Sentences of the reviewed documents, without the tables."""
    sentences: list[str] = []
    for path in sorted(GOLDEN.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "|" in line or len(line) < 12:
                continue
            sentences.extend(s + "。" for s in re.split(r"[。；]", line) if len(s) >= 10)
    return sentences


def periods() -> list[str]:
    """Every period code of 2010–2025: years, halves, quarters, months."""
    codes = []
    for year in range(2010, 2026):
        codes += [str(year), f"{year}H1", f"{year}H2"] + [f"{year}Q{q}" for q in range(1, 5)]
        codes += [f"{year}-{m:02d}" for m in range(1, 13)]
    return codes


def filing_text(rng: random.Random, sentences: list[str], unit_name: str) -> str:
    """A few hundred characters: the unit's subjects and sentences of the golden documents."""
    subjects = rng.sample(SUBJECTS, 3)
    parts = [f"{unit_name}扎实推进{subjects[0]}工作，{subjects[1]}和{subjects[2]}取得新进展。"]
    while sum(map(len, parts)) < rng.randint(250, 450):
        parts.append(rng.choice(sentences))
    return "\n".join(parts)


def build(settings: Settings, count: int, seed: int = 7) -> None:
    """Fill a migrated, empty database with ``count`` filings and their index entries."""
    rng = random.Random(seed)
    sentences = golden_sentences()
    units = unit_tree()
    codes = periods()
    engine = get_engine(settings)
    dialect = engine.dialect.name
    columns = {c["name"] for c in sa.inspect(engine).get_columns("document_versions")}
    filing = {"status", "retention", "archival_code"} <= columns
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO units (code, name, level, parent_code) "
                             "VALUES (:c, :n, :l, :p)"),
                     [{"c": c, "n": n, "l": lv, "p": p} for c, n, lv, p in units])
    batch = 5000
    version_id = 0
    for start in range(0, count, batch):
        docs, versions, texts, tokens = [], [], [], []
        for i in range(start, min(start + batch, count)):
            code, name, _, _ = units[i % len(units)]
            kind = KINDS[(i // len(units)) % len(KINDS)]
            period = codes[i // (len(units) * len(KINDS))]
            docs.append({"id": i + 1, "kind": kind, "u": code, "p": period, "t": f"{name}{period}文书"})
            # One filing in ten was corrected: two versions, the first superseded.
            for number in range(1, 2 + (i % 10 == 0)):
                version_id += 1
                row = {"id": version_id, "d": i + 1, "v": number, "at": now}
                if filing:
                    filed = rng.random() < 0.7
                    row |= {"status": "filed" if filed else "draft",
                            "retention": rng.choice(["Y", "D30", "D10"]) if filed else None,
                            "code": f"0194-WS·{period[:4]}-X-{version_id:07d}" if filed else None}
                versions.append(row)
                body = filing_text(rng, sentences, name)
                texts.append({"id": version_id, "d": i + 1, "latest": number == 1 + (i % 10 == 0),
                              "body": body})
                tokens.append(" ".join(index_tokens(body)))
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO documents (id, kind, unit_code, period, topic, "
                                 "script, title) VALUES (:id, :kind, :u, :p, '', 'simplified', :t)"),
                         docs)
            extra = ", status, retention, archival_code" if filing else ""
            values = ", :status, :retention, :code" if filing else ""
            conn.execute(sa.text(
                "INSERT INTO document_versions (id, document_id, version, created_at, "
                f"template_name, template_sha256, input_sha256{extra}) "
                f"VALUES (:id, :d, :v, :at, 't.docx', 't', 'i'{values})"), versions)
            if dialect == "postgresql":
                conn.execute(sa.text(
                    "INSERT INTO search_texts (version_id, document_id, is_latest, body, tokens) "
                    "VALUES (:id, :d, :latest, :body, to_tsvector('simple'::regconfig, :tokens))"),
                    [t | {"tokens": k} for t, k in zip(texts, tokens, strict=True)])
            else:
                conn.execute(sa.text("INSERT INTO search_texts (version_id, document_id, "
                                     "is_latest, body) VALUES (:id, :d, :latest, :body)"), texts)
                conn.execute(sa.text("INSERT INTO search_fts (rowid, tokens) VALUES (:id, :k)"),
                             [{"id": t["id"], "k": k} for t, k in zip(texts, tokens, strict=True)])
    with engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(sa.text("ANALYZE"))
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('documents', 'id'), "
                                 "(SELECT max(id) FROM documents))"))
        else:
            conn.execute(sa.text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
            conn.execute(sa.text("ANALYZE"))


def mixed_queries(rng: random.Random, filing: bool) -> list[SearchQuery]:
    """Terms alone, filters alone, and both, in roughly equal shares."""
    units = unit_tree()
    queries: list[SearchQuery] = []
    for n in range(QUERIES):
        unit = rng.choice(units)[0]
        year = rng.randint(2010, 2025)
        shape = n % 5
        if shape == 0:
            queries.append(SearchQuery(text=rng.choice(TERMS)))
        elif shape == 1:
            queries.append(SearchQuery(text=" ".join(rng.sample(TERMS, 2))))
        elif shape == 2:
            queries.append(SearchQuery(unit_code=unit, subtree=rng.random() < 0.5, year=year,
                                       kind=rng.choice([None, *KINDS])))
        elif shape == 3:
            queries.append(SearchQuery(text=rng.choice(TERMS), unit_code=unit[:9],
                                       subtree=True, year=year))
        else:
            extra = {"retention": rng.choice(["Y", "D30", "D10"])} if filing else {}
            queries.append(SearchQuery(text=rng.choice(TERMS), kind=rng.choice(KINDS),
                                       period=str(year), **extra))
    return queries


def main() -> None:
    """Build, query, print the latency distribution against the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=100_000)
    parser.add_argument("--postgres", help="an empty PostgreSQL database's URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp) / "home", database_url=args.postgres)
        upgrade_schema(settings)
        started = time.perf_counter()
        build(settings, args.count)
        built = time.perf_counter() - started
        columns = {c["name"] for c in sa.inspect(get_engine(settings)).get_columns(
            "document_versions")}
        queries = mixed_queries(random.Random(11), "retention" in columns)
        for query in queries[:10]:  # warm the page cache and compiled statements
            search(settings, query)
        timings, found = [], 0
        for query in queries:
            start = time.perf_counter()
            found += len(search(settings, query))
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        p95 = timings[int(0.95 * len(timings)) - 1]
        print(f"{get_engine(settings).dialect.name}: {args.count:,} filings built in {built:.0f} s; "
              f"{len(queries)} queries, {found} hits")
        print(f"p50 {statistics.median(timings):.1f} ms  p95 {p95:.1f} ms  max {timings[-1]:.1f} ms"
              f"  | p95 / target {TARGET_MS:.0f} ms = {p95 / TARGET_MS:.2f}")
        get_engine(settings).dispose()


if __name__ == "__main__":
    main()
