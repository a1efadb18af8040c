"""Lint a .docx template before any render: syntax, split tags, IME delimiters, variables.

:func:`check_template` reads a template the way docxtpl renders it (the body with its
tables and text boxes, headers, footers, footnotes and the core properties docxtpl fills)
and reports, per Word paragraph:

- ``syntax`` (error): a Jinja syntax error in the text docxtpl hands to Jinja after its
  own tag cleaning (``DocxTemplate.patch_xml``), located at the paragraph holding the
  offending tag; for a block left open, the paragraph that opens it;
- ``tag_spans_paragraphs`` (error): a tag that starts in one paragraph and ends in another;
- ``split_tag`` (warning): a tag whose characters Word keeps in several runs;
- ``ime_delimiter`` (error): ｛｛ ｝｝ ｛％ ％｝ ｛＃ and mixed forms such as {｛ or {％, which
  docxtpl leaves in the output as text;
- ``fullwidth_quote`` (error) / ``curly_quote`` (warning): ＂＇ or “ ” ‘ ’ inside a tag;
- ``unrendered_part`` (warning): a tag in endnotes or comments, which docxtpl never fills;
- ``unknown_variable`` (error) / ``unused_variable`` (warning): what the template reads
  against what the document kind provides (see :func:`~wenshu.generators.template_variables.context_paths`);
- ``sandbox``, ``unbounded``, ``unknown_filter``, ``unknown_test`` (errors): what the
  render would refuse (see :mod:`wenshu.generators.template_safety`).

The document properties are read as the render fills them: the core ones including
keywords (``docProps/core.xml``) and the custom ones (``docProps/custom.xml``). After a
syntax error the rest of the part is still read for variables (the faulty tag left out).

Nothing is rendered: the checks only lex, parse and walk the templates' syntax trees.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from lxml import etree

from wenshu.errors import TemplateError
from wenshu.generators.jinja_errors import error_line, recover_parse, syntax_message
from wenshu.generators.sandbox import BoundedSandbox
from wenshu.generators.template_safety import safety_findings
from wenshu.generators.template_variables import Reads, compare, read_paths

Severity = Literal["error", "warning"]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W_P, _W_R = f"{{{_W}}}p", f"{{{_W}}}r"
# Every element whose text docxtpl's regexes see as template text.
_TEXT_TAGS = (f"{{{_W}}}t", f"{{{_W}}}instrText", f"{{{_W}}}delText")
_W_T = _TEXT_TAGS[0]

_WORDML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
_FOOTNOTES = _WORDML + "footnotes+xml"
_UNRENDERED = (_WORDML + "endnotes+xml", _WORDML + "comments+xml")
# The core properties rendered (DocxTemplate.render_properties, and keywords by render_docx).
_PROPERTIES = ("author", "comments", "identifier", "keywords", "language", "subject", "title")
_CORE_PART = "docProps/core.xml"
_CUSTOM_PART = "docProps/custom.xml"
_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"

_OPENER = re.compile(r"\{[{%#]")
_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
# A delimiter with at least one full-width character (the ASCII ones are filtered out).
_IME_DELIMITER = re.compile(r"[{｛][{｛%％#＃]|[}｝%％#＃][}｝]")
_ASCII_DELIMITERS = frozenset({"{{", "{%", "{#", "}}", "%}", "#}"})
_FULLWIDTH_QUOTES = frozenset("＂＇「」『』")
_CURLY_QUOTES = frozenset("“”‘’")
_SHORT = 40


@dataclass(frozen=True)
class TemplateProblem:
    """One finding, located as a template author finds it in Word.

    ``part`` is the package part (``word/document.xml``, ``word/footer1.xml``,
    ``docProps/core.xml``), None for a finding about the whole template;
    ``paragraph`` counts the part's paragraphs from 1 in document order, table
    cells and text boxes included (None when the place is not one paragraph);
    ``text`` is that paragraph's text, shortened.
    """

    part: str | None
    paragraph: int | None
    text: str
    code: str
    message: str
    severity: Severity

    def __str__(self) -> str:
        """One line: where, severity, code and message."""
        where = self.part or "模板"
        if self.paragraph is not None:
            where += f" 第{self.paragraph}段"
        if self.text:
            where += f"「{self.text}」"
        return f"{where}: {self.severity} {self.code}: {self.message}"


@dataclass
class _Part:
    """A rendered part's text as docxtpl sees it, with each character's paragraph and run."""

    name: str
    xml: str
    paragraphs: list[str]
    stream: str
    owners: list[int]  # paragraph index per character of ``stream``
    runs: list[int]  # run index per character of ``stream`` (-1 outside runs)

    def at(self, paragraph: int | None) -> tuple[int | None, str]:
        """The 1-based paragraph number and shortened text for a 0-based index."""
        if paragraph is None or paragraph < 0:
            return None, ""
        return paragraph + 1, _shorten(self.paragraphs[paragraph])


def check_template(path: Path, provided: frozenset[str] | None) -> list[TemplateProblem]:
    """Every problem found in the .docx template at ``path``, in document order.

    ``provided`` is what the document kind's context offers, as :func:`~wenshu.generators.template_variables.context_paths`
    writes it; None skips the variable comparison. Raises :class:`TemplateError` when
    the file is missing or not a .docx.
    """
    try:
        template = DocxTemplate(path)
        document = template.get_docx()
    except (OSError, PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile,
            etree.XMLSyntaxError) as exc:
        raise TemplateError(f"{path.name}: not a .docx template: {exc}") from exc
    env = BoundedSandbox()
    problems: list[TemplateProblem] = []
    reads = Reads()
    order: list[str | None] = []
    for part in _rendered_parts(template):
        order.append(part.name)
        problems.extend(_check_text(part))
        problems.extend(_check_syntax(template, part, env, reads))
    order.append(_CORE_PART)
    for name in _PROPERTIES:
        value = getattr(document.core_properties, name) or ""
        problems.extend(_check_property(_CORE_PART, name, value, env, reads))
    order.append(_CUSTOM_PART)
    for name, value in _custom_properties(document):
        problems.extend(_check_property(_CUSTOM_PART, name, value, env, reads))
    for package_part in document.part.package.parts:
        if package_part.content_type in _UNRENDERED:
            part = _read_part(str(package_part.partname).lstrip("/"), package_part.blob)
            order.append(part.name)
            problems.extend(_check_unrendered(part))
    if provided is not None:
        problems.extend(TemplateProblem(*where, code, message, severity)
                        for where, code, message, severity in compare(reads, provided))
    order.append(None)
    # Stable: within one paragraph the checks keep the order they ran in.
    return sorted(problems, key=lambda p: (order.index(p.part), p.paragraph is None,
                                           p.paragraph or 0))


def _custom_properties(document: Any) -> Iterator[tuple[str, str]]:
    """(name, text) of each custom document property (文件属性 → 自定义)."""
    for part in document.part.package.parts:
        if part.content_type != _CUSTOM:
            continue
        for element in etree.fromstring(part.blob):
            for value in element.iter(f"{{{_VT}}}lpwstr", f"{{{_VT}}}bstr"):
                yield element.get("name", ""), value.text or ""


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHORT else text[:_SHORT - 1] + "…"


def _rendered_parts(template: DocxTemplate) -> Iterator[_Part]:
    """Body, headers, footers and footnotes, with the XML text docxtpl renders from each."""
    document = template.docx
    body = template.get_xml()
    yield _read_part(str(document.part.partname).lstrip("/"), body.encode("utf-8"), body)
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for _, part in template.get_headers_footers(uri):
            yield _read_part(str(part.partname).lstrip("/"), part.blob, template.get_part_xml(part))
    for part in document.part.package.parts:
        if part.content_type == _FOOTNOTES:
            blob = part.blob
            yield _read_part(str(part.partname).lstrip("/"), blob, blob.decode("utf-8"))


def _read_part(name: str, blob: bytes, xml: str = "") -> _Part:
    """Paragraph texts (w:t) and the text stream docxtpl's regexes see, in document order."""
    root = etree.fromstring(blob)
    index = {paragraph: number for number, paragraph in enumerate(root.iter(_W_P))}
    run_index = {run: number for number, run in enumerate(root.iter(_W_R))}
    paragraphs = [""] * len(index)
    pieces: list[str] = []
    owners: list[int] = []
    runs: list[int] = []
    for element in root.iter(*_TEXT_TAGS):
        text = element.text or ""
        run, paragraph = -1, element.getparent()
        while paragraph is not None and paragraph.tag != _W_P:
            if run == -1 and paragraph.tag == _W_R:
                run = run_index[paragraph]
            paragraph = paragraph.getparent()
        owner = index[paragraph] if paragraph is not None else -1
        if element.tag == _W_T and owner >= 0:
            paragraphs[owner] += text
        pieces.append(text)
        owners.extend([owner] * len(text))
        runs.extend([run] * len(text))
    return _Part(name, xml, paragraphs, "".join(pieces), owners, runs)


