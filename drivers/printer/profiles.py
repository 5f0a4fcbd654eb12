"""Printer facts as a typed frozen table, chosen by name from configuration.

The rows are common module classes, not verified models [unverified]: a deployment names the
row matching its printer, or adds one. Font A is 12 x 24 dots per half-width column, so
columns x 12 = printable dots (32 x 12 = 384 on 58 mm, 48 x 12 = 576 on 80 mm).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drivers.printer.errors import UnknownPrinterProfile

Codec = Literal["gb18030", "gbk"]

FONT_A_DOTS_PER_COLUMN = 12


@dataclass(frozen=True)
class PrinterProfile:
    """What one printer model can do.

    `codec` is what its Kanji-mode font understands: "gb18030" printers also take the
    4-byte sequences (rare name characters), "gbk" ones print those as garbage, so the
    renderer refuses them. `native_qr` says the firmware knows `GS ( k`; without it QR codes
    go as raster images (`GS v 0`), about 3.4 KB each instead of about 74 bytes.
    `has_status` says the printer answers `DLE EOT n` over its connection; without it the
    printer is driven blind (no check before or after a job), as some panel printers on a
    one-way TTL serial line must be.
    """

    name: str
    paper_width_mm: Literal[58, 80]
    columns: int
    dots_width: int
    codec: Codec
    native_qr: bool
    cutter: bool
    has_status: bool = True

    def __post_init__(self) -> None:
        if self.paper_width_mm not in (58, 80):
            raise ValueError("paper width must be 58 or 80 mm")
        if self.codec not in ("gb18030", "gbk"):
            raise ValueError("codec must be gb18030 or gbk")
        if self.columns * FONT_A_DOTS_PER_COLUMN != self.dots_width:
            raise ValueError("columns x 12 dots (Font A) must equal the printable dots width")


PROFILES: dict[str, PrinterProfile] = {
    p.name: p
    for p in (
        # Current 80 mm kiosk modules: GB18030 font, native QR, autocutter.
        PrinterProfile("kiosk-80", 80, 48, 576, "gb18030", native_qr=True, cutter=True),
        # 58 mm kiosk modules with cutter.
        PrinterProfile("kiosk-58", 58, 32, 384, "gb18030", native_qr=True, cutter=True),
        # Older 58 mm panel printers: GBK font only, no GS ( k, tear bar instead of cutter,
        # wired receive-only (no status replies).
        PrinterProfile(
            "panel-58-gbk", 58, 32, 384, "gbk", native_qr=False, cutter=False, has_status=False
        ),
        # Older 80 mm modules without native QR.
        PrinterProfile("kiosk-80-raster", 80, 48, 576, "gbk", native_qr=False, cutter=True),
    )
}


def profile_by_name(name: str) -> PrinterProfile:
    """Return the profile called `name` or raise UnknownPrinterProfile listing the names."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise UnknownPrinterProfile(f"no printer profile {name!r}; known: {known}") from None
