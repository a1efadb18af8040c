"""A document command with and without a running server: ``wenshu summary year`` for one
community of the demo district, as its own process each time (as a clerk types it),

- in-process: no server, so Prefect starts its temporary API in the command;
- served: ``wenshu serve`` running (server, deployments, a worker with LibreOffice warm),
  the command triggers the deployment and waits;

side by side, with the ratio. Every run has a new doc number, so each makes a new
version (nothing is skipped as unchanged).

    .venv/bin/python bench/bench_served.py [--runs 3] [--home DIR]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(sys.argv[sys.argv.index("--home") + 1]) if "--home" in sys.argv else Path(
    tempfile.mkdtemp(prefix="wenshu-bench-served-"))
RUNS = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
os.environ["WENSHU_HOME"] = str(ROOT / "home")
WENSHU = Path(sys.executable).parent / "wenshu"

from flow_timing import first_unit, prepare_demo  # noqa: E402

from wenshu.demo.run import DEMO_SUPERVISOR  # noqa: E402
from wenshu.settings import Settings  # noqa: E402


def environment() -> dict[str, str]:
    """The commands' environment: the bench's data directory, no server named."""
    env = {**os.environ, "WENSHU_HOME": str(ROOT / "home"), "WENSHU_USER": DEMO_SUPERVISOR}
    env.pop("PREFECT_API_URL", None)
    return env


def timed_command(unit: str, year: int, number: int, expect: str) -> float:
    """Seconds for one ``wenshu summary year`` process; checks which way it ran."""
    started = time.perf_counter()
    done = subprocess.run([str(WENSHU), "summary", "year", "--unit", unit, "--year", str(year),
                           "--doc-number", f"测〔{year}〕{number}号"], env=environment(),
                          capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    said = done.stdout + done.stderr
    # A new version each time: "unchanged" would mean nothing was rendered.
    assert done.returncode == 0 and expect in said and "unchanged" not in said, said
    return seconds


def main() -> None:
    """Time both ways and print them with the ratio."""
    settings = Settings(home=ROOT / "home")
    _, year = prepare_demo(settings)
    unit = first_unit(settings, "community")
    alone = [timed_command(unit, year, n, "in this process") for n in range(RUNS)]
    log = (ROOT / "serve.log").open("wb")
    serving = subprocess.Popen([str(WENSHU), "serve"], env=environment(), stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while "running flow runs here" not in (ROOT / "serve.log").read_text(errors="replace"):
            assert time.monotonic() < deadline and serving.poll() is None, "wenshu serve failed"
            time.sleep(0.5)
        time.sleep(3)  # the worker's first poll marks the deployments ready
        served = [timed_command(unit, year, 100 + n, "on the deployment") for n in range(RUNS)]
    finally:
        os.killpg(serving.pid, signal.SIGTERM)
        serving.wait(60)
    best_alone, best_served = min(alone), min(served)
    print(f"wenshu summary year, one community, {RUNS} runs each (best; all):")
    print(f"  in-process (no server): {best_alone:6.1f} s  {[round(s, 1) for s in alone]}")
    print(f"  served (wenshu serve):  {best_served:6.1f} s  {[round(s, 1) for s in served]}")
    print(f"  served / in-process:    {best_served / best_alone:6.2f}x")


if __name__ == "__main__":
    main()
