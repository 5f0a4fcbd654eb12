"""The self-test report as a person reads it: the PNG's drawing and the saved files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image

from provisioning.report import WIDTH, draw_report, layout, save_report

KIOSK = {"serial": "ES300-2026-000417", "name": "城关镇便民服务中心", "version": "0.1.0"}
LONG_DETAIL = "ok at /tmp/idcard-sim-w8qlcegb/ttyIDCARD: 05.01-20240101-0000001234-0000005678"


def _report(*, camera_ok: bool = False) -> dict[str, Any]:
    camera = "ok at /dev/video0" if camera_ok else "absent at /dev/video97: not connected"
    return {
        "started_at": "2026-12-05T12:34:59.017229+00:00",
        "ok": camera_ok,
        "checks": [
            {"device": "receipt_printer.print", "ok": True, "millis": 19,
             "detail": "test receipt printed"},
            {"device": "id_card_reader", "ok": True, "millis": 3, "detail": LONG_DETAIL},
            {"device": "camera", "ok": camera_ok, "millis": 0, "detail": camera},
        ],
    }  # fmt: skip


def _is_red(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return r > 150 and g < 90 and b < 90


def _red_in(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    crop = image.crop(box).convert("RGB")
    colours = crop.getcolors(crop.width * crop.height) or []
    return any(_is_red(colour) for _, colour in colours)


def test_the_report_renders_one_row_per_check_at_the_full_width() -> None:
    image = draw_report(_report(), KIOSK)
    rows = layout(_report())
    assert image.mode == "RGB"
    assert image.width == WIDTH
    # header, the rows, a margin: taller with each check, never cutting the last one
    assert image.height == rows[-1].top + rows[-1].height + 30
    assert len(rows) == 3
    one_check = {**_report(), "checks": _report()["checks"][:1]}
    assert draw_report(one_check, KIOSK).height < image.height


def test_a_missing_devices_row_says_which_and_why_in_red() -> None:
    report = _report()
    camera = layout(report)[2]
    assert camera.device == ["camera"]
    assert camera.passed is False
    assert camera.detail == ["absent at /dev/video97: not connected"]
    image = draw_report(report, KIOSK)
    result_cell = (300, camera.top, 420, camera.top + camera.height)
    assert _red_in(image, result_cell)  # FAIL, in red
    for passing in layout(report)[:2]:
        assert not _red_in(image, (300, passing.top, 420, passing.top + passing.height))
    # with the camera working the same cell is no longer red
    fixed = draw_report(_report(camera_ok=True), KIOSK)
    assert not _red_in(fixed, result_cell)


def test_a_long_detail_is_wrapped_whole_not_cut_off() -> None:
    reader = layout(_report())[1]
    assert len(reader.detail) == 2
    assert " ".join(reader.detail).replace(" ", "") == LONG_DETAIL.replace(" ", "")
    assert not any("…" in line for line in reader.detail)
    assert reader.height > layout(_report())[0].height


def test_save_report_writes_the_json_and_a_png_of_the_drawing(tmp_path: Path) -> None:
    json_path, png_path = save_report(_report(), KIOSK, tmp_path / "out")
    assert json_path.name == "selftest-ES300-2026-000417.json"
    saved = json.loads(json_path.read_text(encoding="utf-8"))
    assert saved["kiosk"] == KIOSK
    assert saved["checks"][2]["detail"] == "absent at /dev/video97: not connected"
    with Image.open(png_path) as png:
        assert png.size == draw_report(_report(), KIOSK).size
