"""A unit's (or inspectors') answers to a checklist's observed items, as data files.

An answers file is ``{answers: {item_key: value | {value, note}}}``, optionally with the
``checklist``, ``unit`` and ``year`` it is for. Every answer is read by its item's kind
(是/否, a count, a number, a score, text) and every problem is named with its item.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from wenshu.errors import ChecklistError
from wenshu.models.checklist_schema import (
    ArchiveItem,
    Checklist,
    ObservedItem,
    plain_number,
)
from wenshu.models.checklist_words import read_yaml
from wenshu.models.inspection_words import (
    ANSWERS_FIELDS,
    COMPUTED_FROM,
    answers_problems,
    inspection_problem,
    item_named,
    items_named,
)
from wenshu.models.values import han_number

_DECIMAL = re.compile(r"^\d+(?:\.\d+)?$")
_YES = frozenset({"是", "有", "已落实", "已完成", "符合", "yes", "y", "true", "√", "✓", "✔"})
_NO = frozenset({"否", "无", "没有", "未落实", "未完成", "不符合", "no", "n", "false", "×", "✗",
                 "✘", "x"})
SCORE_DECIMALS = 2  # an inspector's points: 2.5 or 1.25, never finer
FORM_TEXT_MAX = 2000  # characters of one answer or note typed into a form


class AnswerError(ValueError):
    """An answer that does not fit its item: a stable code and the reason in two languages.

    ``zh`` is the reason a user reads (answers files, imports, scoring); ``str()`` is
    the English text, kept for logs and callers that match on it.
    """

    def __init__(self, code: str, message: str, zh: str):
        super().__init__(message)
        self.code = code
        self.zh = zh


@dataclass(frozen=True)
class Answer:
    """An answer to an observed item, with an optional note as evidence.

    ``value`` is a bool (yes/no), an int (count), a Decimal (number, score) or text.
    """

    value: bool | int | Decimal | str
    note: str = ""


def _shown(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _decimal(raw: object, unit: str) -> Decimal | None:
    """A non-negative number from a cell or YAML: 95, 95.5, "95.5%", "3元"; None if not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw) if raw >= 0 else None
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")) or raw < 0:
            return None
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw if raw >= 0 else None
    if not isinstance(raw, str):
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    unit_text = unicodedata.normalize("NFKC", unit).strip()
    if unit_text and text.endswith(unit_text):
        text = text.removesuffix(unit_text).strip()
    if not _DECIMAL.match(text):
        return han_number(text)  # 四 (块), 十二 (盘), as a ledger's counts are read
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_answer(item: ObservedItem, raw: object) -> bool | int | Decimal | str:
    """The typed answer to ``item``, or :class:`AnswerError` saying what the item expects."""
    if item.answer == "yes_no":
        if isinstance(raw, bool):
            return raw
        text = unicodedata.normalize("NFKC", raw).strip().lower() if isinstance(raw, str) else None
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise AnswerError("bad_yes_no", f"expected 是 or 否, got {raw!r}",
                          f"应填“是”或“否”，不能填“{_shown(raw)}”")
    if item.answer == "count":
        number = _decimal(raw, item.unit)
        if number is not None and number == number.to_integral_value():
            return int(number)
        raise AnswerError("bad_count",
                          f"expected a whole number ≥ 0 (in {item.unit or 'items'}), got {raw!r}",
                          f"应填不小于0的整数{f'（单位：{item.unit}）' if item.unit else ''}，"
                          f"不能填“{_shown(raw)}”")
    if item.answer == "number":
        number = _decimal(raw, item.unit)
        if number is not None:
            return number
        raise AnswerError("bad_number",
                          f"expected a number ≥ 0 (in {item.unit or 'its unit'}), got {raw!r}",
                          f"应填不小于0的数字{f'（单位：{item.unit}）' if item.unit else ''}，"
                          f"不能填“{_shown(raw)}”")
    if item.answer == "score":
        number = _decimal(raw, "分")
        top = plain_number(item.points)
        if number is None or number > item.points:
            raise AnswerError("bad_score", f"expected points from 0 to {top}, got {raw!r}",
                              f"应填0至{top}之间的得分，不能填“{_shown(raw)}”")
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > SCORE_DECIMALS:
            raise AnswerError("bad_score",
                              f"points have at most {SCORE_DECIMALS} decimals, got {raw!r}",
                              f"得分最多保留{SCORE_DECIMALS}位小数，不能填“{_shown(raw)}”")
        return number
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        return _shown(raw)
    raise AnswerError("bad_text", f"expected text, got {raw!r}", "应填写文字说明")


