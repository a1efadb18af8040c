"""What a clerk asks to generate: a :class:`GenerateRequest` (kind, unit, period, options,
staff paragraphs, GB/T 9704 blocks), read from plain data with each problem named by its
field in Chinese. :mod:`wenshu.services.documents` checks and runs it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from wenshu.errors import WenshuError
from wenshu.periods import Period

KindKey = Literal["year_summary", "half_year_summary", "work_plan", "campaign_plan",
                  "self_inspection"]


class RequestError(WenshuError):
    """A generation request that cannot be run as given; ``field`` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class KindInfo:
    """A kind a clerk can generate on demand, and what its period looks like."""

    key: str
    label: str
    flow: str
    period_hint: str  # what the period field takes, in Chinese


KINDS: dict[str, KindInfo] = {k.key: k for k in (
    KindInfo("year_summary", "年度工作总结", "year_end_summary", "年度，如 2025"),
    KindInfo("half_year_summary", "半年工作总结", "half_year_summary", "年度，如 2026（上半年）"),
    KindInfo("work_plan", "工作计划", "work_plan", "年度 2027 或季度 2027Q1"),
    KindInfo("campaign_plan", "实施方案", "campaign_plan", "由方案文件给出"),
    KindInfo("self_inspection", "自查报告", "self_inspection", "年度，如 2025"),
)}


class Narrative(BaseModel):
    """Staff paragraphs typed in: 亮点, 问题, 打算, 做法 ('教育培训：…'; one paragraph per line)."""

    highlights: list[str] = Field(default_factory=list, max_length=50)
    problems: list[str] = Field(default_factory=list, max_length=50)
    plans: list[str] = Field(default_factory=list, max_length=50)
    measures: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("highlights", "problems", "plans", "measures")
    @classmethod
    def _paragraphs(cls, value: list[str]) -> list[str]:
        kept = [p.strip() for p in value if p.strip()]
        if any(len(p) > 2000 for p in kept):
            raise ValueError("每段最多2000字")
        return kept


class Letterhead(BaseModel):
    """The optional GB/T 9704 blocks."""

    doc_number: str = Field("", max_length=60)
    addressee: str = Field("", max_length=200)
    attachments: list[str] = Field(default_factory=list, max_length=20)
    copy_to: list[str] = Field(default_factory=list, max_length=20)
    printed_by: str = Field("", max_length=100)


class GenerateRequest(BaseModel):
    """What to generate: one kind, for a unit (and its subtree) and period."""

    kind: KindKey
    unit_code: str = Field(min_length=1, max_length=32)
    period: str = Field("", max_length=16)  # not needed for a campaign plan
    all_levels: bool = False
    script: Literal["simplified", "traditional"] = "simplified"
    issued_on: date | None = None
    signature_unit: str | None = Field(None, max_length=100)
    narrative: Narrative = Field(default_factory=Narrative)
    narrative_files: list[str] = Field(default_factory=list)
    letterhead: Letterhead = Field(default_factory=Letterhead)
    spec_file: str | None = None  # campaign plan: the spec (.yaml)
    checklist: str | None = None  # self-inspection: a shipped checklist's name or a file
    answers_file: str | None = None  # self-inspection: the unit's answers (.yaml)
    line: str = Field("", max_length=64)  # the line of work (业务条线); empty: the default line


FIELD_LABELS = {"kind": "文种", "unit_code": "单位", "period": "期间", "script": "字体",
                "issued_on": "成文日期", "signature_unit": "署名", "narrative": "工作亮点等",
                "letterhead": "版头版记", "spec_file": "方案文件", "checklist": "检查标准",
                "answers_file": "自查答复文件", "line": "业务条线"}


def parse_request(data: Mapping[str, Any]) -> GenerateRequest:
    """A request from plain data (a form, JSON, CLI options); the first problem is a
    :class:`RequestError` naming its field in Chinese."""
    try:
        return GenerateRequest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        raise RequestError(field, f"{FIELD_LABELS.get(field, field)}填写有误："
                                  f"{first['msg']}") from None


def request_year(req: GenerateRequest) -> int:
    """The year a yearly kind is for, or a :class:`RequestError` on the period field."""
    try:
        period = Period.parse(req.period)
    except ValueError:
        raise RequestError("period", f"期间“{req.period}”无效："
                                     f"{KINDS[req.kind].period_hint}") from None
    if period.code != str(period.start.year):
        raise RequestError("period", f"{KINDS[req.kind].label}按年度生成，期间应为年份，如 2025")
    return period.start.year


__all__ = ["FIELD_LABELS", "KINDS", "GenerateRequest", "KindInfo", "Letterhead", "Narrative",
           "RequestError", "parse_request", "request_year"]
