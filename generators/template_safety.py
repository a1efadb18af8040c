"""What a template's syntax tree shows the render would refuse, found without rendering.

:func:`safety_findings` walks a parsed template and names, with the line of each:

- ``sandbox``: what the sandbox refuses: attributes starting with ``_``
  (``__class__``, ``__globals__``), internals such as ``mro`` or ``gi_frame``, the
  ``attr`` filter with such a name (or one only known at render time), and format
  strings that look up attributes or items (``'{0.__class__}'.format(x)``);
- ``unbounded``: what goes past the render limits (:mod:`wenshu.generators.sandbox`)
  whenever it runs, as far as constants show it: ``range(10**9)``, nested loops over
  ranges whose sizes multiply past the step limit, ``(9**9)**(9**9)``, ``'x'*10**10``,
  padding and format widths such as ``center(10**9)`` or ``'%999999999d'``;
- ``unknown_filter`` / ``unknown_test``: a filter or test the environment lacks
  (Jinja would fail on the first, and a misspelt test is an error at render time).

The limits and the operator checks are the sandbox's own, so the check and the
render agree.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_FUNCTION_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    UNSAFE_METHOD_ATTRIBUTES,
    SandboxedEnvironment,
)

from wenshu.generators.sandbox import (
    LIMITS,
    RenderLimitError,
    check_binop,
    check_format,
)

# Attributes the sandbox refuses on the objects that have them (frames, code, types).
_INTERNAL = frozenset({"mro", "tb_frame", "tb_next", "f_back", "f_globals", "f_locals",
                       "f_builtins", "f_code", "func_globals", "func_code"}
                      | UNSAFE_FUNCTION_ATTRIBUTES | UNSAFE_METHOD_ATTRIBUTES
                      | UNSAFE_GENERATOR_ATTRIBUTES | UNSAFE_COROUTINE_ATTRIBUTES
                      | UNSAFE_ASYNC_GENERATOR_ATTRIBUTES)
# A replacement field that looks something up: {0.x}, {name[0]}, {.x}.
_FIELD_LOOKUP = re.compile(r"\{[^{}:!]*[.\[][^{}]*\}")
_BINOPS = {nodes.Add: "+", nodes.Sub: "-", nodes.Mul: "*", nodes.Pow: "**", nodes.Mod: "%",
           nodes.Div: "/", nodes.FloorDiv: "//"}
_PADDING = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "indent", "wordwrap"})
_UNKNOWN = object()


@dataclass(frozen=True)
class Finding:
    """One thing the render would refuse: its code, message (Chinese) and template line."""

    code: str
    message: str
    line: int


def safety_findings(tree: nodes.Template, env: jinja2.Environment) -> list[Finding]:
    """Every finding in ``tree``, in source order; ``env`` knows the filters and tests."""
    found = dict.fromkeys((*_walk(tree, env), *_nested_loops(tree, 1)))  # once each, in order
    return sorted(found, key=lambda f: f.line)


def _walk(tree: nodes.Node, env: jinja2.Environment) -> Iterator[Finding]:
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Getattr):
            yield from _attribute(node.attr, node.lineno)
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
                and isinstance(node.arg.value, str):
            yield from _attribute(node.arg.value, node.lineno)
        elif isinstance(node, nodes.Filter):
            yield from _filter(node, env)
        elif isinstance(node, nodes.Test) and node.name not in env.tests:
            yield Finding("unknown_test", f"没有名为 {node.name} 的判断（is {node.name}）"
                          + _suggest(node.name, env.tests), node.lineno)
        elif isinstance(node, nodes.BinExpr):
            yield from _limit(lambda n=node: _const(n), node.lineno)
        elif isinstance(node, nodes.Call):
            yield from _call(node)


def _attribute(name: str, line: int) -> Iterator[Finding]:
    if name.startswith("_") or name in _INTERNAL:
        yield Finding("sandbox", f"不允许访问属性 {name}（以下划线开头或属于 Python 内部），"
                                 "渲染时会被安全沙箱拒绝", line)


def _filter(node: nodes.Filter, env: jinja2.Environment) -> Iterator[Finding]:
    if node.name not in env.filters:
        yield Finding("unknown_filter", f"没有名为 {node.name} 的过滤器（|{node.name}）"
                      + _suggest(node.name, env.filters), node.lineno)
        return
    args = [_const(arg) for arg in node.args]
    if node.name == "attr":
        name = args[0] if args else _UNKNOWN
        if not isinstance(name, str):
            yield Finding("sandbox", "attr 过滤器的属性名要到渲染时才知道，可能被用来访问 Python "
                                     "内部；请直接写 值.属性名", node.lineno)
        else:
            yield from _attribute(name, node.lineno)
    elif node.name == "format" and node.node is not None:
        yield from _format(_const(node.node), node.lineno, braces=False)
    if node.name in _PADDING:
        yield from _widths(node.name, args, node.lineno)


def _call(node: nodes.Call) -> Iterator[Finding]:
    callee = node.node
    args = [_const(arg) for arg in node.args]
    if isinstance(callee, nodes.Name) and callee.name == "range":
        yield from _limit(lambda: _range(args), node.lineno)
    elif isinstance(callee, nodes.Getattr):
        if callee.attr in ("format", "format_map"):
            yield from _format(_const(callee.node), node.lineno, braces=True)
        elif callee.attr in _PADDING:
            yield from _widths(callee.attr, args, node.lineno)


def _format(text: Any, line: int, *, braces: bool) -> Iterator[Finding]:
    if not isinstance(text, str):
        return
    if braces and _FIELD_LOOKUP.search(text):
        yield Finding("sandbox", f"格式字符串 {_short(text)} 在 {{}} 中访问属性或下标，"
                                 "渲染时会被安全沙箱拒绝或泄露内部信息；请在模板中直接写变量", line)
    yield from _limit(lambda: check_format(text, braces=braces), line)


def _widths(name: str, args: list[Any], line: int) -> Iterator[Finding]:
    if any(isinstance(a, int) and a > LIMITS.width for a in args):
        yield Finding("unbounded", f"{name} 的宽度超过{LIMITS.width}，渲染时会被拒绝", line)


def _limit(compute: Any, line: int) -> Iterator[Finding]:
    """A finding when ``compute()`` goes past a render limit."""
    try:
        compute()
    except RenderLimitError as exc:
        yield Finding("unbounded", f"{exc}，渲染时会被拒绝；请改用较小的数或去掉这段运算", line)


def _range(args: list[Any]) -> None:
    if args and all(isinstance(a, int) for a in args):
        size = len(range(*args))
        if size > LIMITS.range:
            raise RenderLimitError(f"range() 有{size}项，超过{LIMITS.range}项")


def _const(node: nodes.Node) -> Any:
    """The value of a constant expression, computed only within the limits; else _UNKNOWN.

    Raises :class:`RenderLimitError` when computing it would go past a limit.
    """
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, (nodes.Neg, nodes.Pos)):
        value = _const(node.node)
        if isinstance(value, (int, float)):
            return -value if isinstance(node, nodes.Neg) else value
        return _UNKNOWN
    if isinstance(node, nodes.BinExpr) and type(node) in _BINOPS:
        left, right = _const(node.left), _const(node.right)
        if left is _UNKNOWN or right is _UNKNOWN:
            return _UNKNOWN
        operator = _BINOPS[type(node)]
        check_binop(operator, left, right)
        try:
            return SandboxedEnvironment.default_binop_table[operator](left, right)
        except (ArithmeticError, TypeError, ValueError):
            return _UNKNOWN
    return _UNKNOWN


def _range_size(node: nodes.Node) -> int | None:
    """How many items a loop over ``range(constants)`` has; None when not known."""
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) \
            and node.node.name == "range":
        try:
            args = [_const(arg) for arg in node.args]
        except RenderLimitError:
            return None
        if args and all(isinstance(a, int) for a in args):
            return len(range(*args))
    return None


def _nested_loops(node: nodes.Node, outer: int) -> Iterator[Finding]:
    """Loops over constant ranges nested so that their sizes multiply past the step limit."""
    for child in node.iter_child_nodes():
        if not isinstance(child, nodes.For):
            yield from _nested_loops(child, outer)
            continue
        size = _range_size(child.iter)
        total = outer * size if size else outer
        if size and size <= LIMITS.range and total > LIMITS.steps >= outer:
            yield Finding("unbounded", f"嵌套循环共要执行{total}次，超过{LIMITS.steps}次，"
                                       "渲染时会被拒绝", child.lineno)
        yield from _nested_loops(child, total)


def _suggest(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, [n for n in known if not n.startswith("_")], n=1)
    return f"；是否应为 {close[0]}？" if close else ""


def _short(text: str) -> str:
    return text if len(text) <= 30 else text[:29] + "…"
