"""The CLI's front door, as the reported attempts tried it: nobody adds themselves as a
supervisor, a clerk writes only for their own units, and data cannot name a path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests import office_data
from tests.people import ADMIN, PASSWORD


def test_the_first_administrator_then_only_administrators_add_users(
        wenshu: Callable[..., str], tmp_path: Path) -> None:
    wenshu("units", "import", str(office_data.write_units(tmp_path)), expect=1)  # nobody acting
    wenshu("users", "create-admin", ADMIN, "--password-stdin", input=PASSWORD + "\n")
    again = wenshu("users", "create-admin", "第二个", "--password-stdin",
                   input=PASSWORD + "\n", expect=1)
    assert "已有管理员" in again
    wenshu("--user", ADMIN, "units", "import", str(office_data.write_units(tmp_path)))

    # The reported impersonation: no acting user, then a non-administrator.
    out = wenshu("users", "add", "冒充者", "--role", "supervisor", "--unit", "440307", expect=1)
    assert "请指明操作人" in out and "Traceback" not in out
    wenshu("--user", ADMIN, "users", "add", "办事员王五", "--role", "clerk",
           "--unit", "440307001001", "--no-password")
    out = wenshu("users", "add", "冒充者", "--role", "supervisor", "--unit", "440307",
                 "--user", "办事员王五", expect=1)  # --user after the subcommand is read too
    assert "无权管理用户和单位" in out
    listed = wenshu("--user", ADMIN, "users", "list")
    assert "办事员王五" in listed and "冒充者" not in listed
    assert "refused" in wenshu("--user", ADMIN, "archive", "log", "--refused")


def test_a_clerk_writes_only_for_their_own_units(office: Path, wenshu: Callable[..., str],
                                                 tmp_path: Path) -> None:
    wenshu("--user", ADMIN, "users", "add", "办事员王五", "--role", "clerk",
           "--unit", "440307001001", "--no-password")
    other = tmp_path / "别的街道.csv"
    other.write_text("单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注\n"
                     "440307002001,2025-10-10,宣传,别的街道的宣传,1,,,200,,\n",
                     encoding="utf-8")
    out = wenshu("--user", "办事员王五", "ledger", "import", str(other), expect=1)
    assert "440307002001" in out and "不属于" in out
    targets = tmp_path / "targets.csv"
    targets.write_text("unit_code,year,indicator,comparator,value\n"
                       "440307002,2025,check_rate,≥,50\n", encoding="utf-8")
    out = wenshu("--user", "办事员王五", "targets", "import", str(targets), expect=1)
    assert "不属于" in out
    out = wenshu("--user", "办事员王五", "units", "import", str(office_data.write_units(tmp_path)),
                 expect=1)
    assert "无权管理用户和单位" in out


def test_a_unit_code_cannot_steer_a_path(wenshu: Callable[..., str], tmp_path: Path) -> None:
    wenshu("users", "create-admin", ADMIN, "--password-stdin", input=PASSWORD + "\n")
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,parent_code\n440307,示范区,district,\n"
                     "../../../escape_target/x,越界社区,community,440307\n", encoding="utf-8")
    out = wenshu("--user", ADMIN, "units", "import", str(units), expect=1)
    assert "只能由字母、数字" in out
    out = wenshu("--user", ADMIN, "summary", "year", "--unit", "../../../escape_target/x",
                 "--year", "2025", expect=2)
    assert "只能由字母、数字" in out
    assert not (tmp_path.parent / "escape_target").exists()
