"""Where a flow runs: on its deployment when a Prefect server offers one, else here.

Every document command goes through :func:`run_flow`. With a Prefect server configured
(``PREFECT_API_URL``, or the one ``wenshu serve`` started on this machine) and a worker
or ``wenshu serve`` polling for the flow's deployment, the run is created there and
waited for; its documents are then read back from the archive, which every machine
shares. Otherwise the flow runs in this process, and the caller hears why, once.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from wenshu.settings import Settings

# Work a command does while Prefect's API starts, for the run held in the block.
Ahead = Callable[[], AbstractContextManager[None]]

NO_SERVER = ("no Prefect server is running: 'wenshu serve' or PREFECT_API_URL makes "
             "document commands faster")


def served_api(settings: Settings, flow_name: str) -> tuple[str | None, str]:
    """The API URL whose deployment of ``flow_name`` is ready, or None and why not."""
    from wenshu.workflows.server import api_healthy, configured_api_url

    url = configured_api_url(settings)
    if url is None:
        return None, NO_SERVER
    if not api_healthy(url):
        if "prefect" not in sys.modules and os.environ.get("PREFECT_API_URL") == url:
            # Prefect reads its API URL once, on import: unset, the in-process run
            # uses its own temporary API instead of failing on the dead one.
            del os.environ["PREFECT_API_URL"]
        return None, f"the Prefect server at {url} does not answer"
    from wenshu.workflows.serve import deployment_name, deployment_ready

    if not deployment_ready(url, flow_name):
        return None, (f"no worker polls for the deployment {deployment_name(flow_name)} "
                      f"at {url}")
    return url, ""


def run_flow(settings: Settings, flow_name: str, parameters: Mapping[str, Any], *,
             local: Callable[[], list[Any]], archived: Callable[[list[str]], list[Any]],
             split: Callable[[], list[Mapping[str, Any]]] | None = None,
             served: bool = True, timeout: float = 1800,
             on_route: Callable[[str], None] | None = None,
             ahead: Ahead | None = None) -> list[Any]:
    """Run ``flow_name`` with ``parameters`` on its deployment when one is ready (and
    ``served``), and return ``archived(run_ids)``; when the work pool has more than one
    worker answering, as the runs ``split()`` gives (sets of parameters), which they
    share. Otherwise ``local()`` (the whole work in this process, with ``ahead`` as in
    :func:`run_here`). ``on_route`` hears which way, once (and the served runs' ids)."""
    say = on_route or (lambda _said: None)
    if served:
        api, why = served_api(settings, flow_name)
        if api is not None:
            from wenshu.workflows.serve import deployment_name, live_workers, run_served

            parts = [parameters]
            # A lone worker gains nothing from parts: each would plan its subtree again
            # and wait for a free slot (a district's batch 39.6 s in 13 runs, see README).
            if split is not None and len(live_workers(api, settings.work_pool)) > 1:
                parts = split()
            runs = f"{len(parts)} runs" if len(parts) > 1 else "a run"
            say(f"on the deployment {deployment_name(flow_name)} at {api} ({runs})")
            run_ids = run_served(api, flow_name, parts, timeout=timeout)
            say(f"flow run(s) {', '.join(run_ids)} completed on {api}")
            return archived(run_ids)
        say(f"in this process ({why})")
    return run_here(settings, flow_name, local, ahead)


def run_here(settings: Settings, flow_name: str, local: Callable[[], list[Any]],
             ahead: Ahead | None = None) -> list[Any]:
    """``local()`` (which runs the flow ``flow_name``), with Prefect and LibreOffice
    started side by side first.

    Prefect's own API, LibreOffice's workers and the imports of Prefect and the flow
    each take seconds: started together they overlap on the two cores, and a batch's
    first documents find LibreOffice ready. ``ahead()`` is entered while the API starts
    and holds ``local()``: work done outside Prefect that the run then takes up (see
    ``planned_ahead`` in :mod:`wenshu.workflows.documents`). A process that has Prefect
    imported already (a web app, a test session) keeps its API, and there is no wait to
    use; one that keeps LibreOffice warm (the web app) keeps its converter. What is
    started here is stopped after.
    """
    from wenshu.generators.pdf import keep_warm, kept_converter, release_warm
    from wenshu.workflows.private_api import start_private_api

    if kept_converter(settings) is not None:
        return local()
    starting = threading.Thread(target=keep_warm, args=(settings,), name="wenshu-pdf-start",
                                daemon=True)
    api = start_private_api(settings)
    starting.start()
    try:
        if api is not None:
            from wenshu.workflows.serve import document_flow

            document_flow(flow_name)  # imported while the API starts
            with ahead() if ahead is not None else nullcontext():
                api.wait_ready()
                return local()
        return local()
    finally:
        starting.join()
        release_warm(settings)


__all__ = ["NO_SERVER", "Ahead", "run_flow", "run_here", "served_api"]
