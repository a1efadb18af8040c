"""The ``metadata.json`` of versions stored before migration 0010, checked against the database.

Until 0010 the store wrote a human-readable ``metadata.json`` beside each
version's files. It said nothing the database does not, and no recorded digest
covered it, so it could be edited or deleted without any check noticing. The
store no longer writes one: the database is the record of a version (``archive
show`` prints it, the transfer package carries it in records.json, a filed
version's DA/T 46 record is a stored, checksummed file).

Versions stored before keep theirs. ``archive verify`` compares each one it finds
with the database, field by field, and reports every field that differs under
完整性 (metadata). The title is compared for a document's latest version only:
the database keeps one title per document, the latest version's. Deleting such a
file loses nothing the archive holds, so it is no finding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from wenshu.archive.verify_model import METADATA_NAME, Tally, VersionRecord
from wenshu.db import as_utc

STORED_FORMATS = ("docx", "pdf")  # what a metadata.json lists: the files the store made


def metadata_path(record: VersionRecord) -> str | None:
    """Where a version's metadata.json would lie (relative to the root): beside its files."""
    item = next((f for f in record.files if f.format in STORED_FORMATS), None)
    if item is None or "/" not in item.path:
        return None
    return f"{item.path.rsplit('/', 1)[0]}/{METADATA_NAME}"


def read_legacy(root: Path, records: Iterable[VersionRecord],
                present: Iterable[str]) -> dict[str, dict[str, Any] | str]:
    """Each metadata.json present beside a version's files: parsed, or why it cannot be."""
    on_disk = set(present)
    found: dict[str, dict[str, Any] | str] = {}
    for record in records:
        path = metadata_path(record)
        if record.status == "disposed" or path is None or path not in on_disk:
            continue
        try:
            data = json.loads((root / path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            found[path] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        found[path] = data if isinstance(data, dict) else "不是 JSON 对象 (not a JSON object)"
    return found


def check_legacy_metadata(records: Sequence[VersionRecord],
                          found: Mapping[str, dict[str, Any] | str], tally: Tally) -> None:
    """完整性: every metadata.json beside a version's files agrees with the database."""
    for record in records:
        path = metadata_path(record)
        if record.status == "disposed" or record.stored is None or path not in found:
            continue
        assert path is not None
        tally.checked["metadata"] += 1
        data, code = found[path], record.archival_code or ""
        if isinstance(data, str):
            tally.add("metadata", path, f"{record.name} 的 metadata.json 无法读取：{data}",
                      archival_code=code)
            continue
        for name, want, got in _differences(data, record):
            tally.add("metadata", path, f"{record.name} 的 metadata.json 中 {name} 与数据库登记"
                      "不一致 (metadata.json disagrees with the record)", archival_code=code,
                      expected=want, actual=got)


def _expected(record: VersionRecord) -> list[tuple[str, Any]]:
    """What the store wrote into a version's metadata.json, from the database."""
    stored = record.stored
    assert stored is not None
    key = stored.key
    fields: list[tuple[str, Any]] = [
        ("document_id", record.document_id), ("kind", key.kind), ("unit_code", key.unit_code),
        ("period", key.period), ("topic", key.topic), ("script", key.script),
        ("version", record.version), ("created_at", as_utc(stored.created_at)),
        ("template", {"name": stored.template_name, "sha256": stored.template_sha256}),
        ("input_sha256", stored.input_sha256), ("flow_run_id", stored.flow_run_id),
        ("files", {f.format: {"name": f.path.rsplit("/", 1)[-1], "sha256": f.sha256,
                              "size": f.size}
                   for f in record.files if f.format in STORED_FORMATS}),
    ]
    if stored.latest:
        fields.append(("title", stored.title))
    return fields


def _differences(data: Mapping[str, Any], record: VersionRecord
                 ) -> Iterator[tuple[str, str, str]]:
    """(field, as recorded, as the file says) for each field that differs."""
    for name, want in _expected(record):
        got = data.get(name)
        if name == "created_at":
            got = _moment(got)
        if got != want:
            yield name, _shown(want), _shown(got)


def _moment(value: Any) -> datetime | Any:
    try:
        return as_utc(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return value


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "null" if value is None else str(value)


__all__ = ["check_legacy_metadata", "metadata_path", "read_legacy"]
