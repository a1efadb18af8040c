"""Data in, as a user: units (administrators), ledgers, base figures and targets (clerks
and supervisors, for their own units), and the inbox collection.

Each import is one transaction: a file with a bad row stores nothing unless the caller
asks to keep the good rows. Rows for units the user does not act for are row errors,
named like every other. ``name`` is how the file is called in messages when it was
stored under another name (an upload).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from wenshu.access import Actor, authorize
from wenshu.collect import Completeness, FileOutcome
from wenshu.db import session_scope
from wenshu.errors import InputError, WenshuError
from wenshu.ingest.report import ImportResult
from wenshu.models.catalogue import load_catalogue
from wenshu.periods import Period
from wenshu.settings import Settings
from wenshu.uploads import UploadInfo, record_outcome


def _scope(actor: Actor) -> str | None:
    """The unit whose subtree the actor's rows must lie in (None: any unit)."""
    return actor.unit_code if actor.units is not None else None


def import_units(settings: Settings, actor: Actor, path: Path, *,
                 name: str | None = None) -> ImportResult:
    """Import the unit tree (administrators only); all rows or nothing."""
    from wenshu.ingest.units import import_units as importer

    authorize(settings, actor, "manage", target=f"units:{name or Path(path).name}")
    with session_scope(settings) as session:
        return importer(session, path, name=name)


def import_ledger(settings: Settings, actor: Actor, path: Path, *, name: str | None = None,
                  skip_invalid: bool = False) -> ImportResult:
    """Import a ledger file for the actor's units."""
    from wenshu.ingest.ledger import import_ledger_file

    authorize(settings, actor, "submit", target=f"ledger:{name or Path(path).name}")
    with session_scope(settings) as session:
        return import_ledger_file(session, path, load_catalogue(settings.catalogue_dir),
                                  skip_invalid=skip_invalid, expect_unit=_scope(actor),
                                  name=name)


def import_figures(settings: Settings, actor: Actor, path: Path, *,
                   name: str | None = None) -> ImportResult:
    """Import base figures for the actor's units; all rows or nothing."""
    from wenshu.ingest.figures import import_figures as importer

    authorize(settings, actor, "submit", target=f"figures:{name or Path(path).name}")
    with session_scope(settings) as session:
        return importer(session, path, load_catalogue(settings.catalogue_dir),
                        expect_unit=_scope(actor), name=name)


def import_targets(settings: Settings, actor: Actor, path: Path, *,
                   name: str | None = None) -> ImportResult:
    """Import targets for the actor's units; all rows or nothing."""
    from wenshu.ingest.figures import import_targets as importer

    authorize(settings, actor, "submit", target=f"targets:{name or Path(path).name}")
    with session_scope(settings) as session:
        return importer(session, path, load_catalogue(settings.catalogue_dir),
                        expect_unit=_scope(actor), name=name)


IMPORTERS = {"ledger": import_ledger, "figures": import_figures, "targets": import_targets,
             "units": import_units}
PURPOSE_LABELS = {"ledger": "工作台账", "figures": "基础数据", "targets": "目标值", "units": "单位名录"}


def import_upload(settings: Settings, actor: Actor, upload: UploadInfo, *,
                  skip_invalid: bool = False) -> dict[str, Any]:
    """Import an uploaded file by its purpose and keep the outcome with the upload.

    Returns the outcome as plain data: ``status`` (imported | rejected), the counts,
    and every row error (file, sheet, row, column, value, reason). A rejected file
    stored nothing; ``skip_invalid`` (ledgers only) keeps the good rows.
    """
    importer = IMPORTERS.get(upload.purpose)
    if importer is None:
        raise WenshuError(f"“{upload.original_name}”不是台账、基础数据、目标值或单位名录文件")
    extra = {"skip_invalid": skip_invalid} if upload.purpose == "ledger" else {}
    try:
        result = importer(settings, actor, upload.path, name=upload.original_name, **extra)
    except InputError as exc:
        outcome = {"status": "rejected", "message": str(exc), "rows_read": None,
                   "errors": [e.as_dict() for e in exc.errors]}
    else:
        status = "imported" if not result.errors else "partly"
        outcome = {"status": status, "message": "", "rows_read": result.rows_read,
                   "rows_stored": result.rows_stored, "rows_existing": result.rows_existing,
                   "rows_rejected": result.rows_rejected,
                   "already_imported": result.already_imported,
                   "errors": [e.as_dict() for e in result.errors]}
    record_outcome(settings, upload.id, outcome["status"], outcome)
    return outcome


def collect(settings: Settings, actor: Actor, inbox: Path, period: str, *,
            root: str | None = None, skip_invalid: bool = False,
            today: date | None = None) -> tuple[list[FileOutcome], Completeness]:
    """Collect the inbox for the actor's units (the collection flow) and report who submitted.

    ``root`` defaults to the actor's unit; it must be one of theirs.
    """
    Period.parse(period)
    root = root or actor.unit_code
    authorize(settings, actor, "submit", root, target=f"collect:{root or 'all'}:{period}")
    from wenshu.workflows.collect import collect_ledgers

    return collect_ledgers(str(inbox), period, root=root, skip_invalid=skip_invalid,
                           today=today, user=actor.name)


__all__ = ["IMPORTERS", "PURPOSE_LABELS", "collect", "import_figures", "import_ledger",
           "import_targets", "import_units", "import_upload"]
