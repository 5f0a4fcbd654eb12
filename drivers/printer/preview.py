"""Draw a decoded ESC/POS stream as a thermal receipt PNG, one image pixel per printer dot.

The input is what `decode()` made of the bytes, not the Receipt model: the picture shows what
the printer would get, including layout mistakes. Geometry follows Font A: half-width cells of
12 x 24 dots, GB characters 24 x 24, lines 30 dots apart; size multipliers scale the cell
(pixel-doubled, as the printer does).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont
from qrcode.exceptions import DataOverflowError

from drivers.printer.errors import PreviewFontMissing
from drivers.printer.printed import (
    Align,
    PaperCut,
    PaperFeed,
    PrintedDocument,
    PrintedImage,
    PrintedQr,
    TextLine,
    TextRun,
)

HALF_CELL = 12
CELL_HEIGHT = 24
LINE_DOTS = 30  # default line spacing, 1/6 inch
MARGIN = 24  # paper outside the printable area, left/right and top/bottom
CUT_BAND = 36
QR_QUIET_MODULES = 4

# (path, face index). wqy-zenhei face 1 is "Zen Hei Mono": Latin exactly half the CJK
# width, like the printer's font. Noto CJK collections hold JP, KR, SC, TC... in that
# order; face 2 is Simplified Chinese.
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 1),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
)

_QR_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def find_cjk_font(font_path: str | os.PathLike[str] | None = None) -> Path:
    """Return `font_path` if given and present, else the first installed known CJK font."""
    return _find_font(font_path)[0]


def _find_font(font_path: str | os.PathLike[str] | None) -> tuple[Path, int]:
    if font_path is not None:
        path = Path(font_path)
        if not path.is_file():
            raise PreviewFontMissing(f"font {path} does not exist")
        index = next((i for p, i in FONT_CANDIDATES if Path(p) == path), 0)
        return path, index
    for candidate, index in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate), index
    tried = ", ".join(p for p, _ in FONT_CANDIDATES)
    raise PreviewFontMissing(f"no CJK font found (install fonts-wqy-zenhei); tried {tried}")


def image_from_raster(item: PrintedImage) -> Image.Image:
    """A raster item as a black-on-white "L" image, printer scaling applied."""
    size = (item.width_dots, item.height)
    # ESC/POS raster: bit 1 = black dot; PIL "1" raw mode "1;I" reads 1 as black.
    image = Image.frombytes("1", size, item.raster, "raw", "1;I").convert("L")
    if item.scale_x != 1 or item.scale_y != 1:
        scaled = (item.width_dots * item.scale_x, item.height * item.scale_y)
        image = image.resize(scaled, Image.Resampling.NEAREST)
    return image


def render_png(
    doc: PrintedDocument,
    path: str | os.PathLike[str],
    *,
    dots_width: int = 576,
    font_path: str | os.PathLike[str] | None = None,
) -> Path:
    """Draw `doc` as a receipt of `dots_width` printable dots and save it as PNG at `path`."""
    font_file, face = _find_font(font_path)
    glyphs = _Glyphs(str(font_file), face)
    bands: list[_Band] = []
    for item in doc.items:
        if isinstance(item, TextLine):
            bands.extend(_text_bands(item, glyphs, dots_width))
        elif isinstance(item, PrintedImage):
            bands.append(_image_band(image_from_raster(item), item.align, dots_width))
        elif isinstance(item, PrintedQr):
            bands.append(_qr_band(item, glyphs, dots_width))
        elif isinstance(item, PaperFeed):
            bands.append(_Band(item.dots, lambda canvas, x, y: None))
        elif isinstance(item, PaperCut):
            bands.append(_Band(CUT_BAND, _cut_drawer(item.partial, dots_width)))
    height = sum(b.height for b in bands) + 2 * MARGIN
    canvas = Image.new("L", (dots_width + 2 * MARGIN, height), 255)
    y = MARGIN
    for band in bands:
        band.draw(canvas, MARGIN, y)
        y += band.height
    out = Path(path)
    canvas.save(out, format="PNG")
    return out


@dataclass(frozen=True)
class _Band:
    """A horizontal strip of the receipt: its height and how to draw it at (x, y)."""

    height: int
    draw: Callable[[Image.Image, int, int], None]


class _Glyphs:
    """Character cells drawn once per (char, bold, width, height)."""

    def __init__(self, font_file: str, face: int) -> None:
        self._font = ImageFont.truetype(font_file, 22, index=face)
        self.cell = lru_cache(maxsize=4096)(self._cell)

    def _cell(self, ch: str, bold: bool, width: int, height: int) -> Image.Image:
        cell_width = HALF_CELL if ord(ch) < 0x80 else 2 * HALF_CELL
        cell = Image.new("L", (cell_width, CELL_HEIGHT), 255)
        draw = ImageDraw.Draw(cell)
        # Baseline at dot 19 leaves room for descenders (g, y) inside the 24-dot cell.
        for dx in (0, 1) if bold else (0,):
            draw.text((cell_width / 2 + dx, 19), ch, font=self._font, fill=0, anchor="ms")
        if width != 1 or height != 1:
            cell = cell.resize((cell_width * width, CELL_HEIGHT * height), Image.Resampling.NEAREST)
        return cell


def _x_for(align: Align, used: int, dots_width: int) -> int:
    if align == "center":
        return max((dots_width - used) // 2, 0)
    if align == "right":
        return max(dots_width - used, 0)
    return 0


def _text_bands(line: TextLine, glyphs: _Glyphs, dots_width: int) -> list[_Band]:
    """One band per printed row: a line wider than the paper wraps, as on the printer."""
    rows: list[list[tuple[Image.Image, bool]]] = [[]]
    used = 0
    for run in line.runs:
        for ch in run.text:
            cell = glyphs.cell(ch, run.bold, run.width, run.height)
            if used + cell.width > dots_width and rows[-1]:
                rows.append([])
                used = 0
            rows[-1].append((cell, run.underline))
            used += cell.width
    bands = []
    for row in rows:
        row_height = max((cell.height for cell, _ in row), default=CELL_HEIGHT)
        bands.append(
            _Band(
                row_height + LINE_DOTS - CELL_HEIGHT,
                _row_drawer(row, row_height, line.align, dots_width),
            )
        )
    return bands


def _row_drawer(
    row: list[tuple[Image.Image, bool]], row_height: int, align: Align, dots_width: int
) -> Callable[[Image.Image, int, int], None]:
    def draw(canvas: Image.Image, x0: int, y0: int) -> None:
        x = x0 + _x_for(align, sum(cell.width for cell, _ in row), dots_width)
        pen = ImageDraw.Draw(canvas)
        for cell, underline in row:
            # Cells share a baseline: taller (enlarged) cells set the row height.
            top = y0 + row_height - cell.height
            canvas.paste(cell, (x, top))
            if underline:
                pen.line((x, y0 + row_height, x + cell.width - 1, y0 + row_height), fill=0)
            x += cell.width

    return draw


def _image_band(image: Image.Image, align: Align, dots_width: int) -> _Band:
    def draw(canvas: Image.Image, x0: int, y0: int) -> None:
        canvas.paste(image, (x0 + _x_for(align, image.width, dots_width), y0))

    return _Band(image.height, draw)


def _qr_band(item: PrintedQr, glyphs: _Glyphs, dots_width: int) -> _Band:
    """The code the firmware would draw, from its payload, with a quiet zone."""
    code = qrcode.QRCode(
        error_correction=_QR_EC[item.ec], box_size=item.module_size, border=QR_QUIET_MODULES
    )
    try:
        code.add_data(item.data)
        code.make(fit=True)
    except DataOverflowError:
        # The printer prints nothing for data it cannot encode; say so on the preview.
        placeholder = TextLine((TextRun("[QR data too long]"),), item.align)
        return _text_bands(placeholder, glyphs, dots_width)[0]
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
    return _image_band(image, item.align, dots_width)


def _cut_drawer(partial: bool, dots_width: int) -> Callable[[Image.Image, int, int], None]:
    dash, gap = (6, 6) if partial else (12, 6)

    def draw(canvas: Image.Image, x0: int, y0: int) -> None:
        pen = ImageDraw.Draw(canvas)
        y = y0 + CUT_BAND // 2
        for x in range(0, canvas.width, dash + gap):
            pen.line((x, y, min(x + dash, canvas.width) - 1, y), fill=96, width=2)

    return draw
