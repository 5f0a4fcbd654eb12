"""2nd-generation resident ID card reader: codec (protocol), card data (card), device
(reader), simulator, and the errors they raise.

The kiosk needs only `IdCardReader`, `IdCard` and `IdCardError`; the simulator and
fixtures serve the demo and tests.
"""

from __future__ import annotations

from drivers.idcard.card import IdCard
from drivers.idcard.errors import (
    CardDataError,
    CardMoved,
    IdCardError,
    NoCard,
    ProtocolError,
    ReaderStatusError,
    ReaderTimeout,
    ReaderUnavailable,
    UnsupportedCardType,
)
from drivers.idcard.reader import IdCardReader

__all__ = [
    "CardDataError",
    "CardMoved",
    "IdCard",
    "IdCardError",
    "IdCardReader",
    "NoCard",
    "ProtocolError",
    "ReaderStatusError",
    "ReaderTimeout",
    "ReaderUnavailable",
    "UnsupportedCardType",
]
