"""Social security card over PC/SC: APDU codec (apdu), the SSSE data table and parsers
(ssse), the pyscard transport (pcsc), the device (reader), an insert/remove monitor
(monitor), a virtual card for pcscd's vpcd reader (virtual_card), and the errors.

The kiosk needs `SocialCardReader`, `SocialCardMonitor`, `SocialCard` and
`SocialCardError`; the virtual card and fixtures serve the demo and tests.
"""

from __future__ import annotations

from drivers.socialcard.errors import (
    ApduError,
    CardDataError,
    CardRemoved,
    CardStatusError,
    NoCard,
    NoReader,
    PcscUnavailable,
    ReaderFailure,
    SocialCardError,
    UnsupportedCard,
)
from drivers.socialcard.monitor import EventKind, MonitorEvent, SocialCardMonitor
from drivers.socialcard.reader import SocialCardReader
from drivers.socialcard.ssse import SocialCard

__all__ = [
    "ApduError",
    "CardDataError",
    "CardRemoved",
    "CardStatusError",
    "EventKind",
    "MonitorEvent",
    "NoCard",
    "NoReader",
    "PcscUnavailable",
    "ReaderFailure",
    "SocialCard",
    "SocialCardError",
    "SocialCardMonitor",
    "SocialCardReader",
    "UnsupportedCard",
]
