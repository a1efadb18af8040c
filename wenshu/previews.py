"""Page images of stored PDFs, so a document shows in any browser, PDF plug-in or not.

Pages are drawn by poppler's ``pdftoppm`` once per file content (the SHA-256 names the
cache folder: an archived file never changes) and kept under ``previews/``.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from wenshu.errors import WenshuError
from wenshu.paths import inside
from wenshu.settings import Settings

RESOLUTION = 80  # dpi: an A4 page 662 px wide, readable on a 1366 px screen
MAX_PAGES = 60
TIMEOUT_SECONDS = 60


class PreviewError(WenshuError):
    """A PDF's pages could not be drawn."""


def page_images(settings: Settings, pdf: Path, sha256: str) -> list[Path]:
    """PNG images of the PDF's pages (at most :data:`MAX_PAGES`), drawn on first use."""
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise PreviewError("预览需要文件的 SHA-256")
    root = settings.home / "previews"
    folder = inside(root, sha256)
    if not folder.is_dir():
        _draw(pdf, root, folder)
    return sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))


def image_size(png: Path) -> tuple[int, int]:
    """Width and height in pixels of a PNG, from its header (so a page can reserve the space)."""
    with png.open("rb") as handle:
        head = handle.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise PreviewError(f"预览图片已损坏：{png.name}")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _draw(pdf: Path, root: Path, folder: Path) -> None:
    """Draw into a scratch folder, then rename it into place (readers never see half)."""
    if shutil.which("pdftoppm") is None:
        raise PreviewError("无法生成预览：缺少 pdftoppm（Debian 软件包 poppler-utils）")
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=root, prefix=".draw-"))
    try:
        subprocess.run(["pdftoppm", "-png", "-r", str(RESOLUTION), "-l", str(MAX_PAGES),
                        str(pdf), str(scratch / "page")], check=True, capture_output=True,
                       timeout=TIMEOUT_SECONDS)
        for image in scratch.glob("page-*.png"):  # page-01.png → page-1.png
            number = int(image.stem.split("-")[1])
            image.rename(scratch / f"page-{number}.png")
        os.replace(scratch, folder)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        if folder.is_dir():  # another request drew it meanwhile
            return
        raise PreviewError(f"无法生成预览：{exc}") from exc


__all__ = ["PreviewError", "image_size", "page_images"]
