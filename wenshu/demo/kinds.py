"""Activity types as each unit level records them in the demo: topics, row counts, measures.

A :class:`ActivityKind` says which titles a level writes for one type, how many rows a year it
keeps, and how one row's measures are drawn. The community, street, district and
department tables list the types the demo's ledgers hold.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from wenshu.demo.draws import chance, draw_money

__all__ = ["COMMUNITY_KINDS", "DEPARTMENT_KINDS", "DISTRICT_KINDS", "STREET_KINDS", "ActivityKind",
           "Measures", "single_events", "trainings"]

Measures = dict[str, int | Decimal | None]  # one row's measures by ledger column
_Draw = Callable[[random.Random, int | None], Measures]
_Topic = tuple[str, tuple[int, ...]]  # title, months it happens in (empty: any)


@dataclass(frozen=True)
class ActivityKind:
    """How one unit level records one activity type: its topics and how big a row is."""

    topics: tuple[_Topic, ...]
    draw: _Draw  # the row's measures, given the controlled measure's share if any
    rows: tuple[int, int] = (0, 0)  # rows a year, besides the monthly ones
    monthly: str = ""  # a title with {month}: one row every month before the topics


def trainings(low: int, high: int) -> _Draw:
    """Sessions (one to two a row unless planned), each with ``low``-``high`` trainees."""
    def draw(rng: random.Random, sessions: int | None) -> Measures:
        sessions = sessions if sessions is not None else rng.choice((1, 1, 1, 2))
        participants = sum(rng.randint(low, high) for _ in range(sessions))
        return {"sessions": sessions, "participants": participants}
    return draw


def _publicity(low: int, high: int, audience: int) -> _Draw:
    def draw(rng: random.Random, _: int | None) -> Measures:
        return {
            "materials": rng.randint(low // 10, high // 10) * 10,
            "sessions": 1 if chance(rng, 70) else None,
            "participants": rng.randint(audience // 4, audience) if chance(rng, 60) else None,
        }
    return draw


def single_events(low: int, high: int, fill: int) -> _Draw:
    """One session a row; the attendance is written down ``fill`` % of the time."""
    def draw(rng: random.Random, _: int | None) -> Measures:
        return {"sessions": 1,
                "participants": rng.randint(low, high) if chance(rng, fill) else None}
    return draw


def _headcount(low: int, high: int) -> _Draw:
    """People served is the record; the session is noted most of the time."""
    def draw(rng: random.Random, people: int | None) -> Measures:
        people = people if people is not None else rng.randint(low, high)
        return {"participants": people, "sessions": 1 if chance(rng, 70) else None}
    return draw


def _visits(rng: random.Random, households: int | None) -> Measures:
    households = households if households is not None else rng.randint(3, 25)
    served = households + rng.randint(0, households) if chance(rng, 60) else None
    return {"households": households, "participants": served}


def _aid(low: int, high: int) -> _Draw:
    def draw(rng: random.Random, _: int | None) -> Measures:
        households = rng.randint(low, high)
        per_household = draw_money(rng, 500, 3000)
        return {"households": households,
                "amount": households * per_household if chance(rng, 90) else None}
    return draw


def _certificates(rng: random.Random, issued: int | None) -> Measures:
    return {"materials": issued if issued is not None else rng.randint(5, 40)}


def _funds(low: int, high: int) -> _Draw:
    def draw(rng: random.Random, _: int | None) -> Measures:
        return {"amount": draw_money(rng, low, high)}
    return draw


COMMUNITY_KINDS: dict[str, ActivityKind] = {
    "check": ActivityKind(
        (("育龄妇女孕环情检查", ()), ("流动育龄妇女孕环情检查", ()), ("孕前优生健康检查", ()),
         ("已婚育龄妇女生殖健康检查", ()), ("孕环情漏查对象补查", (11, 12))),
        _headcount(10, 150),
        rows=(8, 12),
    ),
    "household_visit": ActivityKind(
        (("避孕药具随访", ()), ("计生特殊家庭走访", ()), ("流动育龄妇女入户核查", ()),
         ("产妇产后访视", ()), ("新婚家庭婚育服务随访", ()), ("育龄妇女信息核查入户", ()),
         ("送避孕药具上门", ()), ("计生困难家庭上门探访", ())),
        _visits,
        rows=(24, 34),
    ),
    "training": ActivityKind(
        (("计生专干业务能力培训", ()), ("育龄妇女生殖健康知识培训", ()),
         ("流动人口计生政策法规培训", ()),
         ("计生协会会员骨干培训", ()), ("家庭健康指导员培训", ()), ("青春健康同伴教育培训", ()),
         ("婴幼儿照护技能培训", ()), ("优生优育知识培训", ()), ("计生志愿者服务技能培训", ()),
         ("孕产期保健知识培训", ())),
        trainings(20, 80),
    ),
    "certificates": ActivityKind(
        (("办理流动人口婚育证明", ()), ("办理独生子女父母光荣证", ())),
        _certificates,
        rows=(0, 2),
        monthly="{month}月份生育服务登记办理",
    ),
    "publicity": ActivityKind(
        (("流动人口计生政策宣传", ()), ("新婚夫妇优生优育宣传", ()), ("世界人口日主题宣传", (7,)),
         ("“5·29”计生协会员活动日宣传", (5,)), ("出生缺陷预防知识宣传", (9,)),
         ("世界艾滋病日防艾宣传", (12,)), ("“三八”妇女节维权宣传", (3,)),
         ("避孕节育知情选择宣传", ()),
         ("婚育新风进万家宣传", ()), ("生育政策解读宣传", ()), ("家庭健康知识宣传", ()),
         ("计生惠民政策宣传", ()), ("社区宣传栏内容更新", ()), ("楼道宣传板张贴", ())),
        _publicity(100, 800, 500),
        rows=(22, 32),
    ),
    "lecture": ActivityKind(
        (("优生优育健康讲座", ()), ("更年期保健知识讲座", ()), ("青春期健康教育讲座", ()),
         ("婴幼儿科学喂养讲座", ()), ("生殖健康知识讲座", ()), ("孕期营养与保健讲座", ()),
         ("家庭教育专题讲座", ()), ("男性生殖健康讲座", ()), ("慢性病防治知识讲座", ())),
        single_events(30, 120, 90),
        rows=(6, 12),
    ),
    "consultation": ActivityKind(
        (("生殖健康咨询义诊", ()), ("计生政策咨询", ()), ("优生优育咨询", ()),
         ("避孕节育咨询服务", ()),
         ("妇幼保健义诊", ()), ("社区健康义诊", ()), ("婚育心理咨询", ())),
        _headcount(20, 150),
        rows=(8, 14),
    ),
    "aid": ActivityKind(
        (("计生困难家庭春节慰问", (1, 2)), ("计生特殊家庭中秋慰问", (9,)),
         ("独生子女伤残死亡家庭帮扶", ()),
         ("母亲节慰问贫困母亲", (5,)), ("计生困难户临时救助", ()), ("重阳节慰问计生老人", (10,)),
         ("“六一”慰问困难家庭儿童", (6,)), ("年终走访慰问计生困难家庭", (12,))),
        _aid(2, 15),
        rows=(4, 8),
    ),
    "meeting": ActivityKind(
        (("计生协会理事会议", (3, 6, 9, 12)), ("居民计生自治小组会议", ()),
         ("计生工作民主评议会", (11, 12)),
         ("半年工作推进会", (6, 7))),
        single_events(8, 40, 80),
        rows=(2, 4),
        monthly="{month}月份计生工作例会",
    ),
    "volunteering": ActivityKind(
        (("计生志愿者关爱特殊家庭", ()), ("志愿者入户发放宣传资料", ()),
         ("关爱留守儿童志愿服务", ()),
         ("敬老助老志愿服务", ()), ("计生志愿者陪同就医", ()), ("社区环境整治志愿服务", ())),
        _headcount(5, 40),
        rows=(8, 14),
    ),
    "funds": ActivityKind(
        (("生育关怀基金募集", ()), ("辖区企业捐赠计生帮扶资金", ()), ("计生协会会员爱心捐款", ())),
        _funds(5_000, 50_000),
        rows=(0, 2),
    ),
}

STREET_KINDS: dict[str, ActivityKind] = {
    "meeting": ActivityKind(
        (("街道人口计生工作部署会", (1, 2, 3)), ("计生目标责任制考核推进会", (6, 7, 11)),
         ("流动人口服务管理联席会议", ()), ("街道计生协会工作会议", ())),
        single_events(15, 60, 90),
        rows=(2, 4),
        monthly="{month}月份社区计生专干例会",
    ),
    "training": ActivityKind(
        (("社区计生专干业务培训", ()), ("计生统计信息员培训", ()), ("社区计生协秘书长培训", ()),
         ("家庭健康服务骨干培训", ())),
        trainings(30, 120),
        rows=(4, 8),
    ),
    "funds": ActivityKind(
        (("生育关怀基金募集", ()), ("辖区企业计生帮扶捐赠", ())),
        _funds(20_000, 200_000),
        rows=(1, 3),
    ),
    "publicity": ActivityKind(
        (("街道大型广场宣传活动", ()), ("世界人口日广场咨询宣传", (7,)),
         ("“5·29”会员活动日主题宣传", (5,)),
         ("工业园区流动人口政策宣传", ())),
        _publicity(1000, 5000, 2000),
        rows=(8, 14),
    ),
}

DISTRICT_KINDS: dict[str, ActivityKind] = {
    "meeting": ActivityKind(
        (("全区人口计生工作会议", (1, 2, 3)), ("全区计生协工作会议", ()),
         ("季度目标考核推进会", (3, 6, 9, 12)),
         ("卫生计生部门联席会议", ()), ("半年工作总结会", (7,)), ("年度考核部署会", (11, 12))),
        single_events(40, 200, 90),
        rows=(8, 12),
    ),
    "training": ActivityKind(
        (("全区计生专干业务培训", ()), ("统计骨干业务培训", ()), ("青春健康教育骨干培训", ()),
         ("计生协工作人员能力建设培训", ())),
        trainings(80, 300),
        rows=(4, 8),
    ),
    "funds": ActivityKind(
        (("生育关怀基金募集", ()), ("区财政计生协专项经费", ()), ("社会爱心企业捐赠", ())),
        _funds(100_000, 600_000),
        rows=(2, 4),
    ),
    "publicity": ActivityKind(
        (("全区世界人口日主题宣传", (7,)), ("全区婚育新风进万家活动", ()),
         ("“5·29”会员活动日全区宣传", (5,)),
         ("健康素养资料集中发放", ())),
        _publicity(3000, 20000, 5000),
        rows=(6, 10),
    ),
}

DEPARTMENT_KINDS: dict[str, ActivityKind] = {
    "training": ActivityKind(
        (("妇女创业就业技能培训", ()), ("基层妇联干部培训", ()), ("家庭教育指导师培训", ())),
        trainings(40, 150),
        rows=(4, 8),
    ),
    "publicity": ActivityKind(
        (("男女平等基本国策宣传", ()), ("“三八”妇女维权周宣传", (3,)), ("反家庭暴力法宣传", ())),
        _publicity(500, 3000, 1500),
        rows=(6, 10),
    ),
    "aid": ActivityKind(
        (("春节慰问困难妇女", (1, 2)), ("“两癌”患病妇女救助", ()), ("母亲节慰问贫困母亲", (5,))),
        _aid(10, 60),
        rows=(3, 5),
    ),
    "meeting": ActivityKind(
        (("妇联执委会议", ()), ("妇女儿童工作联席会议", ()), ("巾帼志愿服务推进会", ())),
        single_events(15, 60, 80),
        rows=(6, 10),
    ),
}
