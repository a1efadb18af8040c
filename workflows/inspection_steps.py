"""An inspection's plain steps, with no Prefect: load its inputs, split it per unit,
score, place in the ranking, set each document's options, draft, and find what the
archive holds of it afterwards.

The ``inspection_report`` flow (:mod:`wenshu.workflows.inspection`) is a thin shell of
tasks over these; the web app's scoring preview and the tests call them directly.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wenshu.archive import DocumentKey
from wenshu.archive.holdings import archive_holdings
from wenshu.compute.load import load_snapshot, load_units, subtree_codes
from wenshu.compute.ranking import Ranked
from wenshu.compute.snapshot import Snapshot
from wenshu.compute.summary import Rollup
from wenshu.db import session_scope
from wenshu.errors import ChecklistError, NotFoundError
from wenshu.generators.inspection import INSPECTION_BULLETIN, INSPECTION_REPORT
from wenshu.generators.inspection_inputs import (
    Place,
    UnitInspection,
    UnitRecord,
    bulletin_spec,
    inspect_unit,
    period_months,
    place_of,
    report_spec,
)
from wenshu.generators.kinds import DocumentKind, DocumentOptions
from wenshu.generators.phrasing import issuing_organ, level_noun
from wenshu.ingest.findings import (
    answers_by_unit,
    previous_inspection,
    stored_findings,
)
from wenshu.models.catalogue import Catalogue
from wenshu.models.checklist import ArchiveItem, Checklist
from wenshu.models.inspection_words import inspection_problem
from wenshu.models.lines import Line
from wenshu.models.tables import Document, DocumentVersion, Unit
from wenshu.periods import Period
from wenshu.pipeline import Job, Outcome, archived_outcomes, plan_documents, render_job
from wenshu.settings import Settings

INSPECTION_KINDS = (INSPECTION_REPORT.key, INSPECTION_BULLETIN.key)


@dataclass(frozen=True)
class Inspection:
    """Everything one inspection reads, loaded once (plain data, no database)."""

    checklist: Checklist
    period: Period
    inspected_on: date
    issuer: str  # the inspecting unit's code
    snapshot: Snapshot  # the issuer's subtree, for the period's year and the one before
    units: tuple[str, ...]  # the units inspected, in code order
    records: Mapping[str, UnitRecord]
    previous_period: Period | None = None  # the earlier inspection, for a follow-up
    # The units inspected the time before too, with their record then.
    previous: Mapping[str, UnitRecord] = field(default_factory=dict)

    def issuer_name(self, line: Line | None = None) -> str:
        """The inspecting unit's issuing organ (署名) for ``line``, which signs the 反馈意见."""
        return issuing_organ(self.snapshot.unit_map[self.issuer], line)

    @property
    def noun(self) -> str:
        """What the units inspected are called: 社区, 街道, 单位."""
        return level_noun(self.snapshot.unit_map[code].level for code in self.units)

    def names(self) -> dict[str, str]:
        """The units' names by code."""
        return {code: self.snapshot.unit_map[code].name for code in self.units}


@dataclass(frozen=True)
class UnitWork:
    """What scoring and drafting one unit's report read: its own subtree and records."""

    code: str
    snapshot: Snapshot  # the unit's subtree only
    record: UnitRecord
    previous: UnitRecord | None


@dataclass(frozen=True)
class Draft:
    """One document of the batch: a job rendered to .docx, or an unchanged archived version."""

    job: Job | None
    docx: Path | None
    unchanged: Outcome | None


# Loading ----------------------------------------------------------------------------------


