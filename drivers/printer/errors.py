"""The exception root of drivers/printer/, each error saying who was wrong.

str() is for logs and never repeats receipt text: receipts carry (masked) personal data.
`user_message` is the zh-CN sentence the kiosk shows; where printing failed it points the
citizen to the on-screen QR code, which carries the same receipt.
"""

from __future__ import annotations

from drivers.errors import DriverError
from drivers.printer.protocol import PrinterStatus


class PrinterError(DriverError):
    """Root of every error raised by the receipt printer driver."""

    user_message = "打印机暂时无法使用，请联系工作人员。"


class PrinterUnavailable(PrinterError):
    """The printer could not be reached or did not take the data (unplugged, jammed, busy)."""

    user_message = "打印机暂时无法使用，您可以拍下屏幕上的二维码作为回执。"


class ReceiptEncodingError(PrinterError):
    """A receipt holds something this printer profile cannot print (we were wrong).

    `block_index` names the offending block and `char` the character (never the text).
    """

    user_message = "回执中有无法打印的内容，您可以拍下屏幕上的二维码作为回执。"

    def __init__(self, message: str, *, block_index: int, char: str | None = None) -> None:
        super().__init__(message)
        self.block_index = block_index
        self.char = char


class UnmaskedPersonalData(PrinterError):
    """A receipt block holds a clear, valid ID number: the caller forgot to mask it."""

    user_message = "回执内容未通过隐私检查，暂时无法打印，请联系工作人员。"

    def __init__(self, message: str, *, block_index: int) -> None:
        super().__init__(message)
        self.block_index = block_index


class EscPosDecodeError(PrinterError):
    """A byte stream is not ESC/POS we understand (the sender was wrong); names the offset."""

    user_message = "打印数据有误，请联系工作人员。"

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(f"{reason} at offset {offset}")
        self.reason = reason
        self.offset = offset
        # Items EscPosDecoder.feed() completed before the error (for incremental consumers).
        self.events: list[object] = []


class UnknownPrinterProfile(PrinterError):
    """Configuration names a printer profile that the table does not hold."""

    user_message = "打印机配置有误，请联系工作人员。"


class PreviewFontMissing(PrinterError):
    """No CJK font was found to draw a receipt preview."""

    user_message = "回执预览缺少中文字体，请联系工作人员。"


class NoBackChannel(PrinterError):
    """The transport cannot carry replies (a regular file, a device opened write-only).

    Not a fault: the printer is driven blind, as when its profile says `has_status=False`.
    """


class InvalidTransportUrl(PrinterError):
    """Configuration gives a printer address that `open_transport` cannot parse."""

    user_message = "打印机配置有误，请联系工作人员。"


class PrinterNotReady(PrinterUnavailable):
    """A status check said the printer cannot print now; nothing of the job was sent.

    `status` is the PrinterStatus that was read (for logs and the maintenance screen).
    """

    user_message = "打印机暂时无法打印，您可以拍下屏幕上的二维码作为回执。"

    def __init__(self, message: str, *, status: PrinterStatus) -> None:
        super().__init__(message)
        self.status = status


class PaperOut(PrinterNotReady):
    """The printer is out of paper."""

    user_message = "打印机缺纸，暂时无法打印回执，您可以拍下屏幕上的二维码作为回执。"


class CoverOpen(PrinterNotReady):
    """The printer's cover is open."""

    user_message = "打印机仓盖未关好，暂时无法打印回执，您可以拍下屏幕上的二维码作为回执。"


class PrinterOffline(PrinterNotReady):
    """The printer reports itself offline (no cause given, or waiting for recovery)."""

    user_message = "打印机未就绪，暂时无法打印回执，您可以拍下屏幕上的二维码作为回执。"


class PrinterFault(PrinterNotReady):
    """The printer reports an error: autocutter, unrecoverable or auto-recoverable."""

    user_message = "打印机故障，暂时无法打印回执，您可以拍下屏幕上的二维码作为回执。"


class PrinterStatusUnknown(PrinterNotReady):
    """The printer should answer status queries but gave no valid reply."""

    user_message = "打印机没有响应，暂时无法打印回执，您可以拍下屏幕上的二维码作为回执。"


class JobInterrupted(PrinterUnavailable):
    """The printer stopped while the job printed (status after the job was not ready).

    Part of the receipt may be out; the job is not marked printed, so a retry once the
    printer is back prints it again in full. `status` is what the printer said afterwards.
    """

    user_message = "打印过程中打印机出现问题，回执可能不完整。请拍下屏幕上的二维码作为电子回执。"

    def __init__(self, message: str, *, status: PrinterStatus) -> None:
        super().__init__(message)
        self.status = status


class PaperOutMidJob(JobInterrupted):
    """Paper ran out while the receipt printed; offer the e-receipt, retry after refilling."""

    user_message = (
        "打印过程中纸张用完，回执可能不完整。请拍下屏幕上的二维码作为电子回执，"
        "或请工作人员加纸后重新打印。"
    )


class JournalError(PrinterError):
    """The printed-jobs journal cannot be read or written (a deployment problem)."""

    user_message = "打印记录无法保存，请联系工作人员。"
