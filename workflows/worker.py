"""``wenshu worker``: a Prefect process-pool worker that runs flows inside itself.

Prefect's stock process worker starts a Python process per flow run: ≈5-10 s of imports
and a cold LibreOffice before the first page. This worker is the same kind (it joins the
process pool, heartbeats, claims runs through the API, gives them its labels) but runs
each flow in a thread of its own process, where the flows are imported once and
LibreOffice stays warm (:func:`wenshu.generators.pdf.keep_warm`) for every run. A stock
``prefect worker start --pool wenshu`` runs the same deployments, only slower.

Any machine with wenshu, its Debian packages and access to the shared database and
archive (the same ``WENSHU_DATABASE_URL`` and ``WENSHU_HOME`` storage) can run one.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

import anyio
import anyio.abc
from prefect.client.schemas.objects import FlowRun
from prefect.flow_engine import run_flow
from prefect.workers.process import (
    ProcessJobConfiguration,
    ProcessWorker,
    ProcessWorkerResult,
)

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.settings import Settings
from wenshu.workflows.serve import served_flows

HEARTBEAT_SECONDS = 5  # a killed worker's runs are known orphaned after 3 missed beats


class InProcessWorker(ProcessWorker):
    """A process-pool worker that runs each claimed flow run in a thread of this process."""

    @classmethod
    def __dispatch_key__(cls) -> str:
        # Registered under its own key: Prefect's lookup of "process" stays its worker.
        return "wenshu-in-process"

    async def run(self, flow_run: FlowRun, configuration: ProcessJobConfiguration,
                  task_status: anyio.abc.TaskStatus[int] | None = None
                  ) -> ProcessWorkerResult:
        """Run the flow run's flow here; the result's status code is 0 when it completed."""
        flows = {each.name: each for each in served_flows()}
        flow_name = (await self.client.read_flow(flow_run.flow_id)).name
        if flow_name not in flows:
            raise RuntimeError(f"flow {flow_name!r} is not one wenshu serves")
        if task_status is not None:
            task_status.started(os.getpid())
        state = await anyio.to_thread.run_sync(
            lambda: run_flow(flows[flow_name], flow_run=flow_run, return_type="state"))
        completed = state is not None and state.is_completed()
        return ProcessWorkerResult(status_code=0 if completed else 1,
                                   identifier=str(os.getpid()))


def run_worker(settings: Settings, *, name: str | None = None, limit: int = 2,
               say: Callable[[str], Any] = print) -> None:
    """Poll the settings' work pool and run its flow runs here (at most ``limit`` at once)
    with LibreOffice kept warm; blocks until SIGTERM or Ctrl-C.

    One slot waits while a batch it started runs elsewhere, so ``limit`` is at least 2 on
    a machine that takes scheduled batches.
    """
    from wenshu.generators.pdf import keep_warm, release_warm

    keep_warm(settings)
    worker = InProcessWorker(work_pool_name=settings.work_pool, name=name, limit=limit,
                             heartbeat_interval_seconds=HEARTBEAT_SECONDS)
    try:
        asyncio.run(worker.start(printer=say))
    finally:
        release_warm(settings)
