"""Campaign specs the campaign-plan tests share: a complete one for 东城街道, as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wenshu.models.campaign import CampaignSpec, parse_campaign

SAMPLE = Path(__file__).resolve().parents[1] / "wenshu" / "data" / "campaigns" / "sample.yaml"


def street_spec() -> dict[str, Any]:
    """A complete spec for 东城街道 (S1 of ``small_snapshot``), as plain data, fresh each call."""
    return {
        "code": "hyxf-2025",
        "name": "“婚育新风进万家”宣传月活动",
        "year": 2025,
        "participants": "all communities",
        "purpose": "深入宣传新型婚育文化",
        "basis": "《关于开展2025年“婚育新风进万家”活动的通知》",
        "guiding_idea": "以群众需求为导向，宣传与服务并重",
        "principles": [{"坚持群众主体": "从群众需求出发设计活动内容"}],
        "goals": {"text": "婚育新风知识进一步普及",
                  "indicators": [{"indicator": "check_rate", "target": "≥95%"},
                                 {"indicator": "出生人口性别比", "target": "103～107"}]},
        "phases": [
            {"name": "宣传发动", "start": "2025-05-21", "end": "2025-06-30",
             "tasks": ["召开动员会议", "利用宣传栏集中宣传婚育新风。"]},
            {"name": "集中服务阶段", "start": "2025-07-01", "end": "2025-09-30",
             "tasks": "上门提醒未按时参检的对象"},
            {"name": "总结验收", "start": "2025-10-08", "end": "2025-10-31", "exact": True},
        ],
        "leading_group": {"leader": "街道办事处主任", "deputies": ["分管副主任"],
                          "members": ["各社区党委书记"], "office": "街道计生办"},
        "requirements": ["加强督促检查", {"lead": "注重宣传实效", "text": "防止走过场"}],
        "report_due": "2025-11-10",
    }


def campaign_spec(**changes: Any) -> CampaignSpec:
    """``street_spec`` with ``changes``, validated."""
    return parse_campaign(street_spec() | changes, "spec.yaml")
