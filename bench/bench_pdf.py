"""PDF conversion per document: cold soffice, soffice batches, and the warm UNO converter.

    python bench/bench_pdf.py [--batch 16] [--cold 4]

For two documents rendered from the year summary template (tests/sample_context.py's
context, and a longer one with three times the sections and rows), prints ms per
document for:

- cold: one ``soffice --convert-to pdf`` process per file (the first start on a new
  profile is not counted);
- batch: ``SofficeConverter.convert_many``, one soffice run for the whole batch;
- warm x1, warm x2: ``WarmConverter`` with one and two workers, after a warm-up
  document per worker (the start-up is printed separately).

Every figure but cold includes wenshu's PDF/A export and normalisation. Ratios are to
the cold figure. Runs take about a minute on two cores.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.sample_context
from tests.sample_context import year_summary_context  # noqa: E402
from wenshu.generators.pdf import (  # noqa: E402
    PdfJob,
    PdfMetadata,
    SofficeConverter,
    WarmConverter,
)
from wenshu.generators.pdf_normalize import normalize_pdf  # noqa: E402
from wenshu.generators.render import render_docx  # noqa: E402
from wenshu.settings import Settings  # noqa: E402
from wenshu.templates import template_path  # noqa: E402

METADATA = PdfMetadata(title="示范区2025年度工作总结", author="示范区卫生健康局",
                       subject="年度工作总结", date=date(2026, 1, 15))


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def long_context() -> dict[str, Any]:
    """The sample context with three times the work sections and indicator rows."""
    context = year_summary_context()
    context["work_sections"] = context["work_sections"] * 3
    context["indicator_rows"] = context["indicator_rows"] * 3
    context["problems"] = context["problems"] * 3
    return context


def bench_document(name: str, context: dict[str, Any], batch: int, cold_count: int,
                   work: Path) -> None:
    """Measure every way of converting ``batch`` copies of one document; print a table."""
    work.mkdir(parents=True)
    data = render_docx(template_path("year_summary"), context)
    sources = []
    for index in range(batch):
        path = work / f"{name}{index:02d}.docx"
        path.write_bytes(data)
        sources.append(path)
    profile = (work / "cold-profile").as_uri()

    def cold(path: Path) -> None:
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(work / "cold"), str(path)],
                       check=True, capture_output=True)

    cold(sources[0])  # the first start on a new profile takes longer still; not counted
    results = {"cold": sum(_seconds(lambda p=p: cold(p)) for p in sources[:cold_count])
               / cold_count}

    soffice = SofficeConverter(work / "batch-profile")
    soffice.convert(sources[0], work / "warmup")
    results["batch"] = _seconds(lambda: soffice.convert_many(sources, work / "batch")) / batch

    starts = {}
    for workers in (1, 2):
        starts[workers], results[f"warm x{workers}"] = bench_warm(workers, sources, work)

    # LibreOffice's own bytes, to time normalisation alone.
    raw = soffice.convert_raw([sources[0]], work / "raw")[0].read_bytes()
    normalize = statistics.median(
        _seconds(lambda: normalize_pdf(raw, stamp="bench", date=METADATA.date))
        for _ in range(10))

    pages = len(PdfReader(work / "w1" / f"{sources[0].stem}.pdf").pages)
    print(f"\n{name}: {pages} pages, {len(data) // 1024} KB .docx, batch of {batch} "
          f"(cold: {cold_count} files)")
    for label, seconds in results.items():
        print(f"  {label:8s} {seconds * 1000:7.0f} ms/doc   ratio to cold "
              f"{seconds / results['cold']:.2f}")
    print(f"  warm start (new profile, first document): x1 {starts[1]:.1f} s, "
          f"x2 {starts[2]:.1f} s")
    print(f"  of which normalize_pdf: {normalize * 1000:.0f} ms/doc")


def bench_warm(workers: int, sources: list[Path], work: Path) -> tuple[float, float]:
    """(seconds to the first PDFs on new profiles, seconds per document after that)."""
    with WarmConverter(Settings(home=work / f"home{workers}"), workers) as warm:
        # Each worker's LibreOffice starts with its first document.
        warmup = [PdfJob(source, work / f"w{workers}-warmup" / f"{index}.pdf", METADATA)
                  for index, source in enumerate(sources[:workers])]
        start = _seconds(lambda: warm.convert_many(warmup))
        jobs = [PdfJob(source, work / f"w{workers}" / f"{source.stem}.pdf", METADATA)
                for source in sources]
        return start, _seconds(lambda: warm.convert_many(jobs)) / len(jobs)


def main() -> None:
    """Run the comparison for the sample and the long document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16, help="documents per batch")
    parser.add_argument("--cold", type=int, default=4, help="files converted cold")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_document("sample", year_summary_context(), args.batch, args.cold,
                       Path(tmp) / "sample")
        bench_document("long", long_context(), args.batch, args.cold, Path(tmp) / "long")


if __name__ == "__main__":
    main()
