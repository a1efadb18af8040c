"""实施方案 of a named campaign: its render context, its template and its document kind.

A campaign spec (:mod:`wenshu.models.campaign`) says what the office wants;
:mod:`~wenshu.generators.campaign_resolve` checks it against the unit tree and the
indicator catalogue, :mod:`~wenshu.generators.campaign_sections` puts each section into
words from the ``campaign_plan`` phrasebook (wenshu/data/phrases/campaign_plan.yaml,
reworded per line of work and per office), and this module numbers the sections that
have something to say: 指导思想, 基本原则, 工作目标, 实施步骤, 组织领导, 工作要求.
"""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from wenshu.compute.snapshot import Snapshot
from wenshu.compute.summary import Rollup
from wenshu.generators.campaign_resolve import resolve_campaign
from wenshu.generators.campaign_sections import (
    goals,
    opening,
    organisation,
    requirements,
    section,
    steps,
)
from wenshu.generators.campaign_words import numbered, phrasebook, sentence
from wenshu.generators.kinds import ContextRequest, DocumentKind
from wenshu.generators.layout import load_layout
from wenshu.generators.numbers import cn_date, heading_number
from wenshu.generators.phrasebook import Phrasebook
from wenshu.generators.phrasing import issuing_organ
from wenshu.generators.template_build import (
    lead_paragraphs,
    new_document,
    save,
    signature,
    title_block,
)
from wenshu.models.campaign import (
    CampaignSpec,
    CampaignSpecError,
    parse_campaign,
    spec_problem,
)
from wenshu.models.catalogue import Catalogue
from wenshu.periods import Period
from wenshu.yaml_reader import parse_yaml

KIND_LABEL = "实施方案"


def build_context(spec: CampaignSpec, snapshot: Snapshot, rollup: Rollup, catalogue: Catalogue,
                  unit_code: str, *, issued_on: date, signature_unit: str | None = None,
                  source: str = "campaign spec",
                  phrases: Phrasebook | None = None) -> dict[str, Any]:
    """The template context of a campaign's 实施方案 for ``unit_code`` (all finished strings).

    ``snapshot`` holds the unit and those below it for the campaign's year and the one
    before; ``rollup`` gives the figures the indicator goals start from; ``phrases`` is
    the wording (the shipped phrasebook by default). Raises :class:`CampaignSpecError`
    (naming ``source``) if the spec names units or indicators the data does not have.
    """
    p = phrases or phrasebook()
    units = {code: snapshot.unit_map[code] for code in snapshot.subtree(unit_code)}
    plan = resolve_campaign(spec, units, unit_code, catalogue, source, p)
    candidates = [
        section(p.say("heading.guiding_idea"), [sentence(t) for t in spec.guiding_idea])
        if spec.guiding_idea else None,
        section(p.say("heading.principles"), points=numbered(spec.principles))
        if spec.principles else None,
        goals(plan, rollup, p),
        steps(plan, p),
        organisation(plan, p),
        requirements(plan, p),
    ]
    sections = [s for s in candidates if s is not None]
    for n, part in enumerate(sections, start=1):
        part["heading"] = f"{heading_number(1, n)}{part['heading']}"
    title = spec.name if spec.name.endswith(KIND_LABEL) else f"{spec.name}{KIND_LABEL}"
    return {
        "title": f"{plan.unit.name}{title}",
        "opening": opening(plan, p),
        "sections": sections,
        "signature_unit": signature_unit or issuing_organ(plan.unit),
        "signature_date": cn_date(issued_on),
    }


def build(request: ContextRequest) -> dict[str, Any]:
    """The document kind's builder: the spec travels as plain data in ``options.spec``."""
    options = request.options
    spec = parse_campaign(options.spec, "campaign spec")
    if request.period != Period.year(spec.year):
        raise CampaignSpecError(spec_problem("wrong_year", code=spec.code, year=spec.year,
                                             period=request.period))
    if options.topic != spec.code:
        raise CampaignSpecError(spec_problem("wrong_topic", code=spec.code,
                                             topic=options.topic))
    return build_context(spec, request.snapshot, request.rollup, request.catalogue,
                         request.unit_code, issued_on=options.issued_on,
                         signature_unit=options.signature_unit, source=f"campaign spec {spec.code}",
                         phrases=phrasebook(request.user_dir, request.line.key))


# --- The template ---------------------------------------------------------------------

def build_template(path: Path) -> None:
    """Write the 实施方案 template: title block, opening, numbered sections, closing blocks.

    Sections arrive as a list (only those with something to say, already numbered);
    each has paragraphs, then bold-lead points, then parts with a level-2 heading
    (the phases).
    """
    profile = load_layout()
    document = new_document(profile, KIND_LABEL)
    add = document.add_paragraph
    title_block(document)
    add("{{ opening }}")
    add("{%p for section in sections %}")
    add("{{ section.heading }}", style="Heading 1")
    add("{%p for paragraph in section.paragraphs %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")
    lead_paragraphs(document, "section.points")
    add("{%p for part in section.parts %}")
    add("{{ part.heading }}", style="Heading 2")
    add("{%p for paragraph in part.paragraphs %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")
    add("{%p endfor %}")
    add("{%p endfor %}")
    signature(document)
    save(document, path)


SAMPLE_SPEC = Path(str(files("wenshu") / "data" / "campaigns" / "sample.yaml"))


def sample_options() -> dict[str, Any]:
    """The shipped sample spec, for the built-in sample street (its communities take part)."""
    spec = parse_yaml(SAMPLE_SPEC.read_text(encoding="utf-8"))
    spec["participants"] = "all communities"
    return {"spec": spec, "topic": spec["code"]}


CAMPAIGN_PLAN = DocumentKind("campaign_plan", KIND_LABEL, "campaign_plan", build, build_template,
                             sample_options=sample_options)
