"""Everything the ID card reader driver raises, rooted at `IdCardError`.

Each class says who was wrong (the citizen's card, the reader, the line, the port) and
carries a zh-CN `user_message` a citizen can act on. str() is an English sentence for
logs and never holds a name, an ID number or card text.
"""

from __future__ import annotations

from drivers.errors import DriverError
from drivers.idcard.protocol import Status


class IdCardError(DriverError):
    """Root of every ID card reader error."""

    user_message = "身份证读卡器暂时无法使用，请联系工作人员。"


class NoCard(IdCardError):
    """No card was found in the field before the wait ran out (the citizen has not placed one)."""

    user_message = "请将身份证放在读卡区。"


class CardMoved(IdCardError):
    """The card left the field during the read (SW3 41, or the reply stopped mid-frame)."""

    user_message = "读卡时证件被移开，请重新放置身份证并保持不动。"


class ReaderTimeout(IdCardError):
    """The reader said nothing at all within the command's timeout."""

    user_message = "读卡器没有响应，请稍后再试；如仍不行请联系工作人员。"


class ProtocolError(IdCardError):
    """Bytes arrived but never made a valid frame: line noise, bad checksum, cut-off reply."""

    user_message = "读卡通讯出错，请拿开身份证后重新放置。"


# Statuses that come from this card or how it lies on the reader: the citizen can retry.
_CARD_STATUSES = frozenset(
    {
        Status.SELECT_FAILED,
        Status.CARD_REJECTED_READER,
        Status.READER_REJECTED_CARD,
        Status.VERIFY_ERROR,
        Status.WRONG_CARD_TYPE,
        Status.GET_CHALLENGE_FAILED,
    }
)


class ReaderStatusError(IdCardError):
    """The reader answered with an error status the driver has no better class for."""

    def __init__(self, status: int, command: str = "") -> None:
        self.status = status
        self.command = command
        try:
            name = Status(status).name
        except ValueError:
            name = "UNLISTED"
        where = f" to {command}" if command else ""
        super().__init__(f"reader answered SW3=0x{status:02X} ({name}){where}")
        if status in _CARD_STATUSES:
            self.user_message = "无法读取这张身份证，请重新放置；如仍不行请联系工作人员。"
        else:
            # SAM faults, our own framing, unknown codes: nothing the citizen can fix.
            self.user_message = "身份证读卡器故障，请联系工作人员。"


class CardDataError(IdCardError):
    """The card's text did not parse: impossible field, bad ID number, unknown code."""

    user_message = "无法识别这张证件的信息，请到人工窗口办理。"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"card field {field!r}: {reason}")
        self.field = field
        self.reason = reason


class UnsupportedCardType(IdCardError):
    """The card is not a resident ID card (foreigner's residence card, HMT permit...)."""

    user_message = "本机暂不支持此类证件，请使用居民身份证或到人工窗口办理。"

    def __init__(self, flag: str) -> None:
        super().__init__(f"card type flag {flag!r} is not a resident ID card")
        self.flag = flag


class ReaderUnavailable(IdCardError):
    """The serial port is missing, unplugged or failed (the hardware, not the citizen)."""

    user_message = "身份证读卡器未连接，请联系工作人员。"
