"""The ``inspection_report`` flow: a supervisor inspects units against a checklist.

load (the issuer's subtree, the inspectors' findings, what each unit holds in the
archive; for a follow-up, the earlier inspection's) → score (mapped: one task per unit)
→ rank → draft (mapped: one task per document, its context and .docx) → convert (warm
LibreOffice, the whole batch) → archive. It makes one 检查情况反馈意见 per unit, filed
under that unit, and one 检查情况通报, filed under the issuing unit: the acting
supervisor's unit, who must supervise every unit inspected.

Every task is a thin call into a plain function here or in :mod:`wenshu.pipeline`;
tests and the benchmark call those directly. Served as a deployment by ``wenshu serve``
(:mod:`wenshu.workflows.serve`); ``wenshu inspect run`` triggers that deployment when a
server is up and otherwise calls the flow in-process: the same code either way.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import wenshu.workflows  # noqa: F401  (configures Prefect before it is imported)
from wenshu.access import authorize, resolve_actor
from wenshu.archive import DocumentKey
from wenshu.codes import check_unit_code
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
    rank_units,
    report_spec,
)
from wenshu.generators.kinds import DocumentKind, DocumentOptions
from wenshu.generators.phrasing import issuing_organ, level_noun
from wenshu.ingest.findings import (
    answers_by_unit,
    archive_holdings,
    previous_inspection,
    stored_findings,
)
from wenshu.jobs import report
from wenshu.models.catalogue import Catalogue, load_catalogue
from wenshu.models.checklist import ArchiveItem, Checklist
from wenshu.models.inspection_words import inspection_problem
from wenshu.models.lines import Line
from wenshu.models.tables import Document, DocumentVersion, Unit
from wenshu.paths import inside
from wenshu.periods import Period
from wenshu.pipeline import Job, Outcome, archived_outcomes, plan_documents, render_job
from wenshu.services.documents import office_lines
from wenshu.services.inputs import InputFile, checked_checklist
from wenshu.settings import Settings, get_settings
from wenshu.workflows.documents import STAGES, convert_and_file, document_options
from wenshu.workflows.runtime import current_flow_run_id

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
        names = dict(session.execute(select(Unit.code, Unit.name).where(
            Unit.code.in_(sorted(lacking)))).tuples().all())
        raise ChecklistError(
            f"检查 {checklist.key} {period.code} 缺少检查记录："
            + "；".join(f"{names.get(code, '?')}（{code}）缺 {'、'.join(keys)}"
                       for code, keys in sorted(lacking.items()))
            + "。请先录入检查记录（网页“填写检查结果”或 wenshu inspect record）")
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


def _checklist_name(checklist: str | InputFile) -> str:
    """How the audit log names a checklist: its shipped name or its file's name."""
    return checklist if isinstance(checklist, str) else str(checklist.get("name", "?"))


# Tasks --------------------------------------------------------------------------------------


@task(cache_policy=NO_CACHE)
def load(settings: Settings, checklist: Checklist, units: list[str], period: Period, issuer: str,
         inspected_on: date, follow_up: bool) -> Inspection:
    """Read the inspection's inputs."""
    return load_inspection(settings, checklist, units, period, issuer, inspected_on,
                           follow_up=follow_up)


@task(cache_policy=NO_CACHE)
def score(inspection: Inspection, catalogue: Catalogue, work: UnitWork) -> UnitInspection:
    """Score one unit."""
    return score_unit(inspection, catalogue, work)


@task(cache_policy=NO_CACHE)
def draft(settings: Settings, kind: DocumentKind, snapshot: Snapshot, catalogue: Catalogue,
          unit_code: str, period: Period, options: DocumentOptions, out_dir: Path) -> Draft:
    """Write one document's text and fill its Word template."""
    return draft_document(settings, kind, snapshot, catalogue, unit_code, period, options,
                          out_dir)


