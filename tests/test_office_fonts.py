"""LibreOffice embeds TrueType copies of the CJK faces, built once per machine; without
them it falls back to the system's faces, and the PDFs stay reproducible either way."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
from fontTools import subset
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTCollection, TTFont
from pypdf import PdfReader

from tests.sample_context import year_summary_context
from wenshu.generators import office_fonts
from wenshu.generators.office_fonts import Face, build, fontconfig_file
from wenshu.generators.pdf import SofficeConverter
from wenshu.generators.pdf_jobs import FONTS_CONF
from wenshu.generators.render import render_docx
from wenshu.settings import get_settings
from wenshu.templates import template_path

SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
TEXT = "年度工作总结一二三"


@pytest.fixture
def small_face(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Face:
    """A collection holding Noto Serif CJK SC cut down to a few characters, as the one
    face to copy (the real faces take a minute and a half each)."""
    if not SERIF.exists():
        pytest.fail(f"{SERIF} is missing: scripts/bootstrap.sh installs fonts-noto-cjk")
    font = TTCollection(str(SERIF), recalcTimestamp=False).fonts[2]
    options = subset.Options()
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=TEXT)
    subsetter.subset(font)
    source = tmp_path / "small.ttc"
    collection = TTCollection()
    collection.fonts = [font]
    collection.save(str(source))
    face = Face(source, 0, "Small-Regular.ttf")
    monkeypatch.setattr(office_fonts, "FACES", (face,))
    return face


def _bounds(font: TTFont, name: str) -> tuple[float, ...]:
    pen = BoundsPen(font.getGlyphSet())
    font.getGlyphSet()[name].draw(pen)
    assert pen.bounds is not None
    return pen.bounds


def test_copy_has_the_same_glyphs_as_truetype_and_the_same_bytes_twice(
    small_face: Face, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert build(first) == [first / small_face.target]
    assert build(second) == [second / small_face.target]
    data = (first / small_face.target).read_bytes()
    assert data == (second / small_face.target).read_bytes()  # every machine, same PDFs
    copy = TTFont(first / small_face.target)
    source = TTCollection(str(small_face.source)).fonts[0]
    assert "glyf" in copy and "CFF " not in copy
    for char in TEXT:
        # The same glyph (names differ: the copy keeps none), within the conversion's
        # tolerance (1 unit of 1000) of the CFF outline.
        name, cff_name = copy.getBestCmap()[ord(char)], source.getBestCmap()[ord(char)]
        assert copy.getGlyphID(name) == source.getGlyphID(cff_name)
        for got, want in zip(_bounds(copy, name), _bounds(source, cff_name), strict=True):
            assert abs(got - want) <= 1, (char, got, want)
    assert build(first) == []  # current: nothing to do


def test_fontconfig_uses_the_copies_only_while_they_match_the_system_fonts(
    small_face: Face, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fonts = tmp_path / "fonts"
    with caplog.at_level(logging.WARNING):
        assert fontconfig_file(fonts) == FONTS_CONF  # not built yet
    assert "office_fonts" in caplog.text
    build(fonts)
    conf = fontconfig_file(fonts)
    text = conf.read_text(encoding="utf-8")
    assert f"<dir>{fonts.resolve()}</dir>" in text
    assert f"<glob>{small_face.source}</glob>" in text  # the CFF original hidden
    assert text.index("<dir>") < text.index('<include ignore_missing="no">/etc/fonts')
    # A new version of the system font (another size or time): back to the plain file
    # until the copy is rebuilt.
    stat = small_face.source.stat()
    os.utime(small_face.source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert fontconfig_file(fonts) == FONTS_CONF
    assert build(fonts) == [fonts / small_face.target]
    assert fontconfig_file(fonts) == conf


def _font_programs(pdf: Path) -> dict[str, str]:
    """Each embedded font's name and the kind of program it is embedded as."""
    programs = {}
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            kind = next(key for key in ("/FontFile", "/FontFile2", "/FontFile3")
                        if key in descriptor)
            programs[str(font["/BaseFont"]).split("+")[-1]] = kind
    return programs


@pytest.mark.soffice
def test_libreoffice_embeds_the_built_copies_as_truetype_and_falls_back_to_type1(
    tmp_path: Path,
) -> None:
    fonts_dir = get_settings().fonts_dir
    assert fontconfig_file(fonts_dir) != FONTS_CONF, (
        f"no current TrueType copies in {fonts_dir}: scripts/bootstrap.sh builds them")
    docx = tmp_path / "summary.docx"
    docx.write_bytes(render_docx(template_path("year_summary"), year_summary_context()))
    copies = SofficeConverter(tmp_path / "profile", fonts_dir=fonts_dir)
    pdf = copies.convert(docx, tmp_path / "copies")
    programs = _font_programs(pdf)
    cjk = {name: kind for name, kind in programs.items() if "CJK" in name}
    assert {"NotoSerifCJKsc-Regular", "NotoSansCJKsc-Regular"} <= set(cjk), programs
    assert set(cjk.values()) == {"/FontFile2"}, programs  # TrueType, no /UniqueID
    # Without the copies: the system's CFF faces as Type 1, the same text, bytes still
    # the same from one conversion to the next (normalisation drops the /UniqueID).
    plain = SofficeConverter(tmp_path / "plain-profile", fonts_dir=tmp_path / "none")
    first = plain.convert(docx, tmp_path / "plain")
    shutil.copyfile(docx, tmp_path / "again.docx")
    _, again = plain.convert_many([docx, tmp_path / "again.docx"], tmp_path / "batch")
    assert {kind for name, kind in _font_programs(first).items() if "CJK" in name} == {
        "/FontFile"}
    assert again.read_bytes() == first.read_bytes()
    assert pdf.stat().st_size < first.stat().st_size
