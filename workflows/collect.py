"""The ``collect_ledgers`` flow: import every new inbox file, then report completeness."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.access import authorize, resolve_actor
from wenshu.collect import (
    Completeness,
    FileOutcome,
    collect_file,
    completeness,
    scan_inbox,
)
from wenshu.db import session_scope
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.periods import Period
from wenshu.settings import Settings, get_settings
from wenshu.workflows.runtime import hide_expected_errors, tune_ephemeral_runs

tune_ephemeral_runs()
hide_expected_errors()


@task(cache_policy=NO_CACHE)
def collect_unit(settings: Settings, catalogue: Catalogue, unit_code: str, paths: list[Path],
                 skip_invalid: bool, today: date | None) -> list[FileOutcome]:
    """Import one unit's new files, each in its own transaction."""
    return [collect_file(settings, catalogue, unit_code, path, skip_invalid=skip_invalid,
                         today=today) for path in paths]


@task(cache_policy=NO_CACHE)
def report_completeness(settings: Settings, period: str, root: str | None,
                        levels: list[str], due: date | None = None) -> Completeness:
    """Which expected units have ledger rows in the period (and who handed in late)."""
    with session_scope(settings) as session:
        return completeness(session, Period.parse(period), root, tuple(levels), due)


@flow(name="collect_ledgers", log_prints=False)
def collect_ledgers(inbox: str, period: str, root: str | None = None,
                    levels: list[str] | None = None, skip_invalid: bool = False,
                    today: date | None = None, user: str | None = None,
                    due: date | None = None) -> tuple[list[FileOutcome], Completeness]:
    """Import the inbox (one folder per unit code) and report who submitted for ``period``
    (with ``due``, who submitted after that deadline).

    ``user`` (default: the settings' user) collects only the folders of units they act
    for. Entries not collected (symlinks, folders not named by a valid unit code, other
    users' units) come last among the outcomes, with status ``skipped`` and the reason.
    """
    settings = get_settings()
    actor = resolve_actor(settings, user)
    authorize(settings, actor, "submit", root, target=f"collect:{root or 'all'}:{period}")
    catalogue = load_catalogue(settings.catalogue_dir)
    scan = scan_inbox(Path(inbox))
    by_unit: dict[str, list[Path]] = {}
    skipped = list(scan.skipped)
    for unit_code, path in scan.files:
        if actor.covers(unit_code):
            by_unit.setdefault(unit_code, []).append(path)
        else:
            skipped.append(FileOutcome(unit_code, path.name, "skipped", 0, 0, 0, path,
                                       f"不属于{actor.name}负责的单位，未收取"))
    outcomes: list[FileOutcome] = []
    # Units one after another: SQLite takes one writer at a time anyway, and a
    # waiting writer would only time out.
    for unit_code, paths in by_unit.items():
        outcomes.extend(collect_unit(settings, catalogue, unit_code, paths, skip_invalid, today))
    outcomes.extend(skipped)
    return outcomes, report_completeness(settings, period, root, levels or ["community"], due)
