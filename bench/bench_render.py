"""Cost of wenshu's render and PDF steps against the bare tools, per document.

    python bench/bench_render.py [--n 50] [--batch 10]

Render: ``render_docx`` (bounded sandbox, strict, reproducible zip) against a bare
``DocxTemplate(path).render(ctx); save(BytesIO)`` of the same template and context,
interleaved, medians. PDF: ``SofficeConverter.convert_many`` on a batch against one cold
``soffice --convert-to pdf`` process per document.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from docxtpl import DocxTemplate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.sample_context
from tests.sample_context import year_summary_context  # noqa: E402
from wenshu.generators.pdf import SofficeConverter  # noqa: E402
from wenshu.generators.render import render_docx  # noqa: E402
from wenshu.templates import template_path  # noqa: E402


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench_render(n: int) -> tuple[float, float]:
    """Median seconds per document: (bare docxtpl, render_docx)."""
    template, context = template_path("year_summary"), year_summary_context()

    def bare() -> None:
        document = DocxTemplate(template)
        document.render(context)
        document.save(io.BytesIO())

    def ours() -> None:
        render_docx(template, context)

    bare(), ours()  # imports and first-use caches are not what is measured
    bare_times, our_times = [], []
    for _ in range(n):
        bare_times.append(_seconds(bare))
        our_times.append(_seconds(ours))
    return statistics.median(bare_times), statistics.median(our_times)


def bench_pdf(batch: int, work: Path) -> tuple[float, float]:
    """Seconds per document: (one cold soffice per file, one convert_many call)."""
    sources = []
    for index in range(batch):
        path = work / f"doc{index:02d}.docx"
        path.write_bytes(render_docx(template_path("year_summary"), year_summary_context()))
        sources.append(path)
    profile = (work / "cold-profile").as_uri()

    def cold(path: Path) -> None:
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(work / "cold"), str(path)],
                       check=True, capture_output=True)

    cold(sources[0])  # the first start with a new profile is slower still; not counted
    cold_total = sum(_seconds(lambda p=p: cold(p)) for p in sources)
    converter = SofficeConverter(work / "batch-profile")
    converter.convert(sources[0], work / "warmup")
    batch_total = _seconds(lambda: converter.convert_many(sources, work / "batch"))
    return cold_total / batch, batch_total / batch


def main() -> None:
    """Run both benchmarks and print per-document figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="renders per variant")
    parser.add_argument("--batch", type=int, default=10, help="documents per PDF batch")
    args = parser.parse_args()

    bare, ours = bench_render(args.n)
    print(f"render, median of {args.n}:  bare docxtpl {bare * 1000:6.1f} ms   "
          f"render_docx {ours * 1000:6.1f} ms   ratio {ours / bare:.2f}")
    if shutil.which("soffice") is None:
        print("pdf: soffice not found, skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        cold, batch = bench_pdf(args.batch, Path(tmp))
    print(f"pdf, {args.batch} documents:     cold soffice {cold * 1000:6.0f} ms/doc   "
          f"convert_many {batch * 1000:6.0f} ms/doc   ratio {batch / cold:.2f}")


if __name__ == "__main__":
    main()
