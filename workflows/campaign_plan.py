"""The ``campaign_plan`` flow: a named campaign's 实施方案, from the office's spec file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from prefect import flow

from wenshu.compute.load import load_units, subtree_codes
from wenshu.db import session_scope
from wenshu.generators.campaign_plan import CAMPAIGN_PLAN, resolve_campaign
from wenshu.models.campaign import CampaignSpec, load_campaign
from wenshu.models.catalogue import load_catalogue
from wenshu.periods import Period
from wenshu.pipeline import Outcome
from wenshu.settings import Settings, get_settings
from wenshu.workflows.documents import document_options, generate_documents


def checked_campaign(settings: Settings, unit_code: str, spec_file: Path) -> CampaignSpec:
    """Load a spec file and check its units and indicators against the data directory.

    Done before the flow's tasks so that every error names the file and its field;
    raises :class:`~wenshu.models.campaign.CampaignSpecError` or, for an unknown
    ``unit_code``, :class:`~wenshu.errors.NotFoundError`.
    """
    spec = load_campaign(spec_file)
    catalogue = load_catalogue(settings.catalogue_dir)
    with session_scope(settings) as session:
        units = load_units(session)
    tree = {code: units[code] for code in subtree_codes(units, unit_code)}
    resolve_campaign(spec, tree, unit_code, catalogue, str(spec_file))
    return spec


@flow(name="campaign_plan", log_prints=False)
def campaign_plan(unit_code: str, spec_file: str, issued_on: date | None = None,
                  signature_unit: str | None = None,
                  letterhead: dict[str, Any] | None = None,
                  script: str = "simplified", user: str | None = None,
                  job: str | None = None) -> list[Outcome]:
    """Generate and archive the 实施方案 of the campaign ``spec_file`` describes, for a unit.

    The document's period is the campaign's year and its topic the campaign's code;
    the spec itself is part of the inputs, so an edited spec makes a new version.
    """
    spec = checked_campaign(get_settings(), unit_code, Path(spec_file))
    options = document_options(issued_on, None, signature_unit, letterhead,
                               spec=spec.model_dump(mode="json"), topic=spec.code,
                               script=script)
    return generate_documents(CAMPAIGN_PLAN, unit_code, Period.year(spec.year), options=options,
                              user=user, job=job)
