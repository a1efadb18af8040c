"""Long work started from the web app or the API, run in the background with its progress.

A job is a row in the database (so any web worker, and the API, can read its state)
and a call on the process's :class:`JobRunner`, which runs one job at a time: the
work is LibreOffice and Prefect bound, and two cores serve one batch best. The work
reports its stage and counts with :func:`report`; flows take the job's id as a
plain parameter and report from their tasks.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from wenshu.access import Actor
from wenshu.db import as_utc, session_scope, write_scope
from wenshu.errors import (
    ChartError,
    ConversionError,
    NotFoundError,
    Unavailable,
    WenshuError,
    as_storage_full,
)
from wenshu.models.access_tables import Job
from wenshu.settings import Settings

_log = logging.getLogger(__name__)
STATUS_LABELS = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}
INTERNAL_ERROR = "内部错误：任务未能完成，详情已记入服务日志"
# Seconds between attempts to record a job's end (each busy attempt first waits the lock
# wait): about a minute of sleeping covers a database restart.
END_RETRY_PAUSES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
# Failures of the machine rather than of what was asked: the user is told in Chinese whom to
# call, and the detail is kept for whoever looks after the machine.
SYSTEM_FAULTS: dict[type[WenshuError], str] = {ConversionError: "PDF 转换失败",
                                                ChartError: "统计图绘制失败"}


@dataclass(frozen=True)
class JobInfo:
    """A job as its owner sees it."""

    id: str
    user_name: str
    kind: str
    title: str
    params: Mapping[str, Any]
    status: str  # queued | running | done | failed
    stage: str
    done: int
    total: int
    message: str
    result: Mapping[str, Any] | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        """Whether the job has ended (done or failed)."""
        return self.status in ("done", "failed")

    @property
    def seconds(self) -> float | None:
        """From the request to the end, to a tenth of a second (None while it runs)."""
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.created_at).total_seconds(), 1)

    @property
    def percent(self) -> int:
        """Progress in whole percent (100 once done)."""
        if self.status == "done":
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def status_label(self) -> str:
        """The status in Chinese."""
        return STATUS_LABELS.get(self.status, self.status)


def _info(row: Job) -> JobInfo:
    return JobInfo(row.id, row.user_name, row.kind, row.title, json.loads(row.params), row.status,
                   row.stage, row.done, row.total, row.message,
                   json.loads(row.result) if row.result else None, as_utc(row.created_at),
                   as_utc(row.finished_at) if row.finished_at else None)


def create_job(settings: Settings, actor: Actor, kind: str, title: str,
               params: Mapping[str, Any]) -> str:
    """Record a queued job; returns its id."""
    job_id = uuid.uuid4().hex
    with write_scope(settings) as session:
        session.add(Job(id=job_id, user_name=actor.name, kind=kind, title=title[:300],
                        params=json.dumps(params, ensure_ascii=False, default=str),
                        status="queued", stage="排队等候", done=0, total=0, message="",
                        created_at=datetime.now(UTC)))
    return job_id


def report(settings: Settings, job_id: str | None, stage: str, done: int = 0,
           total: int = 0) -> None:
    """Record a job's progress (a no-op without a job id, e.g. from the CLI). A database
    that cannot take it (busy, unreachable) skips this one report: progress is only shown,
    the work is what counts."""
    if not job_id:
        return
    try:
        _update(settings, job_id, status="running", stage=stage[:100], done=done, total=total)
    except Unavailable as exc:
        _log.warning("job %s: progress %r not recorded: %s", job_id, stage, exc)


def get_job(settings: Settings, actor: Actor, job_id: str) -> JobInfo:
    """One of the actor's own jobs (another user's job is not found, not refused)."""
    with session_scope(settings) as session:
        row = session.get(Job, job_id)
        if row is None or row.user_name != actor.name:
            raise NotFoundError(f"没有任务“{job_id[:32]}”")
        return _info(row)


def list_jobs(settings: Settings, actor: Actor, limit: int = 20) -> list[JobInfo]:
    """The actor's most recent jobs, newest first."""
    with session_scope(settings) as session:
        rows = session.scalars(sa.select(Job).where(Job.user_name == actor.name)
                               .order_by(Job.created_at.desc()).limit(limit))
        return [_info(r) for r in rows]


