"""A small office for web tests, built through the same library calls the pages make:
the small district plus one community that never reports, its figures, targets and two
years of ledgers, and one user of each role, all able to sign in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests import office_data
from tests.people import ADMIN, PASSWORD, add_user, admin
from wenshu.db import upgrade_schema
from wenshu.services import data
from wenshu.settings import Settings

SILENT = ("440307002003", "西岭社区")  # a community with no ledger at all


@dataclass(frozen=True)
class Office:
    """Who works there (every password is :data:`PASSWORD`)."""

    admin: str = ADMIN
    supervisor: str = "督导李四"  # the district 440307
    street: str = "街道督导"  # the street 440307001
    clerk: str = "办事员王五"  # the community 440307001001
    archivist: str = "档案员张三"
    password: str = PASSWORD


def build_office(settings: Settings, folder: Path) -> Office:
    """Units, users, figures, targets and ledgers, through the application layer."""
    settings.ensure_dirs()
    upgrade_schema(settings)
    folder.mkdir(parents=True, exist_ok=True)
    office = Office()
    units = office_data.write_units(folder)
    code, name = SILENT
    with units.open("a", encoding="utf-8") as handle:
        handle.write(f"{code},{name},community,440307002\n")
    data.import_units(settings, admin(settings), units)
    supervisor = add_user(settings, office.supervisor, "supervisor", "440307")
    add_user(settings, office.street, "supervisor", "440307001")
    add_user(settings, office.clerk, "clerk", "440307001001")
    add_user(settings, office.archivist, "archivist")
    data.import_figures(settings, supervisor, office_data.write_figures(folder))
    data.import_targets(settings, supervisor, office_data.write_targets(folder))
    for year in (2024, 2025):
        data.import_ledger(settings, supervisor, office_data.write_ledger(folder, year))
    return office
