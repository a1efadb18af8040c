"""The administrator's pages: a user's unit is picked from the unit list, not recalled."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import SMALL_TREE
from tests.web_client import Session
from tests.web_office import SILENT, Office, build_office
from wenshu.settings import Settings
from wenshu.web.app import create_app


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[FastAPI, Office]]:
    """The small office and the web app over it."""
    settings = Settings(home=tmp_path / "home")
    office = build_office(settings, tmp_path / "inputs")
    app = create_app(settings, warm=False)
    with TestClient(app):
        yield app, office


def test_every_unit_field_offers_the_units_by_code_and_name(
        site: tuple[FastAPI, Office]) -> None:
    app, office = site
    page = Session(app, office.admin).get("/admin/users").text
    offered = re.findall(r'<option value="(\d+)">([^<]+)</option>',
                         page.split('<datalist id="unit-codes">', 1)[1].split("</datalist>")[0])
    assert sorted(offered) == sorted([(code, name) for code, name, _, _ in SMALL_TREE]
                                     + [SILENT])
    fields = re.findall(r'<input name="unit_code"[^>]*>', page)
    assert len(fields) == 1 + 5  # the add form, and one per user (admin, four staff)
    assert all('list="unit-codes"' in field for field in fields)
