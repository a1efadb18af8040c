"""placement leases: the archive's writers coordinate through the database

A writer takes a lease on each file or version folder it is about to place
(unique per target), and deletes it in the transaction that records the files.
A lease left past its expiry by a crashed writer lets any process, on any
machine, remove what that writer left half-placed. Replaces the archive's
``.pending`` journals, ``flock`` and the local process table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "placement_leases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("staging", sa.String(200), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_leases")),
        sa.UniqueConstraint("target", name=op.f("uq_placement_leases_target")),
    )
    op.create_index(op.f("ix_placement_leases_token"), "placement_leases", ["token"])


def downgrade() -> None:
    # A plain DROP TABLE on both databases: no other table refers to it.
    op.drop_table("placement_leases")
