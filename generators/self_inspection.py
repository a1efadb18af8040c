"""自查报告 (self-inspection report): a unit answers a fixed checklist with its own figures.

The report has four parts: 一、基本情况 (the unit and its year in figures), 二、自查情况
(per checklist section, each item's figure against its standard, then a score table with
section subtotals), 三、存在问题 (every item not fully met, figure against standard),
四、整改措施 (one per problem, due a set number of days after the report's date).
Every sentence is finished before the template sees it, from the ``self_inspection``
phrasebook (wenshu/data/phrases/self_inspection.yaml, reworded per line of work and per
office); the parts live in self_inspection_parts, an item's words in self_inspection_words.

The checklist and the unit's answers travel in ``DocumentOptions.spec`` as plain data
(:func:`inspection_spec`), so they are part of the document's input digest; so does what
the unit holds in the archive when the checklist has archive items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

from wenshu.compute.checklist import ArchiveHoldings, ChecklistScore, score_checklist
from wenshu.compute.summary import ActivitySummary, compute_unit, peer_children
from wenshu.generators import template_build, template_tables
from wenshu.generators.kinds import ContextRequest, DocumentKind
from wenshu.generators.layout import load_layout
from wenshu.generators.numbers import cn_date, heading_number
from wenshu.generators.phrasebook import Phrasebook, load_phrasebook
from wenshu.generators.phrasing import issuing_organ, level_noun, numbered
from wenshu.generators.self_inspection_parts import (
    basic_paragraphs,
    inspection_intro,
    measure,
    opening,
    problem,
    score_rows,
    section_paragraphs,
)
from wenshu.generators.self_inspection_words import UnitProfile, Voice, amount, sentence
from wenshu.generators.summary_indicators import signed
from wenshu.generators.template_tables import TableColumn
from wenshu.models.catalogue import Catalogue
from wenshu.models.checklist import (
    DEFAULT_CHECKLIST,
    Answer,
    Checklist,
    ChecklistError,
    answers_as_plain,
    answers_from_plain,
    load_answers,
    load_checklist,
    parse_checklist,
    resolve_checklist,
)
from wenshu.models.inspection_words import ATTACHED_CHECKLIST, inspection_problem
from wenshu.narrative import Narrative

PHRASEBOOK = "self_inspection"
# Base figures that describe a unit in the report's first part, in this order.
PROFILE_FIGURES = ("population", "married_women")

COLUMNS = (
    TableColumn("序号", "no", Decimal(9)),
    TableColumn("自查内容及标准", "label", None),
    TableColumn("自查情况", "actual", Decimal(25)),
    TableColumn("结论", "result", Decimal(18), "自评结果"),
    TableColumn("分值", "points", Decimal(12), "自评结果"),
    TableColumn("得分", "earned", Decimal(12), "自评结果"),
)


def phrasebook(user_dir: Path | None = None, line: str = "") -> Phrasebook:
    """The self-inspection's wording: shipped, with the line's and an office's rewording."""
    return load_phrasebook(PHRASEBOOK, user_dir, line)


def inspection_spec(checklist: Checklist, answers: Mapping[str, Answer],
                    holdings: ArchiveHoldings | None = None) -> dict[str, Any]:
    """The ``DocumentOptions.spec`` of a self-inspection: checklist and answers as plain data,
    and what the unit holds in the archive (``holdings``, for a checklist's archive items)."""
    spec: dict[str, Any] = {"checklist": checklist.model_dump(mode="json"),
                            "answers": answers_as_plain(answers)}
    if holdings is not None:
        spec["archive"] = [[kind, period, status]
                           for (kind, period), status in sorted(holdings.items())]
    return spec


def read_holdings(spec: Mapping[str, Any]) -> ArchiveHoldings | None:
    """What the unit holds in the archive, back from :func:`inspection_spec` (None: not given)."""
    if "archive" not in spec:
        return None
    return {(kind, period): status for kind, period, status in spec["archive"]}


def read_spec(spec: Mapping[str, Any]) -> tuple[Checklist, dict[str, Answer]]:
    """The checklist and answers back from :func:`inspection_spec`."""
    if "checklist" not in spec:
        raise ChecklistError(inspection_problem("self_inspection_needs_flow"))
    checklist = parse_checklist(spec["checklist"], ATTACHED_CHECKLIST["self_inspection"])
    return checklist, answers_from_plain(spec.get("answers", {}))


@dataclass(frozen=True)
class Report:
    """What one self-inspection is written from, besides its phrasebook."""

    score: ChecklistScore
    unit: UnitProfile
    activities: Sequence[ActivitySummary]
    year: int
    issued_on: date
    signed: bool = False  # whether the unit signed targets for the year (a 责任书 to cite)
    topic: str = ""  # the line of work's subject: 人口和计划生育工作
    narrative: Narrative = field(default_factory=Narrative)
    signature_unit: str | None = None


def _problems_and_measures(v: Voice, report: Report) -> tuple[list, list]:
    score, narrative = report.score, report.narrative
    problems = [problem(v, s, score) for s in score.not_met]
    problems.extend({"lead": "", "text": sentence(text)} for text in narrative.problems)
    if not problems:
        problems.append({"lead": "", "text": v.say("problems.none")})
    measures = [measure(v, s, report.issued_on) for s in score.not_met]
    measures.extend({"lead": "", "text": sentence(text)} for text in narrative.plans)
    return numbered(problems), numbered(measures)


