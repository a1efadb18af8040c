"""The document flows as Prefect deployments: ``wenshu serve`` and triggering a served flow.

``wenshu serve`` starts a local Prefect server on 127.0.0.1 unless ``PREFECT_API_URL``
names one, records its address under Prefect's home (so other ``wenshu`` commands on
the machine find it), and serves every document flow as a deployment named
``<flow>/wenshu`` with a short runner poll. Supervisors can then start the
inspection flow with parameters from the Prefect UI, and ``wenshu inspect run``
triggers the deployment by id and waits for the run.

No connection leaves loopback: the server runs with analytics off and ``DO_NOT_TRACK``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wenshu.errors import WenshuError
from wenshu.settings import Settings

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun
    from prefect.flows import Flow

DEPLOYMENT = "wenshu"  # every served flow's deployment name: <flow name>/wenshu
SERVER_FILE = "server.json"  # under PREFECT_HOME: the server `wenshu serve` started
POLL_SECONDS = 1  # how often the runner looks for runs to start (Prefect's default: 10)
SERVER_START_SECONDS = 90.0  # a new Prefect database takes 11-16 s here; keep a margin


class ServeError(WenshuError):
    """The Prefect server or a served flow could not be started, reached or finished."""


def served_flows() -> list[Flow[Any, Any]]:
    """Every flow ``wenshu serve`` offers: the inspection and the other document flows."""
    from wenshu.workflows.campaign_plan import campaign_plan
    from wenshu.workflows.half_year_summary import half_year_summary
    from wenshu.workflows.inspection import inspection_report
    from wenshu.workflows.self_inspection import self_inspection
    from wenshu.workflows.work_plan import work_plan
    from wenshu.workflows.year_end_summary import year_end_summary

    return [inspection_report, year_end_summary, half_year_summary, work_plan, campaign_plan,
            self_inspection]


def deployment_name(flow_name: str) -> str:
    """A served flow's deployment as Prefect names it: inspection_report/wenshu."""
    return f"{flow_name}/{DEPLOYMENT}"


# Finding a server -----------------------------------------------------------------------------


def api_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether a Prefect API answers its health check at ``api_url`` (…/api)."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _server_file(settings: Settings) -> Path:
    return settings.prefect_home / SERVER_FILE


def configured_api_url(settings: Settings) -> str | None:
    """``PREFECT_API_URL`` if set, else the server a running ``wenshu serve`` recorded."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    try:
        recorded = json.loads(_server_file(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = recorded.get("api_url") if isinstance(recorded, dict) else None
    return url if isinstance(url, str) else None


def running_server(settings: Settings) -> str | None:
    """The API URL of a Prefect server that is configured and answering, if any."""
    url = configured_api_url(settings)
    return url if url is not None and api_healthy(url) else None


@contextmanager
def _api(api_url: str) -> Iterator[None]:
    """Prefect's client settings pointed at ``api_url`` for the duration."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        yield


def deployment_ready(api_url: str, flow_name: str) -> bool:
    """Whether ``flow_name`` is served: its deployment exists and a runner polls for it."""
    from prefect import get_client
    from prefect.client.schemas.objects import DeploymentStatus
    from prefect.exceptions import ObjectNotFound

    with _api(api_url), get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(deployment_name(flow_name))
        except ObjectNotFound:
            return False
    return deployment.status == DeploymentStatus.READY


# Running a server and serving the flows ---------------------------------------------------


@dataclass
class LocalServer:
    """A ``prefect server start`` subprocess on loopback."""

    process: subprocess.Popen[bytes]
    api_url: str
    log: Path

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the server (and its workers), then SIGKILL what is left after ``timeout``."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (at the moment of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prefect_environment(settings: Settings, extra: Mapping[str, str] | None = None
                        ) -> dict[str, str]:
    """The environment a Prefect subprocess gets: wenshu's Prefect home, no telemetry."""
    env = dict(os.environ)
    env.update({"PREFECT_HOME": str(settings.prefect_home),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})
    env.update(extra or {})
    return env


