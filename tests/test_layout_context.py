"""The header and closing blocks every kind shares, from the clerk's options."""

from datetime import date

from wenshu.generators.layout_context import Letterhead, layout_context


def test_empty_letterhead_leaves_every_block_out():
    context = layout_context("示范区2025年工作总结", "示范区", Letterhead(), date(2026, 1, 15))
    assert context == {"title_lines": ["示范区2025年工作总结"], "doc_number": "", "addressee": "",
                       "attachments": [], "imprint": []}


def test_blocks_follow_gbt9704():
    letterhead = Letterhead(doc_number="龙卫〔2026〕10号", addressee="区卫生健康局",
                            attachments=("2025年主要指标完成情况表", "各街道台账汇总"),
                            copy_to=("区妇联", "区计生协"), printed_by="龙岗区卫生健康局办公室")
    context = layout_context("龙岗区2025年人口和计划生育工作总结", "龙岗区", letterhead,
                             date(2026, 1, 15))
    assert context["addressee"] == "区卫生健康局："
    assert context["attachments"] == ["附件：1.2025年主要指标完成情况表", "\u3000\u3000\u30002.各街道台账汇总"]
    assert context["imprint"] == ["抄送：区妇联，区计生协。", "龙岗区卫生健康局办公室\u3000\u30002026年1月15日印发"]


def test_one_attachment_is_not_numbered():
    context = layout_context("标题", "某单位", Letterhead(attachments=("指标表",)), date(2026, 1, 1))
    assert context["attachments"] == ["附件：指标表"]
