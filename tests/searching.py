"""Helpers the archive tests share: small Word documents, a stored version's id, and
migrating the test database up or down."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from docx import Document as new_docx

from wenshu.archive import StoredVersion
from wenshu.archive.snippets import Snippet
from wenshu.db import get_engine, session_scope
from wenshu.settings import Settings


def write_docx(path: Path, paragraphs: list[str], rows: list[list[str]] | None = None) -> Path:
    """A Word file with these paragraphs and, when given, one table of these rows."""
    document = new_docx()
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    document.save(str(path))
    return path


def version_id_of(settings: Settings, stored: StoredVersion) -> int:
    """The database id of a stored version."""
    with session_scope(settings) as session:
        return session.scalar(sa.text(
            "SELECT id FROM document_versions WHERE document_id = :d AND version = :n"),
            {"d": stored.document_id, "n": stored.version})


def migrate(settings: Settings, revision: str, *, down: bool = False) -> None:
    """Upgrade (or, ``down``, downgrade) the test database to ``revision``."""
    config = Config()
    config.set_main_option("script_location", str(files("wenshu") / "migrations"))
    config.set_main_option("sqlalchemy.url", settings.db_url.replace("%", "%%"))
    with get_engine(settings).begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def marked(snippet: Snippet, left: str = "【", right: str = "】") -> str:
    """A snippet's text with every matched term between ``left`` and ``right``."""
    return "".join(f"{left}{text}{right}" if hit else text for text, hit in snippet.parts())
