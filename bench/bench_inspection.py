"""A whole district's inspection end to end: the ``inspection_report`` flow against the same
plain functions called without Prefect, on the demo district (111 communities).

Run: .venv/bin/python bench/bench_inspection.py
Builds the demo district twice (identical data directories), records synthetic findings
for every community against the shipped model-community checklist, then times:

- plain: load, score each unit, rank, draft (context + .docx) each document, convert the
  batch to PDF/A (warm LibreOffice, two workers), archive;
- flow: ``inspection_report`` (mapped scoring, mapped drafting, the same convert and
  archive tasks) in this process, after Prefect's ephemeral API has started.

Prints the time per inspected unit both ways and the ratio.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(tempfile.mkdtemp(prefix="wenshu-bench-inspection-"))
os.environ["WENSHU_HOME"] = str(ROOT / "flow")  # read by the flow's get_settings()

from flow_timing import convert_and_file, start_prefect, warm_converters  # noqa: E402

from wenshu.cells import csv_row  # noqa: E402
from wenshu.collect import inbox_files  # noqa: E402
from wenshu.compute.load import load_units  # noqa: E402
from wenshu.db import session_scope, upgrade_schema  # noqa: E402
from wenshu.demo.generate import generate_demo  # noqa: E402
from wenshu.demo.run import DEMO_SUPERVISOR, add_demo_users  # noqa: E402
from wenshu.generators.inspection import INSPECTION_BULLETIN, INSPECTION_REPORT  # noqa: E402
from wenshu.generators.kinds import DocumentOptions  # noqa: E402
from wenshu.ingest.figures import import_figures, import_targets  # noqa: E402
from wenshu.ingest.findings import import_findings  # noqa: E402
from wenshu.ingest.ledger import import_ledger_file  # noqa: E402
from wenshu.ingest.units import import_units  # noqa: E402
from wenshu.models.catalogue import load_catalogue  # noqa: E402
from wenshu.models.checklist import (  # noqa: E402
    Checklist,
    ObservedItem,
    load_checklist,
    resolve_checklist,
)
from wenshu.periods import Period  # noqa: E402
from wenshu.settings import Settings  # noqa: E402

CHECKLIST = "model_community"
SUPERVISOR = DEMO_SUPERVISOR  # the flow generates as the district's supervisor
INSPECTED = date(2026, 1, 12)
ISSUED = date(2026, 1, 15)


def _value(rng: random.Random, item: ObservedItem) -> str:
    """A plausible finding: most requirements met, some short of their standard."""
    answer, points = item.answer, item.points
    if answer == "yes_no":
        return "是" if rng.random() < 0.85 else "否"
    if answer == "score":
        return str(Decimal(rng.randint(int(points), int(points) * 2)) / 2)
    if answer == "text":
        return rng.choice(("建成婚育新风宣传长廊", "组建志愿服务队", "开设孕期保健课堂"))
    assert item.threshold is not None  # count and number items have one
    standard = item.threshold.value
    if answer == "count":
        return str(max(0, int(standard) + rng.randint(-3, 2)))
    return str((standard + Decimal(rng.randint(-150, 100)) / 10).max(Decimal(0)))


def write_findings(path: Path, checklist: Checklist, communities: list[str], seed: int) -> Path:
    """One row per community and observed item, values drawn around each standard."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["单位代码", "项目代码", "检查结果", "情况说明", "检查人"])
        for code in communities:
            for item in checklist.observed:
                writer.writerow(csv_row([code, item.key, _value(rng, item), "", "区检查组"]))
    return path


