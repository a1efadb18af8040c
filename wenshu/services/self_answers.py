"""A unit's answers to its self-inspection checklist, typed into the browser instead of
written as a file.

The form's subject is checked as a generation request is (the unit is the clerk's, the
period a year, the checklist fits the unit's level). The answers are kept as an answers
file among the clerk's uploads, so the generation reads them exactly as one handed in,
and the next form for the same unit and checklist starts from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wenshu.access import Actor
from wenshu.db import session_scope
from wenshu.errors import ChecklistError
from wenshu.models.answers import form_values
from wenshu.models.checklist import check_level
from wenshu.models.checklist_schema import Checklist
from wenshu.models.checklist_words import yaml_data
from wenshu.models.tables import Unit
from wenshu.services import inputs
from wenshu.services.documents import check_unit, request_line, self_inspection_checklist
from wenshu.services.requests import parse_request, request_year
from wenshu.settings import Settings
from wenshu.uploads import UploadInfo, recent_uploads, save_data


@dataclass(frozen=True)
class AnswersSubject:
    """What an answers form is for: the checklist, the unit and the year."""

    checklist: Checklist
    unit_code: str
    unit_name: str
    year: int


@dataclass(frozen=True)
class EarlierAnswers:
    """Answers the clerk gave before for the same unit and checklist, as the form shows them."""

    values: dict[str, str]
    notes: dict[str, str]
    year: int | None  # the year they answered, when the file says
    given_at: datetime


def answers_subject(settings: Settings, actor: Actor, data: Mapping[str, Any]) -> AnswersSubject:
    """The subject of a self-inspection request's answers (``data``: unit_code, period,
    checklist, line), refused as its generation would be: a
    :class:`~wenshu.services.requests.RequestError` naming the field, AccessDenied, or a
    ChecklistError for a checklist not meant for the unit's level."""
    req = parse_request({**data, "kind": "self_inspection"})
    check_unit(settings, actor, req)
    year = request_year(req)
    checklist = inputs.checked_checklist(
        settings, self_inspection_checklist(req, request_line(settings, req)))
    with session_scope(settings) as session:
        unit = session.get(Unit, req.unit_code)
        assert unit is not None  # check_unit found it
        name, level = unit.name, unit.level
    check_level(checklist, name, level)
    return AnswersSubject(checklist, req.unit_code, name, year)


def save_answers(settings: Settings, actor: Actor, subject: AnswersSubject,
                 answers: Mapping[str, Any]) -> UploadInfo:
    """Keep a form's answers (as :func:`~wenshu.models.answers.answers_from_form` gives
    them) as the clerk's answers file for ``subject``."""
    data = {"checklist": subject.checklist.key, "unit": subject.unit_code,
            "year": subject.year, "answers": dict(answers)}
    return save_data(settings, actor, "answers", f"{subject.unit_name}{subject.year}年自查答复.yaml",
                     data)


def earlier_answers(settings: Settings, actor: Actor, subject: AnswersSubject
                    ) -> EarlierAnswers | None:
    """The newest answers the clerk kept for the same unit and checklist, of any year: most
    of a unit's conditions stand from one self-inspection to the next."""
    for upload in recent_uploads(settings, actor, "answers"):
        try:
            data = yaml_data(upload.original_name, upload.path.read_text("utf-8-sig"))
        except (ChecklistError, OSError, UnicodeDecodeError):
            continue  # a file that no longer reads is no starting point
        if (isinstance(data, dict) and isinstance(data.get("answers"), dict)
                and data.get("checklist") == subject.checklist.key
                and str(data.get("unit")) == subject.unit_code):
            values, notes = form_values(data["answers"])
            year = data.get("year")
            return EarlierAnswers(values, notes, year if isinstance(year, int) else None,
                                  upload.created_at)
    return None


__all__ = ["AnswersSubject", "EarlierAnswers", "answers_subject", "earlier_answers",
           "save_answers"]
