"""Helpers every kind's wording shares: variant choice, scope words, numbered items."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from wenshu.generators.numbers import heading_number

# What the office's documents are about, unless a kind is told otherwise.
DEFAULT_TOPIC = "人口和计划生育工作"
# How a document names the whole of the issuing unit's area: 全区共开展…
SCOPE = {"district": "全区", "street": "全街道", "community": "全社区", "department": "本单位"}
# What the units one level down are called: 各街道, 3个社区 …
LEVEL_NOUN = {"street": "街道", "community": "社区", "department": "部门"}


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
