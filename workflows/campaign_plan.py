"""The ``campaign_plan`` flow: a named campaign's 实施方案, from the office's spec file."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.generators.campaign_plan import CAMPAIGN_PLAN
from wenshu.periods import Period
from wenshu.pipeline import Outcome
from wenshu.services.inputs import InputFile, checked_campaign
from wenshu.settings import get_settings
from wenshu.workflows.documents import document_options, generate_documents


@flow(name="campaign_plan", log_prints=False)
def campaign_plan(unit_code: str, spec: InputFile, issued_on: date | None = None,
                  signature_unit: str | None = None,
                  letterhead: dict[str, Any] | None = None,
                  script: str = "simplified", user: str | None = None,
                  job: str | None = None) -> list[Outcome]:
    """Generate and archive the 实施方案 of the campaign ``spec`` describes (the spec
    file's name and YAML text), for a unit.

    The document's period is the campaign's year and its topic the campaign's code;
    the spec itself is part of the inputs, so an edited spec makes a new version.
    """
    campaign = checked_campaign(get_settings(), unit_code, spec)
    options = document_options(issued_on, None, signature_unit, letterhead,
                               spec=campaign.model_dump(mode="json"), topic=campaign.code,
                               script=script)
    return generate_documents(CAMPAIGN_PLAN, unit_code, Period.year(campaign.year),
                              options=options,
                              user=user, job=job)
