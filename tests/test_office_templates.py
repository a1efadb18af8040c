"""Offices' own templates: installed by administrators, versioned, used by the unit's
subtree (the nearest ancestor's wins), recorded by the archive, on SQLite and PostgreSQL;
and through the CLI, a document generated with one and archived with its name and digest."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa

from tests.conftest import OFFICE_SUPERVISOR, Staff
from tests.people import ADMIN, admin
from tests.template_payloads import add_custom_property
from wenshu.archive.audit import events
from wenshu.db import session_scope
from wenshu.errors import AccessDenied, NotFoundError, TemplateError, TemplateRefused
from wenshu.generators.kinds import YEAR_SUMMARY
from wenshu.models.tables import DocumentVersion
from wenshu.office_templates import (
    install_template,
    list_templates,
    remove_template,
    template_choices,
)
from wenshu.settings import Settings, get_settings
from wenshu.templates import template_path

UNITS = ["440307", "440307001", "440307001001", "440307002001", "440307900"]


def office_template(path: Path, line: str) -> Path:
    """The shipped year-summary template with one more paragraph, as an office edits it."""
    document = docx.Document(str(template_path("year_summary")))
    document.add_paragraph(line)
    document.save(str(path))
    return path


def _used(settings: Settings) -> dict[str, str]:
    with session_scope(settings) as session:
        choices = template_choices(settings, session, YEAR_SUMMARY, UNITS)
    return {code: choice.path.name for code, choice in choices.items()}


def test_the_nearest_installed_template_wins_and_removal_falls_back(
        db_settings: Settings, staff: Staff, tmp_path: Path) -> None:
    boss = admin(db_settings)
    assert set(_used(db_settings).values()) == {"year_summary.docx"}  # nothing installed
    district = install_template(db_settings, boss, office_template(tmp_path / "区.docx", "区"),
                                "year_summary", "440307")
    street = install_template(db_settings, boss, office_template(tmp_path / "街.docx", "街"),
                              "year_summary", "440307001")
    assert (district.stored_name, district.version) == ("year_summary.440307.v1.docx", 1)
    assert _used(db_settings) == {
        "440307": district.stored_name, "440307001": street.stored_name,
        "440307001001": street.stored_name,  # under the street: the street's
        "440307002001": district.stored_name, "440307900": district.stored_name}

    remove_template(db_settings, boss, "year_summary", "440307001")
    assert _used(db_settings)["440307001001"] == district.stored_name
    again = install_template(db_settings, boss, office_template(tmp_path / "区2.docx", "区二"),
                             "year_summary", "440307")
    assert again.version == 2 and _used(db_settings)["440307900"] == again.stored_name
    stored = db_settings.templates_dir / again.stored_name
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == again.sha256
    history = list_templates(db_settings, boss, all_versions=True)
    assert [(t.unit_code, t.version, t.status) for t in history] == [
        ("440307", 1, "replaced"), ("440307", 2, "active"), ("440307001", 1, "removed")]
    assert [t.stored_name for t in list_templates(db_settings, boss)] == [again.stored_name]
    # The file of a version no longer used stays, for the documents made with it.
    assert (db_settings.templates_dir / district.stored_name).is_file()


def test_one_for_every_unit_yields_to_a_unit_s_own(db_settings: Settings, staff: Staff,
                                                  tmp_path: Path) -> None:
    boss = admin(db_settings)
    everyone = install_template(db_settings, boss, office_template(tmp_path / "a.docx", "全"),
                                "year_summary")
    own = install_template(db_settings, boss, office_template(tmp_path / "b.docx", "妇联"),
                           "year_summary", "440307900")
    assert everyone.stored_name == "year_summary.all.v1.docx"
    used = _used(db_settings)
    assert used["440307900"] == own.stored_name
    assert {used[c] for c in UNITS if c != "440307900"} == {everyone.stored_name}


def test_only_administrators_install_or_remove_and_refusals_are_logged(
        db_settings: Settings, staff: Staff, tmp_path: Path) -> None:
    path = office_template(tmp_path / "t.docx", "自制")
    for actor in (staff.clerk, staff.supervisor, staff.archivist):
        with pytest.raises(AccessDenied, match="无权管理模板"):
            install_template(db_settings, actor, path, "year_summary", "440307001001")
        with pytest.raises(AccessDenied, match="无权管理模板"):
            remove_template(db_settings, actor, "year_summary", "440307001001")
    assert not db_settings.templates_dir.exists() or not list(db_settings.templates_dir.iterdir())
    refused = events(db_settings, action="manage_templates")
    assert len(refused) == 6 and {e.outcome for e in refused} == {"refused"}
    install_template(db_settings, admin(db_settings), path, "year_summary", "440307001001")
    [done] = events(db_settings, action="manage_templates", outcome="ok")
    assert done.detail["op"] == "install" and done.agent == ADMIN


def test_clerks_see_the_templates_that_apply_to_their_units(
        db_settings: Settings, staff: Staff, tmp_path: Path) -> None:
    boss = admin(db_settings)
    for unit in ("440307", "440307001001", "440307002"):
        install_template(db_settings, boss, office_template(tmp_path / f"{unit}.docx", unit),
                         "year_summary", unit)
    seen = {t.unit_code for t in list_templates(db_settings, staff.clerk)}
    assert seen == {"440307", "440307001001"}  # the district above, their own; not 西城街道
    assert {t.unit_code for t in list_templates(db_settings, staff.supervisor)} == {
        "440307", "440307001001", "440307002"}


def test_a_template_with_errors_is_refused_and_nothing_is_stored(
        db_settings: Settings, staff: Staff, tmp_path: Path) -> None:
    broken = office_template(tmp_path / "坏.docx", "截至{% if year %}年底 {{ unit_nmae }}")
    with pytest.raises(TemplateRefused) as refused:
        install_template(db_settings, admin(db_settings), broken, "year_summary", "440307")
    assert any("syntax" in p for p in refused.value.problems)
    assert any("unit_nmae" in p for p in refused.value.problems)  # read despite the syntax error
    with pytest.raises(NotFoundError, match="没有单位代码"):
        install_template(db_settings, admin(db_settings),
                         office_template(tmp_path / "好.docx", "好"), "year_summary", "999")
    with pytest.raises(NotFoundError, match="没有文种“memo”"):
        install_template(db_settings, admin(db_settings), broken, "memo", "440307")
    assert list_templates(db_settings, admin(db_settings), all_versions=True) == []
    assert not db_settings.templates_dir.exists() or not list(db_settings.templates_dir.iterdir())


def test_keywords_and_custom_properties_are_filled_like_the_body(
        db_settings: Settings, staff: Staff, tmp_path: Path) -> None:
    from wenshu.generators.kinds import sample_context
    from wenshu.generators.render import render_docx

    document = docx.Document(str(template_path("year_summary")))
    document.core_properties.keywords = "{{ title }}"
    add_custom_property(document, "发文单位", "{{ signature_unit }}")
    path = tmp_path / "属性.docx"
    document.save(str(path))
    installed = install_template(db_settings, admin(db_settings), path, "year_summary")
    context = sample_context(YEAR_SUMMARY)
    rendered = tmp_path / "out.docx"
    rendered.write_bytes(render_docx(db_settings.templates_dir / installed.stored_name, context))
    opened = docx.Document(str(rendered))
    assert opened.core_properties.keywords == context["title"]
    custom = next(p for p in opened.part.package.parts if p.partname == "/docProps/custom.xml")
    assert f"<vt:lpwstr>{context['signature_unit']}</vt:lpwstr>" in custom.blob.decode()


def test_a_stored_template_changed_on_disk_is_not_used(
        db_settings: Settings, staff: Staff, tmp_path: Path) -> None:
    installed = install_template(db_settings, admin(db_settings),
                                 office_template(tmp_path / "t.docx", "原样"), "year_summary",
                                 "440307")
    stored = db_settings.templates_dir / installed.stored_name
    stored.write_bytes(office_template(tmp_path / "u.docx", "被改过").read_bytes())
    with pytest.raises(TemplateError, match="SHA-256 不符"):
        _used(db_settings)


@pytest.mark.prefect
@pytest.mark.soffice
def test_cli_install_then_generate_records_the_template(office: Path, wenshu, tmp_path: Path):
    custom = office_template(tmp_path / "区妇联模板.docx", "（本文使用示范区定制模板）")
    out = wenshu("--user", OFFICE_SUPERVISOR, "templates", "install", str(custom), "--kind", "year_summary",
                 "--unit", "440307", expect=1)
    assert "无权管理模板" in out
    hostile = office_template(tmp_path / "坏.docx", "{{ ''.__class__.__mro__ }}")
    out = wenshu("--user", ADMIN, "templates", "install", str(hostile), "--kind", "year_summary",
                 "--unit", "440307", expect=1)
    assert "sandbox" in out and "未安装" in out and "Traceback" not in out
    out = wenshu("--user", ADMIN, "templates", "install", str(custom), "--kind", "year_summary",
                 "--unit", "440307")
    assert "year_summary.440307.v1.docx: installed" in out
    listed = wenshu("templates", "list")  # the acting supervisor sees the district's
    assert "year_summary.440307.v1.docx" in listed and "区妇联模板.docx" in listed

    wenshu("summary", "year", "--unit", "440307", "--year", "2025", "--issued", "2026-01-15")
    wenshu("archive", "get", "1", "--format", "docx", "--to", str(tmp_path / "s.docx"))
    made = docx.Document(str(tmp_path / "s.docx"))
    assert any(p.text == "（本文使用示范区定制模板）" for p in made.paragraphs)
    settings = get_settings()
    stored = settings.templates_dir / "year_summary.440307.v1.docx"
    with session_scope(settings) as session:
        version = session.scalars(sa.select(DocumentVersion)).one()
    assert version.template_name == stored.name
    assert version.template_sha256 == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert re.search(r"template year_summary\.440307\.v1\.docx\s+sha256 " + version.template_sha256,
                     wenshu("archive", "show", "1"))

    wenshu("--user", ADMIN, "templates", "remove", "--kind", "year_summary", "--unit", "440307")
    wenshu("summary", "year", "--unit", "440307", "--year", "2025", "--issued", "2026-01-15")
    with session_scope(settings) as session:
        names = session.scalars(sa.select(DocumentVersion.template_name)
                                .order_by(DocumentVersion.version)).all()
    assert names == ["year_summary.440307.v1.docx", "year_summary.docx"]