# The flow -------------------------------------------------------------------------------------


@flow(name="inspection_report", log_prints=False)
def inspection_report(checklist: str | InputFile, units: list[str], period: str,
                      follow_up: bool = False,
                      inspected_on: date | None = None, issued_on: date | None = None,
                      signature_unit: str | None = None,
                      narrative_texts: list[InputFile] | None = None,
                      letterhead: dict[str, Any] | None = None, script: str = "simplified",
                      user: str | None = None, narrative: dict[str, list[str]] | None = None,
                      job: str | None = None) -> list[Outcome]:
    """Inspect ``units`` against ``checklist`` for ``period``; archive every unit's
    检查情况反馈意见 and the 检查情况通报.

    ``checklist`` is a shipped checklist's name or a checklist file's name and text
    (``narrative_texts`` too are files by content); the findings are
    those recorded for the checklist and period (``wenshu inspect record``).
    ``follow_up`` sets each unit beside the latest earlier inspection of the same
    checklist (已整改/未整改). Deadlines run from ``inspected_on`` (default: the signing
    date ``issued_on``, default today). ``user`` (default: the settings' user) must be a
    supervisor of every unit; the bulletin is issued by their unit. Every unit code must
    be valid (:class:`~wenshu.errors.CodeError`). ``job``: a background job that hears
    each stage.
    """
    for code in units:
        check_unit_code(code)
    settings = get_settings()
    actor = resolve_actor(settings, user)
    period_ = Period.parse(period)
    target = f"inspection:{_checklist_name(checklist)}:{period_.code}"
    authorize(settings, actor, "inspect", None, target=target)
    for code in units:
        authorize(settings, actor, "inspect", code, target=f"{target}:{code}")
    assert actor.unit_code is not None  # a supervisor always has one
    loaded = checked_checklist(settings, checklist)
    catalogue = load_catalogue(settings.catalogue_dir)
    # The documents are of the checklist's line of work: its indicators, its signing organ.
    line = office_lines(settings).for_checklist(loaded.key)
    base = document_options(issued_on, narrative_texts, signature_unit, letterhead, narrative,
                            script=script, line=line.identity)
    report(settings, job, STAGES["plan"])
    inspection = load(settings, loaded, list(units), period_, actor.unit_code,
                      inspected_on or base.issued_on, follow_up)
    works = unit_works(inspection)
    # quote(): Prefect would otherwise walk every snapshot and spec looking for futures
    # (a third of the flow's cost for a district's 111 communities).
    scored = score.map(unmapped(quote(inspection)), unmapped(quote(catalogue)),
                       [quote(w) for w in works]).result()
    ranked = rank_units(scored)
    placed = places(inspection, ranked)

    run_id = current_flow_run_id()
    work = inside(settings.work_dir, run_id or uuid.uuid4().hex)
    try:
        report(settings, job, STAGES["render"], 0, len(works) + 1)
        reports = draft.map(
            unmapped(settings), unmapped(INSPECTION_REPORT), [quote(w.snapshot) for w in works],
            unmapped(quote(catalogue)), [w.code for w in works], unmapped(period_),
            [quote(report_options(base, inspection, w, placed[w.code], line)) for w in works],
            unmapped(work))
        bulletin = draft(settings, INSPECTION_BULLETIN, quote(inspection.snapshot),
                         quote(catalogue), inspection.issuer, period_,
                         quote(bulletin_options(base, inspection)), work)
        drafts = [*reports.result(), bulletin]
        unchanged = [d.unchanged for d in drafts if d.unchanged is not None]
        made = [d for d in drafts if d.job is not None]
        if not made:
            return unchanged
        jobs = [d.job for d in made if d.job is not None]
        docx = [d.docx for d in made if d.docx is not None]
        report(settings, job, STAGES["convert"], 0, len(jobs))
        created = convert_and_file(settings, quote(jobs), docx, run_id, job)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return created + unchanged
