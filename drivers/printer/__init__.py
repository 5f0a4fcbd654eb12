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

from typing import TYPE_CHECKING

from pii.lazy import lazy_exports

if TYPE_CHECKING:
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
    from drivers.printer.escpos_decode import EscPosDecoder, decode
    from drivers.printer.escpos_render import render
    from drivers.printer.journal import JobJournal
    from drivers.printer.layout import SUBSTITUTES, display_width
    from drivers.printer.preview import find_cjk_font, image_from_raster, render_png
    from drivers.printer.printed import (
        PaperCut,
        PaperFeed,
        PrintedDocument,
        PrintedImage,
        PrintedItem,
        PrintedQr,
        StatusRequest,
        TextLine,
        TextRun,
    )
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

# Where each public name lives: imported when first asked for (PEP 562), so
# a kiosk asking for its profiles or its device does not load the renderer's qrcode and PIL.
_HOME = {
    "ReceiptPrinter": "drivers.printer.device",
    "CoverOpen": "drivers.printer.errors",
    "EscPosDecodeError": "drivers.printer.errors",
    "InvalidTransportUrl": "drivers.printer.errors",
    "JobInterrupted": "drivers.printer.errors",
    "JournalError": "drivers.printer.errors",
    "NoBackChannel": "drivers.printer.errors",
    "PaperOut": "drivers.printer.errors",
    "PaperOutMidJob": "drivers.printer.errors",
    "PreviewFontMissing": "drivers.printer.errors",
    "PrinterError": "drivers.printer.errors",
    "PrinterFault": "drivers.printer.errors",
    "PrinterNotReady": "drivers.printer.errors",
    "PrinterOffline": "drivers.printer.errors",
    "PrinterStatusUnknown": "drivers.printer.errors",
    "PrinterUnavailable": "drivers.printer.errors",
    "ReceiptEncodingError": "drivers.printer.errors",
    "UnknownPrinterProfile": "drivers.printer.errors",
    "UnmaskedPersonalData": "drivers.printer.errors",
    "EscPosDecoder": "drivers.printer.escpos_decode",
    "PaperCut": "drivers.printer.printed",
    "PaperFeed": "drivers.printer.printed",
    "PrintedDocument": "drivers.printer.printed",
    "PrintedImage": "drivers.printer.printed",
    "PrintedItem": "drivers.printer.printed",
    "PrintedQr": "drivers.printer.printed",
    "StatusRequest": "drivers.printer.printed",
    "TextLine": "drivers.printer.printed",
    "TextRun": "drivers.printer.printed",
    "decode": "drivers.printer.escpos_decode",
    "render": "drivers.printer.escpos_render",
    "JobJournal": "drivers.printer.journal",
    "SUBSTITUTES": "drivers.printer.layout",
    "display_width": "drivers.printer.layout",
    "find_cjk_font": "drivers.printer.preview",
    "image_from_raster": "drivers.printer.preview",
    "render_png": "drivers.printer.preview",
    "PROFILES": "drivers.printer.profiles",
    "PrinterProfile": "drivers.printer.profiles",
    "profile_by_name": "drivers.printer.profiles",
    "PrinterState": "drivers.printer.protocol",
    "PrinterStatus": "drivers.printer.protocol",
    "decode_status": "drivers.printer.protocol",
    "status_request": "drivers.printer.protocol",
    "Block": "drivers.printer.receipt",
    "Cut": "drivers.printer.receipt",
    "Feed": "drivers.printer.receipt",
    "KeyValue": "drivers.printer.receipt",
    "Line": "drivers.printer.receipt",
    "QrCode": "drivers.printer.receipt",
    "Receipt": "drivers.printer.receipt",
    "Rule": "drivers.printer.receipt",
    "Title": "drivers.printer.receipt",
    "FileTransport": "drivers.printer.transport",
    "NetworkTransport": "drivers.printer.transport",
    "SerialTransport": "drivers.printer.transport",
    "Transport": "drivers.printer.transport",
    "open_transport": "drivers.printer.transport",
    "UsbTransport": "drivers.printer.usb_transport",
}

__getattr__ = lazy_exports(__name__, _HOME)
