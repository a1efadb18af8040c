"""The web app in a real browser (Debian's Chromium driven by Playwright), served by a real
``wenshu web`` process over the web office: a clerk, a supervisor and an archivist do
their day's work. Every page visited is saved as a screenshot under
``test-output/screenshots/`` (or ``$WENSHU_TEST_OUTPUT/screenshots``)."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pypdf import PdfReader

from tests.web_office import SILENT, Office, build_office
from wenshu.settings import Settings

CHROMIUM = "/usr/bin/chromium"
# As the machines' notes say: no sandbox as root, and nothing that reaches the internet.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
OUTPUT = Path(os.environ.get("WENSHU_TEST_OUTPUT",
                             Path(__file__).resolve().parent.parent / "test-output"))
SHOTS = OUTPUT / "screenshots"
JOB_SECONDS = 240  # a cold Prefect plus LibreOffice on a busy 2-core machine
BAD_LEDGER = ("单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注\n"
              "440307001001,2025-10-08,培训,秋季培训,1,30,,,,\n"
              "440307001001,2025-13-40,培训,日期写错,1,30,,,,\n"
              "440307001001,2025-10-09,跳舞,不认识的类型,1,30,,,,\n"
              "440307002001,2025-10-10,宣传,别的街道,1,,,200,,\n"
              "440307001001,2025-10-11,培训,人数是约数,1,40余人,,,,\n")
GOOD_LEDGER = ("单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注\n"
               "440307001001,2025-10-08,培训,秋季优生优育培训,一期,三十人,,,,\n"
               "440307001001,2025-11-12,宣传,流动人口政策宣传,1,,,300,,\n")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Office, Path]]:
    """``wenshu web`` on a free port over a fresh web office; stopped with SIGTERM."""
    folder = tmp_path_factory.mktemp("browser")
    office = build_office(Settings(home=folder / "home"), folder / "inputs")
    port = _free_port()
    env = {**os.environ, "WENSHU_HOME": str(folder / "home")}
    env.pop("WENSHU_USER", None)
    env.pop("PREFECT_API_URL", None)  # the server's own ephemeral Prefect, as in an office
    log = (folder / "server.log").open("wb")
    wenshu = Path(sys.executable).parent / "wenshu"
    process = subprocess.Popen([str(wenshu), "web", "--port", str(port)], env=env, stdout=log,
                               stderr=subprocess.STDOUT, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, process, folder / "server.log")
        yield url, office, folder
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
    said = (folder / "server.log").read_text(errors="replace")
    assert "Traceback" not in said, said
    # Stopping the web app stops the Prefect API it started for itself, too.
    assert _left_running(env["WENSHU_HOME"]) == []


def _left_running(home: str) -> list[int]:
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


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (the test tool's own browser download does not work here)."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/bootstrap.sh test"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


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


def _upload(visit: Visit, tmp: Path, name: str, text: str) -> Page:
    page = visit.go("/data/upload", f"upload-{name}")
    path = tmp / name
    path.write_text(text, encoding="utf-8-sig")
    page.set_input_files("input[name=file]", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state()
    visit.shot(f"uploaded-{Path(name).stem}")
    return page


def _word_file(visit: Visit, path: Path) -> Any:
    """The job page's Word file as the user saves it, opened with python-docx."""
    with visit.page.expect_download() as download:
        visit.page.click("#download-docx")
    assert download.value.suggested_filename.endswith(".docx")
    download.value.save_as(path)
    return WordDocument(str(path))


def _sent_back(visit: Visit, name: str) -> Page:
    """Send the generate form that has something wrong: the page it comes back as."""
    visit.page.click("#generate")
    visit.page.wait_for_load_state()
    visit.shot(name)
    return visit.page


