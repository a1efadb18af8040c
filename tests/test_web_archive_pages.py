"""An archivist's pages speak as archivists do: a record's audit history and a 四性检测
that finds a damaged file read in Chinese, with no internal code or English in sight, and
a finished job says how long it took; refusals from the archive (filing twice, an empty
year's transfer) and a machine without LibreOffice read in Chinese too."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from tests.drafts import store_draft
from tests.searching import write_docx
from tests.web_client import Session, finished_job
from tests.web_office import Office, build_office
from wenshu.access import resolve_actor
from wenshu.archive import Archive, DocumentKey
from wenshu.archive.filing import FiledRecord, file_version
from wenshu.settings import Settings, get_settings
from wenshu.web.app import create_app

pytestmark = pytest.mark.soffice  # the filed PDF is real LibreOffice PDF/A

ENGLISH_WORD = re.compile(r"\b[a-z]{4,}\b")  # an internal code or an English sentence


@pytest.fixture
def archive(tmp_path: Path, real_pdf: Path) -> Iterator[tuple[FastAPI, Office, FiledRecord]]:
    """The small office with one filed year summary, and the web app over it."""
    settings = Settings(home=tmp_path / "home")
    office = build_office(settings, tmp_path / "inputs")
    draft = store_draft(settings, tmp_path, real_pdf, unit="440307001")
    filed = file_version(settings, draft.document_id,
                         actor=resolve_actor(settings, office.supervisor))
    app = create_app(settings, warm=False)
    with TestClient(app):
        yield app, office, filed


def _section(html: str, element_id: str) -> str:
    """The markup of the section with ``element_id``."""
    start = html.index(">", html.index(f'id="{element_id}"')) + 1
    return html[start:html.index("</section>", start)]


def _text(markup: str) -> str:
    """Visible text, one space between what separate tags hold."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)).strip()


def test_a_records_history_names_actions_outcomes_and_targets_in_chinese(
        archive: tuple[FastAPI, Office, FiledRecord]) -> None:
    app, office, filed = archive
    archivist = Session(app, office.archivist)
    history = _section(archivist.get(f"/archive/records/{filed.document_id}").text, "history")
    rows = [_text(row) for row in history.split("</tr>")[1:]]
    filing = next(row for row in rows if filed.archival_code in row)
    assert f"{office.supervisor} 归档 成功 {filed.archival_code}" in filing
    viewing = next(row for row in rows if "查看" in row)
    assert f"{office.archivist} 查看 成功 文档 {filed.document_id}" in viewing
    assert not ENGLISH_WORD.search(_text(history)), history


def test_verify_names_a_damaged_file_in_chinese(
        archive: tuple[FastAPI, Office, FiledRecord]) -> None:
    app, office, filed = archive
    damaged = filed.files["pdf_filed"].path
    damaged.chmod(0o644)
    damaged.write_bytes(damaged.read_bytes() + b"\n%")
    archivist = Session(app, office.archivist)
    started = archivist.post("/archive/verify", {})
    assert started.status_code == 303, started.text
    page = finished_job(archivist, started.headers["location"])
    # The status line says it ended and how long it took, not 已完成：完成.
    assert re.search(r"<strong>已完成</strong>，用时 \d+\.\d 秒</p>", page), page
    report = _text(_section(page, "verify-report"))
    assert "发现 2 个问题" in report  # its digest, and a file no longer read-only
    assert f"文件摘要与登记一致：year_summary/440307001/2025/v0001/{damaged.name}：" \
           f"{filed.archival_code} 的归档章 PDF存入后被改动" in report
    assert f"存储文件只读：year_summary/440307001/2025/v0001/{damaged.name}：" \
           f"{filed.archival_code} 的归档章 PDF可以被改写（应为 只读，实为 可写）" in report
    readable = re.sub(r"[0-9a-f]{64}", "", report)  # the two digests
    assert not ENGLISH_WORD.search(readable.replace(damaged.name, "")
                                   .replace("year_summary", "")), report


