"""A day at the office in a real browser (Debian's Chromium driven by Playwright), served
by a real ``wenshu web`` process over the web office: a clerk uploads, generates and
files; a supervisor sees who reported and runs an inspection; an archivist searches,
downloads and verifies."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.browser.site import Visit, upload, word_file
from tests.web_office import SILENT, Office

BAD_LEDGER = ("单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注\n"
              "440307001001,2025-10-08,培训,秋季培训,1,30,,,,\n"
              "440307001001,2025-13-40,培训,日期写错,1,30,,,,\n"
              "440307001001,2025-10-09,跳舞,不认识的类型,1,30,,,,\n"
              "440307002001,2025-10-10,宣传,别的街道,1,,,200,,\n"
              "440307001001,2025-10-11,培训,人数是约数,1,40余人,,,,\n")
GOOD_LEDGER = ("单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注\n"
               "440307001001,2025-10-08,培训,秋季优生优育培训,一期,三十人,,,,\n"
               "440307001001,2025-11-12,宣传,流动人口政策宣传,1,,,300,,\n")



def test_a_clerk_uploads_generates_and_files(server: tuple[str, Office, Path],
                                             browser: Browser, tmp_path: Path) -> None:
    url, office, _ = server
    clerk = Visit(browser, url, office.clerk, office.password)
    expect(clerk.page.locator("h1")).to_contain_text("东湖社区")
    clerk.shot("home")

    bad = upload(clerk, tmp_path, "有错的台账.csv", BAD_LEDGER)
    rows = bad.locator("#row-errors tbody tr")
    expect(rows).to_have_count(4)
    text = bad.locator("#row-errors").inner_text()
    assert "3" in text and "日期" in text and "活动类型" in text and "跳舞" in text
    assert "人次“40余人”是约数，请填写实际统计的数字" in text
    assert "440307002001" in text  # another street's unit: not the clerk's to report
    assert "没有保存任何数据" in bad.inner_text("#outcome")
    report = clerk.context.request.get(url + bad.get_attribute("#error-report", "href"))
    assert report.ok and "跳舞" in report.body().decode("utf-8-sig")

    good = upload(clerk, tmp_path, "十月台账.csv", GOOD_LEDGER)
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
    words = "\n".join(p.text for p in word_file(clerk, tmp_path / "summary.docx").paragraphs)
    assert "95.00%" in words  # 950 of 1,000 checks done (office_data.CHECKS)
    assert "流动人口" in words

    clerk.page.click("#file-button")
    clerk.page.wait_for_load_state()
    expect(clerk.page.locator("#versions")).to_contain_text("0194-WS·2025")
    clerk.shot("filed")
    clerk.close()


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
