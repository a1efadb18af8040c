"""Charts print at 200 dpi in Chinese glyphs, in grey levels, and go into documents as pictures."""

from __future__ import annotations

import io
import struct
import subprocess
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Mm
from PIL import Image as PILImage
from PIL import ImageChops, ImageStat
from pypdf import PdfReader
from pypdf.generic import ContentStream

from wenshu.errors import TemplateError, WenshuError
from wenshu.generators.charts import (
    CHART_WIDTH_MM,
    MONTHS,
    ChartError,
    IndicatorBar,
    TrendSeries,
    chart_font,
    indicator_chart,
    monthly_trend_chart,
)
from wenshu.generators.layout import apply_layout, load_layout
from wenshu.generators.pdf import SofficeConverter
from wenshu.generators.render import Image, render_docx

D = Decimal
BARS = (
    IndicatorBar("孕环情检查受检率", D("92.79"), D("95"), False, "%"),
    IndicatorBar("四术完成率", D("99.56"), D("98"), True, "%"),
    IndicatorBar("出生人口性别比", D("106.42"), D("107"), True, ""),
    IndicatorBar("举办培训期数", D("46"), None, None, "期"),
)
TREND = (
    TrendSeries("培训（人次）", (120, 90, 300, 250, 260, 310, 180, 150, 400, 380, 290, 420)),
    TrendSeries("走访（户）", (200, 180, 220, 240, 260, 210, 190, 170, 230, 250, 270, 300)),
)
PX_PER_MM = 200 / 25.4


@pytest.fixture(scope="module")
def indicator_png() -> bytes:
    return indicator_chart(BARS, title="2025年主要指标完成情况")


@pytest.fixture(scope="module")
def trend_png() -> bytes:
    return monthly_trend_chart(MONTHS, TREND, title="2025年各月活动开展情况")


def _pixels(png: bytes) -> PILImage.Image:
    return PILImage.open(io.BytesIO(png)).convert("L")


def _dark_share(image: PILImage.Image) -> float:
    """The share of pixels a printer puts ink on (darker than light grey)."""
    histogram = image.convert("L").histogram()
    return sum(histogram[:200]) / (image.width * image.height)


def _chunk_types(png: bytes) -> list[bytes]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    types, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset:offset + 4])
        types.append(png[offset + 4:offset + 8])
        offset += 12 + length
    return types


# --- the charts themselves ---------------------------------------------------------------

def test_charts_are_drawn_in_the_installed_noto_sans_cjk_sc() -> None:
    found = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"],
                           capture_output=True, text=True, check=True).stdout
    assert chart_font() == Path(found)
    assert chart_font().name.startswith("NotoSansCJK")


def test_chinese_labels_are_glyphs_not_boxes() -> None:
    """Missing glyphs all print as the same box: different characters must differ in pixels."""
    def chart(label: str) -> bytes:
        return indicator_chart([IndicatorBar(label, D(90), D(95), False, "%")], title="指标")

    assert _pixels(chart("受检率")).tobytes() != _pixels(chart("覆盖率")).tobytes()
    assert _pixels(chart("受检率")).tobytes() == _pixels(chart("受检率")).tobytes()


def test_a_character_the_font_lacks_fails_instead_of_printing_a_box() -> None:
    with pytest.raises(ChartError, match=r"no glyph for '\\ue000'"):
        indicator_chart([IndicatorBar("受检率\ue000", D(90), D(95), False, "%")], title="指标")
    with pytest.raises(WenshuError):
        monthly_trend_chart(MONTHS[:2], [TrendSeries("走访\ue000", (1, 2))], title="趋势")


@pytest.mark.parametrize("chart", ["indicator_png", "trend_png"])
def test_png_is_200_dpi_at_the_placed_width_without_stamps(
    chart: str, request: pytest.FixtureRequest
) -> None:
    png: bytes = request.getfixturevalue(chart)
    image = PILImage.open(io.BytesIO(png))
    assert image.width == pytest.approx(float(CHART_WIDTH_MM) * PX_PER_MM, abs=1)
    assert image.info["dpi"] == pytest.approx((200, 200), abs=0.01)
    # No tEXt "Software", no tIME: the bytes depend on the chart alone.
    assert set(_chunk_types(png)) == {b"IHDR", b"pHYs", b"IDAT", b"IEND"}
    assert _dark_share(image) > 0.02


