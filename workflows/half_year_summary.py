"""The ``half_year_summary`` flow: a unit's 半年工作总结 (first half against the year's targets)."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.generators.kinds import HALF_YEAR_SUMMARY
from wenshu.periods import Period
from wenshu.pipeline import Outcome
from wenshu.services.inputs import InputFile
from wenshu.workflows.documents import document_options, generate_documents


@flow(name="half_year_summary", log_prints=False)
def half_year_summary(unit_code: str, year: int, all_levels: bool = False,
                      levels: list[str] | None = None, issued_on: date | None = None,
                      narrative_texts: list[InputFile] | None = None,
                      signature_unit: str | None = None,
                     letterhead: dict[str, Any] | None = None,
                     script: str = "simplified", user: str | None = None,
                      narrative: dict[str, list[str]] | None = None,
                      job: str | None = None, line: str = "") -> list[Outcome]:
    """Generate and archive the 半年工作总结 (January–June) of a unit (and its subtree)."""
    return generate_documents(
        HALF_YEAR_SUMMARY, unit_code, Period.parse(f"{year}H1"), all_levels=all_levels,
        levels=levels,
        options=document_options(issued_on, narrative_texts, signature_unit, letterhead,
                                 narrative, script=script, line=line),
        user=user, job=job,
    )
