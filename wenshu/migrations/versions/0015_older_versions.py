"""older versions: which versions a newer one hides, kept by triggers

A search shows each document's newest version the user may see. Checking that
per match (is there a version of the same document with a higher number?) cost
two index lookups in ``document_versions`` for each of the up to 2,000 matches a
search ranks, about a quarter of a street clerk's search at a million filings.
``older_versions`` lists each version that has a newer one, and whether a newer
one is a record (filed, superseded or disposed: what hides it from an
archivist), so the check is one lookup in a table a tenth the size, by the
version id the text index already gives.

Triggers on ``document_versions`` keep it: a version added, deleted (only drafts
may be) or changing status refreshes its document's rows in the same transaction,
whatever writes it (the archive, a transfer import, a migration). On PostgreSQL the
refresh first locks the document's row, so two transactions changing versions of
one document refresh one after the other, the second seeing the first's versions.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_RECORD = "o.status IN ('filed', 'superseded', 'disposed')"


def _refresh(document: str, any_true: str) -> list[str]:
    """Statements that make ``older_versions`` right for one document's versions."""
    return [
        # A version whose newer ones were all deleted (drafts) is newest again.
        "DELETE FROM older_versions WHERE version_id IN (SELECT v.id FROM document_versions v "
        f"WHERE v.document_id = {document} AND NOT EXISTS (SELECT 1 FROM document_versions o "
        "WHERE o.document_id = v.document_id AND o.version > v.version))",
        "INSERT INTO older_versions (version_id, newer_record) "
        f"SELECT v.id, {any_true}({_RECORD}) FROM document_versions v "
        "JOIN document_versions o ON o.document_id = v.document_id AND o.version > v.version "
        f"WHERE v.document_id = {document} GROUP BY v.id "
        "ON CONFLICT (version_id) DO UPDATE SET newer_record = excluded.newer_record",
    ]


def _sqlite_triggers() -> list[str]:
    def trigger(name: str, event: str, row: str) -> str:
        body = "; ".join(_refresh(f"{row}.document_id", "max"))
        return (f"CREATE TRIGGER older_versions_{name} AFTER {event} ON document_versions "
                f"BEGIN {body}; END")

    return [trigger("insert", "INSERT", "NEW"), trigger("delete", "DELETE", "OLD"),
            trigger("status", "UPDATE OF status", "NEW")]


def _pg_triggers() -> list[str]:
    body = "; ".join(_refresh("document", "bool_or"))
    return [
        "CREATE FUNCTION older_versions_refresh() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE document integer; BEGIN "
        "IF TG_OP = 'DELETE' THEN document := OLD.document_id; "
        "ELSE document := NEW.document_id; END IF; "
        # NO KEY UPDATE waits for another refresh of this document, never for the key
        # share a new version's foreign key takes, so no two writers deadlock on it.
        "PERFORM 1 FROM documents WHERE id = document FOR NO KEY UPDATE; "
        f"{body}; RETURN NULL; END $$",
        "CREATE TRIGGER older_versions_refresh AFTER INSERT OR DELETE OR UPDATE OF status "
        "ON document_versions FOR EACH ROW EXECUTE FUNCTION older_versions_refresh()",
    ]


def upgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    op.create_table(
        "older_versions",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("newer_record", sa.Boolean(), nullable=False),
        # A deleted draft takes its own row along; the trigger sees to the others.
        sa.ForeignKeyConstraint(["version_id"], ["document_versions.id"],
                                name=op.f("fk_older_versions_version_id_document_versions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_older_versions")),
    )
    any_true = "bool_or" if postgresql else "max"
    op.execute(f"INSERT INTO older_versions (version_id, newer_record) "
               f"SELECT v.id, {any_true}({_RECORD}) FROM document_versions v "
               "JOIN document_versions o ON o.document_id = v.document_id "
               "AND o.version > v.version GROUP BY v.id")
    for statement in _pg_triggers() if postgresql else _sqlite_triggers():
        op.execute(statement)
    if postgresql:
        op.execute("ANALYZE older_versions")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS older_versions_refresh ON document_versions")
        op.execute("DROP FUNCTION IF EXISTS older_versions_refresh()")
    else:
        for name in ("insert", "delete", "status"):
            op.execute(f"DROP TRIGGER IF EXISTS older_versions_{name}")
    op.drop_table("older_versions")
