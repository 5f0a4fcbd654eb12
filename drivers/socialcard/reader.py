"""The social security card reader device: a PC/SC reader, the APDU table, the T=0 logic.

Owns the connection, the wait for a card and turning every failure into a
`SocialCardError` that says who was wrong. Each call opens its own PC/SC context, so a
pcscd restart between two reads costs nothing; a restart during one is `PcscUnavailable`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from smartcard import scard

from drivers.socialcard import pcsc
from drivers.socialcard.apdu import Command, Transmit, parse_command, transceive
from drivers.socialcard.errors import (
    CardRemoved,
    NoCard,
    NoReader,
    PcscUnavailable,
    ReaderFailure,
    SocialCardError,
    UnsupportedCard,
)
from drivers.socialcard.ssse import BASIC_DATA, Select, SocialCard, read_basic_data
from pii import redact_id_numbers

log = logging.getLogger(__name__)

_SELECT_SSSE = next(s for s in BASIC_DATA if isinstance(s, Select) and s.target == "SSSE")
# While waiting for a card, wake this often to honour the deadline exactly.
_WAIT_SLICE = 0.5

_T = TypeVar("_T")


class SocialCardReader:
    """Reads the SSSE basic data of a social security card in a PC/SC reader."""

    def __init__(self, *, removal_grace: float = 2.0, history: int = 32) -> None:
        # How long a failed transmit waits for pcscd to confirm the card left: its
        # presence poll runs about every 0.4 s, and on a busy machine one second was once
        # not enough (a pulled card then told as a reader failure). A card pulled is told
        # as soon as pcscd sees it; the whole wait is spent only when the card stayed in.
        self.removal_grace = removal_grace
        self._lock = threading.Lock()
        self._frames: deque[str] = deque(maxlen=history)

    # -- public operations -------------------------------------------------------------

    def list_readers(self) -> list[str]:
        """Names of the PC/SC readers now connected (raises PcscUnavailable if pcscd is down)."""
        with pcsc.Context() as ctx:
            return ctx.readers()

    def read_card(self, reader_name: str | None = None, timeout: float = 0.0) -> SocialCard:
        """Read the card in `reader_name` (or the first reader holding one).

        Waits up to `timeout` seconds for a card to be inserted. Raises NoReader, NoCard,
        CardRemoved (pulled during the read), UnsupportedCard, CardDataError, PcscUnavailable
        or another SocialCardError; never returns part of a card.
        """
        started = time.monotonic()
        with self._lock, pcsc.Context() as ctx:
            reader, state = self._wait_for_card(ctx, reader_name, timeout)
            card = self._with_card(ctx, reader, state, read_basic_data)
            log.info(
                "socialcard_read_ok reader=%s elapsed_ms=%d",
                reader,
                (time.monotonic() - started) * 1000,
            )
            return card

    def check_card(self, reader_name: str | None = None, timeout: float = 0.0) -> bytes:
        """Select the SSSE application on the card and return its ATR; reads nothing personal.

        Raises UnsupportedCard if the card has no SSSE application.
        """
        with self._lock, pcsc.Context() as ctx:
            reader, state = self._wait_for_card(ctx, reader_name, timeout)

            def select(transmit: Transmit) -> None:
                reply = transceive(_SELECT_SSSE.command, transmit)
                if not reply.ok:
                    raise UnsupportedCard(f"SELECT SSSE answered {reply.sw:04X}")

            self._with_card(ctx, reader, state, select)
            _, out = ctx.status_change([(reader, scard.SCARD_STATE_UNAWARE)], 0)
            return out[0][2]

    def card_present(self, reader_name: str | None = None) -> bool:
        """Whether a card is in `reader_name` (or any reader), from pcscd's state alone: no
        card is connected to and nothing is read. False when no reader is connected."""
        with pcsc.Context() as ctx:
            readers = [r for r in ctx.readers() if reader_name is None or r == reader_name]
            if not readers:
                return False
            rc, out = ctx.status_change([(r, scard.SCARD_STATE_UNAWARE) for r in readers], 0)
            if rc not in (pcsc.OK, scard.SCARD_E_TIMEOUT):
                raise pcsc.error_for(rc, "SCardGetStatusChange")
            return any(event & scard.SCARD_STATE_PRESENT for _, event, _ in out)

    @property
    def recent_apdus(self) -> list[str]:
        """The last APDUs exchanged, oldest first; reply data withheld (it is personal)."""
        return list(self._frames)

    # -- waiting and connecting --------------------------------------------------------

    def _wait_for_card(
        self, ctx: pcsc.Context, reader_name: str | None, timeout: float
    ) -> tuple[str, int]:
        """Return (reader, its event state) once a card is in it, or raise NoCard."""
        readers = ctx.readers()
        if not readers:
            raise NoReader("no PC/SC reader is connected")
        if reader_name is not None:
            if reader_name not in readers:
                raise NoReader(f"reader {reader_name!r} is not connected")
            readers = [reader_name]
        deadline = time.monotonic() + timeout
        states = [(r, scard.SCARD_STATE_UNAWARE) for r in readers]
        wait = 0.0  # the first call, with UNAWARE states, answers at once
        while True:
            rc, out = ctx.status_change(states, wait)
            if rc == scard.SCARD_E_TIMEOUT:
                out = []
            elif rc != pcsc.OK:
                raise pcsc.error_for(rc, "SCardGetStatusChange")
            for reader, event, _ in out:
                if event & scard.SCARD_STATE_PRESENT:
                    if event & scard.SCARD_STATE_MUTE:
                        raise UnsupportedCard(f"the card in {reader!r} does not answer (mute)")
                    return reader, event
            if out:
                states = [(r, e & ~scard.SCARD_STATE_CHANGED) for r, e, _ in out]
            left = deadline - time.monotonic()
            if left <= 0:
                raise NoCard(f"no card in {', '.join(repr(r) for r in readers)}")
            wait = min(left, _WAIT_SLICE)

    def _with_card(
        self, ctx: pcsc.Context, reader: str, state: int, work: Callable[[Transmit], _T]
    ) -> _T:
        """Connect to the card in `reader`, run `work(transmit)`, always disconnect."""
        hresult, hcard, protocol = scard.SCardConnect(
            ctx.handle,
            reader,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if pcsc.code(hresult) != pcsc.OK:
            raise pcsc.error_for(hresult, f"SCardConnect to {reader!r}")
        try:
            hresult = scard.SCardBeginTransaction(hcard)
            if pcsc.code(hresult) != pcsc.OK:
                raise pcsc.error_for(hresult, "SCardBeginTransaction", connected=True)

            def transmit(raw: bytes) -> bytes:
                return self._transmit(ctx, reader, state, hcard, protocol, raw)

            return work(transmit)
        finally:
            # Reset so nothing stays selected for the next program; fails harmlessly when
            # the card or pcscd is already gone.
            scard.SCardEndTransaction(hcard, scard.SCARD_LEAVE_CARD)
            scard.SCardDisconnect(hcard, scard.SCARD_RESET_CARD)

    def _transmit(
        self, ctx: pcsc.Context, reader: str, state: int, hcard: int, protocol: int, raw: bytes
    ) -> bytes:
        header = _header(raw)
        self._remember(f"tx {header}")
        hresult, reply = scard.SCardTransmit(hcard, protocol, list(raw))
        rc = pcsc.code(hresult)
        reply = bytes(reply)
        if rc == pcsc.OK and len(reply) >= 2:
            self._remember(f"rx [{len(reply) - 2} bytes withheld] {reply[-2:].hex(' ').upper()}")
            return reply
        self._remember(f"rx <failed: {pcsc.describe(hresult)}, {len(reply)} bytes>")
        raise self._explain(ctx, reader, state, hresult, header)

    def _explain(
        self, ctx: pcsc.Context, reader: str, state: int, hresult: int, header: str
    ) -> SocialCardError:
        """A transmit failed or came back empty: was the card pulled, or is it the reader?"""
        err = pcsc.error_for(hresult, f"SCardTransmit {header}", connected=True)
        if isinstance(err, CardRemoved | PcscUnavailable | NoReader):
            return err
        if ctx.card_left(reader, state, self.removal_grace):
            log.warning("socialcard_removed_mid_read reader=%s command=%s", reader, header)
            return CardRemoved(f"card left {reader!r} during {header}")
        if pcsc.code(hresult) == pcsc.OK:
            return ReaderFailure(f"empty reply to {header} while the card stayed in {reader!r}")
        return err

    # -- diagnostics -------------------------------------------------------------------

    def _remember(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        self._frames.append(f"{stamp} {redact_id_numbers(text)}")


def _header(raw: bytes) -> str:
    """`00 B2 09 04 Le=20` for a READ RECORD: what was asked, never data sent with it."""
    try:
        command: Command = parse_command(raw)
    except SocialCardError:
        return raw[:4].hex(" ").upper()
    le = "" if command.le is None else f" Le={command.le:02X}"
    return f"{command.header}{le}"
