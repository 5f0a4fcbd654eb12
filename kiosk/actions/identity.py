"""Who the citizen is: waiting for a card on a reader and taking the holder's identity.

A card read polls the reader in short waits, so a run the touchscreen ends (a cancel, a
timeout, the citizen walking away) stops the wait within a poll. Driver errors become
ActionFailed with the catalog's words for their code.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

from drivers.errors import DriverError
from drivers.idcard import IdCardReader
from drivers.idcard import NoCard as NoIdCard
from drivers.idcard.card import DOCUMENT_TYPES
from drivers.socialcard import NoCard as NoSocialCard
from drivers.socialcard import SocialCardReader
from flows import ActionFailed, Identity, Session
from kiosk.messages import for_error, text
from pii import DocumentType, Sensitive, mask_name

log = logging.getLogger(__name__)

# How long one find() waits before the action checks whether the run was cancelled.
_POLL_SECONDS = 0.3

_Card = TypeVar("_Card", bound="ReadCard")


class ReadCard(Protocol):
    """What both readers' cards offer: the holder's number and name, and a wipe."""

    @property
    def id_number(self) -> Sensitive: ...

    @property
    def name(self) -> Sensitive: ...

    def wipe(self) -> None:
        """Overwrite the card's personal data."""
        ...


class _Cancelled(Exception):
    """The run ended while the action was still waiting for a card."""


class CardReading:
    """read_id_card and read_social_card over this kiosk's readers (either may be absent)."""

    def __init__(
        self,
        reader: IdCardReader | None,
        social: SocialCardReader | None,
        social_reader_name: str | None,
        *,
        card_wait: float,
        cancelled: threading.Event,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._reader = reader
        self._social = social
        self._social_reader_name = social_reader_name
        self._card_wait = card_wait
        self._cancelled = cancelled
        self._today = today

    def _wait_for_card(self, read_once: Callable[[], _Card], no_card: type[DriverError]) -> _Card:
        """Poll a reader until a card is read, the wait runs out, or the run is cancelled."""
        deadline = time.monotonic() + self._card_wait
        while not self._cancelled.is_set():
            try:
                return read_once()
            except no_card:
                if time.monotonic() > deadline:
                    raise ActionFailed(text(no_card.code), event="timeout") from None
            except DriverError as err:
                log.info("card read failed error=%s", type(err).__name__)
                raise ActionFailed(for_error(err)) from err
        raise _Cancelled

    def read_id_card(self, session: Session) -> str:
        """Wait for an ID card (or permit) on the reader and take the holder's identity."""
        reader = self._reader
        if reader is None:
            raise ActionFailed(text("kiosk.no_idcard_reader"))
        reader.forget()  # a new visit: the card shown last time may be shown again
        return self._identify(
            session,
            "id_card",
            lambda: reader.read_card(wait=_POLL_SECONDS),
            NoIdCard,
            lambda card: DOCUMENT_TYPES[card.card_type],
        )

    def read_social_card(self, session: Session) -> str:
        """Wait for a social security card in the slot and take the holder's identity."""
        social = self._social
        if social is None:
            raise ActionFailed(text("kiosk.no_social_reader"))
        name = self._social_reader_name
        return self._identify(
            session,
            "social_card",
            lambda: social.read_card(reader_name=name, timeout=_POLL_SECONDS),
            NoSocialCard,
            lambda card: DocumentType.RESIDENT,  # the card carries a resident ID number
        )

    def _identify(
        self,
        session: Session,
        method: str,
        read_once: Callable[[], _Card],
        no_card: type[DriverError],
        document: Callable[[_Card], DocumentType],
    ) -> str:
        """Wait for a card, take its holder's identity into the session, wipe the card."""
        try:
            card = self._wait_for_card(read_once, no_card)
        except _Cancelled:
            return "cancel"
        try:
            # Only an ID card (or permit) carries its validity; the flow decides what an
            # expired one may do (flows/identity.py).
            valid_to = getattr(card, "valid_to", None)  # None: long-term (长期), or unknown
            session.identity = Identity(
                method,
                Sensitive(card.id_number.reveal()),
                Sensitive(card.name.reveal(), mask_name),
                document=document(card),
                expired=valid_to is not None and valid_to < self._today(),
            )
        finally:
            card.wipe()
        return "ok"
