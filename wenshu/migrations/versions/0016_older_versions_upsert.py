"""older versions: a new version or a status change only adds and updates rows

0015's triggers ran the same two statements for every change to a document's
versions: delete the rows of versions that are newest again, then insert or update
the rows of versions that have a newer one. Only deleting a version (a draft) can
make another newest again, and then only the document's highest remaining version.

The delete cost far more than it needed to: PostgreSQL plans a trigger's statements once
per connection, and a connection that began when ``older_versions`` was small (0015
analyses it right after creating it) kept a plan that read the whole table for each
new version. Loading the search benchmark's 1,000,000 filings on one connection had
read 28.9 billion rows of it by 800,000 versions and stored 836,000 of 1,100,000 in 35
minutes; with these triggers the whole load takes 437 s.

Now a new version or a status change runs the insert-or-update alone, found by the
document's index and the primary key; a deleted version also removes the row of the
document's highest remaining version, by its primary key.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_RECORD = "o.status IN ('filed', 'superseded', 'disposed')"


def _upsert(document: str, any_true: str) -> str:
    """Rows for every version of the document that has a newer one, their flag updated."""
    return ("INSERT INTO older_versions (version_id, newer_record) "
            f"SELECT v.id, {any_true}({_RECORD}) FROM document_versions v "
            "JOIN document_versions o ON o.document_id = v.document_id AND o.version > v.version "
            f"WHERE v.document_id = {document} GROUP BY v.id "
            "ON CONFLICT (version_id) DO UPDATE SET newer_record = excluded.newer_record")


def _newest_again(document: str) -> str:
    """After a version is deleted: the document's highest remaining version is newest."""
    return ("DELETE FROM older_versions WHERE version_id = (SELECT v.id FROM document_versions v "
            f"WHERE v.document_id = {document} ORDER BY v.version DESC LIMIT 1)")


def _newest_again_0015(document: str) -> str:
    """0015's delete, run on every change (the downgrade restores it)."""
    return ("DELETE FROM older_versions WHERE version_id IN (SELECT v.id FROM document_versions v "
            f"WHERE v.document_id = {document} AND NOT EXISTS (SELECT 1 FROM document_versions o "
            "WHERE o.document_id = v.document_id AND o.version > v.version))")


def _sqlite_triggers(on_every_change: bool) -> list[str]:
    statements = []
    for name, event, row in (("insert", "INSERT", "NEW"), ("delete", "DELETE", "OLD"),
                             ("status", "UPDATE OF status", "NEW")):
        document = f"{row}.document_id"
        delete = ([_newest_again_0015(document)] if on_every_change
                  else [_newest_again(document)] if name == "delete" else [])
        body = [*delete, _upsert(document, "max")]
        statements += [f"DROP TRIGGER IF EXISTS older_versions_{name}",
                       f"CREATE TRIGGER older_versions_{name} AFTER {event} ON document_versions "
                       f"BEGIN {'; '.join(body)}; END"]
    return statements


def _pg_function(on_every_change: bool) -> str:
    delete = (f"{_newest_again_0015('document')}; " if on_every_change
              else f"IF TG_OP = 'DELETE' THEN {_newest_again('document')}; END IF; ")
    return (
        "CREATE OR REPLACE FUNCTION older_versions_refresh() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ DECLARE document integer; BEGIN "
        "IF TG_OP = 'DELETE' THEN document := OLD.document_id; "
        "ELSE document := NEW.document_id; END IF; "
        # As in 0015: waits for another refresh of this document, never deadlocks.
        "PERFORM 1 FROM documents WHERE id = document FOR NO KEY UPDATE; "
        f"{delete}{_upsert('document', 'bool_or')}; RETURN NULL; END $$")


def _replace(on_every_change: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_pg_function(on_every_change))  # the trigger calls it by name
    else:
        for statement in _sqlite_triggers(on_every_change):
            op.execute(statement)


def upgrade() -> None:
    _replace(on_every_change=False)


def downgrade() -> None:
    _replace(on_every_change=True)
