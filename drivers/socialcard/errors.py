# mypy: disallow-untyped-defs, disallow-incomplete-defs, disallow-any-generics
# mypy: warn-return-any, strict-equality, no-implicit-reexport
"""Everything the social security card driver raises, rooted at `SocialCardError`.

Each class says who was wrong (the citizen's card, the reader, the PC/SC service, the
bytes on the wire) and carries a stable `code` the kiosk turns into words for the citizen
(kiosk/messages.yaml). str() is an English sentence for logs and never holds a name, an ID
number or a card number.
"""

from __future__ import annotations

from drivers.errors import DriverError


class SocialCardError(DriverError):
    """Root of every social security card error."""

    code = "socialcard.error"


class PcscUnavailable(SocialCardError):
    """The PC/SC service (pcscd) is not running or went away: the kiosk, not the citizen."""

    code = "socialcard.pcsc_unavailable"


class NoReader(SocialCardError):
    """No card reader is connected, or the named one is gone."""

    code = "socialcard.not_connected"


class NoCard(SocialCardError):
    """The reader is there but no card was inserted before the wait ran out."""

    code = "socialcard.no_card"


class CardRemoved(SocialCardError):
    """The card left the reader (or lost power) before the read finished."""

    code = "socialcard.card_removed"


class ReaderFailure(SocialCardError):
    """The reader or PC/SC failed in a way that is not the card's fault (sharing, driver)."""

    code = "socialcard.reader_fault"

    def __init__(self, message: str, return_code: int | None = None) -> None:
        super().__init__(message)
        # The PC/SC return code, for logs (`code` is the message code of every DriverError).
        self.return_code = return_code


class UnsupportedCard(SocialCardError):
    """The card has no SSSE application: a bank card, a transport card, an old card."""

    code = "socialcard.unsupported_card"


class ApduError(SocialCardError):
    """Bytes came back that are not a valid response APDU, or the T=0 exchange went wrong."""

    code = "socialcard.protocol_error"


class CardStatusError(ApduError):
    """The card answered a command with an error status word (SW1 SW2)."""

    code = "socialcard.card_unreadable"

    def __init__(self, sw: int, meaning: str, command: str = "") -> None:
        where = f" to {command}" if command else ""
        super().__init__(f"card answered SW {sw:04X} ({meaning}){where}")
        self.sw = sw
        self.meaning = meaning
        self.command = command


class FileNotFound(CardStatusError):
    """6A82: the application or file is not on this card."""


class RecordNotFound(CardStatusError):
    """6A83: the record asked for is not in the file."""


class SecurityStatusNotSatisfied(CardStatusError):
    """6982: the file needs a PIN or an authentication we do not do."""


class WrongLength(CardStatusError):
    """6700 / 6Cxx left unresolved: the length we asked for is not what the card has."""


class WrongParameters(CardStatusError):
    """6A86 / 6B00: P1-P2 are wrong for this card."""


class InstructionNotSupported(CardStatusError):
    """6D00: the card does not know this instruction."""


class ClassNotSupported(CardStatusError):
    """6E00: the card does not accept this CLA byte."""


class CardDataError(SocialCardError):
    """A record came back but its content did not parse: bad TLV, GBK, BCD, ID number."""

    code = "socialcard.card_data"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"card field {field!r}: {reason}")
        self.field = field
        self.reason = reason
