"""The exceptions wenshu raises; every user-facing failure is a :class:`WenshuError`."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Literal, get_args


class WenshuError(Exception):
    """Base class: a failure the CLI reports as a message, not a traceback."""


class CatalogueError(WenshuError):
    """A catalogue file (activity types, indicators) is malformed."""


class NotFoundError(WenshuError):
    """A unit, document or version that does not exist was asked for."""


class CodeError(WenshuError):
    """A unit code is malformed (see :mod:`wenshu.codes`); nothing was done with it."""


class Unavailable(WenshuError):
    """The system could not take this step at all: the database busy or unreachable, the
    archive not there, a disk full. Nothing the step wrote was kept. ``heading`` names the
    trouble for pages; ``passes`` says whether it may go by itself (worth trying again)."""

    heading = "暂时无法使用"
    passes = True


class Busy(Unavailable):
    """Another transaction held what this one had to write for longer than the settings'
    ``lock_wait_seconds`` (or PostgreSQL broke a deadlock by ending this one); nothing this
    step wrote was kept, and the same request a moment later is expected to go through."""

    heading = "系统正忙"

    def __init__(self) -> None:
        super().__init__("系统正忙：另一项操作正在写入数据，本次操作未能完成（这一步没有保存任何"
                         "改动），请稍后重试")


class DatabaseUnreachable(Unavailable):
    """The database server does not answer, or SQLite cannot open or read its file. The
    driver's own words are in the service log, not in the message a user sees."""

    heading = "无法连接数据库"

    def __init__(self) -> None:
        super().__init__("无法连接数据库：本次操作未能完成，请稍后重试；如果一直如此，请联系系统"
                         "管理员（详情已记入服务日志）")


class StorageFull(Unavailable):
    """A disk is full: the database's (or SQLite's page limit), the archive's, the data
    directory's. The database rolled the step back; files it began are removed."""

    heading = "存储空间已满"
    passes = False

    def __init__(self) -> None:
        super().__init__("存储空间已满：数据无法写入磁盘，本次操作未能完成，请联系系统管理员腾出"
                         "磁盘空间（详情已记入服务日志）")


class ArchiveUnreachable(Unavailable):
    """The archive root lacks the files the database says are filed there: most likely a
    shared archive not mounted, its empty mount point in its place. Nothing is written
    there, where no other machine would see it."""

    heading = "档案库无法访问"
    passes = False

    def __init__(self) -> None:
        super().__init__("档案库无法访问：档案存储中找不到已归档的文件（共享存储可能没有挂载），"
                         "本次操作未能完成，请联系系统管理员（详情已记入服务日志）")


# What the system calls say when a disk (or the user's quota on it) has no room left.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def as_storage_full(exc: BaseException) -> StorageFull | None:
    """:class:`StorageFull` when ``exc`` (or what caused it) is a write the disk refused for
    want of space, else None: the interfaces tell users this, not 内部错误."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno in NO_SPACE:
            return StorageFull()
        cause = cause.__cause__
    return None


class PathError(WenshuError):
    """A path built from data would leave its root folder (see :mod:`wenshu.paths`)."""


@dataclass(frozen=True)
class RowError:
    """One problem with one cell of an input file, located as Excel shows it."""

    file: str
    row: int  # 1-based, as Excel numbers rows (the header is wherever the sheet has it)
    column: str  # the header as written in the file ('' for whole-row problems)
    value: str
    code: str  # stable machine code, e.g. "unknown_unit"
    message: str  # what is wrong, in the user's language
    sheet: str = ""  # the workbook sheet the row is on; "" for a CSV file or a program's rows

    def as_dict(self) -> dict[str, object]:
        """Plain dict for tables and error files."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "message": self.message,
        }


class InputError(WenshuError):
    """An input file has invalid rows; nothing from it was stored.

    ``notes`` are what the reader noticed on the way (rows above the header, totals rows,
    hidden rows, empty sheets), in the user's language, shown with the errors.
    ``rows_read``, when the reader got that far, says how many data rows the file has;
    ``rows_with_errors`` how many of them the errors name.
    """

    def __init__(self, file: str, errors: list[RowError], report_path: str | None = None,
                 notes: list[str] | None = None, rows_read: int | None = None):
        self.file = file
        self.errors = errors
        self.report_path = report_path
        self.notes = list(notes or [])
        self.rows_read = rows_read
        self.rows_with_errors = len({(error.sheet, error.row) for error in errors})
        super().__init__(f"{file}：{self.rows_with_errors}行共{len(errors)}处错误，未保存任何数据")


# The answers to RevisionNeeded: take the file as the corrected version, or add its rows.
Revise = Literal["replace", "add"]


class RevisionNeeded(WenshuError):
    """A ledger handed in again corrects or leaves out stored rows, and the user has not
    said what to do; nothing was stored. ``differences`` lists each one as a row of the
    error table; the answer is one of :attr:`CHOICES` (see :mod:`wenshu.ingest.revision`).
    ``notes`` and ``rows_read`` as for :class:`InputError`.
    """

    CHOICES: tuple[Revise, ...] = get_args(Revise)

    def __init__(self, file: str, message: str, differences: list[RowError],
                 rows_read: int, notes: list[str] | None = None) -> None:
        self.file = file
        self.differences = differences
        self.rows_read = rows_read
        self.notes = list(notes or [])
        super().__init__(message)


class TemplateError(WenshuError):
    """A document template failed to render (undefined variable, syntax, sandbox)."""


class TemplateRefused(TemplateError):
    """A template was not installed: ``problems`` are what the check found, one line each."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


class ConversionError(WenshuError):
    """LibreOffice could not turn a document into PDF."""


class ArchiveError(WenshuError):
    """The archive refused an operation or found a stored file damaged."""


class PlanError(WenshuError):
    """A work plan was asked for a period or data it cannot cover."""


class ScriptError(WenshuError):
    """A document or text could not be converted to Traditional Chinese."""


class ChartError(WenshuError):
    """A chart cannot be drawn: no CJK font, a character the font lacks, or bad input."""


class ChecklistError(WenshuError):
    """A checklist or answers file is malformed, or does not fit the catalogue or unit."""


class CampaignSpecError(WenshuError):
    """A campaign spec file is malformed or names units or indicators that do not exist."""


class AccessError(WenshuError):
    """No user, an unknown user, or a user record that cannot be made."""


class AccessDenied(AccessError):
    """The user's role or unit does not allow the action; the refusal is in the audit log."""
