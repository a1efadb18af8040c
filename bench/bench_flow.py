"""Prefect's share of a summary batch: the year_end_summary flow against the same
pipeline functions called directly, on the demo district (district + 11 streets).

Run: .venv/bin/python bench/bench_flow.py
Prints the Prefect start-up cost (ephemeral API in a fresh process), the flow's time
for the batch once started, the plain functions' time, and the ratio.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(tempfile.mkdtemp(prefix="wenshu-bench-flow-"))
os.environ["WENSHU_HOME"] = str(ROOT / "flow")  # read by the flow's get_settings()

from flow_timing import plain_documents, prepare_demo, start_prefect, warm_converters  # noqa: E402

from wenshu.demo.run import DEMO_SUPERVISOR  # noqa: E402
from wenshu.generators.kinds import DocumentOptions  # noqa: E402
from wenshu.settings import Settings  # noqa: E402

ISSUED = date(2026, 1, 15)
SUPERVISOR = DEMO_SUPERVISOR  # the flow generates as the district's supervisor


def main() -> None:
    """Prepare two identical data directories, time both ways, print the ratio."""
    plain_settings = Settings(home=ROOT / "plain")
    district, year = prepare_demo(plain_settings)
    prepare_demo(Settings(home=ROOT / "flow"))
    warm_converters([plain_settings, Settings(home=ROOT / "flow")], "year_summary")

    start = time.perf_counter()
    documents = plain_documents(plain_settings, district, year, DocumentOptions(issued_on=ISSUED),
                                all_levels=True, levels=("street",))
    plain_s = time.perf_counter() - start

    startup_s = start_prefect()
    from wenshu.workflows.year_end_summary import year_end_summary
    start = time.perf_counter()
    outcomes = year_end_summary(district, year, all_levels=True, levels=["street"],
                                issued_on=ISSUED, user=SUPERVISOR)
    flow_s = time.perf_counter() - start
    assert len(outcomes) == documents == 12, (len(outcomes), documents)

    shutil.rmtree(ROOT, ignore_errors=True)
    print(f"documents: {documents} (district + streets)")
    print(f"prefect start-up (ephemeral API, fresh process): {startup_s:6.2f} s")
    print(f"flow, batch of {documents}:                       {flow_s:6.2f} s  "
          f"({flow_s / documents * 1000:.0f} ms/doc)")
    print(f"plain functions, same batch:                  {plain_s:6.2f} s  "
          f"({plain_s / documents * 1000:.0f} ms/doc)")
    print(f"flow / plain: {flow_s / plain_s:.2f}x   "
          f"(with start-up: {(flow_s + startup_s) / plain_s:.2f}x)")


if __name__ == "__main__":
    sys.exit(main())
