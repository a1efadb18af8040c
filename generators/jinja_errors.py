"""Jinja syntax errors as a template's author needs them: the tag to blame, and the rest read.

Pure functions over the Jinja source that :mod:`wenshu.generators.template_check`
builds from a template part (each tag on its own line), so a line is a tag.
"""

from __future__ import annotations

import re

import jinja2
from jinja2 import nodes

# Syntax errors passed over (one tag each) to go on reading a part's variables.
_MAX_RECOVERIES = 20

# Block tags that need an end tag; ``set`` only in its block form (no ``=``).
_BLOCKS = frozenset({"for", "if", "macro", "call", "filter", "with", "block", "autoescape",
                     "trans", "set"})


def recover_parse(env: jinja2.Environment, source: str, line: int) -> nodes.Template | None:
    """The part parsed with the faulty tags left out (each tag is on its own line), so
    the variables of the rest are still read; None when that does not work."""
    source_lines = source.split("\n")
    for _ in range(_MAX_RECOVERIES):
        if not 0 < line <= len(source_lines) or not source_lines[line - 1]:
            return None
        source_lines[line - 1] = ""
        attempt = "\n".join(source_lines)
        try:
            return env.parse(attempt)
        except jinja2.TemplateSyntaxError as exc:
            line = error_line(env, attempt, exc)
    return None


def error_line(env: jinja2.Environment, source: str, exc: jinja2.TemplateSyntaxError) -> int:
    """The line to blame: for a block left open, the line that opens it.

    Jinja notices an unclosed block only at the end of the template or at another
    block's end tag ("nesting mistake"); the author needs the tag that opened it.
    """
    message = exc.message or ""
    if not (message.startswith("Unexpected end of template") or "nesting mistake" in message):
        return exc.lineno
    stack: list[int] = []
    try:
        tokens = [token for token in env.lex(source) if token[1] != "whitespace"]
    except jinja2.TemplateSyntaxError:
        return exc.lineno
    for position, (line, kind, value) in enumerate(tokens):
        if line >= exc.lineno and not message.startswith("Unexpected end of template"):
            break
        if kind != "name" or position == 0 or tokens[position - 1][1] != "block_begin":
            continue
        if value in _BLOCKS and not (value == "set" and _inline_set(tokens, position)):
            stack.append(line)
        elif value.startswith("end") and stack:
            stack.pop()
    return stack[-1] if stack else exc.lineno


def _inline_set(tokens: list[tuple[int, str, str]], position: int) -> bool:
    """Whether the ``set`` at ``position`` assigns inline (``{% set x = 1 %}``)."""
    for _, kind, value in tokens[position:]:
        if kind == "block_end":
            return False
        if kind == "operator" and value == "=":
            return True
    return False


def syntax_message(exc: jinja2.TemplateSyntaxError) -> str:
    """The error for an author, in Chinese; with a hint when a full-width character caused it."""
    message = f"模板语法错误：{exc.message}"
    unexpected = re.search(r"unexpected char '(.)'", exc.message or "")
    if unexpected and ord(unexpected.group(1)) > 0x7F:
        message += f"；标签里的“{unexpected.group(1)}”是全角字符，请在英文（半角）状态下输入"
    return message
