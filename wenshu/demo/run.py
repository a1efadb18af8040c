"""The demo: a district of 1 + 11 + 111 units, two years of ledgers, summaries archived.

Runs the same library calls and Prefect flows a clerk's commands run. Running it
again imports nothing new and makes no new versions, and says so.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import ParamSpec, TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from wenshu.db import session_scope
from wenshu.demo.generate import generate_demo
from wenshu.ingest.figures import import_figures, import_targets
from wenshu.ingest.units import import_units
from wenshu.models.catalogue import load_catalogue
from wenshu.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class StageTimer:
    """Wall-clock seconds per stage, measured from the demo's start."""

    started: float = field(default_factory=time.perf_counter)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    stages: list[tuple[str, float, float]] = field(default_factory=list)

    def run(self, name: str, func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call ``func`` and record how long it took and when it ended."""
        begin = time.perf_counter()
        result = func(*args, **kwargs)
        end = time.perf_counter()
        self.stages.append((name, end - begin, end - self.started))
        return result


def run_demo(settings: Settings, *, seed: int = 9704, issued_on: date | None = None,
             console: Console | None = None) -> None:
    """Generate, import and summarise the demo district, printing what was archived."""
    from wenshu.cli import print_collect, print_outcomes
    from wenshu.workflows.collect import collect_ledgers
    from wenshu.workflows.year_end_summary import year_end_summary

    console = console or Console()
    timer = StageTimer()
    demo_dir = settings.home / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)
    catalogue = load_catalogue(settings.catalogue_dir)

    def import_reference_data() -> None:
        with session_scope(settings) as session:
            import_units(session, files.units_csv)
        with session_scope(settings) as session:
            import_figures(session, files.figures_csv, catalogue)
        with session_scope(settings) as session:
            import_targets(session, files.targets_csv, catalogue)

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("generating demo ledgers", total=4)
        files = timer.run("generate demo files", generate_demo, demo_dir, seed=seed,
                          catalogue=catalogue)
        latest = files.years[-1]
        progress.update(bar, advance=1, description="importing units, figures, targets")
        timer.run("import units, figures, targets", import_reference_data)
        progress.update(bar, advance=1, description="collecting ledgers (Prefect flow)")
        outcomes, report = timer.run(
            "collect ledgers (flow)", collect_ledgers, str(files.inbox), str(latest),
            root=files.district_code,
        )
        progress.update(bar, advance=1, description="year-end summaries (Prefect flow)")
        documents = timer.run(
            "summaries: district + streets (flow)", year_end_summary, files.district_code,
            latest, all_levels=True, levels=["street"],
            issued_on=issued_on or date(latest + 1, 1, 15),
        )
        progress.update(bar, advance=1, description="done")

    rejected = [o for o in outcomes if o.status == "rejected"]
    print_collect(rejected, report)
    console.print(f"{len(outcomes)} ledger files collected, {len(rejected)} rejected "
                  "(error reports beside them).")
    print_outcomes(documents, settings.archive_dir)
    new = [d.created_at for d in documents if d.created]
    if new:
        first = min(new).timestamp() - timer.started_at.timestamp()
        console.print(f"First document archived {first:.1f} s after the demo started "
                      "(Prefect's start-up included).")
    for name, took, at in timer.stages:
        console.print(f"  {name:<40} {took:6.1f} s   (done at {at:5.1f} s)")
