"""What the inbox pages show: a page of masked rows with its cursor, and one application's
detail with its answers masked unless unmasked for this view (controller/services/inbox.py)."""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

from controller.models import ApplicationNote, AuditEntry, Transaction
from controller.services.booking import Booking
from controller.services.titles import ServiceName
from pii import mask_phone
from wire import Bilingual


class Revealable(StrEnum):
    """What of an application may be unmasked (an answer is `answer:<name>`)."""

    ID_NUMBER = "id_number"
    NAME = "name"


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last row's creation time and id (keyset pagination)."""

    created_at: dt.datetime
    id: int

    def encode(self) -> str:
        """A short opaque token for the "next page" link."""
        micros = int(self.created_at.timestamp() * 1_000_000)
        raw = f"{micros}.{self.id}".encode("ascii")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor | None:
        """The cursor of a token; None for anything that is not one (the first page)."""
        if not token or len(token) > 64:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
            micros, ident = raw.split(".")
            moment = dt.datetime.fromtimestamp(int(micros) / 1_000_000, dt.UTC)
            return cls(moment, int(ident))
        except (ValueError, UnicodeDecodeError, OverflowError, OSError):
            return None


@dataclass(frozen=True)
class InboxRow:
    """One application as the list shows it: masked values only."""

    number: str
    service: ServiceName
    status: str
    created_at: dt.datetime
    region_code: str | None
    kiosk_id: str
    id_masked: str
    name_masked: str
    assigned_to: str | None
    version: int
    items: int


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox, the counts by status under the other filters, the next page."""

    rows: list[InboxRow]
    counts: dict[str, int]
    total: int
    next_cursor: str | None
    region_names: dict[str, str] = field(default_factory=dict)


# -- one application -----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One answer of an application, masked unless it was unmasked for this view."""

    name: str
    value: str
    revealed: bool = False


@dataclass(frozen=True)
class ItemView:
    """One service of a bundle (一件事) and its answers; the application itself for one service."""

    service: ServiceName
    answers: list[Answer]


@dataclass(frozen=True)
class Detail:
    """Everything the detail page shows of an application."""

    row: Transaction
    kiosk_id: str
    service: ServiceName
    id_number: Answer
    name: Answer
    items: list[ItemView]
    bookings: list[Booking]
    notes: list[ApplicationNote]
    history: list[AuditEntry]
    reason: Bilingual | None
    region_names: dict[str, str]


def mask_answer(value: str) -> str:
    """An answer hidden but for its shape: a mobile as 138****5678, anything else by its
    first character and length."""
    if re.fullmatch(r"1[3-9][0-9]{9}", value):
        return mask_phone(value)
    if len(value) <= 1:
        return "*" * len(value)
    return value[0] + "*" * min(len(value) - 1, 12)
