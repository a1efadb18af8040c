"""Documents whose input is more than a click, typed into the generate form in a real
browser: a self-inspection's answers and a campaign plan's parts, each problem marked
beside its field, the next form starting from the last."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.site import Visit, sent_back, word_file
from tests.web_office import Office


def test_a_clerk_answers_the_self_inspection_in_the_page(server: tuple[str, Office, Path],
                                                        browser: Browser, tmp_path: Path) -> None:
    """No answers file to write: choosing 自查报告 brings the items the unit answers into
    the form; a missing one is marked beside it with what was typed kept; the report
    states the answers; the next form starts from them."""
    url, office, _ = server
    clerk = Visit(browser, url, office.clerk, office.password)
    form = clerk.go("/documents/new", "self-inspection-form")
    # A summary (the first kind) needs neither a checklist nor a spec file: not shown.
    expect(form.locator("#answers-file")).to_be_hidden()
    expect(form.locator("#spec-file")).to_be_hidden()
    form.select_option("#f-kind", "self_inspection")
    expect(form.locator("#answers-file")).to_be_visible()
    expect(form.locator("#spec-file")).to_be_hidden()
    table = form.locator("#answers-table")
    expect(table).to_contain_text("设有悄悄话室或咨询台")
    for select in table.locator("select").all():
        select.select_option("是")
    form.select_option("select[name='value:consult_room']", "否")
    form.fill("input[name='note:consult_room']", "活动室改造中，咨询台暂设服务大厅")
    form.fill("input[name='value:edu_discs']", "12")
    form.fill("input[name='value:contraceptive_kinds']", "6")
    form.fill("textarea[name='value:practices']", "组织志愿者为独居老人提供结对服务。")
    sent_back(clerk, "self-inspection-missing")  # 宣传板 left empty
    expect(form.locator("#form-error")).to_contain_text("自查答复有 1 处需要填写或修改")
    expect(form.locator("tr.row-error")).to_contain_text("宣传板")
    assert form.input_value("input[name='value:edu_discs']") == "12"
    form.fill("input[name='value:boards']", "4")
    form.fill("input[name='note:boards']", "另有2块正在制作")
    form.click("#generate")
    clerk.wait_for_job("self-inspection-made")
    document = word_file(clerk, tmp_path / "self_inspection.docx")
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
    expect(form.locator("#spec-file")).to_be_visible()
    expect(form.locator("#answers-file")).to_be_hidden()
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
    sent_back(supervisor, "campaign-wrong-date")
    expect(form.locator("#form-error")).to_contain_text("实施方案的内容有 1 处需要填写或修改")
    expect(form.locator("#campaign-phases")).to_contain_text("结束日期 2026-06-15 早于开始日期")
    assert form.input_value("[name='campaign.leader']") == "区卫生健康局局长"
    form.fill("[name='campaign.phase_end_2']", "2026-09-30")
    form.click("#generate")
    supervisor.wait_for_job("campaign-made")
    expect(supervisor.page.locator("h1")).to_have_text("示范区 实施方案")  # no form period
    words = "\n".join(p.text for p in word_file(supervisor, tmp_path / "campaign.docx").paragraphs)
    assert "婚育新风进万家" in words and "宣传发动" in words and "集中服务" in words
    assert "入户走访计生困难家庭" in words and "区卫生健康局局长" in words
    assert "坚持群众主体" in words and "95%" in words

    again = supervisor.go("/documents/new?unit=440307&kind=campaign_plan", "campaign-again")
    assert again.input_value("[name='campaign.phase_end_2']") == "2026-09-30"
    assert again.input_value("[name='campaign.indicator_1']") == "check_rate"
    supervisor.close()
