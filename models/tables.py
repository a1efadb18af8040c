"""The database schema (SQLAlchemy 2 declarative). Alembic migrations mirror it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UNIT_LEVELS = ("district", "street", "community", "department")


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """An organisation unit (机构): district, street, community or department."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), index=True)
    # 署名: the issuing organ that signs the unit's documents (e.g. 龙岗区卫生健康局).
    organ: Mapped[str | None] = mapped_column(String(100))


class SourceFile(Base):
    """An imported input file, identified by its content so a re-import is a no-op."""

    __tablename__ = "source_files"
    __table_args__ = (UniqueConstraint("kind", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # units | ledger | figures | targets
    name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # When its content was last read in (NULL: only at imported_at), and how many stored
    # rows that reading replaced, withdrew or restored: the same content handed in again
    # after a later file replaced something is read again, not skipped as imported.
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows_replaced: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_stored: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)


class Activity(Base):
    """One ledger row (台账记录): one thing done by one unit on one date. Only rows not
    withdrawn (:attr:`withdrawn_at` is NULL) count."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    activity_type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    sessions: Mapped[int | None] = mapped_column(Integer)
    participants: Mapped[int | None] = mapped_column(Integer)
    households: Mapped[int | None] = mapped_column(Integer)
    materials: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    notes: Mapped[str | None] = mapped_column(Text)
    source_file_id: Mapped[int] = mapped_column(ForeignKey("source_files.id"))
    source_row: Mapped[int] = mapped_column(Integer)
    # The workbook sheet the row was on (NULL: a CSV file, or stored before it was kept).
    source_sheet: Mapped[str | None] = mapped_column(String(100))
    # SHA-256 of the row's content: the same activity imported twice is stored once.
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A row a corrected ledger changed or left out is withdrawn, not deleted: it no longer
    # counts, and the file that withdrew it is kept beside it (a later file may restore it).
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_file_id: Mapped[int | None] = mapped_column(ForeignKey("source_files.id"))

    @classmethod
    def counted(cls) -> ColumnElement[bool]:
        """The condition for rows that count: not withdrawn."""
        return cls.withdrawn_at.is_(None)


class BaseFigure(Base):
    """A figure a unit reports directly for a year (应查人数, 出生人数 ...)."""

    __tablename__ = "base_figures"
    __table_args__ = (UniqueConstraint("unit_code", "year", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    source_file_id: Mapped[int] = mapped_column(ForeignKey("source_files.id"))


class Target(Base):
    """A target a unit signed for a year (目标管理责任书)."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("unit_code", "year", "indicator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(64))
    comparator: Mapped[str] = mapped_column(String(8))  # ge | le | eq | range
    value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    high: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    source_file_id: Mapped[int] = mapped_column(ForeignKey("source_files.id"))


