"""A command's own Prefect API, started as soon as the command knows its flow runs here.

Prefect starts a temporary API (its "ephemeral" server, a uvicorn subprocess) for a
process without a server, but only when the first flow is called, and the class that
starts it imports Prefect's whole server into the caller first (≈2.5 s of CPU). A
``wenshu`` command knows much earlier that it will run its flow in this process:
:func:`start_private_api` starts the same server then, without importing Prefect, so its
start (≈4-6 s) runs on the other core while the command imports Prefect and its flows.

The API is this process's alone: it listens on 127.0.0.1, its runs are not served to
anyone, and it stops when the process ends, even killed. ``PREFECT_API_URL`` points
Prefect at it; :data:`~wenshu.workflows.server.PRIVATE_API_ENV` marks that URL as
private, so that it is never taken for a configured server
(:func:`~wenshu.workflows.server.configured_api_url`).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from wenshu.settings import Settings
from wenshu.workflows.runtime import (
    EPHEMERAL_RUN_SETTINGS,
    configure_prefect,
    point_prefect_at,
)
from wenshu.workflows.server import (
    AUTH_SERVER,
    PRIVATE_API_ENV,
    SERVER_START_SECONDS,
    ServeError,
    api_healthy,
    free_port,
)

# The server's process: it asks Linux for SIGTERM when the command that started it dies
# (PR_SET_PDEATHSIG), so a command killed outright leaves no server behind, then runs
# uvicorn as ``python -m uvicorn`` would. Its first argument is the command's pid.
_BOOT = """
import ctypes, os, runpy, signal, sys
ctypes.CDLL(None).prctl(1, signal.SIGTERM)
if os.getppid() != int(sys.argv.pop(1)):
    sys.exit(0)
runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)
"""
_started: list[PrivateApi] = []  # what this process started, for stop_private_apis
_EXIT_STARTUP_FAILED = 3  # uvicorn's exit status when it could not start, e.g. port taken
_ATTEMPTS = 3


@dataclass
class PrivateApi:
    """The uvicorn subprocess serving Prefect's API to this process."""

    process: subprocess.Popen[bytes]
    url: str  # http://127.0.0.1:PORT/api
    settings: Settings

    def wait_ready(self, timeout: float = SERVER_START_SECONDS) -> None:
        """Wait until the API answers; a port taken meanwhile is retried on another.
        Raises :class:`ServeError` (the server stopped) when it exits or is not ready
        after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        attempts = 1
        while not api_healthy(self.url, timeout=1.0):
            status = self.process.poll()
            if status == _EXIT_STARTUP_FAILED and attempts < _ATTEMPTS:
                attempts += 1  # most likely its port was taken meanwhile
                self.process, self.url = _spawn(self.settings)
                _point_prefect_at(self.url)
            elif status is not None or time.monotonic() > deadline:
                self.stop()
                what = (f"exited ({status})" if status is not None
                        else f"was not ready after {timeout:.0f} s")
                log = _log_path(self.settings)
                tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise ServeError(f"Prefect's API for this command {what}; its log ({log}):\n"
                                 f"{tail}")
            time.sleep(0.1)

    def warm(self) -> None:
        """Once the API answers, ask it one question that reads its database.

        The server's first such request costs it ≈1 s (its database engine and ORM set
        up), which a command's first flow call would otherwise wait for. Run in a thread
        of its own while the command does other work.
        """
        deadline = time.monotonic() + SERVER_START_SECONDS
        while self.process.poll() is None and time.monotonic() < deadline:
            if api_healthy(self.url, timeout=1.0):
                try:
                    urllib.request.urlopen(f"{self.url}/admin/storage", timeout=10).close()
                except (urllib.error.URLError, OSError):
                    pass  # the flow's own requests will say what is wrong
                return
            time.sleep(0.1)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout`` seconds)."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


def start_private_api(settings: Settings) -> PrivateApi | None:
    """Start this process's own Prefect API, without waiting for it; None (nothing
    started) when Prefect is imported here already (its API settings are then read) or
    ``PREFECT_API_URL`` names a server. Call :meth:`PrivateApi.wait_ready` before the
    first flow; the server stops when this process exits, or when the thread that
    called this ends (Linux tells the server of its parent thread's death): call it
    from the thread that runs the flows."""
    url = os.environ.get("PREFECT_API_URL")
    if "prefect" in sys.modules or (url and url != os.environ.get(PRIVATE_API_ENV)):
        return None
    configure_prefect(settings)
    process, url = _spawn(settings)
    _point_prefect_at(url)
    api = PrivateApi(process, url, settings)
    _started.append(api)
    atexit.register(api.stop)
    threading.Thread(target=api.warm, name="wenshu-api-warm", daemon=True).start()
    return api


def stop_private_apis() -> None:
    """Stop every API :func:`start_private_api` started in this process (a process that
    may end without running its atexit handlers, e.g. a web app's uvicorn)."""
    while _started:
        _started.pop().stop()


def _point_prefect_at(url: str) -> None:
    os.environ[PRIVATE_API_ENV] = url
    point_prefect_at(url)


def _log_path(settings: Settings) -> Path:
    return settings.prefect_home / "private-api.log"


def _spawn(settings: Settings) -> tuple[subprocess.Popen[bytes], str]:
    """The server Prefect runs as its temporary one, with wenshu's in-process settings
    for the server's services (:data:`EPHEMERAL_RUN_SETTINGS`), as a child that dies with
    this process (:data:`_BOOT`)."""
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.origin is not None  # a dependency of wenshu
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("PREFECT_API_URL", PRIVATE_API_ENV, AUTH_SERVER)}
    env.update({"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1"})
    for dotted, value in EPHEMERAL_RUN_SETTINGS.items():
        if dotted.startswith("server.") and value is not None:
            env.setdefault("PREFECT_" + dotted.replace(".", "_").upper(), str(value).lower())
    with _log_path(settings).open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, str(os.getpid()),
             "--app-dir", str(Path(spec.origin).parent.parent),
             "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}/api"


__all__ = ["PrivateApi", "start_private_api", "stop_private_apis"]
