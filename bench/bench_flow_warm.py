"""Click to PDF in a warm process: one unit's ``year_end_summary`` flow against the same
plain functions, both in one long-lived process with Prefect's ephemeral API already
started and the PDF converter kept warm (``generators.pdf.keep_warm``), as the web app
runs them.

Run: .venv/bin/python bench/bench_flow_warm.py [--runs 7] [--level community|street|district]
                                               [--unit CODE] [--no-keep] [--shared-client]
                                               [--home DIR]

It builds the demo district in a temporary data directory (≈1 min; with ``--home`` in
DIR, kept and reused by the next run with the same DIR), starts Prefect and
the converter as the web app does (``warm_prefect``, ``keep_warm``), runs two
unmeasured rounds, then ``--runs`` rounds of plain then flow, for one unit (default:
the first community, the smallest document and so the largest ratio).
Every run has its own staff narrative, so that every run really plans, renders,
converts and archives a new version (identical inputs would be skipped as unchanged).
``--no-keep`` leaves the converter to each run, as before keep_warm existed: every
flow run and every plain run then starts and stops its own LibreOffice.
``--shared-client`` runs the rounds inside ``runtime.shared_prefect_client()``, as a
web app's job thread may.

Prints each round's plain and flow wall times in ms and their ratio, then the medians,
and the median ratio against the owner's goal (flow / plain ≤ 1.3).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

# --home DIR keeps the prepared data directory for the next run (read before the
# imports: the flow's get_settings() reads WENSHU_HOME).
KEEP_HOME = sys.argv[sys.argv.index("--home") + 1] if "--home" in sys.argv else None
ROOT = Path(KEEP_HOME) if KEEP_HOME else Path(tempfile.mkdtemp(prefix="wenshu-bench-warm-"))
os.environ["WENSHU_HOME"] = str(ROOT / "home")

from flow_timing import first_unit, plain_documents, prepare_demo, start_prefect  # noqa: E402

from wenshu.demo.run import DEMO_SUPERVISOR  # noqa: E402
from wenshu.generators.kinds import DocumentOptions  # noqa: E402
from wenshu.generators.pdf import keep_warm, release_warm  # noqa: E402
from wenshu.narrative import parse_narrative  # noqa: E402
from wenshu.services.inputs import read_input  # noqa: E402
from wenshu.settings import Settings, get_settings  # noqa: E402
from wenshu.workflows.runtime import shared_prefect_client  # noqa: E402

ISSUED = date(2026, 1, 15)
SUPERVISOR = DEMO_SUPERVISOR
GOAL = 1.3
# Narratives differ across processes too (a --home directory keeps earlier versions).
RUN = uuid.uuid4().hex[:8]
# Clicks are not back to back; a pause before each call also keeps one call's
# background work (Prefect's, LibreOffice's) out of the next one's time.
PAUSE_SECONDS = 0.5


def narrative_file(tag: str) -> Path:
    """A staff narrative of its own for one run, so its inputs differ from every other's."""
    path = ROOT / "narratives" / f"{RUN}-{tag}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"亮点:\n  - 本次测量编号{RUN}-{tag}，用于区分每次生成的输入。\n",
                    encoding="utf-8")
    return path


def plain(settings: Settings, unit: str, year: int, narrative: Path) -> None:
    """The flow's steps as plain calls: load, plan, render, convert, archive."""
    options = DocumentOptions(issued_on=ISSUED, narrative=parse_narrative(narrative))
    made = plain_documents(settings, unit, year, options)
    assert made == 1, "the inputs were unchanged: nothing was rendered"


def flow(unit: str, year: int, narrative: Path) -> None:
    """The ``year_end_summary`` flow for the unit alone, as the web app calls it."""
    from wenshu.workflows.year_end_summary import year_end_summary

    [outcome] = year_end_summary(unit, year, issued_on=ISSUED,
                                 narrative_texts=[read_input(narrative)], user=SUPERVISOR)
    assert outcome.created, "the inputs were unchanged: nothing was rendered"


def _ms(call: Callable[..., object], *args: object) -> float:
    """Wall milliseconds of ``call(*args)``, after the pause between clicks."""
    time.sleep(PAUSE_SECONDS)
    start = time.perf_counter()
    call(*args)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    """Prepare, warm up, then time plain and flow side by side; print ms and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--level", choices=("community", "street", "district"),
                        default="community", help="the unit: the first of this level "
                        "(default: a community, the most common click and the smallest)")
    parser.add_argument("--unit", help="a unit code instead of --level")
    parser.add_argument("--home", help="keep the prepared data directory here for next time")
    parser.add_argument("--no-keep", action="store_true",
                        help="no kept converter: each run starts its own LibreOffice")
    parser.add_argument("--shared-client", action="store_true",
                        help="flows share one Prefect client (runtime.shared_prefect_client)")
    args = parser.parse_args()
    settings = get_settings()
    _, year = prepare_demo(settings)
    unit = args.unit or first_unit(settings, args.level)
    startup_s = start_prefect()
    if not args.no_keep:
        keep_warm(settings)
    client = shared_prefect_client() if args.shared_client else contextlib.nullcontext()
    try:
        with client:
            rows = _rounds(settings, unit, year, args.runs)
    finally:
        release_warm()
        if not KEEP_HOME:
            shutil.rmtree(ROOT, ignore_errors=True)
    print(f"unit {unit}, {len(rows)} runs, converter "
          f"{'per run' if args.no_keep else 'kept warm'}, "
          f"{'one shared' if args.shared_client else 'a'} Prefect client per flow call; "
          f"prefect start-up {startup_s:.1f} s")
    _report(rows)


def _rounds(settings: Settings, unit: str, year: int, runs: int) -> list[tuple[float, float]]:
    """Two unmeasured rounds (the first compiles and caches), then ``runs`` rounds of
    plain then flow; each round printed; the measured (plain ms, flow ms)."""
    rows: list[tuple[float, float]] = []
    for round_ in range(-2, runs):
        plain_ms = _ms(plain, settings, unit, year, narrative_file(f"p{round_}"))
        flow_ms = _ms(flow, unit, year, narrative_file(f"f{round_}"))
        label = "warm-up" if round_ < 0 else f"run {round_ + 1}"
        print(f"{label:8s} plain {plain_ms:7.0f} ms   flow {flow_ms:7.0f} ms   "
              f"flow/plain {flow_ms / plain_ms:5.2f}", flush=True)
        if round_ >= 0:
            rows.append((plain_ms, flow_ms))
    return rows


def _report(rows: list[tuple[float, float]]) -> None:
    """Medians of the (plain ms, flow ms) rounds, and the median ratio against the goal."""
    plain_med = statistics.median(p for p, _ in rows)
    flow_med = statistics.median(f for _, f in rows)
    ratio_med = statistics.median(f / p for p, f in rows)
    print(f"median  plain {plain_med:7.0f} ms   flow {flow_med:7.0f} ms   "
          f"Prefect's share {flow_med - plain_med:6.0f} ms")
    print(f"median flow/plain {ratio_med:.2f}  (goal ≤ {GOAL}: "
          f"{'met' if ratio_med <= GOAL else 'not met'})")


if __name__ == "__main__":
    sys.exit(main())