def test_archive_refusals_read_in_chinese(archive: tuple[FastAPI, Office, FiledRecord]) -> None:
    app, office, filed = archive
    supervisor = Session(app, office.supervisor)
    again = supervisor.post(f"/documents/{filed.document_id}/file", {"version": "1"})
    assert again.status_code == 400
    assert f"第 1 版已归档为 {filed.archival_code}，归档后不能再改" in _text(again.text)
    archivist = Session(app, office.archivist)
    started = archivist.post("/archive/transfer", {"year": "2030"})
    page = _text(finished_job(archivist, started.headers["location"]))
    assert "失败" in page and "全宗 0194 没有 2030 年度的归档文件，无可移交" in page
    # A year whose filed PDF was damaged is not packed: the page says which file and how.
    damaged = filed.files["pdf_filed"].path
    damaged.chmod(0o644)
    damaged.write_bytes(damaged.read_bytes() + b"\n%")
    started = archivist.post("/archive/transfer", {"year": "2025"})
    page = _text(finished_job(archivist, started.headers["location"]))
    stored = damaged.relative_to(damaged.parents[4]).as_posix()
    assert f"{filed.archival_code}：存储的文件已损坏：{stored} 的 SHA-256 为 " in page, page
    missing = archivist.get(f"/documents/{filed.document_id}/versions/9/pdf")
    assert missing.status_code == 404 and f"文档 {filed.document_id} 没有第 9 版" in missing.text


def test_a_filed_versions_files_are_named_apart(
        archive: tuple[FastAPI, Office, FiledRecord]) -> None:
    """The document page names each file as users know it, the Word file first and the
    metadata last: two PDFs are told apart. Its tags name the unit, not its code."""
    app, office, filed = archive
    page = Session(app, office.supervisor).get(f"/documents/{filed.document_id}").text
    links = re.findall(
        r'<a href="/documents/\d+/versions/1/(\w+)" class="download-\w+">([^<]+)</a>', page)
    assert links == [("docx", "Word 文件"), ("pdf", "PDF"), ("pdf_filed", "归档章 PDF"),
                     ("dat46", "元数据 JSON")]
    tags = re.search(r'<p class="tags">(.*?)</p>', page, re.S)
    assert tags and re.findall(r"<span[^>]*>([^<]+)</span>", tags.group(1)) == [
        "年度工作总结", "东城街道", "2025"], page


def test_page_images_keep_their_place_before_they_load(
        archive: tuple[FastAPI, Office, FiledRecord]) -> None:
    """Each page image states its size, so the page does not jump as lazy images arrive."""
    app, office, filed = archive
    supervisor = Session(app, office.supervisor)
    page = supervisor.get(f"/documents/{filed.document_id}").text
    images = re.findall(r'<img src="([^"]+)" width="(\d+)" height="(\d+)"', page)
    assert len(images) == len(PdfReader(filed.files["pdf_filed"].path).pages) > 1
    for src, width, height in images:
        drawn = Image.open(io.BytesIO(supervisor.get(src).content))
        # A4 at 80 dpi, as pdftoppm rounds it.
        assert drawn.size == (int(width), int(height)) == (662, 936)


