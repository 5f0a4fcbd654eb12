"""Where printed receipts go: a real printer, or a folder standing in for the paper.

Printing to a folder writes each receipt's exact ESC/POS bytes to `<number>.escpos` and,
with previews on, a PNG drawn from those bytes, so what a person looks at is what a
printer would have been sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from drivers.printer import (
    FileTransport,
    PrinterProfile,
    ReceiptPrinter,
)

if TYPE_CHECKING:  # the receipt model loads with the first receipt (drivers/printer/receipt.py)
    from drivers.printer import Receipt


@dataclass(frozen=True)
class PrintedFiles:
    """Files a folder output wrote for one receipt."""

    escpos: Path
    preview: Path | None


class ReceiptOutput(Protocol):
    """Prints one receipt; returns the files written when the paper is a folder."""

    def print(self, receipt: Receipt, number: str) -> PrintedFiles | None:
        """Print `receipt`, named `number` where a name is needed."""
        ...


class PrinterOutput:
    """A real ESC/POS printer behind a transport."""

    def __init__(self, printer: ReceiptPrinter) -> None:
        self.printer = printer

    def print(self, receipt: Receipt, number: str) -> PrintedFiles | None:
        """Send the receipt to the printer."""
        self.printer.print_receipt(receipt)
        return None


class FolderOutput:
    """A folder as the paper: one .escpos file per receipt, and a PNG preview of it."""

    def __init__(self, folder: Path, profile: PrinterProfile, *, preview: bool = True) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.profile = profile
        self.preview = preview

    def print(self, receipt: Receipt, number: str) -> PrintedFiles:
        """Write the receipt's bytes, then draw its preview from those bytes."""
        path = self.folder / f"{number}.escpos"
        path.unlink(missing_ok=True)  # a reprint replaces, never appends to, the copy
        with FileTransport(path) as transport:
            ReceiptPrinter(transport, self.profile).print_receipt(receipt)
        png = None
        if self.preview:
            # The decoder and PIL load with the first receipt, not with the kiosk's start.
            from drivers.printer import decode, render_png

            doc = decode(path.read_bytes(), self.profile.codec, columns=self.profile.columns)
            png = render_png(doc, path.with_suffix(".png"), dots_width=self.profile.dots_width)
        return PrintedFiles(path, png)
