"""The ID card reader device: a serial port, the codec, and the find/select/read dance.

Owns timeouts, retries, baud rates and turning every failure into an `IdCardError` that
says who was wrong. The port, one command and its reply, and the recent frames are
`ReaderLine` (drivers/idcard/line.py); the find/select/read dance, the SAM's commands and
the baud rate are here.

Behaviour on the line:

* a reply is read in whatever chunks the port delivers until the codec has a whole,
  checksummed frame; the deadline is the timeout plus the reply's own wire time at the
  current baud rate (a 30 10 reply alone takes 2.4 s at 9600 baud), and it moves on while
  bytes keep arriving (a slow module sending 64 bytes every 200 ms needs about 4 s for a
  read), so only `timeout` seconds without a byte end a reply;
* garbage is skipped by the codec; a damaged reply to a command that is safe to repeat
  is fetched again (never a read: the module has moved on);
* a read that stops mid-frame, or never starts, is explained by asking find again: no
  card means the citizen pulled it (CardMoved), a card still there means the line failed;
* after the port fails (unplugged) it is closed and the next call opens the same URL
  again, so a replugged reader works without a new object.

The same card is not reported twice while it stays in the field. Many modules do that
themselves (find says no card until it leaves). For those that find it again, the reader
remembers a keyed hash of the last card reported: a card found again is read again and
dropped if its hash matches. Once a match is confirmed the card counts as held, and finds
that keep seeing a card less than `presence_gap` apart skip the read (nobody swaps cards
between two polls). Find saying the field is empty forgets both.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from drivers.idcard import protocol as p
from drivers.idcard.errors import (
    CardMoved,
    IdCardError,
    NoCard,
    ProtocolError,
    ReaderStatusError,
    ReaderTimeout,
    UnsupportedCardType,
    status_error,
)
from drivers.idcard.line import ReaderLine, ReplyCut
from pii import Sensitive

if TYPE_CHECKING:
    # The card's layout and parsers (drivers/idcard/card.py: seven dataclasses) load with
    # the first card read, not with the reader: a kiosk's menu comes before any card.
    from drivers.idcard.card import CardType, IdCard

log = logging.getLogger(__name__)

_HELD = "only the card already read is in the field"


@dataclass(frozen=True)
class ProbeResult:
    """An ID card reader answered at `url`: its baud rate and what its SAM said."""

    url: str
    baudrate: int
    sam_status: int  # SW3 of the SAM status reply; 0x90 is healthy
    sam_id: str | None  # None when the SAM is not healthy or would not say

    @property
    def healthy(self) -> bool:
        """True if the SAM reported itself healthy."""
        return self.sam_status == p.Status.OK


class IdCardReader:
    """A serial SAM module reading the four kinds of 2nd-generation cards."""

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 115200,
        timeout: float = 2.0,
        retries: int = 1,
        poll_interval: float = 0.1,
        history: int = 32,
        auto_baud: bool = False,
        card_types: Collection[CardType] | None = None,
        presence_gap: float = 0.5,
    ) -> None:
        self._line = ReaderLine(
            url, baudrate=baudrate, timeout=timeout, retries=retries, history=history
        )
        self.poll_interval = poll_interval
        # Find the baud rate the module answers at each time the port is opened.
        self.auto_baud = auto_baud
        # Card types to return; others raise UnsupportedCardType. None: all four.
        self.card_types = None if card_types is None else frozenset(card_types)
        # Once a card was found to be the one already reported, finds that see a card at
        # most this many seconds apart are the same presence and do not re-read it.
        self.presence_gap = presence_gap
        self._lock = threading.RLock()
        # Keyed so the hash of a card kept in memory cannot be matched against numbers.
        self._identity_key = secrets.token_bytes(16)
        self._last_identity: bytes | None = None
        self._last_seen: float | None = None

    @property
    def url(self) -> str:
        """Where the reader's port is (a device path or a pyserial URL)."""
        return self._line.url

    @property
    def baudrate(self) -> int:
        """The rate the module and the port talk at now."""
        return self._line.baudrate

    @property
    def timeout(self) -> float:
        """Seconds without a byte that end a reply (its wire time comes on top)."""
        return self._line.timeout

    @property
    def retries(self) -> int:
        """Extra attempts for commands that are safe to resend (never the read itself)."""
        return self._line.retries

    # -- port lifecycle ----------------------------------------------------------------

    def open(self) -> None:
        """Open the serial port; raise ReaderUnavailable if it is missing or busy."""
        with self._lock:
            if self._line.is_open:
                return
            self._line.open()
            if self.auto_baud:
                try:
                    self.detect_baudrate()
                except IdCardError:
                    self.close()
                    raise

    def close(self) -> None:
        """Close the port; safe to call twice."""
        with self._lock:
            self._line.close()

    @property
    def is_open(self) -> bool:
        """True while the port is open."""
        return self._line.is_open

    def __enter__(self) -> IdCardReader:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- reading a card ----------------------------------------------------------------

    def forget(self) -> None:
        """Treat the next card as a new presentation, even the one reported last.

        Between two visits the kiosk sends no find, so the reader never sees the field
        empty; a citizen who comes back with the same card must still be read. Call it
        when a new visit starts waiting for a card.
        """
        with self._lock:
            self._last_identity = self._last_seen = None

    def read_card(
        self, wait: float = 0.0, *, fingerprint: bool = False, appended_address: bool = False
    ) -> IdCard:
        """Find, select and read a card newly in the field, polling up to `wait` seconds.

        `fingerprint` reads with 30 10 (the card's fingerprint data in `.fingerprint`);
        `appended_address` also asks 30 03 for addresses added after issue.
        Raises NoCard if no new card appeared, CardMoved if it left during the read,
        UnsupportedCardType for a type not accepted, and other IdCardError subclasses
        for the reader, the line or the card's data. Never returns part of a card.
        """
        with self._lock:
            self.open()
            started = time.monotonic()
            deadline = started + wait
            while True:
                self._find_and_select(deadline)
                try:
                    card = self._read_selected(fingerprint)
                except CardMoved:
                    # However the pull was noticed (a cut reply, or the module's own status),
                    # the card is gone: put back, it is a new presentation.
                    self._last_identity = self._last_seen = None
                    raise
                identity = self._identity(card)
                if not self._already_reported(identity):
                    break
                card.wipe()
                log.info("idcard_same_card_still_in_field")
                if time.monotonic() >= deadline:
                    raise NoCard(_HELD)
                self._pause(deadline)
            if appended_address:
                card = self._with_appended_address(card)
            # Only a card handed out counts as reported.
            self._last_identity, self._last_seen = identity, None
            log.info(
                "idcard_read_ok card_type=%s fingerprint=%s elapsed_ms=%d",
                card.card_type,
                bool(card.fingerprint),
                (time.monotonic() - started) * 1000,
            )
            return card

    def card_in_field(self) -> bool:
        """Ask the module whether a card lies in its field (find only: nothing is read).

        A card already read and still lying there is not reported by modules that find a
        card once per presentation, so this answers a new card, not a forgotten one.
        Raises IdCardError when the reader does not answer.
        """
        with self._lock:
            self.open()
            found = self._find()
            if found.sw3 not in (p.Status.CARD_FOUND, p.Status.NO_CARD):
                raise status_error(found.sw3, "find")
            return found.sw3 == p.Status.CARD_FOUND

    def _find_and_select(self, deadline: float) -> None:
        while True:
            found = self._find()
            held = found.sw3 == p.Status.CARD_FOUND and self._still_held()
            if held:
                # The card already reported, still lying there: not a new card.
                self._last_seen = time.monotonic()
            elif found.sw3 == p.Status.CARD_FOUND:
                selected = self._line.command(p.SELECT_CARD)
                if selected.sw3 == p.Status.OK:
                    return
                # Select fails while a card is still sliding into place: keep polling.
                if time.monotonic() >= deadline:
                    raise status_error(selected.sw3, "select")
            elif found.sw3 != p.Status.NO_CARD:
                raise status_error(found.sw3, "find")
            if time.monotonic() >= deadline:
                raise NoCard(_HELD if held else "no card in the field")
            self._pause(deadline)

    def _pause(self, deadline: float) -> None:
        time.sleep(max(0.0, min(self.poll_interval, deadline - time.monotonic())))

    def _find(self) -> p.Response:
        found = self._line.command(p.FIND_CARD)
        if found.sw3 == p.Status.NO_CARD:
            # The field is empty: whatever comes next is a new presentation.
            self._last_identity = self._last_seen = None
        return found

    def _still_held(self) -> bool:
        seen = self._last_seen
        return seen is not None and time.monotonic() - seen <= self.presence_gap

    def _identity(self, card: IdCard) -> bytes:
        """A keyed hash of what makes a card itself; no number is kept in clear."""
        return hmac.new(
            self._identity_key,
            f"{card.card_type}|{card.id_number.reveal()}|{card.valid_from}".encode(),
            hashlib.sha256,
        ).digest()

    def _already_reported(self, identity: bytes) -> bool:
        """True (and the card now held) if `identity` is the card reported last."""
        last = self._last_identity
        if last is not None and hmac.compare_digest(identity, last):
            self._last_seen = time.monotonic()
            return True
        return False

    def _read_selected(self, fingerprint: bool) -> IdCard:
        command = p.READ_TEXT_PHOTO_FINGERPRINT if fingerprint else p.READ_TEXT_PHOTO
        reply = self._read_command(command)
        if reply.sw3 != p.Status.OK:
            raise status_error(reply.sw3, "read")
        from drivers.idcard.card import flag_of, parse_fingerprint_reply, parse_read_reply

        parse = parse_fingerprint_reply if fingerprint else parse_read_reply
        card = parse(reply.data)
        if self.card_types is not None and card.card_type not in self.card_types:
            card.wipe()
            raise UnsupportedCardType(
                flag_of(card.card_type), f"({card.card_type}) is refused by configuration"
            )
        return card

    def _with_appended_address(self, card: IdCard) -> IdCard:
        try:
            addresses = self._read_appended_address()
        except BaseException:
            card.wipe()
            raise
        return dataclasses.replace(card, appended_addresses=addresses)

    def _read_appended_address(self) -> tuple[Sensitive, ...]:
        reply = self._read_command(p.READ_ADDRESS)
        if reply.sw3 == p.Status.NO_CONTENT:
            return ()
        if reply.sw3 != p.Status.OK:
            raise status_error(reply.sw3, "appended address")
        from drivers.idcard.card import parse_appended_address

        return parse_appended_address(reply.data)

    def _read_command(self, command: p.Command) -> p.Response:
        """Send a read (never resent: the module has moved on) and explain a missing reply."""
        try:
            return self._line.command(command, resend=False)
        except (ReplyCut, ReaderTimeout) as err:
            # The reply stopped mid-frame or never came: was the card pulled?
            if self._line.exchange(p.FIND_CARD).sw3 == p.Status.NO_CARD:
                raise CardMoved("read reply stopped or never came and the card is gone") from err
            if isinstance(err, ReplyCut):
                raise ProtocolError(
                    "read reply stopped mid-frame while a card stayed in the field"
                ) from err
            raise

    # -- the SAM module ----------------------------------------------------------------

    def sam_id(self) -> str:
        """Return the SAM module's ID, formatted like vendor tools print it."""
        reply = self._checked(p.SAM_ID, "SAM ID")
        if len(reply.data) != 16:
            raise ProtocolError(f"SAM ID reply has {len(reply.data)} data bytes, not 16")
        return p.format_sam_id(reply.data)

    def check_sam(self) -> None:
        """Ask the SAM for its status; raise SamFault (or another status error) unless healthy."""
        self._checked(p.SAM_STATUS, "SAM status")

    def reset(self) -> None:
        """Reset the SAM module."""
        self._checked(p.RESET_SAM, "reset")

    def set_rf_frame_size(self) -> None:
        """Set the largest RF frame the module uses with the card (61 FF, data 50)."""
        self._checked(p.MAX_RF_FRAME_SIZE, "max RF frame size")

    def set_baudrate(self, baudrate: int) -> None:
        """Switch the module to `baudrate` (60 0x), then the port.

        Not resent on a damaged reply: the module may already have switched. If this
        raises, `detect_baudrate()` finds where it is.
        """
        command = p.set_baudrate(baudrate)
        with self._lock:
            self._checked(command, "baud rate", resend=False)
            self._line.set_port_baudrate(baudrate)
            self._line.baudrate = baudrate
            log.info("idcard_baudrate_set baudrate=%d", baudrate)

    def detect_baudrate(self, candidates: Sequence[int] = p.AUTO_BAUDRATES) -> int:
        """Find the rate the module answers SAM status at, trying `candidates` in order."""
        with self._lock:
            if self._first_answer(candidates) is None:
                raise ReaderTimeout(f"no reply to SAM status at any of {list(candidates)} baud")
            log.info("idcard_baudrate_detected baudrate=%d", self.baudrate)
            return self.baudrate

    def identify(self, candidates: Sequence[int] | None = None) -> ProbeResult | None:
        """Ask for SAM status (at `candidates` in turn, default the configured rate).

        Returns None if nothing answered with a valid frame at any of them.
        """
        with self._lock:
            status = self._first_answer(candidates or (self.baudrate,))
            if status is None:
                return None
            sam_id = None
            if status.sw3 == p.Status.OK:
                try:
                    sam_id = self.sam_id()
                except (ReaderTimeout, ProtocolError, ReaderStatusError) as err:
                    log.warning("idcard_probe_no_sam_id error=%s", type(err).__name__)
            return ProbeResult(self.url, self.baudrate, status.sw3, sam_id)

    def _first_answer(self, candidates: Sequence[int]) -> p.Response | None:
        """The SAM status reply at the first of `candidates` that gives one; port left there."""
        self.open()
        configured = self.baudrate
        for rate in candidates:
            self._line.set_port_baudrate(rate)
            try:
                reply = self._line.exchange(p.SAM_STATUS)
            except (ReaderTimeout, ProtocolError):
                continue
            self._line.baudrate = rate
            return reply
        self._line.set_port_baudrate(configured)
        return None

    def _checked(self, command: p.Command, what: str, *, resend: bool = True) -> p.Response:
        """Send `command` and return its reply; raise the status's error unless it is OK."""
        with self._lock:
            self.open()
            reply = self._line.command(command, resend=resend)
            if reply.sw3 != p.Status.OK:
                raise status_error(reply.sw3, what)
            return reply

    @property
    def recent_frames(self) -> list[str]:
        """The last frames on the line, oldest first, with personal data withheld."""
        return self._line.recent_frames


def probe(
    url: str,
    *,
    baudrate: int = 115200,
    auto_baud: bool = False,
    timeout: float = 0.3,
) -> ProbeResult | None:
    """Is an ID card reader at `url`? Asks SAM status (and SAM ID) without keeping the port.

    Tries the configured `baudrate`, or with `auto_baud` every rate of AUTO_BAUDRATES in
    order. Returns None if the port cannot be opened or nothing answers with a frame.
    """
    reader = IdCardReader(url, baudrate=baudrate, timeout=timeout, retries=0)
    try:
        with reader:
            return reader.identify(p.AUTO_BAUDRATES if auto_baud else None)
    except IdCardError as err:
        log.info("idcard_probe_nothing url=%s error=%s", url, type(err).__name__)
        return None
