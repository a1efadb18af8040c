"""The 实施方案's words: its phrasebook, its dates as plans state them, its goal sentences.

Every sentence part comes from the ``campaign_plan`` phrasebook
(wenshu/data/phrases/campaign_plan.yaml, reworded per line of work and per office);
this module only chooses the phrases and fills them.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from wenshu.compute.indicators import gap_to_target, meets
from wenshu.generators.numbers import format_target, format_value, heading_number
from wenshu.generators.phrasebook import Phrasebook, load_phrasebook
from wenshu.models.campaign import Item
from wenshu.models.catalogue import Indicator, TargetSpec

PHRASEBOOK = "campaign_plan"
# Punctuation that already ends a sentence, and closing quotes it may hide behind.
_TERMINAL = frozenset("。！？!?；;：:…")
_CLOSING = "”’）)」』"


def phrasebook(user_dir: Path | None = None, line: str = "") -> Phrasebook:
    """The 实施方案's wording: shipped, with the line's and an office's rewording."""
    return load_phrasebook(PHRASEBOOK, user_dir, line)


# --- Dates as plans state them --------------------------------------------------------

def xun(day: date, phrases: Phrasebook | None = None) -> str:
    """The third of the month a day falls in: 1–10 上旬, 11–20 中旬, 21 to the end 下旬."""
    return (phrases or phrasebook()).say(f"date.xun.{min(day.day - 1, 20) // 10 + 1}")


def _is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def date_span(start: date, end: date, *, exact: bool = False, year: int | None = None,
              phrases: Phrasebook | None = None) -> str:
    """A phase's dates as a plan prints them.

    - whole months (from a 1st to a month's last day): 6月, 5月至10月;
    - otherwise by 旬: 5月下旬至6月下旬, 5月中旬至下旬, 5月下旬;
    - ``exact``: days, 5月21日至6月30日, 5月21日至30日, 10月31日.

    ``year`` is the year the reader already knows: dates in it are printed without
    their year, others with it (11月下旬至2026年1月上旬). Without ``year`` the start's
    year is always printed (2025年5月下旬至6月下旬). Raises ValueError if ``end`` is
    before ``start``.
    """
    if end < start:
        raise ValueError(f"a span cannot end ({end}) before it starts ({start})")
    p = phrases or phrasebook()
    same_month = (start.year, start.month) == (end.year, end.month)
    first = p.say("date.year", year=start.year) if year is None or start.year != year else ""
    first += p.say("date.month", month=start.month)
    last = p.say("date.year", year=end.year) if end.year != start.year else ""
    if not same_month:
        last += p.say("date.month", month=end.month)
    if exact:
        if start == end:
            return first + p.say("date.day", day=start.day)
        return p.say("date.span", first=first + p.say("date.day", day=start.day),
                     last=last + p.say("date.day", day=end.day))
    if start.day == 1 and _is_month_end(end):
        return first if same_month else p.say("date.span", first=first, last=last)
    if same_month and xun(start, p) == xun(end, p):
        return first + xun(start, p)
    return p.say("date.span", first=first + xun(start, p), last=last + xun(end, p))


def date_phrase(day: date, year: int | None = None, phrases: Phrasebook | None = None) -> str:
    """One day in running text: 10月31日 within ``year``, 2026年1月5日 outside it."""
    return date_span(day, day, exact=True, year=year, phrases=phrases)


# --- Sentences ------------------------------------------------------------------------

def sentence(text: str) -> str:
    """The text with a closing 。 unless it already ends a sentence (also inside quotes)."""
    core = text.rstrip(_CLOSING)
    return text if core and core[-1] in _TERMINAL else f"{text}。"


def numbered(items: Sequence[Item]) -> list[dict[str, str]]:
    """1. 2. … before each item; a bold lead ends its sentence, the text follows it."""
    result = []
    for n, item in enumerate(items, start=1):
        prefix = heading_number(3, n)
        if item.lead:
            result.append({"lead": f"{prefix}{sentence(item.lead)}", "text": sentence(item.text)})
        else:
            result.append({"lead": "", "text": f"{prefix}{sentence(item.text)}"})
    return result


def _bare(value: Decimal) -> Decimal:
    """A target's number without trailing zeros (95.0 → 95), never in exponent form."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def goal_sentence(indicator: Indicator, target: TargetSpec, baseline: Decimal | None,
                  baseline_year: int, scope: str, key: object = "",
                  phrases: Phrasebook | None = None) -> str:
    """An indicator goal with where the unit stands: 全区孕环情检查受检率由2024年的92.79%提高到95%以上。

    ``key`` varies the wording between documents (the same key, the same words).
    """
    p = phrases or phrasebook()
    values = {"label": f"{scope}{indicator.label}",
              "goal": format_value(indicator, _bare(target.value)),
              "year": baseline_year, "aside": "", "move": ""}
    if baseline is None:
        reach = {"range": "goal.range.keep", "le": "goal.le.keep", "eq": "goal.eq.reach"}
        return p.say(reach.get(target.comparator, "goal.ge.reach"),
                     **values, band=p.say("goal.band", band=format_target(indicator, target)))
    values["value"] = format_value(indicator, baseline)
    if target.comparator == "range":
        values["band"] = p.say("goal.band", band=format_target(indicator, target))
    if meets(baseline, target):
        values["aside"] = p.say("goal.aside", year=baseline_year, value=values["value"])
        keep = {"range": "goal.range.keep", "le": "goal.le.keep", "eq": "goal.eq.keep"}
        return p.say(keep.get(target.comparator, "goal.ge.keep"), **values)
    values["move"] = p.say(_move(indicator, target, baseline))
    return p.say(f"goal.{target.comparator}.move", key, indicator.key, **values)


def _move(indicator: Indicator, target: TargetSpec, baseline: Decimal) -> str:
    """The phrase key of the change a goal asks for from a baseline that misses it."""
    if target.comparator == "range":
        above = gap_to_target(baseline, target) > 0
        return "goal.move.fall_back" if above else "goal.move.rise_back"
    if target.comparator == "eq" and baseline >= target.value:
        return "goal.move.adjust"
    return "goal.move.increase" if indicator.unit == "count" else "goal.move.raise"
