"""The versioned document store: immutable files, SHA-256 digests, provenance."""

from wenshu.archive.store import Archive, ArchivedFile, DocumentKey, StoredVersion

__all__ = ["Archive", "ArchivedFile", "DocumentKey", "StoredVersion"]
