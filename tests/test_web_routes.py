"""Every route of the web app and the API × every role: allowed, refused (403, logged), not
found (someone else's upload, job or token), or signed out (a login redirect for pages,
401 for the API). Requests that would start real work are made so that an allowed role
is stopped by a later check (a bad period, a version that does not exist): what is
asserted is who gets past the role check. A last test checks that the table names every
route the app has."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import office_data
from tests.drafts import store_draft
from tests.web_client import Session
from tests.web_office import Office, build_office
from wenshu.access import resolve_actor
from wenshu.archive.audit import events
from wenshu.auth import create_token, list_tokens
from wenshu.jobs import create_job
from wenshu.services.data import import_upload
from wenshu.settings import Settings
from wenshu.uploads import save_upload
from wenshu.web import pages
from wenshu.web.api import account as api_account
from wenshu.web.api import documents as api_documents
from wenshu.web.api import work as api_work
from wenshu.web.app import create_app

ROLES = ("anonymous", "clerk", "supervisor", "archivist", "admin")
NOT_XLSX = {"file": ("bad.xlsx", b"MZ\x90\x00\x03 not a spreadsheet", "application/octet-stream")}
FORM = {"checklist": "model_community", "period": "2025", "units": "440307001001"}
# Tested in test_web_security.py: signing in and out ends or starts sessions.
ELSEWHERE = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout")}


@dataclass(frozen=True)
class Site:
    """The app, its office, and things of the clerk's others may not reach."""

    app: FastAPI
    office: Office
    settings: Settings
    ids: dict[str, Any]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, real_pdf: Path) -> Iterator[Site]:
    """The app over the web office, with a draft, an upload, a job and a token of the clerk."""
    home = tmp_path_factory.mktemp("web")
    settings = Settings(home=home / "home")
    office = build_office(settings, home / "inputs")
    clerk = resolve_actor(settings, office.clerk)
    draft = store_draft(settings, home, real_pdf, unit="440307001001")
    ledger = "\n".join(office_data.ledger_rows(2025)[:1]
                       + ["440307001001,2025-11-02,培训,冬季培训,1,30,,,,"])
    upload = save_upload(settings, clerk, "ledger", "台账.csv", ledger.encode())
    import_upload(settings, clerk, upload)
    create_token(settings, clerk, "OA")
    ids = {"draft": draft.document_id, "upload": upload.id,
           "job": create_job(settings, clerk, "generate", "测试", {}),
           "token": list_tokens(settings, clerk)[0].id, "street": office.street,
           "package": "0194-WS-2025.zip"}
    app = create_app(settings, warm=False)
    with TestClient(app):  # runs the lifespan: the job runner
        yield Site(app, office, settings, ids)


@pytest.fixture(scope="module")
def sessions(site: Site) -> dict[str, Session]:
    """One signed-in browser per role (and one signed out)."""
    office = site.office
    names = {"clerk": office.clerk, "supervisor": office.supervisor,
             "archivist": office.archivist, "admin": office.admin}
    found = {role: Session(site.app, name) for role, name in names.items()}
    found["anonymous"] = Session(site.app)
    return found


@dataclass(frozen=True)
class Route:
    """One route, one request to it, and the status each role gets."""

    method: str
    template: str  # as the app declares it
    url: str  # with ids filled from Site.ids
    expect: str  # statuses for ROLES, in order
    data: dict[str, Any] | None = None  # form fields, or the JSON body for the API
    files: dict[str, tuple[str, bytes, str]] | None = None

    @property
    def api(self) -> bool:
        """Whether this is a JSON API route."""
        return self.template.startswith("/api/")


def R(method: str, template: str, expect: str, url: str | None = None,  # noqa: N802
      data: dict[str, Any] | None = None, files: dict[str, Any] | None = None) -> Route:
    """A table row; ``url`` defaults to the template with ``{…}`` filled from the site."""
    return Route(method, template, url or template, expect, data, files)


