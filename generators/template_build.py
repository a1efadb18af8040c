"""Build the shipped Word templates from code, so they are reviewable and reproducible.

``python -m wenshu.generators.template_build`` rewrites every template under
``templates/docx``. The result is an ordinary .docx with docxtpl tags that a clerk can
open and edit in Word; all wording and numbering arrive from Python as strings, and all
formatting comes from the layout profile's named styles.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from wenshu.generators.layout import LayoutProfile, apply_layout, load_layout
from wenshu.generators.render import document_bytes
from wenshu.generators.template_tables import TableColumn, loop_table
from wenshu.templates import TEMPLATE_DIR

_EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

# Stamped into the templates' core properties instead of the build time.
_TEMPLATE_DATE = datetime(2026, 1, 1, tzinfo=UTC)


YEAR_COLUMNS = (
    TableColumn("序号", "no", Decimal(10)),
    TableColumn("指标", "label", None),
    TableColumn("目标值", "target", Decimal(20)),
    TableColumn("完成值", "actual", Decimal(18), "本年完成情况"),
    TableColumn("是否达标", "met", Decimal(17), "本年完成情况"),
    TableColumn("上年", "last_year", Decimal(18), "与上年比较"),
    TableColumn("同比", "change", Decimal(34), "与上年比较"),
)
UNIT_COLUMNS = (
    TableColumn("序号", "no", Decimal(10)),
    TableColumn("单位", "name", Decimal(30)),
    TableColumn("开展活动（次）", "records", Decimal(24)),
    TableColumn("达标指标", "met", Decimal(20)),
    TableColumn("未达标指标", "missed", None),
)
ACTIVITY_COLUMNS = (
    TableColumn("序号", "no", Decimal(10)),
    TableColumn("工作类别", "kind", Decimal(22)),
    TableColumn("次数", "records", Decimal(16), "本期开展情况"),
    TableColumn("主要工作量", "workload", None, "本期开展情况"),
    TableColumn("次数", "last_records", Decimal(16), "上年同期"),
    TableColumn("同比", "change", Decimal(22), "上年同期"),
)
HALF_YEAR_COLUMNS = (
    TableColumn("序号", "no", Decimal(9)),
    TableColumn("指标", "label", None),
    # Wide enough for "≤10/10万" on one line.
    TableColumn("全年目标", "target", Decimal(21), "目标要求"),
    TableColumn("序时进度", "due", Decimal(20), "目标要求"),
    TableColumn("完成值", "actual", Decimal(17), "上半年完成情况"),
    TableColumn("进度", "met", Decimal(15), "上半年完成情况"),
    TableColumn("上年同期", "last_year", Decimal(17), "与上年同期比较"),
    TableColumn("同比", "change", Decimal(27), "与上年同期比较"),
)


def build_year_summary(path: Path) -> None:
    """Write the 年度工作总结 template to ``path``."""
    _build_summary(path, "年度工作总结", YEAR_COLUMNS)


def build_half_year_summary(path: Path) -> None:
    """Write the 半年工作总结 template to ``path``."""
    _build_summary(path, "半年工作总结", HALF_YEAR_COLUMNS)


def _build_summary(path: Path, kind: str, columns: tuple[TableColumn, ...]) -> None:
    """A summary: indicators with a table, work done, problems, plans, signature."""
    profile = load_layout("gbt9704")
    document = new_document(profile, kind)
    add = document.add_paragraph

    title_block(document)
    add("{{ opening }}")

    add("{{ indicator_heading }}", style="Heading 1")
    add("{{ indicator_intro }}")
    add("{{ indicator_table_caption }}", style="Caption")
    loop_table(document, profile, columns)
    add("{%p for note in indicator_notes %}")
    add("{{ note }}")
    add("{%p endfor %}")
    figure(document, "indicator_chart")
    optional_table(document, profile, UNIT_COLUMNS, "unit_rows")

    add("{{ work_heading }}", style="Heading 1")
    figure(document, "trend_chart")
    optional_table(document, profile, ACTIVITY_COLUMNS, "activity_rows")
    add("{%p for section in work_sections %}")
    add("{{ section.heading }}", style="Heading 2")
    add("{%p for paragraph in section.paragraphs %}")
    add("{{ paragraph }}")
    add("{%p endfor %}")
    add("{%p endfor %}")

    add("{{ problems_heading }}", style="Heading 1")
    lead_paragraphs(document, "problems")

    add("{{ plans_heading }}", style="Heading 1")
    add("{{ plans_intro }}")
    lead_paragraphs(document, "plans")

    signature(document)
    save(document, path)


def optional_table(document: Document, profile: LayoutProfile,
                   columns: tuple[TableColumn, ...], rows: str) -> None:
    """Caption ``<rows>_caption`` and a table of ``rows`` closed by a ``<rows>_total`` row;
    left out when ``rows`` is empty."""
    document.add_paragraph(f"{{%p if {rows} %}}")
    document.add_paragraph(f"{{{{ {rows}_caption }}}}", style="Caption")
    loop_table(document, profile, columns, rows, totals=True)
    document.add_paragraph("{%p endif %}")


def figure(document: Document, name: str) -> None:
    """A chart ``name`` with its caption ``name_caption`` below, left out when it is empty."""
    document.add_paragraph(f"{{%p if {name} %}}")
    document.add_paragraph(f"{{{{ {name} }}}}", style="Figure")
    document.add_paragraph(f"{{{{ {name}_caption }}}}", style="Figure Caption")
    document.add_paragraph("{%p endif %}")


def title_block(document: Document) -> None:
    """The 版头 when there is a doc number (发文机关标志, 发文字号 over the red rule, two
    blank lines), the title in its computed lines, a blank line, 主送机关 (if any)."""
    add = document.add_paragraph
    add("{%p if doc_number %}")
    add("{{ issuer_mark }}", style="Issuer Mark")
    add()
    add()
    add("{{ doc_number }}", style="Doc Number")
    add()
    add()
    add("{%p endif %}")
    add("{%p for line in title_lines %}")
    add("{{ line }}", style="Title")
    add("{%p endfor %}")
    add()  # GB/T 9704: one blank line under the title
    add("{%p if addressee %}")
    add("{{ addressee }}", style="Addressee")
    add("{%p endif %}")


def signature(document: Document) -> None:
    """The closing block: 附件说明 (if any), the issuing unit and date (no seal), 版记 (if any)."""
    add = document.add_paragraph
    add("{%p if attachments %}")
    add()
    add("{%p for line in attachments %}")
    add("{{ line }}", style="Attachment")
    add("{%p endfor %}")
    add("{%p endif %}")
    # GB/T 9704: one blank line between the body and the signature. The Signature style
    # keeps organ and date together; finish.finish_document the rest.
    add()
    add("{{ signature_unit_indent }}{{ signature_unit }}", style="Signature")
    add("{{ signature_date_indent }}{{ signature_date }}", style="Signature")
    add("{%p if imprint %}")
    add()
    add("{%p for line in imprint %}")
    add("{{ line }}", style="Imprint")
    add("{%p endfor %}")
    add("{%p endif %}")


def save(document: Document, path: Path) -> None:
    """Write a built template reproducibly."""
    path.write_bytes(document_bytes(document))


def new_document(profile: LayoutProfile, kind: str) -> Document:
    """An empty document with the layout applied and fixed, build-independent metadata."""
    document = docx.Document()
    apply_layout(document, profile)
    # python-docx's stock template carries a thumbnail of an unrelated page, Word 2010's
    # stylesWithEffects copy and ~60 unused table styles (340 KB of XML that every
    # render would parse and compress again).
    for rels, reltype in ((document.part.package.rels, RT.THUMBNAIL),
                          (document.part.rels, _STYLES_WITH_EFFECTS)):
        for rel_id, rel in list(rels.items()):
            if rel.reltype == reltype:
                del rels[rel_id]
    keep = {profile.table_style, "Normal Table"}
    for style in list(document.styles):
        if style.type == WD_STYLE_TYPE.TABLE and style.name not in keep:
            style.delete()
    props = document.core_properties
    # Rendered like the body, so each document (and its PDF) carries its own title.
    props.title = "{{ title }}"
    props.subject = kind
    props.author = props.last_modified_by = "wenshu"
    props.created = props.modified = _TEMPLATE_DATE  # finish_document: the signing date
    props.revision = 1
    props.comments = ""  # python-docx writes "generated by python-docx"
    _name_application(document)
    return document


def _name_application(document: Document) -> None:
    """docProps/app.xml names wenshu, not the Word that made python-docx's stock template."""
    for part in document.part.package.iter_parts():
        if part.partname == "/docProps/app.xml":
            app = etree.fromstring(part.blob)
            for element in app.iter(f"{{{_EXTENDED}}}Application", f"{{{_EXTENDED}}}Template"):
                element.text = "wenshu" if element.tag.endswith("Application") else ""
            part._blob = etree.tostring(app, xml_declaration=True, encoding="UTF-8",
                                        standalone=True)


def lead_paragraphs(document: Document, items: str) -> None:
    """A loop of paragraphs opening with a bold lead sentence (the heading-3 look)."""
    document.add_paragraph(f"{{%p for item in {items} %}}")
    paragraph = document.add_paragraph()
    paragraph.add_run("{{ item.lead }}").bold = True
    paragraph.add_run("{{ item.text }}")
    document.add_paragraph("{%p endfor %}")


def main() -> None:
    """Rebuild every shipped template (one per document kind)."""
    from wenshu.generators.kinds import registered_kinds

    TEMPLATE_DIR.mkdir(parents=True, exist_ok=True)
    for kind in registered_kinds().values():
        target = TEMPLATE_DIR / f"{kind.template}.docx"
        kind.build_template(target)
        print(target)


if __name__ == "__main__":
    main()
