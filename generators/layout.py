"""Layout profiles: page, fonts and named styles of a document kind, kept as data.

A profile (``layouts/<name>.yaml``) says what GB/T 9704 asks for; :func:`apply_layout`
writes it into a python-docx document, so a template author only places content in
the named styles (Normal, Title, Heading 1-3, Caption, Table Heading, Table Text,
Figure, Signature) and gets the page size, margins, fonts, language and page numbers for free.
"""

from __future__ import annotations

import math
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

import yaml
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.shared import Mm, Pt, RGBColor, Twips
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from docx.text.parfmt import ParagraphFormat
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wenshu.errors import TemplateError
from wenshu.generators.layout_xml import (
    set_grid,
    set_line_breaks,
    set_ppr_flag,
    set_rules,
)
from wenshu.yaml_reader import parse_yaml

LAYOUT_DIR = Path(str(files("wenshu.generators") / "layouts"))

_TWIPS_PER_MM = Decimal(1440) / Decimal("25.4")
_PT_PER_MM = Decimal(72) / Decimal("25.4")
_ALIGNMENTS = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PageSize(_Frozen):
    """Paper size in millimetres."""

    width_mm: Decimal
    height_mm: Decimal


class Margins(_Frozen):
    """Page margins in millimetres; left is the binding edge."""

    top: Decimal
    bottom: Decimal
    left: Decimal
    right: Decimal


class FontFace(_Frozen):
    """A face documents name, and the installed face Word substitutes when it is missing."""

    name: str
    fallback: str
    # The face of digits and Latin text in this face's styles (w:ascii/w:hAnsi), when the
    # profile says so: the common office rule sets them in Times New Roman.
    latin: str | None = None


class Rule(_Frozen):
    """A paragraph border line (GB/T 9704's 分隔线): thickness, colour, gap to the text."""

    width_mm: Decimal
    color: str = "000000"
    gap_mm: Decimal = Decimal(0)


class Rules(_Frozen):
    """The lines of a style: above, below, and between paragraphs of the style in a row."""

    top: Rule | None = None
    bottom: Rule | None = None
    between: Rule | None = None


class StyleSpec(_Frozen):
    """One paragraph style: face, size, alignment, indents (in characters) and spacing.

    Line spacing is exact (``line_spacing_pt``, or the grid pitch) unless ``line_rule``
    is ``single``, which lets a line grow to its content: a picture in a paragraph of
    exact spacing is cut to a strip.
    """

    font: str
    size_pt: Decimal
    bold: bool = False
    align: Literal["left", "center", "right", "justify"]
    first_line_indent_chars: Decimal = Decimal(0)
    right_indent_chars: Decimal = Decimal(0)
    line_spacing_pt: Decimal | None = None  # None: the page grid's line pitch
    line_rule: Literal["exact", "single"] = "exact"
    keep_with_next: bool = False
    snap_to_grid: bool = True
    color: str | None = None  # hex RGB, e.g. FF0000 for the red 发文机关标志
    rules: Rules | None = None
    # A right-aligned tab stop at the right indent: "印发机关<TAB>印发日期" ends flush right.
    right_tab: bool = False
    # Set at the foot of the page (a frame at the bottom of the type area): the 版记. Word
    # and LibreOffice honour a frame only on the paragraph, so finish_document adds it.
    at_page_foot: bool = False

    @model_validator(mode="after")
    def _spacing_is_one_rule(self) -> StyleSpec:
        if self.line_rule == "single" and self.line_spacing_pt is not None:
            raise ValueError("a style with single line spacing has no line_spacing_pt")
        return self


class PageNumberSpec(_Frozen):
    """Footer page number: text around the PAGE field, distance and edge indent."""

    before: str
    after: str
    gap_below_type_area_mm: Decimal
    edge_indent_chars: Decimal


class LineBreaks(_Frozen):
    """避头尾: the characters that may not start a line, and those that may not end one."""

    not_at_line_start: str
    not_at_line_end: str


