"""`templates check`: template problems are found before any render, at the right paragraph."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docxtpl import DocxTemplate

from tests.sample_context import year_summary_context
from wenshu.errors import TemplateError
from wenshu.generators.render import render_docx
from wenshu.generators.template_check import TemplateProblem, check_template
from wenshu.generators.template_variables import context_paths
from wenshu.templates import template_path

BODY = "word/document.xml"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

Build = Callable[[Document], None]


@pytest.fixture
def template(tmp_path: Path) -> Callable[[Build], Path]:
    """Write a template built by a function of a blank python-docx document."""
    count = 0

    def make(build: Build) -> Path:
        nonlocal count
        count += 1
        document = docx.Document()
        build(document)
        path = tmp_path / f"template{count}.docx"
        document.save(path)
        return path

    return make


def _paragraphs(*texts: str) -> Build:
    def build(document: Document) -> None:
        for text in texts:
            document.add_paragraph(text)
    return build


def _codes(problems: list[TemplateProblem]) -> list[str]:
    return [problem.code for problem in problems]


def test_shipped_year_summary_template_has_no_problems() -> None:
    provided = context_paths(year_summary_context())
    assert check_template(template_path("year_summary"), provided) == []


def test_context_paths_names_keys_nested_keys_and_list_items() -> None:
    context = {
        "title": "总结",
        "rows": [{"label": "受检率", "value": "92%"}, {"label": "出生率", "note": "—"}],
        "notes": ["注一"],
        "empty": [],
        "unit": {"name": "示范区", "code": "440307"},
    }
    assert context_paths(context) == {
        "title", "rows", "rows[]", "rows[].label", "rows[].value", "rows[].note",
        "notes", "notes[]", "empty", "unit", "unit.name", "unit.code",
    }


def test_syntax_error_in_a_footer_names_the_footer_paragraph(
        template: Callable[[Build], Path]) -> None:
    def build(document: Document) -> None:
        document.add_paragraph("{{ title }}")
        document.sections[0].footer.paragraphs[0].text = "{{ title | }}"

    problems = check_template(template(build), None)
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.part, problem.paragraph, problem.text) == ("word/footer1.xml", 1, "{{ title | }}")
    assert (problem.code, problem.severity) == ("syntax", "error")


def test_syntax_error_in_a_paragraph_tag_is_located_at_that_paragraph(
        template: Callable[[Build], Path]) -> None:
    # docxtpl removes {%p %} paragraphs, so the tag no longer has a paragraph of its own
    # in the text Jinja parses; the report must still name the 5th paragraph.
    path = template(_paragraphs("{{ title }}", "正文", "{%p for note in notes %}", "{{ note }}",
                                "{%p endfro %}", "结尾"))
    [problem] = check_template(path, None)
    assert (problem.part, problem.paragraph, problem.text) == (BODY, 5, "{%p endfro %}")
    assert "endfro" in problem.message


@pytest.mark.parametrize("after", [("{%p endif %}", "结尾", "落款"), ("结尾", "落款")],
                         ids=["closed-by-another-block", "end-of-template"])
def test_a_block_never_closed_is_reported_where_it_opens(
        template: Callable[[Build], Path], after: tuple[str, ...]) -> None:
    opening = ("{{ title }}", "{%p if notes %}", "{%p for note in notes %}", "{{ note }}")
    [problem] = check_template(template(_paragraphs(*opening, *after)), None)
    assert (problem.paragraph, problem.text, problem.code) == (3, "{%p for note in notes %}", "syntax")


def test_fullwidth_character_in_a_tag_gets_an_input_method_hint(
        template: Callable[[Build], Path]) -> None:
    [problem] = check_template(template(_paragraphs("{{ title（1） }}")), None)
    assert problem.code == "syntax" and problem.paragraph == 1
    assert "全角" in problem.message


def test_tags_split_over_runs_are_warnings_naming_the_paragraph(
        template: Callable[[Build], Path]) -> None:
    def build(document: Document) -> None:
        document.add_paragraph("{{ title }}")
        inside = document.add_paragraph("单位：")
        inside.add_run("{{ ti")
        inside.add_run("tle }}")
        delimiter = document.add_paragraph()
        delimiter.add_run("{")
        delimiter.add_run("{ title }").bold = True
        delimiter.add_run("}")

    problems = check_template(template(build), frozenset({"title"}))
    assert [(p.code, p.severity, p.paragraph) for p in problems] == [
        ("split_tag", "warning", 2), ("split_tag", "warning", 3)]
    assert problems[0].text == "单位：{{ title }}"
    assert "3段" in problems[1].message


def test_split_tags_still_render_which_is_why_they_are_only_warnings(
        template: Callable[[Build], Path]) -> None:
    def build(document: Document) -> None:
        paragraph = document.add_paragraph()
        paragraph.add_run("{")
        paragraph.add_run("{ tit")
        paragraph.add_run("le }}")

    rendered = render_docx(template(build), {"title": "总结"})
    assert docx.Document(io.BytesIO(rendered)).paragraphs[0].text == "总结"


@pytest.mark.parametrize("text, shown", [
    ("｛｛ title ｝｝", "｛｛"),
    ("{｛ title }}", "{｛"),
    ("{％ if title %}有{% endif %}", "{％"),
    ("{% if title ％｝有{% endif %}", "％｝"),
    ("｛# 备注 #}", "｛#"),
])
def test_delimiters_typed_with_a_chinese_input_method_are_errors(
        template: Callable[[Build], Path], text: str, shown: str) -> None:
    problems = [p for p in check_template(template(_paragraphs("标题", text)), None)
                if p.code == "ime_delimiter"]
    assert [(p.paragraph, p.severity) for p in problems] == [(2, "error")]
    assert shown in problems[0].message


def test_input_method_delimiters_really_are_left_in_the_output(
        template: Callable[[Build], Path]) -> None:
    """Why they are errors: docxtpl renders them as text, without complaint."""
    path = template(_paragraphs("｛｛ title ｝｝"))
    document = DocxTemplate(path)
    document.render({"title": "总结"})
    assert document.docx.paragraphs[0].text == "｛｛ title ｝｝"


def test_quotes_inside_tags(template: Callable[[Build], Path]) -> None:
    path = template(_paragraphs("{{ title | default(“无”) }}", "{{ title | default(＂无＂) }}"))
    problems = {(p.code, p.paragraph, p.severity) for p in check_template(path, None)}
    assert ("curly_quote", 1, "warning") in problems
    assert ("fullwidth_quote", 2, "error") in problems


def test_a_tag_cut_by_a_paragraph_break_is_an_error(template: Callable[[Build], Path]) -> None:
    problems = check_template(template(_paragraphs("前言", "{{ ti", "tle }}")), None)
    assert ("tag_spans_paragraphs", 2, "error") in [(p.code, p.paragraph, p.severity)
                                                    for p in problems]


def test_unknown_and_unused_variables(template: Callable[[Build], Path]) -> None:
    def build(document: Document) -> None:
        document.add_paragraph("{{ titel }}")
        table = document.add_table(rows=3, cols=2)
        table.cell(0, 0).text = "{%tr for r in rows %}"
        table.cell(1, 0).text = "{{ r.lable }}"
        table.cell(1, 1).text = "{{ r.value }}"
        table.cell(2, 0).text = "{%tr endfor %}"

    provided = frozenset({"title", "rows", "rows[]", "rows[].label", "rows[].value", "signature"})
    problems = check_template(template(build), provided)
    unknown = [p for p in problems if p.code == "unknown_variable"]
    assert [(p.part, p.paragraph, p.text, p.severity) for p in unknown] == [
        (BODY, 1, "{{ titel }}", "error"), (BODY, 4, "{{ r.lable }}", "error")]
    assert "rows[].lable" in unknown[1].message and "rows[].label" in unknown[1].message
    assert "是否应为 title" in unknown[0].message
    unused = [p for p in problems if p.code == "unused_variable"]
    assert [(p.part, p.severity) for p in unused] == [(None, "warning")] * 3
    assert ["rows[].label" in unused[0].message, "signature" in unused[1].message,
            "title" in unused[2].message] == [True, True, True]


def test_notes_for_the_clerk_need_not_be_printed(template: Callable[[Build], Path]) -> None:
    path = template(_paragraphs("{{ title }}"))
    problems = check_template(path, frozenset({"title", "clerk_notes", "signature"}))
    assert [(p.code, "signature" in p.message) for p in problems] == [("unused_variable", True)]


def test_locals_loop_variables_and_methods_are_not_context_variables(
        template: Callable[[Build], Path]) -> None:
    path = template(_paragraphs(
        "{% set total = rows | length %}共{{ total }}项",
        "{%p for r in rows %}",
        "{{ loop.index }}. {{ r.label.strip() }}{{ title.upper() }}",
        "{%p endfor %}",
        "{% for i in range(2) %}{{ i }}{% endfor %}",
    ))
    assert check_template(path, frozenset({"title", "rows", "rows[]", "rows[].label"})) == []


def test_variables_read_in_headers_and_document_properties(
        template: Callable[[Build], Path]) -> None:
    def build(document: Document) -> None:
        document.add_paragraph("{{ title }}")
        document.sections[0].header.paragraphs[0].text = "{{ unit_name }}"
        document.core_properties.subject = "{{ kind }}"

    problems = check_template(template(build), frozenset({"title"}))
    assert [(p.part, p.paragraph, p.text) for p in problems] == [
        ("word/header1.xml", 1, "{{ unit_name }}"),
        ("docProps/core.xml", None, "subject: {{ kind }}"),
    ]


def test_footnotes_are_checked_and_endnotes_and_comments_flagged(
        template: Callable[[Build], Path]) -> None:
    def build(document: Document) -> None:
        paragraph = document.add_paragraph("正文")
        document.add_comment(paragraph.runs, text="{{ reviewer }}", author="审核")
        for name, reltype, kind in (("footnotes", RT.FOOTNOTES, "footnotes"),
                                    ("endnotes", RT.ENDNOTES, "endnotes")):
            xml = (f'<w:{name} xmlns:w="{W_NS}"><w:{kind[:-1]} w:id="1"><w:p><w:r>'
                   f'<w:t>{{{{ {name}_note }}</w:t></w:r></w:p></w:{kind[:-1]}></w:{name}>')
            part = Part(PackURI(f"/word/{name}.xml"),
                        f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml",
                        xml.encode("utf-8"), document.part.package)
            document.part.relate_to(part, reltype)

    problems = {(p.part, p.paragraph, p.code, p.severity)
                for p in check_template(template(build), None)}
    assert problems == {
        ("word/footnotes.xml", 1, "syntax", "error"),
        ("word/comments.xml", 1, "unrendered_part", "warning"),
        ("word/endnotes.xml", 1, "unrendered_part", "warning"),
    }


def test_a_file_that_is_not_a_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "模板.docx"
    path.write_text("not a zip", encoding="utf-8")
    with pytest.raises(TemplateError, match="模板.docx"):
        check_template(path, None)


def test_problems_read_as_one_line_each(template: Callable[[Build], Path]) -> None:
    [problem] = check_template(template(_paragraphs("标题", "｛｛ title ｝｝")), None)
    assert str(problem).startswith("word/document.xml 第2段「｛｛ title ｝｝」: error ime_delimiter: ")


def test_after_a_syntax_error_the_rest_is_still_read(template: Callable[[Build], Path]) -> None:
    path = template(_paragraphs("{{ title }}", "截至{% if year %}年底", "{{ unit_nmae }}"))
    problems = check_template(path, frozenset({"title", "unit_name", "year", "report"}))
    assert [(p.paragraph, p.code) for p in problems] == [(2, "syntax"), (3, "unknown_variable")]
    assert "是否应为 unit_name" in problems[1].message  # and no "unused" for what may be used


def test_keywords_and_custom_properties_are_read(template: Callable[[Build], Path]) -> None:
    from tests.template_payloads import add_custom_property

    def build(document: Document) -> None:
        document.core_properties.keywords = "{{ kind }}"
        add_custom_property(document, "机关代字", "{{ office|upper }}")

    problems = check_template(template(build), frozenset({"title"}))
    assert [(p.part, p.text, p.code) for p in problems] == [
        ("docProps/core.xml", "keywords: {{ kind }}", "unknown_variable"),
        ("docProps/custom.xml", "机关代字: {{ office|upper }}", "unknown_variable"),
        (None, "", "unused_variable"),
    ]


def test_unknown_filters_and_tests_are_named_without_a_traceback(
        template: Callable[[Build], Path]) -> None:
    path = template(_paragraphs("{{ title|shout }}", "{% if title is shouting %}是{% endif %}",
                                "{{ title|upper }}"))
    problems = check_template(path, frozenset({"title"}))
    assert [(p.paragraph, p.code) for p in problems] == [(1, "unknown_filter"),
                                                         (2, "unknown_test")]
    assert "|shout" in problems[0].message and "is shouting" in problems[1].message


def test_ordinary_arithmetic_loops_and_formats_pass(template: Callable[[Build], Path]) -> None:
    path = template(_paragraphs(
        "{% for i in range(3) %}{% for j in range(100) %}{{ i * j }}{% endfor %}{% endfor %}",
        "{{ '%5.1f' % 3.14159 }}{{ '{:,}'.format(12345678) }}{{ 2 ** 10 }}{{ '-' * 20 }}",
        "{{ title|center(40) }}{{ title ~ '！' }}"))
    assert check_template(path, frozenset({"title"})) == []
    rendered = _render_text(path, {"title": "总结"})
    assert "3.112,345,6781024" + "-" * 20 in rendered


def _render_text(path: Path, context: dict[str, object]) -> str:
    document = docx.Document(io.BytesIO(render_docx(path, context)))
    return "\n".join(p.text for p in document.paragraphs)
