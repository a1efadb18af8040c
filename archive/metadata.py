"""The DA/T 46-2009 core metadata of a filed version, from what the archive records.

Element names are the standard's (Chinese), so an export reads as archivists
expect; values come from the database rows and the filed PDF's facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wenshu.db import as_utc

RETENTION_NAMES = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}
SCRIPT_LANGUAGES = {"simplified": "汉语（简体）", "traditional": "汉语（繁体）"}


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


def core_metadata(*, title: str, author: str, date: datetime, kind_label: str,
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

