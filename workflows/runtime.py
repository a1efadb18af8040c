"""Prefect's environment: local ephemeral API, state under WENSHU_HOME, no telemetry."""

from __future__ import annotations

import os

from wenshu.settings import Settings, get_settings


def configure_prefect(settings: Settings | None = None) -> None:
    """Set Prefect's environment defaults; values already in the environment win."""
    settings = settings or get_settings()
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    defaults = {
        "PREFECT_HOME": str(settings.prefect_home),
        # No connection may leave loopback: both switches are needed.
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        # A new ephemeral database takes 13-16 s to start here; the default limit is 20 s.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)


def current_flow_run_id() -> str | None:
    """The id of the Prefect flow run we are in, if any."""
    from prefect.runtime import flow_run

    run_id = flow_run.get_id()
    return str(run_id) if run_id else None
