"""What the JSON API takes and returns, as the OpenAPI schema publishes it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from wenshu.errors import Revise
from wenshu.services.inspections import InspectionRequest
from wenshu.services.requests import GenerateRequest


class ReadModel(BaseModel):
    """Built from the application layer's objects (their attributes)."""

    model_config = ConfigDict(from_attributes=True)


class Me(ReadModel):
    """The caller."""

    name: str
    role: str
    role_label: str
    unit_code: str | None



class TokenCreate(BaseModel):
    """A new API token's label."""

    label: str = Field("API", max_length=100)


class TokenMade(BaseModel):
    """A new token, shown this once."""

    token: str


class Token(ReadModel):
    """A token as its owner sees it."""

    id: int
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class Upload(ReadModel):
    """A file handed in."""

    id: str
    purpose: str
    original_name: str
    size: int
    sha256: str
    created_at: datetime
    status: str


class ImportRequest(BaseModel):
    """Import an upload (ledger, figures, targets, units) by its id."""

    upload_id: str = Field(pattern="^[0-9a-f]{32}$")
    skip_invalid: bool = False
    revise: Revise | None = Field(
        default=None, description="台账与已保存的记录有出入时：replace 以本文件为准（更正并撤回），"
                                  "add 另存为新记录；不填则不保存并返回 409 与出入清单")


class RowErrorOut(BaseModel):
    """One problem in one cell of a file."""

    file: str
    row: int
    column: str
    value: str
    code: str
    message: str


class ImportOutcome(BaseModel):
    """How an import went: ``rejected`` and ``revision`` stored nothing."""

    status: str
    message: str = ""
    rows_read: int | None = None
    rows_stored: int | None = None
    rows_existing: int | None = None
    rows_rejected: int | None = None
    rows_withdrawn: int | None = None
    already_imported: bool | None = None
    errors: list[RowErrorOut] = Field(default_factory=list)
    differences: list[RowErrorOut] = Field(
        default_factory=list, description="revision：台账与已保存记录的出入，待选择 revise")
    revisions: list[RowErrorOut] = Field(
        default_factory=list, description="按本文件更正或撤回的已保存记录")




class SnippetOut(ReadModel):
    """The text around a hit's first match, and where each searched term lies in it."""

    text: str
    marks: list[tuple[int, int]] = Field(
        description="每个检索词在 text 中的位置：[起, 止)，按字符计")


class DocumentHit(ReadModel):
    """A document (its newest visible version) found in the archive."""

    document_id: int
    version: int
    title: str
    unit_code: str
    unit_name: str
    kind: str
    period: str
    topic: str
    script: str
    snippet: SnippetOut
    status: str
    retention: str | None = None
    archival_code: str | None = None






class Kind(ReadModel):
    """A kind that can be generated on request."""

    key: str
    label: str
    period_hint: str


class GenerateBody(GenerateRequest):
    """What to generate; side files by upload id or as content (never a path)."""

    narrative_files: list[str] = Field(default_factory=list, max_length=0)
    spec_file: None = None
    answers_file: None = None
    spec_upload: str | None = Field(None, pattern="^[0-9a-f]{32}$")
    answers_upload: str | None = Field(None, pattern="^[0-9a-f]{32}$")
    # Or the content itself, as the files hold it: a self-inspection's answers
    # ({item_key: value | {value, note}}) and a campaign plan's spec (code, name, year …).
    answers: dict[str, Any] | None = None
    campaign: dict[str, Any] | None = None


class JobStarted(BaseModel):
    """A background job started; poll ``/api/v1/jobs/{id}``."""

    job_id: str
    url: str


class Job(ReadModel):
    """A job and, once done, its result."""

    id: str
    kind: str
    title: str
    status: str
    stage: str
    done: int
    total: int
    percent: int
    message: str
    result: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None


class FileOut(BaseModel):
    """A stored file of a version."""

    format: str
    size: int
    sha256: str
    url: str