PAGE_ROUTES = [
    # method, path, anonymous clerk supervisor archivist admin
    R("GET", "/", "303 303 303 303 303"),
    R("GET", "/account", "303 200 200 200 200"),
    R("POST", "/account/password", "401 400 400 400 400",
      data={"old": "wrong-password", "new": "another-pw-1", "again": "another-pw-1"}),
    R("POST", "/account/tokens", "401 200 200 200 200", data={"label": "x"}),
    R("POST", "/account/tokens/{token_id}/revoke", "401 200 404 404 404",
      "/account/tokens/{token}/revoke"),
    R("GET", "/units/{unit_code}", "303 200 200 403 403", "/units/440307001001"),
    R("GET", "/units/{unit_code}/reporting", "303 403 200 403 403",
      "/units/440307001/reporting?period=2025"),
    R("GET", "/units/{unit_code}/indicators", "303 403 200 403 403",
      "/units/440307/indicators?year=2025"),
    R("GET", "/data/upload", "303 200 200 403 403"),
    R("GET", "/data/ledger-template.xlsx", "303 200 200 403 403"),
    R("POST", "/data/upload", "401 400 400 403 403", data={"purpose": "ledger"},
      files=NOT_XLSX),
    R("GET", "/data/uploads/{upload_id}", "303 200 404 404 404", "/data/uploads/{upload}"),
    R("POST", "/data/uploads/{upload_id}/import", "401 200 404 404 404",
      "/data/uploads/{upload}/import"),
    R("GET", "/data/uploads/{upload_id}/errors.csv", "303 200 404 404 404",
      "/data/uploads/{upload}/errors.csv"),
    R("GET", "/documents/new", "303 200 200 403 403"),
    R("POST", "/documents/new", "401 400 400 403 403",
      data={"kind": "year_summary", "unit_code": "440307001001", "period": "20x5"}),
    R("GET", "/documents/self-inspection/items", "303 200 200 403 403",
      "/documents/self-inspection/items?kind=self_inspection&unit_code=440307001001&period=2025"),
    R("GET", "/documents/campaign/fields", "303 200 200 403 403",
      "/documents/campaign/fields?kind=campaign_plan"),
    R("GET", "/jobs/{job_id}", "303 200 404 404 404", "/jobs/{job}"),
    R("GET", "/jobs/{job_id}/status", "303 200 404 404 404", "/jobs/{job}/status"),
    R("GET", "/documents/{document_id}", "303 200 200 403 403", "/documents/{draft}"),
    R("GET", "/documents/{document_id}/versions/{version}/{fmt}", "303 200 200 403 403",
      "/documents/{draft}/versions/1/pdf"),
    R("GET", "/documents/{document_id}/versions/{version}/{fmt}/page-{number}.png",
      "303 200 200 403 403", "/documents/{draft}/versions/1/pdf/page-1.png"),
    R("POST", "/documents/{document_id}/file", "401 404 404 403 403", "/documents/{draft}/file",
      data={"version": "99"}),
    R("GET", "/inspections", "303 403 200 403 403"),
    R("GET", "/inspections/sheet", "303 403 200 403 403",
      "/inspections/sheet?checklist=model_community&units=440307001001"),
    R("GET", "/inspections/findings", "303 403 200 403 403",
      "/inspections/findings?checklist=model_community&period=2025&units=440307001001"),
    R("POST", "/inspections/findings", "401 403 400 403 403",
      data={**FORM, "checklist": "no_such_list", "unit_code": "440307001001"}),
    R("POST", "/inspections/findings/upload", "401 403 400 403 403",
      data={"checklist": "model_community", "period": "2025"}, files=NOT_XLSX),
    R("GET", "/inspections/ranking", "303 403 400 403 403",  # no findings recorded yet
      "/inspections/ranking?checklist=model_community&period=2025&units=440307001001"),
    R("POST", "/inspections/run", "401 403 400 403 403", data={**FORM, "checklist": "nope"}),
    R("GET", "/archive", "303 200 200 200 403", "/archive?q=总结"),
    R("GET", "/archive/records/{document_id}", "303 200 200 403 403",
      "/archive/records/{draft}"),
    R("GET", "/archive/verify", "303 403 403 200 403"),
    R("POST", "/archive/verify", "401 403 403 303 403", data={"year": "2099"}),
    R("GET", "/archive/transfer", "303 403 403 200 403"),
    R("POST", "/archive/transfer", "401 403 403 303 403", data={"year": "2099"}),
    R("GET", "/archive/transfer/{name}", "303 403 403 404 403", "/archive/transfer/{package}"),
    R("GET", "/archive/due", "303 403 403 200 403"),
    R("POST", "/archive/records/{document_id}/dispose", "401 403 403 400 403",
      "/archive/records/{draft}/dispose", data={"version": "1", "reason": "到期"}),
    R("GET", "/admin/users", "303 403 403 403 200"),
    R("POST", "/admin/users", "401 403 403 403 400",  # the name is taken
      data={"name": "督导李四", "role": "clerk", "unit_code": "440307001001"}),
    R("POST", "/admin/users/{name}", "401 403 403 403 200", "/admin/users/{street}",
      data={"role": "supervisor", "unit_code": "440307001"}),
    R("POST", "/admin/users/{name}/password", "401 403 403 403 200",
      "/admin/users/{street}/password", data={"password": "a-long-password"}),
    R("GET", "/admin/units", "303 403 403 403 200"),
    R("POST", "/admin/units", "401 403 403 403 400", files=NOT_XLSX),
]

