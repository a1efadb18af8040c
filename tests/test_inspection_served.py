"""A supervisor's inspection end to end, as an office runs it: in-process first, then
the follow-up served as a deployment on a Prefect server this test starts on loopback,
triggered by run id, its documents opened and read."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from pypdf import PdfReader

from tests.inspection_data import CHECKLIST, INSPECTED, ISSUED, findings_csv
from tests.people import cli_add_user
from wenshu.settings import Settings

# The office end to end -----------------------------------------------------------------------

EAST_LAKE, EAST_HILL, WEST_LAKE, WEST_HILL = ("440307001001", "440307001002", "440307002001",
                                              "440307002002")
UNITS = [EAST_LAKE, EAST_HILL, WEST_LAKE, WEST_HILL]
# tests/office_data: screened 2024 90.00%, 90.00%, 90.91%, 87.84% (2.16 short: 15 points);
# 2025 95.00%, 80.00% (10 short: none, the veto), 90.91%, 92.16%. No unit filed a plan.
FINDINGS_2024 = {
    EAST_LAKE: dict(boards=6, room="是", work_log=18),  # 30+20+10+18 = 78
    EAST_HILL: dict(boards=3, room={"value": "否", "note": "活动室被临时占用"}, work_log=15),  # 55
    WEST_LAKE: dict(boards=5, room="是", work_log=18),  # 78
    WEST_HILL: dict(boards=4, room="是", work_log=20),  # 15+10+10+20 = 55
}
FINDINGS_2025 = {
    EAST_LAKE: dict(boards=6, room="是", work_log=20),  # 80
    EAST_HILL: dict(boards=5, room="否", work_log=15),  # 0+20+0+15 = 35, vetoed
    WEST_LAKE: dict(boards=5, room="是", work_log=16),  # 76
    WEST_HILL: dict(boards=5, room="是", work_log=20),  # 80
}


def _texts(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    document = docx.Document(str(path))
    return ([p.text for p in document.paragraphs],
            [[[c.text for c in row.cells] for row in table.rows] for table in document.tables])


def _pdf_text(path: Path) -> str:
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    return text.replace(" ", "").replace("\n", "")


def _by_kind(outcomes: list[Any]) -> tuple[dict[str, Any], Any]:
    reports = {o.key.unit_code: o for o in outcomes if o.key.kind == "inspection_report"}
    [bulletin] = [o for o in outcomes if o.key.kind == "inspection_bulletin"]
    return reports, bulletin


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[str]:
    """A Prefect server on a free loopback port, its home in tmp, stopped (SIGTERM) after."""
    from wenshu.workflows.server import start_server

    server = start_server(Settings(home=tmp_path / "prefect-server"), timeout=90)
    try:
        yield server.api_url
    finally:
        server.stop()


@pytest.fixture
def served(prefect_server: str, tmp_path: Path) -> Iterator[Callable[[], None]]:
    """``wenshu serve`` in a subprocess against the test's server (started on demand)."""
    from wenshu.workflows.serve import deployment_ready

    processes: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "serve.log"

    def start() -> None:
        env = dict(os.environ, WENSHU_HOME=str(tmp_path / "home"), PREFECT_API_URL=prefect_server,
                   PREFECT_HOME=str(tmp_path / "serve-prefect"), PREFECT_LOGGING_LEVEL="WARNING")
        env.pop("WENSHU_USER", None)
        with log.open("wb") as out:
            processes.append(subprocess.Popen(
                [str(Path(sys.executable).parent / "wenshu"), "serve"], stdout=out,
                stderr=subprocess.STDOUT, env=env))
        deadline = time.monotonic() + 90
        while not deployment_ready(prefect_server, "inspection_report"):
            assert processes[0].poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.5)

    try:
        yield start
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