def _records(session: Session, checklist: Checklist, period: Period, units: Sequence[str],
             *, as_of: datetime | None = None, complete: bool = True) -> dict[str, UnitRecord]:
    """Each unit's answers and archive holdings for an inspection.

    ``complete``: every unit must have an answer to every observed item (a ChecklistError
    names each unit and what it lacks); otherwise units lacking any are left out.
    """
    answers = answers_by_unit(checklist, stored_findings(session, checklist.key, period.code,
                                                         units))
    observed = [item.key for item in checklist.observed]
    lacking = {code: [key for key in observed if key not in answers.get(code, {})]
               for code in units}
    lacking = {code: keys for code, keys in lacking.items() if keys}
    if lacking and complete:
        raise ChecklistError(_lacking_findings(session, checklist, period, lacking))
    kept = [code for code in units if code not in lacking]
    holdings = archive_holdings(session, kept, period.start.year, as_of=as_of)
    # Only the kinds the archive items ask for: the inspection's own reports, filed under
    # the units, must not change what the next run of the same inspection reads.
    asked = {document.kind for item in checklist.items if isinstance(item, ArchiveItem)
             for document in item.documents}
    return {code: UnitRecord(answers.get(code, {}),
                             {key: status for key, status in holdings[code].items()
                              if key[0] in asked})
            for code in kept}


def _lacking_findings(session: Session, checklist: Checklist, period: Period,
                      lacking: dict[str, list[str]]) -> str:
    """What the supervisor must still enter, by unit and item as the findings sheet names
    them (检查项目), or that a unit has none yet."""
    names = dict(session.execute(select(Unit.code, Unit.name).where(
        Unit.code.in_(sorted(lacking)))).tuples().all())
    labels = {item.key: item.label for item in checklist.observed}
    units = [f"{names.get(code, '?')}（{code}）" + (
        "尚未录入检查结果" if len(keys) == len(labels)
        else "缺" + "".join(f"“{labels[key]}”" for key in keys))
        for code, keys in sorted(lacking.items())]
    return (f"《{checklist.title}》（{period.code}）缺少检查记录：{'；'.join(units)}。"
            "请先录入检查记录（网页“填写检查结果”或 wenshu inspect record）")


def reported_at(session: Session, checklist_key: str, period: str) -> datetime | None:
    """When an inspection's documents were first made (None: never), i.e. as of when a
    follow-up judges what the units then held in the archive."""
    return session.scalar(
        select(func.min(DocumentVersion.created_at)).join(Document).where(
            Document.kind.in_(INSPECTION_KINDS), Document.topic == checklist_key,
            Document.period == period))


def load_inspection(settings: Settings, checklist: Checklist, units: Sequence[str],
                    period: Period, issuer: str, inspected_on: date, *,
                    follow_up: bool = False) -> Inspection:
    """Read an inspection's inputs: the issuer's subtree, each unit's findings and archive,
    and with ``follow_up`` the latest earlier inspection of the same checklist.

    Every unit must lie in the issuer's subtree and have a finding for every observed
    item; a follow-up needs an earlier inspection within the year before.
    """
    codes = tuple(sorted(dict.fromkeys(units)))
    if not codes:
        raise ChecklistError(inspection_problem("no_units"))
    with session_scope(settings) as session:
        tree = load_units(session)
        unknown = [code for code in codes if code not in tree]
        if unknown:
            raise NotFoundError(f"单位代码“{'”“'.join(unknown)}”不在单位名录中")
        inside = set(subtree_codes(tree, issuer))
        outside = [code for code in codes if code not in inside]
        if outside:
            raise ChecklistError(inspection_problem("outside_issuer", units="、".join(outside),
                                                    issuer=issuer))
        records = _records(session, checklist, period, codes)
        snapshot = load_snapshot(session, issuer, period.start.year)
        if not follow_up:
            return Inspection(checklist, period, inspected_on, issuer, snapshot, codes, records)
        earlier = previous_inspection(session, checklist.key, period.code)
        if earlier is None:
            raise ChecklistError(inspection_problem("no_earlier", checklist=checklist.key,
                                                    period=period.code))
        before = Period.parse(earlier)
        if before.start.year < period.start.year - 1:
            raise ChecklistError(inspection_problem("earlier_too_old", checklist=checklist.key,
                                                    earlier=earlier))
        # The earlier inspection is judged on what the units held when it reported.
        previous = _records(session, checklist, before, codes,
                            as_of=reported_at(session, checklist.key, earlier), complete=False)
    return Inspection(checklist, period, inspected_on, issuer, snapshot, codes, records, before,
                      previous)


