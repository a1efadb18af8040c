"""Reading the archive as a user: view a document's record, download its files.

The store (:class:`~wenshu.archive.store.Archive`) hands files to the program;
these functions hand them to people, so they check the user's rights (drafts
only for the unit's own staff, filed records for archivists too) and write a
``view`` or ``download`` event to the audit log.
"""

from __future__ import annotations

from pathlib import Path

from wenshu.access import Actor, authorize
from wenshu.archive.audit import log_event
from wenshu.archive.filing import FiledRecord, document_unit, filing_history
from wenshu.archive.keys import ArchivedFile
from wenshu.archive.store import Archive
from wenshu.errors import ArchiveError, NotFoundError
from wenshu.settings import Settings


def view_document(settings: Settings, document_id: int, *, actor: Actor) -> list[FiledRecord]:
    """The versions of a document the actor may see, oldest first, logged as a view.

    Clerks and supervisors see every version of their units' documents;
    archivists see only the filed ones (filed, superseded or disposed).
    """
    unit = document_unit(settings, document_id)
    target = f"document:{document_id}"
    authorize(settings, actor, "view", unit, target=target)
    history = filing_history(settings, document_id)
    visible = [r for r in history if actor.sees_drafts or r.status != "draft"]
    if not visible:
        authorize(settings, actor, "view", unit, filed=False, target=target)
    log_event(settings, action="view", agent=actor.name, target=target,
              detail={"versions": [r.version for r in visible]})
    return visible


def open_file(settings: Settings, document_id: int, fmt: str, *, actor: Actor,
              version: int | None = None, log: bool = True) -> tuple[FiledRecord, ArchivedFile]:
    """One stored file the actor may read, its digest re-checked; the download is logged
    (unless ``log`` is off, for metadata a page shows beside a logged view).

    ``version`` defaults to the latest version the actor may see. A disposed record has
    no files left.
    """
    unit = document_unit(settings, document_id)
    history = filing_history(settings, document_id)
    if version is None:
        visible = [r for r in history if actor.sees_drafts or r.status != "draft"]
        record = visible[-1] if visible else history[-1]
    else:
        record = next((r for r in history if r.version == version), None)
        if record is None:
            raise NotFoundError(f"文档 {document_id} 没有第 {version} 版（现有："
                                f"{'、'.join(str(r.version) for r in history)}）")
    target = record.archival_code or f"document:{document_id}/v{record.version}"
    authorize(settings, actor, "download", unit, filed=record.status != "draft", target=target)
    if record.status == "disposed":
        raise ArchiveError(f"{record.archival_code} 已销毁，只保留目录条目")
    item = Archive(settings).verified(document_id, fmt, record.version)
    if log:
        log_event(settings, action="download", agent=actor.name, target=target,
                  detail={"document": document_id, "version": record.version, "format": fmt,
                          "sha256": item.sha256})
    return record, item


def download(settings: Settings, document_id: int, fmt: str, to: Path, *, actor: Actor,
             version: int | None = None, folder: bool = False) -> Path:
    """Copy one stored file out (digest re-checked) and log the download.

    ``to`` may be a folder: an existing one, or one to create when ``folder``.
    """
    record, _ = open_file(settings, document_id, fmt, actor=actor, version=version)
    return Archive(settings).export(document_id, fmt, to, record.version, folder=folder)


__all__ = ["download", "open_file", "view_document"]
