"""The ``year_end_summary`` flow: a unit's 年度工作总结 (and, on request, its subtree's)."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.generators.kinds import YEAR_SUMMARY
from wenshu.periods import Period
from wenshu.pipeline import Outcome
from wenshu.services.inputs import InputFile
from wenshu.workflows.documents import document_options, generate_documents


@flow(name="year_end_summary", log_prints=False)
def year_end_summary(unit_code: str, year: int, all_levels: bool = False,
                     levels: list[str] | None = None, issued_on: date | None = None,
                     narrative_texts: list[InputFile] | None = None,
                     signature_unit: str | None = None,
                     letterhead: dict[str, Any] | None = None,
                     script: str = "simplified", user: str | None = None,
                     narrative: dict[str, list[str]] | None = None,
                     job: str | None = None, line: str = "") -> list[Outcome]:
    """Generate and archive the 年度工作总结 of a unit (with ``all_levels``, of its subtree too)."""
    return generate_documents(
        YEAR_SUMMARY, unit_code, Period.year(year), all_levels=all_levels, levels=levels,
        options=document_options(issued_on, narrative_texts, signature_unit, letterhead,
                                 narrative, script=script, line=line),
        user=user, job=job,
    )
