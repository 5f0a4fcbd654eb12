"""Everything the ID card reader driver raises, rooted at `IdCardError`.

Each class says who was wrong (the citizen's card, the reader, the line, the port) and
carries a stable `code` the kiosk turns into words for the citizen (kiosk/messages.yaml).
str() is an English sentence for logs and never holds a name, an ID number or card text.
"""

from __future__ import annotations

from drivers.errors import DriverError
from drivers.idcard.protocol import Status


class IdCardError(DriverError):
    """Root of every ID card reader error."""

    code = "idcard.error"


class NoCard(IdCardError):
    """No card was found in the field before the wait ran out (the citizen has not placed one)."""

    code = "idcard.no_card"


class CardMoved(IdCardError):
    """The card left the field during the read (SW3 41, or the reply stopped mid-frame)."""

    code = "idcard.card_moved"


class ReaderTimeout(IdCardError):
    """The reader said nothing at all within the command's timeout."""

    code = "idcard.reader_timeout"


class ProtocolError(IdCardError):
    """Bytes arrived but never made a valid frame: line noise, bad checksum, cut-off reply."""

    code = "idcard.protocol_error"


class ReaderStatusError(IdCardError):
    """The reader answered with an error status; subclasses say whose fault it is."""

    code = "idcard.reader_fault"

    def __init__(self, status: int, command: str = "") -> None:
        self.status = status
        self.command = command
        super().__init__(f"reader answered {_describe(status)}{_to(command)}")


class CardRejected(ReaderStatusError):
    """The card, or how it lies on the reader, failed select or authentication."""

    code = "idcard.card_rejected"


class SamFault(ReaderStatusError):
    """The SAM module failed its self-test, is not authorised, or reports an unknown error."""

    code = "idcard.sam_fault"


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

    code = "idcard.card_data"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"card field {field!r}: {reason}")
        self.field = field
        self.reason = reason


class UnsupportedCardType(IdCardError):
    """The card's type flag is unknown, or names a type this reader was told to refuse."""

    code = "idcard.unsupported_card"

    def __init__(self, flag: str, reason: str = "is not a known card type") -> None:
        super().__init__(f"card type flag {flag!r} {reason}")
        self.flag = flag


class ReaderUnavailable(IdCardError):
    """The serial port is missing, unplugged or failed (the hardware, not the citizen)."""

    code = "idcard.not_connected"
