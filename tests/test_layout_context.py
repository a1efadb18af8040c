"""The header and closing blocks every kind shares, from the clerk's options."""

from datetime import date

from wenshu.compute.snapshot import UnitInfo
from wenshu.generators.layout_context import (
    Letterhead,
    layout_context,
    signature_context,
)
from wenshu.generators.phrasing import issuing_organ, nest_quotes


def test_empty_letterhead_leaves_every_block_out():
    context = layout_context("示范区2025年工作总结", "示范区", Letterhead(), date(2026, 1, 15),
                             organ="示范区卫生健康局")
    assert context == {"title_lines": ["示范区2025年工作总结"], "doc_number": "", "addressee": "",
                       "attachments": [], "imprint": [], "issuer_mark": "",
                       "signature_unit_indent": "\u3000" * 17,
                       "signature_date_indent": "\u3000" * 19}


def test_blocks_follow_gbt9704():
    letterhead = Letterhead(doc_number="龙卫〔2026〕10号", addressee="区卫生健康局",
                            attachments=("2025年主要指标完成情况表", "各街道台账汇总"),
                            copy_to=("区妇联", "区计生协"), printed_by="龙岗区卫生健康局办公室")
    context = layout_context("龙岗区2025年人口和计划生育工作总结", "龙岗区", letterhead,
                             date(2026, 1, 15), organ="龙岗区卫生健康局")
    assert context["addressee"] == "区卫生健康局："
    assert context["attachments"] == ["附件：1.2025年主要指标完成情况表", "\u3000\u3000\u30002.各街道台账汇总"]
    # A tab: the Imprint style's right tab stop sets 印发日期 flush right.
    assert context["imprint"] == ["抄送：区妇联，区计生协。", "龙岗区卫生健康局办公室\t2026年1月15日印发"]


def test_a_typed_colon_after_the_addressee_is_not_doubled():
    for typed in ("区委、区政府：", "区委、区政府:", "区委、区政府"):
        context = layout_context("标题", "某单位", Letterhead(addressee=typed), date(2026, 1, 1),
                                 organ="某单位")
        assert context["addressee"] == "区委、区政府："


def _columns(indent: str, text: str) -> tuple[float, float]:
    """First and last column (from 0) a right-padded line occupies, digits half wide."""
    width = sum(0.5 if c.isascii() else 1 for c in text)
    return len(indent), len(indent) + width


def test_date_starts_two_characters_right_of_the_organ():
    context = signature_context("龙岗区卫生健康局", "2026年1月15日", "", 28)
    organ = _columns(context["signature_unit_indent"], "龙岗区卫生健康局")
    signed = _columns(context["signature_date_indent"], "2026年1月15日")
    assert signed[0] == organ[0] + 2
    assert 28 - organ[1] >= 2 and 28 - signed[1] >= 2  # two characters from the right edge
    assert context["issuer_mark"] == ""


def test_a_short_organ_moves_left_so_the_date_keeps_two_characters_on_its_right():
    context = signature_context("东城街道", "2026年12月15日", "东城〔2026〕3号", 28)
    signed = _columns(context["signature_date_indent"], "2026年12月15日")
    assert 2 <= 28 - signed[1] < 3
    assert len(context["signature_date_indent"]) == len(context["signature_unit_indent"]) + 2
    assert context["issuer_mark"] == "东城街道文件"


def test_one_attachment_is_not_numbered():
    context = layout_context("标题", "某单位", Letterhead(attachments=("指标表",)), date(2026, 1, 1),
                             organ="某单位")
    assert context["attachments"] == ["附件：指标表"]


def test_documents_are_signed_by_an_organ_never_by_an_area():
    assert issuing_organ(UnitInfo(code="D", name="龙岗区", level="district",
                                  organ="龙岗区卫生健康局")) == "龙岗区卫生健康局"
    assert issuing_organ(UnitInfo(code="D", name="龙岗区", level="district")) == "龙岗区人民政府"
    assert issuing_organ(UnitInfo(code="S", name="东城街道", level="street")) == "东城街道办事处"
    assert issuing_organ(UnitInfo(code="W", name="龙岗区妇联", level="department")) == "龙岗区妇联"


def test_nested_quotes_alternate_double_and_single():
    assert nest_quotes("开展““六一”慰问”活动") == "开展“‘六一’慰问”活动"
    assert nest_quotes("“a“b“c”b”a”") == "“a‘b“c”b’a”"
    assert nest_quotes("以“甲”“乙”为主") == "以“甲”“乙”为主"
