"""Facts about this kiosk that go on receipts and into transactions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Station:
    """This kiosk as its receipts and transactions name it."""

    kiosk_id: Callable[[], str]  # asked when needed: the kiosk may enroll after it starts
    name: str
    controller_url: str
    timezone: ZoneInfo

    def receipt_url(self, number: str) -> str:
        """A transaction's public status page: what the receipt QR (paper or screen) opens."""
        return f"{self.controller_url.rstrip('/')}/r/{number}"
