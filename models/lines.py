"""Lines of work (业务条线): what a family of documents is about, read from data.

An office files documents for several fields of work (人口和计划生育, 妇女儿童 …).
A :class:`Line` names the subject its documents carry and the activity types,
indicators and checklists they read; ``wenshu/data/lines.yaml`` ships two lines,
and ``$WENSHU_HOME/catalogue/lines.yaml`` adds or replaces lines by key.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wenshu.errors import CatalogueError
from wenshu.models.catalogue import SHIPPED_DIR, Catalogue, read_yaml_mapping

LINES_FILE = "lines.yaml"


class Line(BaseModel):
    """One line of work: its documents' subject and the catalogue entries they read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    label: str = Field(min_length=1)  # 妇女儿童（妇联）: what a clerk picks from
    topic: str = Field(min_length=1)  # 妇女儿童工作: what titles print
    activities: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    checklists: tuple[str, ...] = ()
    # Set by load_lines, not in the file: the first line is the default, and it also reads
    # the types and indicators no other line lists (an office's own additions).
    default: bool = Field(False, exclude=True)
    others: frozenset[str] = Field(frozenset(), exclude=True)

    @property
    def identity(self) -> str:
        """What the line adds to its documents' archive identity (their topic): nothing for
        the default line, so documents filed before lines existed keep theirs."""
        return "" if self.default else self.key

    def restrict(self, catalogue: Catalogue) -> Catalogue:
        """The part of ``catalogue`` this line's documents read."""

        def reads(key: str, listed: tuple[str, ...]) -> bool:
            return key in listed or (self.default and key not in self.others)

        return catalogue.model_copy(update={
            "activities": {k: v for k, v in catalogue.activities.items()
                           if reads(k, self.activities)},
            "indicators": {k: v for k, v in catalogue.indicators.items()
                           if reads(k, self.indicators)},
        })


class Lines:
    """The lines an office works in, the first being the default."""

    def __init__(self, lines: dict[str, Line]):
        if not lines:
            raise CatalogueError("业务条线目录（lines.yaml）中没有任何条线")
        first, *rest = lines.values()
        others = frozenset(k for line in rest for k in (*line.activities, *line.indicators))
        self.default = first.model_copy(update={"default": True, "others": others})
        self.by_key = {**lines, first.key: self.default}

    def get(self, key: str | None) -> Line:
        """The line ``key`` (its key, label or topic); the default line for an empty key."""
        text = (key or "").strip()
        if not text:
            return self.default
        line = self.by_key.get(text) or next(
            (line for line in self.by_key.values() if text in (line.label, line.topic)), None)
        if line is None:
            known = "、".join(f"{line.key}（{line.label}）" for line in self.by_key.values())
            raise CatalogueError(f"没有业务条线“{text}”；可选：{known}")
        return line

    def of_checklist(self, key: str) -> Line:
        """The line a checklist inspects (its ``checklists``); the default line for a
        checklist no line lists (an office's own)."""
        return next((line for line in self.by_key.values() if key in line.checklists),
                    self.default)

    def of_activity(self, activity_type: str) -> Line:
        """The line whose documents count ``activity_type``."""
        return next((line for line in self.by_key.values() if activity_type in line.activities),
                    self.default)


def load_lines(catalogue: Catalogue, user_dir: Path | None = None) -> Lines:
    """The shipped lines, then the user's from ``user_dir``; every key a line lists must
    be in ``catalogue`` (a misspelt type would silently drop work from documents)."""
    lines: dict[str, Line] = {}
    for directory in (SHIPPED_DIR, user_dir):
        path = directory / LINES_FILE if directory is not None else None
        if path is None or not path.exists():
            continue
        for index, raw in enumerate(read_yaml_mapping(path).get("lines") or [], start=1):
            try:
                line = Line.model_validate(raw)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise CatalogueError(f"{path}：第{index}条业务条线（{where}）：{first['msg']}") from None
            lines[line.key] = line
    for line in lines.values():
        _check_line(line, catalogue)
    return Lines(lines)


def _check_line(line: Line, catalogue: Catalogue) -> None:
    for key in line.activities:
        if key not in catalogue.activities:
            raise CatalogueError(f"业务条线 {line.key}：活动类型目录中没有 {key}")
    for key in line.indicators:
        indicator = catalogue.indicators.get(key)
        if indicator is None:
            raise CatalogueError(f"业务条线 {line.key}：指标目录中没有 {key}")
        for source in (indicator.numerator, indicator.denominator):
            if source is not None and source.activity and source.activity not in line.activities:
                raise CatalogueError(f"业务条线 {line.key}：指标 {key} 读取的活动类型 "
                                     f"{source.activity} 不在本条线中")
