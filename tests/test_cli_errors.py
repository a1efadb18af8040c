"""Errors a person can read: every mistake through the real ``wenshu`` command answers in
one clean line and exit status 1, never a Python traceback, whether it is caught before
Prefect starts or raised inside a flow; and the CLI's small promises (a folder for
``archive get --to out/``, output piped whole, no empty document, deadlines)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.people import ADMIN
from tests.web_office import SILENT, Office, build_office
from wenshu.settings import Settings

WENSHU = Path(sys.executable).parent / "wenshu"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Office]:
    """The web office (units, users, figures, targets, 2024-2025 ledgers) as a data dir."""
    folder = tmp_path_factory.mktemp("cli-errors")
    office = build_office(Settings(home=folder / "home"), folder / "inputs")
    return folder, office


def run(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``wenshu ARGS`` as its own process, output piped (as into a file or program)."""
    environment = {**os.environ, "WENSHU_HOME": str(folder / "home"),
                   "PREFECT_HOME": str(folder / "prefect")}
    for name in ("WENSHU_USER", "PREFECT_API_URL"):
        environment.pop(name, None)
    environment.update(env or {})
    return subprocess.run([str(WENSHU), *args], env=environment, cwd=folder, text=True,
                          capture_output=True, timeout=600)


def assert_one_clean_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit 1, no traceback, the expected words on a line starting 'error:'."""
    said = result.stdout + result.stderr
    assert result.returncode == 1, said
    assert "Traceback" not in said and "Encountered exception" not in said, said
    errors = [line for line in said.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, said
    for words in expected:
        assert words in said, said


SPEC_WITH_A_STRANGER = """code: bad-2025
name: 测试活动
year: 2025
participants: [999999]
purpose: 测试
basis: 测试
guiding_idea: 测试
principles: [{一: 二}]
goals: {text: 测试}
phases: [{name: 准备, start: 2025-05-01, end: 2025-05-10, tasks: [x]}]
"""


CAUGHT_BEFORE_PREFECT = [
    (["summary", "year", "--unit", "440307002001", "--year", "2025", "--user", "办事员王五"],
     "不能操作单位 440307002001"),
    (["summary", "year", "--unit", "999", "--year", "2025", "--user", "督导李四"],
     "没有单位代码“999”"),
    (["--user", "nobody", "summary", "year", "--unit", "440307", "--year", "2025"],
     "没有用户“nobody”"),
    (["summary", "year", "--unit", "440307", "--year", "2025"], "请指明操作人"),
    (["summary", "year", "--unit", "440307", "--year", "2019", "--user", "督导李四"],
     "在2019没有任何人口和计划生育台账记录"),
]


@pytest.mark.parametrize(("args", "words"), CAUGHT_BEFORE_PREFECT,
                         ids=["refused", "unknown unit", "unknown user", "no user", "no data"])
def test_mistakes_are_caught_before_prefect_starts(home: tuple[Path, Office], args: list[str],
                                                   words: str) -> None:
    result = run(home[0], *args)
    assert_one_clean_error(result, words)


def test_a_refusal_never_imports_prefect(home: tuple[Path, Office]) -> None:
    """The acting user is checked before anything slow is even loaded."""
    script = ("import sys; from typer.testing import CliRunner; from wenshu.cli import app; "
              "r = CliRunner().invoke(app, ['--user', 'nobody', 'summary', 'year', '--unit', "
              "'440307', '--year', '2025']); print(r.exit_code, 'prefect' in sys.modules)")
    env = {**os.environ, "WENSHU_HOME": str(home[0] / "home")}
    out = subprocess.run([sys.executable, "-c", script], env=env, text=True,
                         capture_output=True, timeout=120).stdout
    assert out.split() == ["1", "False"]


def test_bad_input_files_are_named_in_one_line(home: tuple[Path, Office]) -> None:
    folder = home[0]
    narrative = folder / "说明.yaml"
    narrative.write_text("亮点: [没有闭合\n", encoding="utf-8")
    result = run(folder, "summary", "year", "--unit", "440307", "--year", "2025",
                 "--narrative", str(narrative), "--user", "督导李四")
    assert_one_clean_error(result, "说明.yaml：不是有效的 YAML 文件", "[没有闭合")
    spec = folder / "方案.yaml"
    spec.write_text(SPEC_WITH_A_STRANGER, encoding="utf-8")
    result = run(folder, "plan", "campaign", "--unit", "440307", "--spec", str(spec),
                 "--user", "督导李四")
    assert_one_clean_error(result, "方案.yaml")


@pytest.mark.soffice
def test_errors_raised_inside_flows_print_one_line(home: tuple[Path, Office]) -> None:
    """A PDF that times out, an inspection without findings: raised inside the flow,
    reported in one line; Prefect's own exception log stays in its run log."""
    folder = home[0]
    timed_out = run(folder, "summary", "year", "--unit", "440307001001", "--year", "2025",
                    "--user", "办事员王五", env={"WENSHU_PDF_TIMEOUT_SECONDS": "0.01"})
    assert_one_clean_error(timed_out, "LibreOffice 在 0.01 秒内没有转换完成")
    no_findings = run(folder, "inspect", "run", "--checklist", "model_community", "--units",
                      "440307001001", "--period", "2025", "--user", "督导李四")
    assert_one_clean_error(no_findings, "缺少检查记录")


