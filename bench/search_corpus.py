"""The synthetic archive bench_search.py queries: N filings of a district shaped like seed
004, built once per N and kept (SQLite under /tmp/wenshu-bench-search, or a PostgreSQL
database ``bench_search_<N>_<key>``) while what it is built from is unchanged.

See bench_search.py for what a filing holds; :func:`built` is the entry point.
"""

from __future__ import annotations

import hashlib
import inspect
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import opencc
import sqlalchemy as sa

from wenshu.archive import bigrams
from wenshu.archive.bigrams import fold, index_tokens
from wenshu.archive.search import filter_token, filter_tokens
from wenshu.db import get_engine, upgrade_schema
from wenshu.settings import Settings

CACHE = Path(tempfile.gettempdir()) / "wenshu-bench-search"
GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"
KINDS = ["year_summary", "half_year_summary", "work_plan", "campaign_plan", "self_inspection"]
# Subjects the seeds keep returning to; each filing mentions a few of them.
SUBJECTS = ["流动人口服务管理", "孕检服务", "孕环情检查", "关爱女孩行动", "婚育新风进万家",
            "计划生育家庭奖励扶助", "出生人口性别比综合治理", "避孕药具发放", "健康素养宣传",
            "困难家庭帮扶", "生育关怀基金", "人口和计划生育目标管理责任书", "入户随访",
            "新市民健康城市行", "妇女儿童权益保障", "来沪务工人员政策法规培训"]


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


def periods(count: int) -> list[str]:
    """Every period code (years, halves, quarters, months) of the years ending with 2025
    that ``count`` filings fill."""
    per_year = 19 * len(unit_tree()) * len(KINDS)  # 19 periods a year
    codes = []
    for year in range(2026 - max(1, -(-count // per_year)), 2026):
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
    units = unit_tree()
    engine = get_engine(settings)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO units (code, name, level, parent_code) "
                             "VALUES (:c, :n, :l, :p)"),
                     [{"c": c, "n": n, "l": lv, "p": p} for c, n, lv, p in units])
    # A GIN index is built far faster in one go than entry by entry.
    gin = _drop_gin_indexes(engine) if engine.dialect.name == "postgresql" else []
    rows = _Rows(rng, units, periods(count), golden_sentences())
    for start in range(0, count, _BATCH):
        with engine.begin() as conn:
            _insert(conn, *rows.batch(range(start, min(start + _BATCH, count))))
    with engine.begin() as conn:
        for definition in gin:
            conn.execute(sa.text(definition))
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('documents', 'id'), "
                                 "(SELECT max(id) FROM documents))"))
        else:
            conn.execute(sa.text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                             else "ANALYZE"))


_BATCH = 5000
Row = dict[str, Any]


