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

from wenshu.access import add_user  # noqa: E402
from wenshu.collect import inbox_files  # noqa: E402
from wenshu.compute.load import load_snapshot  # noqa: E402
from wenshu.db import session_scope, upgrade_schema  # noqa: E402
from wenshu.demo.generate import generate_demo  # noqa: E402
from wenshu.ingest.figures import import_figures, import_targets  # noqa: E402
from wenshu.ingest.ledger import import_ledger_file  # noqa: E402
from wenshu.ingest.units import import_units  # noqa: E402
from wenshu.models.catalogue import load_catalogue  # noqa: E402
from wenshu.generators.kinds import YEAR_SUMMARY, DocumentOptions  # noqa: E402
from wenshu.periods import Period  # noqa: E402
from wenshu.pipeline import plan_documents, render_job, select_units  # noqa: E402
from wenshu.settings import Settings  # noqa: E402
from flow_timing import convert_and_archive, start_prefect, warm_converters  # noqa: E402

ISSUED = date(2026, 1, 15)
SUPERVISOR = "区督导"  # the flow generates as the district's supervisor


def prepare(home: Path) -> tuple[Settings, str, int]:
    """A data directory with the demo district imported."""
    settings = Settings(home=home)
    settings.ensure_dirs()
    upgrade_schema(settings)
    catalogue = load_catalogue()
    files = generate_demo(home / "demo", catalogue=catalogue)
    with session_scope(settings) as session:
        import_units(session, files.units_csv)
        import_figures(session, files.figures_csv, catalogue)
        import_targets(session, files.targets_csv, catalogue)
    add_user(settings, SUPERVISOR, "supervisor", files.district_code)
    for unit, path in inbox_files(files.inbox):
        with session_scope(settings) as session:
            import_ledger_file(session, path, catalogue, expect_unit=unit, skip_invalid=True)
    return settings, files.district_code, files.years[-1]


def plain(settings: Settings, district: str, year: int) -> int:
    """The flow's steps as plain calls: load, plan, render, two converters, archive."""
    catalogue = load_catalogue()
    with session_scope(settings) as session:
        snapshot = load_snapshot(session, district, year)
    units = select_units(snapshot, True, ("street",))
    jobs, _ = plan_documents(settings, YEAR_SUMMARY, snapshot, catalogue, units,
                             Period.year(year), DocumentOptions(issued_on=ISSUED))
    work = settings.work_dir / "plain"
    docx = [render_job(job, work) for job in jobs]
    return convert_and_archive(settings, jobs, docx)


def main() -> None:
    """Prepare two identical data directories, time both ways, print the ratio."""
    plain_settings, district, year = prepare(ROOT / "plain")
    prepare(ROOT / "flow")
    warm_converters([plain_settings, Settings(home=ROOT / "flow")], "year_summary")

    start = time.perf_counter()
    documents = plain(plain_settings, district, year)
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
