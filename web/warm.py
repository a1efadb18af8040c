"""Keeping the expensive parts started while the web app runs, so a click never waits for
them: a kept LibreOffice pool and Prefect's API with the flow modules imported."""

from __future__ import annotations

from wenshu.settings import Settings


def warm_up(settings: Settings) -> None:
    """Start LibreOffice (kept for this process) and Prefect's API side by side, then the
    flows; run on the job thread first (the API lives as long as that thread)."""
    from wenshu.generators.pdf import keep_warm
    from wenshu.workflows.private_api import start_private_api
    from wenshu.workflows.runtime import warm_prefect

    api = start_private_api(settings)
    keep_warm(settings)
    if api is not None:
        api.wait_ready()
    warm_prefect()


def cool_down(settings: Settings) -> None:
    """Stop the kept LibreOffice pool and this process's own Prefect API."""
    from wenshu.generators.pdf import release_warm
    from wenshu.workflows.runtime import stop_ephemeral_api

    release_warm(settings)
    stop_ephemeral_api()
