"""ESC/POS receipt printer: receipt model, profiles, renderer, interpreter, preview, device.

Kiosk use: build a `Receipt` of blocks (personal data already masked), pick a profile with
`profile_by_name`, and `ReceiptPrinter(open_transport(url), profile, journal_dir=d)
.print_receipt(r)`; `FileTransport(path)` still works as the transport. Status is checked
before a job (PrinterNotReady subclasses: PaperOut, CoverOpen, PrinterOffline, PrinterFault,
PrinterStatusUnknown; nothing sent) and after it (PaperOutMidJob, JobInterrupted; not
marked printed). All are PrinterUnavailable, each with its own `code`.
`render_png(decode(render(r, profile)), path)` shows what the printer would print;
`drivers.printer.simulator.PrinterSimulator` is a printer on a pty for tests and the demo.
"""

from __future__ import annotations

from drivers.printer.device import ReceiptPrinter
from drivers.printer.errors import (
    CoverOpen,
    EscPosDecodeError,
    InvalidTransportUrl,
    JobInterrupted,
    JournalError,
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
from drivers.printer.journal import JobJournal
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
    "JobInterrupted",
    "JobJournal",
    "JournalError",
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
