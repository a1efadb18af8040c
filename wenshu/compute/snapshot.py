"""The plain data a summary is computed from, loaded once per run.

A :class:`Snapshot` holds one unit's subtree for two years: ledger totals per
unit, activity type and title, base figures and targets. It is what gets
hashed to decide whether a document's inputs changed.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict

from wenshu.models.catalogue import TargetSpec


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class UnitInfo(_Frozen):
    """A unit of the tree."""

    code: str
    name: str
    level: str
    parent_code: str | None = None
    organ: str = ""  # 署名: the issuing organ that signs its documents; "" when not given


class LedgerTotal(_Frozen):
    """Ledger rows of one unit, month, activity type and title, summed."""

    unit_code: str
    year: int
    month: int
    activity_type: str
    title: str
    records: int
    sessions: int = 0
    participants: int = 0
    households: int = 0
    materials: int = 0
    amount: Decimal = Decimal(0)


class FigureValue(_Frozen):
    """A base figure a unit reported for a year."""

    unit_code: str
    year: int
    key: str
    value: Decimal


class TargetValue(_Frozen):
    """A target a unit signed for a year."""

    unit_code: str
    year: int
    indicator: str
    spec: TargetSpec


class Snapshot(_Frozen):
    """A subtree's inputs for ``year`` and the year before (targets also for the year after)."""

    root_code: str
    year: int
    units: tuple[UnitInfo, ...]
    ledger: tuple[LedgerTotal, ...] = ()
    figures: tuple[FigureValue, ...] = ()
    targets: tuple[TargetValue, ...] = ()

    @cached_property
    def unit_map(self) -> dict[str, UnitInfo]:
        """Units by code."""
        return {u.code: u for u in self.units}

    @cached_property
    def children(self) -> dict[str, list[str]]:
        """Child codes per unit code, in code order."""
        result: dict[str, list[str]] = defaultdict(list)
        for unit in sorted(self.units, key=lambda u: u.code):
            if unit.parent_code is not None and unit.parent_code in self.unit_map:
                result[unit.parent_code].append(unit.code)
        return result

    def subtree(self, code: str) -> list[str]:
        """``code`` and all its descendants, parents before children."""
        return walk_subtree(self.children, code)

    @cached_property
    def _ledger_by_unit(self) -> dict[str, list[LedgerTotal]]:
        by_unit: dict[str, list[LedgerTotal]] = defaultdict(list)
        for total in self.ledger:
            by_unit[total.unit_code].append(total)
        return by_unit

    def subtree_ledger(self, code: str) -> list[LedgerTotal]:
        """The ledger totals of ``code`` and its descendants (a batch asks this per unit:
        read through an index by unit, not the whole ledger each time)."""
        return [total for member in self.subtree(code)
                for total in self._ledger_by_unit.get(member, ())]

    def restrict(self, code: str) -> Snapshot:
        """The part of the snapshot a document for ``code`` depends on."""
        keep = set(self.subtree(code))
        return Snapshot(
            root_code=code,
            year=self.year,
            units=tuple(u for u in self.units if u.code in keep),
            ledger=tuple(self.subtree_ledger(code)),
            figures=tuple(f for f in self.figures if f.unit_code in keep),
            targets=tuple(t for t in self.targets if t.unit_code in keep),
        )

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> Snapshot:
        """A copy (with ``update``), without what was cached from the original's fields."""
        copied = super().model_copy(update=update, deep=deep)
        for name, member in vars(Snapshot).items():
            if isinstance(member, cached_property):
                copied.__dict__.pop(name, None)
        return copied

    def digest(self) -> str:
        """SHA-256 of a canonical serialisation (order-independent): the JSON of the
        snapshot with every list sorted by its items' own JSON, keys sorted, compact."""
        return self._digest(self.root_code, None)

    def subtree_digest(self, code: str) -> str:
        """``restrict(code).digest()``, without building the restricted snapshot: a batch
        asks this for every unit, and each item is serialised once per snapshot."""
        return self._digest(code, set(self.subtree(code)))

    @cached_property
    def _canonical_items(self) -> dict[str, dict[str, list[tuple[int, str]]]]:
        """Per list, per unit code: (place in the digest's order, canonical JSON) of its
        items."""
        lists: dict[str, dict[str, list[tuple[int, str]]]] = {}
        for key in _DIGEST_LISTS:
            rows = []
            for item in getattr(self, key):
                dumped = item.model_dump(mode="json")
                code = dumped["code"] if key == "units" else dumped["unit_code"]
                rows.append((json.dumps(dumped, sort_keys=True), code, _canonical(dumped)))
            # Equal sort keys are equal items, so the order among them does not matter.
            rows.sort(key=lambda row: row[0])
            by_unit: dict[str, list[tuple[int, str]]] = defaultdict(list)
            for place, (_, code, text) in enumerate(rows):
                by_unit[code].append((place, text))
            lists[key] = by_unit
        return lists

    def _digest(self, root_code: str, keep: set[str] | None) -> str:
        fields = {"root_code": _canonical(root_code), "year": _canonical(self.year)}
        for key, by_unit in self._canonical_items.items():
            rows = sorted(row for code, unit_rows in by_unit.items()
                          if keep is None or code in keep for row in unit_rows)
            fields[key] = "[" + ",".join(text for _, text in rows) + "]"
        # What json.dumps(sort_keys=True) writes for a dict of these values.
        canonical = "{" + ",".join(f"{_canonical(key)}:{fields[key]}"
                                   for key in sorted(fields)) + "}"
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_DIGEST_LISTS = ("units", "ledger", "figures", "targets")


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def walk_subtree(children: Mapping[str, list[str]], root: str) -> list[str]:
    """``root`` and its descendants depth-first, parents before children."""
    order, stack = [], [root]
    while stack:
        current = stack.pop()
        order.append(current)
        stack.extend(reversed(children.get(current, [])))
    return order

