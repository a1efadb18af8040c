"""What an inspection rests on, as plain data, and each unit's score from it.

Everything an inspection document reads travels in ``DocumentOptions.spec`` as plain
data (:func:`report_spec`, :func:`bulletin_spec`), so it is part of each document's
input digest: the checklist, the inspection date, each unit's answers and archive
holdings, the previous inspection's, and for a unit's report its place in the ranking.
Scoring uses :mod:`wenshu.compute.checklist`; nothing here touches the database or files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from wenshu.compute.checklist import (
    ArchiveHoldings,
    ChecklistScore,
    Finding,
    FollowUp,
    findings,
    follow_up,
    score_checklist,
)
from wenshu.compute.ranking import Ranked, rank_totals
from wenshu.compute.snapshot import Snapshot
from wenshu.compute.summary import Rollup
from wenshu.models.catalogue import Catalogue
from wenshu.models.checklist import (
    Answer,
    Checklist,
    answers_as_plain,
    answers_from_plain,
)
from wenshu.periods import Period


@dataclass(frozen=True)
class UnitRecord:
    """What an inspection holds for one unit: the inspectors' answers and its archive."""

    answers: Mapping[str, Answer]
    archive: ArchiveHoldings

    def plain(self) -> dict[str, Any]:
        """As plain data for a document's spec (hashed into its inputs)."""
        return {"answers": answers_as_plain(self.answers),
                "archive": [[kind, period, status]
                            for (kind, period), status in sorted(self.archive.items())]}

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> UnitRecord:
        """Back from :meth:`plain`."""
        return cls(answers_from_plain(data["answers"]),
                   {(kind, period): status for kind, period, status in data["archive"]})


@dataclass(frozen=True)
class Place:
    """A unit's place in the ranking: rank (1 is best), out of how many, tied with whom."""

    rank: int
    of: int
    tied: tuple[str, ...] = ()  # the names of the other units sharing the rank
    noun: str = ""  # what the units inspected are called (社区, 街道); "" for the book's word

    def plain(self) -> dict[str, Any]:
        """As plain data for a document's spec."""
        return {"rank": self.rank, "of": self.of, "tied": list(self.tied), "noun": self.noun}

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> Place:
        """Back from :meth:`plain`."""
        return cls(data["rank"], data["of"], tuple(data["tied"]), data["noun"])


def report_spec(checklist: Checklist, inspected_on: date, issuer: str, record: UnitRecord,
                place: Place, previous: tuple[Period, UnitRecord] | None = None
                ) -> dict[str, Any]:
    """The ``DocumentOptions.spec`` of one unit's 检查情况反馈意见.

    ``issuer`` is the inspecting unit's name; ``previous`` the earlier inspection's
    period and this unit's record in it, for a follow-up.
    """
    return {"checklist": checklist.model_dump(mode="json"),
            "inspected_on": inspected_on.isoformat(),
            "issuer": issuer, "unit": record.plain(), "place": place.plain(),
            "previous": None if previous is None else {"period": previous[0].code,
                                                       "unit": previous[1].plain()}}


def bulletin_spec(checklist: Checklist, inspected_on: date, records: Mapping[str, UnitRecord],
                  previous: tuple[Period, Mapping[str, UnitRecord]] | None = None
                  ) -> dict[str, Any]:
    """The ``DocumentOptions.spec`` of an inspection's 检查情况通报: every unit's record
    (by unit code) and, for a follow-up, the earlier inspection's period and records."""
    return {"checklist": checklist.model_dump(mode="json"),
            "inspected_on": inspected_on.isoformat(),
            "units": {code: record.plain() for code, record in sorted(records.items())},
            "previous": None if previous is None else {
                "period": previous[0].code,
                "units": {code: r.plain() for code, r in sorted(previous[1].items())}}}


@dataclass(frozen=True)
class UnitInspection:
    """One unit's inspection: score, findings and (in a follow-up) the earlier findings."""

    code: str
    name: str
    score: ChecklistScore
    findings: tuple[Finding, ...]
    # Every item the earlier inspection found not fully met, as it stands now; None when
    # the inspection is no follow-up or the unit was not inspected the time before.
    follow_ups: tuple[FollowUp, ...] | None = None
    earlier: Mapping[str, Finding] | None = None  # the earlier findings, by item key

    @property
    def total(self) -> Decimal:
        """The unit's total."""
        return self.score.earned

    @property
    def lost(self) -> Decimal:
        """Points lost in all."""
        return sum((f.lost for f in self.findings), Decimal(0))

    def still_open(self, key: str) -> bool:
        """Whether the earlier inspection already found the item not met and it still is not."""
        return any(f.before.item.key == key and not f.rectified for f in self.follow_ups or ())


def period_months(period: Period) -> frozenset[int]:
    """The ledger months a period's figures count (January to the period's end)."""
    return frozenset(range(1, period.end.month + 1))


def inspect_unit(checklist: Checklist, record: UnitRecord, catalogue: Catalogue, rollup: Rollup,
                 code: str, name: str, period: Period, inspected_on: date,
                 previous: tuple[Period, UnitRecord, Rollup] | None = None) -> UnitInspection:
    """Score one unit, list its findings, and set them beside the earlier inspection's.

    ``rollup`` covers the unit's subtree for ``period``; ``previous`` is the earlier
    inspection's period, the unit's record then, and a rollup for that period.
    """
    score = score_checklist(checklist, record.answers, catalogue, rollup, code,
                            period.start.year, archive=record.archive)
    found = tuple(findings(score, inspected_on))
    if previous is None:
        return UnitInspection(code, name, score, found)
    before_period, before_record, before_rollup = previous
    before = score_checklist(checklist, before_record.answers, catalogue, before_rollup, code,
                             before_period.start.year, archive=before_record.archive)
    # The earlier findings' evidence; their deadlines are not restated here.
    earlier = {f.item.key: f for f in findings(before, before_period.end)}
    return UnitInspection(code, name, score, found, tuple(follow_up(before, score)), earlier)


def inspect_units(checklist: Checklist, records: Mapping[str, UnitRecord], catalogue: Catalogue,
                  snapshot: Snapshot, period: Period, inspected_on: date,
                  previous: tuple[Period, Mapping[str, UnitRecord]] | None = None,
                  rollup: Rollup | None = None) -> list[UnitInspection]:
    """Every unit of ``records`` inspected (in code order), each against its earlier record
    when ``previous`` has one. ``snapshot`` holds every unit's subtree."""
    rollup = rollup or Rollup(snapshot, period_months(period))
    before = None
    if previous is not None:
        before = (previous[0], previous[1], Rollup(snapshot, period_months(previous[0])))
    units = []
    for code in sorted(records):
        earlier = None
        if before is not None and code in before[1]:
            earlier = (before[0], before[1][code], before[2])
        units.append(inspect_unit(checklist, records[code], catalogue, rollup, code,
                                  snapshot.unit_map[code].name, period, inspected_on, earlier))
    return units


def rank_units(units: Sequence[UnitInspection]) -> list[Ranked]:
    """The units ranked by total (ties share a rank; see :func:`rank_totals`)."""
    return rank_totals({unit.code: unit.total for unit in units})


def place_of(code: str, ranked: Sequence[Ranked], names: Mapping[str, str],
             noun: str = "") -> Place:
    """A unit's :class:`Place` in ``ranked``."""
    mine = next(r for r in ranked if r.unit_code == code)
    tied = tuple(names[r.unit_code] for r in ranked if r.rank == mine.rank and r.unit_code != code)
    return Place(mine.rank, len(ranked), tied, noun)
