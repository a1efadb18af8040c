"""A campaign spec typed into the generate form: when the kind is 实施方案 the form shows
the spec's parts (starting from the clerk's last campaign), and sending it keeps them as
the clerk's spec file, each problem marked beside its field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from wenshu.models.campaign_form import (
    INDICATORS,
    PARTICIPANT_CHOICES,
    PHASES,
    form_errors,
    spec_from_form,
)
from wenshu.models.catalogue import load_catalogue
from wenshu.services import campaign_form
from wenshu.web.params import prefixed
from wenshu.web.security import Caller, requires, settings_of
from wenshu.web.templating import page

router = APIRouter(include_in_schema=False)
Clerk = Annotated[Caller, Depends(requires("generate"))]
PREFIX = "campaign."  # the spec's fields among the generate form's


def campaign_part(request: Request, who: Caller, values: Mapping[str, str]) -> dict[str, Any]:
    """What the form's campaign part shows: nothing for other kinds; else the fields as
    sent, or the clerk's last campaign, or empty."""
    if values.get("kind") != "campaign_plan":
        return {}
    typed = prefixed(values, PREFIX)
    if not typed:
        typed = campaign_form.earlier_spec(settings_of(request), who.actor) or {}
    indicators = load_catalogue(settings_of(request).catalogue_dir).indicators.values()
    return {"fields": typed, "groups": PARTICIPANT_CHOICES, "phases": range(1, PHASES + 1),
            "goals": range(1, INDICATORS + 1), "indicators": list(indicators)}


def typed_campaign(request: Request, who: Caller, values: Mapping[str, str]
                   ) -> tuple[str | None, dict[str, str]]:
    """The campaign typed into the form kept as the clerk's spec file: its stored path, or
    what is wrong, by the form field (``campaign.phase_end_2``)."""
    data = spec_from_form(prefixed(values, PREFIX))
    errors = form_errors(data)
    if errors:
        return None, {PREFIX + field: problem for field, problem in errors.items()}
    return str(campaign_form.save_spec(settings_of(request), who.actor, data).path), {}


@router.get("/documents/campaign/fields")
def campaign_fields(request: Request, who: Clerk, kind: str = "") -> Response:
    """The campaign part of the generate form, for htmx to swap in."""
    return page(request, "partials/campaign_form.html", {"campaign": campaign_part(
        request, who, {"kind": kind})})
