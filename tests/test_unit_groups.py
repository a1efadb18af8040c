"""Units grouped as a supervisor looks at them, by street: the inspection picker's units and
the reporting page's rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.conftest import SMALL_TREE
from wenshu.collect import Completeness
from wenshu.compute.snapshot import UnitInfo
from wenshu.services.overview import by_branch, unit_groups

UNITS = {code: UnitInfo(code=code, name=name, level=level, parent_code=parent)
         for code, name, level, parent in SMALL_TREE}


def _names(codes: list[str], root: str) -> list[tuple[str | None, list[str]]]:
    groups = unit_groups([UNITS[c] for c in codes], root)
    return [(g.head.name if g.head else None, [u.name for u in g.units]) for g in groups]


def test_a_districts_units_are_grouped_by_street_with_the_womens_federation_apart() -> None:
    below = ["440307001", "440307001001", "440307001002", "440307002", "440307002001",
             "440307002002", "440307900"]
    assert _names(below, "440307") == [("东城街道", ["东湖社区", "东山社区"]),
                                       ("西城街道", ["西湖社区", "西山社区"]),
                                       (None, ["区妇联"])]


def test_units_with_nothing_below_them_share_one_group_wherever_they_stand() -> None:
    below = ["440307900", "440307001", "440307001001", "440307002", "440307002001"]
    assert _names(below, "440307") == [(None, ["区妇联"]), ("东城街道", ["东湖社区"]),
                                       ("西城街道", ["西湖社区"])]
    # A street's supervisor: its communities, in one group without a head.
    assert _names(["440307001001", "440307001002"], "440307001") == [
        (None, ["东湖社区", "东山社区"])]
    assert _names([], "440307001") == []


def test_a_districts_reporting_rate_is_split_by_street() -> None:
    east_lake, east_hill, west_lake, west_hill = (UNITS[c] for c in (
        "440307001001", "440307001002", "440307002001", "440307002002"))
    report = Completeness("2025", (east_lake, east_hill, west_lake, west_hill),
                          (east_lake, east_hill, west_lake), (west_hill,),
                          date(2026, 1, 10), (east_hill,))
    rows = [(b.unit.name, len(b.report.expected), len(b.report.submitted),
             [u.name for u in b.report.missing], [u.name for u in b.report.late], b.report.rate)
            for b in by_branch(report, UNITS, "440307")]
    assert rows == [("东城街道", 2, 2, [], ["东山社区"], Decimal("100.0")),
                    ("西城街道", 2, 1, ["西山社区"], [], Decimal("50.0"))]
    # A street's own communities: the whole report is the breakdown.
    street = Completeness("2025", (east_lake, east_hill), (east_lake,), (east_hill,))
    assert by_branch(street, UNITS, "440307001") == []
