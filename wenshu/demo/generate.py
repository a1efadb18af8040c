"""Demo input files for a district shaped like the one in seed 004.

:func:`generate_demo` writes what offices hand in for a district of 11 streets and 111
communities (plus one department): the unit list, one ledger per unit per year in the
formats offices really send (UTF-8 CSV with BOM, GB18030 CSV, .xlsx), the communities'
base figures, the target contracts, and one deliberately flawed supplementary ledger.

Figures and ledgers are planned together, so the indicators come out as intended: most
units meet their targets, some communities and one weak street do not. Every value is
drawn from one ``random.Random(seed)`` in a fixed order and no file records a clock
time, so the same seed gives byte-identical files.

This module draws the data set in that order and writes it; the parts live beside it:
the unit tree (``units``), the activity types (``kinds``), the communities' plans
(``plan``), the ledgers' rows (``ledgers``), the targets (``targets``), the women's
federation line (``women``) and the file formats (``files``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from wenshu.demo.draws import LAST_LEDGER_DAY
from wenshu.demo.files import LEDGER_HEADER, write_csv, write_ledger
from wenshu.demo.kinds import (
    COMMUNITY_KINDS,
    DEPARTMENT_KINDS,
    DISTRICT_KINDS,
    STREET_KINDS,
)
from wenshu.demo.ledgers import (
    DemoLedger,
    community_rows,
    flawed_rows,
    ledger_form,
    own_rows,
)
from wenshu.demo.plan import FIGURE_KEYS, community_plan, community_profile
from wenshu.demo.targets import RATE_TARGETS, target_rows
from wenshu.demo.units import DISTRICT_CODE, DemoUnit, unit_tree
from wenshu.demo.women import women_data
from wenshu.errors import CatalogueError, WenshuError
from wenshu.models.catalogue import Catalogue, load_catalogue

__all__ = ["DemoData", "DemoFiles", "build_demo", "generate_demo"]


@dataclass(frozen=True)
class DemoFiles:
    """Where :func:`generate_demo` put the input files, and what they cover."""

    units_csv: Path  # code,name,level,parent_code,organ
    figures_csv: Path  # unit_code,year,key,value
    targets_csv: Path  # unit_code,year,indicator,comparator,value
    inbox: Path  # inbox/<unit_code>/<ledger files>
    years: tuple[int, ...]
    district_code: str


# ---------------------------------------------------------------------------------------
# The whole data set, drawn in one fixed order

@dataclass(frozen=True)
class DemoData:
    """The demo's whole data set, before it is written as files."""

    units: list[DemoUnit]
    ledgers: list[DemoLedger]
    figures: list[tuple[str, int, str, int]]
    targets: list[tuple[str, ...]]
    flawed_unit: DemoUnit


def build_demo(years: tuple[int, int], seed: int) -> DemoData:
    """The whole data set for ``years``, drawn from ``seed`` in one fixed order."""
    rng = random.Random(seed)
    units = unit_tree(rng)
    streets = [unit for unit in units if unit.level == "street"]
    weak_street = rng.choice(streets).code
    communities = [unit for unit in units if unit.level == "community"]
    profiles = {unit.code: community_profile(rng, unit.parent_code == weak_street)
                for unit in communities}
    own_kinds = {"district": DISTRICT_KINDS, "street": STREET_KINDS,
                 "department": DEPARTMENT_KINDS}

    ledgers: list[DemoLedger] = []
    figures: list[tuple[str, int, str, int]] = []
    population = {code: profile.population for code, profile in profiles.items()}
    for year_index, year in enumerate(years):
        death = rng.choice(communities).code  # a maternal death is rare: one community a year
        for unit in units:
            if unit.level != "community":
                rows = own_rows(rng, unit, year, own_kinds[unit.level])
                ledgers.append(DemoLedger(unit, year, ledger_form(rng), rows))
                continue
            if year_index:
                population[unit.code] = population[unit.code] * rng.randint(985, 1035) // 1000
            plan = community_plan(rng, profiles[unit.code], population[unit.code], year_index,
                                  unit.code == death)
            figures += [(unit.code, year, key, plan.figures[key]) for key in FIGURE_KEYS]
            rows = community_rows(rng, unit, year, year_index, profiles[unit.code], plan)
            ledgers.append(DemoLedger(unit, year, ledger_form(rng), rows))
    targets = target_rows(rng, units, years)
    flawed = rng.choice(communities)
    # The women's federation line, from its own random stream (wenshu.demo.women).
    women_ledgers, women_figures = women_data(units, years, seed)
    return DemoData(units, ledgers + women_ledgers, figures + women_figures, targets, flawed)


# ---------------------------------------------------------------------------------------
# Checking the catalogue and writing the files

def _check_catalogue(catalogue: Catalogue) -> None:
    """The demo draws the shipped types, figures and indicators; say so if one is missing."""
    kinds = [*COMMUNITY_KINDS, *STREET_KINDS, *DISTRICT_KINDS, *DEPARTMENT_KINDS]
    missing = [key for key in kinds if key not in catalogue.activities]
    missing += [key for key in FIGURE_KEYS if key not in catalogue.figures]
    missing += [key for key in (*RATE_TARGETS, "training_sessions")
                if key not in catalogue.indicators]
    if missing:
        names = ", ".join(dict.fromkeys(missing))
        raise CatalogueError(f"the demo data needs catalogue entries that are missing: {names}")


def generate_demo(out_dir: Path, *, years: tuple[int, int] = (2024, 2025), seed: int = 9704,
                  catalogue: Catalogue | None = None) -> DemoFiles:
    """Write the demo district's input files into ``out_dir`` (which must be empty or new).

    Writes ``units.csv``, ``figures.csv``, ``targets.csv`` and ``inbox/<unit_code>/`` with one
    ledger per unit per year, plus ``补录台账_<latest year>.csv`` for one community: a
    supplementary ledger with bad rows that an import must reject.
    """
    first, latest = years
    if not first < latest <= LAST_LEDGER_DAY.year:
        raise WenshuError(f"demo years must be two ascending years up to {LAST_LEDGER_DAY.year}, "
                          f"got {years}")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise WenshuError(f"{out_dir} is not empty; the demo writes into a new or empty folder")
    catalogue = catalogue or load_catalogue()
    _check_catalogue(catalogue)
    demo = build_demo(years, seed)

    inbox = out_dir / "inbox"
    inbox.mkdir(parents=True)
    files = DemoFiles(out_dir / "units.csv", out_dir / "figures.csv", out_dir / "targets.csv",
                      inbox, years, DISTRICT_CODE)
    units = [(unit.code, unit.name, unit.level, unit.parent_code or "", unit.organ)
             for unit in demo.units]
    write_csv(files.units_csv, [("code", "name", "level", "parent_code", "organ"), *units],
              "utf-8")
    figures = [(code, str(year), key, str(value)) for code, year, key, value in demo.figures]
    write_csv(files.figures_csv, [("unit_code", "year", "key", "value"), *figures], "utf-8")
    targets = [("unit_code", "year", "indicator", "comparator", "value"), *demo.targets]
    write_csv(files.targets_csv, targets, "utf-8")
    for ledger in demo.ledgers:
        write_ledger(inbox, ledger, catalogue)
    write_csv(inbox / demo.flawed_unit.code / f"补录台账_{latest}.csv",
              [LEDGER_HEADER, *flawed_rows(demo.flawed_unit.code, latest)], "utf-8-sig")
    return files
