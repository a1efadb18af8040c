"""Cancelling a running batch in the Prefect UI on ``wenshu worker``: the run ends Cancelled
(never stuck Cancelling), what it archived is whole, and a rerun makes the rest once.
That a batch stops before its next document is tested in test_batch.py: a batch of this
size is done before the worker hears of the cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.test_past_one_machine import Machines, _runs, _wait
from tests.web_office import Office, build_office
from wenshu.db import get_engine, session_scope
from wenshu.models.tables import Document, DocumentVersion, Unit
from wenshu.settings import Settings


def _archived(settings: Settings) -> int:
    with session_scope(settings) as session:
        return session.scalar(select(func.count(DocumentVersion.id)).join(Document).where(
            Document.kind == "year_summary")) or 0


@pytest.mark.prefect
@pytest.mark.soffice
def test_a_batch_cancelled_while_it_runs_stops_and_a_rerun_makes_the_rest(
        tmp_path: Path) -> None:
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.states import Cancelling

    from wenshu.workflows.serve import deployment_ready, trigger, wait_for_run
    from wenshu.workflows.server import start_server

    office = Office()
    database = f"sqlite:///{tmp_path / 'office.db'}"
    shared = Settings(home=tmp_path / "office", database_url=database,
                      archive_root=tmp_path / "shared-archive")
    build_office(shared, tmp_path / "inputs")
    with session_scope(shared) as session:
        units = session.scalar(select(func.count(Unit.code)))
    get_engine(shared).dispose()
    server = start_server(Settings(home=tmp_path / "prefect-server"))
    machines = Machines(tmp_path, database, server.api_url)
    try:
        deployed = machines.wenshu("office", "deploy")
        assert deployed.wait(300) == 0, deployed.communicate()[0]
        machines.start_worker("worker")
        _wait(lambda: deployment_ready(server.api_url, "year_end_summary"), "the worker")

        # The whole district in one run, as a scheduled batch's part would be.
        parameters = {"unit_code": "440307", "year": 2025, "all_levels": True,
                      "user": office.supervisor}
        run_id = trigger(server.api_url, "year_end_summary", parameters)
        _wait(lambda: any(run.state.is_running() for run in
                          _runs(server.api_url, "year_end_summary")), "the run starting")
        with temporary_settings({PREFECT_API_URL: server.api_url}), \
                get_client(sync_client=True) as client:
            client.set_flow_run_state(run_id, Cancelling(), force=True)  # the UI's Cancel
        # Cancelled, not left Cancelling, however far it got before the worker heard.
        run = wait_for_run(server.api_url, run_id, timeout=120)
        assert run.state_name == "Cancelled", run

        again = wait_for_run(server.api_url, trigger(
            server.api_url, "year_end_summary", parameters), timeout=300)
        assert again.completed, again
        assert _archived(shared) == units  # the rest made, none twice
        machines.verify_archive(office.archivist)
    finally:
        machines.stop_all()
        server.stop()