INSPECT = {"checklist": "no_such_list", "units": ["440307001001"], "period": "2025"}
API_ROUTES = [
    R("GET", "/api/v1/me", "401 200 200 200 200"),
    R("GET", "/api/v1/tokens", "401 200 200 200 200"),
    R("POST", "/api/v1/tokens", "401 201 201 201 201", data={"label": "x"}),
    R("DELETE", "/api/v1/tokens/{token_id}", "401 204 404 404 404", "/api/v1/tokens/{token}"),
    R("POST", "/api/v1/password", "401 400 400 400 400", data={"old": "wrong", "new": "x"}),
    R("GET", "/api/v1/jobs/{job_id}", "401 200 404 404 404", "/api/v1/jobs/{job}"),
    R("POST", "/api/v1/uploads", "401 400 400 403 403", data={"purpose": "ledger"},
      files=NOT_XLSX),
    R("POST", "/api/v1/imports", "401 200 404 404 404", data={"upload_id": "{upload}"}),
    R("GET", "/api/v1/units", "401 200 200 200 200"),
    R("GET", "/api/v1/units/{unit_code}/overview", "401 200 200 403 403",
      "/api/v1/units/440307001001/overview?period=2025"),
    R("GET", "/api/v1/units/{unit_code}/reporting", "401 403 200 403 403",
      "/api/v1/units/440307/reporting?period=2025"),
    R("GET", "/api/v1/units/{unit_code}/indicators", "401 403 200 403 403",
      "/api/v1/units/440307/indicators?year=2025"),
    R("GET", "/api/v1/kinds", "401 200 200 200 200"),
    R("POST", "/api/v1/documents/generate", "401 400 400 403 403",
      data={"kind": "year_summary", "unit_code": "440307001001", "period": "20x5"}),
    R("GET", "/api/v1/documents/{document_id}", "401 200 200 403 403",
      "/api/v1/documents/{draft}"),
    R("GET", "/api/v1/documents/{document_id}/versions/{version}/{fmt}", "401 200 200 403 403",
      "/api/v1/documents/{draft}/versions/1/docx"),
    R("POST", "/api/v1/documents/{document_id}/file", "401 404 404 403 403",
      "/api/v1/documents/{draft}/file", data={"version": 99}),
    R("GET", "/api/v1/checklists", "401 200 200 200 200"),
    R("POST", "/api/v1/inspections/findings", "401 403 400 403 403",
      data={"checklist": "no_such_list", "period": "2025", "unit_code": "440307001001",
            "inspector": "李四"}),
    R("POST", "/api/v1/inspections/findings-file", "401 403 404 403 403",
      data={"upload_id": "{upload}", "checklist": "model_community", "period": "2025"}),
    R("POST", "/api/v1/inspections/ranking", "401 403 400 403 403", data=INSPECT),
    R("POST", "/api/v1/inspections/run", "401 403 400 403 403", data=INSPECT),
    R("GET", "/api/v1/archive/search", "401 200 200 200 403", "/api/v1/archive/search?q=总结"),
    R("GET", "/api/v1/archive/records/{document_id}", "401 200 200 403 403",
      "/api/v1/archive/records/{draft}"),
    R("POST", "/api/v1/archive/verify", "401 403 403 202 403", data={"year": 2099}),
    R("POST", "/api/v1/archive/exports", "401 403 403 202 403", data={"year": 2099}),
    R("GET", "/api/v1/archive/exports/{name}", "401 403 403 404 403",
      "/api/v1/archive/exports/{package}"),
    R("GET", "/api/v1/archive/due", "401 403 403 200 403"),
    R("POST", "/api/v1/archive/records/{document_id}/dispose", "401 403 403 400 403",
      "/api/v1/archive/records/{draft}/dispose", data={"version": 1, "reason": "到期"}),
    R("GET", "/api/v1/users", "401 403 403 403 200"),
    R("POST", "/api/v1/users", "401 403 403 403 201",
      data={"name": "冒充者", "role": "supervisor", "unit_code": "440307"}),
    R("PATCH", "/api/v1/users/{name}", "401 403 403 403 200", "/api/v1/users/{street}",
      data={"role": "supervisor"}),
    R("POST", "/api/v1/users/{name}/password", "401 403 403 403 204",
      "/api/v1/users/{street}/password", data={"password": "another-long-one"}),
]


