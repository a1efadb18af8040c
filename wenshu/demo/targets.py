"""The demo's target contracts: each unit's indicators and thresholds for both years."""

from __future__ import annotations

import random

from wenshu.demo.plan import TRAINING_TARGETS
from wenshu.demo.units import DISTRICT_CODE, DemoUnit

__all__ = ["RATE_TARGETS", "target_rows"]

# indicator -> comparator and threshold as written in the target contract
RATE_TARGETS: dict[str, tuple[str, str]] = {
    "check_rate": ("≥", "90"),
    "policy_birth_rate": ("≥", "93"),
    "sex_ratio": ("range", "103-107"),
    "visit_coverage": ("≥", "95"),
    "birth_rate": ("≤", "12"),
    "maternal_mortality": ("≤", "10"),
}


def target_rows(rng: random.Random, units: list[DemoUnit], years: tuple[int, int]
                ) -> list[tuple[str, ...]]:
    """Every unit's contract for both years, except a few units that never handed one in."""
    communities = [unit for unit in units if unit.level == "community"]
    streets = [unit for unit in units if unit.level == "street"]
    rows: list[tuple[str, ...]] = []
    for year_index, year in enumerate(years):
        per_community = TRAINING_TARGETS[year_index]
        training = {unit.code: per_community for unit in communities}
        for street in streets:
            children = sum(1 for unit in communities if unit.parent_code == street.code)
            training[street.code] = per_community * children + 5
        training[DISTRICT_CODE] = sum(training[street.code] for street in streets) + 5
        absent = {unit.code for unit in rng.sample(communities, 3)}
        partial = rng.choice(streets).code
        for unit in units:
            if unit.level == "department" or unit.code in absent:
                continue
            plan = dict(RATE_TARGETS, training_sessions=("≥", str(training[unit.code])))
            if unit.code == partial:  # this street's contract left out two indicators
                del plan["visit_coverage"], plan["birth_rate"]
            rows += [(unit.code, str(year), key, comparator, value)
                     for key, (comparator, value) in plan.items()]
    return rows
