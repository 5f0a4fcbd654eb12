"""ESC/POS receipt printer: receipt model, profiles, renderer, interpreter, preview, device.

Kiosk use: build a `Receipt` of blocks (personal data already masked), pick a profile with
`profile_by_name`, and `ReceiptPrinter(FileTransport(path), profile).print_receipt(r)`.
`render_png(decode(render(r, profile)), path)` shows what the printer would print.
"""

from __future__ import annotations

from drivers.printer.device import ReceiptPrinter
from drivers.printer.errors import (
    CoverOpen,
    EscPosDecodeError,
    InvalidTransportUrl,
    NoBackChannel,
    PaperOut,
    PaperOutMidJob,
    PreviewFontMissing,
    PrinterError,
    PrinterFault,
    PrinterNotReady,
    PrinterOffline,
    PrinterStatusUnknown,
    PrinterUnavailable,
    ReceiptEncodingError,
    UnknownPrinterProfile,
    UnmaskedPersonalData,
)
from drivers.printer.escpos_decode import (
    EscPosDecoder,
    PaperCut,
    PaperFeed,
    PrintedDocument,
    PrintedImage,
    PrintedItem,
    PrintedQr,
    StatusRequest,
    TextLine,
    TextRun,
    decode,
)
from drivers.printer.escpos_render import render
from drivers.printer.layout import SUBSTITUTES, display_width
from drivers.printer.preview import find_cjk_font, image_from_raster, render_png
from drivers.printer.profiles import PROFILES, PrinterProfile, profile_by_name
from drivers.printer.protocol import PrinterState, PrinterStatus, decode_status, status_request
from drivers.printer.receipt import (
    Block,
    Cut,
    Feed,
    KeyValue,
    Line,
    QrCode,
    Receipt,
    Rule,
    Title,
)
from drivers.printer.transport import (
    FileTransport,
    NetworkTransport,
    SerialTransport,
    Transport,
    open_transport,
)
from drivers.printer.usb_transport import UsbTransport

__all__ = [
    "PROFILES",
    "SUBSTITUTES",
    "Block",
    "CoverOpen",
    "Cut",
    "EscPosDecodeError",
    "EscPosDecoder",
    "Feed",
    "FileTransport",
    "InvalidTransportUrl",
    "KeyValue",
    "Line",
    "NetworkTransport",
    "NoBackChannel",
    "PaperCut",
    "PaperFeed",
    "PaperOut",
    "PaperOutMidJob",
    "PreviewFontMissing",
    "PrintedDocument",
    "PrintedImage",
    "PrintedItem",
    "PrintedQr",
    "PrinterError",
    "PrinterFault",
    "PrinterNotReady",
    "PrinterOffline",
    "PrinterProfile",
    "PrinterState",
    "PrinterStatus",
    "PrinterStatusUnknown",
    "PrinterUnavailable",
    "QrCode",
    "Receipt",
    "ReceiptEncodingError",
    "ReceiptPrinter",
    "Rule",
    "SerialTransport",
    "StatusRequest",
    "TextLine",
    "TextRun",
    "Title",
    "Transport",
    "UnknownPrinterProfile",
    "UnmaskedPersonalData",
    "UsbTransport",
    "decode",
    "decode_status",
    "display_width",
    "find_cjk_font",
    "image_from_raster",
    "open_transport",
    "profile_by_name",
    "render",
    "render_png",
    "status_request",
]