class Document(Base):
    """A document identity: one kind, for one unit, period, topic (some kinds) and script."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("kind", "unit_code", "period", "topic", "script",
                                       name="uq_documents_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # simplified | traditional: a Traditional rendition is a document of its own.
    script: Mapped[str] = mapped_column(String(16), default="simplified",
                                        server_default="simplified")
    title: Mapped[str] = mapped_column(String(300))

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.version"
    )


class DocumentVersion(Base):
    """One immutable generation of a document, with its provenance.

    Database triggers (migration 0010) keep it so: a draft changes only by being
    filed, a filed version only by being superseded or disposed of, and a filed
    version and its stored files are never deleted (disposal removes the files).
    """

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    template_name: Mapped[str] = mapped_column(String(200))
    template_sha256: Mapped[str] = mapped_column(String(64))
    input_sha256: Mapped[str] = mapped_column(String(64))
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    # What the document says of itself, recorded when it is stored: its signing date
    # (成文日期, --issued) and doc number (发文字号, --doc-number; "" for none). NULL on
    # versions stored before migration 0010 (see wenshu.archive.metadata.signing_date).
    issued_on: Mapped[date | None] = mapped_column(Date)
    doc_number: Mapped[str | None] = mapped_column(Text)
    # draft until filed; a filed version is superseded when a correction is filed,
    # and disposed once destroyed past its retention.
    status: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    filed_by: Mapped[str | None] = mapped_column(String(100))
    # 档号 parts (DA/T 22-2015) and the assembled code, set once at filing.
    fonds: Mapped[str | None] = mapped_column(String(8))
    filing_year: Mapped[int | None] = mapped_column(Integer)
    retention: Mapped[str | None] = mapped_column(String(4))  # Y | D30 | D10
    org_code: Mapped[str | None] = mapped_column(String(16))
    item_number: Mapped[int | None] = mapped_column(Integer)
    archival_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A correction names the filed version it replaces and why.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id"))
    change_reason: Mapped[str | None] = mapped_column(Text)
    # Disposal (销毁) past retention removes the files and keeps this record.
    disposed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disposed_by: Mapped[str | None] = mapped_column(String(100))
    disposal_reason: Mapped[str | None] = mapped_column(Text)

    document: Mapped[Document] = relationship(back_populates="versions")
    files: Mapped[list[StoredFile]] = relationship(
        back_populates="version", order_by="StoredFile.format"
    )


class StoredFile(Base):
    """A file of a version in the archive, with its digest recorded at ingest.

    Frozen once its version is filed; deleted only when the version is disposed of.
    """

    __tablename__ = "stored_files"
    __table_args__ = (UniqueConstraint("version_id", "format"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    format: Mapped[str] = mapped_column(String(16))  # docx | pdf | pdf_filed | dat46
    path: Mapped[str] = mapped_column(String(500))  # relative to the archive root
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)

    version: Mapped[DocumentVersion] = relationship(back_populates="files")


class FilingCounter(Base):
    """The last 件号 given in one fonds + year + retention + organisation group.

    Filing locks this row, so numbers are handed out one at a time and without gaps.
    """

    __tablename__ = "filing_counters"

    fonds: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    retention: Mapped[str] = mapped_column(String(4), primary_key=True)
    org_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class OfficeTemplate(Base):
    """One installed version of an office's own Word template for a document kind.

    ``unit_code`` is the unit whose subtree renders the kind with it, ``*`` for every
    unit. ``stored_name`` (``year_summary.440307.v2.docx`` under the data directory's
    ``templates/``) and ``sha256`` are what each document made with it records. At
    most one version per kind and unit is active; installing another replaces it,
    removing it lets the unit fall back to its parent's (or the shipped) template.
    """

    __tablename__ = "office_templates"
    __table_args__ = (
        UniqueConstraint("kind", "unit_code", "version"),
        Index("ix_office_templates_active", "kind", "unit_code", unique=True,
              sqlite_where=text("status = 'active'"),
              postgresql_where=text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(200), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # active | replaced | removed
    installed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    installed_by: Mapped[str] = mapped_column(String(64))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[str | None] = mapped_column(String(64))


class InspectionFinding(Base):
    """What an inspection recorded for one unit and observed item (检查记录).

    An inspection is a checklist applied for a period (2025, 2026H1, 2026-03 …); the
    follow-up inspection is the same checklist for a later period.
    """

    __tablename__ = "inspection_findings"
    __table_args__ = (UniqueConstraint("checklist", "period", "unit_code", "item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checklist: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    item: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)  # as answer_text writes it: 是, 5, 92.5, text
    note: Mapped[str | None] = mapped_column(Text)
    inspector: Mapped[str] = mapped_column(String(100))
    source_file_id: Mapped[int] = mapped_column(ForeignKey("source_files.id"))


class PlacementLease(Base):
    """A placement under way in the archive: one file or version folder a writer is placing.

    Taken in its own committed transaction before the writer touches ``target``, and
    deleted in the transaction that records what was placed; one that outlives its
    ``expires_at`` (the database's clock) is a crashed writer's, whose leftovers any
    process may clean up (:mod:`wenshu.archive.placing`).
    """

    __tablename__ = "placement_leases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(500), unique=True)  # relative to the archive root
    staging: Mapped[str] = mapped_column(String(200))  # relative to the archive root
    token: Mapped[str] = mapped_column(String(32), index=True)  # one per placing writer
    owner: Mapped[str] = mapped_column(String(200))  # host and pid, for people reading it
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
