"""The checks of 四性检测 over files and records: pure, records and facts in, problems out.

Each ``check_*`` function adds what it looked at and what it found to a
:class:`~wenshu.archive.verify_model.Tally`; :func:`wenshu.archive.verify.verify_archive`
runs them in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from wenshu.archive.filing import archival_code
from wenshu.archive.metadata import FORMAT_LABELS, RETENTION_NAMES
from wenshu.archive.stamp import StampFields, stamp_cells
from wenshu.archive.verify_files import PDF_FORMATS, FileFacts
from wenshu.archive.verify_model import (
    FileRecord,
    Tally,
    VersionRecord,
    expected_files,
    live,
)
from wenshu.errors import ArchiveError

# DA/T 46 core elements that must hold a value; 文件编号 and 密级 may be empty
# (a document without a doc number has none; documents are unclassified unless marked).
DAT46_REQUIRED = ("题名", "责任者", "日期", "文种", "保管期限", "档号", "全宗号", "年度",
                  "机构（问题）代码", "件号", "页数", "语种", "格式信息", "计算机文件名",
                  "文件大小", "文档创建程序", "存储位置", "数字摘要", "事件")
DAT46_PRESENT = ("文件编号", "密级")


def _format(item: FileRecord) -> str:
    """The stored format as archivists name it (Word 文件, 归档章 PDF …)."""
    return FORMAT_LABELS.get(item.format, item.format)


def check_digests(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                  tally: Tally) -> None:
    """真实性: each present file's SHA-256 equals the digest recorded at ingest."""
    for record, item in live(records):
        fact = facts[item.path]
        if not fact.exists:
            continue
        tally.checked["digest"] += 1
        if fact.sha256 != item.sha256:
            tally.add("digest", item.path, f"{record.name} 的{_format(item)}存入后被改动",
                      archival_code=record.archival_code or "",
                      expected=item.sha256, actual=fact.sha256 or "")


def check_metadata(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                   tally: Tally) -> None:
    """完整性: a filed version's record and its stored DA/T 46 metadata are whole and agree."""
    for record in records:
        if record.status not in ("filed", "superseded"):
            continue
        tally.checked["metadata"] += 1
        code = record.archival_code or ""
        fields = {"档号": record.archival_code, "全宗号": record.fonds, "年度": record.year,
                  "保管期限": record.retention, "机构（问题）代码": record.org_code,
                  "件号": record.item_number, "归档时间": record.filed_at,
                  "归档人": record.filed_by}
        empty = [name for name, value in fields.items() if value in (None, "")]
        if empty:
            tally.add("metadata", record.name, f"登记缺少：{'、'.join(empty)}",
                      archival_code=code)
            continue
        assert record.fonds and record.year and record.retention and record.org_code \
            and record.item_number
        try:
            rebuilt = archival_code(record.fonds, record.year, record.retention,
                                    record.org_code, record.item_number)
        except ArchiveError as exc:
            tally.add("metadata", code, f"档号的组成部分无效：{exc}", archival_code=code)
            continue
        if rebuilt != code:
            tally.add("metadata", code, "档号与其组成部分不符",
                      archival_code=code, expected=rebuilt, actual=code)
        stored, filed = record.file("dat46"), record.file("pdf_filed")
        fact = facts.get(stored.path) if stored else None
        if stored is None or filed is None or fact is None or fact.data is None:
            continue  # missing, damaged or unreadable: reported by those checks
        filed_fact = facts.get(filed.path)
        for problem in _metadata_problems(fact.data, record, filed,
                                          filed_fact.pages if filed_fact else None):
            tally.add("metadata", stored.path, problem[0], archival_code=code,
                      expected=problem[1], actual=problem[2])


