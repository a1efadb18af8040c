"""The ``self_inspection`` flow: a unit's 自查报告 against a checklist, with its own answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.archive.holdings import archive_holdings
from wenshu.db import session_scope
from wenshu.generators.self_inspection import SELF_INSPECTION, inspection_spec
from wenshu.models.checklist import ArchiveItem
from wenshu.periods import Period
from wenshu.pipeline import Outcome
from wenshu.services.documents import office_lines
from wenshu.services.inputs import InputFile, checked_self_inspection
from wenshu.settings import get_settings
from wenshu.workflows.documents import document_options, generate_documents


@flow(name="self_inspection", log_prints=False)
def self_inspection(unit_code: str, year: int, checklist: str | InputFile | None = None,
                    answers: InputFile | None = None, issued_on: date | None = None,
                    signature_unit: str | None = None,
                    narrative_texts: list[InputFile] | None = None,
                    letterhead: dict[str, Any] | None = None,
                    script: str = "simplified", user: str | None = None,
                    narrative: dict[str, list[str]] | None = None,
                    job: str | None = None, line: str = "") -> list[Outcome]:
    """Generate and archive a unit's 自查报告 for ``year``.

    ``checklist`` is a shipped checklist's name (default: family_planning) or a checklist
    file's name and text; ``answers`` (a file's name and text) holds the unit's answers to
    its observed items. Both are checked before anything is computed; every problem names the file and item.
    ``letterhead`` and ``script`` are as for the other document flows.
    """
    settings = get_settings()
    loaded, answered = checked_self_inspection(settings, unit_code, year, checklist, answers)
    # Unless told, the report is of the checklist's line of work.
    line = line or office_lines(settings).for_checklist(loaded.key).identity
    holdings = None
    if any(isinstance(item, ArchiveItem) for item in loaded.items):
        # Archive items judge what the unit holds in the archive for the year.
        with session_scope(settings) as session:
            holdings = archive_holdings(session, [unit_code], year)[unit_code]
    options = document_options(issued_on, narrative_texts, signature_unit, letterhead,
                               narrative, script=script, line=line,
                               spec=inspection_spec(loaded, answered, holdings),
                               topic=loaded.key)
    return generate_documents(SELF_INSPECTION, unit_code, Period.year(year), options=options,
                              user=user, job=job)
