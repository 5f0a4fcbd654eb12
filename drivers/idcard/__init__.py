"""2nd-generation ID card reader: codec (protocol), card data of all four card types (card),
device (reader), photo decoder interface (photo), simulator, and the errors they raise.

The kiosk needs only `IdCardReader`, `IdCard` and `IdCardError`; the simulator and
fixtures serve the demo and tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pii.lazy import lazy_exports

if TYPE_CHECKING:
    from drivers.idcard.card import (
        CardType,
        ForeignerCard,
        ForeignerCard2017,
        ForeignerCard2023,
        HmtResidencePermit,
        IdCard,
        ResidentIdCard,
    )
    from drivers.idcard.errors import (
        CardDataError,
        CardMoved,
        CardRejected,
        CommandRejected,
        IdCardError,
        NoCard,
        NoContent,
        ProtocolError,
        ReaderStatusError,
        ReaderTimeout,
        ReaderUnavailable,
        SamFault,
        UnsupportedCardType,
    )
    from drivers.idcard.photo import NoPhotoDecoder, PhotoDecoder, decode_photo
    from drivers.idcard.reader import IdCardReader, ProbeResult, probe


__all__ = [
    "CardDataError",
    "CardMoved",
    "CardRejected",
    "CardType",
    "CommandRejected",
    "ForeignerCard",
    "ForeignerCard2017",
    "ForeignerCard2023",
    "HmtResidencePermit",
    "IdCard",
    "IdCardError",
    "IdCardReader",
    "NoCard",
    "NoContent",
    "NoPhotoDecoder",
    "PhotoDecoder",
    "ProbeResult",
    "ProtocolError",
    "ReaderStatusError",
    "ReaderTimeout",
    "ReaderUnavailable",
    "ResidentIdCard",
    "SamFault",
    "UnsupportedCardType",
    "decode_photo",
    "probe",
]

# Where each public name lives: imported when first asked for (PEP 562), so
# a kiosk asking for its reader does not load what it does not use.
_HOME = {
    "CardType": "drivers.idcard.card",
    "ForeignerCard": "drivers.idcard.card",
    "ForeignerCard2017": "drivers.idcard.card",
    "ForeignerCard2023": "drivers.idcard.card",
    "HmtResidencePermit": "drivers.idcard.card",
    "IdCard": "drivers.idcard.card",
    "ResidentIdCard": "drivers.idcard.card",
    "CardDataError": "drivers.idcard.errors",
    "CardMoved": "drivers.idcard.errors",
    "CardRejected": "drivers.idcard.errors",
    "CommandRejected": "drivers.idcard.errors",
    "IdCardError": "drivers.idcard.errors",
    "NoCard": "drivers.idcard.errors",
    "NoContent": "drivers.idcard.errors",
    "ProtocolError": "drivers.idcard.errors",
    "ReaderStatusError": "drivers.idcard.errors",
    "ReaderTimeout": "drivers.idcard.errors",
    "ReaderUnavailable": "drivers.idcard.errors",
    "SamFault": "drivers.idcard.errors",
    "UnsupportedCardType": "drivers.idcard.errors",
    "NoPhotoDecoder": "drivers.idcard.photo",
    "PhotoDecoder": "drivers.idcard.photo",
    "decode_photo": "drivers.idcard.photo",
    "IdCardReader": "drivers.idcard.reader",
    "ProbeResult": "drivers.idcard.reader",
    "probe": "drivers.idcard.reader",
}

__getattr__ = lazy_exports(__name__, _HOME)
