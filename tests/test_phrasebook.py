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
from wenshu.generators.phrasebook import load_phrasebook
from wenshu.generators.summary import build_context, phrasebook
from wenshu.periods import Period


def _override(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "catalogue" / "phrases"
    folder.mkdir(parents=True)
    (folder / "summary.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "catalogue"


def test_every_phrase_renders_with_its_placeholders_filled():
    book = phrasebook()
    values = {name: f"〈{name}〉" for name in book.placeholders}
    assert len(book.phrases) > 100
    for key, variants in book.phrases.items():
        for variant in variants:
            text = variant.format(**values)
            assert text.strip() and "{" not in text and "}" not in text, (key, variant)
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