def answer_text(value: bool | int | Decimal | str) -> str:
    """An answer as stored and shown: 是 / 否, 5, 92.5, the text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return plain_number(value)
    return str(value)


def parse_answers(data: Any, checklist: Checklist, source: str, *, unit_code: str | None = None,
                  year: int | None = None) -> dict[str, Answer]:
    """Validate a unit's answers against the checklist: all problems at once, each named.

    ``data`` is ``{answers: {item_key: value | {value, note}}}`` with optional ``checklist``,
    ``unit`` and ``year`` that must match what the answers are used for.
    """
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise ChecklistError(inspection_problem("answers_not_mapping", source=source))
    problems = []
    unknown_top = sorted(set(map(str, data)) - {"checklist", "unit", "year", "answers"})
    if unknown_top:
        problems.append(inspection_problem("answers_unknown_fields",
                                           fields="、".join(unknown_top)))
    for field, expected in (("checklist", checklist.key), ("unit", unit_code), ("year", year)):
        given = data.get(field)
        if given is not None and expected is not None and str(given) != str(expected):
            problems.append(inspection_problem("answers_for_other", field=ANSWERS_FIELDS[field],
                                               given=given, expected=expected))
    answers: dict[str, Answer] = {}
    for key, raw in data["answers"].items():
        item = checklist.item(str(key))
        if item is None:
            problems.append(inspection_problem("answers_unknown_item", item_key=str(key),
                                               checklist=checklist.key))
            continue
        where = item_named(item.key, item.label)
        if not isinstance(item, ObservedItem):
            source_of = COMPUTED_FROM["archive" if isinstance(item, ArchiveItem) else "measured"]
            problems.append(inspection_problem("answers_computed_item", item=where,
                                               source=source_of))
            continue
        note = ""
        if isinstance(raw, dict):
            extra = sorted(set(map(str, raw)) - {"value", "note"})
            if extra or "value" not in raw:
                problems.append(inspection_problem("answers_remark_form", item=where))
                continue
            note = "" if raw.get("note") is None else str(raw["note"]).strip()
            raw = raw["value"]
        try:
            answers[item.key] = Answer(parse_answer(item, raw), note)
        except AnswerError as exc:
            problems.append(inspection_problem("answer_bad", item=where, reason=exc.zh))
    given = {str(key) for key in data["answers"]}
    missing = [item for item in checklist.observed if item.key not in given]
    if missing:
        problems.append(inspection_problem("answers_missing", items=items_named(
            (i.key, i.label) for i in missing)))
    if problems:
        raise ChecklistError(answers_problems(source, problems))
    return answers


def answers_from_form(checklist: Checklist, values: Mapping[str, str],
                      notes: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """A form's answers as an answers file holds them, and what is wrong with each, by item
    key: every observed item needs an answer that :func:`parse_answer` takes.

    Values are kept as typed, so the file reads back exactly as the clerk filled it in."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in checklist.observed:
        value, note = values.get(item.key, "").strip(), notes.get(item.key, "").strip()
        if not value:
            errors[item.key] = "请填写" if item.answer != "yes_no" else "请选择“是”或“否”"
            continue
        if len(value) > FORM_TEXT_MAX or len(note) > FORM_TEXT_MAX:
            errors[item.key] = f"每项答复和说明最多{FORM_TEXT_MAX}字"
            continue
        try:
            parse_answer(item, value)
        except AnswerError as exc:
            errors[item.key] = exc.zh
            continue
        answers[item.key] = {"value": value, "note": note} if note else value
    return answers, errors


def form_values(answers: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """An answers file's ``answers`` as a form shows them: values and notes by item key
    (true as 是, 12 as "12")."""
    values: dict[str, str] = {}
    notes: dict[str, str] = {}
    for key, raw in answers.items():
        if isinstance(raw, dict):
            notes[str(key)] = "" if raw.get("note") is None else str(raw["note"])
            raw = raw.get("value")
        if raw is not None:
            values[str(key)] = ("是" if raw else "否") if isinstance(raw, bool) else _shown(raw)
    return values, notes


def load_answers(path: Path, checklist: Checklist, *, unit_code: str | None = None,
                 year: int | None = None) -> dict[str, Answer]:
    """Read and validate a unit's answers file (YAML) against the checklist."""
    return parse_answers(read_yaml(path, "自查答复"), checklist, str(path),
                         unit_code=unit_code, year=year)


def answers_as_plain(answers: Mapping[str, Answer]) -> dict[str, dict[str, Any]]:
    """Answers as plain data, for a document's options (hashed into its inputs).

    Numbers and scores travel as their text (JSON has no decimals); scoring reads them back.
    """
    return {key: {"value": plain_number(a.value) if isinstance(a.value, Decimal) else a.value,
                  "note": a.note}
            for key, a in sorted(answers.items())}


def answers_from_plain(data: Mapping[str, Mapping[str, Any]]) -> dict[str, Answer]:
    """Answers back from :func:`answers_as_plain`."""
    return {key: Answer(entry["value"], entry.get("note", "")) for key, entry in data.items()}
