"""What 四性检测 finds on disk: the archive's files, and what reading each recorded one shows.

A recorded file is hashed first; only a file whose digest is the recorded one
is opened as what it claims to be (Word, PDF, DA/T 46 JSON), so a damaged file
is reported once, as not authentic.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from wenshu.archive.keys import sha256_file
from wenshu.archive.placing import BOOKKEEPING
from wenshu.archive.stamp import outline_stamp, stamp_texts
from wenshu.archive.verify_model import FileRecord

PDF_FORMATS = ("pdf", "pdf_filed")
_PDFA_PART = re.compile(r"pdfaid:part(?:>|=[\"'])\s*2\b")
_PDFA_CONFORMANCE = re.compile(r"pdfaid:conformance(?:>|=[\"'])\s*B\b", re.IGNORECASE)


@dataclass
class FileFacts:
    """What reading one recorded file found."""

    exists: bool
    sha256: str | None = None
    writable: bool = False
    opened: bool = False  # content was read (only for authentic files)
    open_error: str | None = None
    pdfa: list[str] = field(default_factory=list)  # missing PDF/A markers
    active: list[str] = field(default_factory=list)  # active content found
    pages: int | None = None
    data: Mapping[str, Any] | None = None  # a dat46 record, parsed
    stamp: list[str] = field(default_factory=list)  # text in page 1's 归档章 (pdf_filed)
    outline_stamp: bool = False  # page 1 ends with a 归档章 drawn as outlines (no text)


def present_files(root: Path) -> set[str]:
    """Files under the root, relative to it, outside the bookkeeping folders."""
    found: set[str] = set()
    for folder, dirs, names in os.walk(root):
        if Path(folder) == root:
            dirs[:] = [d for d in dirs if d not in BOOKKEEPING]
        base = Path(folder).relative_to(root)
        found.update((base / n).as_posix() for n in names)
    return found


def inspect_file(path: Path, record: FileRecord) -> FileFacts:
    """Digest, mode and (for an authentic file) content of one recorded file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return FileFacts(exists=False)
    facts = FileFacts(exists=True, sha256=sha256_file(path), writable=bool(mode & 0o222))
    if facts.sha256 != record.sha256:
        return facts
    facts.opened = True
    try:
        if record.format == "docx":
            _read_docx(path, facts)
        elif record.format in PDF_FORMATS:
            _read_pdf(path, facts, stamped=record.format == "pdf_filed")
        elif record.format == "dat46":
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("不是 JSON 对象")
            facts.data = data
        else:
            facts.open_error = f"{record.format} 不是归档格式"
    except Exception as exc:  # noqa: BLE001  (a damaged file may fail in any library's way)
        facts.open_error = f"{type(exc).__name__}: {exc}"[:300]
    return facts


def _read_docx(path: Path, facts: FileFacts) -> None:
    docx.Document(str(path))
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        facts.active.append("Word 宏（vbaProject.bin）")
    if any(n.lower().startswith("word/activex/") for n in names):
        facts.active.append("ActiveX 控件")


def _read_pdf(path: Path, facts: FileFacts, *, stamped: bool) -> None:
    reader = PdfReader(path)
    if reader.is_encrypted:
        raise ValueError("PDF 已加密")
    facts.pages = len(reader.pages)
    if stamped and reader.pages:
        facts.stamp = stamp_texts(reader.pages[0])
        facts.outline_stamp = not facts.stamp and outline_stamp(reader.pages[0])
    root = reader.trailer["/Root"].get_object()
    metadata = root.get("/Metadata")
    xmp = (metadata.get_object().get_data().decode("utf-8", "replace")
           if metadata is not None else "")
    if not xmp:
        facts.pdfa.append("没有 XMP 元数据")
    else:
        if not _PDFA_PART.search(xmp):
            facts.pdfa.append("XMP 未标明 PDF/A 第 2 部分（pdfaid:part）")
        if not _PDFA_CONFORMANCE.search(xmp):
            facts.pdfa.append("XMP 未标明符合级别 B（pdfaid:conformance）")
    facts.active.extend(_pdf_active_content(root, reader))


def _pdf_active_content(root: DictionaryObject, reader: PdfReader) -> list[str]:
    found = []
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        found.append("文档级 JavaScript")
    action = root.get("/OpenAction")
    action = action.get_object() if action is not None else None
    if isinstance(action, DictionaryObject) and action.get("/S") in ("/JavaScript", "/Launch"):
        found.append(f"打开时执行的动作（{action['/S']}）")
    if "/AA" in root:
        found.append("文档附加动作（/AA）")
    for number, page in enumerate(reader.pages, start=1):
        if "/AA" in page:
            found.append(f"第 {number} 页的附加动作（/AA）")
    return found


__all__ = ["PDF_FORMATS", "FileFacts", "inspect_file", "present_files"]
