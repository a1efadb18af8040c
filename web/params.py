"""Path and query parameters every router shares, validated before a handler runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Path, Query

from wenshu.codes import UNIT_CODE

UNIT_PATTERN = f"^{UNIT_CODE.pattern}$"
PERIOD_PATTERN = r"^\d{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2]))?$"

UnitPath = Annotated[str, Path(pattern=UNIT_PATTERN, description="单位代码")]
UnitQuery = Annotated[str | None, Query(pattern=UNIT_PATTERN, description="单位代码")]
PeriodQuery = Annotated[str | None, Query(pattern=PERIOD_PATTERN,
                                          description="期间：2025、2025H1、2025Q3、2025-03")]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="年度")]
LineQuery = Annotated[str, Query(max_length=64, description="业务条线（默认：第一条）")]
DocumentPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="文档编号")]
VersionPath = Annotated[int, Path(ge=1, le=9999, description="版本号")]
FORMATS = ("docx", "pdf", "pdf_filed", "dat46")
FormatPath = Annotated[str, Path(pattern="^(docx|pdf|pdf_filed|dat46)$", description="文件格式")]
TokenPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="令牌编号")]
JobPath = Annotated[str, Path(pattern="^[0-9a-f]{32}$", description="任务编号")]
UploadPath = Annotated[str, Path(pattern="^[0-9a-f]{32}$", description="上传编号")]


def prefixed(fields: Mapping[str, str], prefix: str) -> dict[str, str]:
    """A form's fields named ``prefix…``, by the rest of their names: a form's rows of
    items (value:boards → boards) or a part of it (campaign.name → name)."""
    return {k.removeprefix(prefix): v for k, v in fields.items() if k.startswith(prefix)}
