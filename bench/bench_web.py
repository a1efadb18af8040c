"""Click to PDF on the warm web app against the same plain functions in a warm process.

Run: .venv/bin/python bench/bench_web.py [--runs 7] [--level community|street|district]

Builds the demo district twice (≈1 min each), starts ``wenshu web`` on one copy as an
office would and waits until it is warm, and keeps a warm converter in this process for
the other copy. Then, round by round and side by side:

- web: what a click does, through the JSON API the page's form also reaches: POST
  ``/api/v1/documents/generate`` (one year-end summary, with PDF/A), wait for the job
  (``GET /api/v1/jobs/<id>?wait=60`` answers the moment it ends), then download the
  PDF: the time from the request to the PDF's last byte;
- plain: load, plan, render, convert and archive the same document by direct calls.

Every round types its own staff paragraph, so every document is really rendered and
converted (identical inputs would be found unchanged). Prints each round, the medians,
the absolute click-to-PDF time and the ratio web / plain against the goal (≤ 1.3).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from flow_timing import first_unit, plain_documents, prepare_demo

from wenshu.access import resolve_actor
from wenshu.auth import create_token
from wenshu.demo.run import DEMO_SUPERVISOR
from wenshu.generators.kinds import DocumentOptions
from wenshu.generators.pdf import keep_warm, release_warm
from wenshu.narrative import Narrative
from wenshu.settings import Settings

ISSUED = date(2026, 1, 15)
GOAL = 1.3
PAUSE_SECONDS = 0.5  # clicks are not back to back
RUN = uuid.uuid4().hex[:8]


def paragraph(tag: str) -> str:
    """A staff paragraph of its own for one round."""
    return f"本次测量编号{RUN}-{tag}，秋季培训覆盖全部网格。"


def plain(settings: Settings, unit: str, year: int, tag: str) -> float:
    """The document by direct calls in this (warm) process; seconds."""
    options = DocumentOptions(issued_on=ISSUED,
                              narrative=Narrative(highlights=(paragraph(tag),)))
    started = time.perf_counter()
    made = plain_documents(settings, unit, year, options)
    assert made == 1, "the inputs were unchanged: nothing was rendered"
    return time.perf_counter() - started


class WebApp:
    """``wenshu web`` in its own process, driven through its API with a token."""

    def __init__(self, settings: Settings, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.token = create_token(settings, resolve_actor(settings, DEMO_SUPERVISOR), "bench")
        env = {**os.environ, "WENSHU_HOME": str(settings.home)}
        env.pop("PREFECT_API_URL", None)
        self.log = (settings.home / "web.log").open("wb")
        wenshu = Path(sys.executable).parent / "wenshu"
        self.process = subprocess.Popen([str(wenshu), "web", "--port", str(port)], env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One API call; JSON in and out (bytes for a file)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as reply:
            payload = reply.read()
            return json.loads(payload) if "json" in reply.headers["content-type"] else payload

    def wait_until_up(self) -> None:
        """Until the app answers (it keeps warming up behind the first job)."""
        for _ in range(240):
            try:
                self.call("GET", "/api/v1/me")
                return
            except OSError:
                time.sleep(0.5)
        raise SystemExit("wenshu web did not start; see web.log")

    def click(self, unit: str, year: int, tag: str) -> float:
        """Generate one summary, wait for it, download its PDF; seconds from request to PDF."""
        started = time.perf_counter()
        job = self.call("POST", "/api/v1/documents/generate", {
            "kind": "year_summary", "unit_code": unit, "period": str(year),
            "issued_on": ISSUED.isoformat(), "narrative": {"highlights": [paragraph(tag)]}})
        state = self.call("GET", f"{job['url']}?wait=60")
        assert state["status"] == "done", state["message"]
        [made] = state["result"]["documents"]
        assert made["created"], "the inputs were unchanged: nothing was rendered"
        pdf = self.call("GET", f"/api/v1/documents/{made['document_id']}/versions/"
                               f"{made['version']}/pdf")
        assert pdf.startswith(b"%PDF")
        return time.perf_counter() - started

    def stop(self) -> None:
        """SIGTERM, as Ctrl-C would."""
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


def main() -> None:
    """Prepare both copies, warm both sides, time the rounds, print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--level", choices=("community", "street", "district"),
                        default="community")
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wenshu-bench-web-"))
    web_settings, plain_settings = Settings(home=root / "web"), Settings(home=root / "plain")
    _, year = prepare_demo(web_settings)
    prepare_demo(plain_settings)
    unit = first_unit(plain_settings, args.level)
    app = WebApp(web_settings, args.port)
    try:
        app.wait_until_up()
        keep_warm(plain_settings)
        rows = []
        for round_ in range(-2, args.runs):  # two unmeasured rounds: first compiles, caches
            time.sleep(PAUSE_SECONDS)
            plain_s = plain(plain_settings, unit, year, f"p{round_}")
            time.sleep(PAUSE_SECONDS)
            web_s = app.click(unit, year, f"w{round_}")
            label = "warm-up" if round_ < 0 else f"run {round_ + 1}"
            print(f"{label:8s} plain {plain_s * 1000:7.0f} ms   web click to PDF "
                  f"{web_s * 1000:7.0f} ms   web/plain {web_s / plain_s:5.2f}", flush=True)
            if round_ >= 0:
                rows.append((plain_s, web_s))
    finally:
        app.stop()
        release_warm()
        shutil.rmtree(root, ignore_errors=True)
    plain_med = statistics.median(p for p, _ in rows) * 1000
    web_med = statistics.median(w for _, w in rows) * 1000
    ratio = statistics.median(w / p for p, w in rows)
    print(f"unit {unit} ({args.level}), {len(rows)} runs")
    print(f"median  plain {plain_med:7.0f} ms   web click to PDF {web_med:7.0f} ms")
    print(f"median web/plain {ratio:.2f}  (goal ≤ {GOAL}: {'met' if ratio <= GOAL else 'not met'})")


if __name__ == "__main__":
    main()
