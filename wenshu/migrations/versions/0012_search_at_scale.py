"""search at a city's scale: bounded work per search, whatever the archive's size

FTS5's ``bm25()`` counts, for every query, each phrase's matches over the whole
index (its idf): at a million versions that alone takes longer than a search may.
SQLite now ranks the newest matches itself (:mod:`wenshu.archive.ranking`), from
two new ``search_texts`` columns:

- ``folded``: the text folded as the index sees it (:func:`~wenshu.archive.bigrams.fold`),
  where that differs from ``body`` (Traditional renditions, full-width digits,
  capitals), so that term frequencies are counted in SQL;
- ``token_count``: how many tokens the version was indexed with (text and filters),
  bm25's document length; indexed with the version id, so that the corpus
  statistics of the newest versions are read from the index alone.

PostgreSQL ranks the matches among the newest versions that pass a search's
filters: ``search_texts`` gains an index of version ids that carries the filter
tokens, so that those versions are found newest first without reading the rows
(whose tsvectors make them kilobytes wide).

``documents`` gains an index on (year, unit_code), the year being the period's
first four characters as searches ask for it: searches without text find a
year's documents directly instead of walking every document newest first.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

from wenshu.archive.bigrams import fold, index_tokens
from wenshu.archive.search import filter_tokens

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_BATCH = 2000


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


def _lengths(row: sa.Row) -> dict[str, object]:
    folded = fold(row.body)
    facts = filter_tokens(row.kind, row.unit_code, row.period, row.script, row.topic)
    return {"id": row.version_id, "folded": None if folded == row.body else folded,
            "count": len(index_tokens(row.body)) + len(facts)}


def upgrade() -> None:
    connection = op.get_bind()
    op.create_index("ix_documents_year_unit_code", "documents",
                    [sa.text("substr(period, 1, 4)"), "unit_code"])
    if connection.dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_search_texts_newest ON search_texts (version_id) "
                   "INCLUDE (filters)")
        op.execute("ANALYZE documents")  # the planner's statistics of the year expression
        return
    op.add_column("search_texts", sa.Column("folded", sa.Text(), nullable=True))
    op.add_column("search_texts", sa.Column("token_count", sa.Integer(), nullable=True))
    update = sa.text("UPDATE search_texts SET folded = :folded, token_count = :count "
                     "WHERE version_id = :id")
    for rows in _indexed(connection):
        connection.execute(update, [_lengths(row) for row in rows])
    op.create_index("ix_search_texts_version_id_token_count", "search_texts",
                    ["version_id", "token_count"])
    # SQLite's planner weighs an index by its statistics: give the new ones theirs.
    op.execute("ANALYZE documents")
    op.execute("ANALYZE search_texts")


def downgrade() -> None:
    # First: rebuilding search_texts below reflects documents, whose expression index
    # SQLAlchemy cannot reflect.
    op.drop_index("ix_documents_year_unit_code", table_name="documents")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_search_texts_newest", table_name="search_texts")
    else:
        op.drop_index("ix_search_texts_version_id_token_count", table_name="search_texts")
        with op.batch_alter_table("search_texts") as batch_op:
            batch_op.drop_column("token_count")
            batch_op.drop_column("folded")