class Version(BaseModel):
    """A version of a document."""

    version: int
    status: str
    created_at: datetime
    archival_code: str | None
    filed_at: datetime | None
    filed_by: str | None
    files: list[FileOut]


class DocumentOut(BaseModel):
    """A document and the versions the caller may see."""

    document_id: int
    title: str
    kind: str
    unit_code: str
    period: str
    versions: list[Version]


class FileBody(BaseModel):
    """File (归档) a version: the latest by default."""

    version: int | None = Field(None, ge=1, le=9999)
    retention: str | None = Field(None, pattern="^(Y|D30|D10)$")
    reason: str | None = Field(None, max_length=500)


class Filed(BaseModel):
    """A filed version."""

    document_id: int
    version: int
    archival_code: str


class Checklist(ReadModel):
    """A shipped checklist."""

    key: str
    title: str
    items: int
    observed: int


class FindingsBody(BaseModel):
    """One unit's findings, by observed item key."""

    checklist: str = Field(pattern="^[a-z0-9_]{1,64}$")
    period: str = Field(max_length=16)
    unit_code: str = Field(max_length=32)
    values: dict[str, str] = Field(default_factory=dict, max_length=200)
    notes: dict[str, str] = Field(default_factory=dict, max_length=200)
    inspector: str = Field(min_length=1, max_length=100)


class FindingsFileBody(BaseModel):
    """A findings sheet handed in as an upload."""

    upload_id: str = Field(pattern="^[0-9a-f]{32}$")
    checklist: str = Field(pattern="^[a-z0-9_]{1,64}$")
    period: str = Field(max_length=16)
    inspector: str | None = Field(None, max_length=100)


class InspectionBody(InspectionRequest):
    """An inspection over shipped checklists only (no paths)."""

    checklist: str = Field(pattern="^[a-z0-9_]{1,64}$")
    narrative_files: list[str] = Field(default_factory=list, max_length=0)


class RankRow(ReadModel):
    """A unit's place."""

    rank: int
    tied: bool
    unit_code: str
    unit_name: str
    total: str
    lost: str
    grade: str


class VerifyBody(BaseModel):
    """四性检测 of one year, or of everything."""

    year: int | None = Field(None, ge=2000, le=2100)


class ExportBody(BaseModel):
    """A year's transfer package."""

    year: int = Field(ge=2000, le=2100)


class DisposeBody(BaseModel):
    """Destroy a filed version past retention."""

    version: int = Field(ge=1, le=9999)
    reason: str = Field(min_length=1, max_length=500)


class DueOut(ReadModel):
    """A record past its retention."""

    document_id: int
    version: int
    archival_code: str
    title: str
    unit_code: str
    unit_name: str
    retention: str
    due_on: date


class AuditEventOut(ReadModel):
    """One audit event."""

    id: int
    at: datetime
    agent: str
    action: str
    outcome: str
    target: str


class RecordOut(BaseModel):
    """An archive record: versions, DA/T 46 metadata per filed version, audit history."""

    document: DocumentOut
    metadata: dict[int, dict[str, Any]]
    history: list[AuditEventOut]


class UserOut(ReadModel):
    """A user as the administrator sees them."""

    name: str
    role: str
    role_label: str
    unit_code: str | None
    unit_name: str | None
    disabled: bool
    has_password: bool


class UserCreate(BaseModel):
    """A new user."""

    name: str = Field(min_length=1, max_length=64)
    role: str = Field(pattern="^(clerk|supervisor|archivist|administrator)$")
    unit_code: str | None = Field(None, max_length=32)
    password: str | None = Field(None, max_length=200)


class UserUpdate(BaseModel):
    """A change to a user."""

    role: str | None = Field(None, pattern="^(clerk|supervisor|archivist|administrator)$")
    unit_code: str | None = Field(None, max_length=32)
    disabled: bool | None = None


class PasswordBody(BaseModel):
    """A password to set."""

    password: str = Field(min_length=1, max_length=200)


class PasswordChange(BaseModel):
    """One's own password change."""

    old: str = Field(max_length=200)
    new: str = Field(max_length=200)
