"""Hostile Word templates for tests: a payload tag put into one place of the shipped
year-summary template (body, table cell, header, footer, footnote, any document
property), built with python-docx."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part

from wenshu.templates import template_path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_WORDML = "application/vnd.openxmlformats-officedocument."
CORE_PROPERTIES = ("author", "comments", "identifier", "keywords", "language", "subject",
                   "title")
PLACES = ("body", "table_cell", "header", "footer", "footnote",
          *(f"core:{name}" for name in CORE_PROPERTIES), "custom_property")

# Payload → (tag, the check's finding code). {marker} is a file the payload would create
# if anything ran.
PAYLOADS = {
    "dunder": ("{{ title.__class__.__mro__ }}", "sandbox"),
    "globals": ("{{ namespace.__init__.__globals__.os.popen('touch {marker}').read() }}",
                "sandbox"),
    "mro": ("{{ title.__class__.mro() }}", "sandbox"),
    "attr": ("{{ namespace|attr('__init__')|attr('__globals__') }}", "sandbox"),
    "format": ("{{ '{0.__init__.__globals__}'.format(namespace) }}", "sandbox"),
    "unknown_filter": ("{{ title|shout }}", "unknown_filter"),
    "unknown_test": ("{% if title is shouting %}是{% endif %}", "unknown_test"),
    "range": ("{% for i in range(10**9) %}x{% endfor %}", "unbounded"),
    "nested_range": ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}"
                     "{% endfor %}", "unbounded"),
    "power": ("{{ (9**9)**(9**9) }}", "unbounded"),
    "repeat": ("{{ 'x'*10**10 }}", "unbounded"),
}


def payload(name: str, marker: Path) -> str:
    """The payload's tag, aimed at ``marker``."""
    return PAYLOADS[name][0].replace("{marker}", str(marker))


def hostile_template(path: Path, place: str, text: str) -> Path:
    """The shipped year-summary template with ``text`` added at ``place``, saved at ``path``."""
    document = docx.Document(str(template_path("year_summary")))
    if place == "body":
        document.add_paragraph(text)
    elif place == "table_cell":
        document.add_table(rows=1, cols=2).cell(0, 1).text = text
    elif place == "header":
        document.sections[0].header.paragraphs[0].text = text
    elif place == "footer":
        document.sections[0].footer.add_paragraph(text)
    elif place == "footnote":
        _add_part(document, "word/footnotes.xml", _WORDML + "wordprocessingml.footnotes+xml",
                  RT.FOOTNOTES, f'<w:footnotes xmlns:w="{W_NS}"><w:footnote w:id="1"><w:p>'
                                f"<w:r><w:t>{_xml(text)}</w:t></w:r></w:p></w:footnote>"
                                "</w:footnotes>", document.part)
    elif place.startswith("core:"):
        setattr(document.core_properties, place.removeprefix("core:"), text)
    elif place == "custom_property":
        add_custom_property(document, "机关代字", text)
    else:
        raise ValueError(place)
    document.save(str(path))
    return path


def add_custom_property(document: Document, name: str, value: str) -> None:
    """A custom document property (文件 → 属性 → 自定义) holding ``value``."""
    xml = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
           'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
           '2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" '
           f'pid="2" name="{name}"><vt:lpwstr>{_xml(value)}</vt:lpwstr></property></Properties>')
    _add_part(document, "docProps/custom.xml", _WORDML + "custom-properties+xml",
              RT.CUSTOM_PROPERTIES, xml, document.part.package)


def _add_part(document: Document, name: str, content_type: str, reltype: str, xml: str,
              owner: object) -> None:
    part = Part(PackURI(f"/{name}"), content_type, xml.encode("utf-8"), document.part.package)
    owner.relate_to(part, reltype)  # type: ignore[attr-defined]


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
