"""A warm LibreOffice: one soffice kept running, driven over UNO, converting on request.

Run by the SYSTEM python (``/usr/bin/python3``, which has Debian's ``python3-uno``;
a venv cannot import ``uno``)::

    /usr/bin/python3 uno_worker.py --soffice soffice --profile DIR --fontconfig FILE \
        --pdf-options '{"SelectPdfVersion": 2}'

It starts its own soffice on its own profile and pipe, then reads one JSON request per
line on stdin and answers one JSON line on stdout:

    {"docx": "/in.docx", "pdf": "/out.pdf", "title": "…", "author": "…",
     "subject": "…", "date": "2026-01-15"}
    → {"ok": true}  or  {"ok": false, "error": "…", "restart": false}

``restart: true`` means LibreOffice died: the worker exits after answering, and its
owner starts a new one. The first line it writes is ``{"ready": true}`` once LibreOffice
accepts connections. End of input shuts LibreOffice down. This file imports nothing from
wenshu: it runs outside the venv.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, TextIO

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.lang import DisposedException
from com.sun.star.uno import Exception as UnoException
from com.sun.star.util import DateTime

# soffice.bin's exit code after it has created a new profile: start it again.
_LOST_GRACE_SECONDS = 1.0
_RESTART_EXIT_CODE = 81
# Force the Word import filter: auto-detection opens a damaged .docx as plain text.
_INPUT_FILTER = "MS Word 2007 XML"
_CONNECT_POLL_SECONDS = 0.05
_SHUTDOWN_SECONDS = 10.0
# Fields whose text the layout computes on every page it lays out.
_LAYOUT_FIELDS = ("com.sun.star.text.TextField.PageNumber",
                  "com.sun.star.text.TextField.PageCount")


class WorkerError(Exception):
    """LibreOffice could not be started or reached (reported to the owner as JSON)."""


def _properties(values: dict[str, Any]) -> tuple[PropertyValue, ...]:
    """UNO's name/value sequence from a dict."""
    result = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        result.append(prop)
    return tuple(result)


def _uno_date(text: str) -> DateTime:
    """Midnight UTC of an ISO date, as a UNO DateTime."""
    year, month, day = (int(part) for part in text.split("-"))
    stamp = DateTime()
    stamp.Year, stamp.Month, stamp.Day, stamp.IsUTC = year, month, day, True
    return stamp


