"""Render a docxtpl template with a context into reproducible .docx bytes.

Every part docxtpl renders (body, headers, footers, core properties, footnotes) and
the keywords and custom properties it leaves alone go through one sandboxed, strict,
bounded Jinja environment (:mod:`wenshu.generators.sandbox`): a template cannot reach
Python internals nor run or grow without end, and a missing context key fails the
render instead of printing nothing.

A context is plain data: finished strings, and :class:`Image` values for pictures,
which become docxtpl ``InlineImage`` objects only inside :func:`render_docx`.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import jinja2
from docx.document import Document
from docx.image.exceptions import UnrecognizedImageError
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.packuri import PackURI
from docx.opc.pkgwriter import PackageWriter
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from lxml import etree

from wenshu.errors import TemplateError
from wenshu.generators.sandbox import BoundedSandbox, RenderLimitError, render_budget

# Zip entries carry this instead of the wall clock (1980-01-01 is the DOS epoch).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


_ENV = BoundedSandbox(undefined=jinja2.StrictUndefined, autoescape=True)
_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"


@dataclass(frozen=True, eq=False)
class Image:
    """A picture for a template's ``{{ name }}`` tag: PNG bytes and the printed width.

    ``source`` is the bytes, or a function without arguments that draws them (e.g. a
    ``functools.partial`` of a chart): drawn once, when first needed, which is when the
    document is rendered, so a batch draws its charts while earlier documents convert.
    The height follows from the picture's aspect ratio. Put the tag alone in a
    paragraph of the Figure style: exact line spacing would cut the picture to a strip.
    """

    source: bytes | Callable[[], bytes]
    width_mm: Decimal

    @cached_property
    def png(self) -> bytes:
        """The picture's PNG bytes (drawn now if ``source`` is a function)."""
        return self.source if isinstance(self.source, bytes) else self.source()

    def __eq__(self, other: object) -> bool:
        """The same picture at the same width (a function is compared by what it draws)."""
        if not isinstance(other, Image):
            return NotImplemented
        return self.width_mm == other.width_mm and self.png == other.png

    def __hash__(self) -> int:
        return hash((self.width_mm, self.png))


def render_docx(template: Path, context: Mapping[str, Any]) -> bytes:
    """Render ``template`` with ``context``; the same inputs always give the same bytes.

    :class:`Image` values anywhere in the context become pictures where the template
    prints them. Raises :class:`TemplateError` naming the template and the problem: an
    undefined variable, a sandbox violation, a Jinja syntax error, a template that is
    not a .docx, an Image whose bytes are not a picture, or a template that goes past
    the render limits (too many steps, too long, too big: Chinese, naming the limit).
    """
    return document_bytes(render_template(template, context))


def render_template(template: Path, context: Mapping[str, Any]) -> Document:
    """:func:`render_docx`'s document before it is serialised, for changes made to its
    XML (:func:`wenshu.generators.finish.finish_document`) without reading it back.
    Raises :class:`TemplateError` as :func:`render_docx` does."""
    try:
        document = _Template(template)
        bound = _bind_images(context, document)
        with render_budget():
            document.render(bound, _ENV)
            _render_more_properties(document, bound)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{template.name}: undefined variable: {exc.message}") from exc
    except (RenderLimitError, RecursionError, MemoryError, OverflowError, ArithmeticError) as exc:
        # RecursionError: a macro calling itself; the others: arithmetic past what
        # the checks foresee (float overflow, Decimal limits), stopped all the same.
        raise TemplateError(f"{template.name}：模板运算量超出限制，已停止渲染（{_reason(exc)}）；"
                            "请检查模板中的循环、宏和运算") from exc
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"{template.name}: 模板被安全沙箱拒绝 (refused by the sandbox): "
                            f"{exc}") from exc
    except jinja2.TemplateSyntaxError as exc:
        # docxtpl attaches the document text around the error; the line number is the XML's.
        near = " ".join(getattr(exc, "docx_context", [])).strip()
        raise TemplateError(f"{template.name}: template syntax error: {exc.message}"
                            + (f" (near: {near})" if near else "")) from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{template.name}: {exc}") from exc
    except UnrecognizedImageError as exc:
        raise TemplateError(f"{template.name}: an Image in the context holds no picture "
                            "Word can show") from exc
    except (OSError, PackageNotFoundError, zipfile.BadZipFile, KeyError,
            etree.XMLSyntaxError) as exc:
        # python-docx reports a non-.docx file as KeyError/BadZipFile; a tag that cuts
        # XML elements apart (e.g. {% if %} around half a paragraph) as XMLSyntaxError.
        raise TemplateError(f"{template.name}: not a usable .docx template: {exc}") from exc
    return document.docx


