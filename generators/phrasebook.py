"""Phrasebooks: a document kind's Chinese wording, kept as data and filled by code.

A phrasebook is a YAML file under ``wenshu/data/phrases/<name>.yaml``::

    placeholders:           # every name a phrase may use, with what it stands for
      unit: 单位名称
    phrases:
      opening.lead:         # one phrase, or a list of variants
        - "{when}，{unit}…"

Checked on load: every placeholder a phrase uses is declared, and nothing but
plain ``{name}`` fields appear. A user's file of the same name in the catalogue
directory (``$WENSHU_HOME/catalogue/phrases/``) replaces phrases by key, the way
the catalogues are extended; it may only reword phrases the shipped book has and
use the placeholders the shipped phrase is filled with. A line of work (业务条线,
``lines.yaml``) rewords phrases the same way from ``phrases/<line>/<name>.yaml``.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from wenshu.errors import CatalogueError
from wenshu.models.catalogue import SHIPPED_DIR, read_yaml_mapping

PHRASES_SUBDIR = "phrases"


@dataclass(frozen=True)
class Phrasebook:
    """Phrases by key, each a tuple of interchangeable variants."""

    name: str
    phrases: dict[str, tuple[str, ...]]
    placeholders: dict[str, str]

    def say(self, key: str, *vary: object, **values: object) -> str:
        """The phrase ``key`` filled with ``values``; among variants, one chosen by a hash
        of ``vary`` (the same inputs always give the same words)."""
        variants = self.phrases.get(key)
        if variants is None:
            raise KeyError(f"phrasebook {self.name} has no phrase {key!r}")
        digest = hashlib.sha256("|".join(map(str, (key, *vary))).encode("utf-8")).digest()
        template = variants[digest[0] % len(variants)]
        try:
            return template.format(**values)
        except KeyError as exc:
            raise KeyError(f"phrase {key!r} needs {exc.args[0]!r}") from exc

    def fields(self, key: str) -> set[str]:
        """The placeholders any variant of ``key`` uses."""
        return {name for variant in self.phrases[key] for name in _fields(variant)}


def _fields(template: str) -> list[str]:
    """The placeholder names in ``template``; anything but plain {name} is refused."""
    names = []
    for _text, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"只能使用 {{名称}} 形式的占位符，不能使用 {{{name}}}")
        names.append(name)
    return names


def _variants(path: Path, key: str, value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) and item.strip() for item in items):
        raise CatalogueError(f"{path}：短语 {key} 须为一句文字或文字列表，且不能为空")
    return tuple(items)


def _read(path: Path) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    data = read_yaml_mapping(path)
    phrases = data.get("phrases")
    placeholders = data.get("placeholders", {})
    if not isinstance(phrases, dict) or not isinstance(placeholders, dict):
        raise CatalogueError(f"{path}：须含 phrases（短语）映射，placeholders 若有也须为映射")
    return ({str(k): _variants(path, str(k), v) for k, v in phrases.items()},
            {str(k): str(v) for k, v in placeholders.items()})


def _check(path: Path, key: str, variants: tuple[str, ...], allowed: set[str]) -> None:
    for variant in variants:
        try:
            unknown = set(_fields(variant)) - allowed
        except ValueError as exc:
            raise CatalogueError(f"{path}：短语 {key}：{exc}") from exc
        if unknown:
            names = "、".join(f"{{{name}}}" for name in sorted(unknown))
            raise CatalogueError(f"{path}：短语 {key} 使用了未知的占位符 {names}")


def load_phrasebook(name: str, user_dir: Path | None = None, line: str = "") -> Phrasebook:
    """The shipped phrasebook ``name``, reworded in turn by the line's own file
    (``phrases/<line>/<name>.yaml``), then the user's files of the same names under
    ``user_dir`` (read again when they change)."""
    overlays = [SHIPPED_DIR / PHRASES_SUBDIR / line / f"{name}.yaml"] if line else []
    if user_dir is not None:
        overlays.append(user_dir / PHRASES_SUBDIR / f"{name}.yaml")
        if line:
            overlays.append(user_dir / PHRASES_SUBDIR / line / f"{name}.yaml")
    present = tuple((path, path.stat().st_mtime_ns) for path in overlays if path.exists())
    return _load(name, present)


@lru_cache(maxsize=32)
def _load(name: str, overlays: tuple[tuple[Path, int], ...]) -> Phrasebook:
    shipped = SHIPPED_DIR / PHRASES_SUBDIR / f"{name}.yaml"
    phrases, placeholders = _read(shipped)
    for key, variants in phrases.items():
        _check(shipped, key, variants, set(placeholders))
    book = Phrasebook(name, phrases, placeholders)
    for path, _stamp in overlays:
        overrides, _ = _read(path)
        for key, variants in overrides.items():
            if key not in book.phrases:
                raise CatalogueError(f"{path}：短语 {key} 不在内置短语库 {name} 中，无法替换")
            _check(path, key, variants, book.fields(key))
        book = Phrasebook(name, book.phrases | overrides, placeholders)
    return book