def _problem(part: _Part, paragraph: int | None, code: str, message: str,
             severity: Severity) -> TemplateProblem:
    number, text = part.at(paragraph)
    return TemplateProblem(part.name, number, text, code, message, severity)


def _check_text(part: _Part) -> Iterator[TemplateProblem]:
    """Delimiters typed with an input method, quotes inside tags, and split tags."""
    for index, text in enumerate(part.paragraphs):
        typed = sorted({m.group() for m in _IME_DELIMITER.finditer(text)} - _ASCII_DELIMITERS)
        if typed:
            yield _problem(part, index, "ime_delimiter", _ime_message(typed), "error")
        for tag in _TAG.findall(text):
            if _FULLWIDTH_QUOTES & set(tag):
                yield _problem(part, index, "fullwidth_quote",
                               f"标签 {tag} 中有全角引号，模板无法识别；请在半角（英文）状态下输入引号", "error")
            elif _CURLY_QUOTES & set(tag):
                yield _problem(part, index, "curly_quote",
                               f"标签 {tag} 中有弯引号（Word 自动替换的“ ”）；docxtpl 会把它们改成直引号，"
                               "但若要在文中显示弯引号就会被改掉；建议关闭“自动套用格式”后输入直引号",
                               "warning")
    for match in _TAG.finditer(part.stream):
        start, end = match.span()
        owners = set(part.owners[start:end])
        runs = set(part.runs[start:end])
        tag = _shorten(match.group())
        if len(owners) > 1:
            yield _problem(part, part.owners[start], "tag_spans_paragraphs",
                           f"标签 {tag} 跨越了段落，渲染会出错；请把整个标签放在同一段中", "error")
        elif len(runs) > 1:
            yield _problem(part, part.owners[start], "split_tag",
                           f"标签 {tag} 被 Word 拆成了{len(runs)}段格式（run）；docxtpl 通常能拼回，"
                           "但建议删除后一次性重新输入（或粘贴为纯文本）", "warning")


