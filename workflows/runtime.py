"""Prefect's environment: local ephemeral API, state under WENSHU_HOME, no telemetry;
for flows run in-process, none of the bookkeeping only a separate server could use
(:func:`tune_ephemeral_runs`); and :func:`warm_prefect` for long-running processes."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

from wenshu.settings import Settings, get_settings

_log = logging.getLogger(__name__)


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


# Prefect settings for flows run in this process against the ephemeral API, which lives
# and dies with the process: nothing outside it could read heartbeats, stored events or
# task-run rows. Measured with bench/bench_flow_warm.py on a 2-core machine.
EPHEMERAL_RUN_SETTINGS: dict[str, Any] = {
    # Every flow call joins a heartbeat thread at its end, mid-way through a one-second
    # sleep: ≈0.5 s per call on average, 1 s at worst. None is Prefect's only "off".
    "flows.heartbeat_frequency": None,
    # The client asks the API for its version before its first call: the same Prefect
    # installed here answers, and its first /admin/version takes the server 0.35-0.6 s.
    "client.server_version_check_enabled": False,
    # Before its first write the client asks for a CSRF token, which a server without
    # CSRF protection (Prefect's default; wenshu never turns it on) refuses.
    "client.csrf_support_enabled": False,
    # The server stores each event and each task run in SQLite while the flow runs:
    # ≈350 ms of server CPU per one-document flow, competing with the flow for the two
    # cores, and SQLite write contention (a 503 costs the client a 2 s back-off). The
    # flow run, its states and its logs are recorded as before.
    "server.services.event_persister.enabled": False,
    "server.services.task_run_recorder.enabled": False,
    # On every start the server checks Prefect's block types against its database
    # (≈10% of its start, even when a memo says nothing changed); wenshu's flows use
    # no blocks, and a real server (wenshu serve) registers them for its UI.
    "server.register_blocks_on_start": False,
    "server.memoize_block_auto_registration": False,
}


def tune_ephemeral_runs() -> bool:
    """Apply :data:`EPHEMERAL_RUN_SETTINGS` when this process runs its flows against
    Prefect's ephemeral API; returns whether it does. Idempotent.

    With a real server (``PREFECT_API_URL``, e.g. the runs ``wenshu serve`` starts)
    nothing changes; this process's own API (:mod:`wenshu.workflows.private_api`) is
    tuned like Prefect's ephemeral one. A setting given in the environment wins. Call
    once Prefect is imported and before the ephemeral API starts, which takes its
    services' settings from the process as it starts: the flow modules call it when
    imported, and :func:`warm_prefect` first thing.

    None cannot come from an environment variable or TOML, so the process-wide settings
    context (the one every thread reads, e.g. a web app's job thread) is replaced with
    a copy carrying these defaults.
    """
    import prefect.context as prefect_context

    from wenshu.workflows.server import PRIVATE_API_ENV

    try:
        current = prefect_context.GLOBAL_SETTINGS_CONTEXT
        url = current.settings.api.url
        if url and url != os.environ.get(PRIVATE_API_ENV):
            return False
        if all(_setting(current.settings, key) == value
               for key, value in EPHEMERAL_RUN_SETTINGS.items()):
            return True
        tuned = current.settings.copy_with_update(set_defaults=EPHEMERAL_RUN_SETTINGS)
        prefect_context.GLOBAL_SETTINGS_CONTEXT = prefect_context.SettingsContext(
            profile=current.profile, settings=tuned)
    except (AttributeError, TypeError, ValueError) as exc:
        # A Prefect release that moved these: slower flow calls, nothing worse.
        _log.warning("Prefect's in-process settings were not applied: %s", exc)
        return False
    return True


def point_prefect_at(api_url: str) -> None:
    """Make this process's Prefect use the API at ``api_url`` from now on: the
    environment, and the settings Prefect read from it on import if it is imported."""
    os.environ["PREFECT_API_URL"] = api_url
    if "prefect.context" not in sys.modules:
        return
    import prefect.context as prefect_context

    current = prefect_context.GLOBAL_SETTINGS_CONTEXT
    prefect_context.GLOBAL_SETTINGS_CONTEXT = prefect_context.SettingsContext(
        profile=current.profile,
        settings=current.settings.copy_with_update(updates={"api.url": api_url}))


def _setting(settings: Any, dotted: str) -> Any:
    """A Prefect setting by its dotted path, e.g. ``flows.heartbeat_frequency``."""
    return functools.reduce(getattr, dotted.split("."), settings)


def stop_ephemeral_api() -> None:
    """Stop the Prefect API this process started for itself (Prefect's temporary one, or
    :mod:`wenshu.workflows.private_api`'s), if it started one.

    Prefect stops it at exit (atexit), but uvicorn re-raises SIGTERM/SIGINT after its
    graceful shutdown, which ends the process without running atexit handlers: the API's
    own process was left running, orphaned, after every stop of ``wenshu web``.
    """
    from wenshu.workflows.private_api import stop_private_apis

    stop_private_apis()
    if "prefect.server.api.server" not in sys.modules:
        return  # never imported: Prefect started no API of its own
    from prefect.server.api.server import SubprocessASGIServer

    # Prefect keeps its one-per-port servers in this class attribute; stop() removes them.
    for server in list(SubprocessASGIServer._instances.values()):
        server.stop()


def warm_prefect() -> float:
    """Start Prefect's API (this process's ephemeral server, or the connection to a
    configured one) and import every document flow, so that the first flow a user starts
    pays for neither; returns the seconds taken.

    Runs a one-task flow, ``wenshu_warm_up``, through the engine: starting the
    ephemeral API takes ≈5-15 s (longer on a new database), and the engine's first run
    its own imports. Raises what Prefect raises when its API cannot start.
    """
    started = time.perf_counter()  # the package's import has configured Prefect's environment
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

    tune_ephemeral_runs()
    from wenshu.workflows.serve import document_flows

    document_flows()  # imports the flow modules and all they need

    @task(cache_policy=NO_CACHE)
    def nothing() -> None:
        """A task: its engine's code paths are warm too."""

    @flow(name="wenshu_warm_up")
    def wenshu_warm_up() -> None:
        """Starts the ephemeral API and the flow engine."""
        nothing()

    wenshu_warm_up()
    # Wait for the run's events to be sent: a process ending with events still queued,
    # e.g. one that only warms the API up, gets Prefect's "Still processing items" warning.
    from prefect.events.worker import EventsWorker

    EventsWorker.instance().wait_until_empty()
    return time.perf_counter() - started


@contextlib.contextmanager
def shared_prefect_client() -> Iterator[None]:
    """Flows called inside the block, in this thread, share one Prefect API client.

    Otherwise each flow call opens its own: a TLS context loaded from certifi's bundle
    (≈45 ms, even for the loopback http API) and a new connection, ≈80 ms a call on the
    ephemeral API. For a thread that runs flow after flow, e.g. a web app's job thread:
    enter it around the thread's loop, or around each job.
    """
    tune_ephemeral_runs()  # the client may start the ephemeral API: settings first
    from prefect.context import SyncClientContext

    with SyncClientContext.get_or_create():
        yield


def current_flow_run_id() -> str | None:
    """The id of the Prefect flow run we are in, if any."""
    from prefect.runtime import flow_run

    run_id = flow_run.get_id()
    return str(run_id) if run_id else None


def _wenshu_error_names() -> frozenset[str]:
    """The class names of wenshu's own errors (every subclass of WenshuError)."""
    from wenshu.errors import WenshuError

    names, pending = set(), [WenshuError]
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    return frozenset(names)


class _ExpectedErrors(logging.Filter):
    """Drops console records about wenshu's own errors and full disks: the caller reports
    them in one clean line; Prefect's run log (the API handler) still gets every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        from wenshu.errors import NO_SPACE, WenshuError, as_storage_full

        raised = record.exc_info[1] if record.exc_info else None
        if raised is not None and (isinstance(raised, WenshuError) or as_storage_full(raised)):
            return False
        if record.levelno < logging.ERROR:
            return True
        message = record.getMessage()
        return not (any(f"{name}(" in message or f"{name}:" in message
                        for name in _wenshu_error_names())
                    or any(f"[Errno {number}]" in message for number in NO_SPACE))


def hide_expected_errors() -> None:
    """Keep Prefect's console quiet about wenshu's own errors raised in flows (refusals,
    bad input files, a PDF that timed out): no traceback reaches a user. Call once
    Prefect is imported; idempotent."""
    from prefect.logging.handlers import APILogHandler

    # Prefect's console handler sits on the root logger; run logs propagate up to it.
    for name in ("", "prefect", "prefect.flow_runs", "prefect.task_runs"):
        for handler in logging.getLogger(name or None).handlers:
            already = any(isinstance(f, _ExpectedErrors) for f in handler.filters)
            if not isinstance(handler, APILogHandler) and not already:
                handler.addFilter(_ExpectedErrors())