@pytest.fixture
def without_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        prefect_harness: None) -> Iterator[Settings]:
    """Settings whose LibreOffice cannot start, read by the flows from the environment as
    under `wenshu web`."""
    monkeypatch.setenv("WENSHU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WENSHU_SOFFICE", str(tmp_path / "no-soffice"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_a_machine_without_libreoffice_says_whom_to_call(
        tmp_path: Path, without_libreoffice: Settings) -> None:
    """Generating where LibreOffice cannot start fails in Chinese, naming what failed."""
    settings = without_libreoffice
    office = build_office(settings, tmp_path / "inputs")
    with TestClient(create_app(settings, warm=False)) as client:
        clerk = Session(client.app, office.clerk)
        started = clerk.post("/documents/new", {"kind": "year_summary", "period": "2025",
                                                "unit_code": "440307001001"})
        assert started.status_code == 303, started.text
        page = finished_job(clerk, started.headers["location"])
    error = _text(page.split('id="job-error">', 1)[1].split("</p>", 1)[0])
    assert error.startswith("PDF 转换失败，请联系系统管理员（详情："), error
    assert str(tmp_path / "no-soffice") in error  # the detail, for whoever comes


def test_the_due_list_names_each_records_unit(
        archive: tuple[FastAPI, Office, FiledRecord], tmp_path: Path, real_pdf: Path) -> None:
    """The archivist's list of records past their retention names each unit, as the page
    and the API both show it, not by its code alone."""
    app, office, _ = archive
    settings = app.state.settings
    draft = store_draft(settings, tmp_path, real_pdf, unit="440307002")
    short = file_version(settings, draft.document_id, retention="D10",
                         actor=resolve_actor(settings, office.supervisor))
    archivist = Session(app, office.archivist)
    rows = _table_rows(archivist.get("/archive/due?on=2036-01-01").text)
    assert [r[:3] for r in rows] == [[short.archival_code, short.title, "西城街道 440307002"]]
    (due,) = archivist.api("GET", "/api/v1/archive/due?on=2036-01-01").json()
    assert (due["unit_code"], due["unit_name"]) == ("440307002", "西城街道")


def _table_rows(html: str) -> list[list[str]]:
    """The text of each cell of each body row of the page's first table."""
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [[_text(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_search_picks_the_unit_by_name(archive: tuple[FastAPI, Office, FiledRecord]) -> None:
    """An archivist picks the unit from the register by name, each under its parent, and
    the search keeps the choice; no one need know a unit's code."""
    app, office, filed = archive
    archivist = Session(app, office.archivist)
    page = archivist.get("/archive?unit=440307001&subtree=true").text
    box = page[page.index('<select name="unit"'):]
    box = box[:box.index("</select>")]
    options = re.findall(r'<option value="(\w*)"( selected)?>([^<]*)</option>', box)
    assert options[:4] == [("", "", "全部"), ("440307", "", "示范区"),
                           ("440307001", " selected", "　东城街道"),
                           ("440307001001", "", "　　东湖社区")]
    assert ("440307900", "", "　区妇联") in options  # a department, beside the streets
    assert [h for h in re.findall(r'href="/archive/records/(\d+)"', page)] == [
        str(filed.document_id)]


def test_search_marks_the_terms_and_shows_the_text_as_written(
        archive: tuple[FastAPI, Office, FiledRecord], tmp_path: Path) -> None:
    """The searched words are highlighted; brackets and markup the document itself holds
    are shown as written, not taken for highlights or for HTML."""
    app, office, _ = archive
    stored = Archive(app.state.settings).store(
        DocumentKey("year_summary", "440307001", "2024"), title="工作总结",
        files={"docx": write_docx(tmp_path / "n.docx", ["【通知】<b>流动人口</b>服务，流動人口登记。"])},
        template_name="t.docx", template_sha256="t", input_sha256="i-marks")
    supervisor = Session(app, office.supervisor)
    page = supervisor.get("/archive?q=流动人口").text
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S)
               if f"/documents/{stored.document_id}" in r)
    cell = re.search(r'<td class="snippet">(.*?)</td>', row, re.S).group(1)
    assert cell == ("【通知】&lt;b&gt;<mark>流动人口</mark>&lt;/b&gt;服务，"
                    "<mark>流動人口</mark>登记。")
    (hit,) = [h for h in supervisor.api("GET", "/api/v1/archive/search?q=流动人口").json()
              if h["document_id"] == stored.document_id]
    text = hit["snippet"]["text"]
    assert [text[a:b] for a, b in hit["snippet"]["marks"]] == ["流动人口", "流動人口"]
