"""render_png(): the PNG drawn from decoded bytes is a readable receipt (QR read back by OpenCV)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.printer import (
    Line,
    PreviewFontMissing,
    Receipt,
    decode,
    find_cjk_font,
    image_from_raster,
    profile_by_name,
    render,
    render_png,
)
from tests.support.qr import read_qr

URL = "https://e-station.example.cn/r/8F3K2Q"


def load_gray(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert image is not None, f"{path} is not a readable image"
    return image


@pytest.mark.parametrize("name", ["kiosk-80", "kiosk-58", "panel-58-gbk", "kiosk-80-raster"])
def test_preview_png_of_the_bytes_shows_a_qr_code_opencv_reads(
    name: str, receipt: Receipt, tmp_path: Path
) -> None:
    profile = profile_by_name(name)
    doc = decode(render(receipt, profile), profile.codec)
    out = render_png(doc, tmp_path / f"{name}.png", dots_width=profile.dots_width)
    assert out.read_bytes().startswith(b"\x89PNG")
    image = load_gray(out)
    assert image.shape[1] > profile.dots_width  # printable width plus paper margins
    assert read_qr(image) == URL


def test_raster_qr_decoded_from_gs_v_0_is_readable(receipt: Receipt) -> None:
    profile = profile_by_name("panel-58-gbk")
    (raster,) = decode(render(receipt, profile), profile.codec).images
    pixels = np.asarray(image_from_raster(raster))
    assert read_qr(pixels) == URL


def test_preview_draws_chinese_glyphs_not_empty_boxes(tmp_path: Path) -> None:
    # The same line drawn twice must give the same ink, and two different hanzi different
    # ink: a font without CJK glyphs draws one identical "tofu" box for every character.
    profile = profile_by_name("kiosk-80")
    pictures = []
    for text in ("就", "业"):
        doc = decode(render(Receipt("t", (Line(text),)), profile))
        out = render_png(doc, tmp_path / f"{ord(text)}.png")
        image = load_gray(out)
        pictures.append(image[:60, :60])
    assert (pictures[0] < 128).sum() > 40  # ink is there
    assert not np.array_equal(pictures[0], pictures[1])


def test_cut_is_drawn_as_a_dashed_line(receipt: Receipt, tmp_path: Path) -> None:
    doc = decode(render(receipt, profile_by_name("kiosk-80")))
    image = load_gray(render_png(doc, tmp_path / "r.png"))
    bottom_rows = image[-60:]
    dashed = [row for row in bottom_rows if 0.3 < (row < 200).mean() < 0.9]
    assert dashed, "no dashed cut line near the bottom"


def test_font_lookup_takes_an_explicit_path_and_reports_a_missing_one(tmp_path: Path) -> None:
    found = find_cjk_font()
    assert find_cjk_font(found) == found
    with pytest.raises(PreviewFontMissing):
        find_cjk_font(tmp_path / "missing.ttc")
