"""Offices' own Word templates (模板): checked, installed per kind and unit, versioned.

An administrator installs a .docx for a document kind and a unit (or every unit);
from then on that unit and the units under it render the kind with it, unless a
unit nearer to them has its own. :func:`template_choices` says which template each
unit uses: the nearest ancestor's installed one (the unit itself included), else the
one installed for every unit, else the shipped one.

A template is installed only when :func:`check_file` finds no error and a trial
render of the kind's sample context succeeds in the bounded sandbox. Each version
is kept under the data directory's ``templates/`` as ``<kind>.<unit|all>.v<N>.docx``;
that name and the file's SHA-256 are what every document made with it records
(``document_versions.template_name`` / ``template_sha256``). A stored file whose
digest no longer matches its record is refused, not used.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from wenshu.access import Actor, authorize
from wenshu.archive.audit import record_event
from wenshu.codes import check_unit_code
from wenshu.compute.load import UnitInfo, load_units
from wenshu.db import session_scope, write_scope
from wenshu.errors import NotFoundError, TemplateError, TemplateRefused
from wenshu.files import write_whole
from wenshu.generators.kinds import DocumentKind, registered_kinds, sample_context
from wenshu.generators.render import render_docx, template_sha256
from wenshu.generators.template_check import TemplateProblem, check_template
from wenshu.generators.template_variables import context_paths
from wenshu.models.tables import OfficeTemplate
from wenshu.paths import inside
from wenshu.settings import Settings
from wenshu.templates import template_path

ALL_UNITS = "*"
MAX_BYTES = 20 * 1024 * 1024  # as for uploads: a Word template is far smaller
STATUS_LABELS = {"active": "使用中", "replaced": "已被新版本替换", "removed": "已停用"}


@dataclass(frozen=True)
class InstalledTemplate:
    """One installed version, as listed."""

    kind: str
    unit_code: str  # ALL_UNITS for every unit
    version: int
    stored_name: str  # the name documents made with it record
    original_name: str
    sha256: str
    status: str
    installed_at: datetime
    installed_by: str
    ended_at: datetime | None
    ended_by: str | None


@dataclass(frozen=True)
class TemplateChoice:
    """The template a unit renders a kind with, and its digest (what the archive records
    with the file's name)."""

    path: Path
    sha256: str


def kind_of(key: str) -> DocumentKind:
    """The document kind ``key``; :class:`NotFoundError` naming the kinds there are."""
    kinds = registered_kinds()
    if key not in kinds:
        raise NotFoundError(f"没有文种“{key}”：可选 " + "、".join(
            f"{k}（{kind.label}）" for k, kind in sorted(kinds.items())))
    return kinds[key]


def check_file(path: Path, kind: DocumentKind | None) -> list[TemplateProblem]:
    """What ``templates check`` reports for ``path``; with a kind, variables are compared
    with what it provides. Raises TemplateError when the file is not a .docx."""
    return check_template(path, _provided(kind.key) if kind is not None else None)


@lru_cache(maxsize=16)
def _provided(kind_key: str) -> frozenset[str]:
    """What the kind's context offers, read from its sample (the same every time)."""
    return context_paths(sample_context(registered_kinds()[kind_key]))


def install_template(settings: Settings, actor: Actor, path: Path, kind_key: str,
                     unit_code: str | None = None) -> InstalledTemplate:
    """Check ``path`` and install it as the next version of ``kind_key`` for ``unit_code``
    (None: every unit); the active version before it is replaced (administrators only).

    Refused with :class:`TemplateRefused` (its problems listed) on any error of the
    check, and with TemplateError when the trial render fails; nothing is stored then.
    """
    scope = unit_code or ALL_UNITS
    authorize(settings, actor, "manage_templates", target=f"template:{kind_key}:{scope}")
    kind = kind_of(kind_key)
    _check_scope(settings, scope)
    data = _read(path)
    _vet(settings, path.name, data, kind)
    root = settings.templates_dir
    root.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    written: Path | None = None
    try:
        with write_scope(settings) as session:
            rows = _rows(session, kind.key, scope)
            version = max((r.version for r in rows), default=0) + 1
            stored = f"{kind.key}.{'all' if scope == ALL_UNITS else scope}.v{version}.docx"
            target = inside(root, stored)
            for row in rows:
                if row.status == "active":
                    row.status, row.ended_at, row.ended_by = "replaced", now, actor.name
            session.flush()  # the active one replaced before the new one is added
            row = OfficeTemplate(kind=kind.key, unit_code=scope, version=version,
                                 stored_name=stored, original_name=path.name[:255],
                                 sha256=hashlib.sha256(data).hexdigest(), status="active",
                                 installed_at=now, installed_by=actor.name)
            session.add(row)
            session.flush()
            # Read-only, as the archive's files are: an installed version is not edited.
            written = write_whole(target, data, mode=0o444)
            record_event(session, action="manage_templates", agent=actor.name,
                         target=f"template:{stored}",
                         detail={"op": "install", "kind": kind.key, "unit": scope,
                                 "version": version, "sha256": row.sha256,
                                 "original_name": row.original_name})
            return _info(row)
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)  # the database said no: no file without a record
        raise


