"""Collecting an inbox: files filed under done/ or rejected/, who has not reported, and
what is never followed (symlinks) or collected (folders not named by a unit code)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests import office_data
from tests.conftest import OFFICE_SUPERVISOR
from tests.people import cli_add_user, cli_admin_and_units
from wenshu.collect import FileOutcome, collect_file, inbox_files, scan_inbox
from wenshu.db import session_scope
from wenshu.errors import CodeError
from wenshu.models.catalogue import load_catalogue
from wenshu.models.tables import Activity
from wenshu.settings import get_settings
from wenshu.workflows.collect import collect_ledgers

pytestmark = pytest.mark.prefect


@pytest.fixture
def inbox(tmp_path: Path, wenshu, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Units imported; an inbox where two communities handed in 2025 ledgers, one a bad
    one; the district's supervisor collects it."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    cli_admin_and_units(wenshu, inputs)
    cli_add_user(wenshu, OFFICE_SUPERVISOR, "supervisor", "440307")
    monkeypatch.setenv("WENSHU_USER", OFFICE_SUPERVISOR)
    box = tmp_path / "inbox"
    for code in ("440307001001", "440307002001"):
        folder = box / code
        folder.mkdir(parents=True)
        rows = [office_data.ledger_rows(2025)[0]]
        rows += [line for line in office_data.ledger_rows(2025)[1:] if line.startswith(code)]
        (folder / "台账.csv").write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    bad = box / "440307002002"
    bad.mkdir()
    (bad / "台账.csv").write_text(
        "单位代码,日期,活动类型,主题,场次,人次,户数,份数,金额,备注\n"
        "440307002002,2025-04-01,培训,培训,若干,30,,,,\n"
        "440307001001,2025-04-01,培训,别家的行,1,30,,,,\n", encoding="utf-8")
    return box


def test_collect_files_everything_and_reports_completeness(inbox, wenshu):
    output = wenshu("collect", "--inbox", str(inbox), "--period", "2025")
    assert (inbox / "440307001001" / "done" / "台账.csv").is_file()
    assert (inbox / "440307002001" / "done" / "台账.csv").is_file()
    rejected = inbox / "440307002002" / "rejected"
    assert (rejected / "台账.csv").is_file()
    report = (rejected / "台账.errors.csv").read_text(encoding="utf-8-sig")
    assert "not_a_number" in report and "unit_mismatch" in report
    assert not any(p.is_file() for p in inbox.glob("*/*.csv"))  # nothing left unfiled
    # Of 4 communities, 2 reported; the rejected one counts as not submitted.
    assert "2 of 4 units submitted (50.0%)" in output
    assert "西山社区(440307002002)" in output and "东山社区(440307001002)" in output

    # Handing the same file in again stores nothing new.
    again = inbox / "440307001001" / "台账.csv"
    again.write_bytes((inbox / "440307001001" / "done" / "台账.csv").read_bytes())
    second = wenshu("collect", "--inbox", str(inbox), "--period", "2025")
    assert "unchanged" in second
    assert (inbox / "440307001001" / "done" / "台账.1.csv").is_file()


def _entries(outcomes) -> dict[tuple[str, str], FileOutcome]:  # noqa: ANN001
    return {(o.unit_code, o.name): o for o in outcomes}


def test_symlinks_and_bad_folder_names_are_skipped_and_reported(inbox, wenshu, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.csv"
    secret.write_text("\n".join(office_data.ledger_rows(2025)) + "\n", encoding="utf-8-sig")
    # A unit's folder that is a link to another unit's folder; links to files outside.
    (inbox / "440307001002").symlink_to(inbox / "440307002001", target_is_directory=True)
    (inbox / "440307002001" / "passwd.csv").symlink_to("/etc/passwd")
    (inbox / "440307002001" / "secret.csv").symlink_to(secret)
    # An error report name taken by a link: writing the report would follow it.
    (inbox / "440307002002" / "台账.errors.csv").symlink_to(outside / "report.csv")
    # A folder not named by a unit code; a unit whose rejected/ leads outside.
    odd = inbox / "..escape target"
    odd.mkdir()
    (odd / "台账.csv").write_bytes(secret.read_bytes())
    dept = inbox / "440307900"
    dept.mkdir()
    (dept / "rejected").symlink_to(outside, target_is_directory=True)
    (dept / "台账.csv").write_text("单位代码,日期\n440307900,不是日期\n", encoding="utf-8")

    scan = scan_inbox(inbox)
    assert [(unit, path.name) for unit, path in scan.files] == [
        ("440307001001", "台账.csv"), ("440307002001", "台账.csv")]
    skipped = _entries(scan.skipped)
    assert set(skipped) == {("..escape target", ""), ("440307001002", ""),
                            ("440307002001", "passwd.csv"), ("440307002001", "secret.csv"),
                            ("440307002002", "台账.csv"), ("440307002002", "台账.errors.csv"),
                            ("440307900", "")}
    assert all(o.status == "skipped" and o.errors == 0 for o in scan.skipped)
    assert "单位代码“..escape target”无效" in skipped[("..escape target", "")].message
    assert "“440307001002”是符号链接" in skipped[("440307001002", "")].message
    assert "“440307002001/passwd.csv”是符号链接" in skipped[("440307002001", "passwd.csv")].message
    assert "其错误报告“台账.errors.csv”是符号链接" in skipped[("440307002002", "台账.csv")].message
    assert "rejected" in skipped[("440307900", "")].message
    assert inbox_files(inbox) == list(scan.files)

    outcomes, report = collect_ledgers(str(inbox), "2025", user=OFFICE_SUPERVISOR)
    collected = _entries(outcomes)
    assert {key: o.status for key, o in collected.items() if o.status != "skipped"} == {
        ("440307001001", "台账.csv"): "imported", ("440307002001", "台账.csv"): "imported"}
    assert set(collected) - set(skipped) == {("440307001001", "台账.csv"),
                                             ("440307002001", "台账.csv")}
    # Nothing outside was read, written or moved into; the links and skipped files stay.
    assert sorted(p.name for p in outside.iterdir()) == ["secret.csv"]
    assert (inbox / "440307002001" / "passwd.csv").is_symlink()
    assert (odd / "台账.csv").is_file() and (dept / "台账.csv").is_file()
    assert (inbox / "440307002002" / "台账.csv").is_file()
    assert [u.code for u in report.submitted] == ["440307001001", "440307002001"]


def test_a_file_is_never_imported_then_moved_through_a_symlink(inbox, wenshu, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = inbox / "440307001001"
    (folder / "done").symlink_to(outside, target_is_directory=True)  # planted after the scan
    settings = get_settings()
    outcome = collect_file(settings, load_catalogue(), "440307001001", folder / "台账.csv")
    assert (outcome.status, outcome.moved_to) == ("skipped", folder / "台账.csv")
    assert "done" in outcome.message and "符号链接" in outcome.message
    assert list(outside.iterdir()) == [] and (folder / "台账.csv").is_file()
    with session_scope(settings) as session:
        assert session.scalar(select(func.count()).select_from(Activity)) == 0
    with pytest.raises(CodeError, match="单位代码“../x”无效"):
        collect_file(settings, load_catalogue(), "../x", folder / "台账.csv")


def test_the_monthly_collection_names_who_is_missing_and_late(inbox, wenshu):
    """The scheduled flow, run for March 2025 today: the ledgers came in long after the
    10 April deadline, and the communities without a March row are missing."""
    from wenshu.workflows.scheduled import monthly_collection

    summary = monthly_collection(root="440307", user=OFFICE_SUPERVISOR, period="2025-03",
                                 inbox=str(inbox))
    assert summary["period"] == "2025-03"
    assert sorted(summary["files"]) == ["440307001001/台账.csv: imported",
                                        "440307002001/台账.csv: imported",
                                        "440307002002/台账.csv: rejected"]
    assert (summary["submitted"], sorted(summary["missing"]), sorted(summary["late"])) == (
        2, ["东山社区", "西山社区"], ["东湖社区", "西湖社区"])
