"""A small SQLite archive exported as a 2025 transfer package, for the transfer tests."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from tests.conftest import add_small_tree
from tests.drafts import store_draft
from tests.people import add_user
from wenshu.access import Actor
from wenshu.archive.filing import file_version
from wenshu.archive.transfer import TransferPackage, export_year
from wenshu.db import session_scope, upgrade_schema
from wenshu.settings import Settings

ROOT = "0194-WS-2025"
# 档号 order: retention Y before D30, then 件号.
CODES = ["0194-WS·2025-Y-BGS-0001", "0194-WS·2025-Y-BGS-0002", "0194-WS·2025-Y-BGS-0003",
         "0194-WS·2025-D30-BGS-0001"]
REASON = "补录9月台账后重新生成"


@dataclass(frozen=True)
class Source:
    """A SQLite archive with 2025 filings (one corrected), a draft and a 2024 filing."""

    settings: Settings
    archivist: Actor
    package: TransferPackage
    pages_each: int


def build_source(root: Path, real_pdf: Path) -> Source:
    """Fill an archive under ``root`` (filings of 2025, one corrected, a draft, a filing of
    2024) and export its 2025 package."""
    settings = Settings(home=root / "home")
    upgrade_schema(settings)
    with session_scope(settings) as session:
        add_small_tree(session)
    supervisor = add_user(settings, "督导李四", "supervisor", "440307")
    archivist = add_user(settings, "档案员张三", "archivist")
    made = root / "made"
    made.mkdir()

    def filed(**where: str) -> int:
        draft = store_draft(settings, made, real_pdf, **where)
        file_version(settings, draft.document_id, actor=supervisor)
        return draft.document_id

    filed()  # 示范区 年度工作总结: Y-0001
    filed(unit="440307001", kind="half_year_summary", period="2025H1")  # D30-0001
    corrected = filed(unit="440307002")  # Y-0002, superseded by Y-0003
    store_draft(settings, made, real_pdf, unit="440307002", inputs="i2")
    file_version(settings, corrected, actor=supervisor, reason=REASON)
    store_draft(settings, made, real_pdf, unit="440307900")  # a draft: not a record
    filed(unit="440307001001", period="2024")  # another year
    package = export_year(settings, 2025, root / "out", actor=archivist)
    return Source(settings, archivist, package, len(PdfReader(real_pdf).pages))


def package_members(path: Path) -> dict[str, bytes]:
    """A package's members by their names under its top folder."""
    with zipfile.ZipFile(path) as package:
        return {name.removeprefix(f"{ROOT}/"): package.read(name) for name in package.namelist()}


def stored_files(settings: Settings) -> list[Path]:
    """The archive's stored files, without its hidden staging and lock folders."""
    return sorted(p for p in settings.archive_dir.rglob("*") if p.is_file()
                  and not p.relative_to(settings.archive_dir).parts[0].startswith("."))


def new_archivist(settings: Settings) -> Actor:
    """An archivist in the (migrated) database of ``settings``, to import into it."""
    upgrade_schema(settings)
    return add_user(settings, "档案员赵六", "archivist")
