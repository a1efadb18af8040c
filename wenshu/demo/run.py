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
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from wenshu.access import ROLE_LABELS, Actor, resolve_actor
from wenshu.accounts import add_user, create_first_administrator
from wenshu.archive.filing import FiledRecord, file_version, filing_history
from wenshu.db import session_scope
from wenshu.demo.generate import DemoFiles, generate_demo
from wenshu.ingest.figures import import_figures, import_targets
from wenshu.ingest.units import import_units
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.settings import Settings

if TYPE_CHECKING:
    from wenshu.collect import Completeness, FileOutcome
    from wenshu.pipeline import Outcome

DEMO_SUPERVISOR = "区督导"  # supervises the whole demo district
DEMO_ARCHIVIST = "区档案员"
DEMO_ADMIN = "管理员"
DEMO_PASSWORD = "wenshu-demo"  # every demo account's; a real office sets its own
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class DemoAccount:
    """A demo user to sign in to the web app as."""

    name: str
    role: str
    unit_code: str | None
    note: str
    password: str = DEMO_PASSWORD

    @property
    def role_label(self) -> str:
        """The role's Chinese name."""
        return ROLE_LABELS[self.role]


def demo_accounts(district: str) -> list[DemoAccount]:
    """The demo's users: one per role, and a street's and a community's staff."""
    street, community = f"{district}001", f"{district}001001"
    return [DemoAccount(DEMO_ADMIN, "administrator", None, "users and units"),
            DemoAccount(DEMO_SUPERVISOR, "supervisor", district, f"the district {district}"),
            DemoAccount("街道督导", "supervisor", street, f"the street {street}"),
            DemoAccount("社区办事员", "clerk", community, f"the community {community}"),
            DemoAccount(DEMO_ARCHIVIST, "archivist", None, "every unit's filed records")]


def add_demo_users(settings: Settings, district: str) -> list[DemoAccount]:
    """Make the demo's administrator, then the other accounts as that administrator
    (those already there are left as they are)."""
    from wenshu.errors import AccessError

    accounts = demo_accounts(district)
    try:
        admin: Actor = create_first_administrator(settings, DEMO_ADMIN, DEMO_PASSWORD)
    except AccessError:
        admin = resolve_actor(settings, DEMO_ADMIN)
    for account in accounts[1:]:
        try:
            add_user(settings, account.name, account.role, account.unit_code, by=admin,
                     password=account.password)
        except AccessError:
            pass  # a rerun: the account is there already
    return accounts


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


def _file_once(settings: Settings, document_id: int) -> FiledRecord:
    """File the latest version unless it is filed already (a rerun changes nothing)."""
    history = filing_history(settings, document_id)
    if history[-1].status == "filed":
        return history[-1]
    actor = resolve_actor(settings, DEMO_SUPERVISOR)
    reason = "重新生成" if any(r.status == "filed" for r in history) else None
    return file_version(settings, document_id, actor=actor, reason=reason)


