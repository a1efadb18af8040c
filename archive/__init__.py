"""The versioned document store: immutable files, SHA-256 digests, provenance."""

from wenshu.archive.keys import ArchivedFile, DocumentKey, StoredVersion
from wenshu.archive.store import Archive

__all__ = ["Archive", "ArchivedFile", "DocumentKey", "StoredVersion"]
