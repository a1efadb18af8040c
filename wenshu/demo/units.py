"""The demo district's unit tree: the district, its streets and their communities, one department.

Codes and names are fixed except the communities' names and which street has an extra
community, both drawn from the demo's random stream.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["DISTRICT_CODE", "DemoUnit", "unit_tree"]

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

_NAME_HEADS = "新华和安福康龙凤金丰富长永宝清石南东西北樟荔榕沙乐嘉盛兴祥瑞横鹤"
_NAME_TAILS = "园湖山岭塘坑围田岗坪湾溪林苑城桥埔坳背坝岸"


@dataclass(frozen=True)
class DemoUnit:
    """One unit of the demo district: its code, name, level and parent."""

    code: str
    name: str
    level: str
    parent_code: str | None
    organ: str = ""  # 署名; "" lets documents sign with the level's organ (…街道办事处)


def unit_tree(rng: random.Random) -> list[DemoUnit]:
    """District, streets with their communities (one street has an extra one), department."""
    big_street = rng.randrange(len(_STREET_NAMES))
    pairs = [head + tail for head in _NAME_HEADS for tail in _NAME_TAILS if head != tail]
    names = iter(rng.sample(pairs, _COMMUNITIES_PER_STREET * len(_STREET_NAMES) + 1))
    # The district's documents are signed by its health bureau, never by the area.
    units = [DemoUnit(DISTRICT_CODE, _DISTRICT_NAME, "district", None, _DISTRICT_ORGAN)]
    for index, street_name in enumerate(_STREET_NAMES):
        street_code = f"{DISTRICT_CODE}{index + 1:03d}"
        units.append(DemoUnit(street_code, street_name, "street", DISTRICT_CODE))
        count = _COMMUNITIES_PER_STREET + (index == big_street)
        for number in range(1, count + 1):
            units.append(DemoUnit(f"{street_code}{number:03d}", f"{next(names)}社区", "community",
                               street_code))
    units.append(DemoUnit(_DEPARTMENT_CODE, _DEPARTMENT_NAME, "department", DISTRICT_CODE))
    return units