def run_demo(settings: Settings, *, seed: int = 9704, issued_on: date | None = None,
             console: Console | None = None) -> list[DemoAccount]:
    """Generate, import and summarise the demo district, printing what was archived;
    returns the demo accounts."""
    from wenshu.workflows.private_api import start_private_api

    api = start_private_api(settings)  # starts while the demo's files are made
    from wenshu.workflows.collect import collect_ledgers
    from wenshu.workflows.year_end_summary import year_end_summary

    console = console or Console()
    timer = StageTimer()
    demo_dir = settings.home / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)
    catalogue = load_catalogue(settings.catalogue_dir)
    columns = (TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("generating demo ledgers", total=6)
        files = timer.run("generate demo files", generate_demo, demo_dir, seed=seed,
                          catalogue=catalogue)
        latest = files.years[-1]
        progress.update(bar, advance=1, description="importing units, figures, targets")
        accounts = timer.run("import units, figures, targets", _import_reference_data,
                             settings, files, catalogue)
        if api is not None:
            timer.run("start Prefect's API", api.wait_ready)
        progress.update(bar, advance=1, description="collecting ledgers (Prefect flow)")
        outcomes, report = timer.run(
            "collect ledgers (flow)", collect_ledgers, str(files.inbox), str(latest),
            root=files.district_code, user=DEMO_SUPERVISOR,
        )
        documents = _summaries(year_end_summary, timer, progress, bar, files.district_code,
                               latest, issued_on or date(latest + 1, 1, 15))
        progress.update(bar, advance=1, description="filing the district's summary")
        district = next(d for d in documents
                        if d.key.unit_code == files.district_code and not d.key.topic)
        filed = timer.run("file the district summary", _file_once, settings,
                          district.document_id)
        progress.update(bar, advance=1, description="done")

    _print_result(console, settings, outcomes, report, documents, filed, accounts)
    _print_timings(console, timer, documents)
    return accounts


def _print_result(console: Console, settings: Settings, outcomes: list[FileOutcome],
                  report: Completeness, documents: list[Outcome], filed: FiledRecord,
                  accounts: list[DemoAccount]) -> None:
    """What was collected (and rejected), generated and filed, and who can sign in."""
    from wenshu.cli.common import print_collect, print_outcomes

    rejected = [o for o in outcomes if o.status == "rejected"]
    print_collect(rejected, report)
    console.print(f"{len(outcomes)} ledger files collected, {len(rejected)} rejected "
                  "(error reports beside them).")
    print_outcomes(documents, settings.archive_dir)
    console.print(f"Filed the district's summary as {filed.archival_code} "
                  f"(归档章 on {filed.files['pdf_filed'].path.name}); users: "
                  + ", ".join(f"{a.name} ({a.role})" for a in accounts)
                  + f", e.g. 'wenshu --user {DEMO_ARCHIVIST} archive search 总结'.",
                  soft_wrap=True)


def _import_reference_data(settings: Settings, files: DemoFiles,
                           catalogue: Catalogue) -> list[DemoAccount]:
    """Units, the demo's users, figures and targets, each import its own transaction."""
    with session_scope(settings) as session:
        import_units(session, files.units_csv)
    accounts = add_demo_users(settings, files.district_code)
    with session_scope(settings) as session:
        import_figures(session, files.figures_csv, catalogue)
    with session_scope(settings) as session:
        import_targets(session, files.targets_csv, catalogue)
    return accounts


def _summaries(year_end_summary: Callable[..., list[Outcome]], timer: StageTimer,
               progress: Progress, bar: TaskID, district: str, year: int,
               issued_on: date) -> list[Outcome]:
    """The year-end summaries by the ``year_end_summary`` flow (imported while Prefect's
    API starts): district and streets, then the 妇联 line's."""
    progress.update(bar, advance=1, description="year-end summaries (Prefect flow)")
    documents = timer.run(
        "summaries: district + streets (flow)", year_end_summary, district, year,
        all_levels=True, levels=["street"], issued_on=issued_on, user=DEMO_SUPERVISOR,
    )
    progress.update(bar, advance=1, description="women's federation summaries (flow)")
    documents += timer.run(
        "summaries, 妇联 line: district + 妇联 (flow)", year_end_summary, district, year,
        all_levels=True, levels=["department"], line="women", issued_on=issued_on,
        user=DEMO_SUPERVISOR,
    )
    return documents


def _print_timings(console: Console, timer: StageTimer, documents: list[Outcome]) -> None:
    """When the first new document was archived, and each stage's seconds."""
    new = [d.created_at for d in documents if d.created]
    if new:
        first = min(new).timestamp() - timer.started_at.timestamp()
        console.print(f"First document archived {first:.1f} s after the demo started "
                      "(Prefect's start-up included).")
    for name, took, at in timer.stages:
        console.print(f"  {name:<40} {took:6.1f} s   (done at {at:5.1f} s)")
