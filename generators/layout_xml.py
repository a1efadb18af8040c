"""Document XML python-docx has no API for (paragraph flags and rules, the page grid, the
避头尾 lists), each written in its schema place."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement

from wenshu.errors import TemplateError

if TYPE_CHECKING:
    from docx.document import Document
    from docx.section import Section

    from wenshu.generators.layout import LayoutProfile, Rules

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


def set_grid(section: Section, profile: LayoutProfile) -> None:
    """The page's line and character grid; body text snaps to it (GB/T 9704: 22 × 28)."""
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    for attribute in list(grid.attrib):
        del grid.attrib[attribute]
    # "lines": LibreOffice snaps characters of a "linesAndChars" grid to whole cells,
    # two for a character wider than the pitch; the pitch comes from body_char_spacing.
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(profile.line_pitch_twips))
    grid.set(qn("w:charSpace"), str(profile.char_space))


def set_line_breaks(document: Document, profile: LayoutProfile) -> None:
    """Write the profile's 避头尾 lists (w:noLineBreaksBefore/After) into the settings."""
    settings = document.settings.element
    # Schema order: both follow w:characterSpacingControl (python-docx's template has it).
    anchor = settings.find(qn("w:characterSpacingControl"))
    if anchor is None:
        raise TemplateError("the base document's settings have no w:characterSpacingControl")
    for tag in ("w:noLineBreaksAfter", "w:noLineBreaksBefore"):
        for old in settings.findall(qn(tag)):
            settings.remove(old)
    after = OxmlElement("w:noLineBreaksAfter", {qn("w:lang"): profile.language,
                                                 qn("w:val"): profile.line_breaks.not_at_line_end})
    before = OxmlElement("w:noLineBreaksBefore", {
        qn("w:lang"): profile.language, qn("w:val"): profile.line_breaks.not_at_line_start})
    anchor.addnext(after)
    after.addnext(before)
