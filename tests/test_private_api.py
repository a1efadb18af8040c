"""A command's own Prefect API (:mod:`wenshu.workflows.private_api`): started without
Prefect imported, answering before the first flow, tuned like Prefect's own temporary
API, never taken for a configured server, gone with the command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from wenshu.settings import Settings
from wenshu.workflows.server import PRIVATE_API_ENV, configured_api_url

# In a new process, as a command starts: Prefect not imported yet.
COMMAND = """
import json, os, sys
from wenshu.settings import Settings
from wenshu.workflows.private_api import start_private_api
from wenshu.workflows.server import api_healthy, configured_api_url

settings = Settings(home=sys.argv[1])
api = start_private_api(settings)
imported_before = "prefect" in sys.modules
api.wait_ready()
from wenshu.workflows.runtime import tune_ephemeral_runs
said = {"url": api.url, "env": os.environ["PREFECT_API_URL"], "imported": imported_before,
        "healthy": api_healthy(api.url), "tuned": tune_ephemeral_runs(),
        "configured": configured_api_url(settings),
        "again": start_private_api(settings) is None}
api.stop()
said["stopped"] = api.process.poll() is not None
print(json.dumps(said))
"""


def run_as_command(script: str, home: Path) -> dict[str, Any]:
    """``script`` in a new process without Prefect's settings; what it printed last, as JSON."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    done = subprocess.run([sys.executable, "-c", script, str(home)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    said: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return said


def test_a_command_starts_its_own_api_and_stops_it(tmp_path: Path) -> None:
    said = run_as_command(COMMAND, tmp_path / "home")
    assert said["url"].startswith("http://127.0.0.1:") and said["env"] == said["url"]
    assert said["imported"] is False  # the server started without Prefect in the command
    assert said["healthy"] and said["tuned"] and said["again"]
    assert said["configured"] is None  # not a server other commands may use
    assert said["stopped"]


# The port the API was given is taken before it binds it: Prefect, already imported with
# that address (as the flows are while the API starts), follows the API to its new port.
PORT_TAKEN = """
import json, socket, sys
import wenshu.workflows.private_api as private_api
from wenshu.settings import Settings

taken = socket.socket()
taken.bind(("127.0.0.1", 0))
taken.listen()
ports = [taken.getsockname()[1]]
free_port = private_api.free_port
private_api.free_port = lambda: ports.pop() if ports else free_port()
api = private_api.start_private_api(Settings(home=sys.argv[1]))
first = api.url
from prefect import flow

@flow(name="hello")
def hello() -> int:
    return 42

api.wait_ready()
print(json.dumps({"first": first, "url": api.url, "value": hello(),
                  "port": taken.getsockname()[1]}))
"""


def test_a_taken_port_is_left_for_another(tmp_path: Path) -> None:
    said = run_as_command(PORT_TAKEN, tmp_path / "home")
    assert said["first"] == f"http://127.0.0.1:{said['port']}/api"
    assert said["url"] != said["first"] and said["value"] == 42


# A command killed outright, with no chance to stop what it started.
KILLED = """
import os, signal, sys
from wenshu.settings import Settings
from wenshu.workflows.private_api import start_private_api

api = start_private_api(Settings(home=sys.argv[1]))
api.wait_ready()
print(api.process.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_command_leaves_no_api_behind(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    done = subprocess.run([sys.executable, "-c", KILLED, str(tmp_path / "home")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr
    server = int(done.stdout.split()[-1])
    deadline = time.monotonic() + 30
    while running(server):
        assert time.monotonic() < deadline, "the command's Prefect API outlived it"
        time.sleep(0.2)


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and has not exited (a zombie has)."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def test_only_a_private_url_is_not_a_configured_server(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(home=tmp_path)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4321/api")
    monkeypatch.setenv(PRIVATE_API_ENV, "http://127.0.0.1:4321/api")
    assert configured_api_url(settings) is None
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.office:4200/api")
    assert configured_api_url(settings) == "http://prefect.office:4200/api"
