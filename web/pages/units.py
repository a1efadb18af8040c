"""A unit's pages: its overview (home of clerks and supervisors), who below it reported,
and its indicators across the units below it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from wenshu.periods import Period
from wenshu.services import overview
from wenshu.services.documents import office_lines
from wenshu.web.params import LineQuery, PeriodQuery, UnitPath, YearQuery
from wenshu.web.security import Caller, caller, settings_of
from wenshu.web.templating import page

router = APIRouter(include_in_schema=False)
Signed = Annotated[Caller, Depends(caller)]
HOME = {"archivist": "/archive", "administrator": "/admin/users"}


@router.get("/")
def home(who: Signed) -> Response:
    """Each role's starting page: a unit's overview, the archive, or user management."""
    target = HOME.get(who.actor.role) or f"/units/{who.actor.unit_code}"
    return RedirectResponse(target, status_code=303)


@router.get("/units/{unit_code}")
def unit_page(request: Request, who: Signed, unit_code: UnitPath,
              period: PeriodQuery = None) -> Response:
    """The unit's period: submissions, indicators against targets, documents and versions."""
    settings = settings_of(request)
    overview.unit_info(settings, who.actor, unit_code)
    chosen = overview.period_or_latest(settings, unit_code, period)
    data = overview.unit_overview(settings, who.actor, unit_code, chosen)
    return page(request, "unit.html", {"o": data, "years": _years(chosen)})


@router.get("/units/{unit_code}/reporting")
def reporting_page(request: Request, who: Signed, unit_code: UnitPath,
                   period: PeriodQuery = None,
                   due: Annotated[str, Query(pattern=r"^$|^\d{4}-\d{2}-\d{2}$")] = ""
                   ) -> Response:
    """Who below the unit submitted ledgers for the period, who did not, and (with a
    deadline) who submitted late."""
    settings = settings_of(request)
    unit, units = overview.unit_info(settings, who.actor, unit_code)
    chosen = overview.period_or_latest(settings, unit_code, period)
    deadline = date.fromisoformat(due) if due else None
    report = overview.reporting(settings, who.actor, unit_code, chosen, deadline)
    return page(request, "reporting.html", {
        "unit": unit, "report": report, "period": chosen, "years": _years(chosen), "due": due,
        "branches": overview.by_branch(report, units, unit_code)})


@router.get("/units/{unit_code}/indicators")
def indicators_page(request: Request, who: Signed, unit_code: UnitPath,
                    year: YearQuery = None, line: LineQuery = "") -> Response:
    """One line's indicators of the unit beside each unit below it; units that missed a
    target marked."""
    settings = settings_of(request)
    unit, _ = overview.unit_info(settings, who.actor, unit_code)
    chosen = year or overview.latest_year(settings, unit_code)
    shown = overview.line_of(settings, line)
    own, children = overview.child_indicators(settings, who.actor, unit_code, chosen, shown)
    return page(request, "indicators.html", {"unit": unit, "own": own, "children": children,
                                             "year": chosen, "line": shown,
                                             "lines": office_lines(settings).by_key.values(),
                                             "years": _years(Period.year(chosen))})


def _years(period: Period) -> list[int]:
    """Years a period picker offers around the one shown."""
    year = period.start.year
    return list(range(year - 3, year + 2))
