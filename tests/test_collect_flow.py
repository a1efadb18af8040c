"""Collecting an inbox: files filed under done/ or rejected/, and who has not reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import office_data

pytestmark = pytest.mark.prefect


@pytest.fixture
def inbox(tmp_path: Path, wenshu) -> Path:
    """Units imported; an inbox where two communities handed in 2025 ledgers, one a bad one."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    wenshu("units", "import", str(office_data.write_units(inputs)))
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
        "440307002002,2025-04-01,培训,培训,一,30,,,,\n"
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