def test_a_clerk_uploads_generates_and_files(server: tuple[str, Office, Path],
                                             browser: Browser, tmp_path: Path) -> None:
    url, office, _ = server
    clerk = Visit(browser, url, office.clerk, office.password)
    expect(clerk.page.locator("h1")).to_contain_text("东湖社区")
    clerk.shot("home")

    bad = _upload(clerk, tmp_path, "有错的台账.csv", BAD_LEDGER)
    rows = bad.locator("#row-errors tbody tr")
    expect(rows).to_have_count(4)
    text = bad.locator("#row-errors").inner_text()
    assert "3" in text and "日期" in text and "活动类型" in text and "跳舞" in text
    assert "人次“40余人”是约数，请填写实际统计的数字" in text
    assert "440307002001" in text  # another street's unit: not the clerk's to report
    assert "没有保存任何数据" in bad.inner_text("#outcome")
    report = clerk.context.request.get(url + bad.get_attribute("#error-report", "href"))
    assert report.ok and "跳舞" in report.body().decode("utf-8-sig")

    good = _upload(clerk, tmp_path, "十月台账.csv", GOOD_LEDGER)
    expect(good.locator("#outcome")).to_contain_text("新保存 2 行")

    form = clerk.go("/documents/new?unit=440307001001&kind=year_summary&period=2025",
                    "generate-form")
    form.fill("textarea[name=highlights]", "加强流动人口服务管理，秋季培训覆盖全部网格。")
    form.click("#generate")
    clerk.wait_for_job("generated")
    first_page = clerk.page.locator("#pdf-view img.page").first
    expect(first_page).to_be_visible()
    assert first_page.evaluate("img => img.complete && img.naturalWidth > 600")
    pdf = clerk.context.request.get(url + clerk.page.get_attribute("#download-pdf", "href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "东湖社区" in pdf_text
    words = "\n".join(p.text for p in _word_file(clerk, tmp_path / "summary.docx").paragraphs)
    assert "95.00%" in words  # 950 of 1,000 checks done (office_data.CHECKS)
    assert "流动人口" in words

    clerk.page.click("#file-button")
    clerk.page.wait_for_load_state()
    expect(clerk.page.locator("#versions")).to_contain_text("0194-WS·2025")
    clerk.shot("filed")
    clerk.close()


def test_a_clerk_answers_the_self_inspection_in_the_page(server: tuple[str, Office, Path],
                                                        browser: Browser, tmp_path: Path) -> None:
    """No answers file to write: choosing 自查报告 brings the items the unit answers into
    the form; a missing one is marked beside it with what was typed kept; the report
    states the answers; the next form starts from them."""
    url, office, _ = server
    clerk = Visit(browser, url, office.clerk, office.password)
    form = clerk.go("/documents/new", "self-inspection-form")
    form.select_option("#f-kind", "self_inspection")
    table = form.locator("#answers-table")
    expect(table).to_contain_text("设有悄悄话室或咨询台")
    for select in table.locator("select").all():
        select.select_option("是")
    form.select_option("select[name='value:consult_room']", "否")
    form.fill("input[name='note:consult_room']", "活动室改造中，咨询台暂设服务大厅")
    form.fill("input[name='value:edu_discs']", "12")
    form.fill("input[name='value:contraceptive_kinds']", "6")
    form.fill("textarea[name='value:practices']", "组织志愿者为独居老人提供结对服务。")
    _sent_back(clerk, "self-inspection-missing")  # 宣传板 left empty
    expect(form.locator("#form-error")).to_contain_text("自查答复有 1 处需要填写或修改")
    expect(form.locator("tr.row-error")).to_contain_text("宣传板")
    assert form.input_value("input[name='value:edu_discs']") == "12"
    form.fill("input[name='value:boards']", "4")
    form.fill("input[name='note:boards']", "另有2块正在制作")
    form.click("#generate")
    clerk.wait_for_job("self-inspection-made")
    document = _word_file(clerk, tmp_path / "self_inspection.docx")
    words = "\n".join(p.text for p in document.paragraphs)
    assert "现有宣传板4块，比不少于5块的要求少1块（另有2块正在制作）" in words
    assert "活动室改造中，咨询台暂设服务大厅" in words
    assert "特色做法：组织志愿者为独居老人提供结对服务。" in words
    rows = {r.cells[1].text: [c.text for c in r.cells[2:4]] for r in document.tables[0].rows}
    assert rows["宣传板≥5块"] == ["4块", "基本符合"]
    assert rows["设有悄悄话室或咨询台"] == ["未落实", "不符合"]

    again = clerk.go("/documents/new?kind=self_inspection", "self-inspection-again")
    expect(again.locator("#answers-earlier")).to_contain_text("答复预填")
    assert again.input_value("input[name='value:boards']") == "4"
    assert again.input_value("select[name='value:consult_room']") == "否"
    clerk.close()


def test_a_supervisor_writes_a_campaign_plan_in_the_page(server: tuple[str, Office, Path],
                                                        browser: Browser, tmp_path: Path) -> None:
    """No spec file to write: choosing 实施方案 brings the plan's parts into the form; a
    phase ending before it starts is marked beside it; the plan says what was typed; the
    next form starts from it."""
    url, office, _ = server
    supervisor = Visit(browser, url, office.supervisor, office.password)
    form = supervisor.go("/documents/new?unit=440307", "campaign-form")
    form.select_option("#f-kind", "campaign_plan")
    expect(form.locator("#campaign-spec")).to_be_visible()
    for name, value in {
            "name": "“婚育新风进万家”宣传月活动", "year": "2026",
            "basis": "《关于开展2026年“婚育新风进万家”活动的通知》",
            "principles": "坚持群众主体：从群众需求出发设计活动内容。\n坚持注重实效：每项活动有记录。",
            "leader": "区卫生健康局局长", "deputies": "区妇联主席",
            "phase_name_1": "宣传发动", "phase_start_1": "2026-05-21", "phase_end_1": "2026-06-30",
            "phase_tasks_1": "召开动员部署会议，印发活动方案。",
            "phase_name_2": "集中服务", "phase_start_2": "2026-07-01", "phase_end_2": "2026-06-15",
            "phase_tasks_2": "组织健康咨询进社区。\n入户走访计生困难家庭。",
            "target_1": "≥95%"}.items():
        form.fill(f"[name='campaign.{name}']", value)
    form.select_option("[name='campaign.indicator_1']", "check_rate")
    _sent_back(supervisor, "campaign-wrong-date")
    expect(form.locator("#form-error")).to_contain_text("实施方案的内容有 1 处需要填写或修改")
    expect(form.locator("#campaign-phases")).to_contain_text("结束日期 2026-06-15 早于开始日期")
    assert form.input_value("[name='campaign.leader']") == "区卫生健康局局长"
    form.fill("[name='campaign.phase_end_2']", "2026-09-30")
    form.click("#generate")
    supervisor.wait_for_job("campaign-made")
    expect(supervisor.page.locator("h1")).to_have_text("示范区 实施方案")  # no form period
    words = "\n".join(p.text for p in _word_file(supervisor, tmp_path / "campaign.docx").paragraphs)
    assert "婚育新风进万家" in words and "宣传发动" in words and "集中服务" in words
    assert "入户走访计生困难家庭" in words and "区卫生健康局局长" in words
    assert "坚持群众主体" in words and "95%" in words

    again = supervisor.go("/documents/new?unit=440307&kind=campaign_plan", "campaign-again")
    assert again.input_value("[name='campaign.phase_end_2']") == "2026-09-30"
    assert again.input_value("[name='campaign.indicator_1']") == "check_rate"
    supervisor.close()


def test_a_supervisor_sees_who_did_not_report_and_runs_an_inspection(
        server: tuple[str, Office, Path], browser: Browser) -> None:
    url, office, _ = server
    supervisor = Visit(browser, url, office.supervisor, office.password)
    supervisor.shot("home")
    page = supervisor.go("/units/440307/reporting?period=2025", "reporting")
    code, name = SILENT
    expect(page.locator("#missing")).to_contain_text(name)
    assert "未报送" in page.locator("#reporting").inner_text()
    # Per street: 西城街道's three communities, one of which never reports.
    west = page.locator("#branches tr", has_text="西城街道").inner_text().split("\t")
    assert west[1:] == ["3", "2", "1", "66.7%"]
    # The list below names each street above its own communities.
    rows = page.locator("#reporting tbody tr").all_inner_texts()
    street = rows.index("西城街道（已报 2/3）")
    assert [row.split("\t")[0] for row in rows[street + 1:street + 4]] == [
        "西湖社区", "西山社区", "西岭社区"]
    indicators = supervisor.go("/units/440307/indicators?year=2025", "indicators")
    expect(indicators.locator("#indicators")).to_contain_text("东城街道")

    # The ledger template is for the unit picked on the upload page, with its units.
    upload = supervisor.go("/data/upload", "upload")
    upload.select_option("#upload-unit", "440307001")
    with upload.expect_download() as download:
        upload.click("#ledger-template")
    title = f"东城街道{date.today().year}年工作台账"
    assert download.value.suggested_filename == f"{title}.xlsx"
    template = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["台账"]
    assert template["A1"].value == title
    assert template["A2"].value == "单位名称"

    # The picker opens on the latest ledger year, with the units grouped by street: the
    # group's box ticks the street's communities, not the street itself.
    pick = supervisor.go("/inspections", "inspections")
    assert pick.input_value("#pick-form input[name=period]") == "2025"
    # The units use the card's width (a district's 100-odd communities then fit in a few
    # screens), while the fields above keep a form's width.
    units_box, period_box = (pick.locator(f"#pick-form {s}").bounding_box()
                             for s in ("fieldset", "input[name=period]"))
    assert units_box and period_box and units_box["width"] > 1000 > 600 > period_box["width"]
    pick.select_option("#pick-form select[name=checklist]", "model_community")
    street = pick.locator(".unit-group", has=pick.locator("input[value='440307001']"))
    street.locator("input.select-group").check()
    expect(street.locator(".columns input[name=units]:checked")).to_have_count(2)
    assert not street.locator("input[value='440307001']").is_checked()
    street.locator("input[value='440307001002']").uncheck()
    expect(street.locator("input.select-group")).not_to_be_checked()
    pick.check("input[name=units][value='440307002001']")
    pick.click("#enter-findings")
    pick.wait_for_load_state()
    units = ["440307001001", "440307002001"]
    assert "checklist=model_community&period=2025" in pick.url
    assert all(f"units={u}" in pick.url for u in units)
    findings = pick
    # A threshold as the checklist writes it, not as the code keys it (ge 10).
    expect(findings.locator(f"#findings-{units[0]}")).to_contain_text("标准 ≥10")
    for unit in units:
        _fill_findings(findings, unit)
        if unit == units[0]:  # a count mistyped: marked beside it, nothing typed is lost
            count = findings.locator(f"#findings-{unit} input[placeholder='数量']").first
            count.fill("若干")
            findings.click(f"#findings-{unit} button[type=submit]")
            findings.wait_for_load_state()
            supervisor.shot("findings-wrong")
            expect(findings.locator("#findings-error")).to_contain_text("1 项需要修改")
            expect(findings.locator(f"#findings-{unit} tr.row-error")).to_contain_text(
                "不能填“若干”")
            assert findings.locator(f"#findings-{unit} select").first.input_value() == "是"
            count.fill("80")
        findings.click(f"#findings-{unit} button[type=submit]")
        findings.wait_for_load_state()
        expect(findings.locator("#saved")).to_contain_text(unit)
    supervisor.shot("findings-saved")
    # What is recorded shows in each unit's form, to read or to correct one item.
    expect(findings.locator(f"#findings-{units[0]} input[placeholder='数量']").first
           ).to_have_value("80")
    findings.click("#to-ranking")
    findings.wait_for_load_state()
    supervisor.shot("ranking")
    expect(findings.locator("#ranking tbody tr")).to_have_count(2)
    findings.click("#run-inspection")
    supervisor.wait_for_job("inspection")
    result = supervisor.page
    expect(result.locator("#ranking tbody tr")).to_have_count(2)
    assert "合格社区" in result.locator("#ranking").inner_text()
    listed = result.locator("#results").inner_text()
    assert listed.count("检查情况的反馈意见") == 2 and "检查情况的通报" in listed
    with result.expect_download() as download:
        result.locator("#results a", has_text="PDF").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    supervisor.close()


def _fill_findings(page: Page, unit: str) -> None:
    """Answer every observed item of a unit's form as an inspector would."""
    form = page.locator(f"#findings-{unit}")
    for select in form.locator("select[name^='value:']").all():
        select.select_option("是")
    for field in form.locator("input[name^='value:']").all():
        placeholder = field.get_attribute("placeholder") or ""
        if placeholder.startswith("0～"):
            field.fill(placeholder.removeprefix("0～"))
        elif placeholder == "数量":
            field.fill("80")
        else:
            field.fill("开展了婚育新风进万家活动")


def test_a_clerk_is_refused_another_streets_document(server: tuple[str, Office, Path],
                                                     browser: Browser) -> None:
    url, office, _ = server
    supervisor = Visit(browser, url, office.supervisor, office.password)
    other = supervisor.go("/units/440307002001?period=2025", "other-street-unit")
    link = other.locator("table a[href^='/documents/']").first
    target = link.get_attribute("href")
    supervisor.close()
    clerk = Visit(browser, url, office.clerk, office.password)
    refused = clerk.go(target, "refused-document")
    assert "无权操作" in refused.inner_text("h1")
    assert "不能操作单位 440307002001" in refused.inner_text(".problem")
    clerk.close()


def test_an_archivist_searches_downloads_and_verifies(server: tuple[str, Office, Path],
                                                      browser: Browser, tmp_path: Path) -> None:
    url, office, _ = server
    archivist = Visit(browser, url, office.archivist, office.password)
    archivist.shot("home")
    page = archivist.page
    page.fill("input[name=q]", "流动人口")
    page.click("#search-button")
    page.wait_for_load_state()
    archivist.shot("search")
    snippet = page.locator("#hits td.snippet").first
    assert snippet.locator("mark").first.inner_text() == "流动人口"
    assert "流动人口" in snippet.inner_text() and "【" not in snippet.inner_text()
    page.locator("#hits a").first.click()
    page.wait_for_load_state()
    archivist.shot("record")
    expect(page.locator("table.metadata").first).to_contain_text("档号")
    expect(page.locator("#history")).to_contain_text("归档")
    with page.expect_download() as download:
        page.locator("a.download-pdf_filed").first.click()
    saved = tmp_path / "record.pdf"
    download.value.save_as(saved)
    assert "归档章" in download.value.suggested_filename
    assert "东湖社区" in PdfReader(str(saved)).pages[0].extract_text()

    archivist.go("/archive/verify", "verify-form")
    page.click("#verify-button")
    archivist.wait_for_job("verified")
    expect(page.locator("#verify-report")).to_contain_text("通过")
    archivist.close()
