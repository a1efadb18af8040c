"""Phrasebooks: the summaries' wording as data, checked on load and reworded per office."""

from __future__ import annotations

import ast
import os
from datetime import date
from pathlib import Path

import pytest

from tests.sample_context import strings_in
from wenshu.compute.summary import compute_unit
from wenshu.errors import CatalogueError
from wenshu.generators.phrasebook import PHRASES_SUBDIR, load_phrasebook
from wenshu.generators.summary import build_context, phrasebook
from wenshu.models.catalogue import SHIPPED_DIR
from wenshu.periods import Period


def _override(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "catalogue" / "phrases"
    folder.mkdir(parents=True)
    (folder / "summary.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "catalogue"


SHIPPED_BOOKS = sorted(path.stem for path in (SHIPPED_DIR / PHRASES_SUBDIR).glob("*.yaml"))
# Fewest phrases a shipped book may have: a truncated book fails here. The 实施方案 joins the
# office's own text (purpose, principles, tasks) and so needs far fewer phrases of its own.
FEWEST_PHRASES = {"campaign_plan": 60}


@pytest.mark.parametrize("name", SHIPPED_BOOKS)
def test_every_phrase_renders_with_its_placeholders_filled(name):
    book = load_phrasebook(name)
    values = {name: f"〈{name}〉" for name in book.placeholders}
    assert len(book.phrases) >= FEWEST_PHRASES.get(name, 101)
    for key, variants in book.phrases.items():
        for variant in variants:
            text = variant.format(**values)
            assert text.strip() and "{" not in text and "}" not in text, (key, variant)
    # Every declared placeholder is used by some phrase: none is left over from a rewording.
    used = {name for key in book.phrases for name in book.fields(key)}
    assert used == set(book.placeholders)
    # The line's subject is a placeholder wherever it appears, never fixed wording.
    assert not [key for key, variants in book.phrases.items()
                if any("人口和计划生育工作" in v or "妇女儿童工作" in v for v in variants)]


def test_say_fills_a_phrase_and_keeps_its_choice():
    book = phrasebook()
    # say() fills what a phrase uses and picks the same variant for the same inputs.
    first = book.say("opening.lead", "S1", when="2025年", unit="东城街道", since="2025年以来")
    assert first == book.say("opening.lead", "S1", when="2025年", unit="东城街道",
                             since="2025年以来")
    assert "东城街道" in first


def _chinese_literals(path: Path) -> list[str]:
    """String constants with Chinese characters in a module, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and any("\u4e00" <= c <= "\u9fff" for c in node.value)]


@pytest.mark.parametrize("module", ["summary", "summary_indicators", "summary_problems",
                                    "summary_voice", "summary_work"])
def test_the_builder_holds_no_chinese_wording(module):
    import wenshu.generators

    path = Path(wenshu.generators.__file__).parent / f"{module}.py"
    assert _chinese_literals(path) == []


def test_an_office_rewords_a_phrase(tmp_path, small_snapshot, catalogue):
    user_dir = _override(tmp_path, "phrases:\n  problems_heading: 存在的主要问题及原因\n"
                                   "  plan.raise_lead: 全力抓好{label}。\n")
    report = compute_unit(small_snapshot, catalogue, "S1", Period.year(2025))
    context = build_context(report, catalogue, issued_on=date(2026, 1, 15),
                            phrases=phrasebook(user_dir))
    assert context["problems_heading"] == "三、存在的主要问题及原因"
    assert context["plans"][0]["lead"] == "1.全力抓好孕环情检查受检率。"
    # Everything else keeps the shipped wording.
    assert context["plans_heading"] == "四、2026年工作打算"


@pytest.mark.parametrize(("text", "message"), [
    ("phrases:\n  title: \"{unit}{when}{gap}总结\"\n", "短语 title 使用了未知的占位符 {gap}"),
    ("phrases:\n  title: \"{unit}{when}{nonsense}总结\"\n", "未知的占位符 {nonsense}"),
    ("phrases:\n  title: \"{unit:>10}总结\"\n", "只能使用 {名称} 形式的占位符"),
    ("phrases:\n  no.such.phrase: 文字\n", "短语 no.such.phrase 不在内置短语库 summary 中"),
    ("phrases:\n  title: []\n", "短语 title 须为一句文字或文字列表"),
    ("phrases: 文字\n", "须含 phrases（短语）映射"),
])
def test_a_bad_override_is_refused_with_a_chinese_message(tmp_path, text, message):
    user_dir = _override(tmp_path, text)
    with pytest.raises(CatalogueError) as caught:
        load_phrasebook("summary", user_dir)
    assert message in str(caught.value)
    assert "summary.yaml" in str(caught.value)


def test_a_reworded_file_is_read_again_when_it_changes(tmp_path):
    user_dir = _override(tmp_path, "phrases:\n  problems_heading: 问题及原因\n")
    assert load_phrasebook("summary", user_dir).say("problems_heading") == "问题及原因"
    path = user_dir / "phrases" / "summary.yaml"
    path.write_text("phrases:\n  problems_heading: 问题和原因分析\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert load_phrasebook("summary", user_dir).say("problems_heading") == "问题和原因分析"


def test_no_placeholder_is_left_in_any_generated_text(small_snapshot, catalogue):
    for period in ("2025", "2025H1"):
        for unit in ("D", "S1", "C1"):
            report = compute_unit(small_snapshot, catalogue, unit, Period.parse(period))
            context = build_context(report, catalogue, issued_on=date(2026, 1, 15))
            for text in strings_in(context):
                assert "{" not in text and "}" not in text, text


def test_rewording_a_phrasebook_changes_the_documents_inputs(tmp_path, small_snapshot, catalogue):
    from wenshu.generators.kinds import DocumentOptions, registered_kinds
    from wenshu.pipeline import input_digest

    kind, period = registered_kinds()["year_summary"], Period.year(2025)
    options = DocumentOptions(issued_on=date(2026, 1, 15))
    user_dir = tmp_path / "catalogue"

    def digest() -> str:
        return input_digest(kind, small_snapshot, catalogue, "S1", period, options, user_dir)

    before = digest()
    assert digest() == before
    _override(tmp_path, "phrases:\n  problems_heading: 存在的主要问题及原因\n")
    assert digest() != before


def test_an_upgrade_that_rewords_a_shipped_phrase_changes_the_documents_inputs(
        tmp_path, small_snapshot, catalogue, monkeypatch):
    """A wording fix shipped with an upgrade reaches the documents: their next run makes a
    new version instead of reporting them unchanged."""
    import shutil

    from wenshu import pipeline
    from wenshu.generators.kinds import DocumentOptions, registered_kinds

    kind, period = registered_kinds()["year_summary"], Period.year(2025)
    options = DocumentOptions(issued_on=date(2026, 1, 15))

    def digest_with(shipped: Path) -> str:
        monkeypatch.setattr(pipeline, "SHIPPED_PHRASES", shipped)
        return pipeline.input_digest(kind, small_snapshot, catalogue, "S1", period, options)

    before = digest_with(SHIPPED_DIR / PHRASES_SUBDIR)
    same = shutil.copytree(SHIPPED_DIR / PHRASES_SUBDIR, tmp_path / "same")
    assert digest_with(same) == before  # the same wording, wherever it is installed
    upgraded = shutil.copytree(SHIPPED_DIR / PHRASES_SUBDIR, tmp_path / "upgraded")
    summary = upgraded / "summary.yaml"
    summary.write_text(summary.read_text("utf-8").replace("存在问题", "存在的问题", 1), "utf-8")
    assert digest_with(upgraded) != before


# --- The work plan's phrasebook ----------------------------------------------------------

WORK_PLAN_MODULES = ["work_plan_facts", "work_plan_goals", "work_plan_ledger",
                     "work_plan_safeguards", "work_plan_tasks", "work_plan_writer"]


def test_every_work_plan_problem_rule_has_its_measure():
    from wenshu.generators.work_plan import phrasebook as plan_phrasebook

    book = plan_phrasebook()
    # Every rule that matches a problem has its measure.
    rules = [k.removeprefix("rectify.match.") for k in book.phrases if k.startswith("rectify.match.")]
    assert rules and all(f"rectify.measure.{rule}" in book.phrases for rule in rules)


def test_every_shipped_activity_type_has_its_own_method():
    from wenshu.generators.work_plan import phrasebook as plan_phrasebook
    from wenshu.models.catalogue import load_catalogue

    book = plan_phrasebook()
    assert [k for k in load_catalogue().activities if f"method.{k}" not in book.phrases] == []


@pytest.mark.parametrize("module", WORK_PLAN_MODULES)
def test_the_work_plan_builder_holds_no_chinese_wording(module):
    import wenshu.generators

    path = Path(wenshu.generators.__file__).parent / f"{module}.py"
    assert _chinese_literals(path) == []


def test_the_work_plan_module_holds_only_the_template_column_names():
    import wenshu.generators
    from wenshu.generators.work_plan import DUTY_COLUMNS, GOAL_COLUMNS, KIND_LABEL

    path = Path(wenshu.generators.__file__).parent / "work_plan.py"
    table = {text for column in GOAL_COLUMNS + DUTY_COLUMNS
             for text in (column.label, column.group) if text}
    assert set(_chinese_literals(path)) == table | {KIND_LABEL}


def _plan_request(small_snapshot, user_dir: Path | None = None, line: str = ""):
    from wenshu.compute.summary import Rollup
    from wenshu.generators.kinds import ContextRequest, DocumentOptions, shipped_lines
    from wenshu.generators.work_plan import WORK_PLAN
    from wenshu.models.catalogue import load_catalogue

    period = Period.parse("2026")
    return ContextRequest(small_snapshot, Rollup(small_snapshot, WORK_PLAN.months(period)),
                          load_catalogue(), "S1", period,
                          DocumentOptions(issued_on=date(2026, 1, 15)), user_dir=user_dir,
                          line=shipped_lines().get(line))


def test_an_office_and_a_line_reword_a_plan_phrase(tmp_path, small_snapshot):
    from wenshu.generators.work_plan import WORK_PLAN

    folder = tmp_path / "catalogue" / "phrases"
    (folder / "women").mkdir(parents=True)
    (folder / "work_plan.yaml").write_text("phrases:\n  heading.safeguards: 保障机制\n",
                                           encoding="utf-8")
    (folder / "women" / "work_plan.yaml").write_text(
        "phrases:\n  title: \"{unit}{when}{topic}安排\"\n", encoding="utf-8")
    context = WORK_PLAN.build(_plan_request(small_snapshot, tmp_path / "catalogue"))
    assert context["safeguards_heading"].endswith("、保障机制")
    assert context["title"] == "东城街道2026年人口和计划生育工作计划"
    women = WORK_PLAN.build(_plan_request(small_snapshot, tmp_path / "catalogue", "women"))
    assert women["title"] == "东城街道2026年妇女儿童工作安排"


# --- The 实施方案's phrasebook -------------------------------------------------------------

CAMPAIGN_MODULES = ["campaign_resolve", "campaign_sections", "campaign_words"]


@pytest.mark.parametrize("module", CAMPAIGN_MODULES)
def test_the_campaign_plan_builder_holds_no_chinese_wording(module):
    import wenshu.generators

    path = Path(wenshu.generators.__file__).parent / f"{module}.py"
    assert _chinese_literals(path) == []


def test_the_campaign_plan_module_holds_only_the_kind_label():
    import wenshu.generators
    from wenshu.generators.campaign_plan import KIND_LABEL

    path = Path(wenshu.generators.__file__).parent / "campaign_plan.py"
    assert set(_chinese_literals(path)) == {KIND_LABEL}


def test_an_office_and_a_line_reword_a_campaign_phrase(tmp_path, small_snapshot):
    from wenshu.compute.summary import Rollup
    from wenshu.generators.campaign_plan import CAMPAIGN_PLAN, sample_options
    from wenshu.generators.kinds import ContextRequest, DocumentOptions, shipped_lines
    from wenshu.models.catalogue import load_catalogue

    folder = tmp_path / "catalogue" / "phrases"
    (folder / "women").mkdir(parents=True)
    (folder / "campaign_plan.yaml").write_text(
        "phrases:\n  heading.steps: 方法步骤\n  date.xun.3: 月底\n", encoding="utf-8")
    (folder / "women" / "campaign_plan.yaml").write_text(
        "phrases:\n  heading.organisation: 组织保障\n", encoding="utf-8")

    options = sample_options()
    # The women's line has none of the sample's family-planning indicators.
    options["spec"]["goals"].pop("indicators")

    def context(line: str) -> dict:
        period = Period.parse("2025")
        rollup = Rollup(small_snapshot, CAMPAIGN_PLAN.months(period))
        request = ContextRequest(small_snapshot, rollup,
                                 load_catalogue(), "S1", period,
                                 DocumentOptions(issued_on=date(2026, 1, 15), **options),
                                 user_dir=tmp_path / "catalogue", line=shipped_lines().get(line))
        return CAMPAIGN_PLAN.build(request)

    headings = [s["heading"] for s in context("")["sections"]]
    assert "四、方法步骤" in headings and "五、组织领导" in headings
    steps = next(s for s in context("")["sections"] if s["heading"] == "四、方法步骤")
    assert "5月月底至10月月底" in steps["paragraphs"][0]
    women = [s["heading"] for s in context("women")["sections"]]
    assert "四、方法步骤" in women and "五、组织保障" in women
