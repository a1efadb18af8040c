"""The shipped Word templates (``docx/*.docx``), built by ``wenshu.generators.template_build``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from wenshu.errors import TemplateError

TEMPLATE_DIR = Path(str(files("wenshu.templates") / "docx"))


def template_path(name: str) -> Path:
    """The path of the shipped template ``name`` (e.g. ``"year_summary"``)."""
    path = TEMPLATE_DIR / f"{name}.docx"
    if not path.is_file():
        raise TemplateError(f"no template {name!r} (looked for {path})")
    return path
