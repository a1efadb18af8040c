"""Where wenshu keeps its state, read from the environment (``WENSHU_*``).

Everything lives under one data directory (``WENSHU_HOME``, default
``./wenshu-data``): the SQLite database, the archive, Prefect's home and
LibreOffice's profiles. A deployment points ``WENSHU_DATABASE_URL`` at
PostgreSQL instead.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every path derives from :attr:`home` unless set."""

    model_config = SettingsConfigDict(env_prefix="WENSHU_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.cwd() / "wenshu-data")
    database_url: str | None = None
    soffice: str = "soffice"
    pdf_timeout_seconds: float = 120.0
    # 全宗号 (fonds code) and the issuing unit's defaults used on documents.
    fonds: str = "0194"
    # Who is acting (a user name in the database); the CLI's --user overrides it.
    user: str | None = None

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL: ``WENSHU_DATABASE_URL`` or a SQLite file under home."""
        return self.database_url or f"sqlite:///{self.home / 'wenshu.db'}"

    @property
    def archive_dir(self) -> Path:
        """Root of the immutable document store."""
        return self.home / "archive"

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
    def work_dir(self) -> Path:
        """Scratch space for renders and conversions before they are archived."""
        return self.home / "work"

    def ensure_dirs(self) -> None:
        """Create the data directory tree."""
        for path in (self.home, self.archive_dir, self.prefect_home, self.work_dir):
            path.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
