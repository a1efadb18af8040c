"""Property-based fuzzing of the JSON API from its own OpenAPI schema (schemathesis):
whatever a program sends, as a supervisor or as an administrator, no answer is a 500."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.drafts import store_draft
from tests.web_office import Office, build_office
from wenshu.access import resolve_actor
from wenshu.auth import create_token
from wenshu.settings import Settings
from wenshu.web.app import create_app

# The schema is read from the app when the module is collected (schemathesis's lazy
# fixture loader does not run on pytest 9); the office behind it is built by the fixture.
FOLDER = Path(tempfile.gettempdir()) / f"wenshu-fuzz-{uuid.uuid4().hex}"
SETTINGS = Settings(home=FOLDER / "home")
APP: FastAPI = create_app(SETTINGS, warm=False)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@pytest.fixture(scope="module")
def fuzzed(real_pdf: Path) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    """The app over the web office, and API tokens of a supervisor and an administrator."""
    office: Office = build_office(SETTINGS, FOLDER / "inputs")
    store_draft(SETTINGS, FOLDER, real_pdf, unit="440307001001")
    tokens = {role: create_token(SETTINGS, resolve_actor(SETTINGS, name), "fuzz")
              for role, name in (("supervisor", office.supervisor), ("admin", office.admin))}
    try:
        with TestClient(APP):
            yield APP, tokens
    finally:
        shutil.rmtree(FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_no_request_makes_a_server_error(case: schemathesis.Case,
                                         fuzzed: tuple[FastAPI, dict[str, str]]) -> None:
    for token in fuzzed[1].values():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                               checks=[not_a_server_error])