class LayoutProfile(_Frozen):
    """A complete page and style profile, e.g. GB/T 9704-2012."""

    name: str
    language: str  # of East Asian text
    # Of Latin-script text: digits, "%", "." and Latin words. LibreOffice breaks a
    # Latin run by the rules of its w:val language; under zh-CN that is "anywhere",
    # which splits 93.78|% and 2|025. en-US keeps numbers whole (Unicode UAX #14).
    latin_language: str = "en-US"
    line_breaks: LineBreaks
    page: PageSize
    margins_mm: Margins
    lines_per_page: int = Field(gt=0)
    chars_per_line: int = Field(gt=0)
    fonts: dict[str, FontFace]
    styles: dict[str, StyleSpec]
    table_style: str
    # Left/right padding inside table cells; Word's default 1.9 mm wraps short figures.
    table_cell_padding_mm: Decimal = Decimal("1")
    page_number: PageNumberSpec

    @model_validator(mode="after")
    def _references_resolve(self) -> LayoutProfile:
        unknown = sorted({s.font for s in self.styles.values()} - set(self.fonts))
        if unknown:
            raise ValueError(f"styles name unknown font(s): {', '.join(unknown)}")
        for required in ("Normal", "Footer"):
            if required not in self.styles:
                raise ValueError(f"the profile must define the {required!r} style")
        return self

    @property
    def type_area_width_mm(self) -> Decimal:
        """Width of the type area (版心) between the side margins."""
        return self.page.width_mm - self.margins_mm.left - self.margins_mm.right

    @property
    def type_area_height_mm(self) -> Decimal:
        """Height of the type area (版心) between top and bottom margins."""
        return self.page.height_mm - self.margins_mm.top - self.margins_mm.bottom

    @property
    def line_pitch_twips(self) -> int:
        """The fixed body line spacing: the type area's height over the line count.

        Rounded down to whole twips, because rounding up would push the last line
        onto the next page.
        """
        return math.floor(self.type_area_height_mm * _TWIPS_PER_MM / self.lines_per_page)

    @property
    def char_pitch_pt(self) -> Decimal:
        """The grid's character pitch: the type area's width over the characters per line."""
        return self.type_area_width_mm * _PT_PER_MM / self.chars_per_line

    @property
    def char_space(self) -> int:
        """w:docGrid's w:charSpace: the character pitch less the body size, in 1/4096 pt."""
        return math.floor((self.char_pitch_pt - self.styles["Normal"].size_pt) * 4096)

    @property
    def body_char_spacing_twips(self) -> int:
        """Character spacing of body-size text so that it keeps the grid's pitch.

        Three-number (16 pt) characters are wider than 156 mm / 28 = 15.79 pt; Word
        squeezes them into a character grid, LibreOffice does not (it gives each two
        cells). Condensing them by the difference (rounded down to whole twips) gives
        28 characters a line in both.
        """
        return math.floor((self.char_pitch_pt - self.styles["Normal"].size_pt) * 20)

    @property
    def footer_distance(self) -> Twips:
        """Page edge to the page number's baseline box, so it sits the gap under the type area."""
        number_line_pt = self.line_spacing_pt(self.styles["Footer"])
        distance_mm = self.margins_mm.bottom - self.page_number.gap_below_type_area_mm
        return Twips(int(distance_mm * _TWIPS_PER_MM - number_line_pt * 20))

    def line_spacing_pt(self, spec: StyleSpec) -> Decimal:
        """The exact line spacing of a style in points (not for single-spaced styles)."""
        if spec.line_rule == "single":
            raise TemplateError(f"layout {self.name}: a single-spaced style has no exact "
                                "line spacing")
        if spec.line_spacing_pt is not None:
            return spec.line_spacing_pt
        return Decimal(self.line_pitch_twips) / 20


