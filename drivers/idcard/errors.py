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


class ReaderStatusError(IdCardError):
    """The reader answered with an error status; subclasses say whose fault it is."""

    user_message = "身份证读卡器故障，请联系工作人员。"

    def __init__(self, status: int, command: str = "") -> None:
        self.status = status
        self.command = command
        super().__init__(f"reader answered {_describe(status)}{_to(command)}")


class CardRejected(ReaderStatusError):
    """The card, or how it lies on the reader, failed select or authentication."""

    user_message = "无法读取这张身份证，请重新放置；如仍不行请联系工作人员。"


class SamFault(ReaderStatusError):
    """The SAM module failed its self-test, is not authorised, or reports an unknown error."""

    user_message = "身份证读卡器安全模块故障，请联系工作人员。"


class CommandRejected(ReaderStatusError):
    """The reader refused our frame (damaged on the line, bad length, unknown command)."""


class NoContent(ReaderStatusError):
    """The card holds no such content (e.g. no appended address) [unverified code 91]."""


def _describe(status: int) -> str:
    try:
        name = Status(status).name
    except ValueError:
        name = "UNLISTED"
    return f"SW3=0x{status:02X} ({name})"


def _to(command: str) -> str:
    return f" to {command}" if command else ""


# Every SW3 code of docs/hardware.md section 1 that is not a success, and the error it
# becomes. A code missing here (not listed there) becomes a plain ReaderStatusError.
_STATUS_ERRORS: dict[Status, type[IdCardError]] = {
    Status.NO_CARD: NoCard,
    Status.READ_FAILED: CardMoved,
    Status.SELECT_FAILED: CardRejected,
    Status.CARD_REJECTED_READER: CardRejected,
    Status.READER_REJECTED_CARD: CardRejected,
    Status.VERIFY_ERROR: CardRejected,
    Status.WRONG_CARD_TYPE: CardRejected,
    Status.GET_CHALLENGE_FAILED: CardRejected,
    Status.HOST_CHECKSUM: CommandRejected,
    Status.HOST_LENGTH: CommandRejected,
    Status.BAD_COMMAND: CommandRejected,
    Status.UNKNOWN_ERROR: SamFault,
    Status.SAM_SELF_TEST_FAILED: SamFault,
    Status.SAM_NOT_AUTHORISED: SamFault,
    Status.NO_CONTENT: NoContent,
}


def status_error(status: int, command: str = "") -> IdCardError:
    """Return the typed error for an unwanted SW3 `status` in reply to `command`."""
    try:
        cls = _STATUS_ERRORS[Status(status)]
    except (ValueError, KeyError):
        return ReaderStatusError(status, command)
    if issubclass(cls, ReaderStatusError):
        return cls(status, command)
    return cls(f"reader answered {_describe(status)}{_to(command)}")


class CardDataError(IdCardError):
    """The card's text did not parse: impossible field, bad ID number, unknown code."""

    user_message = "无法识别这张证件的信息，请到人工窗口办理。"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"card field {field!r}: {reason}")
        self.field = field
        self.reason = reason


class UnsupportedCardType(IdCardError):
    """The card's type flag is unknown, or names a type this reader was told to refuse."""

    user_message = "本机暂不支持此类证件，请使用居民身份证或到人工窗口办理。"

    def __init__(self, flag: str, reason: str = "is not a known card type") -> None:
        super().__init__(f"card type flag {flag!r} {reason}")
        self.flag = flag


class ReaderUnavailable(IdCardError):
    """The serial port is missing, unplugged or failed (the hardware, not the citizen)."""

    user_message = "身份证读卡器未连接，请联系工作人员。"
