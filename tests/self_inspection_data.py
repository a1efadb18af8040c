"""A small 自查 checklist for tests, every figure of it in ``small_snapshot`` worked out
by hand."""

from __future__ import annotations

from typing import Any

import yaml

from wenshu.models.checklist import Checklist, parse_checklist

SMALL_CHECKLIST = """
key: small
title: 测试评分标准
subject: 计生工作
basis: 区卫生健康局年度考核工作部署
grades: [{label: 模范社区, min_points: 25}, {label: 先进社区, min_points: 20}]
sections:
  - key: targets
    title: 目标任务
    items:
      - {key: check_rate, kind: indicator, indicator: check_rate, label: 孕环情检查受检率,
         points: 10, bands: [{within: 2, points: 6}, {within: 5, points: 3}]}
      - {key: training, kind: activity, activity: training, measure: sessions,
         label: 人口学校培训, threshold: ≥10, points: 4, bands: [{within: 2, points: 2}]}
      - {key: publicity, kind: activity, activity: publicity, measure: sessions,
         label: 集中宣传活动, threshold: ≥2, points: 3}
  - key: facilities
    title: 硬件设施
    items:
      - {key: boards, kind: observed, answer: count, label: 宣传板, unit: 块, threshold: ≥5,
         points: 4, bands: [{within: 2, points: 1.5}], rectify_days: 45}
      - {key: consult_room, kind: observed, answer: yes_no, label: 设有悄悄话室或咨询台,
         points: 3, veto: true}
      - {key: honest, kind: observed, answer: yes_no, label: 统计信息真实准确, points: 6}
      - {key: practices, kind: observed, answer: text, label: 特色做法, points: 0}
"""


def small_checklist(**changes: Any) -> Checklist:
    """The checklist, with top-level fields replaced by ``changes``."""
    return parse_checklist(yaml.safe_load(SMALL_CHECKLIST) | changes, "small.yaml")