@lru_cache(maxsize=8)
def load_layout(name: str = "gbt9704") -> LayoutProfile:
    """Load ``layouts/<name>.yaml`` shipped with wenshu."""
    path = LAYOUT_DIR / f"{name}.yaml"
    if not path.is_file():
        raise TemplateError(f"no layout profile {name!r} (looked for {path})")
    try:
        return LayoutProfile.model_validate(parse_yaml(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise TemplateError(f"layout profile {path}: {exc}") from exc


def apply_layout(document: Document, profile: LayoutProfile) -> None:
    """Write the profile's page setup, fonts, language, styles and page numbers into it."""
    body_face = profile.fonts[profile.styles["Normal"].font].name
    _set_defaults(document, body_face, profile)
    _declare_fonts(document, profile)
    for name, spec in profile.styles.items():
        _set_style(document, name, spec, profile)
    for section in document.sections:
        section.page_width = Mm(profile.page.width_mm)
        section.page_height = Mm(profile.page.height_mm)
        section.top_margin = Mm(profile.margins_mm.top)
        section.bottom_margin = Mm(profile.margins_mm.bottom)
        section.left_margin = Mm(profile.margins_mm.left)
        section.right_margin = Mm(profile.margins_mm.right)
        section.footer_distance = profile.footer_distance
        set_grid(section, profile)
        _page_number(section.footer.paragraphs[0], profile, odd=True)
        _page_number(section.even_page_footer.paragraphs[0], profile, odd=False)
    document.settings.odd_and_even_pages_header_footer = True
    set_line_breaks(document, profile)


def _set_defaults(document: Document, face: str, profile: LayoutProfile) -> None:
    """Document-wide run defaults: the body face in every script slot, and the languages."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    _set_fonts(rpr, face)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), profile.latin_language)
    lang.set(qn("w:eastAsia"), profile.language)
    ppr = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")
    # Word's default spacing after each paragraph would break the line grid.
    spacing = ppr.find(qn("w:spacing"))
    if spacing is not None:
        ppr.remove(spacing)
    # No punctuation hanging into the margin, where LibreOffice drops a hung "，" from the
    # page. LibreOffice reads w:overflowPunct inverted: on (also Word's default) = no hanging.
    set_ppr_flag(ppr, "w:overflowPunct", True)
    theme_lang = document.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), profile.latin_language)
        theme_lang.set(qn("w:eastAsia"), profile.language)


def _set_fonts(rpr: CT_RPr, face: str, latin: str | None = None) -> None:
    """Name ``face`` for East Asian text and ``latin`` (else ``face``) for Latin text; theme
    font references would override them."""
    fonts = rpr.get_or_add_rFonts()
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), latin if latin and slot in ("w:ascii", "w:hAnsi") else face)


def _declare_fonts(document: Document, profile: LayoutProfile) -> None:
    """Declare each face in the font table with its fallback (``w:altName``) for Word."""
    part = document.part.part_related_by(RT.FONT_TABLE)
    table = parse_xml(part.blob)
    for face in profile.fonts.values():
        for old in table.findall(qn("w:font")):
            if old.get(qn("w:name")) == face.name:
                table.remove(old)
        entry = OxmlElement("w:font", {qn("w:name"): face.name})
        for tag, value in (("w:altName", face.fallback), ("w:charset", "86"),
                           ("w:family", "auto"), ("w:pitch", "variable")):
            entry.append(OxmlElement(tag, {qn("w:val"): value}))
        table.append(entry)
    # python-docx has no font-table API: the part is a plain blob, so it is replaced whole.
    part._blob = serialize_part_xml(table)


def _set_style(document: Document, name: str, spec: StyleSpec, profile: LayoutProfile) -> None:
    """Make ``name`` exactly ``spec``: the template's own look (colours, borders) is dropped."""
    try:
        style = document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
    if not isinstance(style, ParagraphStyle):
        raise TemplateError(f"layout {profile.name}: {name!r} is not a paragraph style")
    element = style.element
    old_rpr = element.find(qn("w:rPr"))
    if old_rpr is not None:
        element.remove(old_rpr)
    ppr = element.find(qn("w:pPr"))
    if ppr is not None:
        # Keep only the outline level, which makes headings show in Word's navigation pane.
        for child in list(ppr):
            if child.tag != qn("w:outlineLvl"):
                ppr.remove(child)
    style.hidden = False
    style.quick_style = True
    font = style.font
    font.size = Pt(spec.size_pt)
    font.bold = spec.bold
    face = profile.fonts[spec.font]
    _set_fonts(element.get_or_add_rPr(), face.name, face.latin)
    if spec.color:
        font.color.rgb = RGBColor.from_string(spec.color)
    _set_paragraph_format(style.paragraph_format, spec, profile)
    if spec.rules:
        set_rules(element.get_or_add_pPr(), spec.rules)
    if spec.snap_to_grid and spec.size_pt == profile.styles["Normal"].size_pt:
        spacing = OxmlElement("w:spacing", {qn("w:val"): str(profile.body_char_spacing_twips)})
        # Schema order: w:spacing comes before the size python-docx wrote.
        element.rPr.find(qn("w:sz")).addprevious(spacing)
    if not spec.snap_to_grid:
        set_ppr_flag(element.get_or_add_pPr(), "w:snapToGrid", False)


def _set_paragraph_format(fmt: ParagraphFormat, spec: StyleSpec, profile: LayoutProfile) -> None:
    """Alignment, indents, line spacing and the right tab stop of a style, from ``spec``."""
    fmt.alignment = _ALIGNMENTS[spec.align]
    fmt.first_line_indent = Pt(spec.size_pt * spec.first_line_indent_chars)
    fmt.left_indent = Pt(0)
    fmt.right_indent = Pt(spec.size_pt * spec.right_indent_chars)
    fmt.space_before = fmt.space_after = Pt(0)
    if spec.line_rule == "single":
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(profile.line_spacing_pt(spec))
    fmt.keep_with_next = spec.keep_with_next
    if spec.right_tab:
        width = Mm(profile.type_area_width_mm) - fmt.right_indent
        fmt.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)


def _page_number(paragraph: Paragraph, profile: LayoutProfile, *, odd: bool) -> None:
    """Fill a footer paragraph with ``— PAGE —`` on the outer side of the page."""
    for child in list(paragraph._p):
        paragraph._p.remove(child)
    paragraph.style = "Footer"
    indent = Pt(profile.styles["Footer"].size_pt * profile.page_number.edge_indent_chars)
    fmt = paragraph.paragraph_format
    if odd:
        fmt.alignment, fmt.right_indent = WD_ALIGN_PARAGRAPH.RIGHT, indent
    else:
        fmt.alignment, fmt.left_indent = WD_ALIGN_PARAGRAPH.LEFT, indent
    paragraph.add_run(profile.page_number.before)
    field = OxmlElement("w:fldSimple", {qn("w:instr"): " PAGE "})
    number = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    number.append(text)
    field.append(number)
    paragraph._p.append(field)
    paragraph.add_run(profile.page_number.after)
