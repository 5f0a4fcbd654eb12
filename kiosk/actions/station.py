"""Facts about this kiosk that go on receipts and into transactions."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Station:
    """This kiosk as its receipts and transactions name it."""

    kiosk_id: Callable[[], str]  # asked when needed: the kiosk may enroll after it starts
    name: str
    controller_url: str
    timezone: ZoneInfo
    # The wall clock, any time zone (a test passes a fake one).
    wall: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))

    def now(self) -> dt.datetime:
        """The time at this station, in its time zone (kiosk.toml [kiosk] timezone)."""
        return self.wall().astimezone(self.timezone)

    def receipt_url(self, number: str, receipt_key: str) -> str:
        """A transaction's public status page: what the receipt QR (paper or screen) opens.

        The page answers only with the transaction's receipt key, so the number alone (on
        the screen, said aloud) does not open it.
        """
        return f"{self.controller_url.rstrip('/')}/r/{number}?k={receipt_key}"


def new_receipt_key() -> str:
    """A fresh receipt key (wire.ReceiptKey): RECEIPT_KEY_LENGTH base32 characters, random."""
    from wire import RECEIPT_KEY_LENGTH  # the wire models load with the first visit's receipt

    # 7 random bytes are 56 bits, 12 base32 characters; the first 10 carry 50 random bits.
    return base64.b32encode(secrets.token_bytes(7)).decode("ascii")[:RECEIPT_KEY_LENGTH]
