"""One ``wenshu web`` process over a fresh web office and one Chromium for every browser
test in this folder: the tests are a day at the office, in order, on the same data."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.browser.site import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SHOTS,
    free_port,
    left_running,
    wait_for,
)
from tests.web_office import Office, build_office
from wenshu.settings import Settings


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Office, Path]]:
    """``wenshu web`` on a free port over a fresh web office; stopped with SIGTERM."""
    folder = tmp_path_factory.mktemp("browser")
    office = build_office(Settings(home=folder / "home"), folder / "inputs")
    port = free_port()
    env = {**os.environ, "WENSHU_HOME": str(folder / "home")}
    env.pop("WENSHU_USER", None)
    env.pop("PREFECT_API_URL", None)  # the server's own ephemeral Prefect, as in an office
    log = (folder / "server.log").open("wb")
    wenshu = Path(sys.executable).parent / "wenshu"
    process = subprocess.Popen([str(wenshu), "web", "--port", str(port)], env=env, stdout=log,
                               stderr=subprocess.STDOUT, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, process, folder / "server.log")
        yield url, office, folder
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
    said = (folder / "server.log").read_text(errors="replace")
    assert "Traceback" not in said, said
    # Stopping the web app stops the Prefect API it started for itself, too.
    assert left_running(env["WENSHU_HOME"]) == []


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (the test tool's own browser download does not work here)."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/bootstrap.sh test"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
