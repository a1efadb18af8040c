"""units gain an optional 署名 (organ): the issuing organ that signs their documents

A district is an area (龙岗区); its documents are signed by an organ such as
龙岗区卫生健康局. Units stored before this revision have none (NULL): documents
fall back to the unit's name with its level's organ word (街道办事处 …).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("organ", sa.String(100), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the table, which the
    # other tables' foreign keys refuse.
    op.execute("ALTER TABLE units DROP COLUMN organ")