def _statuses(table: str) -> dict[str, int]:
    return dict(zip(ROLES, (int(code) for code in table.split()), strict=True))


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _call(session: Session, route: Route, ids: dict[str, Any]) -> Any:
    url, data = _fill(route.url, ids), _fill(route.data, ids)
    if route.api:
        if route.files:
            return session.api(route.method, url, data=data, files=route.files)
        return session.api(route.method, url, json=data)
    if route.method == "GET":
        return session.get(url)
    return session.post(url, data, files=route.files)


@pytest.mark.parametrize("route", PAGE_ROUTES + API_ROUTES,
                         ids=[f"{r.method} {r.template}" for r in PAGE_ROUTES + API_ROUTES])
def test_route_by_role(sessions: dict[str, Session], site: Site, route: Route) -> None:
    for role, status in _statuses(route.expect).items():
        response = _call(sessions[role], route, site.ids)
        assert response.status_code == status, (role, route.url, response.text[:300])
        assert "Traceback" not in response.text
        if role == "anonymous" and status == 303:
            assert response.headers["location"].startswith("/login?next=")
        if status in (401, 403, 404) and route.api:
            assert response.json()["detail"]
        if status == 403 and not route.api:
            assert "无权" in response.text or "不能操作" in response.text or "草稿" in response.text


def test_refusals_are_in_the_audit_log(sessions: dict[str, Session], site: Site) -> None:
    sessions["clerk"].get("/admin/users")
    sessions["archivist"].get("/documents/new")
    refused = {(e.agent, e.action) for e in events(site.settings, outcome="refused")}
    assert {(site.office.clerk, "manage"), (site.office.archivist, "generate")} <= refused


def test_self_inspection_items_are_only_for_the_callers_units(sessions: dict[str, Session]
                                                               ) -> None:
    """The clerk's own community gets its items; another street's unit gets the refusal
    (and no items), in the page and when the form is sent anyway."""
    clerk = sessions["clerk"]
    own = clerk.get("/documents/self-inspection/items?kind=self_inspection"
                    "&unit_code=440307001001&period=2025")
    assert 'name="value:consult_room"' in own.text and "东湖社区 2025年" in own.text
    other = clerk.get("/documents/self-inspection/items?kind=self_inspection"
                      "&unit_code=440307002001&period=2025")
    assert "answers-table" not in other.text and "不能操作单位 440307002001" in other.text
    sent = clerk.post("/documents/new", {"kind": "self_inspection", "unit_code": "440307002001",
                                         "period": "2025", "value:consult_room": "是"})
    assert sent.status_code == 403


def test_the_table_names_every_route() -> None:
    routers = [*pages.routers(), api_account.router, api_documents.router, api_work.router]
    declared = {(method, route.path) for router in routers for route in router.routes
                for method in route.methods}
    tabled = {(r.method, r.template) for r in PAGE_ROUTES + API_ROUTES}
    assert declared - ELSEWHERE == tabled
