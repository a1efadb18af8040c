"""A campaign spec: what an office writes (YAML) to get a campaign's 实施方案.

The spec names the campaign, its year and units, its goals, principles, phases with
dates, leading group and requirements. Loading checks everything that can be checked
without the unit tree or the catalogue (slug, dates, phase order, target syntax) and
names the file and the field of every problem; the document generator checks unit
codes and indicators against the data it is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from wenshu.errors import CampaignSpecError
from wenshu.models.catalogue import TargetSpec
from wenshu.models.pydantic_words import pydantic_message
from wenshu.yaml_reader import parse_yaml

# The participant groups a spec may name instead of unit codes, by the level they select.
PARTICIPANT_GROUPS: dict[str, str] = {"all streets": "street", "all communities": "community"}

_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_SLUG_MAX = 40
# Text that still holds a template tag was copied from a template, not written.
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{%|%\}")
# YAML folds a long line with a space, which Chinese text does not have.
_FOLD = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
_NUMBER = r"\d+(?:\.\d+)?"
_TARGET = re.compile(
    rf"^(?P<cmp>≥|>=|≤|<=|=|＝)?(?P<low>{_NUMBER})(?P<unit1>[^\d～~—\-至]*)"
    rf"(?:(?:～|~|—|-|至)(?P<high>{_NUMBER})(?P<unit2>\D*))?$"
)
_COMPARATORS = {"≥": "ge", ">=": "ge", "≤": "le", "<=": "le", "=": "eq", "＝": "eq"}


def _clean_text(value: str) -> str:
    text = _FOLD.sub("", value.strip())
    if not text:
        raise ValueError("不能为空")
    if _PLACEHOLDER.search(text):
        raise ValueError(f"含有模板标记，像是从模板照抄而未填写：{text!r}")
    return text


Text = Annotated[str, AfterValidator(_clean_text)]


def _as_list(value: Any) -> Any:
    """A single value where a list is expected becomes a one-item list (YAML offices write both)."""
    if value is None:
        return []
    if isinstance(value, (str, int, Mapping)):
        return [value]
    return value


def _as_code(value: Any) -> Any:
    """Unit codes unquoted in YAML arrive as integers."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Texts = Annotated[tuple[Text, ...], BeforeValidator(_as_list)]
UnitCode = Annotated[str, BeforeValidator(_as_code), AfterValidator(_clean_text)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Item(_Frozen):
    """A numbered point: an optional bold lead (坚持以人为本) and its text.

    In YAML an item is ``{lead: …, text: …}``, plain text, or ``{lead text: text}``.
    """

    lead: Text | None = None
    text: Text

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"text": value}
        if isinstance(value, Mapping) and len(value) == 1 and not {"lead", "text"} & set(value):
            ((lead, text),) = value.items()
            return {"lead": lead, "text": text}
        return value


Items = Annotated[tuple[Item, ...], BeforeValidator(_as_list)]


def parse_target(text: str) -> tuple[TargetSpec, str]:
    """``≥95%`` → (ge 95, "%"); ``≤12‰``, ``=100%``, ``103～107``, ``>=20期`` likewise.

    The unit after the number is returned as written ("" if none) so it can be
    checked against the indicator's own. Raises ValueError saying what is accepted.
    """
    compact = re.sub(r"\s+", "", text)
    match = _TARGET.match(compact)
    if not match:
        raise ValueError(f"目标 {text!r} 格式不对，应写成 ≥95%、≤12‰、=100% 或 103～107")
    low, high = Decimal(match["low"]), match["high"]
    units = {u for u in (match["unit1"], match["unit2"]) if u}
    if len(units) > 1:
        raise ValueError(f"目标 {text!r} 写了两个不同的单位")
    unit = units.pop() if units else ""
    if high is not None:
        if match["cmp"]:
            raise ValueError(f"目标 {text!r}：区间前不加 ≥、≤ 或 =")
        if Decimal(high) < low:
            raise ValueError(f"目标 {text!r}：区间上限小于下限")
        return TargetSpec(comparator="range", value=low, high=Decimal(high)), unit
    if not match["cmp"]:
        raise ValueError(f"目标 {text!r}：请以 ≥、≤ 或 = 开头，或写成区间，如 103～107")
    return TargetSpec(comparator=_COMPARATORS[match["cmp"]], value=low), unit