class _Template(DocxTemplate):
    """docxtpl's template with its tag clean-up (``patch_xml``) done once per part text:
    two dozen regular expressions over the whole XML, the same on every render of a
    template, were nearly half of a render's time."""

    def patch_xml(self, src_xml: str) -> str:
        """docxtpl's clean-up of ``src_xml``, from the cache when seen before."""
        return _patched_xml(src_xml)


@lru_cache(maxsize=32)
def _patched_xml(src_xml: str) -> str:
    # patch_xml reads nothing of its instance: one made without a file does.
    return DocxTemplate.patch_xml(_PATCHER, src_xml)


_PATCHER = DocxTemplate.__new__(DocxTemplate)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RenderLimitError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "宏或循环递归过深"
    if isinstance(exc, MemoryError):
        return "内存不足"
    return f"数值运算溢出：{type(exc).__name__}"


def _render_more_properties(document: DocxTemplate, context: Mapping[str, Any]) -> None:
    """Keywords and custom properties, which docxtpl leaves as they are, rendered as the
    others are: a tag there is filled (or refused) like one in the body."""
    properties = document.docx.core_properties
    if "{" in (properties.keywords or ""):
        properties.keywords = _ENV.from_string(properties.keywords).render(context)
    for part in document.docx.part.package.parts:
        if part.content_type != _CUSTOM:
            continue
        root = etree.fromstring(part.blob)
        for value in root.iter(f"{{{_VT}}}lpwstr", f"{{{_VT}}}bstr"):
            if value.text and "{" in value.text:
                value.text = _ENV.from_string(value.text).render(context)
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                    standalone=True)


def _bind_images(context: Mapping[str, Any], document: DocxTemplate) -> dict[str, Any]:
    """The context with every :class:`Image` (also in dicts, lists, tuples) as an InlineImage.

    An InlineImage adds its picture to the document when the template prints it, so
    pictures a template does not use are not stored. python-docx names picture parts
    by order of insertion and stores a repeated picture once, so the same context
    gives the same part names.
    """

    def bind(value: Any) -> Any:
        if isinstance(value, Image):
            return InlineImage(document, io.BytesIO(value.png), width=Mm(value.width_mm))
        if isinstance(value, Mapping):
            return {key: bind(item) for key, item in value.items()}
        # Exactly list or tuple: a named tuple turned into a list would lose its fields.
        if type(value) in (list, tuple):
            return [bind(item) for item in value]
        return value

    return {key: bind(value) for key, value in context.items()}


class _Entries(dict[str, bytes]):
    """The zip entries python-docx's PackageWriter would write, by member name (it
    takes this for its zip writer: only ``write`` is called)."""

    def write(self, pack_uri: PackURI, blob: bytes) -> None:
        self[pack_uri.membername] = blob


def document_bytes(document: Document) -> bytes:
    """Serialise a python-docx document reproducibly: fixed entry dates, sorted entry order.

    The parts are marshalled as ``Document.save`` does and zipped once. Saving,
    re-zipping in order, then finishing the document read back from its bytes zipped
    each part three times: 14 instead of 6 ms of CPU for a year summary.
    """
    package = document.part.package
    parts = package.parts
    for part in parts:
        part.before_marshal()
    entries = _Entries()
    # PackageWriter.write's own steps without its zip file (python-docx is pinned).
    PackageWriter._write_content_types_stream(entries, parts)
    PackageWriter._write_pkg_rels(entries, package.rels)
    PackageWriter._write_parts(entries, parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        # Sorting puts [Content_Types].xml first, where Word and LibreOffice expect it.
        for name in sorted(entries):
            entry = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, entries[name])
    return out.getvalue()


def template_sha256(path: Path) -> str:
    """Hex SHA-256 of a template file, recorded with every document rendered from it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
