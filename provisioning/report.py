"""A self-test report a person can read: saved as JSON and drawn as a PNG (Pillow).

The PNG is what a technician hands over with the terminal: the kiosk, when, and one row
per device with a green PASS or red FAIL and what was seen (a missing device says which
and why). Drawn with a CJK font when the machine has one (station names are Chinese).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
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


_COLUMNS = (30, 300, 420, 1000)  # device, result, detail, ms
_DETAIL_WIDTH = _COLUMNS[3] - _COLUMNS[2] - 20
_LINE = 22  # the detail font's line height
_TOP = 190


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int) -> list[str]:
    """`text` in lines no wider than `width`, broken after a space or `/` where one fits.

    Nothing is cut off: a technician reads the whole reason (a port path, a SAM id).
    """
    lines: list[str] = []
    while draw.textlength(text, font=font) > width:
        cut = 1
        while cut < len(text) and draw.textlength(text[: cut + 1], font=font) <= width:
            cut += 1
        soft = max(text.rfind(" ", 0, cut), text.rfind("/", 0, cut))
        if soft > 0:
            cut = soft + 1
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*lines, text]


@dataclass(frozen=True)
class Row:
    """One check as drawn: where, what, and its detail in lines."""

    device: list[str]
    passed: bool
    detail: list[str]
    millis: str
    top: int
    height: int


def layout(report: dict[str, Any], top: int = _TOP) -> list[Row]:
    """Where each check's row goes (the table's heading at `top`), its detail wrapped."""
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    text, small = _font(20), _font(16)
    rows: list[Row] = []
    y = top + ROW
    for check in report.get("checks", []):
        detail = _wrap(measure, str(check.get("detail", "")), small, _DETAIL_WIDTH)
        device = _wrap(measure, str(check.get("device", "")), text, _COLUMNS[1] - _COLUMNS[0] - 10)
        height = max(ROW * len(device), _LINE * len(detail) + 12)
        passed = bool(check.get("ok"))
        millis = str(check.get("millis", ""))
        rows.append(Row(device, passed, detail, millis, y, height))
        y += height
    return rows


def _when(started_at: str) -> str:
    """The start time to the second, with its zone: microseconds help nobody on paper."""
    try:
        when = dt.datetime.fromisoformat(started_at)
    except ValueError:
        return started_at
    zone = when.strftime(" %Z") if when.tzinfo else ""
    return when.strftime("%Y-%m-%d %H:%M:%S") + zone


def draw_report(report: dict[str, Any], kiosk: dict[str, Any]) -> Image.Image:
    """The report as an image: header, verdict, one row per check."""
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    big, text, small = _font(30), _font(20), _font(16)
    facts = _wrap(
        measure,
        f"序列号 Serial {kiosk.get('serial', '')}   站点 Station {kiosk.get('name', '') or '-'}"
        f"   版本 Version {kiosk.get('version', '')}",
        text,
        WIDTH - 60,
    )
    shift = 30 * (len(facts) - 1)  # a long station name takes more lines, never clipped
    top = _TOP + shift
    rows = layout(report, top)
    bottom = rows[-1].top + rows[-1].height if rows else top + ROW
    image = Image.new("RGB", (WIDTH, bottom + 30), "white")
    draw = ImageDraw.Draw(image)
    draw.text((30, 22), "e-station 安装自检 Self-test report", font=big, fill=_INK)
    for n, line in enumerate(facts):
        draw.text((30, 70 + 30 * n), line, font=text, fill=_INK)
    started = _when(str(report.get("started_at", "")))
    # Whether the kiosk will take signed updates: a key not pinned is seen on handover.
    key = kiosk.get("release_key") or "未固定 not pinned"
    when = f"时间 Started {started}   发布密钥 Release key {key}"
    draw.text((30, 100 + shift), when, font=text, fill=_GREY)
    ok = bool(report.get("ok"))
    verdict = "全部通过 ALL PASSED" if ok else "有设备未通过 SOME CHECKS FAILED"
    draw.text((30, 135 + shift), verdict, font=big, fill=_GREEN if ok else _RED)
    titles = ("设备 Device", "结果 Result", "说明 Detail", "ms")
    for x, title in zip(_COLUMNS, titles, strict=True):
        draw.text((x, top), title, font=text, fill=_GREY)
    draw.line((30, top + ROW - 6, WIDTH - 30, top + ROW - 6), fill=_GREY)
    for row in rows:
        colour = _GREEN if row.passed else _RED
        for n, line in enumerate(row.device):
            draw.text((_COLUMNS[0], row.top + ROW * n), line, font=text, fill=_INK)
        draw.text((_COLUMNS[1], row.top), "PASS" if row.passed else "FAIL", font=text, fill=colour)
        for n, line in enumerate(row.detail):
            draw.text((_COLUMNS[2], row.top + 2 + _LINE * n), line, font=small, fill=_INK)
        draw.text((_COLUMNS[3], row.top), row.millis, font=text, fill=_GREY)
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