class IndicatorGoal(_Frozen):
    """A catalogue indicator (key or Chinese label) and the target the campaign sets for it."""

    indicator: Text
    target: Text

    @field_validator("target")
    @classmethod
    def _target_parses(cls, value: str) -> str:
        parse_target(value)
        return value

    @property
    def target_spec(self) -> TargetSpec:
        """The target as a threshold."""
        return parse_target(self.target)[0]

    @property
    def target_unit(self) -> str:
        """The unit written after the target's number ("" if none)."""
        return parse_target(self.target)[1]


class Goals(_Frozen):
    """工作目标: paragraphs of text and indicator targets."""

    text: Texts = ()
    indicators: Annotated[tuple[IndicatorGoal, ...], BeforeValidator(_as_list)] = ()

    @field_validator("indicators")
    @classmethod
    def _each_indicator_once(cls, goals: tuple[IndicatorGoal, ...]) -> tuple[IndicatorGoal, ...]:
        seen: set[str] = set()
        for number, goal in enumerate(goals, start=1):
            if goal.indicator in seen:
                raise ValueError(f"indicators[{number}]：{goal.indicator} 重复填写")
            seen.add(goal.indicator)
        return goals


class Phase(_Frozen):
    """A stage of the campaign: name, first and last day, tasks.

    ``exact`` prints the dates as days (5月21日至6月30日) instead of 旬 or months.
    """

    name: Text
    start: date
    end: date
    exact: bool = False
    tasks: Texts = ()

    @model_validator(mode="after")
    def _ends_after_start(self) -> Phase:
        if self.end < self.start:
            raise ValueError(f"阶段「{self.name}」的结束日期 {self.end} 早于开始日期 {self.start}")
        return self


class LeadingGroup(_Frozen):
    """领导小组, its members named by role (区卫生健康局局长), and its office."""

    name: Text | None = None  # default: the unit's name + the campaign's + 领导小组
    leader: Text
    deputies: Texts = ()
    members: Texts = ()
    office: Text | None = None  # where the group's office sits, e.g. 区卫生健康局家庭发展科
    office_head: Text | None = None
    duties: Text | None = None  # what the group does, a sentence