# Scoring and drafting (plain) -------------------------------------------------------------


def unit_works(inspection: Inspection) -> list[UnitWork]:
    """One unit's share of the inspection each, in code order."""
    return [UnitWork(code, inspection.snapshot.restrict(code), inspection.records[code],
                     inspection.previous.get(code)) for code in inspection.units]


def score_unit(inspection: Inspection, catalogue: Catalogue, work: UnitWork) -> UnitInspection:
    """Score one unit (and, in a follow-up, set it beside its earlier inspection)."""
    period = inspection.period
    previous = None
    if inspection.previous_period is not None and work.previous is not None:
        previous = (inspection.previous_period, work.previous,
                    Rollup(work.snapshot, period_months(inspection.previous_period)))
    return inspect_unit(inspection.checklist, work.record, catalogue,
                        Rollup(work.snapshot, period_months(period)), work.code,
                        work.snapshot.unit_map[work.code].name, period,
                        inspection.inspected_on, previous)


def report_options(base: DocumentOptions, inspection: Inspection, work: UnitWork,
                   place: Place, line: Line | None = None) -> DocumentOptions:
    """A unit's report options: its spec (signed for ``line``), addressed to the unit."""
    earlier = None
    if inspection.previous_period is not None and work.previous is not None:
        earlier = (inspection.previous_period, work.previous)
    spec = report_spec(inspection.checklist, inspection.inspected_on, inspection.issuer_name(line),
                       work.record, place, earlier)
    letterhead = replace(base.letterhead, addressee=work.snapshot.unit_map[work.code].name)
    return replace(base, spec=spec, topic=inspection.checklist.key, letterhead=letterhead)


def bulletin_options(base: DocumentOptions, inspection: Inspection) -> DocumentOptions:
    """The bulletin's options: every unit's records; addressed to 各社区 unless told."""
    earlier = None
    if inspection.previous_period is not None:
        earlier = (inspection.previous_period, inspection.previous)
    spec = bulletin_spec(inspection.checklist, inspection.inspected_on, inspection.records,
                         earlier)
    letterhead = base.letterhead
    if not letterhead.addressee:
        letterhead = replace(letterhead, addressee=f"各{inspection.noun}")
    return replace(base, spec=spec, topic=inspection.checklist.key, letterhead=letterhead)


def places(inspection: Inspection, ranked: Sequence[Ranked]) -> dict[str, Place]:
    """Every unit's place in the ranking."""
    names, noun = inspection.names(), inspection.noun
    return {code: place_of(code, ranked, names, noun) for code in inspection.units}


def draft_document(settings: Settings, kind: DocumentKind, snapshot: Snapshot,
                   catalogue: Catalogue, unit_code: str, period: Period,
                   options: DocumentOptions, out_dir: Path) -> Draft:
    """One document's context and .docx, or the archived version when nothing changed."""
    jobs, unchanged = plan_documents(settings, kind, snapshot, catalogue, [unit_code], period,
                                     options)
    if unchanged:
        return Draft(None, None, unchanged[0])
    [job] = jobs
    return Draft(job, render_job(job, out_dir), None)


def inspection_outcomes(settings: Settings, checklist_key: str, period: str,
                        unit_codes: Sequence[str], *, issuer: str, script: str = "simplified",
                        run_ids: Collection[str] = ()) -> list[Outcome]:
    """The latest archived documents of an inspection (the issuer's bulletin, then the
    units' reports), as runs made them: ``created`` when one of ``run_ids`` made the
    version. For runs on a deployment, whose return value stays with the worker."""
    keys = [DocumentKey(INSPECTION_BULLETIN.key, issuer, period, checklist_key, script)]
    keys += [DocumentKey(INSPECTION_REPORT.key, code, period, checklist_key, script)
             for code in sorted(unit_codes)]
    return archived_outcomes(settings, keys, run_ids)