@pytest.mark.prefect
@pytest.mark.soffice
def test_inspection_in_process_then_follow_up_as_a_served_deployment(
        office, wenshu, tmp_path, prefect_server, served, monkeypatch):
    from wenshu.settings import get_settings
    from wenshu.workflows.inspection_steps import inspection_outcomes
    from wenshu.workflows.serve import trigger, wait_for_run

    checklist = tmp_path / "office_check.yaml"
    checklist.write_text(CHECKLIST, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()

    # A street's supervisor may not record findings for the other street's communities.
    cli_add_user(wenshu, "街道督导", "supervisor", "440307001")
    first = findings_csv(tmp_path / "检查记录2024.csv", FINDINGS_2024)
    refused = wenshu("--user", "街道督导", "inspect", "record", str(first), "--checklist",
                     str(checklist), "--period", "2024", expect=1)
    assert "拒绝" in refused and "440307002001" in refused
    recorded = wenshu("inspect", "record", str(first), "--checklist", str(checklist), "--period",
                      "2024")
    assert "12 rows read, 12 stored" in recorded

    # The first inspection: no server is running, so the flow runs in this process.
    output = wenshu("inspect", "run", "--checklist", str(checklist), "--units", ",".join(UNITS),
                    "--period", "2024", "--inspected", "2025-01-20", "--issued", "2025-01-22")
    assert "in this process (no Prefect server is running" in output
    settings = get_settings()
    outcomes = inspection_outcomes(settings, "office_check", "2024", UNITS, issuer="440307")
    reports, bulletin = _by_kind(outcomes)
    assert sorted(reports) == sorted(UNITS) and bulletin.key.unit_code == "440307"
    paragraphs, tables = _texts(bulletin.files["docx"])
    ranking = [row[:2] + row[-2:] for row in tables[0][1:]]
    assert ranking == [["1（并列）", "东湖社区", "78", "良好"], ["1（并列）", "西湖社区", "78", "良好"],
                       ["3（并列）", "东山社区", "55", "未达等次"],
                       # 87.84% is short of ≥90%: the veto item is not met, but 55 points
                       # earn no grade anyway, so the veto changed nothing.
                       ["3（并列）", "西山社区", "55", "未达等次"]]
    # No community filed its plan: the problem all four share, said once in the lead.
    assert "1.2024年度工作计划归档不全：此项合计扣80分。" in paragraphs
    assert any(p.startswith("此次检查中，") and "4个社区均存在" in p for p in paragraphs)

    # The follow-up, served: `wenshu serve` in a subprocess, triggered by run id.
    wenshu("inspect", "record", str(findings_csv(tmp_path / "检查记录2025.csv", FINDINGS_2025)),
           "--checklist", str(checklist), "--period", "2025")
    served()
    parameters = {"checklist": str(checklist), "units": UNITS, "period": "2025",
                  "follow_up": True, "inspected_on": INSPECTED, "issued_on": ISSUED,
                  "user": "督导李四"}
    run_id = trigger(prefect_server, "inspection_report", parameters)
    run = wait_for_run(prefect_server, run_id, timeout=300)
    assert run.completed, run
    outcomes = inspection_outcomes(settings, "office_check", "2025", UNITS, issuer="440307",
                                   run_ids=[run_id])
    assert len(outcomes) == 5 and all(o.created for o in outcomes)
    reports, bulletin = _by_kind(outcomes)

    paragraphs, tables = _texts(bulletin.files["docx"])
    assert [row[:2] + row[-2:] for row in tables[0][1:]] == [
        ["1（并列）", "东湖社区", "80", "良好"], ["1（并列）", "西山社区", "80", "良好"],
        ["3", "西湖社区", "76", "良好"], ["4", "东山社区", "35", "未达等次"]]
    assert [row[1:] for row in tables[1][2:]] == [
        ["东湖社区", "2", "1", "1", "2025年度工作计划归档不全"],
        ["西山社区", "3", "2", "1", "2025年度工作计划归档不全"],
        ["西湖社区", "2", "0", "2", "“工作记录完整”一项未得满分；2025年度工作计划归档不全"],
        ["东山社区", "4", "1", "3", "未落实“设有咨询室”的要求；“工作记录完整”一项未得满分；"
                                 "2025年度工作计划归档不全"]]
    assert ("此次检查对2024年检查指出的问题逐项进行了复查。4个社区上次共有扣分问题11个，已整改4个，"
            "未整改7个。") in paragraphs  # 11 problems: the counts, no rate
    assert any("东山社区要" in p and "于2026年3月21日前整改到位" in p for p in paragraphs)
    pdf = _pdf_text(bulletin.files["pdf"])
    assert "未整改7个" in pdf and "整改率" not in pdf and "2026年3月21日" in pdf

    # 东山社区: 35 points, last of four; its lost points and deadlines, and what it fixed.
    paragraphs, tables = _texts(reports[EAST_HILL].files["docx"])
    body = "\n".join(paragraphs)
    assert "你单位得分35分，未达到合格标准，在参加检查的4个社区中排第4名。共有4项扣分，合计扣65分，" in body
    assert [row[1:] for row in tables[0][1:] if row[0]] == [
        ["孕环情检查受检率≥90%", "80.00%", "30", "0"], ["宣传板≥5块", "5块", "20", "20"],
        ["设有咨询室", "未落实", "10", "0"], ["工作记录完整", "现场评定", "20", "15"],
        ["年度工作计划已归档", "缺1份", "20", "0"]]
    assert [row[-1] for row in tables[1][1:]] == ["已整改", "未整改", "未整改", "未整改"]
    for deadline in ("于2026年3月21日前整改到位", "于2026年2月19日前整改到位",
                     "于2026年2月4日前"):
        assert deadline in body
    pdf = _pdf_text(reports[EAST_HILL].files["pdf"])
    assert "排第4名" in pdf and "2026年2月4日" in pdf and "未整改" in pdf
    # 西山社区 shares first place with 东湖社区 and fixed its screening rate and boards.
    paragraphs, tables = _texts(reports[WEST_HILL].files["docx"])
    assert any("排第1名（与东湖社区并列）" in p for p in paragraphs)
    assert [(row[1], row[-1]) for row in tables[1][1:]] == [
        # 西山社区 signed no target: the catalogue's default is its reference target.
        ("孕环情检查受检率87.84%（参考目标≥90%）", "已整改"), ("宣传板4块（标准≥5块）", "已整改"),
        ("未见2024年度工作计划", "未整改")]

    # `wenshu inspect run` finds the served deployment; nothing changed, nothing new made.
    monkeypatch.setenv("PREFECT_API_URL", prefect_server)
    output = wenshu("inspect", "run", "--checklist", str(checklist), "--units", ",".join(UNITS),
                    "--period", "2025", "--follow-up", "--inspected", "2026-01-20",
                    "--issued", "2026-01-22")
    assert "completed on" in output and "5 document(s) unchanged" in output