class Office:
    """One soffice process on its own profile and pipe, and the UNO desktop in it."""

    def __init__(self, soffice: str, profile: Path, fontconfig: Path,
                 start_timeout: float, pdf_options: dict[str, Any]) -> None:
        """Start soffice and connect; raises :class:`WorkerError` when that fails.

        ``pdf_options`` is writer_pdf_Export's filter data (PDF version, fonts …).
        """
        self.pdf_options = pdf_options
        self.pipe = f"wenshu-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        command = [
            soffice, f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck",
            "--nodefault", f"--accept=pipe,name={self.pipe};urp;",
        ]
        # TZ=UTC: the export's own timestamps then carry the same zone on every machine.
        env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig), "TZ": "UTC"}
        profile.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + start_timeout
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                        stdout=sys.stderr, stderr=sys.stderr)
        try:
            self.desktop = self._connect(command, env, deadline)
        except WorkerError:
            self.process.kill()
            self.process.wait()
            raise

    def _connect(self, command: list[str], env: dict[str, str], deadline: float) -> Any:
        """The remote desktop, once soffice accepts; restarts it after its first-start exit."""
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        url = f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext"
        while True:
            code = self.process.poll()
            if code == _RESTART_EXIT_CODE:
                self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                                stdout=sys.stderr, stderr=sys.stderr)
            elif code is not None:
                raise WorkerError(f"LibreOffice exited with code {code} while starting")
            try:
                remote = resolver.resolve(url)
                return remote.ServiceManager.createInstanceWithContext(
                    "com.sun.star.frame.Desktop", remote)
            except NoConnectException:
                pass
            except DisposedException:
                # Connected to a first start that then exited 81: poll and retry.
                pass
            if time.monotonic() > deadline:
                raise WorkerError("LibreOffice did not accept a connection in time")
            time.sleep(_CONNECT_POLL_SECONDS)

    def alive(self, grace: float = 0.0) -> bool:
        """Whether soffice is still running ``grace`` seconds from now (or exits sooner)."""
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            return True
        return False

    def convert(self, request: dict[str, str]) -> None:
        """Load, refresh, set properties, export PDF/A-2b, close."""
        source = Path(request["docx"]).resolve()
        target = Path(request["pdf"]).resolve()
        document = self.desktop.loadComponentFromURL(
            source.as_uri(), "_blank", 0,
            _properties({"Hidden": True, "ReadOnly": True, "FilterName": _INPUT_FILTER}))
        if document is None:
            raise ValueError(f"LibreOffice could not open {source.name} as a Word document")
        try:
            _refresh(document)
            _set_properties(document, request)
            filter_data = uno.Any("[]com.sun.star.beans.PropertyValue",
                                  _properties(self.pdf_options))
            store = _properties({"FilterName": "writer_pdf_Export", "Overwrite": True})
            # FilterData is an Any of a typed sequence; PyUNO cannot infer that itself.
            store += _properties({"FilterData": filter_data})
            uno.invoke(document, "storeToURL", (target.as_uri(), store))
        finally:
            document.close(True)

    def shutdown(self) -> None:
        """Ask LibreOffice to quit; kill it when it does not."""
        try:
            self.desktop.terminate()
        except (DisposedException, UnoException):
            pass  # already gone, or it quit while answering
        try:
            self.process.wait(timeout=_SHUTDOWN_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _refresh(document: Any) -> None:
    """Bring the table of contents, other indexes and fields up to date.

    Word stores the last computed text of a TOC; indexes are rebuilt first, since the
    fields' page numbers depend on the pages the indexes take. (A refresh of the whole
    document on top costs ≈7% of a conversion and changes nothing in the PDF.) Fields
    are refreshed only when one of them is not settled by the layout itself: a document
    whose only fields are page numbers (a summary's footers) saves ≈4 ms of ≈130.
    """
    indexes = document.getDocumentIndexes()
    for position in range(indexes.getCount()):
        indexes.getByIndex(position).update()
    fields = document.getTextFields()
    enumeration = fields.createEnumeration()
    while enumeration.hasMoreElements():
        field = enumeration.nextElement()
        if not any(field.supportsService(name) for name in _LAYOUT_FIELDS):
            fields.refresh()
            return


def _set_properties(document: Any, request: dict[str, str]) -> None:
    """Title, author (the issuing unit), subject and dates: PDF Info and XMP take these."""
    properties = document.getDocumentProperties()
    for key, name in (("title", "Title"), ("author", "Author"), ("subject", "Subject")):
        if request.get(key):
            setattr(properties, name, request[key])
    if request.get("author"):
        properties.ModifiedBy = request["author"]
    if request.get("date"):
        stamp = _uno_date(request["date"])
        properties.CreationDate = stamp
        properties.ModificationDate = stamp


def _answer(channel: TextIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message, ensure_ascii=False) + "\n")
    channel.flush()


def serve(office: Office, requests: TextIO, answers: TextIO) -> int:
    """Answer requests until end of input (exit 0) or until LibreOffice is lost (exit 1)."""
    for line in requests:
        if not line.strip():
            continue
        try:
            office.convert(json.loads(line))
        except DisposedException:
            # The bridge is gone with LibreOffice (killed, crashed): nothing more to serve.
            _answer(answers, {"ok": False, "restart": True,
                              "error": "LibreOffice went away during the conversion"})
            return 1
        except (UnoException, ValueError, KeyError, OSError) as exc:
            # A killed LibreOffice can fail the call ("illegal object given!") before its
            # process is gone: give it a moment, so the document is retried on a new one.
            lost = not office.alive(_LOST_GRACE_SECONDS)
            message = getattr(exc, "Message", "") or str(exc) or type(exc).__name__
            _answer(answers, {"ok": False, "restart": lost, "error": message})
            if lost:
                return 1
            continue
        _answer(answers, {"ok": True})
    office.shutdown()
    return 0


def main() -> int:
    """Start LibreOffice, say ready, serve requests."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--soffice", default="soffice")
    parser.add_argument("--profile", type=Path, required=True)
    parser.add_argument("--fontconfig", type=Path, required=True)
    parser.add_argument("--start-timeout", type=float, default=60.0)
    parser.add_argument("--pdf-options", type=json.loads, default={},
                        help="writer_pdf_Export filter data as a JSON object")
    args = parser.parse_args()
    # Answers get a private copy of stdout; whatever LibreOffice or UNO print goes to
    # stderr instead of corrupting the protocol.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        office = Office(args.soffice, args.profile, args.fontconfig, args.start_timeout,
                        args.pdf_options)
    except (WorkerError, OSError) as exc:
        _answer(answers, {"ready": False, "error": str(exc)})
        return 1
    _answer(answers, {"ready": True})
    return serve(office, sys.stdin, answers)


if __name__ == "__main__":
    sys.exit(main())