def test_same_input_gives_the_same_bytes(indicator_png: bytes, trend_png: bytes) -> None:
    assert indicator_chart(BARS, title="2025年主要指标完成情况") == indicator_png
    assert monthly_trend_chart(MONTHS, TREND, title="2025年各月活动开展情况") == trend_png
    assert monthly_trend_chart(MONTHS, TREND[:1], title="2025年各月活动开展情况") != trend_png


def test_indicator_chart_height_follows_the_rows_unless_given() -> None:
    one = PILImage.open(io.BytesIO(indicator_chart(BARS[:1], title="指标")))
    four = PILImage.open(io.BytesIO(indicator_chart(BARS, title="指标")))
    assert four.height > one.height
    fixed = PILImage.open(io.BytesIO(indicator_chart(BARS, title="指标", width_mm=D(120),
                                                     height_mm=D(60))))
    assert fixed.size == pytest.approx((120 * PX_PER_MM, 60 * PX_PER_MM), abs=1)


def _grey_levels(met: bool | None) -> list[int]:
    bar = IndicatorBar("受检率", D(90), D(90) if met is not None else None, met, "%")
    return _pixels(indicator_chart([bar], title="指标")).histogram()


def test_met_and_missed_differ_in_black_and_white() -> None:
    """Met bars are a solid dark grey; missed ones white with black hatching."""
    met, missed, untargeted = _grey_levels(True), _grey_levels(False), _grey_levels(None)
    dark_grey = slice(80, 100)  # the met fill, #595959 = 89
    black = slice(0, 40)
    assert sum(met[dark_grey]) > 20 * sum(missed[dark_grey])
    assert sum(missed[black]) > 3 * sum(untargeted[black])  # the hatch lines
    assert sum(untargeted[dark_grey]) < sum(met[dark_grey]) / 20


def test_trend_lines_differ_without_colour() -> None:
    """Two series with equal values still draw differently: style and marker, not hue."""
    values = tuple(range(12))
    pair = monthly_trend_chart(MONTHS, [TrendSeries("甲", values), TrendSeries("乙", values)],
                               title="趋势")
    swapped = monthly_trend_chart(MONTHS, [TrendSeries("乙", values), TrendSeries("甲", values)],
                                  title="趋势")
    assert _pixels(pair).tobytes() != _pixels(swapped).tobytes()


@pytest.mark.parametrize(("draw", "message"), [
    (lambda: indicator_chart([], title="指标"), "at least one indicator"),
    (lambda: indicator_chart([IndicatorBar("差额", D(-1), None, None, "")], title="指标"),
     "差额: negative values"),
    (lambda: monthly_trend_chart([], [TrendSeries("培训", ())], title="趋势"), "at least one month"),
    (lambda: monthly_trend_chart(MONTHS, [TrendSeries("培训", (1, 2, 3))], title="趋势"),
     "培训 has 3 values for 12 months"),
    (lambda: monthly_trend_chart(MONTHS, [TREND[0]] * 5, title="趋势"), "1 to 4 series, got 5"),
    (lambda: monthly_trend_chart(MONTHS, [], title="趋势"), "1 to 4 series, got 0"),
])
def test_unchartable_input_is_named(draw: Callable[[], bytes], message: str) -> None:
    with pytest.raises(ChartError, match=message):
        draw()


# --- pictures in documents ---------------------------------------------------------------

def _template(path: Path, *paragraphs: tuple[str, str]) -> Path:
    """A GB/T 9704 document with the given (text, style) paragraphs, saved as a template."""
    document = docx.Document()
    apply_layout(document, load_layout("gbt9704"))
    for text, style in paragraphs:
        document.add_paragraph(text, style=style)
    document.save(path)
    return path


@pytest.fixture
def chart_template(tmp_path: Path) -> Path:
    return _template(tmp_path / "chart.docx", ("一、主要指标完成情况", "Heading 1"),
                     ("{{ chart }}", "Figure"), ("{{ caption }}", "Caption"))


def _open(data: bytes) -> Document:
    return docx.Document(io.BytesIO(data))


