"""documents.topic and .script: a document is identified by kind, unit, period, topic, script

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic", sa.String(length=64), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("script", sa.String(length=16), nullable=False,
                                      server_default="simplified"))
        batch_op.drop_constraint("uq_documents_kind", type_="unique")
        batch_op.create_unique_constraint("uq_documents_identity",
                                          ["kind", "unit_code", "period", "topic", "script"])


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("uq_documents_identity", type_="unique")
        batch_op.create_unique_constraint("uq_documents_kind", ["kind", "unit_code", "period"])
        batch_op.drop_column("script")
        batch_op.drop_column("topic")
