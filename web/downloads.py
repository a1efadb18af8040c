"""Files sent to the browser: the Chinese name encoded per RFC 5987/6266, never a path from
the request."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from fastapi.responses import FileResponse, Response

MEDIA_TYPES = {"pdf": "application/pdf", "pdf_filed": "application/pdf",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "dat46": "application/json", "zip": "application/zip",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "csv": "text/csv; charset=utf-8"}
# How each stored format is named when downloaded: <title>_v<n>.<suffix>.
SUFFIXES = {"docx": "docx", "pdf": "pdf", "pdf_filed": "归档章.pdf", "dat46": "元数据.json"}


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment; filename="…"; filename*=UTF-8''…``: an ASCII fallback for old
    clients and the exact UTF-8 name for every current browser."""
    cleaned = "".join(c for c in filename if unicodedata.category(c)[0] != "C")
    cleaned = cleaned.replace("/", "_").replace("\\", "_") or "download"
    fallback = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode()
    fallback = re.sub(r'[^A-Za-z0-9._-]+', "_", fallback).strip("_") or "download"
    suffix = Path(cleaned).suffix
    if suffix and not fallback.endswith(suffix) and suffix.isascii():
        fallback += suffix
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def attachment(data: bytes, filename: str, media_type: str, *, inline: bool = False) -> Response:
    """Bytes made on the fly (error reports, sheets) as a download."""
    headers = {"Content-Disposition": content_disposition(filename, inline=inline)}
    return Response(data, media_type=media_type, headers=headers)


def stored_file(path: Path, filename: str, media_type: str, *, inline: bool = False) -> Response:
    """A file the library has checked (its digest, the caller's rights) as a download, or
    ``inline`` for the browser to show (a PDF opened in its own window)."""
    headers = {"Content-Disposition": content_disposition(filename, inline=inline)}
    return FileResponse(path, media_type=media_type, headers=headers)


__all__ = ["MEDIA_TYPES", "SUFFIXES", "attachment", "content_disposition", "stored_file"]
