"""One warm worker: a ``uno_worker.py`` process and its LibreOffice, driven over a pipe.

:class:`~wenshu.generators.pdf_warm.WarmConverter` holds one :class:`Worker` per profile;
this module starts it (the worker drives LibreOffice over UNO), sends it requests and
reads its answers (one JSON line each way), and stops or kills it with its whole process
group.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path
from typing import IO, Any

from wenshu.errors import ConversionError

__all__ = ["Worker", "WorkerDied", "WorkerTimedOut"]

# How long a worker may take to quit before its process group is killed.
_STOP_SECONDS = 10.0


class WorkerDied(ConversionError):
    """The worker or its LibreOffice exited: start a new one and try again."""


class WorkerTimedOut(ConversionError):
    """The worker did not answer in time."""


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies excepted), read from /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


class Worker:
    """One ``uno_worker.py`` process and its LibreOffice, on a profile this process holds.

    The worker leads its own process group, which its soffice joins: killing the group
    leaves nothing behind.
    """

    def __init__(self, command: list[str], profile_dir: Path, lock: IO[str],
                 start_timeout: float) -> None:
        """``command`` starts the worker; ``lock`` holds ``profile_dir`` until :meth:`release`."""
        self.command = command
        self.profile_dir = profile_dir
        self._lock = lock
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._pending = b""

    @property
    def log_path(self) -> Path:
        """Where the worker's and LibreOffice's own messages go."""
        return self.profile_dir.with_name(self.profile_dir.name + ".log")

    def ensure_started(self) -> None:
        """Start the worker unless it is running; raises ConversionError if it cannot start."""
        if self._process is not None and self._process.poll() is None:
            return
        self.kill()
        with open(self.log_path, "wb") as log:
            try:
                self._process = subprocess.Popen(self.command, stdin=subprocess.PIPE,
                                                 stdout=subprocess.PIPE, stderr=log,
                                                 start_new_session=True)
            except OSError as exc:
                raise ConversionError(f"cannot start the UNO worker ({self.command[0]}): {exc}") \
                    from exc
        try:
            answer = self._receive(time.monotonic() + self._start_timeout)
        except ConversionError as exc:
            self.kill()
            raise ConversionError(f"LibreOffice did not start ({exc}); {self._log_tail()}") \
                from exc
        if not answer.get("ready"):
            self.kill()
            raise ConversionError(f"LibreOffice did not start: {answer.get('error')}; "
                                  f"{self._log_tail()}")

    def request(self, message: dict[str, str], timeout: float) -> dict[str, Any]:
        """Send one request and return the answer, which must come within ``timeout`` s."""
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(message, ensure_ascii=False).encode() + b"\n")
            self._process.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise WorkerDied("the worker had exited") from exc
        answer = self._receive(time.monotonic() + timeout)
        if answer.get("restart"):
            raise WorkerDied(str(answer.get("error")))
        return answer

    def _receive(self, deadline: float) -> dict[str, Any]:
        """The next JSON line from the worker."""
        assert self._process is not None and self._process.stdout is not None
        channel = self._process.stdout.fileno()
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerTimedOut("no answer in time")
            readable, _, _ = select.select([channel], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(channel, 65536)
            if not chunk:
                raise WorkerDied(f"the worker exited; {self._log_tail()}")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        try:
            answer = json.loads(line)
        except ValueError as exc:
            raise WorkerDied(f"the worker said {line[:200]!r}") from exc
        if not isinstance(answer, dict):
            raise WorkerDied(f"the worker said {line[:200]!r}")
        return answer

    def _log_tail(self) -> str:
        """The last lines the worker and LibreOffice wrote, for error messages."""
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "no log"
        tail = [line for line in lines if line.strip()][-5:]
        return "log: " + (" | ".join(tail) if tail else "empty")

    def kill(self) -> None:
        """Kill the worker and its LibreOffice at once."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        # SIGKILL reaches a process busy in the kernel only when it returns: wait for the
        # rest of the group (LibreOffice) to be gone before a new one takes the profile.
        deadline = time.monotonic() + _STOP_SECONDS
        while _group_alive(self._process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self._close_pipes()

    def ask_to_stop(self) -> None:
        """Tell the worker to close LibreOffice, without waiting for it (so that several
        close at once)."""
        if self._process is not None and self._process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self._process.stdin.close()  # end of input: the worker shuts down

    def stop(self) -> None:
        """Let the worker close LibreOffice; kill whatever is left after a grace period."""
        if self._process is None:
            return
        self.ask_to_stop()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=_STOP_SECONDS)
        self.kill()

    def release(self) -> None:
        """Stop, then give the profile back."""
        self.stop()
        self._lock.close()

    def _close_pipes(self) -> None:
        assert self._process is not None
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                with contextlib.suppress(BrokenPipeError):
                    pipe.close()
        self._process = None
        self._pending = b""