def _vet(settings: Settings, name: str, data: bytes, kind: DocumentKind) -> None:
    """Check ``data`` (a file called ``name``) and render the kind's sample with it.

    A copy is checked, so what is stored is exactly what was checked even if the
    original changes meanwhile.
    """
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.work_dir) as folder:
        copy = inside(Path(folder), name)
        copy.write_bytes(data)
        errors = [str(p) for p in check_file(copy, kind) if p.severity == "error"]
        if errors:
            raise TemplateRefused(f"{name}：模板检查发现{len(errors)}个错误，未安装", errors)
        render_docx(copy, sample_context(kind))  # what the check cannot see, the render stops


def remove_template(settings: Settings, actor: Actor, kind_key: str,
                    unit_code: str | None = None) -> InstalledTemplate:
    """Stop using the active template of ``kind_key`` for ``unit_code`` (None: every unit);
    its file stays, for the documents made with it (administrators only)."""
    scope = unit_code or ALL_UNITS
    authorize(settings, actor, "manage_templates", target=f"template:{kind_key}:{scope}")
    kind = kind_of(kind_key)
    with write_scope(settings) as session:
        active = [r for r in _rows(session, kind.key, scope) if r.status == "active"]
        if not active:
            where = "全部单位" if scope == ALL_UNITS else f"单位 {scope}"
            raise NotFoundError(f"{where}没有安装{kind.label}（{kind.key}）的模板")
        row = active[0]
        row.status, row.ended_at, row.ended_by = "removed", datetime.now(UTC), actor.name
        record_event(session, action="manage_templates", agent=actor.name,
                     target=f"template:{row.stored_name}",
                     detail={"op": "remove", "kind": kind.key, "unit": scope,
                             "version": row.version})
        return _info(row)


def list_templates(settings: Settings, actor: Actor, kind_key: str | None = None,
                   all_versions: bool = False) -> list[InstalledTemplate]:
    """Installed templates the actor may see: every one for administrators and archivists;
    for clerks and supervisors those of their units, of the units above them and of every
    unit. Only active ones unless ``all_versions``."""
    query = sa.select(OfficeTemplate).order_by(OfficeTemplate.kind, OfficeTemplate.unit_code,
                                               OfficeTemplate.version)
    if kind_key is not None:
        query = query.where(OfficeTemplate.kind == kind_of(kind_key).key)
    if not all_versions:
        query = query.where(OfficeTemplate.status == "active")
    with session_scope(settings) as session:
        rows = [_info(row) for row in session.scalars(query)]
        if actor.units is None:
            return rows
        visible = set(actor.units) | {ALL_UNITS}
        visible |= set(_ancestors(load_units(session), actor.unit_code))
    return [row for row in rows if row.unit_code in visible]


def template_choices(settings: Settings, session: Session, kind: DocumentKind,
                     unit_codes: list[str]) -> dict[str, TemplateChoice]:
    """The template each unit renders ``kind`` with (see the module's docstring).

    Raises TemplateError when an installed file is missing or differs from its record.
    """
    active = {row.unit_code: row for row in session.scalars(
        sa.select(OfficeTemplate).where(OfficeTemplate.kind == kind.key,
                                        OfficeTemplate.status == "active"))}
    units = load_units(session) if active else {}
    shipped = template_path(kind.template)
    choices: dict[str, TemplateChoice] = {}
    made: dict[str, TemplateChoice] = {}
    for code in unit_codes:
        row = next((active[c] for c in (*_ancestors(units, code), ALL_UNITS) if c in active),
                   None)
        key = row.stored_name if row is not None else ""
        if key not in made:
            made[key] = (_verified(settings, row) if row is not None else
                         TemplateChoice(shipped, template_sha256(shipped)))
        choices[code] = made[key]
    return choices


def _ancestors(units: Mapping[str, UnitInfo], code: str | None) -> list[str]:
    """``code`` and the units above it, nearest first."""
    chain: list[str] = []
    while code is not None and code not in chain:
        chain.append(code)
        code = units[code].parent_code if code in units else None
    return chain


def _verified(settings: Settings, row: OfficeTemplate) -> TemplateChoice:
    path = inside(settings.templates_dir, row.stored_name)
    if not path.is_file() or template_sha256(path) != row.sha256:
        raise TemplateError(f"模板文件 {row.stored_name} 缺失或与安装时不一致（SHA-256 不符），"
                            "已拒绝使用；请管理员重新安装")
    return TemplateChoice(path, row.sha256)


def _check_scope(settings: Settings, scope: str) -> None:
    if scope == ALL_UNITS:
        return
    check_unit_code(scope)
    with session_scope(settings) as session:
        if scope not in load_units(session):
            raise NotFoundError(f"没有单位代码“{scope}”")


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise TemplateError(f"{path.name}：文件超过{MAX_BYTES // 1024 // 1024} MB，不像是模板")
        return path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"{path.name}：无法读取（{exc.strerror or exc}）") from exc


def _rows(session: Session, kind: str, scope: str) -> list[OfficeTemplate]:
    return list(session.scalars(sa.select(OfficeTemplate).where(
        OfficeTemplate.kind == kind, OfficeTemplate.unit_code == scope)))


def _info(row: OfficeTemplate) -> InstalledTemplate:
    return InstalledTemplate(row.kind, row.unit_code, row.version, row.stored_name,
                             row.original_name, row.sha256, row.status, row.installed_at,
                             row.installed_by, row.ended_at, row.ended_by)
