"""``wenshu templates check``: shipped templates are clean; office-made mistakes are named."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from wenshu.cli import app
from wenshu.generators.kinds import registered_kinds
from wenshu.templates import template_path

runner = CliRunner()


@pytest.mark.parametrize("kind", sorted(registered_kinds()))
def test_every_shipped_template_uses_exactly_what_its_kind_provides(kind):
    path = template_path(registered_kinds()[kind].template)
    result = runner.invoke(app, ["templates", "check", str(path), "--kind", kind])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


def test_office_mistakes_are_reported_with_their_paragraph(tmp_path: Path):
    document = docx.Document()
    document.add_paragraph("{{ title }}")
    document.add_paragraph("全年共开展活动｛｛ activity_count ｝｝次")  # typed with a Chinese IME
    document.add_paragraph("{{ signature_unti }}")  # a typo
    path = tmp_path / "office.docx"
    document.save(str(path))
    result = runner.invoke(app, ["templates", "check", str(path), "--kind", "year_summary"])
    assert result.exit_code == 1
    assert "ime_delimiter" in result.output and "全年共开展活动" in result.output
    assert "unknown_variable" in result.output and "signature_unti" in result.output


def test_unknown_kind_is_refused(tmp_path: Path):
    result = runner.invoke(app, ["templates", "check", "x.docx", "--kind", "memo"])
    assert result.exit_code == 2 and "unknown kind 'memo'" in result.output
