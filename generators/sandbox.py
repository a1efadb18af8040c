"""The bounded Jinja sandbox every template renders in, and the limits it keeps.

Jinja's own sandbox stops a template from reaching Python internals; it does not
stop a template from working forever or filling memory (``range(10**9)``, nested
loops, ``(9**9)**(9**9)``, ``'x'*10**10``, a string doubled in a loop). This one
also does, for each render, within :class:`Limits`:

- every loop iteration and every call (a macro, a method) is a step, and the steps
  and the render's wall-clock time are capped;
- ``range()`` is capped in length; ``*``, ``**``, ``+`` and ``%`` are checked before
  they compute, so no single value (string, list, integer) gets too big;
- what the template makes (results of calls, filters, operators, ``~``, and its
  output) is counted against a size budget;
- format strings with huge widths (``'%999999999d'``, ``'{:>999999999}'``) are refused.

A breach raises :class:`RenderLimitError`, which :func:`wenshu.generators.render.render_docx`
turns into a TemplateError naming the template. The template checker uses
:func:`check_binop` and the same limits to flag such tags before any render.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import _PassArg
from jinja2.visitor import NodeTransformer


@dataclass(frozen=True)
class Limits:
    """How much one render may do. Ordinary documents use well under 1% of each."""

    steps: int = 100_000  # loop iterations + calls
    seconds: float = 10.0  # wall clock for the whole render
    produced: int = 50_000_000  # characters/items made by operations and output
    value: int = 5_000_000  # characters/items of any one value
    range: int = 100_000  # items of one range()
    int_bits: int = 4096  # bits of any one integer (about 1,200 digits)
    width: int = 1000  # a format width or a padding width


LIMITS = Limits()
_SEQUENCES = (str, bytes, list, tuple)
# %-style and {}-style width/precision fields in a format string.
_PERCENT_WIDTH = re.compile(r"%[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACE_WIDTH = re.compile(r"\{[^{}]*:[^{}]*?(\d+)(?:\.(\d+))?[^{}]*\}")
_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_PADDING_FILTERS = frozenset({"center", "indent", "wordwrap"})


class RenderLimitError(jinja2.exceptions.SecurityError):
    """A template went past a render limit; the message says which, in Chinese."""


@dataclass
class _Budget:
    """What is left of one render's limits."""

    limits: Limits
    deadline: float
    steps: int = 0
    produced: int = 0

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > self.limits.steps:
            raise RenderLimitError(f"循环和调用次数超过{self.limits.steps}次")
        if time.monotonic() > self.deadline:
            raise RenderLimitError(f"渲染时间超过{self.limits.seconds:g}秒")

    def made(self, value: Any) -> Any:
        if isinstance(value, (_SEQUENCES, dict, set)):
            size = len(value)
            if size > self.limits.value:
                raise RenderLimitError(f"单个值的长度超过{self.limits.value}")
            self.produced += size
            if self.produced > self.limits.produced:
                raise RenderLimitError(f"生成的内容超过{self.limits.produced}字符")
        return value


_BUDGET: ContextVar[_Budget] = ContextVar("wenshu_render_budget")


@contextmanager
def render_budget(limits: Limits = LIMITS) -> Iterator[None]:
    """Run the renders inside this block within ``limits`` (together)."""
    token = _BUDGET.set(_Budget(limits, time.monotonic() + limits.seconds))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _budget() -> _Budget:
    try:
        return _BUDGET.get()
    except LookupError:
        raise RenderLimitError("模板只能在 render_budget() 之内渲染") from None


def check_binop(operator: str, left: Any, right: Any, limits: Limits = LIMITS) -> None:
    """Raise :class:`RenderLimitError` when ``left operator right`` would be too big to make."""
    if operator == "**" and _is_int(left) and _is_int(right):
        if abs(left) > 1 and right > 0 and right * left.bit_length() > limits.int_bits:
            raise RenderLimitError(f"乘方 {_short(left)}**{_short(right)} 的结果过大")
    elif operator == "*":
        if _is_int(left) and _is_int(right):
            if left.bit_length() + right.bit_length() > limits.int_bits:
                raise RenderLimitError("乘积过大")
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, _SEQUENCES) and _is_int(times):
                if len(sequence) * times > limits.value:
                    raise RenderLimitError(f"重复 {_short(times)} 次后的长度超过{limits.value}")
    elif operator == "+" and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        if len(left) + len(right) > limits.value:
            raise RenderLimitError(f"拼接后的长度超过{limits.value}")
    elif operator == "%" and isinstance(left, str):
        check_format(left, braces=False, limits=limits)


