"""The 工作计划 (work plan) for a year or a quarter, built from the base year before it.

A plan for the year Y, or for a quarter of Y, looks back at the base year Y-1: what
each indicator reached, which activities were done, in which months and by which
units. Every sentence is filled from the ``work_plan`` phrasebook
(wenshu/data/phrases/work_plan.yaml, reworded per line of work and per office), so
the code holds no wording and the line's subject (``{topic}``) comes from lines.yaml.
The parts:

- **工作目标** (work_plan_goals): per indicator, Y's target as signed (责任书目标),
  else proposed from the base year (上年实际, 上年目标, 参考目标 — the 依据 column
  says which); how proposals were made goes to ``clerk_notes``, which no template
  prints.
- **主要任务**, **时间安排**, **责任分工** (work_plan_tasks): one task per indicator
  missed in the base year and one per activity type done in the plan's months of the
  base year, each with who, how and the figure to reach; stages laid over the
  period's months name each task in the months its table row gives.
- **保障措施** (work_plan_safeguards): organisation, inspection, base data or ledgers,
  funds, and staff's problems each with a measure and a deadline.

The facts come from work_plan_facts and work_plan_ledger. The snapshot may be loaded
for Y-1 (it holds targets for Y) or for Y (it holds Y-1 in full); the plan reads only
base-year ledgers and figures, and targets for Y-1 and Y.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from wenshu.compute.summary import ALL_MONTHS
from wenshu.generators.kinds import ContextRequest, DocumentKind
from wenshu.generators.layout import load_layout
from wenshu.generators.numbers import cn_date, cn_number, heading_number
from wenshu.generators.phrasebook import Phrasebook, load_phrasebook
from wenshu.generators.phrasing import issuing_organ
from wenshu.generators.template_build import (
    lead_paragraphs,
    new_document,
    save,
    signature,
    title_block,
)
from wenshu.generators.template_tables import TableColumn, loop_table
from wenshu.generators.work_plan_facts import base_year, gather
from wenshu.generators.work_plan_goals import goal_context, guidance, opening
from wenshu.generators.work_plan_safeguards import safeguards
from wenshu.generators.work_plan_tasks import duty_rows, phases, tasks
from wenshu.generators.work_plan_writer import Writer
from wenshu.periods import Period

KIND_LABEL = "工作计划"
PHRASEBOOK = "work_plan"

GOAL_COLUMNS = (
    TableColumn("序号", "no", Decimal(10)),
    TableColumn("指标", "label", None),
    TableColumn("上年完成值", "base", Decimal(26)),
    TableColumn("目标值", "target", Decimal(24), "全年目标"),
    TableColumn("确定依据", "source", Decimal(22), "全年目标"),
)
DUTY_COLUMNS = (
    TableColumn("序号", "no", Decimal(10)),
    TableColumn("重点任务", "task", None),
    TableColumn("时间安排", "time", Decimal(34)),
    TableColumn("责任单位", "units", Decimal(56)),
)


def phrasebook(user_dir: Path | None = None, line: str = "") -> Phrasebook:
    """The plans' wording: shipped, with the line's and an office's rewording."""
    return load_phrasebook(PHRASEBOOK, user_dir, line)


def build_context(request: ContextRequest) -> dict[str, Any]:
    """The template context of a work plan (every value a finished string); ``clerk_notes``
    is for the clerk and is not printed."""
    w = Writer(gather(request), phrasebook(request.user_dir, request.line.key),
               request.line.topic)
    goals = goal_context(w, w.say("table.name", number=1))
    rows, task_list = duty_rows(w), tasks(w)
    goal_table = w.say("table.name", number=1) if goals["goal_rows"] else ""
    duty_table = w.say("table.name", number=2 if goal_table else 1)
    sections = iter(range(1, 7))

    def heading(name: str, shown: bool = True) -> str:
        return f"{heading_number(1, next(sections))}{w.say(f'heading.{name}')}" if shown else ""

    stages = phases(w, goal_table)
    return {
        "title": w.say("title"),
        "opening": opening(w),
        "guidance_heading": heading("guidance"),
        "guidance": guidance(w),
        "goals_heading": heading("goals", bool(goal_table)),
        **goals,
        "tasks_heading": heading("tasks", bool(task_list)),
        "tasks": task_list,
        "schedule_heading": heading("schedule"),
        "schedule_intro": w.say("schedule.intro", count=cn_number(len(stages))),
        "phases": stages,
        "duties_heading": heading("duties", bool(rows)),
        "duties_intro": _duties_intro(w, duty_table) if rows else "",
        "duties_table_caption": (w.say("caption", table=duty_table,
                                       title=w.say("caption.duties")) if rows else ""),
        "duty_rows": rows,
        "safeguards_heading": heading("safeguards"),
        "safeguards": safeguards(w, goal_table),
        "signature_unit": (request.options.signature_unit
                           or issuing_organ(w.plan.unit, request.line)),
        "signature_date": cn_date(request.options.issued_on),
    }


def _duties_intro(w: Writer, table: str) -> str:
    if w.plan.children:
        return w.say("duties.children", children=w.children_text(w.plan.children), table=table)
    return w.say("duties.alone", table=table)


# --- The template and the kind ---------------------------------------------------------


def build_template(path: Path) -> None:
    """Write the 工作计划 template to ``path``: the shared title and closing blocks around
    six numbered sections; 工作目标, 主要任务 and 责任分工 sit inside ``{%p if %}``.
    ``clerk_notes`` is deliberately not placed: it is for the clerk, not the reader."""
    profile = load_layout("gbt9704")
    document = new_document(profile, KIND_LABEL)
    add = document.add_paragraph

    title_block(document)
    add("{{ opening }}")

    add("{{ guidance_heading }}", style="Heading 1")
    add("{%p for paragraph in guidance %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")

    add("{%p if goal_rows %}")
    add("{{ goals_heading }}", style="Heading 1")
    add("{{ goals_intro }}")
    add("{{ goals_table_caption }}", style="Caption")
    loop_table(document, profile, GOAL_COLUMNS, "goal_rows")
    add("{%p endif %}")

    add("{%p if tasks %}")
    add("{{ tasks_heading }}", style="Heading 1")
    add("{%p for task in tasks %}")
    add("{{ task.heading }}", style="Heading 2")
    add("{%p for paragraph in task.paragraphs %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")
    add("{%p endfor %}")
    add("{%p endif %}")

    add("{{ schedule_heading }}", style="Heading 1")
    add("{{ schedule_intro }}")
    lead_paragraphs(document, "phases")

    add("{%p if duty_rows %}")
    add("{{ duties_heading }}", style="Heading 1")
    add("{{ duties_intro }}")
    add("{{ duties_table_caption }}", style="Caption")
    loop_table(document, profile, DUTY_COLUMNS, "duty_rows")
    add("{%p endif %}")

    add("{{ safeguards_heading }}", style="Heading 1")
    lead_paragraphs(document, "safeguards")

    signature(document)
    save(document, path)


@dataclass(frozen=True)
class WorkPlanKind(DocumentKind):
    """A document kind that reads the whole year before its period."""

    def months(self, period: Period) -> frozenset[int]:
        """Every month: a plan reads whole base years, whatever span it plans."""
        return ALL_MONTHS

    def snapshot_year(self, period: Period) -> int:
        """The year whose snapshot the plan needs: the base year (it holds next year's targets)."""
        return base_year(period)


# The built-in sample holds 2024 and 2025: its plan is the one for 2026.
WORK_PLAN = WorkPlanKind("work_plan", KIND_LABEL, "work_plan", build_context, build_template,
                         sample_period="2026")
