"""records that cannot drift: each version's signing date and doc number; filed records frozen

``document_versions`` gains ``issued_on`` (the 成文日期 printed in the document,
``--issued``) and ``doc_number`` (the 发文字号 printed in its letterhead,
``--doc-number``; "" when it has none). Versions stored before this revision
have both NULL: not recorded (see ``wenshu.archive.metadata.signing_date`` for
what is used instead).

Filed records become immutable in the database itself, as the audit log is
(0006): triggers refuse

- any change to a filed, superseded or disposed version's provenance (document,
  number, creation time, template and input digests, flow run, signing date, doc
  number) and filing (档号 and its parts, when and by whom filed, the version it
  corrects and why), and any status move but filed → superseded and filed or
  superseded → disposed (the latter setting the disposal fields, which are
  otherwise frozen too);
- any change to a draft but its filing: draft → filed with every filing field
  set, in one update (provenance and disposal fields untouched);
- deleting a version that is not a draft;
- updating a stored_files row of a version that is not a draft, and deleting
  one unless its version has been disposed of (disposal removes them);
- on PostgreSQL, TRUNCATE of either table.

Inserting is not guarded: storing, filing (its stamped PDF and metadata) and
transfer import add rows.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The columns as this revision knows them (frozen here: later code may add others).
PROVENANCE = ("id", "document_id", "version", "created_at", "template_name", "template_sha256",
              "input_sha256", "flow_run_id", "issued_on", "doc_number")
FILING = ("filed_at", "filed_by", "fonds", "filing_year", "retention", "org_code",
          "item_number", "archival_code", "supersedes_id", "change_reason")
SET_AT_FILING = FILING[:8]  # supersedes_id and change_reason only for a correction
DISPOSAL = ("disposed_at", "disposed_by", "disposal_reason")

FILED_CHANGED = "已归档的版本不可更改 (filed document_versions are immutable)"
DRAFT_CHANGED = ("草稿只能整体归档：状态 draft→filed 并填齐归档字段 "
                 "(a draft changes only by being filed; versions are immutable)")
FILED_DELETED = "已归档的版本不可删除 (filed document_versions are immutable)"
FILE_CHANGED = "已归档版本的存储文件记录不可更改 (stored_files of filed versions are immutable)"
FILE_DELETED = ("已归档版本的存储文件记录只在销毁时删除 "
                "(stored_files of filed versions are immutable until disposal)")
TRUNCATED = "档案记录不可清空 (filed records are immutable: no TRUNCATE)"


def _all(columns: tuple[str, ...], test: str) -> str:
    return " AND ".join(test.format(c=c) for c in columns)


def _rules(same: str) -> tuple[str, str]:
    """(a filed version's allowed update, a draft's allowed update) as SQL conditions.

    ``same`` compares NEW and OLD of one column, NULLs equal (``{c}`` is the column).
    """
    unchanged = _all(PROVENANCE + FILING, same)
    disposal_unchanged = _all(DISPOSAL, same)
    filed = (f"{unchanged} AND ("
             f"(NEW.status = OLD.status AND {disposal_unchanged}) "
             f"OR (OLD.status = 'filed' AND NEW.status = 'superseded' AND {disposal_unchanged}) "
             "OR (OLD.status IN ('filed', 'superseded') AND NEW.status = 'disposed' AND "
             f"{_all(DISPOSAL, 'NEW.{c} IS NOT NULL')}))")
    draft = (f"{_all(PROVENANCE, same)} AND {_all(DISPOSAL, 'NEW.{c} IS NULL')} AND ("
             f"(NEW.status = 'draft' AND {_all(FILING, same)}) "
             f"OR (NEW.status = 'filed' AND {_all(SET_AT_FILING, 'NEW.{c} IS NOT NULL')}))")
    return filed, draft


def _sqlite_guards() -> list[str]:
    filed, draft = _rules("NEW.{c} IS OLD.{c}")
    not_draft = ("EXISTS (SELECT 1 FROM document_versions v WHERE v.id IN "
                 "(OLD.version_id, NEW.version_id) AND v.status <> 'draft')")
    not_gone = ("EXISTS (SELECT 1 FROM document_versions v WHERE v.id = OLD.version_id "
                "AND v.status NOT IN ('draft', 'disposed'))")
    return [
        f"""CREATE TRIGGER document_versions_filed_no_change BEFORE UPDATE ON document_versions
            WHEN OLD.status <> 'draft' AND NOT ({filed})
            BEGIN SELECT RAISE(ABORT, '{FILED_CHANGED}'); END""",
        f"""CREATE TRIGGER document_versions_draft_only_filed BEFORE UPDATE ON document_versions
            WHEN OLD.status = 'draft' AND NOT ({draft})
            BEGIN SELECT RAISE(ABORT, '{DRAFT_CHANGED}'); END""",
        f"""CREATE TRIGGER document_versions_filed_no_delete BEFORE DELETE ON document_versions
            WHEN OLD.status <> 'draft'
            BEGIN SELECT RAISE(ABORT, '{FILED_DELETED}'); END""",
        f"""CREATE TRIGGER stored_files_filed_no_change BEFORE UPDATE ON stored_files
            WHEN {not_draft}
            BEGIN SELECT RAISE(ABORT, '{FILE_CHANGED}'); END""",
        f"""CREATE TRIGGER stored_files_filed_no_delete BEFORE DELETE ON stored_files
            WHEN {not_gone}
            BEGIN SELECT RAISE(ABORT, '{FILE_DELETED}'); END""",
    ]


def _pg_guards() -> list[str]:
    filed, draft = _rules("NEW.{c} IS NOT DISTINCT FROM OLD.{c}")
    return [
        f"""CREATE FUNCTION document_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                IF OLD.status <> 'draft' THEN RAISE EXCEPTION '{FILED_DELETED}'; END IF;
                RETURN OLD;
              END IF;
              IF OLD.status <> 'draft' AND NOT ({filed}) THEN
                RAISE EXCEPTION '{FILED_CHANGED}';
              END IF;
              IF OLD.status = 'draft' AND NOT ({draft}) THEN
                RAISE EXCEPTION '{DRAFT_CHANGED}';
              END IF;
              RETURN NEW;
            END $$""",
        f"""CREATE FUNCTION stored_files_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                IF EXISTS (SELECT 1 FROM document_versions v WHERE v.id = OLD.version_id
                           AND v.status NOT IN ('draft', 'disposed')) THEN
                  RAISE EXCEPTION '{FILE_DELETED}';
                END IF;
                RETURN OLD;
              END IF;
              IF EXISTS (SELECT 1 FROM document_versions v WHERE v.id IN
                         (OLD.version_id, NEW.version_id) AND v.status <> 'draft') THEN
                RAISE EXCEPTION '{FILE_CHANGED}';
              END IF;
              RETURN NEW;
            END $$""",
        f"""CREATE FUNCTION filed_records_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{TRUNCATED}'; END $$""",
        """CREATE TRIGGER document_versions_guard BEFORE UPDATE OR DELETE ON document_versions
           FOR EACH ROW EXECUTE FUNCTION document_versions_guard()""",
        """CREATE TRIGGER document_versions_no_truncate BEFORE TRUNCATE ON document_versions
           FOR EACH STATEMENT EXECUTE FUNCTION filed_records_no_truncate()""",
        """CREATE TRIGGER stored_files_guard BEFORE UPDATE OR DELETE ON stored_files
           FOR EACH ROW EXECUTE FUNCTION stored_files_guard()""",
        """CREATE TRIGGER stored_files_no_truncate BEFORE TRUNCATE ON stored_files
           FOR EACH STATEMENT EXECUTE FUNCTION filed_records_no_truncate()""",
    ]


