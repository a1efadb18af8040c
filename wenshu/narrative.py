"""Staff-written text merged into generated documents: 亮点, 做法, 问题, 打算.

A 做法 paragraph names the work it belongs to before a colon (``教育培训：…``); a
summary places it in that work's part, after the topics the ledgers record.

Accepted forms:

- YAML with keys ``亮点``/``highlights``, ``做法``/``measures``, ``问题``/``problems``,
  ``打算``/``plans``, each a paragraph or a list of paragraphs;
- Markdown with headings ``# 亮点`` / ``## 问题`` / ``## 打算`` (any level),
  paragraphs separated by blank lines;
- plain text (.txt): every paragraph is a plan for next year (the 打算 section).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from wenshu.errors import WenshuError
from wenshu.yaml_reader import parse_yaml

_SECTIONS = {
    "highlights": ("亮点", "highlights", "工作亮点", "特色亮点"),
    "problems": ("问题", "problems", "存在问题"),
    "plans": ("打算", "plans", "工作打算", "下一年工作打算", "工作思路"),
    "measures": ("做法", "measures", "主要做法", "工作措施"),
}


@dataclass(frozen=True)
class Narrative:
    """Paragraphs staff wrote for each narrative section."""

    highlights: tuple[str, ...] = field(default=())
    problems: tuple[str, ...] = field(default=())
    plans: tuple[str, ...] = field(default=())
    measures: tuple[str, ...] = field(default=())  # 教育培训：… — what was done, per work

    def merged(self, other: Narrative) -> Narrative:
        """This narrative with ``other``'s paragraphs appended."""
        return Narrative(self.highlights + other.highlights, self.problems + other.problems,
                         self.plans + other.plans, self.measures + other.measures)

    def as_dict(self) -> dict[str, list[str]]:
        """Plain data, for hashing into a document's inputs (measures only when given, so
        documents made before they existed keep their digest)."""
        data = {"highlights": list(self.highlights), "problems": list(self.problems),
                "plans": list(self.plans)}
        return data | ({"measures": list(self.measures)} if self.measures else {})


def _section_of(name: str) -> str | None:
    name = name.strip().strip("#").strip().rstrip("：:").lower()
    for section, names in _SECTIONS.items():
        if name in names:
            return section
    return None


def _paragraphs(text: str) -> tuple[str, ...]:
    blocks = re.split(r"\n\s*\n", text.strip())
    return tuple(" ".join(line.strip() for line in b.splitlines()) for b in blocks if b.strip())


def parse_narrative(path: Path) -> Narrative:
    """Read a narrative file (.yaml/.yml, .md or .txt)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise WenshuError(f"{path}：无法读取工作人员撰写的内容（{exc}）") from exc
    return narrative_from_text(str(path), text)


def narrative_from_text(source: str, text: str) -> Narrative:
    """A narrative file's text; ``source`` (its name or path) gives the format by its
    suffix (.yaml/.yml, .md or .txt) and names it in errors."""
    suffix = Path(source).suffix.lower()
    if suffix == ".txt":
        return Narrative(plans=_paragraphs(text))
    if suffix in (".yaml", ".yml"):
        return _from_yaml(source, text)
    if suffix == ".md":
        return _from_markdown(source, text)
    raise WenshuError(f"{source}：工作人员撰写的内容须为 .yaml、.md 或 .txt 文件")


def _from_yaml(path: str, text: str) -> Narrative:
    try:
        data = parse_yaml(text) or {}
    except yaml.YAMLError as exc:
        raise WenshuError(f"{path}：不是有效的 YAML 文件：{exc}") from exc
    if not isinstance(data, dict):
        raise WenshuError(f"{path}：应包含“亮点”“问题”“打算”等部分")
    found: dict[str, tuple[str, ...]] = {}
    for key, value in data.items():
        section = _section_of(str(key))
        if section is None:
            raise WenshuError(f"{path}：不认识的部分“{key}”（可用：亮点、做法、问题、打算）")
        items = [value] if isinstance(value, str) else list(value or [])
        found[section] = tuple(str(item).strip() for item in items if str(item).strip())
    return Narrative(**found)


def _from_markdown(path: str, text: str) -> Narrative:
    found: dict[str, list[str]] = {}
    current: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if current is not None:
            found.setdefault(current, []).extend(_paragraphs("\n".join(lines)))

    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            flush()
            current, lines = _section_of(line), []
            if current is None:
                raise WenshuError(f"{path}：不认识的部分“{line.strip()}”（可用：亮点、做法、问题、打算）")
        elif current is None and line.strip():
            raise WenshuError(f"{path}：第一个标题（# 亮点、# 问题 或 # 打算）之前有文字")
        else:
            lines.append(line)
    flush()
    return Narrative(**{k: tuple(v) for k, v in found.items()})
