"""TrueType copies of the CJK faces LibreOffice embeds, and the fontconfig file that
makes LibreOffice use them (:func:`fontconfig_file`).

Debian's Noto CJK faces are CFF (PostScript) outlines. LibreOffice embeds those as
Type 1 programs stamped with a /UniqueID it counts up per process, which normalisation
must take out of each program's encrypted part (≈55 ms of CPU a document, a fifth of a
year-end batch's LibreOffice time again). The same outlines as TrueType (cubic curves
approximated by quadratics within 1/1000 em, invisible at any print size) are embedded
as TrueType subsets with nothing per process in them, and make smaller PDFs.

The copies are built once per machine (``python -m wenshu.generators.office_fonts``,
which ``scripts/bootstrap.sh`` runs; ≈2 min on two cores) into the settings' fonts_dir
(``WENSHU_FONTS_DIR``, by default in the user's cache directory). Until they are built,
or once the system's fonts change, LibreOffice draws with the system's faces as before:
the same glyphs, slower PDFs.
The build is reproducible (same fonts and fontTools, same bytes), so documents stay
byte-identical across the machines of a deployment.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wenshu.files import write_whole
from wenshu.generators.pdf_jobs import FONTS_CONF
from wenshu.settings import get_settings

_log = logging.getLogger(__name__)
# Bump when the conversion changes what it writes: copies of another recipe are rebuilt.
RECIPE = 1
_STAMP = "fonts.json"
_NOTO = Path("/usr/share/fonts/opentype/noto")


@dataclass(frozen=True)
class Face:
    """One face of a font collection to copy as TrueType."""

    source: Path  # the collection (.ttc) Debian installs
    index: int  # the face's place in it
    target: str  # the copy's file name

    def signature(self) -> dict[str, Any]:
        """What the copy depends on in the system font (the file's size and time)."""
        status = self.source.stat()
        return {"source": str(self.source), "index": self.index, "size": status.st_size,
                "mtime_ns": status.st_mtime_ns}


# The faces fonts.conf maps the 公文 names onto (仿宋/宋体, 小标宋, 黑体). 楷体's AR PL
# UKai is TrueType already.
FACES = (
    Face(_NOTO / "NotoSerifCJK-Regular.ttc", 2, "NotoSerifCJKsc-Regular.ttf"),
    Face(_NOTO / "NotoSerifCJK-Bold.ttc", 2, "NotoSerifCJKsc-Bold.ttf"),
    Face(_NOTO / "NotoSansCJK-Regular.ttc", 2, "NotoSansCJKsc-Regular.ttf"),
)


def fontconfig_file(fonts_dir: Path) -> Path:
    """The fontconfig file LibreOffice should see: with the TrueType copies in
    ``fonts_dir`` when they are built and current, else wenshu's plain one
    (:data:`FONTS_CONF`), said once."""
    reason = _stale_reason(fonts_dir)
    if reason is None:
        try:
            return _written_conf(fonts_dir)
        except OSError as exc:
            reason = f"cannot write in {fonts_dir}: {exc}"
    _say_once(f"LibreOffice embeds the CJK fonts as Type 1 (slower PDFs): {reason}; "
              "`python -m wenshu.generators.office_fonts` builds the TrueType copies")
    return FONTS_CONF


def build(fonts_dir: Path, processes: int = 2) -> list[Path]:
    """Build the copies that are missing or stale, ``processes`` faces at a time; returns
    the copies built. Faces whose system font is not installed are left out."""
    fonts_dir.mkdir(parents=True, exist_ok=True)
    with _locked(fonts_dir):
        stamp = _read_stamp(fonts_dir)
        current = stamp.get("faces", {}) if _same_recipe(stamp) else {}
        wanted = [face for face in FACES if face.source.exists()
                  and (current.get(face.target) != face.signature()
                       or not (fonts_dir / face.target).exists())]
        with ProcessPoolExecutor(max(1, min(processes, len(wanted) or 1))) as pool:
            built = list(pool.map(convert_face, wanted,
                                  [fonts_dir / face.target for face in wanted]))
        faces = {face.target: face.signature() for face in FACES if face.source.exists()}
        write_whole(fonts_dir / _STAMP, json.dumps(
            {"recipe": RECIPE, "fonttools": _fonttools_version(), "faces": faces},
            indent=1).encode())
    _cache_fontconfig(_written_conf(fonts_dir))
    return built


def convert_face(face: Face, target: Path) -> Path:
    """Write ``face`` with its outlines as TrueType quadratics to ``target``; returns it."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTCollection, newTable

    # recalcTimestamp=False: the copy keeps the source's dates, so it is reproducible.
    font = TTCollection(str(face.source), recalcTimestamp=False).fonts[face.index]
    order = font.getGlyphOrder()
    outlines = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(outlines)
        # 1 unit of 1000: the quadratic stays within a thousandth of an em of the cubic.
        outlines[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    for tag in ("CFF ", "VORG"):  # VORG is for CFF outlines only
        if tag in font:
            del font[tag]
    glyf.compile(font)
    metrics = font["hmtx"]
    for name, glyph in glyphs.items():  # TrueType wants left side bearing = xMin
        if hasattr(glyph, "xMin"):
            metrics[name] = (metrics[name][0], glyph.xMin)
    font["maxp"] = _truetype_maxp()
    # Format 3 keeps no glyph names: 65,535 of them overflow format 2's table.
    font["post"].formatType = 3.0
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    return write_whole(target, lambda scratch: font.save(str(scratch)))


def _truetype_maxp() -> Any:
    """A version 1.0 maxp table (TrueType's); its counts are recalculated on save."""
    from fontTools.ttLib import newTable

    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    return maxp


def _stale_reason(fonts_dir: Path) -> str | None:
    """Why the copies in ``fonts_dir`` cannot be used, or None when they can."""
    stamp = _read_stamp(fonts_dir)
    if not stamp:
        return f"no TrueType copies in {fonts_dir}"
    if not _same_recipe(stamp):
        return "the TrueType copies were built by another version"
    for face in FACES:
        try:
            current = face.signature()
        except OSError:
            return f"{face.source} is missing"
        if stamp["faces"].get(face.target) != current:
            return f"{face.source} changed since its copy was built"
        if not (fonts_dir / face.target).exists():
            return f"{fonts_dir / face.target} is missing"
    return None


def _written_conf(fonts_dir: Path) -> Path:
    """wenshu's fontconfig file plus the copies' folder, the copied collections hidden
    (the copies take their names); written once per content, so a new mapping in
    :data:`FONTS_CONF` makes a new file and no process sees one half-written."""
    hidden = "".join(f"<glob>{face.source}</glob>" for face in FACES)
    extra = (f"  <dir>{fonts_dir.resolve()}</dir>\n"
             f"  <selectfont><rejectfont>{hidden}</rejectfont></selectfont>\n")
    base = FONTS_CONF.read_text(encoding="utf-8")
    marker = "  <include "
    text = base.replace(marker, extra + marker, 1)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    path = fonts_dir / f"fonts-{digest}.conf"
    if not path.exists():
        write_whole(path, text.encode())
    return path


def _cache_fontconfig(conf: Path) -> None:
    """Let fontconfig index the copies now rather than in the first LibreOffice."""
    if shutil.which("fc-cache"):
        subprocess.run(["fc-cache"], env={**os.environ, "FONTCONFIG_FILE": str(conf)},
                       capture_output=True, check=False)


def _read_stamp(fonts_dir: Path) -> dict[str, Any]:
    """The build's record, or {} when there is none (or it is unreadable)."""
    try:
        stamp = json.loads((fonts_dir / _STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) and isinstance(stamp.get("faces"), dict) else {}


def _same_recipe(stamp: dict[str, Any]) -> bool:
    """Whether the copies recorded in ``stamp`` are what this code would build."""
    return stamp.get("recipe") == RECIPE and stamp.get("fonttools") == _fonttools_version()


def _fonttools_version() -> str:
    """fontTools' version: another version may write other bytes."""
    import fontTools

    return str(fontTools.version)


@contextlib.contextmanager
def _locked(fonts_dir: Path) -> Any:
    """One build at a time in ``fonts_dir`` (two setups on one machine wait in turn)."""
    with (fonts_dir / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


_said: set[str] = set()


def _say_once(message: str) -> None:
    """Log ``message`` the first time this process sees it."""
    if message not in _said:
        _said.add(message)
        _log.warning(message)


def main() -> None:
    """Build the copies that are missing or stale, saying what it does."""
    fonts_dir = get_settings().fonts_dir
    if _stale_reason(fonts_dir) is None:
        print(f"TrueType copies of the CJK fonts are current in {fonts_dir}")
        return
    print(f"building TrueType copies of the CJK fonts in {fonts_dir} (once, ≈2 min) ...",
          flush=True)
    start = time.monotonic()
    built = build(fonts_dir)
    print(f"built {len(built)} in {time.monotonic() - start:.0f} s")
    reason = _stale_reason(fonts_dir)
    if reason is not None:
        sys.exit(f"cannot build them: {reason}")


if __name__ == "__main__":
    main()
