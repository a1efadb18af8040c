"""Keep a rendered document's signature block on the page of its last body lines.

GB/T 9704 never lets the issuing organ and date stand alone on a page. The Signature
style keeps its own lines together; the paragraph before them comes from whichever
loop ends the body, so the template cannot mark it. After rendering, the last body
paragraph (and any blank line after it) is set to keep with the signature.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from wenshu.errors import TemplateError

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCUMENT = "word/document.xml"
_STYLES = "word/styles.xml"
_SIGNATURE_STYLE = "Signature"


def keep_closing_with_body(docx: bytes) -> bytes:
    """``docx`` with the paragraphs before its first Signature paragraph kept with it.

    Unchanged when the document has no Signature paragraph. Raises
    :class:`TemplateError` for bytes that are not a .docx.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as source:
            entries = {info: source.read(info) for info in source.infolist()}
        names = {info.filename: info for info in entries}
        style_id = _style_id(etree.fromstring(entries[names[_STYLES]]), _SIGNATURE_STYLE)
        body = etree.fromstring(entries[names[_DOCUMENT]])
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise TemplateError(f"not a rendered .docx: {exc}") from exc
    first = next((p for p in body.iter(f"{{{_W}}}p") if _style_of(p) == style_id), None)
    if style_id is None or first is None:
        return docx
    previous = first.getprevious()
    while previous is not None and previous.tag == f"{{{_W}}}p":
        _keep_next(previous)
        if "".join(previous.itertext()).strip():
            break  # the last body paragraph
        previous = previous.getprevious()
    entries[names[_DOCUMENT]] = etree.tostring(body, xml_declaration=True, encoding="UTF-8",
                                               standalone=True)
    out = io.BytesIO()
    # The entries keep their fixed dates and order: the same input gives the same bytes.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries.items():
            target.writestr(info, data)
    return out.getvalue()


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
