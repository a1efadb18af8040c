"""The CPU seconds each kind of process in a command's tree used: the command itself, its
Prefect API, LibreOffice, the PDF normaliser.

Run: .venv/bin/python bench/process_cpu.py [--every 0.1] -- COMMAND ...

e.g. with ``WENSHU_HOME`` set to a copy of ``bench_batch.py --home DIR``'s ``pristine``:

    .venv/bin/python bench/process_cpu.py -- .venv/bin/wenshu --user 区督导 summary year \\
        --unit 440307 --year 2024 --all-levels

Whole-run timings of two commands (the batch with and without Prefect) differ by a few
percent, less than a shared machine's drift between the runs; the split within one run
does not drift: it says what Prefect's API costs in CPU, and what the command's own
process costs beside the plain functions' (``bench_batch.py``'s ``PLAIN``). /proc is read
every ``--every`` seconds, so a process's last moments (under that) are not counted;
the total is the kernel's own count for the whole tree.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass

TICKS = os.sysconf("SC_CLK_TCK")
# A process's kind by a piece of its command line, first match wins; else its program.
KINDS = (("soffice", "LibreOffice"), ("oosplash", "LibreOffice"),
         ("import uno", "LibreOffice's UNO bridge"), ("uvicorn", "Prefect's API"),
         ("pdf_normalize", "PDF normaliser"))


@dataclass
class Seen:
    """One process of the tree: its kind and the CPU it was last seen to have used."""

    kind: str
    cpu: float


def kind_of(command_line: str) -> str:
    """The kind of process a command line names (:data:`KINDS`), or its program's name."""
    for piece, kind in KINDS:
        if piece in command_line:
            return kind
    return os.path.basename(command_line.split(" ", 1)[0]) or "?"


def sample(root: int, parents: dict[int, int], seen: dict[tuple[int, int], Seen]) -> None:
    """Read every process under ``root`` once; ``seen`` keeps each one's latest CPU (a
    process stays counted when its parent dies and it is handed to init)."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        try:
            with open(f"/proc/{pid}/stat") as stat:
                raw = stat.read()
        except OSError:
            continue  # it ended meanwhile
        fields = raw[raw.rfind(")") + 2:].split()  # after "pid (comm) "
        parents[pid] = int(fields[1])
        key = (pid, int(fields[19]))  # (pid, start time): a reused pid is another process
        if key not in seen:
            if not _under(pid, root, parents):
                continue
            seen[key] = Seen("the command" if pid == root else "?", 0.0)
        seen[key].cpu = (int(fields[11]) + int(fields[12])) / TICKS
        line = _command_line(pid) if pid != root else ""
        if line:  # read each time: a child seen between its fork and its exec is renamed
            seen[key].kind = kind_of(line)


def _under(pid: int, root: int, parents: dict[int, int]) -> bool:
    while pid not in (root, 0, 1) and pid in parents:
        pid = parents[pid]
    return pid == root


def _command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def main() -> None:
    """Run the command, sample its tree, print the CPU by kind of process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.1, help="seconds between samples")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(args.command, stdout=subprocess.DEVNULL)
    parents: dict[int, int] = {}
    seen: dict[tuple[int, int], Seen] = {}
    while process.poll() is None:
        sample(process.pid, parents, seen)
        time.sleep(args.every)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    by_kind: dict[str, float] = {}
    for each in seen.values():
        by_kind[each.kind] = by_kind.get(each.kind, 0.0) + each.cpu
    print(f"exit {process.returncode}, wall {wall:.1f} s, CPU {total:.1f} s: " + ", ".join(
        f"{kind} {cpu:.1f} s" for kind, cpu in sorted(by_kind.items(), key=lambda k: -k[1])
        if cpu >= 0.05))
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()