class _Rows:
    """The rows of filing after filing: its document, one or two versions, their text."""

    def __init__(self, rng: random.Random, units: list[tuple[str, str, str, str | None]],
                 codes: list[str], sentences: list[str]) -> None:
        self.rng, self.units, self.codes, self.sentences = rng, units, codes, sentences
        self.traditional = opencc.OpenCC("s2t")
        self.now = datetime.now(UTC)
        self.version_id = 0

    def batch(self, numbers: range) -> tuple[list[Row], list[Row], list[Row]]:
        """Documents, versions and texts of filings ``numbers`` (0-based)."""
        docs: list[Row] = []
        versions: list[Row] = []
        texts: list[Row] = []
        for i in numbers:
            code, name, _, _ = self.units[i % len(self.units)]
            kind = KINDS[(i // len(self.units)) % len(KINDS)]
            period = self.codes[i // (len(self.units) * len(KINDS))]
            script = "traditional" if i % 20 == 7 else "simplified"
            docs.append({"id": i + 1, "kind": kind, "u": code, "p": period, "s": script,
                         "t": f"{name}{period}文书"})
            facts = filter_tokens(kind, code, period, script, "")
            # One filing in ten was corrected: two versions, the first superseded.
            corrected = i % 10 == 0
            for number in range(1, 2 + corrected):
                self.version_id += 1
                versions.append(self._version(i + 1, number, corrected, period))
                texts.append(self._text(i + 1, name, script, facts))
        return docs, versions, texts

    def _version(self, document: int, number: int, corrected: bool, period: str) -> Row:
        filed = self.rng.random() < 0.7
        status = "superseded" if corrected and number == 1 and filed else (
            "filed" if filed else "draft")
        return {"id": self.version_id, "d": document, "v": number, "at": self.now,
                "status": status,
                "retention": self.rng.choice(["Y", "D30", "D10"]) if filed else None,
                "code": f"0194-WS·{period[:4]}-X-{self.version_id:07d}" if filed else None}

    def _text(self, document: int, name: str, script: str, facts: list[str]) -> Row:
        body = filing_text(self.rng, self.sentences, name)
        if script == "traditional":
            body = self.traditional.convert(body)
        tokens, folded = index_tokens(body), fold(body)
        return {"id": self.version_id, "d": document, "body": body,
                "tokens": " ".join(tokens), "filters": facts,
                "folded": None if folded == body else folded,
                "count": len(tokens) + len(facts)}


def _insert(conn: sa.Connection, docs: list[Row], versions: list[Row],
            texts: list[Row]) -> None:
    conn.execute(sa.text("INSERT INTO documents (id, kind, unit_code, period, topic, "
                         "script, title) VALUES (:id, :kind, :u, :p, '', :s, :t)"), docs)
    conn.execute(sa.text(
        "INSERT INTO document_versions (id, document_id, version, created_at, "
        "template_name, template_sha256, input_sha256, status, retention, archival_code) "
        "VALUES (:id, :d, :v, :at, 't.docx', 't', 'i', :status, :retention, :code)"),
        versions)
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(
            "INSERT INTO search_texts (version_id, document_id, body, tokens, filters) "
            "VALUES (:id, :d, :body, to_tsvector('simple'::regconfig, :tokens), "
            ":filters)"), texts)
        return
    conn.execute(sa.text("INSERT INTO search_texts (version_id, document_id, body, "
                         "folded, token_count) VALUES (:id, :d, :body, :folded, :count)"),
                 texts)
    conn.execute(sa.text("INSERT INTO search_fts (rowid, tokens, filters) "
                         "VALUES (:id, :tokens, :filters)"),
                 [t | {"filters": " ".join(t["filters"])} for t in texts])


def _drop_gin_indexes(engine: sa.Engine) -> list[str]:
    """Drop search_texts' GIN indexes; return the statements that create them again."""
    with engine.begin() as conn:
        found = conn.execute(sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_texts' "
            "AND indexdef LIKE '%USING gin%'")).all()
        for name, _ in found:
            conn.execute(sa.text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in found]


def _build_key(count: int) -> str:
    """What a built database's rows depend on: this module and the index tokens.

    The schema is not part of it: a kept database is migrated like any other.
    """
    sources = [inspect.getsource(item) for item in (
        sys.modules[__name__], bigrams, filter_tokens, filter_token)]
    sources += [path.read_text(encoding="utf-8") for path in sorted(GOLDEN.glob("*.txt"))]
    sources.append(str(count))
    return hashlib.sha256("\n".join(sources).encode()).hexdigest()[:10]


def _built_sqlite(count: int, key: str) -> tuple[Settings, float | None]:
    path = CACHE / f"search-{count}-{key}.sqlite3"
    if path.exists():
        settings = Settings(home=CACHE, database_url=f"sqlite:///{path}")
        upgrade_schema(settings)
        return settings, None
    # Built under another name, so that an interrupted build is never taken for one.
    building = Settings(home=CACHE, database_url=f"sqlite:///{path.with_suffix('.building')}")
    started = time.perf_counter()
    upgrade_schema(building)
    build(building, count)
    get_engine(building).dispose()  # the last connection closing folds the WAL in
    path.with_suffix(".building").rename(path)
    return Settings(home=CACHE, database_url=f"sqlite:///{path}"), time.perf_counter() - started


def _built_postgresql(server: str, count: int, key: str) -> tuple[Settings, float | None]:
    name = f"bench_search_{count}_{key}"
    url = sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # The comment is set once the build is complete.
        if conn.scalar(sa.text("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                               "WHERE datname = :name"), {"name": name}) == "built":
            settings = Settings(home=CACHE, database_url=url)
            upgrade_schema(settings)
            return settings, None
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    settings = Settings(home=CACHE, database_url=url)
    started = time.perf_counter()
    upgrade_schema(settings)
    build(settings, count)
    with admin.connect() as conn:
        conn.execute(sa.text(f"COMMENT ON DATABASE \"{name}\" IS 'built'"))
    admin.dispose()
    return settings, time.perf_counter() - started


def built(count: int, postgres: str | None) -> tuple[Settings, float | None]:
    """A database holding ``count`` filings, and how long building it took (None: kept
    from an earlier run)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = _build_key(count)
    return _built_postgresql(postgres, count, key) if postgres else _built_sqlite(count, key)


__all__ = ["KINDS", "built", "unit_tree"]
