"""The DA/T 46-2009 core metadata of a filed version, from what the archive records.

Element names are the standard's (Chinese), so an export reads as archivists
expect; values come from the database rows and the filed PDF's facts.

日期 is the document's signing date (成文日期, the ``--issued`` date printed in
it) and 文件编号 its doc number (发文字号, ``--doc-number``), both recorded with
the version when it was stored. A version stored before they were recorded
(migration 0010) falls back to what can still be known (:func:`signing_date`):
the date its PDF states, which wenshu's converters set to the signing date,
else the day it was generated; its doc number is unknown and stays empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pypdf import PdfReader

from wenshu.db import as_utc

if TYPE_CHECKING:
    from wenshu.models.tables import DocumentVersion

RETENTION_NAMES = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}
SCRIPT_LANGUAGES = {"simplified": "汉语（简体）", "traditional": "汉语（繁体）"}
# How archivists name each stored format (filing adds the stamped PDF and the DA/T 46 JSON).
FORMAT_LABELS = {"docx": "Word 文件", "pdf": "PDF", "pdf_filed": "归档章 PDF",
                 "dat46": "元数据 JSON"}
# A version's status (草稿 until filed).
STATUS_LABELS = {"draft": "草稿", "filed": "已归档", "superseded": "已被更正", "disposed": "已销毁"}


@dataclass(frozen=True)
class FilingEvent:
    """One entry of the event history: who did what, when, and why."""

    action: str  # 生成 | 归档 | 更正 | 被更正
    at: datetime
    agent: str
    note: str = ""


@dataclass(frozen=True)
class FiledFileFacts:
    """What the metadata says about the filed (stamped) PDF."""

    name: str
    size: int
    sha256: str
    location: str  # relative to the archive root
    pages: int
    producer: str  # the PDF's /Producer (LibreOffice …)
    stated_date: date | None = None  # the date the PDF states (see pdf_stated_date)


# What the converters state when they were given no date (generators.pdf_normalize.normalize_pdf).
NO_DATE = date(1980, 1, 1)
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})(\d{2})")


def filed_file_facts(path: Path, *, size: int, sha256: str, location: str) -> FiledFileFacts:
    """The facts DA/T 46 states about a filed PDF stored at ``location`` (relative to the
    archive root), read from the file at ``path`` (it, or a copy of it)."""
    reader = PdfReader(path)
    info = reader.metadata or {}
    return FiledFileFacts(location.rsplit("/", 1)[-1], size, sha256, location, len(reader.pages),
                          str(info.get("/Producer", "")),
                          pdf_stated_date(str(info.get("/CreationDate", ""))))


def pdf_stated_date(creation_date: str) -> date | None:
    """The day a PDF's /CreationDate names; None when it names none or the converters'
    "no date" (1980-01-01)."""
    match = _PDF_DATE.match(creation_date)
    if match is None:
        return None
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return None if day == NO_DATE else day


def signing_date(issued_on: date | None, created_at: datetime, stated: date | None) -> date:
    """A version's signing date: as recorded; for a version stored before it was recorded,
    the date its PDF states, else the day it was generated (UTC)."""
    if issued_on is not None:
        return issued_on
    return stated or as_utc(created_at).date()


def core_metadata(*, title: str, author: str, date: date, kind_label: str,
                  doc_number: str, retention: str, archival_code: str, fonds: str,
                  year: int, org_code: str, item_number: int, script: str,
                  filed: FiledFileFacts, events: list[FilingEvent]) -> dict[str, Any]:
    """The DA/T 46 core elements of one filed document, as an ordered mapping."""
    return {
        "题名": title,
        "责任者": author,
        "日期": date.strftime("%Y%m%d"),
        "文种": kind_label,
        "文件编号": doc_number,
        "密级": "",  # generated summaries and plans are unclassified; the office may mark one
        "保管期限": RETENTION_NAMES.get(retention, retention),
        "档号": archival_code,
        "全宗号": fonds,
        "年度": str(year),
        "机构（问题）代码": org_code,
        "件号": f"{item_number:04d}",
        "页数": filed.pages,
        "语种": SCRIPT_LANGUAGES.get(script, script),
        "格式信息": "PDF/A-2b (ISO 19005-2)",
        "计算机文件名": filed.name,
        "文件大小": filed.size,
        "文档创建程序": filed.producer,
        "存储位置": filed.location,
        "数字摘要": {"算法": "SHA-256", "值": filed.sha256},
        "事件": [{"行为": e.action, "时间": as_utc(e.at).isoformat(), "行为者": e.agent,
                  **({"说明": e.note} if e.note else {})} for e in events],
    }


def filing_events(version: DocumentVersion, versions: Sequence[DocumentVersion]
                  ) -> list[FilingEvent]:
    """The history of a filed ``version`` among its document's ``versions``: generated,
    filed (or correcting the one it replaced), and corrected by a later one."""
    by_id = {v.id: v for v in versions}
    events = [FilingEvent("生成", version.created_at, version.flow_run_id or "wenshu",
                          f"模板 {version.template_name}")]
    assert version.filed_at is not None
    replaced = by_id.get(version.supersedes_id) if version.supersedes_id else None
    if replaced is not None:
        events.append(FilingEvent("更正", version.filed_at, version.filed_by or "",
                                  f"取代 {replaced.archival_code}：{version.change_reason}"))
    else:
        events.append(FilingEvent("归档", version.filed_at, version.filed_by or "",
                                  version.change_reason or ""))
    successor = next((v for v in versions if v.supersedes_id == version.id), None)
    if successor is not None and successor.filed_at is not None:
        events.append(FilingEvent("被更正", successor.filed_at, successor.filed_by or "",
                                  f"由 {successor.archival_code} 取代：{successor.change_reason}"))
    return events
