"""The files a document is made from, read and checked: staff narratives, a campaign's
spec, a self-inspection's checklist and answers.

The application layer checks them before any flow starts (so a mistake answers at once,
naming the file and its field), and the flows read them through the same functions.
"""

from __future__ import annotations

from pathlib import Path

from wenshu.compute.load import load_units, subtree_codes
from wenshu.db import session_scope
from wenshu.models.campaign import CampaignSpec, load_campaign
from wenshu.models.catalogue import load_catalogue
from wenshu.models.checklist import (
    Answer,
    Checklist,
    ChecklistError,
    check_catalogue,
    load_answers,
    load_checklist,
    resolve_checklist,
)
from wenshu.narrative import Narrative, parse_narrative
from wenshu.settings import Settings


def read_narratives(paths: list[str]) -> Narrative:
    """Every staff narrative file's paragraphs, in order; raises on a malformed one."""
    staff = Narrative()
    for path in paths:
        staff = staff.merged(parse_narrative(Path(path)))
    return staff


def checked_campaign(settings: Settings, unit_code: str, spec_file: Path) -> CampaignSpec:
    """Load a spec file and check its units and indicators against the data directory.

    Raises :class:`~wenshu.models.campaign.CampaignSpecError` naming the file and field,
    or, for an unknown ``unit_code``, :class:`~wenshu.errors.NotFoundError`.
    """
    from wenshu.generators.campaign_plan import resolve_campaign

    spec = load_campaign(spec_file)
    catalogue = load_catalogue(settings.catalogue_dir)
    with session_scope(settings) as session:
        units = load_units(session)
    tree = {code: units[code] for code in subtree_codes(units, unit_code)}
    resolve_campaign(spec, tree, unit_code, catalogue, str(spec_file))
    return spec


def checked_self_inspection(settings: Settings, unit_code: str, year: int,
                            checklist_file: str | None, answers_file: str | None
                            ) -> tuple[Checklist, dict[str, Answer]]:
    """The checklist (a shipped name or a file; default family_planning), checked against
    the catalogue, and the unit's answers to its observed items.

    No answers file is needed only when the checklist asks nothing of the unit.
    """
    path = resolve_checklist(checklist_file)
    checklist = load_checklist(path)
    check_catalogue(checklist, load_catalogue(settings.catalogue_dir), str(path))
    if answers_file is not None:
        return checklist, load_answers(Path(answers_file), checklist, unit_code=unit_code,
                                       year=year)
    if checklist.observed:
        keys = ", ".join(item.key for item in checklist.observed)
        raise ChecklistError(f"检查标准 {checklist.key} 中有 {len(checklist.observed)} 项须由本单位"
                             f"自行填报（{keys}）：请提供自查答复文件")
    return checklist, {}


__all__ = ["checked_campaign", "checked_self_inspection", "read_narratives"]