def check_format(text: str, *, braces: bool, limits: Limits = LIMITS) -> None:
    """Refuse a format string whose width or precision would pad a value to a huge size:
    ``{:>N}`` fields for ``str.format`` (``braces``), ``%N`` ones for ``%`` and ``|format``."""
    pattern = _BRACE_WIDTH if braces else _PERCENT_WIDTH
    numbers = [n for m in pattern.finditer(text) for n in m.groups() if n and n != "*"]
    if any(len(n) > 6 or int(n) > limits.width for n in numbers):
        raise RenderLimitError(f"格式字符串中的宽度超过{limits.width}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int)


def _short(value: Any) -> str:
    text = str(value) if not _is_int(value) or value.bit_length() < 64 else "…"
    return text if len(text) <= 20 else text[:19] + "…"


def _bounded_range(*args: int) -> range:
    """``range()`` for templates: at most :attr:`Limits.range` items, counted as made."""
    budget = _budget()
    numbers = range(*args)
    if len(numbers) > budget.limits.range:
        raise RenderLimitError(f"range() 有{len(numbers)}项，超过{budget.limits.range}项")
    budget.made(numbers)  # len() of a range: counted like a list of that length
    return numbers


def _counted(context: Context, items: Iterable[Any]) -> Iterator[Any]:
    """A loop's items, each a step (wrapped around every ``{% for %}``'s iterable)."""
    budget = _budget()
    for item in items:
        budget.step()
        yield item


def _joined(context: Context, pieces: list[Any]) -> str:
    """``a ~ b``, counted as made."""
    join = markup_join if context.eval_ctx.autoescape else str_join
    return _budget().made(join(pieces))


class _Bounder(NodeTransformer):
    """Routes every loop through :func:`_counted` and every ``~`` through :func:`_joined`."""

    def __init__(self, environment: jinja2.Environment) -> None:
        self.environment = environment

    def _filter(self, node: nodes.Expr, name: str) -> nodes.Filter:
        wrapped = nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)
        wrapped.set_environment(self.environment)
        return wrapped

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = self._filter(node.iter, "_wenshu_counted")
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        items = nodes.List(node.nodes, lineno=node.lineno)
        items.set_environment(self.environment)
        return self._filter(items, "_wenshu_joined")


def _guard_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` counting its result as made; padding filters refuse huge widths.

    The guard takes the context, so Jinja never runs it at compile time (constant folding).
    """
    passes = _PassArg.from_obj(function)

    @wraps(function)
    def guarded(context: Context, *args: Any, **kwargs: Any) -> Any:
        budget = _budget()
        if name in _PADDING_FILTERS:
            _check_widths(args[1:], kwargs, budget.limits)
        elif name == "format" and args and isinstance(args[0], str):
            check_format(args[0], braces=False, limits=budget.limits)
        if passes is _PassArg.context:
            args = (context, *args)
        elif passes is _PassArg.eval_context:
            args = (context.eval_ctx, *args)
        elif passes is _PassArg.environment:
            args = (context.environment, *args)
        return budget.made(function(*args, **kwargs))

    guarded.jinja_pass_arg = _PassArg.context  # type: ignore[attr-defined]
    return guarded


def _check_widths(args: Iterable[Any], kwargs: dict[str, Any], limits: Limits) -> None:
    for value in (*args, *kwargs.values()):
        if _is_int(value) and value > limits.width:
            raise RenderLimitError(f"宽度 {_short(value)} 超过{limits.width}")


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox plus the limits of :mod:`wenshu.generators.sandbox`, compiling each
    source once (docxtpl recompiles every part on every render, over half its time)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _bounded_range
        # Nothing an office template needs: lipsum makes text without end, and cycler and
        # joiner are the usual first step of template-injection payloads.
        for name in ("lipsum", "cycler", "joiner"):
            self.globals.pop(name, None)
        self.filters = {name: _guard_filter(name, f) for name, f in self.filters.items()}
        self.filters["_wenshu_counted"] = jinja2.pass_context(_counted)
        self.filters["_wenshu_joined"] = jinja2.pass_context(_joined)

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None,
                  defer_init: bool = False) -> str:
        """Compile ``source`` with its loops counted and its ``~`` joins measured."""
        return super()._generate(_Bounder(self).visit(source), name, filename, defer_init)

    @lru_cache(maxsize=64)
    def from_string(self, source: str) -> jinja2.Template:  # type: ignore[override]
        """The compiled template for ``source``, compiled on first use."""
        return super().from_string(source)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """``left operator right`` when its result stays within the limits."""
        budget = _budget()
        check_binop(operator, left, right, budget.limits)
        return budget.made(self.binop_table[operator](left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any,  # noqa: N805
             **kwargs: Any) -> Any:
        """A call from the template: one step, padding widths checked, result measured."""
        budget = _budget()
        budget.step()
        if isinstance(getattr(__obj, "__self__", None), str) and \
                getattr(__obj, "__name__", "") in _PADDING_METHODS:
            _check_widths(args, kwargs, budget.limits)
        return budget.made(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` / ``format_map``, sandboxed by Jinja, refusing huge widths."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            check_format(value.__self__, braces=True, limits=_budget().limits)
        return wrapped

    def concat(self, pieces: Iterable[str]) -> str:  # type: ignore[override]
        """A template's whole output, counted as made while it is produced."""
        budget = _budget()
        return "".join(budget.made(piece) for piece in pieces)


__all__ = ["LIMITS", "BoundedSandbox", "Limits", "RenderLimitError", "check_binop",
           "check_format", "render_budget"]