class CampaignSpec(_Frozen):
    """A named campaign's plan as the office writes it."""

    code: str = Field(description="short ASCII slug, the archived document's topic")
    name: Text  # “婚育新风进万家”宣传月活动
    year: int = Field(ge=2000, le=2100)
    lead_unit: UnitCode | None = None  # default: the unit the plan is generated for
    participants: Annotated[tuple[UnitCode, ...], BeforeValidator(_as_list)] = ()
    purpose: Text | None = None  # what follows 为… in the opening
    basis: Text | None = None  # the notice the plan implements, e.g. 《关于…的通知》
    guiding_idea: Texts = ()
    principles: Items = ()
    goals: Goals = Goals()
    phases: Annotated[tuple[Phase, ...], BeforeValidator(_as_list)]
    leading_group: LeadingGroup | None = None
    requirements: Items = ()
    report_due: date | None = None  # participants report on the campaign by this day
    report_to: Text | None = None  # default: the lead unit

    @field_validator("code")
    @classmethod
    def _code_is_slug(cls, value: str) -> str:
        if not _SLUG.match(value) or len(value) > _SLUG_MAX:
            raise ValueError(f"{value!r} 不是简短代码：只用小写英文字母和数字，以 - 或 _ 连接，"
                             f"最多 {_SLUG_MAX} 个字符，如 hyxf-2025")
        return value

    @field_validator("participants")
    @classmethod
    def _groups_known(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        normal = []
        for value in values:
            group = " ".join(value.lower().split())
            if group.startswith("all ") and group not in PARTICIPANT_GROUPS:
                raise ValueError(f"不认识的单位组 {value!r}；请填单位代码，或以下之一："
                                 + "、".join(repr(g) for g in PARTICIPANT_GROUPS))
            normal.append(group if group in PARTICIPANT_GROUPS else value)
        duplicates = sorted({v for v in normal if normal.count(v) > 1})
        if duplicates:
            raise ValueError(f"重复填写：{'、'.join(duplicates)}")
        return tuple(normal)

    @field_validator("phases")
    @classmethod
    def _phases_in_order(cls, phases: tuple[Phase, ...], info: ValidationInfo
                         ) -> tuple[Phase, ...]:
        if not phases:
            raise ValueError("至少要有一个阶段（name、start、end、tasks）")
        year = info.data.get("year")
        for number, phase in enumerate(phases, start=1):
            if year is not None and phase.start.year != year:
                raise ValueError(f"phases[{number}]（{phase.name}）开始于 {phase.start}，"
                                 f"不在活动年度 {year} 内")
            if number == 1:
                continue
            before = phases[number - 2]
            if phase.start < before.start:
                raise ValueError(f"phases[{number}]（{phase.name}）开始于 {phase.start}，"
                                 f"早于 phases[{number - 1}]（{before.name}）的 {before.start}："
                                 "请按日期先后排列各阶段")
            if phase.start <= before.end:
                raise ValueError(f"phases[{number}]（{phase.name}）开始于 {phase.start}，"
                                 f"早于 phases[{number - 1}]（{before.name}）结束的 {before.end}："
                                 "各阶段不能重叠")
        return phases

    @field_validator("report_due")
    @classmethod
    def _report_after_start(cls, due: date | None, info: ValidationInfo) -> date | None:
        phases = info.data.get("phases")
        if due is not None and phases and due < phases[0].start:
            raise ValueError(f"{due} 早于活动开始日期（{phases[0].start}）")
        return due

    @property
    def start(self) -> date:
        """The campaign's first day."""
        return self.phases[0].start

    @property
    def end(self) -> date:
        """The campaign's last day."""
        return self.phases[-1].end


def _where(location: tuple[int | str, ...]) -> str:
    """``('phases', 1, 'end')`` → ``phases[2].end``: list items counted from 1, as a reader counts."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else part
    return text or "（顶层）"


def campaign_errors(exc: ValidationError) -> list[str]:
    """One line per problem: ``field：message``, in Chinese."""
    lines = []
    for error in exc.errors():
        # Validators of a model or a list report at its own location; union branches
        # and validator functions add names a reader did not write.
        location = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        message = pydantic_message(error)
        where = _where(location)
        # A list's own validator already names the item (phases[2] …).
        lines.append(message if message.startswith(f"{where}[") else f"{where}：{message}")
    return lines


# What a spec gets wrong against the unit tree and the catalogue (found by
# generators.campaign_resolve) or against the document asked for (generators.campaign_plan),
# by English name, as the clerk reads it.
_PROBLEMS: dict[str, str] = {
    "unit_not_given": "{source}：单位 {unit!r} 不在所给单位中",
    "outside": "不是{name}（{code}）或其下属单位",
    "unknown_unit": "{where}：未知单位代码 {code!r}（{outside}）",
    "empty_group": "{where}：{entry!r}：{name}下没有{noun}",
    "repeated_units": "participants：{codes} 重复（单位组已包含这些单位）",
    "unknown_indicator": "{where}.indicator：未知指标 {indicator!r}；可用的指标：{known}",
    "goal_twice": "{where}.indicator：{label} 已有目标",
    "target_unit": "{where}.target：{target!r} 的单位是 {unit}，而{label}以{expected}计",
    "plain_numbers": "纯数字",
    "wrong_year": "活动方案 {code}：方案年度为 {year}，不是 {period}",
    "wrong_topic": "活动方案 {code}：文档主题应为活动代码，不是 {topic!r}",
}


def spec_problem(key: str, **values: object) -> str:
    """One problem of a spec (``key`` names it, see :data:`_PROBLEMS`), worded for the clerk."""
    return _PROBLEMS[key].format(**values)


def spec_problems(source: str, problems: Sequence[str]) -> CampaignSpecError:
    """The error for a campaign spec with ``problems`` (one line each), naming ``source``."""
    return CampaignSpecError(f"{source}：活动方案有 {len(problems)} 处问题：\n"
                             + "\n".join(f"  {problem}" for problem in problems))


def parse_campaign(data: Any, source: str) -> CampaignSpec:
    """Validate plain data as a campaign spec; errors name ``source`` and every bad field."""
    if not isinstance(data, Mapping):
        raise CampaignSpecError(f"{source}：活动方案的最外层应为字段表（code、name、year、"
                                "phases……）")
    try:
        return CampaignSpec.model_validate(data)
    except ValidationError as exc:
        raise spec_problems(source, campaign_errors(exc)) from exc


def load_campaign(path: Path) -> CampaignSpec:
    """Read and validate a campaign spec file (YAML, UTF-8)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CampaignSpecError(f"找不到活动方案文件：{path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CampaignSpecError(f"{path}：无法读取活动方案：{exc}") from exc
    return campaign_from_text(str(path), text)


def campaign_from_text(source: str, text: str) -> CampaignSpec:
    """A campaign spec's YAML text, validated; ``source`` (its name) names it in errors."""
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise CampaignSpecError(f"{source}：不是有效的 YAML：{exc}") from exc
    return parse_campaign(data, source)
