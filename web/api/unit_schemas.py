"""What the JSON API returns about a unit: its period, its reporting, its indicators."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from wenshu.web.api.schemas import DocumentHit, ReadModel


class Unit(ReadModel):
    """A unit of the tree."""

    code: str
    name: str
    level: str
    parent_code: str | None


class IndicatorRow(ReadModel):
    """An indicator of a unit."""

    key: str
    label: str
    value: str
    target: str
    target_is_default: bool
    met: bool | None
    last_value: str
    verdict: str


class Submission(ReadModel):
    """Ledger rows in the period."""

    rows: int
    first: date | None
    last: date | None
    submitted: bool


class Overview(BaseModel):
    """A unit's period."""

    unit: Unit
    period: str
    submission: Submission
    indicators: list[IndicatorRow]
    documents: list[DocumentHit]


class BranchReporting(BaseModel):
    """A unit directly below (a district's street) and how the units under it reported."""

    unit: Unit
    expected: int
    submitted: int
    missing: int
    late: int
    rate: str | None


class Reporting(BaseModel):
    """Who below a unit reported ledgers for a period."""

    period: str
    rate: str | None
    expected: list[Unit]
    submitted: list[Unit]
    missing: list[Unit]
    due: date | None = None
    late: list[Unit] = Field(default_factory=list)  # of submitted: after ``due``
    # Per unit directly below; empty when the expected units are themselves directly below.
    branches: list[BranchReporting] = Field(default_factory=list)


class ChildRow(BaseModel):
    """A unit below, its indicator values and what it missed."""

    unit: Unit
    values: dict[str, str]
    missed: list[str]
    records: int
    lagging: bool


class Indicators(BaseModel):
    """A unit's indicators beside the units below it."""

    year: int
    own: list[IndicatorRow]
    children: list[ChildRow]
