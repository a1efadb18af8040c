"""Data in, as a user: units (administrators), ledgers, base figures and targets (clerks
and supervisors, for their own units), and the inbox collection.

Each import is one transaction: a file with a bad row stores nothing unless the caller
asks to keep the good rows. Rows for units the user does not act for are row errors,
named like every other. ``name`` is how the file is called in messages when it was
stored under another name (an upload).

Ledgers, figures and targets are read as offices keep them (title rows, 序号, 合计 rows,
one sheet per month): ``sheets`` picks some sheets of a workbook, ``year`` is the year of
dates written without one when neither the sheet's name nor its title gives it, and
``unit`` is the unit of a file without a 单位代码 column, by default a clerk's own.

A ledger handed in again after a correction is compared with the stored rows; the
user says whether it replaces the rows it changes or leaves out (``revise``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from wenshu.access import Actor, authorize
from wenshu.codes import check_unit_code
from wenshu.collect import Completeness, FileOutcome
from wenshu.compute.load import load_units, subtree_codes
from wenshu.db import session_scope
from wenshu.errors import InputError, Revise, RevisionNeeded, WenshuError
from wenshu.ingest.readers import ReadOptions
from wenshu.ingest.report import ImportResult
from wenshu.models.catalogue import load_catalogue
from wenshu.models.values import YEAR_RANGE
from wenshu.periods import Period
from wenshu.settings import Settings
from wenshu.uploads import UploadInfo, record_outcome


def _scope(actor: Actor) -> str | None:
    """The unit whose subtree the actor's rows must lie in (None: any unit)."""
    return actor.unit_code if actor.units is not None else None


def read_options(settings: Settings, actor: Actor, *, sheets: Sequence[str] = (),
                 year: int | None = None, unit: str | None = None) -> ReadOptions:
    """How to read a data file for the actor: the ``sheets`` asked for, the ``year`` of dates
    without one, and the ``unit`` of a file without a 单位代码 column (default: a clerk's
    own unit). The unit must be one the actor acts for (AccessDenied otherwise)."""
    if year is not None and not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise WenshuError(f"年份“{year}”不在{YEAR_RANGE[0]}—{YEAR_RANGE[1]}年之间")
    # A supervisor's file may hold any unit below them: no unit is assumed for them.
    unit = unit or (actor.unit_code if actor.role == "clerk" else None)
    if unit is not None:
        check_unit_code(unit)
        authorize(settings, actor, "submit", unit, target=f"unit:{unit}")
    names = tuple(dict.fromkeys(name.strip() for name in sheets if name.strip()))
    return ReadOptions(names, year, unit)


def ledger_template_for(settings: Settings, actor: Actor, unit: str | None = None,
                        year: int | None = None, stored: str | None = None
                        ) -> tuple[str, bytes]:
    """A 工作台账 for ``unit`` (default: the actor's own) and the units below it, titled
    with ``year`` (default: this year): its file name and .xlsx bytes. Blank, or with
    ``stored`` (a period: 2025, 2025H1) holding the rows stored for that period, to check,
    correct and hand in again (titled with the period's year)."""
    from wenshu.ingest.ledger_sheet import StoredLedger, ledger_template
    from wenshu.ingest.revision import stored_rows

    period = Period.parse(stored) if stored else None
    authorize(settings, actor, "submit", target="ledger-template")
    unit = unit or actor.unit_code
    if unit is None:
        raise WenshuError("请指定台账所属的单位")
    check_unit_code(unit)
    authorize(settings, actor, "submit", unit, target=f"unit:{unit}")
    at = datetime.now(UTC)  # rows handed in from now on are not in the file
    with session_scope(settings) as session:
        tree = load_units(session)
        pairs = [(code, tree[code].name) for code in subtree_codes(tree, unit)]
        rows = (stored_rows(session, [code for code, _ in pairs], period.start, period.end)
                if period else [])
    catalogue = load_catalogue(settings.catalogue_dir)
    if period is not None:
        content = ledger_template(catalogue, pairs, period.start.year,
                                  StoredLedger(period, at, rows))
        label = f"{period.code}年" if period.code.isdigit() else period.code  # 2025年, 2025H1
        return f"{tree[unit].name}{label}已报送台账.xlsx", content
    year = year or date.today().year
    return f"{tree[unit].name}{year}年工作台账.xlsx", ledger_template(catalogue, pairs, year)


def import_units(settings: Settings, actor: Actor, path: Path, *,
                 name: str | None = None) -> ImportResult:
    """Import the unit tree (administrators only); all rows or nothing."""
    from wenshu.ingest.units import import_units as importer

    authorize(settings, actor, "manage", target=f"units:{name or Path(path).name}")
    with session_scope(settings) as session:
        return importer(session, path, name=name)


def import_ledger(settings: Settings, actor: Actor, path: Path, *, name: str | None = None,
                  skip_invalid: bool = False, sheets: Sequence[str] = (),
                  year: int | None = None, unit: str | None = None,
                  revise: Revise | None = None) -> ImportResult:
    """Import a ledger file for the actor's units (``sheets``, ``year``, ``unit``: see
    :func:`read_options`; ``revise``: what to do with stored rows the file corrects or
    leaves out, see :func:`~wenshu.ingest.ledger.import_ledger_file`)."""
    from wenshu.ingest.ledger import import_ledger_file

    authorize(settings, actor, "submit", target=f"ledger:{name or Path(path).name}")
    options = read_options(settings, actor, sheets=sheets, year=year, unit=unit)
    with session_scope(settings) as session:
        return import_ledger_file(session, path, load_catalogue(settings.catalogue_dir),
                                  skip_invalid=skip_invalid, expect_unit=_scope(actor),
                                  name=name, options=options, revise=revise)


