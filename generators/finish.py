"""What a rendered document gets that its template cannot give it.

- The signature block stays on the page of the last body lines: GB/T 9704 never lets
  the issuing organ and date stand alone on a page. The Signature style keeps its own
  lines together; the paragraph before them comes from whichever loop ends the body, so
  the template cannot mark it: the last body paragraph (and any blank line after it)
  is set to keep with the signature.
- Paragraphs of a style the layout profile sets at the page foot (the 版记) go into a
  frame at the bottom of the type area: a style's frame is not honoured by LibreOffice.
- The document properties are dated by the document's signing date (成文日期), not by
  the template's build.
"""

from __future__ import annotations

from datetime import date, datetime, time

from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Mm
from lxml import etree

from wenshu.generators.layout import load_layout

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_SIGNATURE_STYLE = "Signature"
_ATTACHMENT_STYLE = "Attachment"


def finish_document(document: Document, issued_on: date) -> None:
    """Finish a rendered ``document`` in place: the paragraphs before its first Signature
    paragraph kept with it, the page-foot paragraphs framed, and its properties created
    and modified on ``issued_on``."""
    styles = document.styles.element
    body = document.element
    style_id = _style_id(styles, _SIGNATURE_STYLE)
    first = next((p for p in body.iter(f"{{{_W}}}p") if _style_of(p) == style_id), None)
    # Back over blank lines and the 附件说明 to the last body paragraph, each kept with
    # what follows it.
    attachment_id = _style_id(styles, _ATTACHMENT_STYLE)
    previous = None if style_id is None or first is None else first.getprevious()
    while previous is not None and previous.tag == f"{{{_W}}}p":
        _keep_next(previous)
        if "".join(previous.itertext()).strip() and _style_of(previous) != attachment_id:
            break  # the last body paragraph
        previous = previous.getprevious()
    _frame_page_foot(body, styles)
    signed = datetime.combine(issued_on, time())
    document.core_properties.created = document.core_properties.modified = signed
    core = document.part.package.part_related_by(RT.CORE_PROPERTIES).element
    # docxtpl leaves an empty property as "", which prints as <a></a>; read back from
    # bytes it prints as <a/>. Earlier releases finished the document read back, and
    # their documents must keep their bytes: a rerun of a year already archived then
    # finds each one unchanged. (The body docxtpl parses from text: it has no "".)
    for element in core:
        if element.text == "":
            element.text = None


def _frame_page_foot(body: etree._Element, styles: etree._Element) -> None:
    """Put the paragraphs of the profile's page-foot styles in a frame at the type area's foot.

    Adjacent paragraphs with the same frame share one, as wide as the type area.
    """
    profile = load_layout()
    ids = {_style_id(styles, name) for name, spec in profile.styles.items() if spec.at_page_foot}
    width = Mm(profile.type_area_width_mm).twips
    for paragraph in body.iter(f"{{{_W}}}p"):
        if _style_of(paragraph) not in ids - {None}:
            continue
        frame = etree.Element(f"{{{_W}}}framePr", {
            f"{{{_W}}}w": str(width), f"{{{_W}}}wrap": "around", f"{{{_W}}}vAnchor": "margin",
            f"{{{_W}}}hAnchor": "margin", f"{{{_W}}}xAlign": "center",
            f"{{{_W}}}yAlign": "bottom"})
        # Schema order: framePr follows pStyle (and keepNext, keepLines, pageBreakBefore).
        properties = paragraph.find(f"{{{_W}}}pPr")
        before = [child for child in properties if etree.QName(child).localname in (
            "pStyle", "keepNext", "keepLines", "pageBreakBefore")]
        properties.insert(len(before), frame)


def _style_id(styles: etree._Element, name: str) -> str | None:
    for style in styles.iter(f"{{{_W}}}style"):
        style_name = style.find(f"{{{_W}}}name")
        if style_name is not None and style_name.get(f"{{{_W}}}val") == name:
            return style.get(f"{{{_W}}}styleId")
    return None


def _style_of(paragraph: etree._Element) -> str | None:
    style = paragraph.find(f"{{{_W}}}pPr/{{{_W}}}pStyle")
    return None if style is None else style.get(f"{{{_W}}}val")


def _keep_next(paragraph: etree._Element) -> None:
    """Add w:keepNext in its schema place: after w:pStyle, before everything else."""
    properties = paragraph.find(f"{{{_W}}}pPr")
    if properties is None:
        properties = etree.SubElement(paragraph, f"{{{_W}}}pPr")
        paragraph.insert(0, properties)
    old = properties.find(f"{{{_W}}}keepNext")
    if old is not None:
        old.attrib.pop(f"{{{_W}}}val", None)
        return
    keep = etree.Element(f"{{{_W}}}keepNext")
    style = properties.find(f"{{{_W}}}pStyle")
    properties.insert(0 if style is None else 1, keep)
