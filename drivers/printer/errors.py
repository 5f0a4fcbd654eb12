"""The exception root of drivers/printer/, each error saying who was wrong.

str() is for logs and never repeats receipt text: receipts carry (masked) personal data.
`user_message` is the zh-CN sentence the kiosk shows; where printing failed it points the
citizen to the on-screen QR code, which carries the same receipt.
"""

from __future__ import annotations

from drivers.errors import DriverError


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


class UnknownPrinterProfile(PrinterError):
    """Configuration names a printer profile that the table does not hold."""

    user_message = "打印机配置有误，请联系工作人员。"


class PreviewFontMissing(PrinterError):
    """No CJK font was found to draw a receipt preview."""

    user_message = "回执预览缺少中文字体，请联系工作人员。"
