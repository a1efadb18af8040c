"""pydantic's own checks as a clerk reads them, shared by every file an office writes
(campaign specs, checklists); pydantic's English wording is kept for the rest."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic_core import ErrorDetails

PYDANTIC_WORDS: dict[str, str] = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识的字段（请核对拼写）",
    "int_parsing": "应为整数", "int_type": "应为整数", "int_from_float": "应为整数",
    "decimal_parsing": "应为数字", "decimal_type": "应为数字",
    "float_parsing": "应为数字", "float_type": "应为数字",
    "date_parsing": "应为日期，如 2025-03-01", "date_type": "应为日期，如 2025-03-01",
    "date_from_datetime_parsing": "应为日期，如 2025-03-01",
    "date_from_datetime_inexact": "应为日期，不带时刻",
    "bool_parsing": "应为 true 或 false", "bool_type": "应为 true 或 false",
    "string_type": "应为文字", "string_too_short": "不能为空",
    "tuple_type": "应为列表", "list_type": "应为列表", "too_short": "至少要有 {min_length} 项",
    "model_type": "应为字段表", "dict_type": "应为字段表", "model_attributes_type": "应为字段表",
    "greater_than": "应大于 {gt}", "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "literal_error": "应为以下之一：{expected}",
    "union_tag_invalid": "{discriminator} 的值 '{tag}' 不认识，应为以下之一：{expected_tags}",
    "union_tag_not_found": "缺少 {discriminator}",
}

# pydantic lists the accepted values as "'a', 'b' or 'c'".
_CHOICES = ("expected", "expected_tags")


def pydantic_message(error: ErrorDetails, words: Mapping[str, str] = PYDANTIC_WORDS) -> str:
    """One validation error's message in Chinese (a validator's own message as it wrote
    it); ``words`` may add or override wording for one kind of file."""
    template = words.get(error["type"])
    if template is None:
        return error["msg"].removeprefix("Value error, ")
    context = dict(error.get("ctx", {}))
    for name in _CHOICES:
        if isinstance(context.get(name), str):
            context[name] = context[name].replace(" or ", "、").replace(", ", "、")
    if isinstance(context.get("discriminator"), str):  # quoted by pydantic: 'kind'
        context["discriminator"] = context["discriminator"].strip("'")
    return template.format(**context)
