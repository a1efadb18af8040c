"""What a template reads and what a document kind provides, compared.

A variable path is written as :func:`context_paths` describes (``title``,
``report.unit``, ``indicator_rows[].label``). :func:`read_paths` walks a parsed
template for the paths it reads, loop variables and locals resolved to what they
stand for; :func:`compare` names what is read but not provided, and what is provided
but never read.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import jinja2
from jinja2 import meta, nodes

from wenshu.generators.sandbox import BoundedSandbox

# Where a path is first read: (part, paragraph, text), as a TemplateProblem locates it.
Where = tuple[str | None, int | None, str]
Finding = tuple[Where, str, str, Literal["error", "warning"]]  # where, code, message, severity
# Context keys with this prefix are notes for the clerk (how a work plan's targets were
# proposed …), provided on purpose and never printed: a template need not read them.
CLERK_PREFIX = "clerk_"


@dataclass
class Reads:
    """Variable paths a template reads, each with where it is first read."""

    first: dict[str, Where] = field(default_factory=dict)
    incomplete: bool = False  # a part could not be read whole: "unused" cannot be told

    def add(self, path: str, where: Where) -> None:
        """Note ``path`` read at ``where``, unless it was read before."""
        self.first.setdefault(path, where)


def context_paths(context: Mapping[str, Any]) -> frozenset[str]:
    """The variable paths a sample context provides, in the notation checks compare.

    A key is its name (``title``), a mapping's key is joined with a dot
    (``report.unit``), and the items of a list are ``name[]`` (``indicator_rows[]``,
    ``indicator_rows[].label``). Item keys are the union over all items, so a list
    must hold at least one item for its items' keys to count as provided.
    """
    paths: set[str] = set()

    def walk(path: str, value: Any) -> None:
        paths.add(path)
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(f"{path}.{key}", item)
        elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
            for item in value:
                walk(f"{path}[]", item)

    for key, value in context.items():
        walk(str(key), value)
    return frozenset(paths)


def read_paths(tree: nodes.Template, env: jinja2.Environment) -> list[tuple[str, int]]:
    """(path, line) of every context value the template reads, in the order read."""
    try:
        roots = meta.find_undeclared_variables(tree) - set(env.globals)
    except jinja2.TemplateAssertionError:
        # An unknown filter or test (reported on its own): read the rest as if it existed.
        tolerant = BoundedSandbox()
        for node in tree.find_all((nodes.Filter, nodes.Test)):
            known = tolerant.filters if isinstance(node, nodes.Filter) else tolerant.tests
            known.setdefault(node.name, lambda *args, **kwargs: None)
        tree.set_environment(tolerant)  # the analysis compiles with the tree's environment
        roots = meta.find_undeclared_variables(tree) - set(env.globals)
    found: list[tuple[str, int]] = []
    _visit(tree, {}, found)
    return [(path, line) for path, line in found if _root(path) in roots]


def _visit(node: nodes.Node, scope: dict[str, str | None], found: list[tuple[str, int]]) -> None:
    """Record the paths ``node`` reads; ``scope`` maps local names to the path they stand for."""
    if isinstance(node, nodes.For):
        _visit(node.iter, scope, found)
        inner = dict(scope, loop=None)
        items = _path(node.iter, scope)
        for name in _names(node.target):
            inner[name] = f"{items}[]" if items and isinstance(node.target, nodes.Name) else None
        for child in (*node.body, *([node.test] if node.test else [])):
            _visit(child, inner, found)
        for child in node.else_:
            _visit(child, scope, found)
    elif isinstance(node, (nodes.Assign, nodes.AssignBlock)):
        for child in node.iter_child_nodes(exclude=("target",)):
            _visit(child, scope, found)
        scope.update(dict.fromkeys(_names(node.target)))
    elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
        inner = dict(scope, **dict.fromkeys(a.name for a in node.args), caller=None, varargs=None,
                     kwargs=None)
        if isinstance(node, nodes.Macro):
            scope[node.name] = None
        else:
            _visit(node.call, scope, found)
        for child in (*node.defaults, *node.body):
            _visit(child, inner, found)
    elif isinstance(node, nodes.With):
        for value in node.values:
            _visit(value, scope, found)
        inner = dict(scope, **dict.fromkeys(n for t in node.targets for n in _names(t)))
        for child in node.body:
            _visit(child, inner, found)
    elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
        # x.items(), title.strip(): a method of the value, so the value is what is read.
        _visit(node.node.node, scope, found)
        for child in node.iter_child_nodes(exclude=("node",)):
            _visit(child, scope, found)
    elif isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
        path = _path(node, scope)
        if path is not None:
            found.append((path, node.lineno))
        elif not isinstance(node, nodes.Name):
            for child in node.iter_child_nodes():
                _visit(child, scope, found)
    else:
        for child in node.iter_child_nodes():
            _visit(child, scope, found)


def _path(node: nodes.Node, scope: Mapping[str, str | None]) -> str | None:
    """``indicator_rows[].label`` for ``r.label`` inside ``for r in indicator_rows``."""
    if isinstance(node, nodes.Name):
        return scope.get(node.name) if node.name in scope else node.name
    if isinstance(node, nodes.Getattr):
        base = _path(node.node, scope)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        base = _path(node.node, scope)
        if base is None:
            return None
        return f"{base}.{node.arg.value}" if isinstance(node.arg.value, str) else f"{base}[]"
    return None


def _names(target: nodes.Node) -> Iterable[str]:
    if isinstance(target, nodes.Name):
        yield target.name
    elif isinstance(target, nodes.Tuple):
        for item in target.items:
            yield from _names(item)


def _root(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def _ancestors(path: str) -> list[str]:
    """``a.b[].c`` → ``a``, ``a.b``, ``a.b[]``."""
    cuts = {m.start() for m in re.finditer(r"\.|\[\]", path)}
    cuts |= {m.end() for m in re.finditer(r"\[\]", path)}
    return [path[:cut] for cut in sorted(cuts) if 0 < cut < len(path)]


def compare(reads: Reads, provided: frozenset[str]) -> Iterator[Finding]:
    """Read but not provided (errors, where first read), provided but never read (warnings)."""
    leaves = {p for p in provided
              if not any(q.startswith((f"{p}.", f"{p}[]")) for q in provided)}
    for path, (part, paragraph, text) in reads.first.items():
        if path in provided or any(a in leaves for a in _ancestors(path)):
            continue
        message = f"模板使用了 {path}，但这类文件不提供它"
        close = difflib.get_close_matches(path, sorted(provided), n=1, cutoff=0.8)
        if close:
            message += f"；是否应为 {close[0]}？"
        yield (part, paragraph, text), "unknown_variable", message, "error"
    if reads.incomplete:
        return  # a part not read whole may use what looks unused
    read = set(reads.first)
    unused = {p for p in provided if not p.startswith(CLERK_PREFIX)
              and not any(r == p or r.startswith((f"{p}.", f"{p}[]")) for r in read)}
    for path in sorted(unused):
        if not any(a in unused for a in _ancestors(path)):
            yield (None, None, ""), "unused_variable", f"这类文件提供 {path}，但模板没有用到它", "warning"
