"""search filters in the index; Traditional and Simplified text indexed alike

Every index entry gains the tokens of its document's unchanging facts (unit,
kind, year, period, script, topic), so a filtered search is narrowed inside the
index before ranking: a second FTS5 column ``filters`` on SQLite (weight 0 in
bm25), a GIN-indexed text array ``search_texts.filters`` on PostgreSQL, whose
tsvector is also kept in the row (not TOASTed) so ranking reads it cheaply.
Text is folded (Traditional → Simplified) before it is cut into bigrams, so
every indexed version is re-indexed. ``search_texts.is_latest`` goes: the
newest version is read from document_versions, which also knows what an
archivist may see.

Downgrading re-indexes with 0006's tokens (no folding, no filters).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
import re
import unicodedata
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from wenshu.archive.bigrams import index_tokens
from wenshu.archive.search import filter_tokens

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_BATCH = 2000
_FTS_OPTIONS = "content='', tokenize='unicode61 remove_diacritics 0'"

# 0006's tokens, frozen here so a downgrade rebuilds the index 0006's code maintains.
_RUN_0006 = re.compile(
    r"(?P<han>[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)"
    r"|(?P<word>[0-9a-z]+)"
)


def _tokens_0006(text: str) -> list[str]:
    tokens: list[str] = []
    for match in _RUN_0006.finditer(unicodedata.normalize("NFKC", text).lower()):
        run = match.group()
        if match.lastgroup == "han":
            tokens.extend([run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]])
        else:
            tokens.append(run)
    return tokens


def _indexed(connection: sa.Connection) -> Iterator[list[sa.Row]]:
    """Every indexed version with its text and its document's facts, in batches."""
    last = 0
    while True:
        rows = connection.execute(sa.text(
            "SELECT t.version_id, t.body, d.kind, d.unit_code, d.period, d.script, d.topic "
            "FROM search_texts t JOIN documents d ON d.id = t.document_id "
            "WHERE t.version_id > :last ORDER BY t.version_id LIMIT :batch"),
            {"last": last, "batch": _BATCH}).all()
        if not rows:
            return
        yield rows
        last = rows[-1].version_id


def _facts(row: sa.Row) -> list[str]:
    return filter_tokens(row.kind, row.unit_code, row.period, row.script, row.topic)


def _refill_fts(connection: sa.Connection, with_filters: bool,
                tokens: Callable[[str], list[str]]) -> None:
    for rows in _indexed(connection):
        if with_filters:
            connection.execute(
                sa.text("INSERT INTO search_fts(rowid, tokens, filters) VALUES (:id, :t, :f)"),
                [{"id": r.version_id, "t": " ".join(tokens(r.body)),
                  "f": " ".join(_facts(r))} for r in rows])
        else:
            connection.execute(sa.text("INSERT INTO search_fts(rowid, tokens) VALUES (:id, :t)"),
                               [{"id": r.version_id, "t": " ".join(tokens(r.body))}
                                for r in rows])
    connection.execute(sa.text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))


def _refill_tsvectors(connection: sa.Connection, with_filters: bool,
                      tokens: Callable[[str], list[str]]) -> None:
    update = ("UPDATE search_texts SET tokens = to_tsvector('simple'::regconfig, :t)"
              + (", filters = :f" if with_filters else "") + " WHERE version_id = :id")
    statement = sa.text(update)
    if with_filters:
        statement = statement.bindparams(sa.bindparam("f", type_=postgresql.ARRAY(sa.Text)))
    for rows in _indexed(connection):
        connection.execute(statement, [
            {"id": r.version_id, "t": " ".join(tokens(r.body))}
            | ({"f": _facts(r)} if with_filters else {}) for r in rows])


def _set_latest(connection: sa.Connection) -> None:
    connection.execute(sa.text(
        "UPDATE search_texts SET is_latest = (version_id = (SELECT v.id FROM document_versions v "
        "WHERE v.document_id = search_texts.document_id ORDER BY v.version DESC LIMIT 1))"))


def upgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table("search_texts") as batch_op:
        batch_op.drop_column("is_latest")
    if connection.dialect.name == "postgresql":
        op.add_column("search_texts", sa.Column("filters", postgresql.ARRAY(sa.Text()),
                                                nullable=True))
        # Kept in the row: ranking and phrase checks read it for every match.
        op.execute("ALTER TABLE search_texts SET (toast_tuple_target = 8160)")
        op.execute("ALTER TABLE search_texts ALTER COLUMN tokens SET STORAGE MAIN")
        _refill_tsvectors(connection, True, index_tokens)
        op.alter_column("search_texts", "filters", nullable=False)
        op.create_index("ix_search_texts_filters", "search_texts", ["filters"],
                        postgresql_using="gin")
    else:
        op.execute("DROP TABLE search_fts")
        op.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5(tokens, filters, {_FTS_OPTIONS})")
        _refill_fts(connection, True, index_tokens)


def downgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table("search_texts") as batch_op:
        batch_op.add_column(sa.Column("is_latest", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    _set_latest(connection)
    with op.batch_alter_table("search_texts") as batch_op:
        batch_op.alter_column("is_latest", server_default=None)
    if connection.dialect.name == "postgresql":
        op.drop_index("ix_search_texts_filters", table_name="search_texts")
        op.drop_column("search_texts", "filters")
        op.execute("ALTER TABLE search_texts ALTER COLUMN tokens SET STORAGE EXTENDED")
        op.execute("ALTER TABLE search_texts RESET (toast_tuple_target)")
        _refill_tsvectors(connection, False, _tokens_0006)
    else:
        op.execute("DROP TABLE search_fts")
        op.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5(tokens, {_FTS_OPTIONS})")
        _refill_fts(connection, False, _tokens_0006)
