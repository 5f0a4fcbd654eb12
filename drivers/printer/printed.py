"""What a thermal printer put on paper, as the ESC/POS decoder (escpos_decode.py) reads it
from the bytes sent: lines of styled text runs, QR codes, raster images, feeds and cuts, and
the status queries among them. The printer simulator keeps these; the preview draws them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "center", "right"]
EcLevel = Literal["L", "M", "Q", "H"]


@dataclass(frozen=True)
class TextRun:
    """Consecutive characters sharing one style; width/height are size multipliers."""

    text: str
    bold: bool = False
    underline: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True)
class TextLine:
    """One printed line; `wrapped` means the printer broke it because it was too wide."""

    runs: tuple[TextRun, ...]
    align: Align = "left"
    wrapped: bool = False

    @property
    def text(self) -> str:
        """The characters of the line, styles dropped."""
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class PrintedQr:
    """A QR code printed by the firmware from `GS ( k` (payload as stored, bytes)."""

    data: bytes
    module_size: int
    ec: EcLevel
    align: Align = "left"

    @property
    def text(self) -> str:
        """The payload as UTF-8 text (python-escpos stores UTF-8)."""
        return self.data.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class PrintedImage:
    """A `GS v 0` raster: rows of `width_bytes` bytes, MSB = leftmost dot, 1 = black."""

    width_bytes: int
    height: int
    raster: bytes
    scale_x: int = 1
    scale_y: int = 1
    align: Align = "left"

    @property
    def width_dots(self) -> int:
        """Width in dots before scaling."""
        return self.width_bytes * 8


@dataclass(frozen=True)
class PaperFeed:
    """Paper fed by `dots` without printing (ESC J, GS V 65/66 n)."""

    dots: int


@dataclass(frozen=True)
class PaperCut:
    """The cutter ran here."""

    partial: bool = False


@dataclass(frozen=True)
class StatusRequest:
    """A real-time status query `DLE EOT n`: the simulator answers it; nothing is printed."""

    n: int


PrintedItem = TextLine | PrintedQr | PrintedImage | PaperFeed | PaperCut
DecodedEvent = PrintedItem | StatusRequest


@dataclass(frozen=True)
class PrintedDocument:
    """Everything a byte stream printed, top to bottom."""

    items: tuple[PrintedItem, ...]

    @property
    def lines(self) -> tuple[TextLine, ...]:
        """The text lines, blank ones included."""
        return tuple(i for i in self.items if isinstance(i, TextLine))

    @property
    def text_lines(self) -> list[str]:
        """The text of every line, blank ones included."""
        return [line.text for line in self.lines]

    @property
    def qr_codes(self) -> tuple[PrintedQr, ...]:
        """The native QR codes."""
        return tuple(i for i in self.items if isinstance(i, PrintedQr))

    @property
    def images(self) -> tuple[PrintedImage, ...]:
        """The raster images."""
        return tuple(i for i in self.items if isinstance(i, PrintedImage))

    @property
    def cuts(self) -> tuple[PaperCut, ...]:
        """The cuts."""
        return tuple(i for i in self.items if isinstance(i, PaperCut))
