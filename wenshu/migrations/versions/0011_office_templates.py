"""office templates: offices' own Word templates per kind and unit, versioned

``office_templates`` records each installed version: kind, the unit whose subtree
uses it (``*`` for every unit), version number, the stored file's name under the
data directory's ``templates/`` and its SHA-256 (both recorded on every document
made with it), who installed it and when, and when it was replaced or removed. A
partial unique index keeps one active version per kind and unit.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_table(
        "office_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=200), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("installed_by", sa.String(length=64), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_office_templates"),
        sa.UniqueConstraint("kind", "unit_code", "version",
                            name="uq_office_templates_kind"),
        sa.UniqueConstraint("stored_name", name="uq_office_templates_stored_name"),
    )
    op.create_index("ix_office_templates_active", "office_templates", ["kind", "unit_code"],
                    unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:
    op.drop_index("ix_office_templates_active", table_name="office_templates")
    op.drop_table("office_templates")
