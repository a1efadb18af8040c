"""The demo communities' plans: what stays from year to year, and each year's figures.

A community's :class:`CommunityProfile` (its size and habits) is drawn once; each year's
:class:`CommunityPlan` holds its base figures and the ledger totals that go with them, with the
misses drawn here so the summaries have problems to report.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from wenshu.demo.draws import chance
from wenshu.demo.kinds import COMMUNITY_KINDS

__all__ = ["FIGURE_KEYS", "PLANNED_MIN_SHARE", "TRAINING_TARGETS", "CommunityPlan",
           "CommunityProfile", "community_plan", "community_profile"]

FIGURE_KEYS = (
    "population", "married_women", "expected_checks", "births", "births_in_policy",
    "births_male", "births_female", "households_to_visit", "live_births", "maternal_deaths",
)

# Community types whose yearly total of their main measure is planned from the base
# figures, with the smallest share one row carries.
PLANNED_MIN_SHARE = {"check": 10, "household_visit": 2, "training": 1, "certificates": 1}
# Community training-session targets, first and second year.
TRAINING_TARGETS = (10, 12)
# % of communities missing their check, visit and training targets: one street is weak.
_WEAK_MISS, _NORMAL_MISS = 80, 10


@dataclass(frozen=True)
class CommunityProfile:
    """A community's size and habits, the same in both years."""

    population: int
    married_per_mille: int  # married women of child-bearing age per 1000 residents
    checks_per_mille: int  # of those, due a check this year
    visits_per_10k: int  # households due a follow-up visit per 10,000 residents
    rows: dict[str, int]  # ledger rows a year, by activity type
    weak: bool


@dataclass(frozen=True)
class CommunityPlan:
    """One community's base figures for a year and the ledger totals that go with them."""

    figures: dict[str, int]
    totals: dict[str, int]  # planned type -> yearly total of its controlled measure


def community_profile(rng: random.Random, weak: bool) -> CommunityProfile:
    """A community's size and habits; ``weak``: it lies in the street that misses targets."""
    rows = {key: rng.randint(*kind.rows) for key, kind in COMMUNITY_KINDS.items()}
    return CommunityProfile(
        population=rng.randint(15_000, 60_000),
        married_per_mille=rng.randint(170, 230),
        checks_per_mille=rng.randint(150, 240),
        visits_per_10k=rng.randint(60, 120),
        rows=rows,
        weak=weak,
    )


def _boys(rng: random.Random, births: int, normal: bool) -> int:
    """Boys among ``births``: sex ratio within 103-107, or (not normal) clearly outside it."""
    if normal:
        band = (1030, 1070)
    else:
        band = (1080, 1120) if chance(rng, 80) else (980, 1025)
    # ratio x 10 = 1000 * boys / girls, kept in integers
    fits = [boys for boys in range(births)
            if band[0] * (births - boys) <= 1000 * boys <= band[1] * (births - boys)]
    return rng.choice(fits) if fits else births * 105 // 205


def community_plan(rng: random.Random, profile: CommunityProfile, population: int,
                   year_index: int, maternal_death: bool) -> CommunityPlan:
    """Base figures and planned totals; misses are drawn here so summaries have problems to
    report."""
    married = population * profile.married_per_mille // 1000
    expected = married * profile.checks_per_mille // 1000
    to_visit = population * profile.visits_per_10k // 10_000
    # Birth rate in 0.01 per mille; the second year continues the decline in births.
    if chance(rng, 6):
        rate = rng.randint(1210, 1350)
    else:
        rate = rng.randint(800, 1190) if year_index == 0 else rng.randint(760, 1150)
    births = population * rate // 100_000
    in_policy_per_mille = rng.randint(945, 995) if chance(rng, 92) else rng.randint(875, 925)
    in_policy = births * in_policy_per_mille // 1000
    boys = _boys(rng, births, normal=chance(rng, 85))

    miss = _WEAK_MISS if profile.weak else _NORMAL_MISS
    if chance(rng, miss):
        checks = min(expected * rng.randint(830, 893) // 1000, (expected * 9 - 1) // 10)
    else:
        checks = max(expected * rng.randint(905, 990) // 1000, -(-expected * 9 // 10))
    if chance(rng, miss - 2):
        visited = min(to_visit * rng.randint(860, 940) // 1000, (to_visit * 19 - 1) // 20)
    else:
        visited = max(to_visit * rng.randint(955, 1000) // 1000, -(-to_visit * 19 // 20))
    target = TRAINING_TARGETS[year_index]
    sessions = (rng.randint(target - 4, target - 1) if chance(rng, miss)
                else rng.randint(target, target + 8))

    figures = {
        "population": population, "married_women": married, "expected_checks": expected,
        "births": births, "births_in_policy": in_policy, "births_male": boys,
        "births_female": births - boys, "households_to_visit": to_visit, "live_births": births,
        "maternal_deaths": int(maternal_death),
    }
    totals = {"check": checks, "household_visit": visited, "training": sessions,
              "certificates": births * rng.randint(85, 115) // 100}
    return CommunityPlan(figures, totals)
