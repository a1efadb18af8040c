"""Demo input files for a district shaped like the one in seed 004.

:func:`generate_demo` writes what offices hand in for a district of 11 streets and 111
communities (plus one department): the unit list, one ledger per unit per year in the
formats offices really send (UTF-8 CSV with BOM, GB18030 CSV, .xlsx), the communities'
base figures, the target contracts, and one deliberately flawed supplementary ledger.

Figures and ledgers are planned together, so the indicators come out as intended: most
units meet their targets, some communities and one weak street do not. Every value is
drawn from one ``random.Random(seed)`` in a fixed order and no file records a clock
time, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import calendar
import csv
import io
import random
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from wenshu.cells import append_row, csv_row
from wenshu.errors import CatalogueError, WenshuError
from wenshu.models.catalogue import MEASURE_COLUMNS, Catalogue, load_catalogue

DISTRICT_CODE = "440307"
_DISTRICT_NAME = "龙岗区"
_DISTRICT_ORGAN = "龙岗区卫生健康局"  # 署名 of the district's documents
_STREET_NAMES = (
    "平湖街道", "布吉街道", "吉华街道", "坂田街道", "南湾街道", "横岗街道",
    "园山街道", "龙城街道", "龙岗街道", "宝龙街道", "坪地街道",
)
_DEPARTMENT_CODE = "440307900"
_DEPARTMENT_NAME = "区妇联"
_COMMUNITIES_PER_STREET = 10

LEDGER_HEADER: tuple[str, ...] = ("单位代码", "日期", "活动类型", "主题", *MEASURE_COLUMNS.values(), "备注")
# The demo's "today": no ledger row is dated after it, so only the flawed file has future dates.
LAST_LEDGER_DAY = date(2026, 11, 23)
_FIGURE_KEYS = (
    "population", "married_women", "expected_checks", "births", "births_in_policy",
    "births_male", "births_female", "households_to_visit", "live_births", "maternal_deaths",
)


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
# The unit tree

_NAME_HEADS = "新华和安福康龙凤金丰富长永宝清石南东西北樟荔榕沙乐嘉盛兴祥瑞横鹤"
_NAME_TAILS = "园湖山岭塘坑围田岗坪湾溪林苑城桥埔坳背坝岸"


@dataclass(frozen=True)
class _Unit:
    code: str
    name: str
    level: str
    parent_code: str | None
    organ: str = ""  # 署名; "" lets documents sign with the level's organ (…街道办事处)


def _unit_tree(rng: random.Random) -> list[_Unit]:
    """District, streets with their communities (one street has an extra one), department."""
    big_street = rng.randrange(len(_STREET_NAMES))
    pairs = [head + tail for head in _NAME_HEADS for tail in _NAME_TAILS if head != tail]
    names = iter(rng.sample(pairs, _COMMUNITIES_PER_STREET * len(_STREET_NAMES) + 1))
    # The district's documents are signed by its health bureau, never by the area.
    units = [_Unit(DISTRICT_CODE, _DISTRICT_NAME, "district", None, _DISTRICT_ORGAN)]
    for index, street_name in enumerate(_STREET_NAMES):
        street_code = f"{DISTRICT_CODE}{index + 1:03d}"
        units.append(_Unit(street_code, street_name, "street", DISTRICT_CODE))
        count = _COMMUNITIES_PER_STREET + (index == big_street)
        for number in range(1, count + 1):
            units.append(_Unit(f"{street_code}{number:03d}", f"{next(names)}社区", "community", street_code))
    units.append(_Unit(_DEPARTMENT_CODE, _DEPARTMENT_NAME, "department", DISTRICT_CODE))
    return units


# ---------------------------------------------------------------------------------------
# Drawing helpers

def _chance(rng: random.Random, percent: int) -> bool:
    return rng.randint(1, 100) <= percent


@cache
def _open_months(year: int) -> tuple[int, ...]:
    """Months of ``year`` that have begun by the demo's today."""
    return tuple(month for month in range(1, 13) if date(year, month, 1) <= LAST_LEDGER_DAY)


