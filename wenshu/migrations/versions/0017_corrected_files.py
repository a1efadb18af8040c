"""corrected files: activities gain withdrawn_at, withdrawn_by_file_id and source_sheet,
source files read_at and rows_replaced

Re-importing a corrected ledger used to keep the old row beside the corrected one, so a
figure fixed from 50 to 60 counted 110. A row the corrected file changes or leaves out
is now withdrawn: kept, marked with when and by which source file, and no longer counted.
Rows stored before this revision are all current (NULL). A row also keeps the sheet it
was on, so a message can name 工作表“3月”第5行 of a workbook with a sheet per month.

A file's content handed in again after a later file replaced, withdrew or restored stored
rows is read again, not skipped as imported: ``read_at`` says when a file was last read
in (NULL: only when first imported), ``rows_replaced`` how many stored rows that
reading changed (0 for files stored before this revision).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_files") as batch:
        batch.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("rows_replaced", sa.Integer(), nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_by_file_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source_sheet", sa.String(100), nullable=True))
        batch.create_foreign_key(op.f("fk_activities_withdrawn_by_file_id_source_files"),
                                 "source_files", ["withdrawn_by_file_id"], ["id"])


def downgrade() -> None:
    # Withdrawn rows would count again without the column: drop them with it.
    op.execute("DELETE FROM activities WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table("activities") as batch:
        batch.drop_constraint(op.f("fk_activities_withdrawn_by_file_id_source_files"),
                              type_="foreignkey")
        batch.drop_column("withdrawn_by_file_id")
        batch.drop_column("source_sheet")
        batch.drop_column("withdrawn_at")
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the table, which the
    # other tables' foreign keys refuse.
    op.execute("ALTER TABLE source_files DROP COLUMN read_at")
    op.execute("ALTER TABLE source_files DROP COLUMN rows_replaced")
