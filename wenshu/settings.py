"""Where wenshu keeps its state, read from the environment (``WENSHU_*``).

Everything lives under one data directory (``WENSHU_HOME``, default
``./wenshu-data``): the SQLite database, the archive, Prefect's home and
LibreOffice's profiles. A deployment points ``WENSHU_DATABASE_URL`` at
PostgreSQL instead.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every path derives from :attr:`home` unless set."""

    model_config = SettingsConfigDict(env_prefix="WENSHU_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.cwd() / "wenshu-data")
    database_url: str | None = None
    # The archive's root when it is not under home: on several machines, the shared
    # storage every worker and the web app see (each keeps its own home for scratch
    # space, Prefect's state and LibreOffice's profiles).
    archive_root: Path | None = None
    soffice: str = "soffice"
    # TrueType copies of the CJK fonts for LibreOffice (wenshu.generators.office_fonts):
    # per machine, shared by its data directories.
    fonts_dir: Path = Field(default_factory=lambda: _cache_home() / "wenshu" / "fonts")
    pdf_timeout_seconds: float = 120.0
    # How long a writer's lease on what it is placing in the archive lasts (the database
    # holds it; see wenshu.archive.placing). A writer that crashes blocks that one folder
    # for this long, after which any process, on any machine, cleans up after it.
    placement_lease_seconds: float = Field(600.0, gt=0)
    # How long a transaction waits for another's lock (SQLite's write lock, a PostgreSQL
    # row or advisory lock) before the user is told the system is busy (errors.Busy).
    lock_wait_seconds: float = Field(30.0, gt=0)
    # 全宗号 (fonds code) and the issuing unit's defaults used on documents.
    fonds: str = "0194"
    # Who is acting (a user name in the database); the CLI's --user overrides it.
    user: str | None = None

    # Running past one machine: the Prefect work pool the deployments run on, and the
    # schedules of the recurring work (cron, in ``schedule_timezone``). The scheduled
    # runs cover ``schedule_root``'s tree and act as ``schedule_user`` (a supervisor of
    # it); the transfer package as ``schedule_archivist``. Without them the scheduled
    # deployments exist, their schedules paused, to be run or edited from the Prefect UI.
    work_pool: str = "wenshu"
    schedule_timezone: str = "Asia/Shanghai"
    schedule_root: str | None = None
    schedule_user: str | None = None
    schedule_archivist: str | None = None
    # The 11th of each month: last month's ledgers were due on the 10th (collect_due_day).
    collect_cron: str = "0 6 11 * *"
    collect_due_day: int = Field(10, ge=1, le=28)
    half_year_cron: str = "0 2 10 7 *"  # 10 July: the first half's summaries
    year_end_cron: str = "0 2 15 1 *"  # 15 January: last year's summaries
    transfer_cron: str = "0 3 1 3 *"  # 1 March: last year's transfer package (移交)

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL: ``WENSHU_DATABASE_URL`` or a SQLite file under home."""
        return self.database_url or f"sqlite:///{self.home / 'wenshu.db'}"

    @property
    def archive_dir(self) -> Path:
        """Root of the immutable document store: ``WENSHU_ARCHIVE_ROOT`` or under home."""
        return self.archive_root or self.home / "archive"

    @property
    def prefect_home(self) -> Path:
        """Prefect's state directory (its own SQLite DB, logs)."""
        return self.home / "prefect"

    @property
    def catalogue_dir(self) -> Path:
        """User catalogue extensions (``activities.yaml``, ``indicators.yaml``)."""
        return self.home / "catalogue"

    @property
    def templates_dir(self) -> Path:
        """Offices' own Word templates, as installed (``wenshu templates install``)."""
        return self.home / "templates"

    @property
    def inbox_dir(self) -> Path:
        """Where scheduled collection looks for ledgers: one folder per unit code (on the
        shared storage when workers run on several machines)."""
        return self.home / "inbox"

    @property
    def work_dir(self) -> Path:
        """Scratch space for renders and conversions before they are archived."""
        return self.home / "work"

    def ensure_dirs(self) -> None:
        """Create the data directory tree."""
        for path in (self.home, self.archive_dir, self.prefect_home, self.work_dir):
            path.mkdir(parents=True, exist_ok=True)


def _cache_home() -> Path:
    """The user's cache directory (XDG)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
