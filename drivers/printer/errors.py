"""The exception root of drivers/printer/, each error saying who was wrong.

str() is for logs and never repeats receipt text: receipts carry (masked) personal data.
`code` names what went wrong; the kiosk's words for it (kiosk/messages.yaml), where printing
failed, point the citizen to the on-screen QR code, which carries the same receipt.
"""

from __future__ import annotations

from drivers.errors import DriverError
from drivers.printer.protocol import PrinterStatus


class PrinterError(DriverError):
    """Root of every error raised by the receipt printer driver."""

    code = "printer.error"


class PrinterUnavailable(PrinterError):
    """The printer could not be reached or did not take the data (unplugged, jammed, busy)."""

    code = "printer.unavailable"


class ReceiptEncodingError(PrinterError):
    """A receipt holds something this printer profile cannot print (we were wrong).

    `block_index` names the offending block and `char` the character (never the text).
    """

    code = "printer.unprintable_content"

    def __init__(self, message: str, *, block_index: int, char: str | None = None) -> None:
        super().__init__(message)
        self.block_index = block_index
        self.char = char


class UnmaskedPersonalData(PrinterError):
    """A receipt block holds a clear, valid ID number: the caller forgot to mask it."""

    code = "printer.unmasked_personal_data"

    def __init__(self, message: str, *, block_index: int) -> None:
        super().__init__(message)
        self.block_index = block_index


class EscPosDecodeError(PrinterError):
    """A byte stream is not ESC/POS we understand (the sender was wrong); names the offset."""

    code = "printer.bad_data"

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(f"{reason} at offset {offset}")
        self.reason = reason
        self.offset = offset
        # Items EscPosDecoder.feed() completed before the error (for incremental consumers).
        self.events: list[object] = []


class UnknownPrinterProfile(PrinterError):
    """Configuration names a printer profile that the table does not hold."""

    code = "printer.misconfigured"


class PreviewFontMissing(PrinterError):
    """No CJK font was found to draw a receipt preview."""

    code = "printer.preview_font_missing"


class NoBackChannel(PrinterError):
    """The transport cannot carry replies (a regular file, a device opened write-only).

    Not a fault: the printer is driven blind, as when its profile says `has_status=False`.
    """


class InvalidTransportUrl(PrinterError):
    """Configuration gives a printer address that `open_transport` cannot parse."""

    code = "printer.misconfigured"


class PrinterNotReady(PrinterUnavailable):
    """A status check said the printer cannot print now; nothing of the job was sent.

    `status` is the PrinterStatus that was read (for logs and the maintenance screen).
    """

    code = "printer.not_ready"

    def __init__(self, message: str, *, status: PrinterStatus) -> None:
        super().__init__(message)
        self.status = status


class PaperOut(PrinterNotReady):
    """The printer is out of paper."""

    code = "printer.paper_out"


class CoverOpen(PrinterNotReady):
    """The printer's cover is open."""

    code = "printer.cover_open"


class PrinterOffline(PrinterNotReady):
    """The printer reports itself offline (no cause given, or waiting for recovery)."""

    code = "printer.offline"


class PrinterFault(PrinterNotReady):
    """The printer reports an error: autocutter, unrecoverable or auto-recoverable."""

    code = "printer.fault"


class PrinterStatusUnknown(PrinterNotReady):
    """The printer should answer status queries but gave no valid reply."""

    code = "printer.no_answer"


class JobInterrupted(PrinterUnavailable):
    """The printer stopped while the job printed (status after the job was not ready).

    Part of the receipt may be out; the job is not marked printed, so a retry once the
    printer is back prints it again in full. `status` is what the printer said afterwards.
    """

    code = "printer.job_interrupted"

    def __init__(self, message: str, *, status: PrinterStatus) -> None:
        super().__init__(message)
        self.status = status


class PaperOutMidJob(JobInterrupted):
    """Paper ran out while the receipt printed; offer the e-receipt, retry after refilling."""

    code = "printer.paper_out_mid_job"


class JournalError(PrinterError):
    """The printed-jobs journal cannot be read or written (a deployment problem)."""

    code = "printer.journal_error"
