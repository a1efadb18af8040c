"""The context every document shares: title lines and the optional GB/T 9704 blocks.

A kind's builder supplies the title and its own sections; these keys come from
the clerk's options and the layout rules, the same for every kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from wenshu.generators.numbers import cn_date
from wenshu.generators.titles import title_lines

# Ideographic spaces that align a second attachment under the first one's number.
_ATTACHMENT_INDENT = "\u3000\u3000\u3000"


@dataclass(frozen=True)
class Letterhead:
    """The optional parts of an official document's header and closing blocks."""

    doc_number: str = ""  # 发文字号, e.g. 龙卫〔2026〕10号
    addressee: str = ""  # 主送机关
    attachments: tuple[str, ...] = ()  # 附件 titles, in order
    copy_to: tuple[str, ...] = ()  # 抄送 organs
    printed_by: str = ""  # 印发机关

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for hashing into a document's inputs."""
        return {"doc_number": self.doc_number, "addressee": self.addressee,
                "attachments": list(self.attachments), "copy_to": list(self.copy_to),
                "printed_by": self.printed_by}


def layout_context(title: str, unit_name: str, letterhead: Letterhead, issued_on: date
                   ) -> dict[str, Any]:
    """Title lines, 发文字号, 主送机关, 附件说明 and 版记 lines for the shared template blocks."""
    attachments = [
        f"{'附件：' if n == 1 else _ATTACHMENT_INDENT}{n}.{name}"
        for n, name in enumerate(letterhead.attachments, start=1)
    ]
    if len(attachments) == 1:
        # GB/T 9704 numbers attachments only when there are several.
        attachments = [f"附件：{letterhead.attachments[0]}"]
    imprint = []
    if letterhead.copy_to:
        imprint.append(f"抄送：{'，'.join(letterhead.copy_to)}。")
    if letterhead.printed_by:
        imprint.append(f"{letterhead.printed_by}\u3000\u3000{cn_date(issued_on)}印发")
    return {
        "title_lines": title_lines(title, keep=(unit_name,)),
        "doc_number": letterhead.doc_number,
        "addressee": f"{letterhead.addressee}：" if letterhead.addressee else "",
        "attachments": attachments,
        "imprint": imprint,
    }
