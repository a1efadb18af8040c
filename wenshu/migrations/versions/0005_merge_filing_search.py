"""merge the filing (0003) and search (0004) branches

Revision ID: 0005
Revises: 0003, 0004
Create Date: 2026-11-23
"""

revision = "0005"
down_revision = ("0003", "0004")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
