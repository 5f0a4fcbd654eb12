"""2nd-generation ID card reader: codec (protocol), card data of all four card types (card),
device (reader), photo decoder interface (photo), simulator, and the errors they raise.

The kiosk needs only `IdCardReader`, `IdCard` and `IdCardError`; the simulator and
fixtures serve the demo and tests.
"""

from __future__ import annotations

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
