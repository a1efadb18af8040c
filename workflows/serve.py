"""The flows as Prefect deployments on a work pool, and running them there.

Every served flow is a deployment ``<flow>/wenshu`` on the process work pool named in
the settings (``WENSHU_WORK_POOL``, default ``wenshu``), by module path, so that any
machine with wenshu installed runs it: ``wenshu worker`` (:mod:`wenshu.workflows.worker`)
or a stock ``prefect worker start --pool wenshu``. The recurring work (collection, the
half-year and year-end batches, the transfer package) carries cron schedules from the
settings, visible and editable in the Prefect UI.

A run is triggered by deployment name and waited for; a run whose worker stopped
answering (killed, its machine gone) is marked Crashed, so nobody waits for it forever.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from wenshu.settings import Settings
from wenshu.workflows.server import AUTH_CLIENT, ServeError

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment
    from prefect.flows import Flow

DEPLOYMENT = "wenshu"  # every served flow's deployment name: <flow name>/wenshu
WORKER_LABEL = "prefect.worker.name"  # the label a worker gives the runs it takes
# A worker silent for this many heartbeat intervals is gone (Prefect's own rule, too).
MISSED_HEARTBEATS = 3
FINAL_STATES = frozenset({"COMPLETED", "FAILED", "CANCELLED", "CRASHED"})
# A busy Prefect server (its database locked under load) answers these; wait and retry.
BUSY_CODES = frozenset({429, 502, 503})
BUSY_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)


# The flows that make documents on request, by name: the module that defines each.
_DOCUMENT_FLOWS = {"inspection_report": "inspection", "year_end_summary": "year_end_summary",
                   "half_year_summary": "half_year_summary", "work_plan": "work_plan",
                   "campaign_plan": "campaign_plan", "self_inspection": "self_inspection"}


def document_flow(name: str) -> Flow[Any, Any]:
    """The document flow called ``name``, its module imported (it alone: a command that
    runs one flow need not import the others, ≈0.5 s)."""
    module = importlib.import_module(f"wenshu.workflows.{_DOCUMENT_FLOWS[name]}")
    flow: Flow[Any, Any] = getattr(module, name)
    return flow


def document_flows() -> list[Flow[Any, Any]]:
    """The flows that make documents on request."""
    return [document_flow(name) for name in _DOCUMENT_FLOWS]


def served_flows() -> list[Flow[Any, Any]]:
    """Every flow deployed on the work pool: the document flows, collection and the
    scheduled batches."""
    from wenshu.workflows.collect import collect_ledgers
    from wenshu.workflows.scheduled import scheduled_flows

    return [*document_flows(), collect_ledgers, *scheduled_flows()]


def deployment_name(flow_name: str) -> str:
    """A served flow's deployment as Prefect names it: inspection_report/wenshu."""
    return f"{flow_name}/{DEPLOYMENT}"


