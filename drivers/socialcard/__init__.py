"""Social security card over PC/SC: APDU codec (apdu), the SSSE data table and parsers
(ssse), the pyscard transport (pcsc), the device (reader), an insert/remove monitor
(monitor), a virtual card for pcscd's vpcd reader (virtual_card), and the errors.

The kiosk needs `SocialCardReader`, `SocialCardMonitor`, `SocialCard` and
`SocialCardError`; the virtual card and fixtures serve the demo and tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pii.lazy import lazy_exports

if TYPE_CHECKING:
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

# Where each public name lives: imported when first asked for (PEP 562), so
# asking for the reader's errors loads neither pyscard nor the monitor.
_HOME = {
    "ApduError": "drivers.socialcard.errors",
    "CardDataError": "drivers.socialcard.errors",
    "CardRemoved": "drivers.socialcard.errors",
    "CardStatusError": "drivers.socialcard.errors",
    "NoCard": "drivers.socialcard.errors",
    "NoReader": "drivers.socialcard.errors",
    "PcscUnavailable": "drivers.socialcard.errors",
    "ReaderFailure": "drivers.socialcard.errors",
    "SocialCardError": "drivers.socialcard.errors",
    "UnsupportedCard": "drivers.socialcard.errors",
    "EventKind": "drivers.socialcard.monitor",
    "MonitorEvent": "drivers.socialcard.monitor",
    "SocialCardMonitor": "drivers.socialcard.monitor",
    "SocialCardReader": "drivers.socialcard.reader",
    "SocialCard": "drivers.socialcard.ssse",
}

__getattr__ = lazy_exports(__name__, _HOME)
