"""Reporting periods: a year (2025), a half (2025H1), a quarter (2025Q3) or a month (2025-03)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PATTERN = re.compile(r"^(\d{4})(?:(H)([12])|(Q)([1-4])|-(\d{1,2}))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A closed date range with a stable code used in the archive."""

    start: date
    end: date
    code: str

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2025``, ``2025H1``, ``2025Q3`` or ``2025-03``."""
        match = _PATTERN.match(text.strip().upper())
        if not match:
            raise ValueError(f"not a period: {text!r} (use 2025, 2025H1, 2025Q3 or 2025-03)")
        year = int(match.group(1))
        if match.group(2):
            half = int(match.group(3))
            return cls._months(year, 6 * half - 5, 6 * half, f"{year}H{half}")
        if match.group(4):
            quarter = int(match.group(5))
            return cls._months(year, 3 * quarter - 2, 3 * quarter, f"{year}Q{quarter}")
        if match.group(6):
            month = int(match.group(6))
            if not 1 <= month <= 12:
                raise ValueError(f"not a month: {text!r}")
            return cls._months(year, month, month, f"{year}-{month:02d}")
        return cls.year(year)

    @classmethod
    def year(cls, year: int) -> Period:
        """The calendar year."""
        return cls._months(year, 1, 12, str(year))

    @classmethod
    def _months(cls, year: int, first: int, last: int, code: str) -> Period:
        end = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
        return cls(date(year, first, 1), date.fromordinal(end.toordinal() - 1), code)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.code
