"""Flows run in-process against the ephemeral API: none of the bookkeeping only a separate
server could use (heartbeats, stored events and task runs), yet every flow run recorded
and every error raised. Each case is a fresh Python process, as the web app is: the
session's test harness points Prefect at a test server, where nothing is tuned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.prefect

IN_PROCESS = r"""
import json

from wenshu.workflows.runtime import shared_prefect_client, warm_prefect

warm_prefect()  # the web app's start: flow modules, API, one flow

from prefect import flow, get_client, task
from prefect.settings import get_current_settings


@task
def answer() -> int:
    return 42


@flow(name="fine")
def fine() -> int:
    return answer()


@flow(name="broken")
def broken() -> None:
    raise ValueError("坏了")


settings = get_current_settings()
out = {"heartbeat": settings.flows.heartbeat_frequency, "fine": fine()}
try:
    broken()
except ValueError as exc:
    out["raised"] = str(exc)
with shared_prefect_client():  # a job thread's flows, one client for all
    try:
        broken()
    except ValueError as exc:
        out["raised_shared"] = str(exc)
    out["fine_shared"] = [fine(), fine()]
with get_client(sync_client=True) as client:
    names = {str(f.id): f.name for f in client.read_flows()}
    out["runs"] = {}
    for run in client.read_flow_runs():
        out["runs"].setdefault(names[str(run.flow_id)], []).append(
            [run.state.type.value, run.state.message])
    served = client.request("GET", "/admin/settings").json()["server"]["services"]
    out["server"] = {name: served[name]["enabled"]
                     for name in ("event_persister", "task_run_recorder", "triggers")}
print("RESULT " + json.dumps(out, ensure_ascii=False))
"""

WITH_SERVER = r"""
import json
import wenshu.workflows.year_end_summary  # the flow modules tune on import
from prefect.settings import get_current_settings
from wenshu.workflows.runtime import tune_ephemeral_runs

settings = get_current_settings()
print("RESULT " + json.dumps({"tuned": tune_ephemeral_runs(),
                              "heartbeat": settings.flows.heartbeat_frequency}))
"""


def _run(script: str, home: Path, **env: str) -> dict[str, object]:
    """Run ``script`` in a fresh interpreter on data directory ``home``; its RESULT."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("PREFECT_")}  # no harness, no server
    environment.update(WENSHU_HOME=str(home), **env)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=environment, timeout=300, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


def test_in_process_runs_are_recorded_and_fail_loudly_without_server_bookkeeping(
    tmp_path: Path
) -> None:
    result = _run(IN_PROCESS, tmp_path / "home")
    assert result["heartbeat"] is None
    assert result["server"] == {"event_persister": False, "task_run_recorder": False,
                                "triggers": True}
    assert result["fine"] == 42 and result["fine_shared"] == [42, 42]
    assert result["raised"] == result["raised_shared"] == "坏了"
    runs = result["runs"]
    assert isinstance(runs, dict)
    assert [state for state, _ in runs["wenshu_warm_up"]] == ["COMPLETED"]
    assert [state for state, _ in runs["fine"]] == ["COMPLETED"] * 3
    assert [state for state, _ in runs["broken"]] == ["FAILED"] * 2
    assert all("坏了" in message for _, message in runs["broken"])


def test_nothing_is_tuned_when_a_server_is_configured(tmp_path: Path) -> None:
    result = _run(WITH_SERVER, tmp_path / "home", PREFECT_API_URL="http://127.0.0.1:9/api")
    assert result == {"tuned": False, "heartbeat": 180}
