"""What the browser tests share: Debian's Chromium, a person at their browser
(:class:`Visit`, saving every page as a screenshot under ``test-output/screenshots/`` or
``$WENSHU_TEST_OUTPUT/screenshots``), and the steps every test takes (upload a file, send
a form back with its problems, save the Word file a job made)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from docx import Document as WordDocument
from playwright.sync_api import Browser, Page, expect

CHROMIUM = "/usr/bin/chromium"
# As the machines' notes say: no sandbox as root, and nothing that reaches the internet.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
OUTPUT = Path(os.environ.get("WENSHU_TEST_OUTPUT",
                             Path(__file__).resolve().parents[2] / "test-output"))
SHOTS = OUTPUT / "screenshots"
JOB_SECONDS = 240  # a cold Prefect plus LibreOffice on a busy 2-core machine


def free_port() -> int:
    """A port nothing listens on now, for the test's ``wenshu web``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def left_running(home: str) -> list[int]:
    """Processes still running with ``home`` as their WENSHU_HOME (Linux /proc)."""
    mark = f"WENSHU_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue  # gone meanwhile, or not ours to read
    return found


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until ``wenshu web`` answers at ``url`` (its log in the failure if it exits)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"wenshu web exited: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"wenshu web did not answer at {url}")


class Visit:
    """A person at their browser: signs in, and saves every page they see."""

    def __init__(self, browser: Browser, url: str, who: str, password: str) -> None:
        self.context = browser.new_context(viewport={"width": 1366, "height": 768},
                                           locale="zh-CN", accept_downloads=True)
        self.page: Page = self.context.new_page()
        self.url, self.who = url, who
        # What a page loads besides itself (styles, scripts, icon, page images) must load;
        # a page itself may be refused (403, 404) on purpose.
        self.broken: list[str] = []
        self.page.on("response", lambda r: self.broken.append(f"{r.status} {r.url}")
                     if r.status >= 400 and r.request.resource_type != "document" else None)
        self.page.goto(f"{url}/login")
        self.shot("login")
        self.page.fill("input[name=name]", who)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def shot(self, name: str) -> Path:
        """Save the page as it looks now."""
        path = SHOTS / f"{self.who}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def go(self, path: str, name: str) -> Page:
        """Open a page and save it."""
        self.page.goto(f"{self.url}{path}")
        self.shot(name)
        return self.page

    def wait_for_job(self, name: str) -> None:
        """On a job's page: wait until it has ended, then save it."""
        expect(self.page.locator("#job-status")).to_contain_text(
            re.compile("已完成|失败"), timeout=JOB_SECONDS * 1000)
        self.page.wait_for_load_state()
        self.shot(name)
        assert "失败" not in self.page.locator("#job-status").inner_text(), \
            self.page.locator("#job-status").inner_text()

    def close(self) -> None:
        """Close this person's browser window; everything its pages loaded had loaded."""
        self.context.close()
        assert not self.broken, self.broken


def upload(visit: Visit, tmp: Path, name: str, text: str) -> Page:
    """Hand in ``text`` as the file ``name`` on the upload page: the page it comes back as."""
    page = visit.go("/data/upload", f"upload-{name}")
    path = tmp / name
    path.write_text(text, encoding="utf-8-sig")
    page.set_input_files("input[name=file]", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state()
    visit.shot(f"uploaded-{Path(name).stem}")
    return page


def word_file(visit: Visit, path: Path) -> Any:
    """The job page's Word file as the user saves it, opened with python-docx."""
    with visit.page.expect_download() as download:
        visit.page.click("#download-docx")
    assert download.value.suggested_filename.endswith(".docx")
    download.value.save_as(path)
    return WordDocument(str(path))


def sent_back(visit: Visit, name: str) -> Page:
    """Send the generate form that has something wrong: the page it comes back as."""
    visit.page.click("#generate")
    visit.page.wait_for_load_state()
    visit.shot(name)
    return visit.page