def _metadata_problems(data: Mapping[str, Any], record: VersionRecord, filed: FileRecord,
                       pages: int | None) -> list[tuple[str, str, str]]:
    """What is absent from a DA/T 46 record or disagrees with the database: (what, want, got)."""
    problems = []
    absent = [k for k in DAT46_REQUIRED if data.get(k) in (None, "", [], {})]
    absent += [k for k in DAT46_PRESENT if k not in data]
    if absent:
        problems.append((f"DA/T 46 元数据缺少或为空：{'、'.join(absent)}", "", ""))
    digest = data.get("数字摘要")
    stated = (f"{digest.get('算法')} {digest.get('值')}" if isinstance(digest, Mapping)
              else None)
    assert record.retention is not None and record.item_number is not None
    wanted: list[tuple[str, object, object]] = [
        ("档号", record.archival_code, data.get("档号")),
        ("全宗号", record.fonds, data.get("全宗号")),
        ("年度", str(record.year), data.get("年度")),
        ("保管期限", RETENTION_NAMES.get(record.retention, record.retention), data.get("保管期限")),
        ("机构（问题）代码", record.org_code, data.get("机构（问题）代码")),
        ("件号", f"{record.item_number:04d}", data.get("件号")),
        ("数字摘要", f"SHA-256 {filed.sha256}", stated),
        ("文件大小", filed.size, data.get("文件大小")),
    ]
    if pages is not None:
        wanted.append(("页数", pages, data.get("页数")))
    for name, want, got in wanted:
        if got is not None and got != "" and str(want) != str(got):
            problems.append((f"元数据中的{name}与登记不一致", str(want), str(got)))
    return problems


def check_item_numbers(records: Sequence[VersionRecord],
                       counters: Mapping[tuple[str, int, str, str], int], tally: Tally) -> None:
    """完整性: in each fonds + year + retention + organisation group, 件号 run 1 … counter."""
    groups: dict[tuple[str, int, str, str], list[VersionRecord]] = defaultdict(list)
    for record in records:
        if record.item_number is not None and record.status != "draft":
            assert record.fonds and record.year and record.retention and record.org_code
            groups[(record.fonds, record.year, record.retention, record.org_code)].append(record)
    for group in sorted(set(groups) | set(counters)):
        label = f"{group[0]}-WS·{group[1]}-{group[2]}-{group[3]}"
        members = groups.get(group, [])
        tally.checked["item_numbers"] += len(members)
        last = counters.get(group)
        numbers: dict[int, list[VersionRecord]] = defaultdict(list)
        for record in members:
            assert record.item_number is not None
            numbers[record.item_number].append(record)
        for number, holders in sorted(numbers.items()):
            if len(holders) > 1:
                tally.add("item_numbers", label, f"件号 {number:04d} 同时给了 {len(holders)} "
                          f"条记录：{'、'.join(h.name for h in holders)}")
        if last is None:
            tally.add("item_numbers", label, "本组没有件号计数器：下次归档会再给出件号 0001",
                      expected=str(max(numbers, default=0)), actual="无")
            continue
        for start, end in _runs(sorted(set(range(1, last + 1)) - set(numbers))):
            span = f"{start:04d}" if start == end else f"{start:04d}–{end:04d}"
            tally.add("item_numbers", label, f"件号 {span} 已由计数器给出，但没有记录持有（断号）",
                      expected=f"1–{last}",
                      actual="、".join(f"{n:04d}" for n in sorted(numbers)) or "无")
        for number in sorted(n for n in numbers if n > last):
            tally.add("item_numbers", label, f"件号 {number:04d} 超出本组计数器",
                      archival_code=numbers[number][0].archival_code or "",
                      expected=f"≤ {last:04d}", actual=f"{number:04d}")


