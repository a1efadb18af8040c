"""Hostile templates: every payload class, in every place a template has text, is flagged
by ``templates check``, refused at install, and refused when an installed template holding
it is rendered, with nothing run and within time and memory bounds."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from tests.people import admin
from tests.template_payloads import PAYLOADS, PLACES, hostile_template, payload
from wenshu.archive import DocumentKey
from wenshu.db import session_scope, upgrade_schema
from wenshu.errors import TemplateError, TemplateRefused
from wenshu.generators.kinds import YEAR_SUMMARY, sample_context
from wenshu.generators.render import template_sha256
from wenshu.models.tables import OfficeTemplate, Unit
from wenshu.office_templates import check_file, install_template, template_choices
from wenshu.pipeline import Job, render_job
from wenshu.settings import Settings

# A render may take this long and grow the process's peak memory by this much at most
# (the sandbox's own limits are 10 s and 5 million characters per value).
MAX_SECONDS = 10.0
MAX_GROWTH_MB = 300
UNIT = "440307"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A database with one unit, shared by the module's renders."""
    settings = Settings(home=tmp_path_factory.mktemp("payloads") / "home")
    upgrade_schema(settings)
    with session_scope(settings) as session:
        session.add(Unit(code=UNIT, name="示范区", level="district", parent_code=None))
    yield settings


@pytest.fixture(scope="module")
def context() -> dict[str, Any]:
    """The year summary's sample context (rendering does not change it)."""
    return sample_context(YEAR_SUMMARY)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_the_check_flags_it_where_it_is(tmp_path: Path, name: str, place: str) -> None:
    path = hostile_template(tmp_path / f"{name}.docx", place, payload(name, tmp_path / "x"))
    before, started = _peak_mb(), time.monotonic()
    problems = check_file(path, YEAR_SUMMARY)
    assert time.monotonic() - started < MAX_SECONDS
    assert _peak_mb() - before < MAX_GROWTH_MB  # it once reached 23.7 GB folding constants
    code = PAYLOADS[name][1]
    found = [p for p in problems if p.code == code]
    assert found and all(p.severity == "error" for p in found), problems
    expected_part = {"header": "word/header", "footer": "word/footer",
                     "footnote": "word/footnotes.xml", "custom_property": "docProps/custom.xml",
                     "body": "word/document.xml", "table_cell": "word/document.xml"}
    assert found[0].part is not None
    assert found[0].part.startswith(expected_part.get(place, "docProps/core.xml"))


@pytest.mark.parametrize("place", ["body", "footnote", "custom_property"])
@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_install_refuses_it_and_stores_nothing(office: Settings, tmp_path: Path, name: str,
                                               place: str) -> None:
    marker = tmp_path / "executed"
    path = hostile_template(tmp_path / f"{name}.docx", place, payload(name, marker))
    with pytest.raises(TemplateRefused) as refused:
        install_template(office, admin(office), path, "year_summary", UNIT)
    assert any(PAYLOADS[name][1] in line for line in refused.value.problems)
    assert not marker.exists()
    assert not list(office.templates_dir.glob("*.docx"))


def _plant(settings: Settings, path: Path) -> str:
    """Make ``path`` the unit's installed year-summary template as an install before these
    checks would have: file and record, no check (what the render must still stop)."""
    with session_scope(settings) as session:
        version = session.query(OfficeTemplate).filter_by(unit_code=UNIT).count() + 1
        stored = f"year_summary.{UNIT}.v{version}.docx"
        settings.templates_dir.mkdir(parents=True, exist_ok=True)
        (settings.templates_dir / stored).write_bytes(path.read_bytes())
        session.execute(update(OfficeTemplate).where(OfficeTemplate.unit_code == UNIT)
                        .values(status="replaced"))
        session.add(OfficeTemplate(kind="year_summary", unit_code=UNIT, version=version,
                                   stored_name=stored, original_name=path.name,
                                   sha256=template_sha256(path), status="active",
                                   installed_at=datetime.now(UTC), installed_by="旧版本"))
    return stored


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_an_installed_template_holding_it_is_refused_at_render(
        office: Settings, context: dict[str, Any], tmp_path: Path, name: str,
        place: str) -> None:
    marker = tmp_path / "executed"
    stored = _plant(office, hostile_template(tmp_path / f"{name}.docx", place,
                                             payload(name, marker)))
    with session_scope(office) as session:
        choice = template_choices(office, session, YEAR_SUMMARY, [UNIT])[UNIT]
    assert choice.path.name == stored
    job = Job(YEAR_SUMMARY, DocumentKey("year_summary", UNIT, "2025"), "示范区",
              context["title"], context, "0" * 64, choice.path, choice.sha256,
              datetime(2026, 1, 15).date())
    before, started = _peak_mb(), time.monotonic()
    with pytest.raises(TemplateError, match=stored) as refused:
        render_job(job, tmp_path / "out")
    assert time.monotonic() - started < MAX_SECONDS
    assert _peak_mb() - before < MAX_GROWTH_MB
    assert "Traceback" not in str(refused.value)
    if PAYLOADS[name][1] == "unbounded":
        assert "模板运算量超出限制" in str(refused.value)
    assert not marker.exists()
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
