"""Units on the web: an administrator picks a user's unit from the unit list, the JSON
API's reporting rate carries the per-street split the reporting page shows, and the
indicators page says whose target its headers show."""

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
    """The small office (西城街道's 西岭社区 never reports) and the web app over it."""
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


def test_a_districts_reporting_is_split_by_street(site: tuple[FastAPI, Office]) -> None:
    app, office = site
    supervisor = Session(app, office.supervisor)
    district = supervisor.api("GET", "/api/v1/units/440307/reporting?period=2025").json()
    rows = {b["unit"]["name"]: (b["expected"], b["submitted"], b["missing"], b["rate"])
            for b in district["branches"]}
    assert rows == {"东城街道": (2, 2, 0, "100.0"), "西城街道": (3, 2, 1, "66.7")}
    assert (len(district["expected"]), district["rate"]) == (5, "80.0")
    # A street's communities are its own children: nothing to split.
    street = supervisor.api("GET", "/api/v1/units/440307002/reporting?period=2025").json()
    assert street["branches"] == [] and street["rate"] == "66.7"


def test_the_indicator_headers_say_whose_target_they_show(site: tuple[FastAPI, Office]) -> None:
    """The streets are held to their own targets: the header's is the district's, by name."""
    app, office = site
    page = Session(app, office.supervisor).get("/units/440307/indicators?year=2025").text
    heads = re.findall(r'<th>[^<]+<br><span class="muted">([^<]+)</span></th>', page)
    assert heads and all(head.startswith("示范区目标 ") for head in heads), heads