@contextmanager
def _api(api_url: str) -> Iterator[None]:
    """Prefect's client settings pointed at ``api_url`` for the duration."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        yield


def _call(api_url: str, method: str, path: str, body: Any = None) -> Any:
    """One call of Prefect's REST API (with ``PREFECT_API_AUTH_STRING`` when set): its
    JSON answer, None for 404. Plain HTTP, so that a command that only triggers and
    waits never imports Prefect (≈1.3 s). A busy server's 429/502/503 is retried, with
    backoff, as Prefect's own client does (the server refused the call, it made nothing)."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    for attempt in range(len(BUSY_BACKOFF) + 1):
        request = urllib.request.Request(f"{api_url.rstrip('/')}{path}", data=data,
                                         method=method,
                                         headers={"Content-Type": "application/json"})
        if os.environ.get(AUTH_CLIENT):
            token = base64.b64encode(os.environ[AUTH_CLIENT].encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                answer = reply.read()
            return json.loads(answer) if answer else None
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            if exc.code in BUSY_CODES and attempt < len(BUSY_BACKOFF):
                time.sleep(BUSY_BACKOFF[attempt])
                continue
            detail = exc.read().decode("utf-8", errors="replace")[:500]
            raise ServeError(f"the Prefect API at {api_url} answered {exc.code} to {method} "
                             f"{path}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise ServeError(f"the Prefect API at {api_url} cannot be reached: {exc}") from None
    raise AssertionError("unreachable")  # the loop returns or raises


@dataclass(frozen=True)
class Run:
    """A flow run as the waiting side sees it."""

    id: str
    state: str  # Prefect's state type: SCHEDULED, RUNNING, COMPLETED, CRASHED …
    state_name: str
    message: str
    labels: Mapping[str, Any]
    work_pool_name: str | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Run:
        """From the API's JSON for a flow run."""
        state = data.get("state") or {}
        return cls(str(data["id"]), str(state.get("type", "UNKNOWN")),
                   str(state.get("name", "Unknown")), state.get("message") or "",
                   data.get("labels") or {}, data.get("work_pool_name"))

    @property
    def final(self) -> bool:
        """Whether the run has ended, one way or another."""
        return self.state in FINAL_STATES

    @property
    def completed(self) -> bool:
        """Whether the run ended well."""
        return self.state == "COMPLETED"


def _deployment(api_url: str, flow_name: str) -> Any:
    return _call(api_url, "GET", f"/deployments/name/{flow_name}/{DEPLOYMENT}")


def deployment_ready(api_url: str, flow_name: str) -> bool:
    """Whether ``flow_name`` is served: its deployment exists and a worker polls for it."""
    deployment = _deployment(api_url, flow_name)
    return deployment is not None and deployment.get("status") == "READY"


# Deploying ----------------------------------------------------------------------------------


def deployments(settings: Settings) -> list[RunnerDeployment]:
    """Every served flow's deployment, scheduled ones with their cron schedules."""
    from prefect.deployments.runner import EntrypointType

    from wenshu.workflows.scheduled import schedules

    planned = schedules(settings)
    return [flow.to_deployment(name=DEPLOYMENT, entrypoint_type=EntrypointType.MODULE_PATH,
                               schedules=planned.get(flow.name))
            for flow in served_flows()]


def deploy(settings: Settings, api_url: str, *, replace: bool = True) -> list[str]:
    """Create the work pool (process type) and the deployments on it; returns the names
    of those written. Without ``replace``, deployments that exist are left as they are
    (schedules edited in the Prefect UI stay)."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    written = []
    with _api(api_url):
        with get_client(sync_client=True) as client:
            try:
                client.create_work_pool(WorkPoolCreate(name=settings.work_pool, type="process"))
            except ObjectAlreadyExists:
                pass
            existing = set()
            for flow in served_flows():
                try:
                    client.read_deployment_by_name(deployment_name(flow.name))
                    existing.add(flow.name)
                except ObjectNotFound:
                    pass
        for deployment in deployments(settings):
            if replace or deployment.flow_name not in existing:
                deployment.apply(work_pool_name=settings.work_pool)
                written.append(deployment_name(deployment.flow_name))
    return written


# Triggering and waiting -------------------------------------------------------------------------


def jsonable(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Flow parameters as the API takes them (dates as ISO text); None values left out."""
    return {key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in parameters.items() if value is not None}


def trigger(api_url: str, flow_name: str, parameters: Mapping[str, Any]) -> str:
    """Create a run of ``flow_name``'s deployment; its flow-run id."""
    deployment = _deployment(api_url, flow_name)
    if deployment is None:
        raise ServeError(f"no deployment {deployment_name(flow_name)} at {api_url}")
    run = _call(api_url, "POST", f"/deployments/{deployment['id']}/create_flow_run",
                {"parameters": jsonable(parameters)})
    return str(run["id"])


def _heartbeats(api_url: str, pool: str) -> dict[str, bool]:
    """Each worker of ``pool`` by name: whether its heartbeats are current."""
    now = datetime.now(UTC)
    current = {}
    for worker in _call(api_url, "POST", f"/work_pools/{pool}/workers/filter", {}) or []:
        every = worker.get("heartbeat_interval_seconds") or 30
        last = worker.get("last_heartbeat_time")
        current[worker["name"]] = last is not None and now - datetime.fromisoformat(
            last) <= timedelta(seconds=every * MISSED_HEARTBEATS)
    return current


def live_workers(api_url: str, pool: str) -> set[str]:
    """The workers of ``pool`` that answer (their heartbeats are current)."""
    return {name for name, current in _heartbeats(api_url, pool).items() if current}


def _stale_workers(api_url: str, pools: set[str]) -> set[str]:
    """The workers of ``pools`` that missed their heartbeats."""
    return {name for pool in pools for name, current in _heartbeats(api_url, pool).items()
            if not current}


def _crash_orphans(api_url: str, runs: Sequence[Run]) -> None:
    """Mark Crashed the running runs whose worker stopped answering."""
    taken = [run for run in runs if not run.final and WORKER_LABEL in run.labels]
    pools = {run.work_pool_name for run in taken if run.work_pool_name}
    if not taken or not pools:
        return
    stale = _stale_workers(api_url, pools)
    for run in taken:
        worker = str(run.labels[WORKER_LABEL])
        if worker in stale:
            _call(api_url, "POST", f"/flow_runs/{run.id}/set_state", {
                "state": {"type": "CRASHED", "name": "Crashed",
                          "message": f"its worker {worker} stopped answering; run it again"},
                "force": True})


def wait_for_runs(api_url: str, run_ids: Sequence[str], *, timeout: float,
                  poll_seconds: float = 0.5) -> list[Run]:
    """Wait for flow runs to reach a final state (a run whose worker is gone is marked
    Crashed); ServeError past ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    checked = 0.0
    query = {"flow_runs": {"id": {"any_": list(run_ids)}}}
    while True:
        runs = [Run.from_api(data) for data in _call(api_url, "POST", "/flow_runs/filter", query)]
        if len(runs) == len(run_ids) and all(run.final for run in runs):
            order = {run_id: place for place, run_id in enumerate(run_ids)}
            return sorted(runs, key=lambda run: order[run.id])
        if time.monotonic() > deadline:
            waiting = [f"{run.id} ({run.state_name})" for run in runs if not run.final]
            raise ServeError(f"flow run(s) not finished after {timeout:.0f} s: "
                             f"{', '.join(waiting)}")
        if time.monotonic() - checked > 5:
            _crash_orphans(api_url, runs)
            checked = time.monotonic()
        time.sleep(poll_seconds)


def wait_for_run(api_url: str, run_id: str, *, timeout: float, poll_seconds: float = 0.5
                 ) -> Run:
    """Wait for one flow run to reach a final state (see :func:`wait_for_runs`)."""
    [run] = wait_for_runs(api_url, [run_id], timeout=timeout, poll_seconds=poll_seconds)
    return run


def run_served(api_url: str, flow_name: str, parts: Sequence[Mapping[str, Any]], *,
               timeout: float) -> list[str]:
    """Trigger a run of the deployment for each set of parameters in ``parts`` (the pool's
    workers share them), wait for all, and return their ids if every one completed
    (ServeError naming each that did not, with its state's message, otherwise)."""
    run_ids = [trigger(api_url, flow_name, parameters) for parameters in parts]
    runs = wait_for_runs(api_url, run_ids, timeout=timeout)
    failed = [run for run in runs if not run.completed]
    if failed:
        raise ServeError("; ".join(
            f"flow run {run.id} ({flow_name}) ended {run.state_name}: "
            f"{run.message or 'see the Prefect UI for its logs'}" for run in failed))
    return run_ids
