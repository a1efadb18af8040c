"""A picture in a document reaches its PDF/A pixel for pixel: no JPEG pass on the way."""

from __future__ import annotations

import io
import random
from pathlib import Path

import docx
from docx.shared import Cm
from PIL import Image
from pypdf import PdfReader

from wenshu.generators.pdf import PdfJob, open_converter
from wenshu.settings import Settings


def _photo() -> Image.Image:
    """A photo-like RGB picture (a gradient with fine noise), which LibreOffice's default
    export stores as JPEG."""
    noise = random.Random(13)
    picture = Image.radial_gradient("L").resize((300, 200)).convert("RGB")
    pixels = picture.load()
    for x in range(picture.width):
        for y in range(picture.height):
            red, green, blue = pixels[x, y]
            n = noise.randint(-30, 30)
            pixels[x, y] = (max(0, min(255, red + n)), max(0, min(255, green + 2 * n)),
                            max(0, min(255, blue - n)))
    return picture


def test_a_photo_is_stored_losslessly(settings: Settings, tmp_path: Path) -> None:
    photo = _photo()
    png = io.BytesIO()
    photo.save(png, format="PNG")
    document = docx.Document()
    document.add_paragraph("活动照片")
    document.add_picture(io.BytesIO(png.getvalue()), width=Cm(12))
    source = tmp_path / "photo.docx"
    document.save(str(source))

    with open_converter(settings) as converter:
        [pdf] = converter.convert_many([PdfJob(source, tmp_path / "photo.pdf")])

    [page] = PdfReader(pdf).pages
    [stored] = [ref.get_object() for ref in page["/Resources"]["/XObject"].values()
                if ref.get_object()["/Subtype"] == "/Image"]
    assert stored["/Filter"] == "/FlateDecode"
    [image] = page.images
    assert image.image.convert("RGB").tobytes() == photo.tobytes()
