"""Paragraph properties python-docx has no API for, written in their schema place."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement

if TYPE_CHECKING:
    from wenshu.generators.layout import Rules

_PT_PER_MM = Decimal(72) / Decimal("25.4")
# w:pPr's children in schema order (ECMA-376 CT_PPrBase, then CT_PPr's own).
_PPR_ORDER = tuple(f"w:{name}" for name in (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers "
    "pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
    "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
    "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle "
    "rPr sectPr pPrChange").split())


def set_rules(ppr: BaseOxmlElement, rules: Rules) -> None:
    """Paragraph borders (w:pBdr) from a style's rules."""
    borders = OxmlElement("w:pBdr")
    for side in ("top", "bottom", "between"):
        rule = getattr(rules, side)
        if rule is None:
            continue
        borders.append(OxmlElement(f"w:{side}", {
            qn("w:val"): "single",
            qn("w:sz"): str(round(rule.width_mm * _PT_PER_MM * 8)),  # eighths of a point
            qn("w:space"): str(round(rule.gap_mm * _PT_PER_MM)),
            qn("w:color"): rule.color,
        }))
    # Schema order: pBdr comes right after the flags (keepNext …) and before tabs/spacing.
    later = set(_PPR_ORDER[_PPR_ORDER.index("w:pBdr") + 1:])
    for child in ppr:
        if any(child.tag == qn(name) for name in later):
            child.addprevious(borders)
            return
    ppr.append(borders)


def set_ppr_flag(ppr: BaseOxmlElement, tag: str, on: bool) -> None:
    """Set an on/off paragraph property (``w:keepNext`` …) in its schema place."""
    for old in ppr.findall(qn(tag)):
        ppr.remove(old)
    flag = OxmlElement(tag) if on else OxmlElement(tag, {qn("w:val"): "0"})
    later = set(_PPR_ORDER[_PPR_ORDER.index(tag) + 1:])
    for child in ppr:
        if any(child.tag == qn(name) for name in later):
            child.addprevious(flag)
            return
    ppr.append(flag)
