"""The archivist's work as the web app and the API run it: a record with its DA/T 46
metadata and audit history, 四性检测 and transfer packages as background jobs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wenshu.access import Actor, authorize
from wenshu.archive.audit import Event, events
from wenshu.archive.filing import FiledRecord
from wenshu.archive.reading import open_file, view_document
from wenshu.archive.transfer import export_year
from wenshu.archive.verify import PROPERTIES, VerifyReport, verify_archive
from wenshu.archive.verify_model import BY_NAME
from wenshu.errors import NotFoundError
from wenshu.jobs import JobRunner
from wenshu.paths import inside
from wenshu.settings import Settings

PACKAGE_NAME = re.compile(r"^[0-9A-Z]{4}-WS-\d{4}\.zip$")


@dataclass(frozen=True)
class RecordView:
    """A document as an archive record: versions, each filed one's metadata, its history."""

    document_id: int
    versions: list[FiledRecord]
    metadata: dict[int, dict[str, Any]]  # version -> DA/T 46 core metadata
    history: list[Event]


def record(settings: Settings, actor: Actor, document_id: int) -> RecordView:
    """The record page's content (the viewing is logged once)."""
    versions = view_document(settings, document_id, actor=actor)
    metadata = {}
    for version in versions:
        if "dat46" in version.files:
            _, item = open_file(settings, document_id, "dat46", actor=actor,
                                version=version.version, log=False)
            metadata[version.version] = json.loads(item.path.read_text(encoding="utf-8"))
    targets = {f"document:{document_id}"} | {v.archival_code for v in versions if v.archival_code}
    history = sorted((e for target in targets for e in events(settings, target=target)),
                     key=lambda e: e.id)
    return RecordView(document_id, versions, metadata, history)


def verify_summary(report: VerifyReport) -> dict[str, Any]:
    """A verify report as plain data for a job's result."""
    return {"verify": {
        "ok": report.ok, "year": report.year, "seconds": round(report.seconds, 2),
        "event_id": report.event_id, "recovered": list(report.recovered),
        "properties": [{"key": key, "label": PROPERTIES[key], "checks": [
            {"label": r.check.label, "checked": r.checked, "problems": r.problems}
            for r in results]} for key, results in report.by_property().items()],
        "problems": [{"check": p.check, "check_label": BY_NAME[p.check].label,
                      "subject": p.subject, "message": p.message,
                      "expected": p.expected, "actual": p.actual} for p in report.problems]}}


def start_verify(settings: Settings, runner: JobRunner, actor: Actor,
                 year: int | None = None) -> str:
    """Queue a 四性检测 run (archivists); its id."""
    authorize(settings, actor, "verify", target=f"year:{year}" if year else "archive")
    title = f"四性检测（{year}年度）" if year else "四性检测（全部档案）"
    return runner.submit(actor, "verify", title, {"year": year}, lambda job: verify_summary(
        verify_archive(settings, actor=actor, year=year)))


def exports_dir(settings: Settings) -> Path:
    """Where transfer packages made through the web app are kept."""
    folder = settings.home / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def start_export(settings: Settings, runner: JobRunner, actor: Actor, year: int) -> str:
    """Queue the writing of a year's transfer package (archivists); its id."""
    authorize(settings, actor, "export", target=f"year:{year}")

    def work(job: str) -> dict[str, Any]:
        package = export_year(settings, year, exports_dir(settings), actor=actor)
        return {"package": {"name": package.path.name, "documents": package.documents,
                            "pages": package.pages, "members": package.members,
                            "sha256": package.sha256}}

    return runner.submit(actor, "export", f"{year}年度移交包", {"year": year}, work)


def package_path(settings: Settings, actor: Actor, name: str) -> Path:
    """A written transfer package, by its file name (archivists)."""
    authorize(settings, actor, "export", target=f"package:{name[:40]}")
    if not PACKAGE_NAME.match(name):
        raise NotFoundError("没有这个移交包")
    path = inside(exports_dir(settings), name)
    if not path.is_file():
        raise NotFoundError(f"没有移交包 {name}")
    return path


__all__ = ["RecordView", "exports_dir", "package_path", "record", "start_export",
           "start_verify", "verify_summary"]
