"""The demo district's women's federation line (妇女儿童工作, lines.yaml ``women``).

Each community's 妇女之家 and the district's 妇联 keep their own ledger beside the
family-planning one, as offices do: 妇女之家 activities, 就业创业培训, 维权信访, 家庭
教育, 两癌筛查 and 巾帼志愿服务. Drawn from a random stream of its own, so the
family-planning data stay what they were.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from wenshu.demo.kinds import ActivityKind, Measures, single_events, trainings
from wenshu.demo.ledgers import DemoLedger, DemoRow, kind_rows
from wenshu.demo.units import DemoUnit

__all__ = ["LEDGER_NAME", "women_data"]

LEDGER_NAME = "妇联工作台账"


def _screening(low: int, high: int) -> ActivityKind:
    def draw(rng: random.Random, people: int | None) -> Measures:
        people = people if people is not None else rng.randint(low, high)
        return {"participants": people, "sessions": 1}
    return ActivityKind((("适龄妇女两癌免费筛查", ()), ("“三八”节两癌筛查集中服务日", (3,)),
                  ("流动妇女两癌筛查", ())), draw, rows=(4, 9))


def _petitions(rng: random.Random, _: int | None) -> Measures:
    return {"participants": rng.randint(1, 6), "sessions": 1 if rng.randint(1, 100) <= 40 else None}


def _volunteering(rng: random.Random, _: int | None) -> Measures:
    return {"sessions": 1, "participants": rng.randint(6, 30),
            "households": rng.randint(2, 15) if rng.randint(1, 100) <= 70 else None}


_COMMUNITY_KINDS: dict[str, ActivityKind] = {
    "women_home": ActivityKind(
        (("妇女之家“姐妹议事会”", ()), ("妇女之家手工编织活动", ()),
         ("“三八”节妇女之家联谊活动", (3,)),
         ("妇女之家读书分享会", ()), ("妇女之家健康操培训", ()), ("母亲节感恩主题活动", (5,))),
        single_events(15, 60, 85), rows=(8, 14)),
    "employment_training": ActivityKind(
        (("妇女家政服务技能培训", ()), ("巾帼电商创业培训", ()), ("月嫂育婴师技能培训", ()),
         ("妇女手工编织就业培训", ())),
        trainings(15, 40), rows=(1, 3)),
    "rights_petition": ActivityKind(
        (("妇女来访接待", ()), ("婚姻家庭纠纷调解", ()), ("反家庭暴力法进社区宣讲", ())),
        _petitions, rows=(3, 8)),
    "family_education": ActivityKind(
        (("家长学校家庭教育讲座", ()), ("“最美家庭”评选宣传", ()), ("亲子阅读活动", ()),
         ("暑期儿童安全教育", (7, 8))),
        single_events(20, 80, 80), rows=(3, 7)),
    "cancer_screening": _screening(10, 60),
    "women_volunteering": ActivityKind(
        (("巾帼志愿者关爱留守儿童", ()), ("巾帼志愿者探访空巢老人", ()),
         ("巾帼志愿者环境整治", ())),
        _volunteering, rows=(3, 8)),
}

_FEDERATION_KINDS: dict[str, ActivityKind] = {
    "women_meeting": ActivityKind(
        (("区妇联执委会议", ()), ("区妇女代表大会筹备会", ()), ("基层妇联主席例会", ())),
        single_events(20, 80, 90), rows=(4, 8)),
    "employment_training": ActivityKind(
        (("全区妇女创业就业技能培训", ()), ("巾帼创业带头人培训", ())), trainings(40, 120),
        rows=(3, 6)),
    "family_education": ActivityKind(
        (("家庭教育指导师培训", ()), ("全区“最美家庭”揭晓活动", (5,))),
        single_events(60, 200, 90), rows=(2, 4)),
    "women_volunteering": ActivityKind(
        (("“巾帼心向党”志愿服务活动", ()),), _volunteering, rows=(2, 4)),
}


def women_data(units: Iterable[DemoUnit], years: tuple[int, ...], seed: int
               ) -> tuple[list[DemoLedger], list[tuple[str, int, str, int]]]:
    """The line's ledgers (one per community and the 妇联 department, a year) and its base
    figures (women due a screening, trainees employed, petitions received and closed)."""
    rng = random.Random(seed * 31 + 7)
    ledgers: list[DemoLedger] = []
    figures: list[tuple[str, int, str, int]] = []
    for year in years:
        for unit in units:
            kinds = {"community": _COMMUNITY_KINDS, "department": _FEDERATION_KINDS}.get(unit.level)
            if kinds is None:
                continue
            rows = _rows(rng, unit, year, kinds)
            ledgers.append(DemoLedger(unit, year, "utf-8-sig", rows, LEDGER_NAME))
            if unit.level == "community":
                figures += [(unit.code, year, key, value)
                            for key, value in _figures(rng, rows).items()]
    return ledgers, figures


def _rows(rng: random.Random, unit: DemoUnit, year: int, kinds: dict[str, ActivityKind]
          ) -> list[DemoRow]:
    seen: set[DemoRow] = set()
    rows: list[DemoRow] = []
    for key, kind in kinds.items():
        rows += kind_rows(rng, unit, year, key, kind, [None] * rng.randint(*kind.rows), seen)
    return sorted(rows, key=lambda row: row.day)


def _figures(rng: random.Random, rows: list[DemoRow]) -> dict[str, int]:
    """Base figures that fit the ledger: a community screens 60-100% of the women due."""
    screened = sum(dict(r.measures).get("participants", 0) for r in rows
                   if r.kind == "cancer_screening")
    trained = sum(dict(r.measures).get("participants", 0) for r in rows
                  if r.kind == "employment_training")
    received = sum(dict(r.measures).get("participants", 0) for r in rows
                   if r.kind == "rights_petition")
    due = max(1, int(screened * 100 / rng.randint(60, 100)))
    return {"women_to_screen": due, "trainees": trained,
            "trainees_employed": int(trained * rng.randint(45, 85) / 100),
            "petitions_received": received,
            "petitions_closed": received - (1 if received and rng.randint(1, 100) <= 15 else 0)}
