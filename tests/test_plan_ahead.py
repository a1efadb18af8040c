"""A document flow planned while Prefect's API starts: the run files that plan, and the
access check still comes first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import OFFICE_ARCHIVIST, OFFICE_SUPERVISOR
from wenshu.archive.audit import events
from wenshu.errors import AccessDenied, NotFoundError
from wenshu.settings import get_settings


def _parameters(**changed: object) -> dict[str, object]:
    return {"unit_code": "440307", "year": 2024, "all_levels": True,
            "issued_on": date(2025, 1, 15), "user": OFFICE_SUPERVISOR, **changed}


def test_the_run_files_the_plan_made_ahead(office: Path, wenshu: Callable[..., str]) -> None:
    from wenshu.workflows import documents
    from wenshu.workflows.year_end_summary import year_end_summary

    parameters = _parameters()
    with documents.planned_ahead(year_end_summary, parameters):
        [(_inputs, (jobs, _unchanged))] = documents._planned
        # Data changed after the plan was made is not in this run's documents.
        changed = office / "figures-changed.csv"
        changed.write_text("unit_code,year,key,value\n440307001001,2024,expected_checks,999\n",
                           encoding="utf-8")
        wenshu("figures", "import", str(changed))
        outcomes = year_end_summary(**parameters)
        assert documents._planned == []
    assert sorted(o.key.unit_code for o in outcomes) == sorted(j.key.unit_code for j in jobs)
    assert all(o.created and o.version == 1 for o in outcomes)
    # The next run plans afresh: the changed community's summary and those above it
    # are new versions, the others unchanged.
    again = {o.key.unit_code: o for o in year_end_summary(**parameters)}
    assert {code for code, o in again.items() if o.created} == {
        "440307", "440307001", "440307001001"}
    assert again["440307001001"].version == 2


@pytest.mark.parametrize(("changed", "error"), [
    ({"user": OFFICE_ARCHIVIST}, AccessDenied),  # archivists do not generate
    ({"unit_code": "440399"}, NotFoundError),  # no such unit
])
def test_a_plan_refused_or_failing_ahead_leaves_the_run_to_say_so(
    office: Path, wenshu: Callable[..., str], changed: dict[str, object],
    error: type[Exception],
) -> None:
    from wenshu.workflows import documents
    from wenshu.workflows.year_end_summary import year_end_summary

    parameters = _parameters(**changed)
    with documents.planned_ahead(year_end_summary, parameters):
        assert documents._planned == []
        with pytest.raises(error):
            year_end_summary(**parameters)
    refused = events(get_settings(), outcome="refused")
    assert len(refused) == (1 if error is AccessDenied else 0)  # logged once, by the run
