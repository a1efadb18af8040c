"""How offices write the ledger's columns: the other headers they give each one, the unit
words they type after a figure (50人, 200份) and the larger units a figure may be given in
(1.5万元). Data in ``wenshu/data/ledger_columns.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from wenshu.models.catalogue import SHIPPED_DIR
from wenshu.yaml_reader import parse_yaml

LEDGER_COLUMNS_FILE = SHIPPED_DIR / "ledger_columns.yaml"


@dataclass(frozen=True)
class ColumnWriting:
    """Per ledger field (``participants`` …): its other headers, its unit words and which
    of them are worth more than the column's own unit."""

    headers: dict[str, tuple[str, ...]]
    units: dict[str, tuple[str, ...]]
    # Unit words worth more than the column's own, with how many of it each holds.
    scales: dict[str, dict[str, int]]


@cache
def column_writing() -> ColumnWriting:
    """The shipped list, read once."""
    data = parse_yaml(LEDGER_COLUMNS_FILE.read_text(encoding="utf-8"))
    return ColumnWriting(
        headers={field: tuple(names) for field, names in data["headers"].items()},
        # longest first, so 50人次 loses 人次 and not only 次
        units={field: tuple(sorted(words, key=len, reverse=True))
               for field, words in data["units"].items()},
        scales={field: {word: int(times) for word, times in words.items()}
                for field, words in (data.get("scales") or {}).items()})


__all__ = ["ColumnWriting", "column_writing"]
