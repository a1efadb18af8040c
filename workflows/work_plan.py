"""The ``work_plan`` flow: a unit's 工作计划 for a year or a quarter, from the year before it."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.generators.work_plan import WORK_PLAN
from wenshu.generators.work_plan_facts import plan_period
from wenshu.pipeline import Outcome
from wenshu.services.inputs import InputFile
from wenshu.workflows.documents import document_options, generate_documents


@flow(name="work_plan", log_prints=False)
def work_plan(unit_code: str, period: str, all_levels: bool = False,
              levels: list[str] | None = None, issued_on: date | None = None,
              narrative_texts: list[InputFile] | None = None, signature_unit: str | None = None,
              letterhead: dict[str, Any] | None = None,
              script: str = "simplified", user: str | None = None,
              narrative: dict[str, list[str]] | None = None,
              job: str | None = None, line: str = "") -> list[Outcome]:
    """Generate and archive the 工作计划 for ``period`` ("2026" or "2026Q1") of a unit.

    The plan reads the year before ``period`` (targets signed for the plan's year
    too); staff narrative adds its 问题 to 保障措施 and its 打算 to 主要任务. Raises
    :class:`~wenshu.generators.work_plan.PlanError` for a period that is neither a
    year nor a quarter, before any data is read.
    """
    return generate_documents(
        WORK_PLAN, unit_code, plan_period(period), all_levels=all_levels, levels=levels,
        options=document_options(issued_on, narrative_texts, signature_unit, letterhead,
                                 narrative, script=script, line=line),
        user=user, job=job,
    )
