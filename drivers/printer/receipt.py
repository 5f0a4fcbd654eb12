"""What a receipt says, independent of any printer: frozen blocks, printed top to bottom.

Callers pass personal data already masked (the kiosk masks with `pii`); nothing here can
unmask it, and `render()` refuses a block holding a clear, valid ID number as a last guard.
Text is plain: no control characters, no line breaks (a Line is one paragraph the renderer
wraps to the paper width).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "center", "right"]
_ALIGNS = ("left", "center", "right")


@dataclass(frozen=True)
class Title:
    """A heading printed centred, bold and at double width and height."""

    text: str


@dataclass(frozen=True)
class Line:
    """One paragraph of text, wrapped to the paper width."""

    text: str
    align: Align = "left"

    def __post_init__(self) -> None:
        if self.align not in _ALIGNS:
            raise ValueError(f"align must be one of {_ALIGNS}, not {self.align!r}")


@dataclass(frozen=True)
class KeyValue:
    """A row with the key at the left margin and the value at the right."""

    key: str
    value: str


@dataclass(frozen=True)
class Rule:
    """A divider across the full paper width."""


@dataclass(frozen=True)
class QrCode:
    """A QR code, centred; `size` is the module size in printer dots (1-16)."""

    data: str
    size: int = 6

    def __post_init__(self) -> None:
        if not self.data:
            raise ValueError("a QR code needs data")
        if not 1 <= self.size <= 16:
            raise ValueError("QR module size must be 1-16 dots (ESC/POS GS ( k range)")


@dataclass(frozen=True)
class Feed:
    """Blank paper, `lines` lines long (0-255)."""

    lines: int

    def __post_init__(self) -> None:
        if not 0 <= self.lines <= 255:
            raise ValueError("feed must be 0-255 lines (ESC d n range)")


@dataclass(frozen=True)
class Cut:
    """Cut the paper here (or feed to the tear bar on a printer without a cutter)."""


Block = Title | Line | KeyValue | Rule | QrCode | Feed | Cut


@dataclass(frozen=True)
class Receipt:
    """One print job; `job_id` makes a retried job print only once."""

    job_id: str
    blocks: tuple[Block, ...]

    def __post_init__(self) -> None:
        if not self.job_id:
            raise ValueError("a receipt needs a job_id so a retry does not print twice")
        if not isinstance(self.blocks, tuple):
            raise TypeError("blocks must be a tuple, so the receipt stays immutable")
