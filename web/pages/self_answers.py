"""A self-inspection's answers typed into the generate form: the items the unit must
answer appear below it when the kind is 自查报告 (fetched again by htmx when the unit,
period or checklist changes), start from the clerk's last answers, and are kept as the
clerk's answers file when the form is sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from wenshu.errors import WenshuError
from wenshu.models.answers import answers_from_form
from wenshu.services import self_answers
from wenshu.services.inspections import require_shipped
from wenshu.web.params import prefixed
from wenshu.web.security import Caller, requires, settings_of
from wenshu.web.templating import page

router = APIRouter(include_in_schema=False)
Clerk = Annotated[Caller, Depends(requires("generate"))]
_SUBJECT_FIELDS = ("unit_code", "period", "line")


def _subject(request: Request, who: Caller, values: Mapping[str, str]
             ) -> self_answers.AnswersSubject:
    checklist = values.get("checklist", "")
    return self_answers.answers_subject(settings_of(request), who.actor, {
        **{k: values.get(k, "") for k in _SUBJECT_FIELDS},
        "checklist": require_shipped(checklist) if checklist else None})


def answers_part(request: Request, who: Caller, values: Mapping[str, str]) -> dict[str, Any]:
    """What the form's answers part shows for ``values`` (the generate form's fields):
    nothing for other kinds; why not yet, while the unit or period does not make a
    subject; else the items, with what was sent or else the clerk's last answers."""
    if values.get("kind") != "self_inspection":
        return {}
    try:
        subject = _subject(request, who, values)
    except WenshuError as exc:
        return {"problem": str(exc)}
    typed, notes = prefixed(values, "value:"), prefixed(values, "note:")
    earlier = None
    if not typed:
        earlier = self_answers.earlier_answers(settings_of(request), who.actor, subject)
        if earlier is not None:
            typed, notes = earlier.values, earlier.notes
    return {"subject": subject, "values": typed, "notes": notes, "earlier": earlier}


def typed_answers(request: Request, who: Caller, values: Mapping[str, str]
                  ) -> tuple[str | None, dict[str, str]]:
    """The answers typed into the form kept as the clerk's answers file: its stored path
    (None when the checklist asks the unit nothing), or what is wrong, by the form's
    error key for each item (``answer:boards``)."""
    subject = _subject(request, who, values)
    if not subject.checklist.observed:
        return None, {}
    answers, errors = answers_from_form(subject.checklist, prefixed(values, "value:"),
                                        prefixed(values, "note:"))
    if errors:
        return None, {f"answer:{key}": problem for key, problem in errors.items()}
    upload = self_answers.save_answers(settings_of(request), who.actor, subject, answers)
    return str(upload.path), {}


@router.get("/documents/self-inspection/items")
def answers_items(request: Request, who: Clerk, kind: str = "", unit_code: str = "",
                  period: str = "", checklist: str = "", line: str = "") -> Response:
    """The answers part of the generate form, for htmx to swap in."""
    values = {"kind": kind, "unit_code": unit_code[:32], "period": period[:16],
              "checklist": checklist[:64], "line": line[:64]}
    return page(request, "partials/self_answers.html", {"answers": answers_part(
        request, who, values)})