def start_server(settings: Settings, *, port: int | None = None,
                 timeout: float = SERVER_START_SECONDS) -> LocalServer:
    """Start ``prefect server start`` on 127.0.0.1 and wait (at most ``timeout`` seconds)
    until its API answers; the server is stopped again if it does not."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = settings.prefect_home / "server.log"
    env = prefect_environment(settings)
    env.pop("PREFECT_API_URL", None)  # the server is the API; it must not look for another
    with log.open("wb") as out:
        # Its own process group, so stop() reaches the uvicorn workers too.
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port), "--analytics-off"],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    server = LocalServer(process, api_url, log)
    deadline = time.monotonic() + timeout
    while not api_healthy(api_url, timeout=1.0):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            what = "exited" if process.poll() is not None else f"not ready after {timeout:.0f} s"
            raise ServeError(f"the Prefect server on port {port} {what}; its log ({log}):\n"
                             f"{tail}")
        time.sleep(0.25)
    return server


def record_server(settings: Settings, api_url: str) -> Path:
    """Note the server's address for other ``wenshu`` commands (see :func:`forget_server`)."""
    path = _server_file(settings)
    path.write_text(json.dumps({"api_url": api_url, "pid": os.getpid()}), encoding="utf-8")
    return path


def forget_server(settings: Settings) -> None:
    """Remove the note :func:`record_server` wrote."""
    _server_file(settings).unlink(missing_ok=True)


def serve_flows(api_url: str, *, poll_seconds: int = POLL_SECONDS) -> None:
    """Serve :func:`served_flows` as deployments against ``api_url``; blocks until SIGTERM
    or Ctrl-C. Flow runs start in subprocesses that inherit this environment."""
    from prefect import serve
    from prefect.deployments.runner import EntrypointType
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_RUNNER_POLL_FREQUENCY,
        temporary_settings,
    )

    updates = {PREFECT_API_URL: api_url, PREFECT_RUNNER_POLL_FREQUENCY: poll_seconds}
    with temporary_settings(updates=updates):
        # By module path: a run imports wenshu.workflows.*, wherever the checkout is.
        deployments = [each.to_deployment(name=DEPLOYMENT,
                                          entrypoint_type=EntrypointType.MODULE_PATH)
                       for each in served_flows()]
        serve(*deployments, print_starting_message=False, query_seconds=poll_seconds)


# Triggering -------------------------------------------------------------------------------------


def jsonable(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Flow parameters as the API takes them (dates as ISO text); None values left out."""
    return {key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in parameters.items() if value is not None}


def trigger(api_url: str, flow_name: str, parameters: Mapping[str, Any]) -> str:
    """Create a run of ``flow_name``'s served deployment; its flow-run id."""
    from prefect.deployments import run_deployment

    with _api(api_url):
        run = run_deployment(deployment_name(flow_name), parameters=jsonable(parameters),
                             timeout=0, as_subflow=False)
    return str(run.id)


def wait_for_run(api_url: str, run_id: str, *, timeout: float, poll_seconds: float = 0.5
                 ) -> FlowRun:
    """Wait for a flow run to reach a final state; ServeError past ``timeout`` seconds."""
    from uuid import UUID

    from prefect import get_client

    deadline = time.monotonic() + timeout
    with _api(api_url), get_client(sync_client=True) as client:
        while True:
            run = client.read_flow_run(UUID(run_id))
            if run.state is not None and run.state.is_final():
                return run
            if time.monotonic() > deadline:
                state = run.state.name if run.state else "unknown"
                raise ServeError(f"flow run {run_id} is still {state} after {timeout:.0f} s")
            time.sleep(poll_seconds)


def run_served(api_url: str, flow_name: str, parameters: Mapping[str, Any], *,
               timeout: float) -> str:
    """Trigger a served flow, wait for it, and return its run id if it completed
    (ServeError with the final state's message otherwise)."""
    run_id = trigger(api_url, flow_name, parameters)
    run = wait_for_run(api_url, run_id, timeout=timeout)
    assert run.state is not None
    if not run.state.is_completed():
        raise ServeError(f"flow run {run_id} ({flow_name}) ended {run.state.name}: "
                         f"{run.state.message or 'see the Prefect UI for its logs'}")
    return run_id
