"""An office's inspection for tests: its checklist, its dates, and findings as the CSV
an inspector fills in (``wenshu inspect record``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

# 100 points: the screening rate (a veto capping at 合格), boards, a consultation room,
# the work log (an inspector's score) and the year's work plan filed (15 days to fix).
CHECKLIST = """
key: office_check
title: 计划生育基层工作检查评分标准
subject: 计划生育基层工作
basis: 区卫生健康局年度检查工作方案
grades: [{label: 优秀, min_points: 90}, {label: 良好, min_points: 75}, {label: 合格, min_points: 60}]
sections:
  - key: targets
    title: 目标任务
    items:
      - {key: check_rate, kind: indicator, indicator: check_rate, label: 孕环情检查受检率,
         points: 30, bands: [{within: 5, points: 15}], veto: true, veto_cap: 合格}
  - key: facilities
    title: 阵地建设
    items:
      - {key: boards, kind: observed, answer: count, label: 宣传板, unit: 块, threshold: ≥5,
         points: 20, bands: [{within: 2, points: 10}]}
      - {key: room, kind: observed, answer: yes_no, label: 设有咨询室, points: 10}
  - key: records
    title: 资料管理
    items:
      - {key: work_log, kind: observed, answer: score, label: 工作记录完整, points: 20}
      - {key: plan_filed, kind: archive, label: 年度工作计划已归档, points: 20, rectify_days: 15,
         documents: [{kind: work_plan, period: year, filed: true}]}
"""
INSPECTED = date(2026, 1, 20)
ISSUED = date(2026, 1, 22)


def findings_csv(path: Path, rows: dict[str, dict[str, Any]]) -> Path:
    """``rows`` (unit code → item key → answer, or {value, note}) as a findings CSV."""
    lines = ["单位代码,项目代码,检查结果,情况说明,检查人"]
    for code, answers in rows.items():
        for key, value in answers.items():
            if isinstance(value, dict):
                value, note = value["value"], value["note"]
            else:
                note = ""
            lines.append(f"{code},{key},{value},{note},王检查")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path
