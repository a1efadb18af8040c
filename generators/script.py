"""Simplified → Traditional Chinese (OpenCC) for rendered documents, never touching codes.

Documents are rendered in Simplified Chinese; :func:`to_traditional` converts the
finished .docx, so templates and phrasing exist once. It converts the text of the body
(tables and text boxes included), headers, footers, footnotes, endnotes, comments and
the core, app and custom properties, and retags the Chinese language (``zh-CN``) of
styles, runs and properties.

What counts as a code, kept exactly as written:

1. **Protected styles**: the whole text of a paragraph whose paragraph style, or of a
   run whose character style, is named in ``protected_styles`` (the layout profile's
   list, e.g. ``Doc Number`` for the 发文字号 line, default :data:`PROTECTED_STYLES`).
2. **Doc numbers** (发文字号) anywhere in the text (:data:`DOC_NUMBER`): a 4-digit year
   in 〔〕 (or the mistyped ［］ [] 【】), a number and 号, with the issuing-organ
   abbreviation before it: the Han characters directly before the bracket, starting
   after the last citation word (:data:`CITATION_WORDS`, e.g. 根据, 按照) among them,
   at most :data:`MAX_ORGAN_CHARS` long. ``根据龙政发〔2026〕10号`` keeps ``龙政发〔2026〕10号``
   and converts ``根据``. When the characters before the bracket run longer than that
   (no citation word or punctuation to end the organ), only ``〔2026〕10号`` is kept.
3. **Archival codes** (档号, DA/T 22, :data:`ARCHIVAL_CODE`): fonds-category·year-
   retention[-organisation]-item, e.g. ``0194-WS·2026-D30-BGS-0001``; the
   organisation part may be written in Han characters.
4. **Unit codes and any other ASCII** (digits, Latin letters): OpenCC's
   Simplified→Traditional dictionaries have no ASCII entries, so these never change
   and need no rule.
5. **Field codes** (``w:instrText``, e.g. ``PAGE``) are not text and are not touched.

Quotation marks become those of Traditional texts, 「」 with 『』 inside: LibreOffice
keeps them off the wrong line edge in zh-TW text (its zh-TW 避头尾 lists lack “”‘’, and
it ignores the lists a .docx carries).

Each paragraph is converted as one string (its runs' text joined), so a word Word
split over runs still converts as a word (头|发 → 頭髮, not 頭發), and the result is
cut back at the original run lengths. The ``s2t``/``s2tw``/``s2hk`` conversions map
one character to one; a conversion that changes a paragraph's length (``s2twp``
phrases such as 内存 → 記憶體) is redone run by run, which keeps every run's own text.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Collection, Iterator
from functools import lru_cache

import opencc
from lxml import etree

from wenshu.errors import ScriptError

# Simplified → Traditional configurations only: the config name becomes a file path
# inside OpenCC, so it is never taken from the user unchecked.
CONFIGS = ("s2t", "s2tw", "s2twp", "s2hk", "s2hkp")
# The language a converted document declares instead of zh-CN.
_LANGUAGE = {"s2t": "zh-TW", "s2tw": "zh-TW", "s2twp": "zh-TW", "s2hk": "zh-HK", "s2hkp": "zh-HK"}
_SIMPLIFIED_TAGS = frozenset({"zh-CN", "zh-cn", "zh-Hans", "zh-SG"})

PROTECTED_STYLES = frozenset({"Doc Number"})

MAX_ORGAN_CHARS = 10
# Words that start a citation in running text and are never part of an organ's
# abbreviation; two characters each, since single characters (据, 见) do occur in
# organ names (数据局).
CITATION_WORDS = ("根据", "依据", "按照", "参照", "依照", "遵照", "对照", "贯彻", "落实",
                  "执行", "转发", "印发", "详见", "参见", "结合", "围绕", "对于", "关于")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
DOC_NUMBER = re.compile(r"[〔［\[【]\d{4}[〕］\]】]\d+号")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
# How far back an organ abbreviation and the citation word before it are looked for.
_LOOKBACK = 40
_CITATION = re.compile("|".join(CITATION_WORDS))
ARCHIVAL_CODE = re.compile(
    rf"[0-9A-Za-z]{{4}}-[A-Za-z{_HAN}]{{1,4}}·\d{{4}}-(?:Y|D\d{{2}}|[{_HAN}]{{2,4}})"
    rf"(?:-[0-9A-Za-z{_HAN}]{{1,12}})?-\d{{3,5}}"
)

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W_P, _W_R, _W_T = f"{{{_W}}}p", f"{{{_W}}}r", f"{{{_W}}}t"
_W_PPR, _W_RPR = f"{{{_W}}}pPr", f"{{{_W}}}rPr"
_W_PSTYLE, _W_RSTYLE, _W_VAL = f"{{{_W}}}pStyle", f"{{{_W}}}rStyle", f"{{{_W}}}val"
# Elements whose attributes name a language (the 避头尾 lists name theirs in w:lang).
_W_LANG_TAGS = (f"{{{_W}}}lang", f"{{{_W}}}themeFontLang", f"{{{_W}}}noLineBreaksAfter",
                f"{{{_W}}}noLineBreaksBefore")
_DC_LANGUAGE = "{http://purl.org/dc/elements/1.1/}language"
# Quotation marks as Traditional texts write them (Taiwan, Hong Kong): 「」 outside, 『』
# inside. LibreOffice's zh-TW/zh-HK 避头尾 lists know only these, not “”‘’.
_TRADITIONAL_QUOTES = str.maketrans("“”‘’", "「」『』")
_DC_IDENTIFIER = "{http://purl.org/dc/elements/1.1/}identifier"

_WORDML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
# Parts whose w:t text a reader sees.
_TEXT_PARTS = frozenset(_WORDML + kind for kind in (
    "document.main+xml", "template.main+xml", "header+xml", "footer+xml",
    "footnotes+xml", "endnotes+xml", "comments+xml",
)) | {"application/vnd.ms-word.document.macroEnabled.main+xml"}
_STYLES_PART = _WORDML + "styles+xml"
_SETTINGS_PART = _WORDML + "settings+xml"
# Parts of plain text elements (title, company, custom property values).
_PROPERTY_PARTS = frozenset({
    "application/vnd.openxmlformats-package.core-properties+xml",
    "application/vnd.openxmlformats-officedocument.extended-properties+xml",
    "application/vnd.openxmlformats-officedocument.custom-properties+xml",
})
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"

# Zip entries carry the DOS epoch instead of the wall clock, as render.document_bytes does.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@lru_cache(maxsize=len(CONFIGS))
def _converter(config: str) -> opencc.OpenCC:
    if config not in CONFIGS:
        raise ScriptError(f"unknown conversion {config!r}; use one of {', '.join(CONFIGS)}")
    return opencc.OpenCC(config)


def code_spans(text: str) -> list[tuple[int, int]]:
    """Start and end of every code (doc number, archival code) in ``text``, in order."""
    spans = [match.span() for match in ARCHIVAL_CODE.finditer(text)]
    spans.extend(_doc_number_span(text, match) for match in DOC_NUMBER.finditer(text))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _doc_number_span(text: str, number: re.Match[str]) -> tuple[int, int]:
    """A doc number with its organ abbreviation, or alone when the organ has no clear start."""
    start = number.start()
    begin = start
    while begin > 0 and start - begin < _LOOKBACK and _HAN_CHAR.match(text, begin - 1):
        begin -= 1
    words = list(_CITATION.finditer(text, begin, start))
    if words:
        begin = words[-1].end()
    elif begin > 0 and _HAN_CHAR.match(text, begin - 1):
        return number.span()  # the Han run goes on past the look-back: no clear start
    return (begin if start - begin <= MAX_ORGAN_CHARS else start), number.end()


def to_traditional_text(text: str, *, config: str = "s2t") -> str:
    """``text`` in Traditional Chinese (quotes 「」『』), its codes (see the module notes) as written.

    For file names, titles and other strings outside documents.
    """
    converter = _converter(config)
    if not text:
        return text
    pieces, position = [], 0
    for start, end in code_spans(text):
        pieces.append(converter.convert(text[position:start]))
        pieces.append(text[start:end])
        position = end
    pieces.append(converter.convert(text[position:]))
    return "".join(pieces).translate(_TRADITIONAL_QUOTES)


def to_traditional(docx: bytes, *, config: str = "s2t",
                   protected_styles: Collection[str] = PROTECTED_STYLES) -> bytes:
    """A rendered .docx with all its text in Traditional Chinese, codes kept as written.

    The result is byte-reproducible like :func:`wenshu.generators.render.render_docx`'s:
    the same input gives the same bytes. Raises :class:`ScriptError` for an unknown
    ``config`` or input that is not a .docx.
    """
    _converter(config)  # an unknown config fails before any work
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as source:
            entries = {name: source.read(name) for name in source.namelist()}
        content_types = _content_types(entries["[Content_Types].xml"], entries)
        protected_ids: frozenset[str] = frozenset()
        for name, content_type in content_types.items():
            if content_type in (_STYLES_PART, _SETTINGS_PART):
                root = etree.fromstring(entries[name])
                if content_type == _STYLES_PART:
                    protected_ids |= _style_ids(root, protected_styles)
                if _retag(root, config):
                    entries[name] = _serialise(root)
        for name, content_type in content_types.items():
            if content_type in _TEXT_PARTS:
                entries[name] = _convert_part(entries[name], config, protected_ids)
            elif content_type in _PROPERTY_PARTS:
                entries[name] = _convert_properties(entries[name], config)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise ScriptError(f"not a .docx that can be converted: {exc}") from exc
    return _zip(entries)


def _content_types(xml: bytes, names: Collection[str]) -> dict[str, str]:
    """Zip entry name → content type: its override, else the default for its extension."""
    root = etree.fromstring(xml)
    defaults = {d.get("Extension", "").lower(): d.get("ContentType", "")
                for d in root.iter(f"{_CONTENT_TYPES_NS}Default")}
    overrides = {o.get("PartName", "").lstrip("/"): o.get("ContentType", "")
                 for o in root.iter(f"{_CONTENT_TYPES_NS}Override")}
    return {name: overrides.get(name, defaults.get(name.rpartition(".")[2].lower(), ""))
            for name in names}


def _style_ids(root: etree._Element, names: Collection[str]) -> frozenset[str]:
    """The style ids (what paragraphs and runs reference) of the styles named ``names``."""
    wanted = {name.casefold() for name in names}
    ids = set()
    for style in root.iter(f"{{{_W}}}style"):
        name = style.find(f"{{{_W}}}name")
        if name is not None and (name.get(_W_VAL) or "").casefold() in wanted:
            ids.add(style.get(f"{{{_W}}}styleId"))
    return frozenset(ids)


def _paragraphs(root: etree._Element, protected_ids: frozenset[str]
                ) -> Iterator[tuple[list[etree._Element], list[bool]]]:
    """Each paragraph's w:t elements in order, and whether each is in a protected style.

    A text box's paragraphs sit inside a run of an outer paragraph; each text belongs
    to its nearest paragraph, so they stay apart.
    """
    groups: dict[etree._Element, tuple[list[etree._Element], list[bool], bool]] = {}
    for text in root.iter(_W_T):
        run, paragraph = None, text.getparent()
        while paragraph is not None and paragraph.tag != _W_P:
            if run is None and paragraph.tag == _W_R:
                run = paragraph
            paragraph = paragraph.getparent()
        if paragraph is None:
            continue
        group = groups.get(paragraph)
        if group is None:
            group = groups[paragraph] = (
                [], [], bool(protected_ids) and _styled(paragraph, _W_PPR, _W_PSTYLE, protected_ids))
        texts, protected, whole = group
        texts.append(text)
        protected.append(whole or (bool(protected_ids) and run is not None
                                   and _styled(run, _W_RPR, _W_RSTYLE, protected_ids)))
    for texts, protected, _ in groups.values():
        yield texts, protected


def _styled(element: etree._Element, properties: str, style: str,
            ids: frozenset[str]) -> bool:
    reference = element.find(f"{properties}/{style}")
    return reference is not None and reference.get(_W_VAL) in ids


def _convert_part(xml: bytes, config: str, protected_ids: frozenset[str]) -> bytes:
    root = etree.fromstring(xml)
    changed = _retag(root, config)
    for texts, protected in _paragraphs(root, protected_ids):
        originals = [text.text or "" for text in texts]
        converted = _convert_runs(originals, protected, config)
        for text, old, new in zip(texts, originals, converted):
            if new != old:
                text.text = new
                changed = True
    return _serialise(root) if changed else xml


def _convert_runs(runs: list[str], protected: list[bool], config: str) -> list[str]:
    """Convert a paragraph's run texts as one string; run by run if its length changes."""
    joined = "".join(runs)
    converted = to_traditional_text(joined, config=config)
    if len(converted) != len(joined):
        return [old if keep else to_traditional_text(old, config=config)
                for old, keep in zip(runs, protected)]
    out, position = [], 0
    for old, keep in zip(runs, protected):
        out.append(old if keep else converted[position:position + len(old)])
        position += len(old)
    return out


def _convert_properties(xml: bytes, config: str) -> bytes:
    """Every text value of a properties part, except identifiers (codes) and the language."""
    root = etree.fromstring(xml)
    changed = False
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.text or element.tag == _DC_IDENTIFIER:
            continue
        if element.tag == _DC_LANGUAGE:
            new = _LANGUAGE[config] if element.text.strip() in _SIMPLIFIED_TAGS else element.text
        else:
            new = to_traditional_text(element.text, config=config)
        if new != element.text:
            element.text = new
            changed = True
    return _serialise(root) if changed else xml


def _retag(root: etree._Element, config: str) -> bool:
    """Declare the Traditional language where the part declares Simplified Chinese."""
    changed = False
    for tag in _W_LANG_TAGS:
        for element in root.iter(tag):
            for attribute, value in element.attrib.items():
                if value in _SIMPLIFIED_TAGS:
                    element.set(attribute, _LANGUAGE[config])
                    changed = True
    return changed


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _zip(entries: dict[str, bytes]) -> bytes:
    """Entries sorted ([Content_Types].xml first) with fixed dates: reproducible bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(entries):
            entry = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, entries[name])
    return out.getvalue()
