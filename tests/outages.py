"""Outages a test can cause with real parts: a TCP relay in front of the real PostgreSQL
that it cuts and restores, as a network outage or a database restart would (open
connections dropped, new ones refused); a small disk that it fills up; an archive share
that is not mounted."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest


class Relay:
    """Forwards 127.0.0.1:``port`` to ``target`` while open."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:  # a free port, kept across cut and restore
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def restore(self) -> None:
        """Accept connections again."""
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.05)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Drop every open connection and refuse new ones."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            dropped, self._open = self._open, []
        for sock in dropped:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by cut()
            client.settimeout(None)
            server = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextmanager
def full_disk(folder: Path) -> Iterator[Path]:
    """``folder`` on a 1 MiB tmpfs of its own, filled up; yields the filler file, whose
    removal frees the room. Skips the test where this machine does not allow mounting."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.strip()}")
    filler = folder / "filler.bin"
    try:
        with suppress(OSError), filler.open("wb") as out:
            while True:
                out.write(b"\0" * 65536)
        yield filler
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@contextmanager
def unmounted(root: Path) -> Iterator[None]:
    """``root`` as a share that is not mounted leaves it: an empty folder where the archive
    was. The archive is back as it was afterwards."""
    share = root.with_name(f"{root.name}.share")
    root.rename(share)
    root.mkdir()
    try:
        yield
    finally:
        shutil.rmtree(root)
        share.rename(root)
