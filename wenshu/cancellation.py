"""Cancelling a flow run that runs in a thread of ``wenshu worker``, between two documents.

Prefect's workers cancel a run by killing its process; ``wenshu worker`` runs flows in
threads of its own process (``workflows/worker.py``), so it asks instead: a batch looks
here before it renders each next document, and stops with :class:`RunCancelled` once
asked. The documents already rendered are converted and archived (nothing half-done is
left; a rerun makes the rest), and the worker then marks the run Cancelled.
"""

from __future__ import annotations

import threading

from wenshu.errors import WenshuError

_lock = threading.Lock()
_requested: set[str] = set()


class RunCancelled(WenshuError):
    """The run was cancelled (in the Prefect UI); what it archived before is kept."""


def request(run_id: str) -> None:
    """Ask the run ``run_id`` to stop before its next document."""
    with _lock:
        _requested.add(run_id)


def requested(run_id: str | None) -> bool:
    """Whether the run ``run_id`` was asked to stop."""
    with _lock:
        return run_id in _requested


def forget(run_id: str) -> None:
    """The run has ended: drop its request, if any."""
    with _lock:
        _requested.discard(run_id)


def check(run_id: str | None) -> None:
    """Raise :class:`RunCancelled` when the run ``run_id`` was asked to stop."""
    if requested(run_id):
        raise RunCancelled(f"运行 {run_id} 已被取消：已完成的文书已归档，其余未生成")
