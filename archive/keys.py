"""What names a stored document and its files: the key a document keeps across its
versions, a version and its files as the archive records them, a file's digest, and the
choice of one version among a document's. Plain values, no I/O but reading a file to
digest it; the store (:mod:`wenshu.archive.store`) keeps them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from wenshu.codes import check_unit_code
from wenshu.errors import ArchiveError, NotFoundError, PathError
from wenshu.models.tables import DocumentVersion
from wenshu.paths import check_name

SCRIPTS = ("simplified", "traditional")


@dataclass(frozen=True)
class DocumentKey:
    """What identifies a document across its versions."""

    kind: str
    unit_code: str
    period: str
    topic: str = ""  # e.g. the campaign of an implementation plan; "" for most kinds
    script: str = "simplified"  # or "traditional"

    @property
    def stem(self) -> str:
        """The stored files' name without extension (check the key before using it in a path)."""
        script = "" if self.script == "simplified" else self.script
        parts = (self.unit_code, self.period, self.kind, self.topic, script)
        return "_".join(p for p in parts if p)

    def check(self) -> DocumentKey:
        """This key, once every part is fit to name a folder or file; raises if not.

        Every part comes from data (the database, a transfer package, a campaign
        spec): the unit code must be valid (:class:`~wenshu.errors.CodeError`),
        kind, period and topic single names not starting with ``.`` (the store's
        bookkeeping folders do) (:class:`~wenshu.errors.PathError`), and the
        script a known one (:class:`~wenshu.errors.ArchiveError`).
        """
        check_unit_code(self.unit_code)
        for part in (self.kind, self.period, *((self.topic,) if self.topic else ())):
            check_name(part)
            if part.startswith("."):
                raise PathError(f"“{part}”不能用作档案文件夹名：不能以“.”开头")
        if self.script not in SCRIPTS:
            raise ArchiveError(f"script {self.script!r} must be one of {', '.join(SCRIPTS)}")
        return self


@dataclass(frozen=True)
class ArchivedFile:
    """One stored file of a version."""

    format: str
    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class StoredVersion:
    """A version of a document as the archive records it."""

    document_id: int
    key: DocumentKey
    title: str
    version: int
    created_at: datetime
    template_name: str
    template_sha256: str
    input_sha256: str
    flow_run_id: str | None
    files: Mapping[str, ArchivedFile]
    created: bool = True  # False when an identical version already existed
    issued_on: date | None = None  # the signing date printed in it; None: not recorded
    doc_number: str | None = None  # the doc number printed in it ("" none); None: not recorded


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


V = TypeVar("V", StoredVersion, DocumentVersion)


def select_version(versions: Sequence[V], document_id: int, number: int | None) -> V:
    """Version ``number`` among a document's versions (oldest first), or the latest."""
    if number is None:
        return versions[-1]
    for item in versions:
        if item.version == number:
            return item
    raise NotFoundError(f"文档 {document_id} 没有第 {number} 版"
                        f"（现有：{'、'.join(str(v.version) for v in versions)}）")