def prepare(home: Path, checklist: Checklist) -> tuple[Settings, str, list[str], int]:
    """A data directory with the demo district, its supervisor and the findings."""
    settings = Settings(home=home)
    settings.ensure_dirs()
    upgrade_schema(settings)
    catalogue = load_catalogue()
    files = generate_demo(home / "demo", catalogue=catalogue)
    with session_scope(settings) as session:
        import_units(session, files.units_csv)
        import_figures(session, files.figures_csv, catalogue)
        import_targets(session, files.targets_csv, catalogue)
    for unit, path in inbox_files(files.inbox):
        with session_scope(settings) as session:
            import_ledger_file(session, path, catalogue, expect_unit=unit, skip_invalid=True)
    add_demo_users(settings, files.district_code)
    year = files.years[-1]
    with session_scope(settings) as session:
        communities = sorted(u.code for u in load_units(session).values()
                             if u.level == "community")
        findings = write_findings(home / "findings.csv", checklist, communities, seed=2026)
        import_findings(session, findings, checklist, str(year))
    return settings, files.district_code, communities, year


def plain(settings: Settings, checklist: Checklist, district: str, units: list[str],
          year: int) -> int:
    """The flow's steps as plain calls: load, score, rank, draft, two converters, archive."""
    from wenshu.generators.inspection_inputs import rank_units
    from wenshu.workflows.inspection_steps import (
        bulletin_options,
        draft_document,
        load_inspection,
        places,
        report_options,
        score_unit,
        unit_works,
    )

    catalogue = load_catalogue()
    period = Period.year(year)
    inspection = load_inspection(settings, checklist, units, period, district, INSPECTED)
    works = unit_works(inspection)
    scored = [score_unit(inspection, catalogue, work) for work in works]
    placed = places(inspection, rank_units(scored))
    base = DocumentOptions(issued_on=ISSUED)
    out = settings.work_dir / "plain"
    drafts = [draft_document(settings, INSPECTION_REPORT, work.snapshot, catalogue, work.code,
                             period, report_options(base, inspection, work, placed[work.code]),
                             out)
              for work in works]
    drafts.append(draft_document(settings, INSPECTION_BULLETIN, inspection.snapshot, catalogue,
                                 district, period, bulletin_options(base, inspection), out))
    jobs = [d.job for d in drafts if d.job is not None]
    docx = [d.docx for d in drafts if d.docx is not None]
    return convert_and_file(settings, jobs, docx)


def main() -> None:
    """Prepare two identical data directories, time both ways, print per unit and the ratio."""
    checklist = load_checklist(resolve_checklist(CHECKLIST))
    start = time.perf_counter()
    plain_settings, district, units, year = prepare(ROOT / "plain", checklist)
    prepare(ROOT / "flow", checklist)
    prepare_s = time.perf_counter() - start
    warm_converters([plain_settings, Settings(home=ROOT / "flow")], "inspection_report")

    start = time.perf_counter()
    documents = plain(plain_settings, checklist, district, units, year)
    plain_s = time.perf_counter() - start

    startup_s = start_prefect()
    from wenshu.workflows.inspection import inspection_report
    start = time.perf_counter()
    outcomes = inspection_report(CHECKLIST, units, str(year), inspected_on=INSPECTED,
                                 issued_on=ISSUED, user=SUPERVISOR)
    flow_s = time.perf_counter() - start
    assert len(outcomes) == documents == len(units) + 1, (len(outcomes), documents)

    shutil.rmtree(ROOT, ignore_errors=True)
    count = len(units)
    print(f"district inspection: {count} communities, {documents} documents "
          f"({count} reports + 1 bulletin), Word + PDF/A; data prepared in {prepare_s:.0f} s")
    print(f"prefect start-up (ephemeral API, fresh process): {startup_s:6.2f} s")
    print(f"flow:            {flow_s:7.2f} s  ({flow_s / count * 1000:5.0f} ms per unit)")
    print(f"plain functions: {plain_s:7.2f} s  ({plain_s / count * 1000:5.0f} ms per unit)")
    print(f"flow / plain: {flow_s / plain_s:.2f}x   "
          f"(with start-up: {(flow_s + startup_s) / plain_s:.2f}x)")


if __name__ == "__main__":
    sys.exit(main())
