"""Where a transfer package is built, and how it is put in place.

The zip is built in a folder of its own under ``settings.work_dir/transfer`` that
the exporting process holds locked, then renamed into place (copied through a
locked temporary beside the target when the target is on another file system).
A process killed mid-way leaves its folder behind unlocked; the next export
removes it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from wenshu.settings import Settings


@contextlib.contextmanager
def work_folder(settings: Settings) -> Iterator[Path]:
    """A folder of this export's own under work_dir/transfer, locked while it lives.

    Folders whose lock nobody holds were left by a killed export and are removed
    first; the sweep lock keeps a folder from being swept between its creation
    and its owner locking it.
    """
    base = settings.work_dir / "transfer"
    base.mkdir(parents=True, exist_ok=True)
    with _sweep_lock(base):
        for entry in base.iterdir():
            if entry.name.startswith("."):
                continue
            _remove_if_abandoned(entry)
        folder = base / uuid.uuid4().hex
        folder.mkdir()
        lock = _locked(folder / ".lock")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        lock.close()


@contextlib.contextmanager
def _sweep_lock(base: Path) -> Iterator[None]:
    with open(base / ".sweep.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _locked(path: Path) -> IO[str]:
    """``path`` opened and exclusively locked; the lock lasts until the handle closes."""
    handle = open(path, "a")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def _remove_if_abandoned(entry: Path) -> None:
    """Remove a work folder or partial file whose owner is gone (its lock is free)."""
    lock_path = entry / ".lock" if entry.is_dir() else entry
    try:
        handle = open(lock_path, "a") if lock_path.exists() else None
    except OSError:
        return
    try:
        if handle is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # a live export owns it
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    finally:
        if handle is not None:
            handle.close()


def place(settings: Settings, partial: Path, target: Path) -> None:
    """Rename the finished zip into place; through a locked copy beside it across devices."""
    try:
        os.replace(partial, target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    base = settings.work_dir / "transfer"
    with _sweep_lock(base):
        for stale in target.parent.glob(f".{target.name}.*.part"):
            _remove_if_abandoned(stale)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        handle = _locked(temporary)
    try:
        with partial.open("rb") as src, temporary.open("wb") as dst:
            shutil.copyfileobj(src, dst)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
        handle.close()


__all__ = ["place", "work_folder"]
