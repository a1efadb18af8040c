"""The files a document is made from, carried by content: staff narratives, a campaign's
spec, a checklist and a unit's answers to it.

A flow may run on another machine (a Prefect worker) that cannot see the caller's files,
so the application layer reads each file once into an :data:`InputFile` (its name and
text) and the flow parameters carry that. The same functions check the content before
any flow starts (a mistake answers at once, naming the file and its field) and read it
inside the flow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from wenshu.compute.load import load_units, subtree_codes
from wenshu.db import session_scope
from wenshu.errors import WenshuError
from wenshu.models.campaign import CampaignSpec, campaign_from_text
from wenshu.models.catalogue import load_catalogue
from wenshu.models.checklist import (
    Answer,
    Checklist,
    ChecklistError,
    check_catalogue,
    check_level,
    load_checklist,
    parse_answers,
    parse_checklist,
    resolve_checklist,
    yaml_data,
)
from wenshu.models.tables import Unit
from wenshu.narrative import Narrative, narrative_from_text
from wenshu.settings import Settings

# A file as flow parameters carry it: {"name": "说明.yaml", "text": "亮点: …"}. The name
# keeps its suffix, which tells a narrative's format, and names the file in errors.
InputFile = dict[str, str]
MAX_INPUT_CHARS = 1_000_000  # a narrative or spec is a few pages; a flow parameter stays small


class InputFileError(WenshuError):
    """A file named as an input cannot be read, or its content is not a file's."""


def read_input(path: str | Path) -> InputFile:
    """Read a file a document is made from (UTF-8, a BOM allowed) into an :data:`InputFile`."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFileError(f"找不到文件：{path}") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{file.name}：不是 UTF-8 编码的文本文件") from None
    except OSError as exc:
        raise InputFileError(f"{file.name}：无法读取（{exc.strerror}）") from None
    return checked_input({"name": file.name, "text": text})


def checked_input(value: Any) -> InputFile:
    """``value`` when it is an :data:`InputFile` (e.g. typed into the Prefect UI)."""
    if (not isinstance(value, Mapping) or set(value) != {"name", "text"}
            or not all(isinstance(value[k], str) for k in ("name", "text"))):
        raise InputFileError("输入文件应为 {name: 文件名, text: 文件内容}")
    if len(value["text"]) > MAX_INPUT_CHARS:
        raise InputFileError(f"{value['name']}：文件过大（超过{MAX_INPUT_CHARS}字）")
    return {"name": value["name"], "text": value["text"]}


def read_narratives(files: Sequence[Any]) -> Narrative:
    """Every staff narrative's paragraphs, in order; raises on a malformed one."""
    staff = Narrative()
    for file in files:
        given = checked_input(file)
        staff = staff.merged(narrative_from_text(given["name"], given["text"]))
    return staff


def checked_campaign(settings: Settings, unit_code: str, spec: Any) -> CampaignSpec:
    """Validate a campaign spec and check its units and indicators against the data.

    Raises :class:`~wenshu.models.campaign.CampaignSpecError` naming the file and field,
    or, for an unknown ``unit_code``, :class:`~wenshu.errors.NotFoundError`.
    """
    from wenshu.generators.campaign_plan import resolve_campaign

    given = checked_input(spec)
    campaign = campaign_from_text(given["name"], given["text"])
    catalogue = load_catalogue(settings.catalogue_dir)
    with session_scope(settings) as session:
        units = load_units(session)
    tree = {code: units[code] for code in subtree_codes(units, unit_code)}
    resolve_campaign(campaign, tree, unit_code, catalogue, given["name"])
    return campaign


def checklist_input(name_or_path: str | None) -> str | InputFile | None:
    """A checklist as flow parameters carry it: a shipped checklist's name as it is, a
    checklist file by its content."""
    if name_or_path is None or not Path(name_or_path).is_file():
        return name_or_path
    return read_input(name_or_path)


def checked_checklist(settings: Settings, checklist: str | Mapping[str, str] | None
                      ) -> Checklist:
    """A checklist (a shipped name, None for the default, or an :data:`InputFile`),
    checked against the catalogue."""
    if checklist is None or isinstance(checklist, str):
        path = resolve_checklist(checklist)
        loaded, source = load_checklist(path), str(path)
    else:
        given = checked_input(checklist)
        source = given["name"]
        loaded = parse_checklist(yaml_data(source, given["text"]), source)
    check_catalogue(loaded, load_catalogue(settings.catalogue_dir), source)
    return loaded


def checked_self_inspection(settings: Settings, unit_code: str, year: int,
                            checklist: str | Mapping[str, str] | None, answers: Any
                            ) -> tuple[Checklist, dict[str, Answer]]:
    """The checklist (default family_planning), checked against the catalogue and the
    unit's level, and the unit's answers to its observed items (an :data:`InputFile`, or
    None).

    No answers are needed only when the checklist asks nothing of the unit. The files are
    checked first; then the unit, from the database: a checklist written for other levels
    of unit (a community's, for a street) is refused, naming both.
    """
    loaded = checked_checklist(settings, checklist)
    answered: dict[str, Answer] = {}
    if answers is not None:
        given = checked_input(answers)
        answered = parse_answers(yaml_data(given["name"], given["text"]), loaded,
                                 given["name"], unit_code=unit_code, year=year)
    elif loaded.observed:
        keys = ", ".join(item.key for item in loaded.observed)
        raise ChecklistError(f"检查标准 {loaded.key} 中有 {len(loaded.observed)} 项须由本单位"
                             f"自行填报（{keys}）：请提供自查答复文件")
    with session_scope(settings) as session:
        unit = session.get(Unit, unit_code)
        # An unknown unit is reported where the document is made, as for every kind.
        found = (unit.name, unit.level) if unit is not None else None
    if found is not None:
        check_level(loaded, *found)
    return loaded, answered


__all__ = ["InputFile", "InputFileError", "checked_campaign", "checked_checklist",
           "checked_input", "checked_self_inspection", "checklist_input", "read_input",
           "read_narratives"]
