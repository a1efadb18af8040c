"""Signing in to the web app from tests, as a browser does: the login form's own token,
then the session cookie and the CSRF token every later form carries."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx2
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.people import PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


class Session:
    """One person's browser: its own cookies, signed in as ``name``."""

    def __init__(self, app: FastAPI, name: str | None = None, password: str = PASSWORD) -> None:
        self.client = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
        self.csrf = ""
        if name is not None:
            response = self.login(name, password)
            assert response.status_code == 303, response.text

    def login(self, name: str, password: str = PASSWORD) -> httpx2.Response:
        """Fill in and send the login form."""
        form = self.client.get("/login")
        response = self.client.post("/login", data={
            "name": name, "password": password, "csrf_token": csrf_of(form.text), "next": "/"})
        if response.status_code == 303:
            self.csrf = csrf_of(self.client.get("/account").text)
        return response

    def get(self, url: str, **kwargs: Any) -> httpx2.Response:
        """A GET, as following a link."""
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             **kwargs: Any) -> httpx2.Response:
        """A form POST, with the session's CSRF token unless ``csrf`` is off."""
        fields = dict(data or {})
        if csrf and self.csrf:
            fields.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=fields, **kwargs)

    def api(self, method: str, url: str, *, token: str | None = None,
            **kwargs: Any) -> httpx2.Response:
        """An API call: with a bearer token, or the session and its CSRF header."""
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif self.csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        return self.client.request(method, url, headers=headers, **kwargs)


def finished_job(session: Session, location: str) -> str:
    """The job page at ``location`` once the job has finished (it stops asking to be
    refreshed)."""
    for _ in range(600):
        page = session.get(location).text
        if 'hx-trigger="every' not in page:
            return page
        time.sleep(0.1)
    raise AssertionError(f"the job at {location} did not finish")
