"""Helpers every kind's wording shares: variant choice, scope words, numbered items."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from wenshu.compute.snapshot import UnitInfo
from wenshu.generators.numbers import heading_number
from wenshu.models.catalogue import read_yaml_mapping
from wenshu.models.lines import Line

# What the office's documents are about, unless a kind is told otherwise.
DEFAULT_TOPIC = "人口和计划生育工作"
# How a document names the whole of the issuing unit's area: 全区共开展…
SCOPE = {"district": "全区", "street": "全街道", "community": "全社区", "department": "本单位"}
# What the units one level down are called: 各街道, 3个社区 …
LEVEL_NOUN = {"street": "街道", "community": "社区", "department": "部门"}


def issuing_organ(unit: UnitInfo, line: Line | None = None) -> str:
    """Who signs ``unit``'s documents: the line's organ for the level when it names one
    (龙岗区妇女联合会), else the unit's 署名 when the units file gives one, else its name with
    its level's organ (东城街道办事处, 示范区人民政府; a department signs as itself)."""
    by_line = line.organ(unit.name, unit.level) if line is not None else None
    if by_line:
        return by_line
    if unit.organ:
        return unit.organ
    suffix = _level_organs().get(unit.level, "")
    return unit.name if unit.name.endswith(suffix) else f"{unit.name}{suffix}"


@lru_cache(maxsize=1)
def _level_organs() -> dict[str, str]:
    path = Path(str(files("wenshu") / "data" / "organs.yaml"))
    return {str(level): str(word or "") for level, word in
            (read_yaml_mapping(path).get("levels") or {}).items()}


def pick(options: Sequence[str], *keys: object) -> str:
    """One of ``options``, chosen by a hash of ``keys``: the same inputs always give the same
    words, while documents side by side do not all read alike."""
    digest = hashlib.sha256("|".join(map(str, keys)).encode("utf-8")).digest()
    return options[digest[0] % len(options)]


def scope_word(level: str) -> str:
    """全区 / 全街道 / 全社区 / 本单位 for a unit's level."""
    return SCOPE.get(level, "本单位")


def level_noun(levels: Iterable[str], default: str = "单位") -> str:
    """The noun for units of these levels: 街道 when all are streets, else ``default``."""
    distinct = set(levels)
    return LEVEL_NOUN.get(distinct.pop(), default) if len(distinct) == 1 else default


def numbered(items: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """Prefix each {lead, text} item with 1. 2. …; an item without a lead is numbered in its text."""
    result = []
    for n, item in enumerate(items, start=1):
        prefix = heading_number(3, n)
        if item["lead"]:
            result.append({"lead": f"{prefix}{item['lead']}", "text": item["text"]})
        else:
            result.append({"lead": "", "text": f"{prefix}{item['text']}"})
    return result


def nest_quotes(text: str) -> str:
    """Quotation marks paired by depth (GB/T 15834): “” outside, ‘’ inside, “” again deeper.

    A title in quotes that carries its own quotes, “““六一”慰问”, reads “‘六一’慰问”.
    A closing mark with nothing open (an apostrophe) is left as it is.
    """
    out, depth = [], 0
    for char in text:
        if char in "“‘":
            out.append("‘" if depth % 2 else "“")
            depth += 1
        elif char in "”’" and depth:
            depth -= 1
            out.append("’" if depth % 2 else "”")
        else:
            out.append(char)
    return "".join(out)


def typeset(value: Any) -> Any:
    """``value`` (a context, or any part of one) with :func:`nest_quotes` on every string."""
    if isinstance(value, str):
        return nest_quotes(value)
    if isinstance(value, Mapping):
        return {key: typeset(item) for key, item in value.items()}
    # Exactly list or tuple: a named tuple turned into a list would lose its fields.
    if type(value) in (list, tuple):
        return [typeset(item) for item in value]
    return value
