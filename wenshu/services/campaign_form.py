"""A campaign spec typed into the browser: kept as a spec file among the clerk's uploads,
so the generation reads it exactly as one handed in, and the next form starts from it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from wenshu.access import Actor
from wenshu.errors import CampaignSpecError
from wenshu.models.campaign_form import form_from_spec
from wenshu.settings import Settings
from wenshu.uploads import UploadInfo, recent_uploads, save_data
from wenshu.yaml_reader import parse_yaml


def save_spec(settings: Settings, actor: Actor, data: Mapping[str, Any]) -> UploadInfo:
    """Keep spec ``data`` (from :func:`~wenshu.models.campaign_form.spec_from_form`, or
    sent as JSON) as the clerk's campaign spec file."""
    first = {"code": data["code"]} if "code" in data else {}  # a slug: no comma, no doubt
    return save_data(settings, actor, "spec", f"{data.get('name') or '活动'}实施方案.yaml",
                     {**first, **data})


def earlier_spec(settings: Settings, actor: Actor) -> dict[str, str] | None:
    """The clerk's newest campaign spec that still reads, as the form's fields; None when
    there is none."""
    for upload in recent_uploads(settings, actor, "spec"):
        try:
            data = parse_yaml(upload.path.read_text("utf-8-sig"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError, CampaignSpecError):
            continue  # a file that no longer reads is no starting point
        if isinstance(data, dict) and data.get("name"):
            return form_from_spec(data)
    return None


__all__ = ["earlier_spec", "save_spec"]
