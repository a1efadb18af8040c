"""The rule tables filing reads: 保管期限 per document kind, 机构代码 per unit.

Both ship as data (``wenshu/data/retention.yaml``, ``wenshu/data/archive_orgs.yaml``)
and can be overridden, entry by entry, by files of the same name in the user's
catalogue folder (``$WENSHU_HOME/catalogue/``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from wenshu.errors import ArchiveError
from wenshu.models.catalogue import read_yaml_mapping

SHIPPED_DIR = Path(str(files("wenshu") / "data"))
RETENTIONS = ("Y", "D30", "D10")  # 永久, 定期30年, 定期10年
_ORG_CODE = re.compile(r"^[A-Z0-9]{1,16}$")


@dataclass(frozen=True)
class FilingRules:
    """Retention per kind and organisation code per unit, each with a default."""

    retention_default: str
    retention_by_kind: dict[str, str]
    org_default: str
    org_by_unit: dict[str, str]

    def retention_for(self, kind: str) -> str:
        """The 保管期限 code a document of ``kind`` is filed with."""
        return self.retention_by_kind.get(kind, self.retention_default)

    def org_code_for(self, unit_code: str) -> str:
        """The 机构（问题）代码 of the unit's filings."""
        return self.org_by_unit.get(unit_code, self.org_default)


def check_retention(code: str) -> str:
    """``code`` if it is a 保管期限 code (Y, D30, D10); raises :class:`ArchiveError` if not."""
    if code not in RETENTIONS:
        raise ArchiveError(f"保管期限“{code}”无效：应为 Y（永久）、D30（定期30年）或 D10（定期10年）")
    return code


def check_org_code(code: str) -> str:
    """``code`` if it is 1–16 capital letters or digits; raises :class:`ArchiveError` if not."""
    if not _ORG_CODE.match(code):
        raise ArchiveError(f"机构（问题）代码“{code}”无效：应为 1–16 位大写字母或数字"
                           "（如办公室 BGS）")
    return code


def load_filing_rules(user_dir: Path | None = None) -> FilingRules:
    """The shipped rule tables with the user's overrides from ``user_dir`` applied."""
    retention_default, by_kind = "D30", {}
    org_default, by_unit = "BGS", {}
    for directory in (SHIPPED_DIR, user_dir):
        if directory is None:
            continue
        retention = _read(directory / "retention.yaml")
        retention_default = check_retention(str(retention.get("default", retention_default)))
        by_kind.update({str(kind): check_retention(str(code))
                        for kind, code in (retention.get("kinds") or {}).items()})
        orgs = _read(directory / "archive_orgs.yaml")
        org_default = check_org_code(str(orgs.get("default", org_default)))
        by_unit.update({str(unit): check_org_code(str(code))
                        for unit, code in (orgs.get("units") or {}).items()})
    return FilingRules(retention_default, by_kind, org_default, by_unit)


def _read(path: Path) -> dict[str, Any]:
    return read_yaml_mapping(path, ArchiveError) if path.exists() else {}
