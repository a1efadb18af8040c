"""inspection findings: what inspectors recorded per checklist, period, unit and item

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checklist", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("inspector", sa.String(length=100), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"],
                                name="fk_inspection_findings_unit_code_units"),
        sa.ForeignKeyConstraint(["source_file_id"], ["source_files.id"],
                                name="fk_inspection_findings_source_file_id_source_files"),
        sa.PrimaryKeyConstraint("id", name="pk_inspection_findings"),
        sa.UniqueConstraint("checklist", "period", "unit_code", "item",
                            name="uq_inspection_findings_checklist"),
    )
    op.create_index("ix_inspection_findings_unit_code", "inspection_findings", ["unit_code"])


def downgrade() -> None:
    op.drop_index("ix_inspection_findings_unit_code", table_name="inspection_findings")
    op.drop_table("inspection_findings")