def _update(settings: Settings, job_id: str, **fields: Any) -> None:
    with write_scope(settings) as session:
        session.execute(sa.update(Job).where(Job.id == job_id).values(**fields))


def failure_message(exc: WenshuError) -> str:
    """What a failed job tells its user: the refusal itself, or for a failure of the
    machine (LibreOffice, fonts) what failed and to call the administrator, with the detail."""
    lead = next((text for kind, text in SYSTEM_FAULTS.items() if isinstance(exc, kind)), None)
    return str(exc) if lead is None else f"{lead}，请联系系统管理员（详情：{exc}）"


def _run(settings: Settings, job_id: str, work: Callable[[str], Mapping[str, Any]]) -> None:
    """Run one job's work and record how it ended; nothing escapes to the thread."""
    try:
        _update(settings, job_id, status="running", stage="开始")
        result = work(job_id)
    except WenshuError as exc:
        if isinstance(exc, tuple(SYSTEM_FAULTS)):  # for whoever looks after the machine
            _log.error("job %s failed: %s", job_id, exc)
        end = {"status": "failed", "message": failure_message(exc), "stage": "失败"}
    except Exception as exc:  # noqa: BLE001  (a job must end recorded, whatever happened)
        full = as_storage_full(exc)
        if full is None:
            _log.exception("job %s failed", job_id)
        else:
            _log.warning("job %s failed, a disk is full: %s", job_id, exc)
        end = {"status": "failed", "message": str(full or INTERNAL_ERROR), "stage": "失败"}
    else:
        end = {"status": "done", "stage": "完成",
               "result": json.dumps(dict(result), ensure_ascii=False, default=str)}
    _record_end(settings, job_id, {**end, "finished_at": datetime.now(UTC)})


def _record_end(settings: Settings, job_id: str, fields: Mapping[str, Any]) -> None:
    """Record how a job ended, trying again while the database is busy or unreachable: the
    user waits on this record, and without it the job would show as running until the
    web app restarts."""
    for pause in (*END_RETRY_PAUSES, None):
        try:
            _update(settings, job_id, **fields)
            return
        except Unavailable as exc:
            if pause is None:
                _log.error("job %s ended %s, but that could not be recorded: %s",
                           job_id, fields["status"], exc)
                return
            _log.warning("job %s: its end not recorded yet (%s); trying again in %s s",
                         job_id, exc, pause)
            time.sleep(pause)


class JobRunner:
    """Runs jobs one at a time on a background thread of this process."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wenshu-job")
        self._futures: dict[str, Future[None]] = {}

    def abandon_stale(self) -> int:
        """Mark jobs a previous process left queued or running as failed; returns how many."""
        with write_scope(self._settings) as session:
            result = session.execute(
                sa.update(Job).where(Job.status.in_(("queued", "running")))
                .values(status="failed", stage="中断", message="服务重启，任务中断，请重新提交",
                        finished_at=datetime.now(UTC)))
            return int(result.rowcount or 0)

    def prepare(self, work: Callable[[], object]) -> None:
        """Run ``work`` on the job thread before any job (a warm-up): jobs queued meanwhile
        wait for it instead of racing it for what it starts. Its failure is logged."""

        def run() -> None:
            try:
                work()
            except Exception:  # noqa: BLE001  (a cold first job is slower, never broken)
                _log.exception("warming up failed; the first job will start what it needs")

        self._pool.submit(run)

    def submit(self, actor: Actor, kind: str, title: str, params: Mapping[str, Any],
               work: Callable[[str], Mapping[str, Any]]) -> str:
        """Queue ``work(job_id)``; returns the job's id at once."""
        job_id = create_job(self._settings, actor, kind, title, params)
        self._futures = {k: f for k, f in self._futures.items() if not f.done()}
        self._futures[job_id] = self._pool.submit(_run, self._settings, job_id, work)
        return job_id

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until a job submitted here has ended, or ``timeout`` seconds have passed
        (a long poll: the caller then reads the job as it stands)."""
        future = self._futures.get(job_id)
        if future is not None:
            try:
                future.result(timeout)
            except TimeoutError:
                pass

    def shutdown(self) -> None:
        """Stop taking jobs and wait for the running one."""
        self._pool.shutdown(wait=True, cancel_futures=True)


__all__ = ["JobInfo", "JobRunner", "create_job", "get_job", "list_jobs", "report"]
