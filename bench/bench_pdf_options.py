"""What wenshu's PDF export options cost, side by side with a bare ``soffice``.

Run: .venv/bin/python bench/bench_pdf_options.py [--docx-dir DIR] [--copies 4] [--runs 2]

Takes the archived .docx files under ``DIR`` (default ``./wenshu-data/archive``, filled
by ``scripts/bootstrap.sh demo``), each ``--copies`` times, and converts them in one
``soffice --headless --convert-to`` call per option set, the sets interleaved in each
round on one profile warmed first:

- bare: ``--convert-to pdf``, LibreOffice's defaults;
- PDF/A, lossy: wenshu's options without ``UseLosslessCompression`` (as before);
- wenshu: :data:`wenshu.generators.pdf_jobs.PDF_EXPORT_OPTIONS`.

Prints CPU and wall ms per document (median of the rounds), each as a ratio to bare,
and whether wenshu's PDFs hold the same picture streams, byte for byte, as the lossy
ones (the work differs, not the result).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from flow_timing import timed
from pypdf import PdfReader

from wenshu.generators.pdf_jobs import PDF_EXPORT_OPTIONS


def _filter(options: dict[str, bool | int]) -> str:
    """``--convert-to`` with writer_pdf_Export's filter data as typed JSON."""
    typed = {name: {"type": "boolean" if isinstance(value, bool) else "long",
                    "value": str(value).lower()} for name, value in options.items()}
    return "pdf:writer_pdf_Export:" + json.dumps(typed)


def _pictures(pdf: Path) -> list[bytes]:
    """The encoded stream of every picture in ``pdf``, page by page."""
    streams: dict[int, bytes] = {}  # by object number: pages may share one resource dict
    for page in PdfReader(pdf).pages:
        for reference in page["/Resources"].get("/XObject", {}).values():
            xobject = reference.get_object()
            if xobject["/Subtype"] == "/Image":
                streams[reference.idnum] = xobject._data
    return [streams[number] for number in sorted(streams)]


def _convert(spec: str, source: Path, out: Path, profile: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one soffice call converting every .docx in ``source``."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    wall, cpu, _ = timed(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                          "--convert-to", spec, "--outdir", str(out),
                          *sorted(map(str, source.glob("*.docx")))])
    return wall, cpu


def main() -> None:
    """Convert, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docx-dir", type=Path, default=Path("wenshu-data/archive"))
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    found = sorted(args.docx_dir.rglob("*.docx"))
    if not found:
        sys.exit(f"no .docx under {args.docx_dir}: run scripts/bootstrap.sh demo first")
    lossy = {k: v for k, v in PDF_EXPORT_OPTIONS.items() if k != "UseLosslessCompression"}
    sets = {"bare": "pdf", "PDF/A, lossy": _filter(lossy),
            "wenshu": _filter(PDF_EXPORT_OPTIONS)}
    with tempfile.TemporaryDirectory(prefix="bench-pdf-options-") as tmp:
        work = Path(tmp)
        source, profile = work / "in", work / "profile"
        source.mkdir()
        for number, path in enumerate(found):
            for copy in range(args.copies):
                shutil.copy(path, source / f"{number:03d}-{copy}.docx")
        documents = len(found) * args.copies
        _convert("pdf", source, work / "warm", profile)  # the profile's first start
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in sets}
        for _round in range(args.runs):
            for name, spec in sets.items():
                times[name].append(_convert(spec, source, work / name.replace("/", ""),
                                            profile))
        pairs = [(_pictures(work / "PDFA, lossy" / pdf.name), _pictures(pdf))
                 for pdf in (work / "wenshu").glob("*.pdf")]
    print(f"{documents} documents ({len(found)} × {args.copies}), {args.runs} rounds")
    bare_cpu = statistics.median(cpu for _wall, cpu in times["bare"])
    bare_wall = statistics.median(wall for wall, _cpu in times["bare"])
    for name, runs in times.items():
        cpu = statistics.median(c for _w, c in runs)
        wall = statistics.median(w for w, _c in runs)
        print(f"{name:14s} CPU {cpu / documents * 1000:6.1f} ms/doc ({cpu / bare_cpu:.2f}× bare)"
              f"   wall {wall / documents * 1000:6.1f} ms/doc ({wall / bare_wall:.2f}× bare)")
    same = all(lossy_pictures == ours for lossy_pictures, ours in pairs)
    print(f"wenshu's {sum(len(ours) for _l, ours in pairs)} pictures byte-identical to the "
          f"lossy ones: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
