"""Cost of Traditional output against the render it follows, per document.

    python bench/bench_script.py [--n 50]

Renders the sample year summary with ``render_docx`` and converts the result with
``to_traditional``, interleaved, and prints both medians and their ratio. OpenCC loads
its dictionaries once per process and configuration; that one-time cost is printed apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.sample_context
from tests.sample_context import year_summary_context  # noqa: E402
from wenshu.generators.render import render_docx  # noqa: E402
from wenshu.generators.script import to_traditional, to_traditional_text  # noqa: E402
from wenshu.templates import template_path  # noqa: E402


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    """Print the medians of render and conversion, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    template, context = template_path("year_summary"), year_summary_context()
    load = _seconds(lambda: to_traditional_text("计划生育"))
    rendered = render_docx(template, context)
    to_traditional(rendered)  # first-use caches are not what is measured
    render_times, convert_times = [], []
    for _ in range(args.n):
        render_times.append(_seconds(lambda: render_docx(template, context)))
        convert_times.append(_seconds(lambda: to_traditional(rendered)))
    render, convert = statistics.median(render_times), statistics.median(convert_times)
    print(f"OpenCC s2t load, once per process: {load * 1000:.0f} ms")
    print(f"render_docx (year summary):        {render * 1000:.1f} ms")
    print(f"to_traditional of its output:      {convert * 1000:.1f} ms")
    print(f"conversion / render:               {convert / render:.2f}")


if __name__ == "__main__":
    main()
