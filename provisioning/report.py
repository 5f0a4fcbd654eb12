"""A self-test report a person can read: saved as JSON and drawn as a PNG (Pillow).

The PNG is what a technician hands over with the terminal: the kiosk, when, and one row
per device with a green PASS or red FAIL and what was seen (a missing device says which
and why). Drawn with a CJK font when the machine has one (station names are Chinese).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
)
WIDTH = 1100
ROW = 34
_GREEN, _RED, _INK, _GREY = (22, 128, 60), (190, 30, 30), (20, 20, 20), (110, 110, 110)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path, index in _FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size, index=index)
    return ImageFont.load_default()


def _fit(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def draw_report(report: dict[str, Any], kiosk: dict[str, Any]) -> Image.Image:
    """The report as an image: header, verdict, one row per check."""
    checks = report.get("checks", [])
    height = 190 + ROW * (len(checks) + 1) + 40
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    big, text, small = _font(30), _font(20), _font(16)
    draw.text((30, 22), "e-station 安装自检 Self-test report", font=big, fill=_INK)
    facts = (
        f"序列号 Serial {kiosk.get('serial', '')}   站点 Station {kiosk.get('name', '') or '-'}"
        f"   版本 Version {kiosk.get('version', '')}"
    )
    draw.text((30, 70), facts, font=text, fill=_INK)
    draw.text((30, 100), f"时间 Started {report.get('started_at', '')}", font=text, fill=_GREY)
    ok = bool(report.get("ok"))
    verdict = "全部通过 ALL PASSED" if ok else "有设备未通过 SOME CHECKS FAILED"
    draw.text((30, 135), verdict, font=big, fill=_GREEN if ok else _RED)
    top = 190
    columns = (30, 300, 420, 1000)
    for x, title in zip(columns, ("设备 Device", "结果 Result", "说明 Detail", "ms"), strict=True):
        draw.text((x, top), title, font=text, fill=_GREY)
    draw.line((30, top + ROW - 6, WIDTH - 30, top + ROW - 6), fill=_GREY)
    for i, check in enumerate(checks, start=1):
        y = top + ROW * i
        passed = bool(check.get("ok"))
        draw.text((columns[0], y), str(check.get("device", "")), font=text, fill=_INK)
        draw.text(
            (columns[1], y),
            "PASS" if passed else "FAIL",
            font=text,
            fill=_GREEN if passed else _RED,
        )
        detail = _fit(draw, str(check.get("detail", "")), small, columns[3] - columns[2] - 20)
        draw.text((columns[2], y + 2), detail, font=small, fill=_INK)
        draw.text((columns[3], y), str(check.get("millis", "")), font=text, fill=_GREY)
    return image


def save_report(report: dict[str, Any], kiosk: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """Write `selftest-<serial>.json` and `.png` into `folder`; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"selftest-{kiosk.get('serial', 'kiosk')}"
    json_path, png_path = folder / f"{stem}.json", folder / f"{stem}.png"
    json_path.write_text(
        json.dumps({"kiosk": kiosk, **report}, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    draw_report(report, kiosk).save(png_path)
    return json_path, png_path
