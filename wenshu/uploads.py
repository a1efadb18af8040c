"""Files handed in through the web app or the API: limited in size, typed by their content,
kept under a generated name, and readable only by whoever handed them in.

The name a user gave a file is kept for messages (row errors name it) and never
reaches the filesystem.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import select

from wenshu.access import Actor, authorize
from wenshu.db import as_utc, session_scope, write_scope
from wenshu.errors import NotFoundError, WenshuError
from wenshu.models.access_tables import Upload
from wenshu.paths import inside
from wenshu.settings import Settings

MAX_BYTES = 20 * 1024 * 1024
# What each purpose accepts, by sniffed type.
TABLES = ("xlsx", "xls", "csv")
ACCEPTED = {"ledger": TABLES, "figures": TABLES, "targets": TABLES, "units": TABLES,
            "findings": TABLES, "spec": ("yaml",), "answers": ("yaml",)}
# Who may hand in what: the action a purpose's later use needs.
PURPOSE_ACTIONS = {"ledger": "submit", "figures": "submit", "targets": "submit",
                   "units": "manage", "findings": "inspect", "spec": "generate",
                   "answers": "generate"}
PURPOSES = tuple(ACCEPTED)
TYPE_LABELS = {"xlsx": "Excel 工作簿（.xlsx）", "xls": "Excel 97-2003 工作簿（.xls）",
               "csv": "CSV 文本（.csv）", "yaml": "YAML 文本（.yaml）"}
# An .xls is an OLE2 compound file: it starts with this signature (as .doc and .ppt do;
# the reader tells a workbook from them).
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UploadError(WenshuError):
    """A file that cannot be accepted: empty, or not what it claims to be."""


class UploadTooLarge(UploadError):
    """A file over :data:`MAX_BYTES`."""


@dataclass(frozen=True)
class UploadInfo:
    """An upload as its owner sees it."""

    id: str
    purpose: str
    original_name: str
    size: int
    sha256: str
    created_at: datetime
    status: str  # new | imported | partly | rejected | revision (services.data.import_upload)
    result: dict[str, Any] | None
    path: Path


def sniff(data: bytes) -> str | None:
    """The file's type from its bytes: ``xlsx``, ``xls``, ``csv``, ``yaml`` or None.

    An .xlsx is a zip holding a workbook, an .xls an OLE2 compound file; text is UTF-8
    (with or without BOM) or GB18030 without NUL bytes. CSV and YAML are both text: YAML is told apart by its
    ``key:`` lines and the absence of commas on them.
    """
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        return "xlsx" if "xl/workbook.xml" in names and "[Content_Types].xml" in names else None
    if data.startswith(_OLE2):
        return "xls"
    if b"\x00" in data[:65536]:
        return None
    text = _decode(data)
    if text is None:
        return None
    lines = [line for line in text.splitlines()[:50] if line.strip()
             and not line.lstrip().startswith("#")]
    if lines and all(":" in line or line.lstrip().startswith("-") for line in lines[:5]) \
            and not any("," in line for line in lines[:1]):
        return "yaml"
    return "csv"


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _folder(settings: Settings) -> Path:
    folder = settings.home / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _display_name(name: str) -> str:
    """The last part of what the browser sent, for messages only."""
    shown = PurePath(name.replace("\\", "/")).name.strip() or "未命名文件"
    return shown[:200]


def save_upload(settings: Settings, actor: Actor, purpose: str, name: str,
                data: bytes) -> UploadInfo:
    """Check and keep an uploaded file; raises :class:`UploadError` naming what is wrong,
    and :class:`~wenshu.errors.AccessDenied` when the actor's role has no use for it."""
    shown = _display_name(name)
    if purpose not in PURPOSES:
        raise UploadError(f"未知的上传用途“{purpose[:20]}”")
    authorize(settings, actor, PURPOSE_ACTIONS[purpose], target=f"upload:{purpose}")
    if not data:
        raise UploadError(f"{shown}：文件是空的")
    if len(data) > MAX_BYTES:
        raise UploadTooLarge(f"{shown}：文件过大（{len(data) // 1024 // 1024} MB），"
                          f"最大 {MAX_BYTES // 1024 // 1024} MB")
    kind = sniff(data)
    accepted = ACCEPTED[purpose]
    if kind not in accepted:
        wanted = "或".join(TYPE_LABELS[k] for k in accepted)
        raise UploadError(f"{shown}：文件内容不是{wanted}，请用 Excel 另存为后再上传")
    upload_id = uuid.uuid4().hex
    stored = inside(_folder(settings), f"{upload_id}.{kind}")
    try:
        stored.write_bytes(data)
    except OSError:
        stored.unlink(missing_ok=True)  # no part of a file is kept (a full disk, say)
        raise
    row = Upload(id=upload_id, user_name=actor.name, purpose=purpose, original_name=shown,
                 stored_name=stored.name, size=len(data),
                 sha256=hashlib.sha256(data).hexdigest(), created_at=datetime.now(UTC),
                 status="new")
    with write_scope(settings) as session:
        session.add(row)
        session.flush()
        return _info(settings, row)


def save_data(settings: Settings, actor: Actor, purpose: str, name: str,
              data: Mapping[str, Any]) -> UploadInfo:
    """Keep data typed into a form or sent as JSON (an answers file's, a campaign spec's)
    as a YAML file of ``purpose``, so it is read exactly as a file handed in would be."""
    import yaml

    # Its first key first (a spec's code, an answers file's checklist): the file is told
    # apart from a CSV by its first lines. No line wrapping: a paragraph stays one line.
    text = yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False, width=1_000_000)
    return save_upload(settings, actor, purpose, name, text.encode("utf-8"))


def get_upload(settings: Settings, actor: Actor, upload_id: str) -> UploadInfo:
    """One of the actor's own uploads; anyone else's is not found."""
    with session_scope(settings) as session:
        row = session.get(Upload, upload_id) if len(upload_id) <= 32 else None
        if row is None or row.user_name != actor.name:
            raise NotFoundError("没有这个上传文件")
        return _info(settings, row)


def recent_uploads(settings: Settings, actor: Actor, purpose: str, limit: int = 20
                   ) -> list[UploadInfo]:
    """The actor's own uploads for ``purpose``, newest first."""
    with session_scope(settings) as session:
        rows = session.scalars(select(Upload).where(
            Upload.user_name == actor.name, Upload.purpose == purpose
        ).order_by(Upload.created_at.desc()).limit(limit)).all()
        return [_info(settings, row) for row in rows]


def record_outcome(settings: Settings, upload_id: str, status: str,
                   result: dict[str, Any]) -> None:
    """Keep how the last import of an upload went (shown again on its page)."""
    with write_scope(settings) as session:
        row = session.get(Upload, upload_id)
        if row is not None:
            row.status = status
            row.result = json.dumps(result, ensure_ascii=False, default=str)


def _info(settings: Settings, row: Upload) -> UploadInfo:
    return UploadInfo(row.id, row.purpose, row.original_name, row.size, row.sha256,
                      as_utc(row.created_at), row.status,
                      json.loads(row.result) if row.result else None,
                      inside(_folder(settings), row.stored_name))


__all__ = ["MAX_BYTES", "UploadError", "UploadTooLarge", "UploadInfo", "get_upload",
           "recent_uploads", "record_outcome", "save_data", "save_upload", "sniff"]
