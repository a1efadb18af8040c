"""A realistic 年度工作总结 context, as the compute layer hands it to the year-summary template.

Every value is a finished string; tests that render documents reuse this.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from lxml import etree


def year_summary_context() -> dict[str, Any]:
    """A complete context for ``templates/docx/year_summary.docx`` (a fresh copy each call)."""
    return {
        "title": "示范区2025年度人口和计划生育工作总结",
        "opening": (
            "2025年，示范区卫生健康局在区委、区政府的领导下，围绕年初签订的目标管理责任书，"
            "以提升群众健康水平为中心，统筹推进宣传教育、优质服务和基层基础建设，"
            "全年各项工作总体平稳，多数指标达到或超过目标值。现将有关情况总结如下："
        ),
        "indicator_heading": "一、主要指标完成情况",
        "indicator_intro": (
            "全年纳入考核的指标共5项，其中4项达到目标值，1项未达到目标值。"
            "各项指标完成情况见表1。"
        ),
        "indicator_table_caption": "表1  2025年主要指标完成情况",
        "indicator_rows": [
            {"no": "1", "label": "孕环情检查受检率", "target": "≥95%", "actual": "92.79%",
             "met": "否", "last_year": "91.78%", "change": "提高1.01个百分点"},
            {"no": "2", "label": "四术完成率", "target": "≥98%", "actual": "99.56%",
             "met": "是", "last_year": "98.20%", "change": "提高1.36个百分点"},
            {"no": "3", "label": "符合政策生育率", "target": "≥93%", "actual": "93.78%",
             "met": "是", "last_year": "93.10%", "change": "提高0.68个百分点"},
            {"no": "4", "label": "出生性别比", "target": "103～107", "actual": "106.42",
             "met": "是", "last_year": "107.71", "change": "下降1.29"},
            {"no": "5", "label": "举办培训班", "target": "≥40期", "actual": "46期",
             "met": "是", "last_year": "41期", "change": "增长12.2%"},
        ],
        "indicator_notes": [
            "孕环情检查受检率比目标值低2.21个百分点，主要集中在流动人口较多的西城街道。",
        ],
        "work_heading": "二、工作开展情况",
        "work_sections": [
            {
                "heading": "（一）教育培训",
                "paragraphs": [
                    "全年举办各类培训班46期，培训3218人次，其中面向基层专干的业务培训12期，"
                    "面向育龄群众的政策法规和健康知识培训34期。",
                    "东城街道将培训与社区讲座结合，全年举办健康养生讲座18场，听讲群众1460人次。",
                ],
            },
            {
                "heading": "（二）宣传倡导",
                "paragraphs": [
                    "发放健康素养宣传资料8.9万份，更新社区宣传栏126块，悬挂横幅214条，"
                    "在微信公众号发布政策解读和健康提示文章58篇。",
                ],
            },
            {
                "heading": "（三）关怀帮扶",
                "paragraphs": [
                    "入户走访计生困难家庭686户，投入帮扶资金28.1万元；为35616户计生家庭购买系列保险。",
                ],
            },
        ],
        "problems_heading": "三、存在问题及原因",
        "problems": [
            {
                "lead": "1.受检率未达目标。",
                "text": "流动人口底数变化快，部分对象外出务工未能按时参检，第二轮检查受检率仅91.78%。",
            },
            {
                "lead": "2.数据报送不够及时。",
                "text": "个别社区专干身兼多职，出生、妊娠信息报送存在滞后，影响统计口径一致。",
            },
        ],
        "plans_heading": "四、2026年工作打算",
        "plans_intro": "2026年，我们将对照存在的问题，重点抓好以下工作：",
        "plans": [
            {
                "lead": "1.夯实基础数据。",
                "text": "每季度开展一次数据比对，做到底数清、情况明，受检率力争达到95%以上。",
            },
            {
                "lead": "2.加强队伍建设。",
                "text": "制订年度培训计划，分两批完成全区基层专干轮训。",
            },
        ],
        "signature_unit": "示范区卫生健康局",
        "signature_date": "2026年1月15日",
        "title_lines": ["示范区2025年度人口和计划生育工作总结"],
        "doc_number": "",
        "addressee": "",
        "attachments": [],
        "imprint": [],
        "issuer_mark": "",
        "signature_unit_indent": "\u3000" * 16,  # GB/T 9704 7.3.5.2 for this organ and date
        "signature_date_indent": "\u3000" * 18,
        # The per-unit and per-activity tables and the charts are left out here (empty);
        # tests/test_golden.py and tests/test_charts.py render real ones.
        "unit_rows": [],
        "unit_rows_caption": "",
        "unit_rows_total": {},
        "activity_rows": [],
        "activity_rows_caption": "",
        "activity_rows_total": {},
        "indicator_chart": "",
        "indicator_chart_caption": "",
        "trend_chart": "",
        "trend_chart_caption": "",
    }


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside a context (nested dicts and lists), for placeholder scans."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


# Text that must never reach a document: Python's empty values, unrendered tags,
# full-width (IME-typed) delimiters docxtpl leaves as they are, format placeholders.
FORBIDDEN = ("None", "nan", "NaN", "{{", "}}", "{%", "%}", "｛｛", "｝｝", "｛％", "％｝", "{value}",
             "Decimal(", "[]")


def assert_no_placeholders(docx: bytes) -> None:
    """Fail if any XML part of a .docx (body, headers, footers, properties) holds FORBIDDEN text."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for name in archive.namelist():
            if name.endswith(".xml"):
                text = "".join(etree.fromstring(archive.read(name)).itertext())
                for bad in FORBIDDEN:
                    assert bad not in text, (name, bad)
