"""Per document kind: building the context, rendering, and rendering plus PDF/A.

    python bench/bench_kinds.py [--batch 12] [--cold 2] [--renders 20]

For each registered kind, from its built-in sample (the 东城街道 sample data):
- context: building the context (figures, sentences and charts);
- render: ``render_docx`` against a bare docxtpl render of the same template and
  context (``DocxTemplate(path).render(context); save``), medians; charts left out of
  both, since bare docxtpl cannot take wenshu's Image values;
- render + PDF: ``render_docx`` and the warm converter (two workers) over a batch,
  against a cold ``soffice --convert-to pdf`` of the same .docx per file.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate

from wenshu.generators.kinds import registered_kinds, sample_context
from wenshu.generators.pdf import PdfJob, open_converter
from wenshu.generators.render import Image, render_docx
from wenshu.settings import Settings
from wenshu.templates import template_path


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _without_images(value: Any) -> Any:
    if isinstance(value, Image):
        return ""
    if isinstance(value, dict):
        return {k: _without_images(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_images(v) for v in value]
    return value


def bench_kind(key: str, batch: int, cold_count: int, renders: int, work: Path) -> list[str]:
    """One table row per measure for the kind ``key``."""
    kind = registered_kinds()[key]
    template = template_path(kind.template)
    build = statistics.median(_seconds(lambda: sample_context(kind)) for _ in range(3))
    context = sample_context(kind)
    plain = _without_images(context)

    def bare() -> None:
        document = DocxTemplate(template)
        document.render(plain)
        document.save(io.BytesIO())

    ours = statistics.median(_seconds(lambda: render_docx(template, plain)) for _ in range(renders))
    theirs = statistics.median(_seconds(bare) for _ in range(renders))

    folder = work / key
    folder.mkdir(parents=True)
    data = render_docx(template, context)
    sources = []
    for index in range(batch):
        path = folder / f"{key}{index:02d}.docx"
        path.write_bytes(data)
        sources.append(path)
    profile = (folder / "cold-profile").as_uri()

    def cold(path: Path) -> None:
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(folder / "cold"), str(path)],
                       check=True, capture_output=True)

    cold(sources[0])  # a new profile's first start is slower still: not counted
    cold_s = sum(_seconds(lambda p=p: cold(p)) for p in sources[:cold_count]) / cold_count
    with open_converter(Settings(home=folder / "home")) as converter:
        # Each worker's LibreOffice starts with its first document: not counted.
        converter.convert_many([PdfJob(p, folder / "warmup" / f"{p.stem}.pdf")
                                for p in sources[:2]])
        jobs = [PdfJob(p, folder / "warm" / f"{p.stem}.pdf") for p in sources]
        warm_s = _seconds(lambda: converter.convert_many(jobs)) / batch
    with_render = ours + warm_s
    return [
        f"{key:18s} context {build * 1000:6.0f} ms",
        f"{'':18s} render  {ours * 1000:6.1f} ms  bare docxtpl {theirs * 1000:6.1f} ms  "
        f"ratio {ours / theirs:.2f}",
        f"{'':18s} render+PDF/A (warm x2) {with_render * 1000:6.0f} ms/doc  "
        f"cold soffice {cold_s * 1000:6.0f} ms/doc  ratio {with_render / cold_s:.2f}",
    ]


def main() -> None:
    """Measure every registered kind and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=12, help="documents per PDF batch")
    parser.add_argument("--cold", type=int, default=2, help="files converted cold per kind")
    parser.add_argument("--renders", type=int, default=20, help="renders per median")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for key in registered_kinds():
            for line in bench_kind(key, args.batch, args.cold, args.renders, Path(tmp)):
                print(line, flush=True)


if __name__ == "__main__":
    main()
