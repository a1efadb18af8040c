"""The recurring work, as flows the Prefect work pool runs on a schedule.

- ``monthly_collection``: collect the shared inbox for last month, then who reported
  (completeness) and who was late (after the settings' due day);
- ``half_year_batch``: every 半年工作总结 of the tree, in July;
- ``year_end_batch``: every 年度工作总结 of the tree, in January;
- ``transfer_package``: last year's 移交 package, for the archivist.

Each defaults its period from the day it runs and its unit and user from the settings
(``WENSHU_SCHEDULE_ROOT``, ``WENSHU_SCHEDULE_USER``, ``WENSHU_SCHEDULE_ARCHIVIST``);
the Prefect UI can run any of them with other parameters. A batch goes through
:func:`wenshu.services.documents.generate`: with a server, split into runs the pool's
workers share (the root, then each unit under it with its subtree).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from prefect import flow

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.access import resolve_actor
from wenshu.errors import WenshuError
from wenshu.settings import Settings, get_settings

if TYPE_CHECKING:
    from prefect.flows import Flow
    from prefect.schedules import Schedule


class ScheduleError(WenshuError):
    """A scheduled run lacks the unit or user it acts for."""


def previous_month(today: date) -> str:
    """Last month's period code: 2026-02 on any day of March 2026."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


def due_date(period: str, due_day: int) -> date:
    """When a month's ledgers were due: ``due_day`` of the month after (2026-02 → 10 March)."""
    year, month = (int(part) for part in period.split("-"))
    year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return date(year, month, due_day)


def _needed(value: str | None, setting: str) -> str:
    if not value:
        raise ScheduleError(f"a scheduled run needs {setting} (or the parameter in the "
                            "Prefect UI)")
    return value


def _batch(kind: str, root: str | None, user: str | None, period: str,
           line: str | None) -> list[str]:
    """Generate ``kind`` for the whole tree, for ``line`` or (None) every line of work the
    tree keeps ledgers for; one line per document."""
    from wenshu.services.documents import generate, office_lines
    from wenshu.services.requests import RequestError, parse_request

    settings = get_settings()
    actor = resolve_actor(settings, _needed(user or settings.schedule_user,
                                            "WENSHU_SCHEDULE_USER"))
    unit = _needed(root or settings.schedule_root, "WENSHU_SCHEDULE_ROOT")
    keys = [line] if line is not None else list(office_lines(settings).by_key)
    done: list[str] = []
    for key in keys:
        request = parse_request({"kind": kind, "period": period, "all_levels": True,
                                 "unit_code": unit, "line": key})
        try:
            outcomes = generate(settings, actor, request)
        except RequestError as exc:
            if line is not None or exc.field != "period":
                raise
            done.append(f"{key}: {exc}")  # a line the tree keeps no ledgers for
            continue
        done += [f"{o.unit_name} {o.title} v{o.version} {'new' if o.created else 'unchanged'}"
                 for o in outcomes]
    return done


@flow(name="monthly_collection", log_prints=False)
def monthly_collection(root: str | None = None, user: str | None = None,
                       period: str | None = None, inbox: str | None = None) -> dict[str, Any]:
    """Collect the inbox (default: the settings' shared inbox) for ``period`` (default:
    last month), then report who submitted, who did not, and who was late."""
    from wenshu.workflows.collect import collect_ledgers

    settings = get_settings()
    period = period or previous_month(date.today())
    outcomes, completeness = collect_ledgers(
        inbox or str(settings.inbox_dir), period, root or settings.schedule_root,
        user=_needed(user or settings.schedule_user, "WENSHU_SCHEDULE_USER"),
        due=due_date(period, settings.collect_due_day) if "-" in period else None)
    return {"period": period, "files": [f"{o.unit_code}/{o.name}: {o.status}" for o in outcomes],
            "submitted": len(completeness.submitted),
            "missing": [u.name for u in completeness.missing],
            "late": [u.name for u in completeness.late]}


@flow(name="half_year_batch", log_prints=False)
def half_year_batch(root: str | None = None, user: str | None = None,
                    year: int | None = None, line: str | None = None) -> list[str]:
    """Every 半年工作总结 of ``root``'s tree for ``year`` (default: this year), for ``line``
    (default: every line of work with ledgers)."""
    return _batch("half_year_summary", root, user, str(year or date.today().year), line)


@flow(name="year_end_batch", log_prints=False)
def year_end_batch(root: str | None = None, user: str | None = None,
                   year: int | None = None, line: str | None = None) -> list[str]:
    """Every 年度工作总结 of ``root``'s tree for ``year`` (default: last year), for ``line``
    (default: every line of work with ledgers)."""
    return _batch("year_summary", root, user, str(year or date.today().year - 1), line)


@flow(name="transfer_package", log_prints=False)
def transfer_package(user: str | None = None, year: int | None = None) -> str:
    """Write ``year``'s transfer package (default: last year) into the exports folder,
    as the archivist; returns its path."""
    from wenshu.archive.transfer import export_year
    from wenshu.services.records import exports_dir

    settings = get_settings()
    actor = resolve_actor(settings, _needed(user or settings.schedule_archivist,
                                            "WENSHU_SCHEDULE_ARCHIVIST"))
    package = export_year(settings, year or date.today().year - 1, exports_dir(settings),
                          actor=actor)
    return str(package.path)


def scheduled_flows() -> list[Flow[Any, Any]]:
    """The flows that run on a schedule."""
    return [monthly_collection, half_year_batch, year_end_batch, transfer_package]


def schedules(settings: Settings) -> dict[str, list[Schedule]]:
    """Each scheduled flow's cron schedule from the settings, by flow name; paused until
    the settings name whom the runs act as."""
    from prefect.schedules import Cron

    supervised = bool(settings.schedule_root and settings.schedule_user)
    crons = {"monthly_collection": (settings.collect_cron, supervised),
             "half_year_batch": (settings.half_year_cron, supervised),
             "year_end_batch": (settings.year_end_cron, supervised),
             "transfer_package": (settings.transfer_cron, bool(settings.schedule_archivist))}
    return {name: [Cron(cron, timezone=settings.schedule_timezone, active=active)]
            for name, (cron, active) in crons.items()}
