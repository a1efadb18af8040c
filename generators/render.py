"""Render a docxtpl template with a context into reproducible .docx bytes.

Every part docxtpl renders (body, headers, footers, core properties, footnotes) goes
through one sandboxed, strict Jinja environment: a template cannot reach Python
internals, and a missing context key fails the render instead of printing nothing.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from docx.document import Document
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from wenshu.errors import TemplateError

# Zip entries carry this instead of the wall clock (1980-01-01 is the DOS epoch).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class _CompileOnceSandbox(SandboxedEnvironment):
    """A sandbox that compiles each source once.

    docxtpl recompiles every part's XML on every render, over half of its time; a
    template's parts are the same source every time, so the compiled result is reused.
    """

    @lru_cache(maxsize=64)
    def from_string(self, source: str) -> jinja2.Template:  # type: ignore[override]
        """The compiled template for ``source``, compiled on first use."""
        return super().from_string(source)


_ENV = _CompileOnceSandbox(undefined=jinja2.StrictUndefined, autoescape=True)


def render_docx(template: Path, context: Mapping[str, Any]) -> bytes:
    """Render ``template`` with ``context``; the same inputs always give the same bytes.

    Raises :class:`TemplateError` naming the template and the problem: an undefined
    variable, a sandbox violation, a Jinja syntax error or a template that is not a .docx.
    """
    try:
        document = DocxTemplate(template)
        document.render(dict(context), _ENV)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{template.name}: undefined variable: {exc.message}") from exc
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"{template.name}: refused by the sandbox: {exc}") from exc
    except jinja2.TemplateSyntaxError as exc:
        # docxtpl attaches the document text around the error; the line number is the XML's.
        near = " ".join(getattr(exc, "docx_context", [])).strip()
        raise TemplateError(f"{template.name}: template syntax error: {exc.message}"
                            + (f" (near: {near})" if near else "")) from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{template.name}: {exc}") from exc
    except (OSError, PackageNotFoundError, zipfile.BadZipFile, KeyError,
            etree.XMLSyntaxError) as exc:
        # python-docx reports a non-.docx file as KeyError/BadZipFile; a tag that cuts
        # XML elements apart (e.g. {% if %} around half a paragraph) as XMLSyntaxError.
        raise TemplateError(f"{template.name}: not a usable .docx template: {exc}") from exc
    return document_bytes(document.docx)


def document_bytes(document: Document) -> bytes:
    """Serialise a python-docx document reproducibly: fixed entry dates, sorted entry order."""
    saved = io.BytesIO()
    document.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        # Sorting puts [Content_Types].xml first, where Word and LibreOffice expect it.
        for name in sorted(src.namelist()):
            entry = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(name))
    return out.getvalue()


def template_sha256(path: Path) -> str:
    """Hex SHA-256 of a template file, recorded with every document rendered from it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