def _ime_message(typed: Sequence[str]) -> str:
    shown = "、".join(typed)
    return (f"{shown} 是用中文输入法输入的全角符号，docxtpl 不认作标签，会原样印在文件里；"
            "请切换到英文（半角）状态重新输入 {{ }}、{% %}、{# #}")


def _check_unrendered(part: _Part) -> Iterator[TemplateProblem]:
    opener = _OPENER.search(part.stream)
    if opener is not None:
        yield _problem(part, part.owners[opener.start()], "unrendered_part",
                       "尾注和批注中的标签不会被填充，会原样留在文件里", "warning")


def _jinja_source(template: DocxTemplate, part: _Part) -> tuple[str, list[int | None]]:
    """The text Jinja parses for ``part``, each tag on its own line; line → paragraph.

    docxtpl's cleaning keeps every tag opener in order, so the n-th opener in the
    cleaned text is the n-th in the part's text. When the counts differ (docxtpl's
    colspan/cellbg/vm/hm tags rewrite XML), lines are not mapped to paragraphs.
    """
    source = _OPENER.sub(lambda m: "\n" + m.group(), template.patch_xml(part.xml))
    owners = [part.owners[m.start()] for m in _OPENER.finditer(part.stream)]
    line_count = source.count("\n") + 1
    lines: list[int | None] = [None] * (line_count + 1)  # 1-based
    openers = [source.count("\n", 0, m.start()) + 1 for m in _OPENER.finditer(source)]
    if len(openers) == len(owners):
        current: int | None = None
        next_opener = 0
        for line in range(1, line_count + 1):
            while next_opener < len(openers) and openers[next_opener] <= line:
                current = owners[next_opener]
                next_opener += 1
            lines[line] = current
    return source, lines


def _check_syntax(template: DocxTemplate, part: _Part, env: jinja2.Environment,
                  reads: Reads) -> Iterator[TemplateProblem]:
    if not _OPENER.search(part.stream):
        return
    source, lines = _jinja_source(template, part)
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        line = error_line(env, source, exc)
        paragraph = lines[line] if 0 < line < len(lines) else None
        problem = _problem(part, paragraph, "syntax", syntax_message(exc), "error")
        if paragraph is None:
            # Without a paragraph, show the text around the error as docxtpl does.
            text = re.sub(r"<[^>]+>", "", source.splitlines()[line - 1]) if line > 0 else ""
            problem = TemplateProblem(part.name, None, _shorten(text), problem.code,
                                      problem.message, "error")
        yield problem
        # The faulty tags may read what would then look unused: no "unused" warnings.
        reads.incomplete = True
        tree = recover_parse(env, source, line)
        if tree is None:
            return
    for finding in safety_findings(tree, env):
        paragraph = lines[finding.line] if 0 < finding.line < len(lines) else None
        yield _problem(part, paragraph, finding.code, finding.message, "error")
    for path, line in read_paths(tree, env):
        paragraph = lines[line] if 0 < line < len(lines) else None
        number, text = part.at(paragraph)
        reads.add(path, (part.name, number, text))


def _check_property(part: str, name: str, value: str, env: jinja2.Environment,
                    reads: Reads) -> Iterator[TemplateProblem]:
    text = _shorten(f"{name}: {value}")
    typed = sorted({m.group() for m in _IME_DELIMITER.finditer(value)} - _ASCII_DELIMITERS)
    if typed:
        yield TemplateProblem(part, None, text, "ime_delimiter", _ime_message(typed), "error")
    if not _OPENER.search(value):
        return
    try:
        tree = env.parse(value)
    except jinja2.TemplateSyntaxError as exc:
        yield TemplateProblem(part, None, text, "syntax", syntax_message(exc), "error")
        reads.incomplete = True
        return
    for finding in safety_findings(tree, env):
        yield TemplateProblem(part, None, text, finding.code, finding.message, "error")
    for path, _ in read_paths(tree, env):
        reads.add(path, (part, None, text))