def test_archive_get_to_a_new_folder(office: Path, wenshu: Callable[..., str],
                                     tmp_path: Path) -> None:
    wenshu("summary", "year", "--unit", "440307", "--year", "2025")
    target = tmp_path / "还没有的目录" / "下一层"
    out = wenshu("archive", "get", "1", "--format", "docx", "--to", f"{target}/")
    assert (target / "440307_2025_year_summary.docx").is_file()
    assert str(target / "440307_2025_year_summary.docx") in out  # whole, on one line


def test_piped_output_is_not_cut(home: tuple[Path, Office], tmp_path: Path) -> None:
    folder = home[0]
    long_name = folder / ("很长的台账文件名" * 8 + ".csv")
    long_name.write_text("单位代码,日期,活动类型,主题\n440307001001,2025-10-01,跳舞" + "很长" * 30
                         + ",主题\n", encoding="utf-8")
    result = run(folder, "ledger", "import", str(long_name), "--user", "办事员王五")
    assert result.returncode == 1
    assert long_name.name in result.stdout and "很长" * 30 in result.stdout
    assert "…" not in result.stdout


def test_collect_names_late_and_missing_units(office: Path, wenshu: Callable[..., str],
                                              tmp_path: Path) -> None:
    """The office's ledgers came in today: with an old deadline every community that
    submitted is late, and one that never did is missing; with a far one, none is late."""
    code, name = SILENT
    extra = tmp_path / "units.csv"
    extra.write_text(f"code,name,level,parent_code\n{code},{name},community,440307002\n",
                     encoding="utf-8")
    wenshu("--user", ADMIN, "units", "import", str(extra))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    late = wenshu("collect", "--inbox", str(inbox), "--period", "2025", "--due", "2025-01-10")
    assert f"Not submitted: {name}({code})" in late
    assert "Submitted after the deadline 2025-01-10: 东湖社区(440307001001)、" in late
    on_time = wenshu("collect", "--inbox", str(inbox), "--period", "2025", "--due", "2099-01-01")
    assert "Submitted after the deadline 2099-01-01: none" in on_time


@pytest.mark.soffice
def test_a_server_that_does_not_answer_means_this_process_said_once(
        home: tuple[Path, Office]) -> None:
    result = run(home[0], "summary", "year", "--unit", "440307002001", "--year", "2025",
                 "--user", "督导李四", env={"PREFECT_API_URL": "http://127.0.0.1:9/api"})
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert said.count("in this process (the Prefect server at http://127.0.0.1:9/api does "
                      "not answer)") == 1, said
    assert "西湖社区 440307002001" in said and "Traceback" not in said
    # The flow ran on the command's own Prefect API, which left with the command.
    prefect_home = home[0] / "prefect"
    with sqlite3.connect(prefect_home / "prefect.db") as db:
        newest = db.execute("SELECT r.state_type FROM flow_run r JOIN flow f ON f.id = "
                            "r.flow_id WHERE f.name = 'year_end_summary' "
                            "ORDER BY r.created DESC LIMIT 1").fetchall()
    assert newest == [("COMPLETED",)]
    assert processes_with(f"PREFECT_HOME={prefect_home}") == []


def processes_with(variable: str) -> list[int]:
    """The processes whose environment holds ``variable`` (NAME=value)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if variable.encode() in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue  # gone, or not ours to read
    return found
