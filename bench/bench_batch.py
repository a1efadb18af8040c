"""The demo district's whole year-end batch against a bare ``soffice`` on the same files.

Run: .venv/bin/python bench/bench_batch.py [--runs 3] [--home DIR] [--no-plain] [--served]

The batch is ``wenshu summary year --unit <district> --year <first demo year>
--all-levels``: 124 summaries (district, 11 streets, 111 communities, 1 department),
Word + PDF/A, archived, run as a user runs it (a new process, the flow in it, no Prefect
server). Each round starts from the same prepared data directory, so every document is
new, and times, side by side:

- wenshu: the command, from process start to exit;
- bare soffice: one ``soffice --headless --convert-to pdf --outdir X *.docx`` of the
  124 .docx files the command archives (plain PDF, no PDF/A, no normalising), kept from
  an untimed first run (the same bytes every round);
- convert: the same 124 .docx files through wenshu's converter alone (two warm
  LibreOffice workers, PDF/A, normalised) in a new process: the floor the rest of the
  batch can at best hide behind;
- plain: the same batch through the pipeline functions (``flow_timing.plain_documents``)
  in a new process, without the CLI and Prefect: wenshu − plain is Prefect's share;
- with ``--served``, also served: the same command with ``wenshu serve`` running on the
  round's data directory (Prefect's server, the deployments and a worker with
  LibreOffice warm, started before the clock starts, as an office keeps it running):
  one run on that worker (a pool of one worker does not split a batch), Prefect's API
  already up.

The data directory (the demo district imported, ≈1 min; Prefect's database and
LibreOffice's profiles created, as after a first command) is built in a temporary
folder, or in ``--home DIR`` and reused by later runs with the same DIR. The goals
(issue 13): wenshu ≤ 25 s and ≤ 0.6 × bare soffice; Prefect's share < 10 %. A goal counts
as met or not only when the middle half of the rounds lies on one side of it; otherwise
the report says "undecided" (on a noisy machine the median alone decides by chance).
The five run side by side, backwards every other round, so that a machine whose speed
drifts does not favour one side. Each round's line ends with the CPU seconds the
virtual machine's host took from it meanwhile ("steal",
:func:`flow_timing.steal_seconds`): near 0 on a quiet machine.
It first says whether wenshu's LibreOffice embeds the CJK fonts from their TrueType
copies (:mod:`wenshu.generators.office_fonts`); ``WENSHU_FONTS_DIR`` set to an empty
folder times it without them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flow_timing import prepare_demo, steal_seconds, timed, warm_converters

from wenshu.demo.run import DEMO_SUPERVISOR
from wenshu.generators.office_fonts import fontconfig_file
from wenshu.generators.pdf_jobs import FONTS_CONF
from wenshu.settings import Settings
from wenshu.templates import template_path

GOAL_SECONDS = 25.0
GOAL_RATIO = 0.6
GOAL_PREFECT_SHARE = 0.10
DOCUMENTS = 124
# The plain batch in a new process, as the command's process is new: same imports
# of wenshu, no CLI and no Prefect.
PLAIN = """
import sys, time
start = time.perf_counter()
sys.path.insert(0, {bench!r})
from datetime import date
from flow_timing import plain_documents
from wenshu.generators.kinds import DocumentOptions
from wenshu.settings import get_settings
made = plain_documents(get_settings(), {unit!r}, {year}, DocumentOptions(issued_on=date({issued})),
                       all_levels=True)
assert made == {documents}, made
import gc
gc.freeze()  # and ends as the command does (wenshu.cli.main)
"""


# wenshu's converter alone on files already rendered, in a new process.
CONVERT = """
import sys
from pathlib import Path
from wenshu.generators.pdf import PdfJob, open_converter
from wenshu.settings import get_settings
with open_converter(get_settings()) as converter:
    converter.convert_many([PdfJob(Path(p), Path(p).with_suffix(".pdf")) for p in sys.argv[1:]])