def build_context(report: Report, catalogue: Catalogue, phrases: Phrasebook | None = None
                  ) -> dict[str, Any]:
    """The template context of a 自查报告 (every value a finished string)."""
    score = report.score
    v = Voice(phrases or phrasebook(), catalogue, score.checklist, report.unit, report.year,
              report.topic or score.checklist.subject)
    sections = [{"heading": f"{heading_number(2, n)}{section.section.title}",
                 "paragraphs": section_paragraphs(v, section)}
                for n, section in enumerate(score.sections, start=1)]
    problems, measures = _problems_and_measures(v, report)
    return {
        "title": v.say("title"),
        "opening": opening(v, report.signed),
        "basic_heading": f"{heading_number(1, 1)}{v.say('heading.basic')}",
        "basic_paragraphs": [*basic_paragraphs(v, report.activities),
                             *report.narrative.highlights],
        "inspection_heading": f"{heading_number(1, 2)}{v.say('heading.inspection')}",
        "inspection_intro": inspection_intro(v, score),
        "inspection_sections": sections,
        "table_caption": v.say("table.caption"),
        "score_rows": score_rows(v, score),
        "problems_heading": f"{heading_number(1, 3)}{v.say('heading.problems')}",
        "problems": problems,
        "measures_heading": f"{heading_number(1, 4)}{v.say('heading.measures')}",
        "measures_intro": v.say("measures.intro"),
        "measures": measures,
        "signature_unit": report.signature_unit or report.unit.name,
        "signature_date": cn_date(report.issued_on),
    }


def unit_profile(request: ContextRequest) -> UnitProfile:
    """The unit, its peer children and its profile figures for the request's year."""
    snapshot, code, year = request.snapshot, request.unit_code, request.period.start.year
    unit = snapshot.unit_map[code]
    children = peer_children(snapshot, code)
    noun = level_noun({snapshot.unit_map[c].level for c in children})
    figures = []
    for key in PROFILE_FIGURES:
        figure = request.catalogue.figures.get(key)
        value = request.rollup.figure(code, year, key) if figure else None
        if figure is not None and value is not None:
            figures.append((figure.label, amount(value, figure.unit)))
    return UnitProfile(code, unit.name, unit.level, len(children), noun, tuple(figures))


def build(request: ContextRequest) -> dict[str, Any]:
    """The self-inspection context for one unit (the kind's builder)."""
    checklist, answers = read_spec(request.options.spec)
    year, options = request.period.start.year, request.options
    score = score_checklist(checklist, answers, request.catalogue, request.rollup,
                            request.unit_code, year, archive=read_holdings(options.spec))
    unit_report = compute_unit(request.snapshot, request.catalogue, request.unit_code,
                               request.period, request.rollup)
    signature = options.signature_unit or issuing_organ(
        request.snapshot.unit_map[request.unit_code], request.line)
    report = Report(score, unit_profile(request), unit_report.activities, year,
                    options.issued_on, signed(unit_report), request.line.topic,
                    options.narrative, signature)
    return build_context(report, request.catalogue,
                         phrasebook(request.user_dir, request.line.key))


def build_template(path: Path) -> None:
    """Write the 自查报告 template to ``path``.

    The title lines, 发文字号, 主送机关, 附件说明 and 版记 come from the shared blocks,
    filled by :func:`wenshu.generators.layout_context.layout_context`.
    """
    profile = load_layout("gbt9704")
    document = template_build.new_document(profile, "自查报告")
    add = document.add_paragraph

    template_build.title_block(document)
    add("{{ opening }}")

    add("{{ basic_heading }}", style="Heading 1")
    add("{%p for paragraph in basic_paragraphs %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")

    add("{{ inspection_heading }}", style="Heading 1")
    add("{{ inspection_intro }}")
    add("{%p for section in inspection_sections %}")
    add("{{ section.heading }}", style="Heading 2")
    add("{%p for paragraph in section.paragraphs %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")
    add("{%p endfor %}")
    add("{{ table_caption }}", style="Caption")
    template_tables.loop_table(document, profile, COLUMNS, "score_rows")

    add("{{ problems_heading }}", style="Heading 1")
    template_build.lead_paragraphs(document, "problems")

    add("{%p if measures %}")
    add("{{ measures_heading }}", style="Heading 1")
    add("{{ measures_intro }}")
    template_build.lead_paragraphs(document, "measures")
    add("{%p endif %}")

    template_build.signature(document)
    template_build.save(document, path)


# The sample's unit: a community of the sample street, as the shipped checklist is for one.
SAMPLE_COMMUNITY = "C1"
SAMPLE_ANSWERS = Path(str(files("wenshu") / "data" / "samples" / "self_inspection_answers.yaml"))


def sample_options() -> dict[str, Any]:
    """The shipped checklist with the sample answers, for the sample street's community
    东湖社区 (the checklist is for communities)."""
    checklist = load_checklist(resolve_checklist(DEFAULT_CHECKLIST))
    return {"spec": inspection_spec(checklist, load_answers(SAMPLE_ANSWERS, checklist)),
            "topic": checklist.key}


SELF_INSPECTION = DocumentKind("self_inspection", "自查报告", "self_inspection", build,
                               build_template, sample_options=sample_options,
                               sample_unit=SAMPLE_COMMUNITY)