def _media(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {n: package.read(n) for n in package.namelist() if n.startswith("word/media/")}


def test_a_chart_renders_as_a_picture_at_its_width(chart_template: Path,
                                                   indicator_png: bytes) -> None:
    context = {"chart": Image(indicator_png, D(150)), "caption": "图1  主要指标完成情况"}
    data = render_docx(chart_template, context)
    document = _open(data)
    (shape,) = document.inline_shapes
    assert shape.width == Mm(150)
    pixels = PILImage.open(io.BytesIO(indicator_png)).size
    assert shape.height == pytest.approx(Mm(150) * pixels[1] / pixels[0], rel=0.001)
    assert _media(data) == {"word/media/image1.png": indicator_png}
    figure = next(p for p in document.paragraphs if p._p.xpath(".//w:drawing"))
    assert figure.style.name == "Figure" and figure.text == ""
    assert [p.text for p in document.paragraphs][-1] == "图1  主要指标完成情况"
    # Same context, same bytes; the context still holds plain Image values.
    assert render_docx(chart_template, context) == data
    assert context["chart"] == Image(indicator_png, D(150))


def test_figure_style_is_centred_single_spaced_without_indent(chart_template: Path) -> None:
    style = _open(chart_template.read_bytes()).styles["Figure"].paragraph_format
    assert style.line_spacing_rule == WD_LINE_SPACING.SINGLE
    assert style.first_line_indent == 0
    assert style.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert style.keep_with_next is True


def test_images_inside_lists_and_dicts_render_in_order(tmp_path: Path, indicator_png: bytes,
                                                       trend_png: bytes) -> None:
    template = _template(tmp_path / "loop.docx", ("{%p for figure in figures %}", "Normal"),
                         ("{{ figure.chart }}", "Figure"), ("{{ figure.caption }}", "Caption"),
                         ("{%p endfor %}", "Normal"))
    figures = [
        {"chart": Image(indicator_png, D(150)), "caption": "图1"},
        {"chart": Image(trend_png, D(120)), "caption": "图2"},
        {"chart": Image(indicator_png, D(100)), "caption": "图3"},  # the same picture again
    ]
    data = render_docx(template, {"figures": figures})
    document = _open(data)
    assert [s.width for s in document.inline_shapes] == [Mm(150), Mm(120), Mm(100)]
    # Parts are named in order of first use, and a repeated picture is stored once.
    assert _media(data) == {"word/media/image1.png": indicator_png,
                            "word/media/image2.png": trend_png}
    ids = [e.get("id") for e in document.element.body.iter(
        "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")]
    assert len(set(ids)) == 3
    assert render_docx(template, {"figures": tuple(figures)}) == data


def test_an_image_that_is_no_picture_is_a_template_error(chart_template: Path) -> None:
    context = {"chart": Image(b"not a png", D(150)), "caption": "图1"}
    with pytest.raises(TemplateError, match=r"chart\.docx: an Image in the context"):
        render_docx(chart_template, context)


@pytest.mark.soffice
def test_pdf_shows_the_whole_chart_at_print_size(chart_template: Path, tmp_path: Path,
                                                 indicator_png: bytes) -> None:
    source = tmp_path / "figure.docx"
    source.write_bytes(render_docx(chart_template, {"chart": Image(indicator_png, D(150)),
                                                    "caption": "图1  主要指标完成情况"}))
    pdf = SofficeConverter(tmp_path / "profile").convert(source, tmp_path / "pdf")
    page = PdfReader(pdf).pages[0]
    (embedded,) = page.images
    # At full resolution, and the chart's own pixels, not a blank. LibreOffice may store
    # a picture as JPEG, so pixels are compared within JPEG noise.
    assert embedded.image.size == PILImage.open(io.BytesIO(indicator_png)).size
    difference = ImageChops.difference(embedded.image.convert("L"), _pixels(indicator_png))
    assert ImageStat.Stat(difference).mean[0] < 1.0
    assert _dark_share(embedded.image) > 0.02
    clip, placed = _image_placement(page.get_contents(), PdfReader(pdf))
    width_pt, height_pt, _, bottom = placed
    assert width_pt == pytest.approx(150 / 25.4 * 72, abs=0.5)
    # The line grew to the picture: the clip is as tall as the picture, not one text line.
    assert clip[3] == pytest.approx(height_pt, abs=0.5)
    captions = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: captions.append(tm[5])
                      if text.startswith("图") else None)
    assert captions and max(captions) < bottom  # the caption sits under the chart


def _image_placement(contents: object, reader: PdfReader
                     ) -> tuple[list[float], tuple[float, float, float, float]]:
    """The clip rectangle and (width, height, left, bottom) of the page's one image."""
    clip: list[float] = []
    matrix: list[float] = []
    for operands, operator in ContentStream(contents, reader).operations:
        if operator == b"re":
            clip = [float(v) for v in operands]
        elif operator == b"cm":
            matrix = [float(v) for v in operands]
        elif operator == b"Do":
            return clip, (matrix[0], matrix[3], matrix[4], matrix[5])
    raise AssertionError("no image drawn on the page")
