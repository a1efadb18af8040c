"""The JSON API takes a self-inspection's answers and a campaign's spec as content, as an
OA system holds them, not only as uploaded files: kept as the caller's files, checked
before any work starts, and generated from like the files."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from docx import Document as WordDocument
from fastapi.testclient import TestClient

from tests.web_client import Session
from tests.web_office import Office, build_office
from wenshu.generators.self_inspection import SAMPLE_ANSWERS
from wenshu.settings import Settings, get_settings
from wenshu.web.app import create_app

CLERK_UNIT = "440307001001"


@pytest.fixture(scope="module")
def clerk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """The web office's clerk, signed in to the app (its job runner running)."""
    home = tmp_path_factory.mktemp("api")
    settings = Settings(home=home / "home")
    office: Office = build_office(settings, home / "inputs")
    with pytest.MonkeyPatch.context() as env:
        # The flows a job runs read their settings from the environment, as in an office.
        env.setenv("WENSHU_HOME", str(settings.home))
        env.delenv("WENSHU_USER", raising=False)
        env.delenv("PREFECT_API_URL", raising=False)
        get_settings.cache_clear()  # read again from the environment just set
        app = create_app(settings, warm=False)
        try:
            with TestClient(app):
                yield Session(app, office.clerk)
        finally:
            get_settings.cache_clear()


def _answers(**changes: Any) -> dict[str, Any]:
    answers = yaml.safe_load(SAMPLE_ANSWERS.read_text("utf-8"))["answers"]
    return {**answers, **changes}


def _generate(clerk: Session, **body: Any) -> Any:
    return clerk.api("POST", "/api/v1/documents/generate", json={
        "unit_code": CLERK_UNIT, "period": "2025", **body})


def test_answers_sent_as_json_make_the_self_inspection(clerk: Session) -> None:
    started = _generate(clerk, kind="self_inspection",
                        answers=_answers(boards={"value": 4, "note": "另有2块正在制作"}))
    assert started.status_code == 202, started.text
    job = started.json()["url"]
    deadline = time.monotonic() + 240
    while (state := clerk.api("GET", job).json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, state
        time.sleep(0.5)
    assert state["status"] == "done", state.get("message")
    [made] = state["result"]["documents"]
    files = clerk.api("GET", f"/api/v1/documents/{made['document_id']}").json()
    docx_url = next(f["url"] for f in files["versions"][-1]["files"] if f["format"] == "docx")
    words = "\n".join(p.text for p in WordDocument(io.BytesIO(
        clerk.api("GET", docx_url).content)).paragraphs)
    assert "现有宣传板4块，比不少于5块的要求少1块（另有2块正在制作）" in words


def test_content_is_checked_before_any_work(clerk: Session) -> None:
    wrong = _generate(clerk, kind="self_inspection", answers=_answers(boards="若干"))
    assert wrong.status_code == 400 and "宣传板" in wrong.json()["detail"]
    assert "不能填“若干”" in wrong.json()["detail"]
    elsewhere = _generate(clerk, kind="year_summary", campaign={"name": "宣传月"})
    assert elsewhere.status_code == 400
    assert elsewhere.json()["detail"] == "campaign 只用于实施方案（kind: campaign_plan）"
    spec = _generate(clerk, kind="campaign_plan", campaign={"code": "x", "name": "宣传月"})
    assert spec.status_code == 400 and "phases" in spec.json()["detail"]
