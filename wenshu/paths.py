"""Paths built from data stay inside their root folder.

Unit codes, periods, topics, stored file names and zip member names all end up
in paths. Whatever they hold, :func:`inside` is the one way such a path is
made: every part must be a single plain name (no ``/``, ``\\``, ``..``, nothing
absolute) and the result, with symlinks resolved, must still lie under the root.
Check first, then write: the check raises before anything is created.
"""

from __future__ import annotations

from pathlib import Path

from wenshu.errors import PathError

# "\\" too: a name with it is a path on Windows and in zips written there.
_SEPARATORS = ("/", "\\", "\x00")


def check_name(name: str) -> str:
    """``name`` unchanged when it is one plain file or folder name; :class:`PathError` if not.

    Refused: empty, ``.``, ``..``, anything with ``/``, ``\\`` or NUL in it.
    """
    problem = _name_problem(name)
    if problem is not None:
        raise PathError(f"“{name}”不是有效的文件名：{problem}")
    return name


def inside(root: Path, *parts: str) -> Path:
    """``root`` joined with ``parts`` (each a single name), checked to stay inside ``root``.

    Raises :class:`PathError` (its message names the path and the root) when a part is
    not a plain name (see :func:`check_name`) or when the joined path, with symlinks
    resolved, is not ``root`` or under it. Returns the joined path as written, not
    resolved, so ``relative_to(root)`` still works. The check sees the folders as they
    are now: where others may plant symlinks later (the inbox), refuse symlinks too.
    """
    shown = "/".join((str(root), *parts))
    for part in parts:
        problem = _name_problem(part)
        if problem is not None:
            raise PathError(f"路径“{shown}”无效：“{part}”{problem}；"
                            f"只能使用“{root}”之内的路径")
    target = root.joinpath(*parts)
    real_root, real = root.resolve(), target.resolve()
    if not real.is_relative_to(real_root):
        raise PathError(f"路径“{shown}”实际指向“{real}”，不在“{root}”之内，已拒绝")
    return target


def inside_relative(root: Path, relative: str) -> Path:
    """A relative POSIX path (as stored in the database or named in a zip) under ``root``.

    Split on ``/`` and checked part by part as :func:`inside` does, so ``a//b``,
    ``./a``, ``../a`` and ``/a`` are refused with :class:`PathError`.
    """
    if not isinstance(relative, str) or relative == "":
        raise PathError(f"路径“{relative}”无效：不能为空；只能使用“{root}”之内的路径")
    return inside(root, *relative.split("/"))


def _name_problem(name: object) -> str | None:
    """Why ``name`` is not one plain name, in Chinese; None when it is."""
    if not isinstance(name, str) or name == "":
        return "不能为空"
    if name in (".", ".."):
        return "不能是“.”或“..”"
    if any(separator in name for separator in _SEPARATORS):
        return "不能含路径分隔符“/”或“\\”"
    return None
