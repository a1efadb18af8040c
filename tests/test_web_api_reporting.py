"""The JSON API's reporting rate carries the per-street split the reporting page shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web_client import Session
from tests.web_office import Office, build_office
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
