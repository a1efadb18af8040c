"""The Prefect server wenshu talks to: finding it, and starting one (``wenshu serve``).

A server is *configured* when ``PREFECT_API_URL`` names one (every machine of a
deployment sets it) or when ``wenshu serve`` on this machine started one and recorded
its address under Prefect's home. A server started here:

- listens on 127.0.0.1 unless told otherwise; beyond loopback it refuses to start without
  ``PREFECT_SERVER_API_AUTH_STRING`` (Prefect's basic auth, ``user:password``), and every
  client then sends ``PREFECT_API_AUTH_STRING``;
- tells its UI the address its API really has (``PREFECT_UI_API_URL``), so the UI works
  out of the box on any port;
- keeps its state in SQLite under Prefect's home, or in PostgreSQL when
  ``PREFECT_API_DATABASE_CONNECTION_URL`` is set (``postgresql+asyncpg://…``);
- sends nothing beyond loopback (analytics off, ``DO_NOT_TRACK``).
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wenshu.errors import WenshuError
from wenshu.settings import Settings

SERVER_FILE = "server.json"  # under PREFECT_HOME: the server `wenshu serve` started
SERVER_START_SECONDS = 90.0  # a new Prefect database takes 11-16 s here; keep a margin
AUTH_SERVER = "PREFECT_SERVER_API_AUTH_STRING"  # what the server checks
AUTH_CLIENT = "PREFECT_API_AUTH_STRING"  # what clients send
PRIVATE_API_ENV = "WENSHU_PRIVATE_API_URL"  # a command's own API (private_api), no server


class ServeError(WenshuError):
    """The Prefect server or a served flow could not be started, reached or finished."""


def api_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether a Prefect API answers its health check at ``api_url`` (…/api); the check
    needs no credentials."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _server_file(settings: Settings) -> Path:
    return settings.prefect_home / SERVER_FILE


def configured_api_url(settings: Settings) -> str | None:
    """``PREFECT_API_URL`` if set (and not this command's own API, see
    :mod:`wenshu.workflows.private_api`), else the server a running ``wenshu serve``
    recorded."""
    url = os.environ.get("PREFECT_API_URL")
    if url and url != os.environ.get(PRIVATE_API_ENV):
        return url
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


@dataclass
class LocalServer:
    """A ``prefect server start`` subprocess."""

    process: subprocess.Popen[bytes]
    api_url: str  # how clients on this machine reach it
    ui_api_url: str  # how its UI (in anyone's browser) reaches it
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


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def prefect_environment(settings: Settings, extra: Mapping[str, str] | None = None
                        ) -> dict[str, str]:
    """The environment a Prefect subprocess gets: wenshu's Prefect home, no telemetry."""
    env = dict(os.environ)
    env.update({"PREFECT_HOME": str(settings.prefect_home),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})
    env.update(extra or {})
    return env


def ui_api_url(host: str, port: int) -> str:
    """The API address the UI is given: ``PREFECT_UI_API_URL`` if set, else this host's
    address as others reach it (its name when listening on every interface)."""
    if os.environ.get("PREFECT_UI_API_URL"):
        return os.environ["PREFECT_UI_API_URL"]
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/api"


def start_server(settings: Settings, *, host: str = "127.0.0.1", port: int | None = None,
                 timeout: float = SERVER_START_SECONDS) -> LocalServer:
    """Start ``prefect server start`` and wait (at most ``timeout`` seconds) until its API
    answers; the server is stopped again if it does not.

    Beyond loopback, ``PREFECT_SERVER_API_AUTH_STRING`` must be set: an open Prefect API
    lets anyone start any flow.
    """
    if not is_loopback(host) and not os.environ.get(AUTH_SERVER):
        raise ServeError(f"the Prefect API would listen on {host} without a password: set "
                         f"{AUTH_SERVER}=user:password (clients set {AUTH_CLIENT} to the "
                         "same), or listen on 127.0.0.1")
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    api_url = f"http://{local}:{port}/api"
    ui_url = ui_api_url(host, port)
    log = settings.prefect_home / "server.log"
    env = prefect_environment(settings, {"PREFECT_UI_API_URL": ui_url,
                                         "PREFECT_SERVER_API_HOST": host,
                                         "PREFECT_SERVER_API_PORT": str(port)})
    env.pop("PREFECT_API_URL", None)  # the server is the API; it must not look for another
    with log.open("wb") as out:
        # Its own process group, so stop() reaches the uvicorn workers too.
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", host,
             "--port", str(port), "--analytics-off"],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    server = LocalServer(process, api_url, ui_url, log)
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


__all__ = ["AUTH_CLIENT", "AUTH_SERVER", "PRIVATE_API_ENV", "LocalServer", "ServeError",
           "api_healthy", "configured_api_url", "forget_server", "free_port", "is_loopback",
           "prefect_environment", "record_server", "running_server", "start_server",
           "ui_api_url"]