"""


def prepare(home: Path) -> tuple[str, int]:
    """The demo imported into ``home`` (once), Prefect's database and LibreOffice's
    profiles created; returns (district, year of the batch)."""
    settings = Settings(home=home)
    district, _latest = prepare_demo(settings)
    ready = home / "bench-batch-ready"
    if not ready.exists():
        warm_converters([settings], "year_summary")
        subprocess.run([sys.executable, "-c", "from wenshu.workflows.runtime import "
                        "warm_prefect; warm_prefect()"], env=_env(home), check=True)
        ready.touch()
    return district, 2024


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["WENSHU_HOME"] = str(home)
    return env


def _fresh(pristine: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(pristine, target, symlinks=True)
    return target


def run_wenshu(home: Path, unit: str, year: int) -> tuple[float, float]:
    """(wall, CPU) seconds the command takes in a new process; checks it archived every
    document."""
    command = [sys.executable, "-c", "from wenshu.cli import main; main()",
               "--user", DEMO_SUPERVISOR, "summary", "year", "--unit", unit,
               "--year", str(year), "--all-levels"]
    wall, cpu, said = timed(command, _env(home))
    made = _archived(home, year)
    if len(made) != DOCUMENTS:
        sys.exit(f"wenshu archived {len(made)} documents, not {DOCUMENTS}:\n{said}")
    return wall, cpu


def _archived(home: Path, year: int) -> list[Path]:
    return sorted((home / "archive" / "year_summary").glob(f"*/{year}/v0001/*.docx"))


def run_served(home: Path, unit: str, year: int) -> tuple[float, float]:
    """(wall, CPU) seconds of the command with ``wenshu serve`` already running on
    ``home``; the server and its worker's CPU is not counted (it is another process tree)."""
    log_path = home / "serve.log"
    serving = subprocess.Popen([sys.executable, "-c", "from wenshu.cli import main; main()",
                                "serve"], env=_env(home), stdout=log_path.open("wb"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while "running flow runs here" not in log_path.read_text(errors="replace"):
            if time.monotonic() > deadline or serving.poll() is not None:
                sys.exit(f"wenshu serve did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.5)
        time.sleep(3)  # the worker's first poll marks the deployments ready
        return run_wenshu(home, unit, year)
    finally:
        os.killpg(serving.pid, signal.SIGTERM)
        serving.wait(60)


def run_plain(home: Path, unit: str, year: int) -> tuple[float, float]:
    """(wall, CPU) seconds the pipeline functions take for the batch in a new process."""
    code = PLAIN.format(bench=str(Path(__file__).parent), unit=unit, year=year,
                        issued=f"{year + 1}, 1, 15", documents=DOCUMENTS)
    wall, cpu, _ = timed([sys.executable, "-c", code], _env(home))
    return wall, cpu


def run_bare(docx: list[Path], work: Path) -> tuple[float, float]:
    """(wall, CPU) seconds one bare ``soffice --convert-to pdf`` call takes for ``docx``."""
    source, out = work / "bare-in", work / "bare-out"
    for folder in (source, out):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    for path in docx:
        shutil.copy(path, source / path.name)
    command = ["soffice", f"-env:UserInstallation={(work / 'bare-profile').as_uri()}",
               "--headless", "--convert-to", "pdf", "--outdir", str(out),
               *sorted(str(p) for p in source.glob("*.docx"))]
    wall, cpu, _ = timed(command)
    made = len(list(out.glob("*.pdf")))
    if made != len(docx):
        sys.exit(f"bare soffice made {made} PDFs of {len(docx)}")
    return wall, cpu


def run_convert(home: Path, docx: list[Path], work: Path) -> tuple[float, float]:
    """(wall, CPU) seconds wenshu's converter takes for ``docx`` in a new process."""
    source = work / "convert-in"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    copies = [Path(shutil.copy(path, source / path.name)) for path in docx]
    wall, cpu, _ = timed([sys.executable, "-c", CONVERT, *map(str, copies)], _env(home))
    if len(list(source.glob("*.pdf"))) != len(docx):
        sys.exit("wenshu's converter did not make every PDF")
    return wall, cpu


def main() -> None:
    """Prepare, then rounds of wenshu, bare soffice and plain; print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--home", type=Path, help="keep the prepared data here for next time")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain-functions run")
    parser.add_argument("--served", action="store_true",
                        help="also time the command with `wenshu serve` running")
    args = parser.parse_args()
    root = args.home or Path(tempfile.mkdtemp(prefix="wenshu-bench-batch-"))
    copies = fontconfig_file(Settings().fonts_dir) != FONTS_CONF
    print("wenshu's LibreOffice embeds the CJK fonts from "
          + ("the TrueType copies" if copies else "the system's CFF faces (as Type 1)"),
          flush=True)
    try:
        rounds = _rounds(root, args.runs, not args.no_plain, args.served)
    finally:
        if args.home is None:
            shutil.rmtree(root, ignore_errors=True)
    _report(rounds)


Timing = tuple[float, float]
Row = tuple[Timing, Timing, Timing | None, Timing | None, Timing]


def _rounds(root: Path, runs: int, plain: bool, served: bool) -> list[Row]:
    """Rounds of the five timings, each printed with the CPU time the host took meanwhile
    (0 when quiet). Each ratio compares neighbours (convert, bare, wenshu, plain, served),
    and every other round runs them backwards: a machine slowing down or speeding up
    over a round would otherwise always favour the same side."""
    pristine = root / "pristine"
    unit, year = prepare(pristine)
    # LibreOffice's own first start on a new profile is not the bare figure's business.
    run_bare([template_path("year_summary")], root)
    docx = _batch_files(root, pristine, unit, year)
    steps: dict[str, Callable[[], Timing]] = {
        "convert": lambda: run_convert(_fresh(pristine, root / "run"), docx, root),
        "bare": lambda: run_bare(docx, root),
        "wenshu": lambda: run_wenshu(_fresh(pristine, root / "run"), unit, year)}
    if plain:
        steps["plain"] = lambda: run_plain(_fresh(pristine, root / "run"), unit, year)
    if served:
        steps["served"] = lambda: run_served(_fresh(pristine, root / "run"), unit, year)
    rows: list[Row] = []
    for number in range(1, runs + 1):
        stolen = steal_seconds()
        order = list(steps) if number % 2 else list(reversed(steps))
        took = {name: steps[name]() for name in order}
        rows.append((took["wenshu"], took["bare"], took.get("plain"), took.get("served"),
                     took["convert"]))
        print(f"run {number}: " + _line(*rows[-1])
              + f"   host's steal {steal_seconds() - stolen:.1f} s", flush=True)
    return rows


def _batch_files(root: Path, pristine: Path, unit: str, year: int) -> list[Path]:
    """The 124 .docx files bare soffice and the converter take, from an untimed first
    run of the command (which also warms the machine's caches); every round's are the
    same bytes."""
    home = _fresh(pristine, root / "run")
    run_wenshu(home, unit, year)
    kept = root / "docx"
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir()
    return [Path(shutil.copy(path, kept / path.name)) for path in _archived(home, year)]


def _line(wenshu: Timing, bare: Timing, plain: Timing | None, served: Timing | None,
          convert: Timing) -> str:
    text = (f"wenshu {wenshu[0]:6.1f} s ({wenshu[0] / DOCUMENTS * 1000:4.0f} ms/doc, "
            f"CPU {wenshu[1]:5.1f} s)   bare soffice {bare[0]:6.1f} s "
            f"({bare[0] / DOCUMENTS * 1000:4.0f} ms/doc, CPU {bare[1]:5.1f} s)   "
            f"wenshu/bare {wenshu[0] / bare[0]:.2f} (CPU {wenshu[1] / bare[1]:.2f})   "
            f"convert alone {convert[0]:6.1f} s (CPU {convert[1]:5.1f} s, /bare "
            f"{convert[0] / bare[0]:.2f}, CPU {convert[1] / bare[1]:.2f})")
    if plain is not None:
        text += (f"   plain {plain[0]:6.1f} s (CPU {plain[1]:5.1f} s), Prefect+CLI share "
                 f"{(wenshu[0] - plain[0]) / wenshu[0]:.1%} (CPU "
                 f"{(wenshu[1] - plain[1]) / wenshu[1]:.1%})")
    if served is not None:
        text += (f"   served {served[0]:6.1f} s (served/bare {served[0] / bare[0]:.2f}"
                 + (f", Prefect share {(served[0] - plain[0]) / served[0]:.1%}" if plain else "")
                 + ")")
    return text


def _report(rows: list[Row]) -> None:
    """Medians and spreads against the goals."""
    print("[low to high]: the middle half of the rounds (all of them, under four rounds)")
    seconds = [w[0] for w, _, _, _, _ in rows]
    ratios = [w[0] / b[0] for w, b, _, _, _ in rows]
    print(f"wenshu {_spread(seconds, '{:.1f} s')} (goal ≤ {GOAL_SECONDS:g} s: "
          f"{_verdict(seconds, GOAL_SECONDS)}), wenshu/bare {_spread(ratios, '{:.2f}')} "
          f"(goal ≤ {GOAL_RATIO}: {_verdict(ratios, GOAL_RATIO)}), CPU wenshu/bare "
          f"{statistics.median(w[1] / b[1] for w, b, _, _, _ in rows):.2f}")
    shares = [(w[0] - p[0]) / w[0] for w, _, p, _, _ in rows if p is not None]
    if shares:
        print(f"Prefect+CLI share {_spread(shares, '{:.1%}')} (goal < "
              f"{GOAL_PREFECT_SHARE:.0%}: {_verdict(shares, GOAL_PREFECT_SHARE)})")
    print("median convert alone / bare "
          f"{statistics.median(c[0] / b[0] for _, b, _, _, c in rows):.2f} (CPU "
          f"{statistics.median(c[1] / b[1] for _, b, _, _, c in rows):.2f}): the floor of "
          "wenshu/bare")
    served = [(s[0], s[0] / b[0], p) for _, b, p, s, _ in rows if s is not None]
    if served:
        text = (f"served {_spread([s for s, _, _ in served], '{:.1f} s')}, served/bare "
                f"{_spread([r for _, r, _ in served], '{:.2f}')}")
        served_shares = [(s - p[0]) / s for s, _, p in served if p is not None]
        if served_shares:
            text += (f", Prefect share {_spread(served_shares, '{:.1%}')} (goal < "
                     f"{GOAL_PREFECT_SHARE:.0%}: {_verdict(served_shares, GOAL_PREFECT_SHARE)})")
        print(text)


def _quartiles(values: list[float]) -> tuple[float, float]:
    """The middle half of the rounds (the lowest and highest of fewer than four)."""
    if len(values) < 4:
        return min(values), max(values)
    low, _, high = statistics.quantiles(values, n=4)
    return low, high


def _spread(values: list[float], form: str) -> str:
    """The median, then the middle half of the rounds in brackets."""
    low, high = _quartiles(values)
    return (f"median {form.format(statistics.median(values))} "
            f"[{form.format(low)} to {form.format(high)}]")


def _verdict(values: list[float], goal: float) -> str:
    """Met or not when the middle half of the rounds lies on one side of the goal;
    otherwise this machine's noise is larger than the margin and a median would decide
    by chance."""
    low, high = _quartiles(values)
    if high <= goal:
        return "met"
    if low > goal:
        return "not met"
    return "undecided: the rounds spread across the goal"


if __name__ == "__main__":
    sys.exit(main())