_SQLITE_DROPS = ["DROP TRIGGER IF EXISTS " + name for name in (
    "document_versions_filed_no_change", "document_versions_draft_only_filed",
    "document_versions_filed_no_delete", "stored_files_filed_no_change",
    "stored_files_filed_no_delete")]
_PG_DROPS = [
    "DROP TRIGGER IF EXISTS document_versions_guard ON document_versions",
    "DROP TRIGGER IF EXISTS document_versions_no_truncate ON document_versions",
    "DROP TRIGGER IF EXISTS stored_files_guard ON stored_files",
    "DROP TRIGGER IF EXISTS stored_files_no_truncate ON stored_files",
    "DROP FUNCTION IF EXISTS document_versions_guard()",
    "DROP FUNCTION IF EXISTS stored_files_guard()",
    "DROP FUNCTION IF EXISTS filed_records_no_truncate()",
]


def _by_dialect(postgresql: Callable[[], list[str]] | list[str],
                sqlite: Callable[[], list[str]] | list[str]) -> list[str]:
    chosen = postgresql if op.get_bind().dialect.name == "postgresql" else sqlite
    return chosen() if callable(chosen) else chosen


def upgrade() -> None:
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issued_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("doc_number", sa.Text(), nullable=True))
    # After the columns: a SQLite table rebuilt by batch mode loses its triggers.
    for statement in _by_dialect(_pg_guards, _sqlite_guards):
        op.execute(statement)


def downgrade() -> None:
    for statement in _by_dialect(_PG_DROPS, _SQLITE_DROPS):
        op.execute(statement)
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the table, which the
    # file rows' foreign keys refuse.
    for column in ("doc_number", "issued_on"):
        op.execute(f"ALTER TABLE document_versions DROP COLUMN {column}")
