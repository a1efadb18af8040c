"""Reading a checklist (检查标准) file, and what it gets wrong worded for the clerk who
wrote it, and where: 第2部分（facilities）第1项（boards）的 threshold, counted from 1 as a
reader counts.

The wording is data (:data:`_PROBLEMS`, keyed by English name); reading the file, the
schema's validators, the catalogue check and scoring all word their problems from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from wenshu.errors import ChecklistError
from wenshu.models.pydantic_words import PYDANTIC_WORDS, pydantic_message
from wenshu.yaml_reader import parse_yaml, yaml_fault

TOP_LEVEL = "（顶层）"

_PROBLEMS: dict[str, str] = {
    "not_mapping": "{source}：检查标准的最外层应为字段表（key、title、subject、sections……）",
    "problems": "{source}：检查标准有 {count} 处问题：\n{lines}",
    "not_found": "找不到{what}文件：{source}",
    "no_permission": "{source}：没有读取{what}的权限",
    "cannot_read": "{source}：无法读取{what}（{reason}）",
    "not_utf8": "{source}：{what}不是 UTF-8 编码的文本",
    "not_yaml": "{source}：不是有效的 YAML：{reason}",
    # The item kinds' fields
    "threshold_form": "{raw!r} 不是 ≥4、≤12、=100 或 103～107 这样的写法",
    "threshold_comparator": "{raw!r} 的数字前应写 ≥、≤ 或 =",
    "range_comparator": "{raw!r} 是区间，前面不加 ≥、≤ 或 =",
    "bands_order": "应按 within 从小到大排列，points 只减不增",
    "band_points": "bands 给的分数应少于本项的 {points} 分",
    "veto_cap_not_veto": "veto_cap 只用于一票否决项（veto: true）",
    "unknown_document_kind": "未知的文件种类 {kind!r}（可用：{kinds}）",
    "document_period": "{kind} 的 period 应为 {periods}，不能是 {period!r}",
    "measured_needs_threshold": "count（计数）和 number（数值）项须有 threshold；"
                                "yes_no、score、text 项不设 threshold",
    "bands_need_threshold": "只有设了 threshold 的项才能有 bands",
    "text_not_scored": "text 项只作说明、不计分：points 应为 0，也不能一票否决",
    "score_needs_points": "score 项须有 points（检查人最多可给的分数）",
    # The checklist as a whole
    "unknown_level": "未知的单位级别 {given!r}（可用：district 区、street 街道、"
                     "community 社区、department 部门）",
    "keys_twice": "{what}的 key 重复使用：{keys}",
    "grades_order": "grades 应按 min_points 从高到低排列，且各不相同",
    "grade_above_max": "等级 {label} 需要 {needed} 分，而本检查标准满分只有 {most} 分",
    "veto_cap_not_grade": "{place}的 veto_cap：{cap!r} 不是 grades 中的等级（{labels}）",
    # Against the catalogue, and when scoring
    "unknown_indicator": "{place}的 indicator：未知指标 {indicator!r}",
    "unknown_activity": "{place}的 activity：未知活动类型 {activity!r}",
    "no_measure": "{place}的 measure：活动类型 {activity} 不记录 {measure!r}",
    "no_target": "{place}：单位 {unit} 没有 {year} 年{indicator}的目标，本项也未设 threshold",
}
# What a place in a checklist is called, by the list it is in.
_PLACE_WORDS: dict[str, str] = {"sections": "第{n}部分", "items": "第{n}项",
                                "documents": "第{n}份文件"}
# Checklist keys are the one pattern a checklist asks for.
_WORDS: dict[str, str] = PYDANTIC_WORDS | {
    "string_pattern_mismatch": "应以小写英文字母开头，只用小写英文字母、数字和 _",
}
_ITEM_KINDS = ("indicator", "activity", "archive", "observed")


def read_yaml(path: Path, what: str) -> Any:
    """A checklist's or answers file's content as plain data; ``what`` (检查标准) names it
    in errors."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ChecklistError(checklist_problem("not_found", source=path, what=what)) from exc
    except PermissionError as exc:
        raise ChecklistError(checklist_problem("no_permission", source=path, what=what)) from exc
    except OSError as exc:
        raise ChecklistError(checklist_problem("cannot_read", source=path, what=what,
                                               reason=exc.strerror)) from exc
    except UnicodeDecodeError as exc:
        raise ChecklistError(checklist_problem("not_utf8", source=path, what=what)) from exc
    return yaml_data(str(path), text)


def yaml_data(source: str, text: str) -> Any:
    """A checklist's or answers file's YAML text as plain data; ``source`` names it."""
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        raise ChecklistError(checklist_problem("not_yaml", source=source,
                                               reason=yaml_fault(exc))) from exc


def checklist_problem(key: str, **values: object) -> str:
    """One problem of a checklist (``key`` names it, see :data:`_PROBLEMS`), in Chinese."""
    return _PROBLEMS[key].format(**values)


def item_place(section: int, section_key: str, number: int, key: str, label: str = "") -> str:
    """An item as a reader finds it: 第1部分（basic）第2项（boards，宣传栏）, counted from 1."""
    named = f"{key}，{label}" if label else key
    return f"第{section}部分（{section_key}）第{number}项（{named}）"


def where(location: Sequence[int | str], raw: Any) -> str:
    """A validation error's place as a reader finds it: ``('sections', 1, 'items', 0,
    'threshold')`` → 第2部分（facilities）第1项（boards）的 threshold; keys from ``raw``."""
    parts, node, rest = [], raw, list(location)
    while len(rest) >= 2 and rest[0] in _PLACE_WORDS and isinstance(rest[1], int):
        name, index = str(rest[0]), rest[1]
        rest = rest[2:]
        try:
            node = node[name][index]
        except (KeyError, IndexError, TypeError):
            node = None
        key = node.get("key") if isinstance(node, dict) and name != "documents" else None
        parts.append(_PLACE_WORDS[name].format(n=index + 1) + (f"（{key}）" if key else ""))
        # A discriminated union puts the item kind in the path; it says nothing to a reader.
        if name == "items" and rest and rest[0] in _ITEM_KINDS:
            rest = rest[1:]
    field = "".join(f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in rest)
    field = field.removeprefix(".")
    if not parts:
        return field or TOP_LEVEL
    return "".join(parts) + (f"的 {field}" if field else "")


def checklist_errors(exc: ValidationError, raw: Any) -> list[str]:
    """One line per problem of checklist data ``raw``: ``place：message``, in Chinese."""
    errors = exc.errors(include_url=False)
    # A list whose every entry failed is also reported as too short: noise.
    deeper = [error["loc"] for error in errors if error["type"] != "too_short"]
    lines = []
    for error in errors:
        if error["type"] == "too_short" and any(loc[:len(error["loc"])] == error["loc"]
                                                for loc in deeper):
            continue
        message, place = pydantic_message(error, _WORDS), where(error["loc"], raw)
        # A check of the whole checklist names the item itself (第1部分…第2项…).
        named = place == TOP_LEVEL and message.startswith("第")
        lines.append(message if named else f"{place}：{message}")
    return lines


def checklist_problems(source: str, lines: Sequence[str]) -> ChecklistError:
    """The error for checklist ``source`` with ``lines`` (one problem each)."""
    return ChecklistError(checklist_problem(
        "problems", source=source, count=len(lines),
        lines="\n".join(f"  {line}" for line in lines)))
