"""A clerk hands in a corrected ledger in a real browser: the page lists what differs from
the stored rows and stores nothing until the clerk chooses; taking the file as the
corrected version withdraws the old rows, and the unit's page counts the difference."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.site import Visit, upload
from tests.web_office import Office

HEADER = "单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注\n"
DECEMBER = (HEADER
            + "440307001001,2025-12-02,培训,冬季健康讲座,1,40,,,,\n"
            + "440307001001,2025-12-09,宣传,冬季防病宣传,1,,,200,,\n"
            + "440307001001,2025-12-16,培训,冬季政策解读,1,25,,,,\n")
# Checked against the sign-in sheets: the 9th's leaflets were another unit's, the 16th had 28.
CORRECTED = (HEADER
             + "440307001001,2025-12-02,培训,冬季健康讲座,1,40,,,,\n"
             + "440307001001,2025-12-16,培训,冬季政策解读,1,28,,,,\n")


def _rows_reported(visit: Visit) -> int:
    page = visit.go("/?period=2025", "home-2025")
    said = page.locator("text=/已报送：\\d+ 条台账记录/").inner_text()
    return int(re.search(r"已报送：(\d+) 条", said).group(1))


def test_a_clerk_hands_in_a_corrected_ledger(server: tuple[str, Office, Path], browser: Browser,
                                             tmp_path: Path) -> None:
    url, office, _ = server
    clerk = Visit(browser, url, office.clerk, office.password)
    before = _rows_reported(clerk)
    first = upload(clerk, tmp_path, "十二月台账.csv", DECEMBER)
    expect(first.locator("#outcome")).to_contain_text("新保存 3 行")

    asked = upload(clerk, tmp_path, "十二月台账（修改）.csv", CORRECTED)
    expect(asked.locator("#revision-message")).to_contain_text(
        "与已保存的台账有出入（更正 1 条，本文件中没有 1 条），尚未保存")
    differences = asked.locator("#differences tbody tr")
    expect(differences).to_have_count(2)
    assert "25 → 28" in differences.nth(0).inner_text()
    assert "冬季防病宣传" in differences.nth(1).inner_text()
    action = asked.locator("#revise-replace").locator("xpath=..").get_attribute("action")
    assert _rows_reported(clerk) == before + 3  # nothing stored while the clerk decides

    # The choice waits on the upload's own page.
    clerk.go(action.removesuffix("/import"), "revision-waiting")
    clerk.page.click("#revise-replace")
    clerk.page.wait_for_load_state()
    clerk.shot("corrected")
    outcome = clerk.page.locator("#outcome")
    expect(outcome).to_contain_text("按本文件更正或撤回已保存的记录 2 条")
    expect(outcome.locator("#differences")).to_contain_text("已撤回")
    assert _rows_reported(clerk) == before + 2
    clerk.close()
