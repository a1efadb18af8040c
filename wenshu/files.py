"""Files written whole or not at all.

A reader (LibreOffice reading a font, a clerk downloading a workbook, a render reading an
installed template) must never see half a file, and a writer that fails or is killed must
not leave one in the target's place. :func:`write_whole` is the one way wenshu writes such
a file: into a scratch file beside the target, then renamed over it in one step.

The archive's own files (fsynced, placed through staging folders and recorded in the
database) and the transfer packages (placed across devices) have their own placing in
``wenshu.archive``; this module is for everything else.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path


def write_whole(target: Path, content: bytes | Callable[[Path], object], *,
                mode: int | None = None) -> Path:
    """Write ``target`` whole: ``content`` (bytes, or a function that writes the file at
    the path it is given) goes to a scratch file in the same folder, which is then
    renamed over ``target``. ``mode`` (e.g. ``0o444``) is set before the rename, so the
    file is never seen with other permissions. The scratch name is unique (two writers of
    the same target do not share one) and hidden (``.NAME.HEX.part``); it is removed if
    writing fails. Returns ``target``; raises what writing or renaming raises."""
    scratch = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        if isinstance(content, bytes):
            scratch.write_bytes(content)
        else:
            content(scratch)
        if mode is not None:
            scratch.chmod(mode)
        os.replace(scratch, target)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    return target


__all__ = ["write_whole"]
