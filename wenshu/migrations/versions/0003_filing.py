"""filing: version status, 档号 parts, corrections, 件号 counters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=False,
                                      server_default="draft"))
        batch_op.add_column(sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("filed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("fonds", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("filing_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("retention", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("org_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("item_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("archival_code", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("change_reason", sa.Text(), nullable=True))
        batch_op.create_unique_constraint("uq_document_versions_archival_code",
                                          ["archival_code"])
        batch_op.create_foreign_key("fk_document_versions_supersedes_id_document_versions",
                                    "document_versions", ["supersedes_id"], ["id"])
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.alter_column("format", existing_type=sa.String(length=8),
                              type_=sa.String(length=16), existing_nullable=False)
    op.create_table(
        "filing_counters",
        sa.Column("fonds", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("retention", sa.String(length=4), nullable=False),
        sa.Column("org_code", sa.String(length=16), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("fonds", "year", "retention", "org_code",
                                name="pk_filing_counters"),
    )


def downgrade() -> None:
    op.drop_table("filing_counters")
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.alter_column("format", existing_type=sa.String(length=16),
                              type_=sa.String(length=8), existing_nullable=False)
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_document_versions_supersedes_id_document_versions",
                                 type_="foreignkey")
        batch_op.drop_constraint("uq_document_versions_archival_code", type_="unique")
        for column in ("change_reason", "supersedes_id", "archival_code", "item_number",
                       "org_code", "retention", "filing_year", "fonds", "filed_by", "filed_at",
                       "status"):
            batch_op.drop_column(column)
