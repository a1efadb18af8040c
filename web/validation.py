"""A request that fails validation, told in Chinese: each field by the name the page gives
it, and what is wrong with it, instead of pydantic's English."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Query, form and path parameters by the name their page shows (raw name when unlisted).
FIELD_LABELS = {
    "year": "年度", "period": "期间", "due": "报送截止日期", "unit": "单位代码",
    "unit_code": "单位代码", "units": "被检查单位", "line": "业务条线", "kind": "文种",
    "checklist": "检查标准", "version": "版本号", "retention": "保管期限", "reason": "原因",
    "status": "状态", "code": "档号", "q": "关键词", "page": "页码", "subtree": "含下级",
    "limit": "每页条数", "offset": "起始位置", "name": "用户名", "role": "角色",
    "password": "密码", "old": "原密码", "new": "新密码", "again": "再次输入的新密码",
    "label": "用途", "disabled": "停用", "purpose": "文件内容", "file": "文件",
    "skip_invalid": "只保存正确的行", "inspector": "检查人", "issued_on": "成文日期",
    "follow_up": "整改复查", "document_id": "文档编号", "job_id": "任务编号",
    "token_id": "令牌编号", "upload_id": "上传编号", "fmt": "文件格式", "number": "页码",
}
# What a well-formed value looks like, for fields whose format users may not guess.
FORMAT_HINTS = {
    "year": "应为四位年份，如 2025", "period": "应为 2025、2025H1、2025Q3 或 2025-03 这样的期间",
    "due": "应为日期，如 2026-06-30", "issued_on": "应为日期，如 2026-01-15",
    "unit": "应为单位代码（数字），如 440307001", "unit_code": "应为单位代码（数字），如 440307001",
}
_PARSING = frozenset({"string_pattern_mismatch", "int_parsing", "int_type", "date_parsing",
                      "date_from_datetime_parsing", "date_type"})
# pydantic's error types, in Chinese; {…} are the error's own limits.
MESSAGES = {
    "missing": "必须填写",
    "string_pattern_mismatch": "格式不对",
    "string_too_long": "太长：最多 {max_length} 个字符",
    "string_too_short": "太短：至少 {min_length} 个字符",
    "too_long": "太多：最多 {max_length} 项",
    "int_parsing": "应为整数", "int_type": "应为整数", "int_from_float": "应为整数",
    "float_parsing": "应为数字", "float_type": "应为数字", "decimal_parsing": "应为数字",
    "greater_than_equal": "不能小于 {ge}", "greater_than": "应大于 {gt}",
    "less_than_equal": "不能大于 {le}", "less_than": "应小于 {lt}",
    "bool_parsing": "应为“是”或“否”", "bool_type": "应为“是”或“否”",
    "date_parsing": "应为日期，如 2026-03-05", "date_from_datetime_parsing": "应为日期，如 2026-03-05",
    "date_type": "应为日期，如 2026-03-05",
    "literal_error": "只能是 {expected}", "enum": "只能是 {expected}",
    "extra_forbidden": "不是可以填写的项", "json_invalid": "不是有效的 JSON",
}


def problem(error: Mapping[str, Any]) -> dict[str, str]:
    """One of pydantic's errors as ``field`` (its name in the request), ``label`` (its name
    on the page) and ``message`` (what is wrong, in Chinese)."""
    where = [str(part) for part in error.get("loc", ())]
    field = where[-1] if where else ""
    kind = str(error.get("type", ""))
    if kind in _PARSING and field in FORMAT_HINTS:
        message = FORMAT_HINTS[field]
    else:
        try:
            message = MESSAGES.get(kind, "填写有误").format(**error.get("ctx", {}))
        except (KeyError, IndexError):  # a limit the template names is not in this error
            message = "填写有误"
    return {"field": field, "label": FIELD_LABELS.get(field, field), "message": message}


def validation_message(errors: Sequence[Mapping[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    """A failed request's headline (which fields are wrong) and its problems, one per error."""
    problems = [problem(error) for error in errors]
    named = "、".join(dict.fromkeys(p["label"] for p in problems if p["label"])) or "请求"
    return f"{named}填写有误", problems


__all__ = ["FIELD_LABELS", "FORMAT_HINTS", "MESSAGES", "problem", "validation_message"]
