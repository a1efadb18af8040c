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
from uuid import UUID

import anyio
import anyio.abc
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.flow_engine import run_flow
from prefect.workers.process import (
    ProcessJobConfiguration,
    ProcessWorker,
    ProcessWorkerResult,
)

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu import cancellation
from wenshu.settings import Settings
from wenshu.workflows.serve import served_flows

HEARTBEAT_SECONDS = 5  # a killed worker's runs are known orphaned after 3 missed beats


class InProcessWorker(ProcessWorker):
    """A process-pool worker that runs each claimed flow run in a thread of this process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_threads: set[str] = set()  # ids of the flow runs running here

    @classmethod
    def __dispatch_key__(cls) -> str:
        # Registered under its own key: Prefect's lookup of "process" stays its worker.
        return "wenshu-in-process"

    async def run(self, flow_run: FlowRun, configuration: ProcessJobConfiguration,
                  task_status: anyio.abc.TaskStatus[int] | None = None
                  ) -> ProcessWorkerResult:
        """Run the flow run's flow here; the result's status code is 0 when it completed.

        A run cancelled meanwhile (see :meth:`_cancel_run`) ends marked Cancelled."""
        flows = {each.name: each for each in served_flows()}
        flow_name = (await self.client.read_flow(flow_run.flow_id)).name
        if flow_name not in flows:
            raise RuntimeError(f"flow {flow_name!r} is not one wenshu serves")
        if task_status is not None:
            task_status.started(os.getpid())
        run_id = str(flow_run.id)
        self._in_threads.add(run_id)
        try:
            state = await anyio.to_thread.run_sync(
                lambda: run_flow(flows[flow_name], flow_run=flow_run, return_type="state"))
            # A run cancelled too late to stop early stays Cancelling unless marked here
            # (Prefect's own workers mark it after killing its process).
            ended = await self.client.read_flow_run(flow_run.id)
            if cancellation.requested(run_id) or (
                    ended.state is not None and ended.state.type == StateType.CANCELLING):
                await self._mark_flow_run_as_cancelled(ended, state_updates={
                    "message": "已按要求取消：取消前已完成的文书已归档，其余未生成"})
        finally:
            self._in_threads.discard(run_id)
            cancellation.forget(run_id)
        completed = state is not None and state.is_completed()
        return ProcessWorkerResult(status_code=0 if completed else 1,
                                   identifier=str(os.getpid()))

    async def _cancel_run(self, flow_run_id: UUID) -> None:
        # Prefect (3.8) cancels only runs still pending, by killing their process; one
        # running in a thread here is asked to stop before its next document instead.
        if str(flow_run_id) in self._in_threads:
            cancellation.request(str(flow_run_id))
            self._logger.info("flow run %s: stopping before its next document", flow_run_id)
            return
        await super()._cancel_run(flow_run_id)


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
