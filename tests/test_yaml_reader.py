"""The one YAML reader: catalogues, business lines, narratives, layouts, campaign specs."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from wenshu.yaml_reader import parse_yaml


def test_reads_what_offices_write() -> None:
    assert parse_yaml("亮点:\n  - 开展孕检服务 12 次\n日期: 2025-03-01\n") == {
        "亮点": ["开展孕检服务 12 次"], "日期": date(2025, 3, 1)}


def test_refuses_anything_that_would_run_code() -> None:
    with pytest.raises(yaml.YAMLError, match="python/object"):
        parse_yaml("!!python/object/apply:os.system ['touch /tmp/wenshu-pwned']\n")


def test_a_mistake_is_shown_with_the_line_at_fault() -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        parse_yaml("亮点: [没有闭合\n打算: 明年\n")
    assert "[没有闭合" in str(caught.value) and "line 1" in str(caught.value)
