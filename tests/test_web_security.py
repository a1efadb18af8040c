"""The web app's boundary: logins and their throttling, sessions, CSRF, API tokens, security
headers, uploads, downloads, and names or ids in URLs that try to leave their place."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import office_data
from tests.drafts import store_draft
from tests.people import PASSWORD
from tests.web_client import Session
from tests.web_office import Office, build_office
from wenshu.archive.audit import events
from wenshu.auth import MAX_FAILURES
from wenshu.settings import Settings
from wenshu.uploads import MAX_BYTES
from wenshu.web.app import create_app
from wenshu.web.downloads import content_disposition


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, real_pdf: Path
             ) -> tuple[Path, Office, int]:
    """The office and a draft, built once; each test works on a copy."""
    folder = tmp_path_factory.mktemp("prepared")
    settings = Settings(home=folder / "home")
    office = build_office(settings, folder / "inputs")
    draft = store_draft(settings, folder, real_pdf, unit="440307001001")
    return settings.home, office, draft.document_id


@pytest.fixture
def site(tmp_path: Path, prepared: tuple[Path, Office, int]
         ) -> Iterator[tuple[FastAPI, Office, Settings, int]]:
    """A fresh copy of the office per test (logins and sessions change state)."""
    home, office, draft = prepared
    shutil.copytree(home, tmp_path / "home")
    settings = Settings(home=tmp_path / "home")
    app = create_app(settings, warm=False)
    with TestClient(app):
        yield app, office, settings, draft


def test_login_logout_and_the_audit_log(site: tuple[FastAPI, Office, Settings, int]) -> None:
    app, office, settings, _ = site
    browser = Session(app)
    assert browser.login(office.clerk, "wrong password").status_code == 401
    response = browser.login(office.clerk)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert browser.get("/").headers["location"] == "/units/440307001001"
    assert browser.post("/logout").status_code == 303
    assert browser.get("/account").headers["location"].startswith("/login")
    logins = [(e.agent, e.action, e.outcome) for e in events(settings)
              if e.action in ("login", "logout")]
    assert logins == [(office.clerk, "login", "failed"), (office.clerk, "login", "ok"),
                      (office.clerk, "logout", "ok")]


def test_logins_are_throttled_after_repeated_failures(
        site: tuple[FastAPI, Office, Settings, int]) -> None:
    app, office, settings, _ = site
    browser = Session(app)
    for _ in range(MAX_FAILURES):
        assert browser.login(office.supervisor, "not-the-password").status_code == 401
    throttled = browser.login(office.supervisor)  # even the right password now waits
    assert throttled.status_code == 429 and "登录失败次数过多" in throttled.text
    assert [e.outcome for e in events(settings, action="login")][-1] == "refused"
    # Another account is not locked by it.
    assert Session(app).login(office.clerk).status_code == 303


def test_a_form_without_the_csrf_token_is_refused(
        site: tuple[FastAPI, Office, Settings, int]) -> None:
    app, office, settings, _ = site
    browser = Session(app, office.admin)
    form = {"name": "新用户", "role": "archivist", "password": "a-long-password"}
    refused = browser.post("/admin/users", form, csrf=False)
    assert refused.status_code == 403 and "表单令牌" in refused.text
    wrong = browser.post("/admin/users", {**form, "csrf_token": "forged"}, csrf=False)
    assert wrong.status_code == 403
    assert "新用户" not in browser.get("/admin/users").text
    assert browser.post("/admin/users", form).status_code == 200
    assert "新用户" in browser.get("/admin/users").text
    # The API with the session cookie needs the header too; with a token it does not.
    api = browser.api("POST", "/api/v1/tokens", json={"label": "x"}, headers={"X-CSRF-Token": ""})
    assert api.status_code == 403
    assert [e.action for e in events(settings, outcome="refused")].count("request") == 3
    # The login form carries its own token: a login posted from elsewhere is refused.
    outside = TestClient(app, follow_redirects=False).post(
        "/login", data={"name": office.admin, "password": PASSWORD, "csrf_token": "x"})
    assert outside.status_code == 403


def test_api_tokens_act_as_their_user_until_revoked(
        site: tuple[FastAPI, Office, Settings, int]) -> None:
    app, office, _, _ = site
    browser = Session(app, office.clerk)
    made = browser.post("/account/tokens", {"label": "OA 系统"})
    token = made.text.split('id="new-token">')[1].split("<")[0]
    program = Session(app)
    me = program.api("GET", "/api/v1/me", token=token)
    assert me.status_code == 200 and me.json()["name"] == office.clerk
    assert program.api("GET", "/api/v1/users", token=token).status_code == 403
    assert program.api("GET", "/api/v1/me", token="ws_not-a-token").status_code == 401
    (listed,) = browser.api("GET", "/api/v1/tokens").json()
    assert browser.api("DELETE", f"/api/v1/tokens/{listed['id']}").status_code == 204
    assert program.api("GET", "/api/v1/me", token=token).status_code == 401


def test_a_changed_password_ends_other_sessions(
        site: tuple[FastAPI, Office, Settings, int]) -> None:
    app, office, _, _ = site
    here, elsewhere = Session(app, office.clerk), Session(app, office.clerk)
    changed = here.post("/account/password", {"old": PASSWORD, "new": "a-new-password",
                                              "again": "a-new-password"})
    assert changed.status_code == 200 and "密码已修改" in changed.text
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 303
    assert Session(app).login(office.clerk, "a-new-password").status_code == 303
    short = here.post("/account/password", {"old": "a-new-password", "new": "short",
                                            "again": "short"})
    assert short.status_code == 400 and "至少需要8个字符" in short.text


def test_security_headers_on_every_response(site: tuple[FastAPI, Office, Settings, int]) -> None:
    app, office, _, draft = site
    browser = Session(app, office.clerk)
    for url in ("/login", "/account", "/no/such/page", "/static/wenshu.css", "/api/v1/me"):
        headers = browser.get(url).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    shown = browser.get(f"/documents/{draft}/versions/1/pdf?inline=true")
    assert shown.status_code == 200 and shown.content.startswith(b"%PDF")
    assert shown.headers["content-disposition"].startswith("inline;")
    assert shown.headers["x-frame-options"] == "DENY"
    page_one = browser.get(f"/documents/{draft}/versions/1/pdf/page-1.png")
    assert page_one.status_code == 200 and page_one.content.startswith(b"\x89PNG")
    page = browser.get("/account").text
    assert "<script>" not in page and " style=" not in page and "onclick" not in page
    # Every page names its icon, so a browser does not ask for /favicon.ico (a 404).
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    icon = browser.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"


def test_unknown_urls_and_bad_input_get_pages_not_tracebacks(
        site: tuple[FastAPI, Office, Settings, int]) -> None:
    app, office, _, _ = site
    browser = Session(app, office.supervisor)
    missing = browser.get("/no/such/page")
    assert missing.status_code == 404 and "没有这个页面" in missing.text
    assert browser.api("GET", "/api/v1/nothing").json() == {"detail": "没有这个页面"}
    # A malformed field is named as the page names it, and what is wrong is said in Chinese.
    bad = browser.get("/units/440307/indicators?year=abc")
    assert bad.status_code == 400 and "Traceback" not in bad.text
    assert "年度填写有误" in bad.text and "<li>年度：应为四位年份，如 2025</li>" in bad.text
    early = browser.api("GET", "/api/v1/units/440307/indicators?year=1990")
    assert early.status_code == 422 and early.json() == {
        "detail": "年度填写有误",
        "problems": [{"field": "year", "label": "年度", "message": "不能小于 2000"}]}
    long = browser.post("/archive/records/1/dispose", {"version": "1", "reason": "长" * 501})
    assert "原因：太长：最多 500 个字符" in long.text
    field = browser.post("/documents/new", {"kind": "year_summary", "unit_code": "440307",
                                            "period": "今年"})
    assert field.status_code == 400 and 'id="period-error"' in field.text
    # The line of work: chosen from the office's lines; an unknown one is named, in Chinese.
    form = browser.get("/documents/new").text
    assert '<option value="women">妇女儿童（妇联）</option>' in form
    line = browser.post("/documents/new", {"kind": "year_summary", "unit_code": "440307",
                                           "period": "2025", "line": "youth"})
    assert line.status_code == 400 and "没有业务条线“youth”" in line.text
    unknown = browser.get("/units/440307/indicators?line=youth")
    assert unknown.status_code == 404 and "没有业务条线“youth”" in unknown.text
    women = browser.get("/units/440307/indicators?year=2025&line=women").text
    assert "妇女儿童（妇联） · 下级单位指标对比" in women and "两癌筛查覆盖率" in women
    assert "孕环情检查受检率" not in women


def test_a_missing_page_keeps_the_menu_and_says_so_once(
        site: tuple[FastAPI, Office, Settings, int]) -> None:
    """Someone signed in who follows a dead link keeps the menu and their name in the
    header (their unit by name), and reads the reason once, not also as a green notice."""
    app, office, _, _ = site
    page = Session(app, office.street).get("/no/such/page").text
    assert '<a href="/archive">档案检索</a>' in page and "退出" in page
    assert re.search(r"街道督导（督导 · <span[^>]*>东城街道</span>）", page), page
    assert page.count("没有这个页面") == 1 and 'class="notice"' not in page
    with TestClient(app) as anonymous:
        bare = anonymous.get("/no/such/page")
    assert bare.status_code == 404 and "没有这个页面" in bare.text and "退出" not in bare.text


def test_the_menu_marks_the_one_item_a_page_belongs_to(
        site: tuple[FastAPI, Office, Settings, int]) -> None:
    app, office, _, _ = site
    archivist = Session(app, office.archivist)
    for url, item in (("/archive", "/archive"), ("/archive?q=总结", "/archive"),
                      ("/archive/transfer", "/archive/transfer"),
                      ("/archive/verify", "/archive/verify"), ("/account", "/account")):
        page = archivist.get(url).text
        assert re.findall(r'<a href="([^"]+)" class="current">', page) == [item], url


def test_the_generate_form_starts_on_the_units_latest_year_and_names_a_missing_period(
        site: tuple[FastAPI, Office, Settings, int]) -> None:
    app, office, _, _ = site
    clerk = Session(app, office.clerk)
    # The office's ledgers run to 2025: the form opens there, as the unit's page does.
    assert 'name="period" value="2025"' in clerk.get("/documents/new").text
    assert 'name="period" value="2027Q1"' in clerk.get("/documents/new?period=2027Q1").text
    # A unit the clerk does not act for gives away nothing, not even its latest year.
    assert 'name="period" value=""' in clerk.get("/documents/new?unit=440307002001").text
    empty = clerk.post("/documents/new", {"kind": "year_summary", "unit_code": "440307001001",
                                          "period": ""})
    assert empty.status_code == 400 and 'id="period-error"' in empty.text
    assert "请填写期间：年度，如 2025" in empty.text and "期间“”" not in empty.text


@pytest.mark.parametrize("url", [
    "/units/..%2F..%2Fetc", "/units/440307%2F..%2F..", "/units/%2e%2e",
    "/documents/..%2F1", "/documents/1/versions/1/..%2F..%2Fwenshu.db",
    "/documents/1/versions/1/pdf%2F..%2F..", "/jobs/..%2F..%2Fwenshu.db",
    "/data/uploads/..%2F..%2Fwenshu.db/errors.csv", "/archive/transfer/..%2Fwenshu.db",
    "/archive/transfer/..%2F..%2F..%2Fetc%2Fpasswd", "/archive/records/-1",
    "/static/..%2Fwenshu.db", "/static/../app.py", "/api/v1/archive/exports/..%2Fwenshu.db",
    "/api/v1/units/..%2F..%2Fx/overview", "/api/v1/jobs/..%2Fx",
])
def test_names_and_ids_in_urls_stay_in_their_place(
        site: tuple[FastAPI, Office, Settings, int], url: str) -> None:
    app, office, _, _ = site
    for name in (office.supervisor, office.archivist):
        response = Session(app, name).get(url)
        assert response.status_code in (400, 403, 404, 422), (url, response.status_code)
        assert b"SQLite format" not in response.content and b"root:" not in response.content
        assert "Traceback" not in response.text


def test_admin_user_names_in_urls_are_just_names(
        site: tuple[FastAPI, Office, Settings, int]) -> None:
    app, office, _, _ = site
    admin = Session(app, office.admin)
    response = admin.post("/admin/users/..%2F..%2Fetc/password", {"password": "long-enough-1"})
    assert response.status_code in (400, 404)
    assert "没有用户" in response.text or response.status_code == 404


def test_uploads_are_typed_by_content_and_limited_in_size(
        site: tuple[FastAPI, Office, Settings, int]) -> None:
    app, office, settings, _ = site
    clerk = Session(app, office.clerk)
    disguised = clerk.post("/data/upload", {"purpose": "ledger"},
                           files={"file": ("台账.xlsx", b"MZ\x90\x00 not a workbook", "text/csv")})
    assert disguised.status_code == 400 and "不是" in disguised.text
    too_big = clerk.post("/data/upload", {"purpose": "ledger"},
                         files={"file": ("大.csv", b"a" * (MAX_BYTES + 1), "text/csv")})
    assert too_big.status_code == 413
    ledger = "\n".join(office_data.ledger_rows(2025)[:1] + [
        "440307001001,2025-11-02,培训,冬季培训,1,30,,,,"]).encode("utf-8")
    good = clerk.post("/data/upload", {"purpose": "ledger"},
                      files={"file": ("../../台账.csv", ledger, "text/csv")})
    assert good.status_code == 200 and "新保存 1 行" in good.text and "台账.csv" in good.text
    (stored,) = (settings.home / "uploads").iterdir()  # only what was accepted, renamed
    assert re.fullmatch(r"[0-9a-f]{32}\.csv", stored.name)
    assert not (settings.home.parent / "台账.csv").exists()


def test_download_names_are_encoded_per_rfc_5987() -> None:
    header = content_disposition("龙岗区2025年度工作总结_v1.pdf")
    assert header.startswith('attachment; filename="')
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback.isascii() and fallback.endswith(".pdf")
    assert unquote(header.split("filename*=UTF-8''")[1]) == "龙岗区2025年度工作总结_v1.pdf"
    assert "\n" not in content_disposition('a"\r\nSet-Cookie: x.pdf')