def _day(rng: random.Random, year: int, months: Sequence[int]) -> date:
    """A day in one of ``months`` (any month if empty), never after the demo's today."""
    open_months = _open_months(year)
    allowed = [month for month in months if month in open_months]
    month = rng.choice(allowed or open_months)
    last = calendar.monthrange(year, month)[1]
    if (year, month) == (LAST_LEDGER_DAY.year, LAST_LEDGER_DAY.month):
        last = LAST_LEDGER_DAY.day
    return date(year, month, rng.randint(1, last))


def _split(rng: random.Random, total: int, parts: int, minimum: int) -> list[int]:
    """``total`` as up to ``parts`` unequal integers of at least ``minimum`` each."""
    parts = max(1, min(parts, total // minimum))
    spare = total - parts * minimum
    weights = [rng.randint(60, 140) for _ in range(parts)]
    whole = sum(weights)
    shares = [spare * weight // whole for weight in weights]
    for index in range(spare - sum(shares)):
        shares[index % parts] += 1
    return [minimum + share for share in shares]


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    """An amount in yuan: usually whole hundreds, sometimes to the fen (物资折款)."""
    if _chance(rng, 80):
        return Decimal(rng.randint(low // 100, high // 100) * 100)
    return Decimal(rng.randint(low * 100, high * 100)) / 100


# ---------------------------------------------------------------------------------------
# Activity types as each level records them

_Measures = dict[str, int | Decimal | None]
_Draw = Callable[[random.Random, int | None], _Measures]
_Topic = tuple[str, tuple[int, ...]]  # title, months it happens in (empty: any)


@dataclass(frozen=True)
class _Kind:
    """How one unit level records one activity type: its topics and how big a row is."""

    topics: tuple[_Topic, ...]
    draw: _Draw  # the row's measures, given the controlled measure's share if any
    rows: tuple[int, int] = (0, 0)  # rows a year, besides the monthly ones
    monthly: str = ""  # a title with {month}: one row every month before the topics


def _trainings(low: int, high: int) -> _Draw:
    def draw(rng: random.Random, sessions: int | None) -> _Measures:
        sessions = sessions if sessions is not None else rng.choice((1, 1, 1, 2))
        return {"sessions": sessions, "participants": sum(rng.randint(low, high) for _ in range(sessions))}
    return draw


def _publicity(low: int, high: int, audience: int) -> _Draw:
    def draw(rng: random.Random, _: int | None) -> _Measures:
        return {
            "materials": rng.randint(low // 10, high // 10) * 10,
            "sessions": 1 if _chance(rng, 70) else None,
            "participants": rng.randint(audience // 4, audience) if _chance(rng, 60) else None,
        }
    return draw


def _single_events(low: int, high: int, fill: int) -> _Draw:
    """One session a row; the attendance is written down ``fill`` % of the time."""
    def draw(rng: random.Random, _: int | None) -> _Measures:
        return {"sessions": 1, "participants": rng.randint(low, high) if _chance(rng, fill) else None}
    return draw


def _headcount(low: int, high: int) -> _Draw:
    """People served is the record; the session is noted most of the time."""
    def draw(rng: random.Random, people: int | None) -> _Measures:
        people = people if people is not None else rng.randint(low, high)
        return {"participants": people, "sessions": 1 if _chance(rng, 70) else None}
    return draw


def _visits(rng: random.Random, households: int | None) -> _Measures:
    households = households if households is not None else rng.randint(3, 25)
    served = households + rng.randint(0, households) if _chance(rng, 60) else None
    return {"households": households, "participants": served}


def _aid(low: int, high: int) -> _Draw:
    def draw(rng: random.Random, _: int | None) -> _Measures:
        households = rng.randint(low, high)
        per_household = _money(rng, 500, 3000)
        return {"households": households, "amount": households * per_household if _chance(rng, 90) else None}
    return draw


def _certificates(rng: random.Random, issued: int | None) -> _Measures:
    return {"materials": issued if issued is not None else rng.randint(5, 40)}


def _funds(low: int, high: int) -> _Draw:
    def draw(rng: random.Random, _: int | None) -> _Measures:
        return {"amount": _money(rng, low, high)}
    return draw


_COMMUNITY_KINDS: dict[str, _Kind] = {
    "check": _Kind(
        (("育龄妇女孕环情检查", ()), ("流动育龄妇女孕环情检查", ()), ("孕前优生健康检查", ()),
         ("已婚育龄妇女生殖健康检查", ()), ("孕环情漏查对象补查", (11, 12))),
        _headcount(10, 150),
        rows=(8, 12),
    ),
    "household_visit": _Kind(
        (("避孕药具随访", ()), ("计生特殊家庭走访", ()), ("流动育龄妇女入户核查", ()),
         ("产妇产后访视", ()), ("新婚家庭婚育服务随访", ()), ("育龄妇女信息核查入户", ()),
         ("送避孕药具上门", ()), ("计生困难家庭上门探访", ())),
        _visits,
        rows=(24, 34),
    ),
    "training": _Kind(
        (("计生专干业务能力培训", ()), ("育龄妇女生殖健康知识培训", ()), ("流动人口计生政策法规培训", ()),
         ("计生协会会员骨干培训", ()), ("家庭健康指导员培训", ()), ("青春健康同伴教育培训", ()),
         ("婴幼儿照护技能培训", ()), ("优生优育知识培训", ()), ("计生志愿者服务技能培训", ()),
         ("孕产期保健知识培训", ())),
        _trainings(20, 80),
    ),
    "certificates": _Kind(
        (("办理流动人口婚育证明", ()), ("办理独生子女父母光荣证", ())),
        _certificates,
        rows=(0, 2),
        monthly="{month}月份生育服务登记办理",
    ),
    "publicity": _Kind(
        (("流动人口计生政策宣传", ()), ("新婚夫妇优生优育宣传", ()), ("世界人口日主题宣传", (7,)),
         ("“5·29”计生协会员活动日宣传", (5,)), ("出生缺陷预防知识宣传", (9,)),
         ("世界艾滋病日防艾宣传", (12,)), ("“三八”妇女节维权宣传", (3,)), ("避孕节育知情选择宣传", ()),
         ("婚育新风进万家宣传", ()), ("生育政策解读宣传", ()), ("家庭健康知识宣传", ()),
         ("计生惠民政策宣传", ()), ("社区宣传栏内容更新", ()), ("楼道宣传板张贴", ())),
        _publicity(100, 800, 500),
        rows=(22, 32),
    ),
    "lecture": _Kind(
        (("优生优育健康讲座", ()), ("更年期保健知识讲座", ()), ("青春期健康教育讲座", ()),
         ("婴幼儿科学喂养讲座", ()), ("生殖健康知识讲座", ()), ("孕期营养与保健讲座", ()),
         ("家庭教育专题讲座", ()), ("男性生殖健康讲座", ()), ("慢性病防治知识讲座", ())),
        _single_events(30, 120, 90),
        rows=(6, 12),
    ),
    "consultation": _Kind(
        (("生殖健康咨询义诊", ()), ("计生政策咨询", ()), ("优生优育咨询", ()), ("避孕节育咨询服务", ()),
         ("妇幼保健义诊", ()), ("社区健康义诊", ()), ("婚育心理咨询", ())),
        _headcount(20, 150),
        rows=(8, 14),
    ),
    "aid": _Kind(
        (("计生困难家庭春节慰问", (1, 2)), ("计生特殊家庭中秋慰问", (9,)), ("独生子女伤残死亡家庭帮扶", ()),
         ("母亲节慰问贫困母亲", (5,)), ("计生困难户临时救助", ()), ("重阳节慰问计生老人", (10,)),
         ("“六一”慰问困难家庭儿童", (6,)), ("年终走访慰问计生困难家庭", (12,))),
        _aid(2, 15),
        rows=(4, 8),
    ),
    "meeting": _Kind(
        (("计生协会理事会议", (3, 6, 9, 12)), ("居民计生自治小组会议", ()), ("计生工作民主评议会", (11, 12)),
         ("半年工作推进会", (6, 7))),
        _single_events(8, 40, 80),
        rows=(2, 4),
        monthly="{month}月份计生工作例会",
    ),
    "volunteering": _Kind(
        (("计生志愿者关爱特殊家庭", ()), ("志愿者入户发放宣传资料", ()), ("关爱留守儿童志愿服务", ()),
         ("敬老助老志愿服务", ()), ("计生志愿者陪同就医", ()), ("社区环境整治志愿服务", ())),
        _headcount(5, 40),
        rows=(8, 14),
    ),
    "funds": _Kind(
        (("生育关怀基金募集", ()), ("辖区企业捐赠计生帮扶资金", ()), ("计生协会会员爱心捐款", ())),
        _funds(5_000, 50_000),
        rows=(0, 2),
    ),
}

_STREET_KINDS: dict[str, _Kind] = {
    "meeting": _Kind(
        (("街道人口计生工作部署会", (1, 2, 3)), ("计生目标责任制考核推进会", (6, 7, 11)),
         ("流动人口服务管理联席会议", ()), ("街道计生协会工作会议", ())),
        _single_events(15, 60, 90),
        rows=(2, 4),
        monthly="{month}月份社区计生专干例会",
    ),
    "training": _Kind(
        (("社区计生专干业务培训", ()), ("计生统计信息员培训", ()), ("社区计生协秘书长培训", ()),
         ("家庭健康服务骨干培训", ())),
        _trainings(30, 120),
        rows=(4, 8),
    ),
    "funds": _Kind(
        (("生育关怀基金募集", ()), ("辖区企业计生帮扶捐赠", ())),
        _funds(20_000, 200_000),
        rows=(1, 3),
    ),
    "publicity": _Kind(
        (("街道大型广场宣传活动", ()), ("世界人口日广场咨询宣传", (7,)), ("“5·29”会员活动日主题宣传", (5,)),
         ("工业园区流动人口政策宣传", ())),
        _publicity(1000, 5000, 2000),
        rows=(8, 14),
    ),
}

_DISTRICT_KINDS: dict[str, _Kind] = {
    "meeting": _Kind(
        (("全区人口计生工作会议", (1, 2, 3)), ("全区计生协工作会议", ()), ("季度目标考核推进会", (3, 6, 9, 12)),
         ("卫生计生部门联席会议", ()), ("半年工作总结会", (7,)), ("年度考核部署会", (11, 12))),
        _single_events(40, 200, 90),
        rows=(8, 12),
    ),
    "training": _Kind(
        (("全区计生专干业务培训", ()), ("统计骨干业务培训", ()), ("青春健康教育骨干培训", ()),
         ("计生协工作人员能力建设培训", ())),
        _trainings(80, 300),
        rows=(4, 8),
    ),
    "funds": _Kind(
        (("生育关怀基金募集", ()), ("区财政计生协专项经费", ()), ("社会爱心企业捐赠", ())),
        _funds(100_000, 600_000),
        rows=(2, 4),
    ),
    "publicity": _Kind(
        (("全区世界人口日主题宣传", (7,)), ("全区婚育新风进万家活动", ()), ("“5·29”会员活动日全区宣传", (5,)),
         ("健康素养资料集中发放", ())),
        _publicity(3000, 20000, 5000),
        rows=(6, 10),
    ),
}

_DEPARTMENT_KINDS: dict[str, _Kind] = {
    "training": _Kind(
        (("妇女创业就业技能培训", ()), ("基层妇联干部培训", ()), ("家庭教育指导师培训", ())),
        _trainings(40, 150),
        rows=(4, 8),
    ),
    "publicity": _Kind(
        (("男女平等基本国策宣传", ()), ("“三八”妇女维权周宣传", (3,)), ("反家庭暴力法宣传", ())),
        _publicity(500, 3000, 1500),
        rows=(6, 10),
    ),
    "aid": _Kind(
        (("春节慰问困难妇女", (1, 2)), ("“两癌”患病妇女救助", ()), ("母亲节慰问贫困母亲", (5,))),
        _aid(10, 60),
        rows=(3, 5),
    ),
    "meeting": _Kind(
        (("妇联执委会议", ()), ("妇女儿童工作联席会议", ()), ("巾帼志愿服务推进会", ())),
        _single_events(15, 60, 80),
        rows=(6, 10),
    ),
}

_NOTES = (
    "联合社康中心开展", "网格员协助", "辖区企业协办", "与居委会联合开展", "计生协志愿者参与",
    "签到表已存档", "活动照片已存档",
)


# ---------------------------------------------------------------------------------------
# Communities: what stays from year to year, and each year's plan

# Community types whose yearly total of their main measure is planned from the base
# figures, with the smallest share one row carries.
_PLANNED = {"check": 10, "household_visit": 2, "training": 1, "certificates": 1}
# Second-year change of how often communities do each unplanned type, in %.
_SECOND_YEAR_TREND = {"publicity": 88, "lecture": 110, "consultation": 106, "aid": 112, "volunteering": 118}
# Community training-session targets, first and second year.
_TRAINING_TARGETS = (10, 12)
# % of communities missing their check, visit and training targets: one street is weak.
_WEAK_MISS, _NORMAL_MISS = 80, 10


@dataclass(frozen=True)
class _Profile:
    """A community's size and habits, the same in both years."""

    population: int
    married_per_mille: int  # married women of child-bearing age per 1000 residents
    checks_per_mille: int  # of those, due a check this year
    visits_per_10k: int  # households due a follow-up visit per 10,000 residents
    rows: dict[str, int]  # ledger rows a year, by activity type
    weak: bool


@dataclass(frozen=True)
class _Plan:
    """One community's base figures for a year and the ledger totals that go with them."""

    figures: dict[str, int]
    totals: dict[str, int]  # planned type -> yearly total of its controlled measure


def _profile(rng: random.Random, weak: bool) -> _Profile:
    rows = {key: rng.randint(*kind.rows) for key, kind in _COMMUNITY_KINDS.items()}
    return _Profile(
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
        band = (1080, 1120) if _chance(rng, 80) else (980, 1025)
    # ratio x 10 = 1000 * boys / girls, kept in integers
    fits = [boys for boys in range(births)
            if band[0] * (births - boys) <= 1000 * boys <= band[1] * (births - boys)]
    return rng.choice(fits) if fits else births * 105 // 205


def _plan(rng: random.Random, profile: _Profile, population: int, year_index: int,
          maternal_death: bool) -> _Plan:
    """Base figures and planned totals; misses are drawn here so summaries have problems to report."""
    married = population * profile.married_per_mille // 1000
    expected = married * profile.checks_per_mille // 1000
    to_visit = population * profile.visits_per_10k // 10_000
    # Birth rate in 0.01 per mille; the second year continues the decline in births.
    if _chance(rng, 6):
        rate = rng.randint(1210, 1350)
    else:
        rate = rng.randint(800, 1190) if year_index == 0 else rng.randint(760, 1150)
    births = population * rate // 100_000
    in_policy = births * (rng.randint(945, 995) if _chance(rng, 92) else rng.randint(875, 925)) // 1000
    boys = _boys(rng, births, normal=_chance(rng, 85))

    miss = _WEAK_MISS if profile.weak else _NORMAL_MISS
    if _chance(rng, miss):
        checks = min(expected * rng.randint(830, 893) // 1000, (expected * 9 - 1) // 10)
    else:
        checks = max(expected * rng.randint(905, 990) // 1000, -(-expected * 9 // 10))
    if _chance(rng, miss - 2):
        visited = min(to_visit * rng.randint(860, 940) // 1000, (to_visit * 19 - 1) // 20)
    else:
        visited = max(to_visit * rng.randint(955, 1000) // 1000, -(-to_visit * 19 // 20))
    target = _TRAINING_TARGETS[year_index]
    sessions = rng.randint(target - 4, target - 1) if _chance(rng, miss) else rng.randint(target, target + 8)

    figures = {
        "population": population, "married_women": married, "expected_checks": expected,
        "births": births, "births_in_policy": in_policy, "births_male": boys,
        "births_female": births - boys, "households_to_visit": to_visit, "live_births": births,
        "maternal_deaths": int(maternal_death),
    }
    totals = {"check": checks, "household_visit": visited, "training": sessions,
              "certificates": births * rng.randint(85, 115) // 100}
    return _Plan(figures, totals)


# ---------------------------------------------------------------------------------------
# Ledger rows

@dataclass(frozen=True)
class _Row:
    unit_code: str
    day: date
    kind: str  # activity key
    title: str
    measures: tuple[tuple[str, int | Decimal], ...]  # in ledger column order, blanks left out
    notes: str


@dataclass(frozen=True)
class _Ledger:
    unit: _Unit
    year: int
    form: str  # utf-8-sig | gb18030 | xlsx
    rows: list[_Row]
    name: str = "工作台账"  # the file's name after the unit and year (one ledger a line of work)


def _kind_rows(rng: random.Random, unit: _Unit, year: int, key: str, kind: _Kind,
               shares: Sequence[int | None], seen: set[_Row]) -> list[_Row]:
    """Distinct rows of one type, one per share of a planned total (``None``: unplanned)."""
    months = _open_months(year)
    rows = []
    for index, share in enumerate(shares):
        if kind.monthly and index < len(months):
            title, when = kind.monthly.format(month=months[index]), (months[index],)
        else:
            title, when = rng.choice(kind.topics)
        drawn = kind.draw(rng, share)
        measures = tuple((column, value) for column in MEASURE_COLUMNS
                         if (value := drawn.get(column)) is not None)
        notes = rng.choice(_NOTES) if _chance(rng, 10) else ""
        row = _Row(unit.code, _day(rng, year, when), key, title, measures, notes)
        while row in seen:  # offices do not write the same line twice
            row = replace(row, day=_day(rng, year, ()))
        seen.add(row)
        rows.append(row)
    return rows


def _community_rows(rng: random.Random, unit: _Unit, year: int, year_index: int,
                    profile: _Profile, plan: _Plan) -> list[_Row]:
    seen: set[_Row] = set()
    rows: list[_Row] = []
    for key, kind in _COMMUNITY_KINDS.items():
        count = profile.rows[key]
        if key == "training":  # mostly one 期 a row
            count = max(1, plan.totals[key] * rng.randint(60, 90) // 100)
        elif key not in ("check", "household_visit"):  # their totals are planned; rows stay
            trend = _SECOND_YEAR_TREND.get(key, 100) if year_index else 100
            count = (count * trend * rng.randint(90, 110) + 5000) // 10_000
        if kind.monthly:
            count += len(_open_months(year))
        shares = _split(rng, plan.totals[key], count, _PLANNED[key]) if key in _PLANNED else [None] * count
        rows += _kind_rows(rng, unit, year, key, kind, shares, seen)
    return sorted(rows, key=lambda row: row.day)


def _own_rows(rng: random.Random, unit: _Unit, year: int, kinds: dict[str, _Kind]) -> list[_Row]:
    """A street's, the district's or the department's own ledger."""
    seen: set[_Row] = set()
    rows: list[_Row] = []
    for key, kind in kinds.items():
        count = rng.randint(*kind.rows) + (len(_open_months(year)) if kind.monthly else 0)
        rows += _kind_rows(rng, unit, year, key, kind, [None] * count, seen)
    return sorted(rows, key=lambda row: row.day)


def _ledger_form(rng: random.Random) -> str:
    """Most offices export CSV from Excel; some still save GB18030, some send the workbook."""
    draw = rng.randint(1, 100)
    return "utf-8-sig" if draw <= 70 else "gb18030" if draw <= 85 else "xlsx"


# ---------------------------------------------------------------------------------------
# Targets

# indicator -> comparator and threshold as written in the target contract
_RATE_TARGETS: dict[str, tuple[str, str]] = {
    "check_rate": ("≥", "90"),
    "policy_birth_rate": ("≥", "93"),
    "sex_ratio": ("range", "103-107"),
    "visit_coverage": ("≥", "95"),
    "birth_rate": ("≤", "12"),
    "maternal_mortality": ("≤", "10"),
}


def _targets(rng: random.Random, units: list[_Unit], years: tuple[int, int]) -> list[tuple[str, ...]]:
    """Every unit's contract for both years, except a few units that never handed one in."""
    communities = [unit for unit in units if unit.level == "community"]
    streets = [unit for unit in units if unit.level == "street"]
    rows: list[tuple[str, ...]] = []
    for year_index, year in enumerate(years):
        per_community = _TRAINING_TARGETS[year_index]
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
            plan = dict(_RATE_TARGETS, training_sessions=("≥", str(training[unit.code])))
            if unit.code == partial:  # this street's contract left out two indicators
                del plan["visit_coverage"], plan["birth_rate"]
            rows += [(unit.code, str(year), key, comparator, value)
                     for key, (comparator, value) in plan.items()]
    return rows


# ---------------------------------------------------------------------------------------
# The flawed supplementary ledger

def _flawed_rows(code: str, year: int) -> list[list[str]]:
    """Two good rows and four that an import must reject, the way clerks get them wrong."""
    digits = str(year)
    typo = int(digits[:2] + digits[3] + digits[2])  # 2025 typed as 2052
    future = typo if typo > year else year + 30
    return [
        [code, f"{year}-11-06", "宣传", "入户发放计生政策宣传资料", "", "", "", "260", "", "补录"],
        [code, f"{year}-11-12", "文艺汇演", "社区计生协文艺汇演", "1", "180", "", "", "", "补录"],
        [code, f"{year}-11-15", "培训", "育龄妇女生殖健康知识补训", "1", "-35", "", "", "", "补录"],
        [code, f"{future}-11-20", "入户走访", "避孕药具随访", "", "", "12", "", "", "补录"],
        [code, f"{year}-11-18", "讲座", "孕期营养与保健讲座", "1", "约50", "", "", "", "补录"],
        [code, f"{year}-11-19", "检查", "孕环情漏查对象补查", "1", "16", "", "", "", "补录"],
    ]


# ---------------------------------------------------------------------------------------
# The whole data set, drawn in one fixed order

@dataclass(frozen=True)
class _Demo:
    units: list[_Unit]
    ledgers: list[_Ledger]
    figures: list[tuple[str, int, str, int]]
    targets: list[tuple[str, ...]]
    flawed_unit: _Unit


def _build(years: tuple[int, int], seed: int) -> _Demo:
    rng = random.Random(seed)
    units = _unit_tree(rng)
    streets = [unit for unit in units if unit.level == "street"]
    weak_street = rng.choice(streets).code
    communities = [unit for unit in units if unit.level == "community"]
    profiles = {unit.code: _profile(rng, unit.parent_code == weak_street) for unit in communities}
    own_kinds = {"district": _DISTRICT_KINDS, "street": _STREET_KINDS, "department": _DEPARTMENT_KINDS}

    ledgers: list[_Ledger] = []
    figures: list[tuple[str, int, str, int]] = []
    population = {code: profile.population for code, profile in profiles.items()}
    for year_index, year in enumerate(years):
        death = rng.choice(communities).code  # a maternal death is rare: one community a year
        for unit in units:
            if unit.level != "community":
                rows = _own_rows(rng, unit, year, own_kinds[unit.level])
                ledgers.append(_Ledger(unit, year, _ledger_form(rng), rows))
                continue
            if year_index:
                population[unit.code] = population[unit.code] * rng.randint(985, 1035) // 1000
            plan = _plan(rng, profiles[unit.code], population[unit.code], year_index, unit.code == death)
            figures += [(unit.code, year, key, plan.figures[key]) for key in _FIGURE_KEYS]
            rows = _community_rows(rng, unit, year, year_index, profiles[unit.code], plan)
            ledgers.append(_Ledger(unit, year, _ledger_form(rng), rows))
    targets = _targets(rng, units, years)
    flawed = rng.choice(communities)
    # The women's federation line, from its own random stream (wenshu.demo.women).
    from wenshu.demo.women import women_data

    women_ledgers, women_figures = women_data(units, years, seed)
    return _Demo(units, ledgers + women_ledgers, figures + women_figures, targets, flawed)


# ---------------------------------------------------------------------------------------
# Writing the files

_Cell = str | int | Decimal | date | None


def _check_catalogue(catalogue: Catalogue) -> None:
    """The demo draws the shipped types, figures and indicators; say so if one is missing."""
    kinds = [*_COMMUNITY_KINDS, *_STREET_KINDS, *_DISTRICT_KINDS, *_DEPARTMENT_KINDS]
    missing = [key for key in kinds if key not in catalogue.activities]
    missing += [key for key in _FIGURE_KEYS if key not in catalogue.figures]
    missing += [key for key in (*_RATE_TARGETS, "training_sessions") if key not in catalogue.indicators]
    if missing:
        names = ", ".join(dict.fromkeys(missing))
        raise CatalogueError(f"the demo data needs catalogue entries that are missing: {names}")


def _cells(row: _Row, catalogue: Catalogue) -> list[_Cell]:
    """The row as ledger cells, keeping only the measures its type records."""
    kind = catalogue.activities[row.kind]
    values = dict(row.measures)
    for measure in kind.measures:
        if measure.required and measure.column not in values:
            raise CatalogueError(f"the demo data cannot fill the required {measure.label} of {kind.label}")
    measures = [values.get(column) if kind.measure(column) else None for column in MEASURE_COLUMNS]
    return [row.unit_code, row.day, kind.label, row.title, *measures, row.notes or None]


def _text(cell: _Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, Decimal):
        return str(int(cell)) if cell == cell.to_integral_value() else f"{cell:.2f}"
    return str(cell)


def _write_csv(path: Path, rows: Sequence[Sequence[str]], encoding: str) -> None:
    buffer = io.StringIO()
    # Formula-like text is quoted; the importers take the quote off again.
    csv.writer(buffer).writerows(csv_row(row) for row in rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def _write_xlsx(path: Path, rows: Sequence[Sequence[_Cell]], saved: datetime) -> None:
    """A workbook with real date cells; its metadata and zip entries carry ``saved``, not now."""
    book = Workbook()
    sheet = book.active
    sheet.title = "工作台账"
    for row in rows:
        append_row(sheet, row)  # text stays text, never a formula
    book.properties.creator = book.properties.last_modified_by = "台账管理员"
    book.properties.created = book.properties.modified = saved
    raw = io.BytesIO()
    # openpyxl's save() stamps the current time; its writer with our own archive does not.
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    stamped = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(stamped, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=saved.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    path.write_bytes(stamped.getvalue())


def _write_ledger(inbox: Path, ledger: _Ledger, catalogue: Catalogue) -> None:
    folder = inbox / ledger.unit.code
    folder.mkdir(parents=True, exist_ok=True)
    rows = [list(LEDGER_HEADER), *(_cells(row, catalogue) for row in ledger.rows)]
    stem = f"{ledger.unit.name}{ledger.year}年{ledger.name}"
    if ledger.form == "xlsx":
        last_day = min(date(ledger.year, 12, 31), LAST_LEDGER_DAY)
        _write_xlsx(folder / f"{stem}.xlsx", rows, datetime.combine(last_day, time(17, 30)))
    else:
        _write_csv(folder / f"{stem}.csv", [[_text(cell) for cell in row] for row in rows], ledger.form)


def generate_demo(out_dir: Path, *, years: tuple[int, int] = (2024, 2025), seed: int = 9704,
                  catalogue: Catalogue | None = None) -> DemoFiles:
    """Write the demo district's input files into ``out_dir`` (which must be empty or new).

    Writes ``units.csv``, ``figures.csv``, ``targets.csv`` and ``inbox/<unit_code>/`` with one
    ledger per unit per year, plus ``补录台账_<latest year>.csv`` for one community: a
    supplementary ledger with bad rows that an import must reject.
    """
    first, latest = years
    if not first < latest <= LAST_LEDGER_DAY.year:
        raise WenshuError(f"demo years must be two ascending years up to {LAST_LEDGER_DAY.year}, got {years}")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise WenshuError(f"{out_dir} is not empty; the demo writes into a new or empty folder")
    catalogue = catalogue or load_catalogue()
    _check_catalogue(catalogue)
    demo = _build(years, seed)

    inbox = out_dir / "inbox"
    inbox.mkdir(parents=True)
    files = DemoFiles(out_dir / "units.csv", out_dir / "figures.csv", out_dir / "targets.csv",
                      inbox, years, DISTRICT_CODE)
    units = [(unit.code, unit.name, unit.level, unit.parent_code or "", unit.organ)
             for unit in demo.units]
    _write_csv(files.units_csv, [("code", "name", "level", "parent_code", "organ"), *units],
               "utf-8")
    figures = [(code, str(year), key, str(value)) for code, year, key, value in demo.figures]
    _write_csv(files.figures_csv, [("unit_code", "year", "key", "value"), *figures], "utf-8")
    targets = [("unit_code", "year", "indicator", "comparator", "value"), *demo.targets]
    _write_csv(files.targets_csv, targets, "utf-8")
    for ledger in demo.ledgers:
        _write_ledger(inbox, ledger, catalogue)
    _write_csv(inbox / demo.flawed_unit.code / f"补录台账_{latest}.csv",
               [LEDGER_HEADER, *_flawed_rows(demo.flawed_unit.code, latest)], "utf-8-sig")
    return files