def _runs(numbers: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def check_missing(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                  tally: Tally) -> None:
    """完整性: every recorded file is there, and every filed version has its filed files."""
    for record, item in live(records):
        tally.checked["missing"] += 1
        if not facts[item.path].exists:
            tally.add("missing", item.path, f"{record.name} 的{_format(item)}缺失",
                      archival_code=record.archival_code or "", expected=item.sha256)
    for record in records:
        if record.status in ("filed", "superseded"):
            for fmt in ("pdf_filed", "dat46"):
                tally.checked["missing"] += 1
                if record.file(fmt) is None:
                    tally.add("missing", record.name, f"这一归档版本没有登记{FORMAT_LABELS[fmt]}",
                              archival_code=record.archival_code or "")


def check_unexpected(records: Sequence[VersionRecord], present: Iterable[str],
                     under_way: Iterable[str], tally: Tally) -> None:
    """完整性: every file in the archive is a recorded file (or a version's metadata.json)."""
    expected = expected_files(records)
    busy = tuple(under_way)
    disposed = {r.folder: r for r in records if r.status == "disposed"}
    for path in sorted(present):
        tally.checked["unexpected"] += 1
        if path in expected or any(path == b or path.startswith(b + "/") for b in busy):
            continue
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        gone = disposed.get(folder)
        if gone is not None:
            tally.add("unexpected", path, f"{gone.name} 已销毁，此文件却仍在",
                      archival_code=gone.archival_code or "")
        else:
            tally.add("unexpected", path, "没有任何登记记录对应此文件")


def check_usability(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                    tally: Tally) -> None:
    """可用性: authentic files open in their format; PDFs say PDF/A-2b."""
    for record, item in live(records):
        fact = facts[item.path]
        if not fact.opened:
            continue
        tally.checked["opens"] += 1
        code = record.archival_code or ""
        if fact.open_error:
            tally.add("opens", item.path, f"{record.name} 的{_format(item)}无法打开：{fact.open_error}",
                      archival_code=code)
            continue
        if item.format in PDF_FORMATS:
            tally.checked["pdfa"] += 1
            for problem in fact.pdfa:
                tally.add("pdfa", item.path, f"{record.name} 的{_format(item)}：{problem}",
                          archival_code=code)


def check_read_only(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                    tally: Tally) -> None:
    """安全性: stored files cannot be written to."""
    for record, item in live(records):
        fact = facts[item.path]
        if not fact.exists:
            continue
        tally.checked["read_only"] += 1
        if fact.writable:
            tally.add("read_only", item.path, f"{record.name} 的{_format(item)}可以被改写",
                      archival_code=record.archival_code or "", expected="只读", actual="可写")


def check_active_content(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                         tally: Tally) -> None:
    """安全性: no scripts, launch actions, macros or ActiveX in stored documents."""
    for record, item in live(records):
        fact = facts[item.path]
        if not fact.opened or fact.open_error or item.format not in ("docx", *PDF_FORMATS):
            continue
        tally.checked["active_content"] += 1
        for found in fact.active:
            tally.add("active_content", item.path, f"{record.name} 的{_format(item)}含有{found}",
                      archival_code=record.archival_code or "")

def check_stamps(records: Sequence[VersionRecord], facts: Mapping[str, FileFacts],
                 tally: Tally) -> None:
    """真实性: page 1 of each filed PDF shows its 档号's parts in the 归档章, as text.

    The stamp ties the file to the record it is filed as: a stamped PDF whose
    归档章 does not read as the record's 全宗号, 年度, 保管期限, 机构代码 and 件号 is not
    that record's. A PDF stamped before the stamp carried text (its values drawn as
    outlines) cannot be read back and is taken as it is.
    """
    for record in records:
        item = record.file("pdf_filed")
        fact = facts.get(item.path) if item is not None else None
        if record.status not in ("filed", "superseded") or fact is None or not fact.opened \
                or fact.open_error:
            continue  # no filed PDF, or a missing, damaged or unreadable one: reported already
        parts = _stamp_parts(record)
        if parts is None:
            continue  # the record lacks 档号 parts: the metadata check says so
        tally.checked["stamp"] += 1
        if not fact.stamp and fact.outline_stamp:
            continue
        missing = [f"{name} {value}" for name, value in parts.items() if value not in fact.stamp]
        if missing:
            assert item is not None
            code = record.archival_code or ""
            tally.add("stamp", item.path, f"{code} 的归档章（第 1 页）缺少：{'、'.join(missing)}",
                      archival_code=code, expected=" ".join(parts.values()),
                      actual=" ".join(fact.stamp) or "无可读文字")


def _stamp_parts(record: VersionRecord) -> dict[str, str] | None:
    """The 档号 parts the record's 归档章 shows, by name, as the stamp writes them."""
    if not (record.fonds and record.year and record.retention and record.org_code
            and record.item_number):
        return None
    (fonds, year, item), (org, retention, _) = stamp_cells(StampFields(
        record.fonds, record.year, record.retention, record.item_number, record.org_code))
    return {"全宗号": fonds, "年度": year, "保管期限": retention, "机构（问题）代码": org,
            "件号": item}


__all__ = ["check_active_content", "check_digests", "check_item_numbers", "check_metadata",
           "check_missing", "check_read_only", "check_stamps", "check_unexpected",
           "check_usability"]
