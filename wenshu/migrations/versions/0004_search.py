"""full-text search: each version's text, indexed as overlapping Chinese character bigrams

search_texts keeps the extracted text (for snippets) and which version is a
document's latest. The index itself differs by database: an FTS5 table on
SQLite (rowid = version id), a tsvector column with a GIN index on PostgreSQL.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    columns = [
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    ]
    if dialect == "postgresql":
        columns.append(sa.Column("tokens", postgresql.TSVECTOR(), nullable=False))
    op.create_table(
        "search_texts", *columns,
        sa.ForeignKeyConstraint(["version_id"], ["document_versions.id"],
                                name=op.f("fk_search_texts_version_id_document_versions")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_search_texts_document_id_documents")),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_search_texts")),
    )
    op.create_index("ix_search_texts_document_id", "search_texts", ["document_id"])
    if dialect == "postgresql":
        op.create_index("ix_search_texts_tokens", "search_texts", ["tokens"],
                        postgresql_using="gin")
    else:
        # Contentless: the text lives in search_texts; the index only needs the tokens.
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5("
                   "tokens, content='', tokenize='unicode61 remove_diacritics 0')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_texts")
