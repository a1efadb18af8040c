"""What the flow and web benchmarks share: the demo district as data, warm converters,
the plain convert-and-archive tail, Prefect's start-up, timed on its own so the ratios
compare like with like, a command's wall and CPU seconds, and the CPU time the machine's
host took from it (steal)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from wenshu.batch import convert_and_archive
from wenshu.collect import inbox_files
from wenshu.compute.load import load_snapshot
from wenshu.db import session_scope, upgrade_schema
from wenshu.demo.generate import generate_demo
from wenshu.demo.run import add_demo_users
from wenshu.generators.kinds import YEAR_SUMMARY, DocumentOptions
from wenshu.generators.pdf import PdfJob, open_converter
from wenshu.ingest.figures import import_figures, import_targets
from wenshu.ingest.ledger import import_ledger_file
from wenshu.ingest.units import import_units
from wenshu.models.catalogue import load_catalogue
from wenshu.models.tables import Unit
from wenshu.periods import Period
from wenshu.pipeline import Job, plan_documents, render_jobs, select_units
from wenshu.settings import Settings
from wenshu.templates import template_path


def prepare_demo(settings: Settings) -> tuple[str, int]:
    """The demo district and its users imported into ``settings``' data directory (once:
    a directory prepared before is reused); returns (district code, latest year)."""
    done = settings.home / "bench-prepared.json"
    if done.is_file():
        district, year = json.loads(done.read_text())
        return district, year
    settings.ensure_dirs()
    upgrade_schema(settings)
    catalogue = load_catalogue()
    files = generate_demo(settings.home / "demo", catalogue=catalogue)
    with session_scope(settings) as session:
        import_units(session, files.units_csv)
        import_figures(session, files.figures_csv, catalogue)
        import_targets(session, files.targets_csv, catalogue)
    add_demo_users(settings, files.district_code)
    for unit, path in inbox_files(files.inbox):
        with session_scope(settings) as session:
            import_ledger_file(session, path, catalogue, expect_unit=unit, skip_invalid=True)
    done.write_text(json.dumps([files.district_code, files.years[-1]]))
    return files.district_code, files.years[-1]


def first_unit(settings: Settings, level: str) -> str:
    """The code of the first unit at ``level`` (community, street or district)."""
    with session_scope(settings) as session:
        return str(session.scalars(select(Unit.code).where(Unit.level == level)
                                   .order_by(Unit.code)).first())


def warm_converters(settings: Sequence[Settings], template: str) -> None:
    """Create LibreOffice's profiles (one document per worker) so no side pays their start."""
    for each in settings:
        samples = [each.work_dir / f"warm-{n}.docx" for n in range(2)]
        for sample in samples:
            sample.parent.mkdir(parents=True, exist_ok=True)
            sample.write_bytes(template_path(template).read_bytes())
        with open_converter(each) as converter:
            converter.convert_many([PdfJob(p, p.with_suffix(".pdf")) for p in samples])


def plain_documents(settings: Settings, unit: str, year: int, options: DocumentOptions, *,
                    all_levels: bool = False, levels: tuple[str, ...] = ()) -> int:
    """A flow's steps as plain calls (load, plan, render and convert, archive) for a unit's
    year-end summary (and, with ``all_levels``, its subtree's); documents made."""
    catalogue = load_catalogue(settings.catalogue_dir)
    with session_scope(settings) as session:
        snapshot = load_snapshot(session, unit, year)
    jobs, _ = plan_documents(settings, YEAR_SUMMARY, snapshot, catalogue,
                             select_units(snapshot, all_levels, levels), Period.year(year),
                             options)
    work = settings.work_dir / "plain"
    convert_and_archive(settings, jobs, render_jobs(jobs, work), None)
    shutil.rmtree(work, ignore_errors=True)
    return len(jobs)


def convert_and_file(settings: Settings, jobs: Sequence[Job], docx: Sequence[Path]) -> int:
    """The flow's last step as a plain call: PDF/A for the batch, each archived as done."""
    convert_and_archive(settings, jobs, [PdfJob(path, path.with_suffix(".pdf"), job.pdf_metadata())
                                         for job, path in zip(jobs, docx, strict=True)], None)
    return len(jobs)


def start_prefect() -> float:
    """Start Prefect's ephemeral API as the web app does (``warm_prefect``: the flow
    modules, then a one-task flow); seconds it took."""
    from wenshu.workflows.runtime import warm_prefect

    return warm_prefect()


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``command``; (wall seconds, CPU seconds of it and its children, its output).

    CPU time is the steadier figure on a shared machine: other sessions' load stretches
    wall time far more than it changes the work done."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{command[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def steal_seconds() -> float:
    """CPU seconds the virtual machine's host has given to others while this machine
    wanted to run (``steal`` in /proc/stat, summed over the CPUs; 0 on bare metal).

    Read before and after a round, it says how quiet the machine was: steal stretches
    wall time and, through shared caches, inflates the CPU time measured for the same work.
    """
    with open("/proc/stat") as stat:
        fields = stat.readline().split()  # cpu user nice system idle iowait irq softirq steal
    return int(fields[8]) / os.sysconf("SC_CLK_TCK")
