"""The context every document shares: title lines and the optional GB/T 9704 blocks.

A kind's builder supplies the title and its own sections; these keys come from
the clerk's options and the layout rules, the same for every kind.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from wenshu.generators.layout import load_layout
from wenshu.generators.numbers import cn_date
from wenshu.generators.titles import title_lines

# Ideographic spaces that align a second attachment under the first one's number.
_ATTACHMENT_INDENT = "\u3000\u3000\u3000"
_SPACE = "\u3000"  # one character wide
# Colons a clerk may already have typed after the addressee.
_COLONS = "：:"


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


def layout_context(title: str, unit_name: str, letterhead: Letterhead, issued_on: date, *,
                   organ: str) -> dict[str, Any]:
    """Title lines, 版头 (发文机关标志, 发文字号), 主送机关, 附件说明, the signature block's
    placing and 版记 lines for the shared template blocks; ``organ`` signs the document."""
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
        # The Imprint style's right tab sets 印发日期 flush right.
        imprint.append(f"{letterhead.printed_by}\t{cn_date(issued_on)}印发")
    return {
        "title_lines": title_lines(title, keep=(unit_name,)),
        "doc_number": letterhead.doc_number,
        "addressee": f"{letterhead.addressee.rstrip(_COLONS)}：" if letterhead.addressee else "",
        "attachments": attachments,
        "imprint": imprint,
        **signature_context(organ, cn_date(issued_on), letterhead.doc_number,
                            load_layout().chars_per_line),
    }


def signature_context(organ: str, signed: str, doc_number: str, chars_per_line: int
                      ) -> dict[str, str]:
    """Where the signature block goes (GB/T 9704 7.3.5.2, no seal), and the 发文机关标志.

    The issuing organ ends two characters from the right edge; the date under it starts
    two characters right of the organ's first character. A date longer than that allows
    ends two characters from the edge instead, and the organ moves left with it. Both
    lines are placed by leading ideographic spaces (one character each).
    """
    organ_width, date_width = _width(organ), math.ceil(_width(signed))
    indent = max(0, min(chars_per_line - 2 - organ_width, chars_per_line - 4 - date_width))
    return {
        "signature_unit_indent": _SPACE * math.floor(indent),
        "signature_date_indent": _SPACE * (math.floor(indent) + 2),
        "issuer_mark": f"{organ}文件" if doc_number else "",
    }


def _width(text: str) -> float:
    """Printed width in characters: a Han character or full-width mark is one, a digit half."""
    return sum(1 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)
