"""A unit's year computed from plain data: rollups, targets, last year, laggards."""

import hashlib
import json
from decimal import Decimal

from wenshu.compute.summary import compute_unit
from wenshu.periods import Period


def _indicator(report, key):
    return next(r for r in report.indicators if r.indicator.key == key)

YEAR = Period.year(2025)


def test_rate_rolls_up_by_summing_numerators_and_denominators(small_snapshot, catalogue):
    report = compute_unit(small_snapshot, catalogue, "S1", YEAR)
    check = _indicator(report, "check_rate")
    # (1900+1500+1314) / (2000+1800+1280) = 4714/5080 = 92.795…% → 92.80 (half-even, 2 dp)
    assert check.current.numerator == Decimal(4714)
    assert check.current.denominator == Decimal(5080)
    assert check.current.value == Decimal("92.80")
    assert check.current.met is False  # the street signed ≥95
    assert check.current.gap == Decimal("-2.20")
    # Last year 4800/5200 = 92.31, so the change is +0.49 percentage points.
    assert check.last_value == Decimal("92.31")
    assert check.change == Decimal("0.49")


def test_own_figure_wins_over_childrens_sum(small_snapshot, catalogue):
    report = compute_unit(small_snapshot, catalogue, "S1", YEAR)
    policy = _indicator(report, "policy_birth_rate")
    assert policy.current.value == Decimal("93.78")
    assert policy.current.target_is_default  # no signed target: catalogue ≥93
    assert policy.current.met is True
    assert policy.current.gap == Decimal("0.78")


def test_laggards_are_children_furthest_behind(small_snapshot, catalogue):
    report = compute_unit(small_snapshot, catalogue, "S1", YEAR)
    lagging = report.laggards["check_rate"]
    # C2: 1500/1800 = 83.33 vs default ≥90 (shortfall 6.67); C1: 95.00 vs ≥90 met;
    # C3: 1314/1280 = 102.66 met.
    assert [(lag.unit.code, lag.value, lag.target.value, lag.shortfall) for lag in lagging] == [
        ("C2", Decimal("83.33"), Decimal(90), Decimal("6.67"))
    ]


def test_activity_totals_and_change(small_snapshot, catalogue):
    report = compute_unit(small_snapshot, catalogue, "S1", YEAR)
    training = next(a for a in report.activities if a.key == "training")
    sessions = next(m for m in training.measures if m.column == "sessions")
    assert (sessions.value, sessions.last_value, sessions.change_pct) == (
        Decimal(8), Decimal(4), Decimal("100.0"))
    assert training.records == 8 and training.last_records == 4
    assert training.top_titles == ("孕前优生知识培训", "计生专干业务培训")
    assert training.children_active == 1  # C1; the street's own training is not a child's


def test_missing_data_gives_no_value_not_zero(small_snapshot, catalogue):
    report = compute_unit(small_snapshot, catalogue, "C3", YEAR)
    births = _indicator(report, "birth_rate")
    assert births.current.value is None and births.current.met is None
    assert report.laggards == {}


def test_snapshot_digest_ignores_order_and_sees_changes(small_snapshot):
    snapshot = small_snapshot
    reordered = snapshot.model_copy(update={"ledger": tuple(reversed(snapshot.ledger))})
    assert reordered.digest() == snapshot.digest()
    changed = snapshot.model_copy(update={"figures": snapshot.figures[1:]})
    assert changed.digest() != snapshot.digest()
    assert snapshot.restrict("C1").digest() != snapshot.restrict("C2").digest()
    assert {u.code for u in snapshot.restrict("S1").units} == {"S1", "C1", "C2", "C3"}


def test_snapshot_digests_keep_their_canonical_form(small_snapshot):
    # Archived versions record these digests: a different form would make every
    # document of an unchanged unit look changed.
    def reference(snapshot):
        data = snapshot.model_dump(mode="json")
        for key in ("units", "ledger", "figures", "targets"):
            data[key] = sorted(data[key], key=lambda item: json.dumps(item, sort_keys=True))
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    assert small_snapshot.digest() == reference(small_snapshot)
    for unit in small_snapshot.units:
        restricted = small_snapshot.restrict(unit.code)
        assert small_snapshot.subtree_digest(unit.code) == reference(restricted)


def test_first_half_judges_accumulating_indicators_by_the_share_due(small_snapshot, catalogue):
    report = compute_unit(small_snapshot, catalogue, "S1", Period.parse("2025H1"))
    check = _indicator(report, "check_rate")
    # The street signed ≥95% for the year; by June half of it is due.
    assert check.current.paced and check.current.target.value == Decimal("47.50")
    assert check.current.annual_target.value == Decimal(95)
    assert check.current.met is True
    # A ratio of base figures is judged as it stands, not pro rata.
    policy = _indicator(report, "policy_birth_rate")
    assert not policy.current.paced and policy.current.target.value == Decimal(93)
    training = next(a for a in report.activities if a.key == "training")
    # Trainings in April and May count; last year's (October) is outside H1.
    assert (training.records, training.last_records) == (8, 0)


def test_a_period_must_run_from_january(small_snapshot, catalogue):
    import pytest

    with pytest.raises(ValueError, match="must start in January"):
        compute_unit(small_snapshot, catalogue, "S1", Period.parse("2025Q3"))


def test_first_half_compares_with_the_half_before_for_sequential_change(small_snapshot, catalogue):
    year = compute_unit(small_snapshot, catalogue, "S1", YEAR)
    assert all(a.previous_records is None for a in year.activities)
    half = compute_unit(small_snapshot, catalogue, "S1", Period.parse("2025H1"))
    training = next(a for a in half.activities if a.key == "training")
    # Last year's trainings were in October: the half just before 2025H1.
    assert (training.records, training.previous_records) == (8, 4)