def import_figures(settings: Settings, actor: Actor, path: Path, *,
                   name: str | None = None, sheets: Sequence[str] = (),
                   year: int | None = None, unit: str | None = None) -> ImportResult:
    """Import base figures for the actor's units; all rows or nothing (``sheets``,
    ``year``, ``unit``: see :func:`read_options`)."""
    from wenshu.ingest.figures import import_figures as importer

    authorize(settings, actor, "submit", target=f"figures:{name or Path(path).name}")
    options = read_options(settings, actor, sheets=sheets, year=year, unit=unit)
    with session_scope(settings) as session:
        return importer(session, path, load_catalogue(settings.catalogue_dir),
                        expect_unit=_scope(actor), name=name, options=options)


def import_targets(settings: Settings, actor: Actor, path: Path, *,
                   name: str | None = None, sheets: Sequence[str] = (),
                   year: int | None = None, unit: str | None = None) -> ImportResult:
    """Import targets for the actor's units; all rows or nothing (``sheets``, ``year``,
    ``unit``: see :func:`read_options`)."""
    from wenshu.ingest.figures import import_targets as importer

    authorize(settings, actor, "submit", target=f"targets:{name or Path(path).name}")
    options = read_options(settings, actor, sheets=sheets, year=year, unit=unit)
    with session_scope(settings) as session:
        return importer(session, path, load_catalogue(settings.catalogue_dir),
                        expect_unit=_scope(actor), name=name, options=options)


IMPORTERS = {"ledger": import_ledger, "figures": import_figures, "targets": import_targets,
             "units": import_units}
PURPOSE_LABELS = {"ledger": "工作台账", "figures": "基础数据", "targets": "目标值", "units": "单位名录"}


def import_upload(settings: Settings, actor: Actor, upload: UploadInfo, *,
                  skip_invalid: bool = False, unit: str | None = None,
                  sheets: Sequence[str] = (), year: int | None = None,
                  revise: Revise | None = None) -> dict[str, Any]:
    """Import an uploaded file by its purpose and keep the outcome with the upload.

    Returns the outcome as plain data: ``status`` (imported | partly | rejected |
    revision), the counts, every row error (file, sheet, row, column, value, reason), the
    reader's ``notes`` and the ``options`` it was read with (to import it again the same
    way). A rejected file stored nothing; ``skip_invalid`` (ledgers only) keeps the good
    rows. ``unit``, ``sheets`` and ``year`` (not for units files) as for
    :func:`read_options`. A ledger that corrects or leaves out stored rows, without
    ``revise``, stored nothing either: ``revision``, with each difference in
    ``differences``; with ``revise``, ``revisions`` lists what it corrected or withdrew.
    """
    importer = IMPORTERS.get(upload.purpose)
    if importer is None:
        raise WenshuError(f"“{upload.original_name}”不是台账、基础数据、目标值或单位名录文件")
    extra: dict[str, Any] = {}
    if upload.purpose != "units":
        extra = {"unit": unit or None, "sheets": tuple(sheets), "year": year}
    if upload.purpose == "ledger":
        extra.update(skip_invalid=skip_invalid, revise=revise)
    try:
        result = importer(settings, actor, upload.path, name=upload.original_name, **extra)
    except InputError as exc:
        outcome = {"status": "rejected", "message": str(exc), "rows_read": exc.rows_read,
                   "rows_rejected": exc.rows_with_errors,
                   "errors": [e.as_dict() for e in exc.errors], "notes": exc.notes}
    except RevisionNeeded as exc:
        outcome = {"status": "revision", "message": str(exc), "rows_read": exc.rows_read,
                   "errors": [], "notes": exc.notes,
                   "differences": [e.as_dict() for e in exc.differences]}
    else:
        status = "imported" if not result.errors else "partly"
        outcome = {"status": status, "message": "", "rows_read": result.rows_read,
                   "rows_stored": result.rows_stored, "rows_existing": result.rows_existing,
                   "rows_rejected": result.rows_rejected,
                   "rows_withdrawn": result.rows_withdrawn,
                   "already_imported": result.already_imported,
                   "errors": [e.as_dict() for e in result.errors], "notes": result.notes,
                   "revisions": [e.as_dict() for e in result.revisions]}
    outcome["options"] = {"unit": unit or None, "sheets": list(sheets), "year": year,
                          "skip_invalid": skip_invalid}
    record_outcome(settings, upload.id, outcome["status"], outcome)
    return outcome


def collect(settings: Settings, actor: Actor, inbox: Path, period: str, *,
            root: str | None = None, skip_invalid: bool = False,
            today: date | None = None, due: date | None = None
            ) -> tuple[list[FileOutcome], Completeness]:
    """Collect the inbox for the actor's units (the collection flow) and report who submitted.

    ``root`` defaults to the actor's unit; it must be one of theirs. With ``due`` (the
    period's deadline), units whose ledgers came in after it are named late.
    """
    Period.parse(period)
    root = root or actor.unit_code
    authorize(settings, actor, "submit", root, target=f"collect:{root or 'all'}:{period}")
    from wenshu.workflows.collect import collect_ledgers

    return collect_ledgers(str(inbox), period, root=root, skip_invalid=skip_invalid,
                           today=today, user=actor.name, due=due)


__all__ = ["IMPORTERS", "PURPOSE_LABELS", "collect", "import_figures", "import_ledger",
           "import_targets", "import_units", "import_upload", "read_options"]
