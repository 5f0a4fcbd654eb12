"""The PC/SC transport: pyscard's low-level `smartcard.scard` calls and their return codes
turned into our errors. Nothing here knows about APDUs or the SSSE files.

The low-level API is used rather than `smartcard.System`/`CardConnection` because it hands
back the exact PC/SC return code, and telling "pcscd went away" from "card pulled out"
from "reader unplugged" is the whole point of the error classes.

Return codes seen on pcsc-lite 1.9 with vpcd (and assumed of real readers):

* pcscd stopped while a call waits: SCARD_F_COMM_ERROR; a call that reaches it while it
  shuts down: SCARD_W_SECURITY_VIOLATION (Access denied); afterwards every call on the old
  context and every new `SCardEstablishContext`: SCARD_E_NO_SERVICE.
* card pulled during `SCardTransmit`: success with an EMPTY reply, then
  SCARD_E_NOT_TRANSACTED, and SCARD_W_REMOVED_CARD once pcscd's presence poll (about
  0.4 s) has noticed. So an unexplained transmit failure is resolved by watching the
  reader's state for a moment (`card_left`).
"""

from __future__ import annotations

import time

from smartcard import scard

from drivers.socialcard.errors import (
    CardRemoved,
    NoCard,
    NoReader,
    PcscUnavailable,
    ReaderFailure,
    SocialCardError,
    UnsupportedCard,
)

OK = scard.SCARD_S_SUCCESS
PNP_READER = "\\\\?PnP?\\Notification"  # pcsc-lite's pseudo reader: wakes on reader add/remove

SERVICE_GONE = frozenset(
    {
        scard.SCARD_E_NO_SERVICE,
        scard.SCARD_E_SERVICE_STOPPED,
        scard.SCARD_F_COMM_ERROR,
        # A context from before a pcscd restart is unknown to the new daemon.
        scard.SCARD_E_INVALID_HANDLE,
        # "Access denied": pcscd answers this while it shuts down, and polkit when it
        # refuses us; either way the service cannot be used now.
        scard.SCARD_W_SECURITY_VIOLATION,
    }
)
_CARD_GONE = frozenset(
    {scard.SCARD_W_REMOVED_CARD, scard.SCARD_W_UNPOWERED_CARD, scard.SCARD_E_NO_SMARTCARD}
)
_READER_GONE = frozenset(
    {
        scard.SCARD_E_NO_READERS_AVAILABLE,
        scard.SCARD_E_UNKNOWN_READER,
        scard.SCARD_E_READER_UNAVAILABLE,
    }
)


def code(hresult: int) -> int:
    """The return code as an unsigned 32-bit number, as the SCARD_* constants are."""
    return hresult & 0xFFFFFFFF


def describe(hresult: int) -> str:
    """`0x8010001D (Service not available.)` for logs."""
    return f"0x{code(hresult):08X} ({scard.SCardGetErrorMessage(hresult)})"


def error_for(hresult: int, doing: str, *, connected: bool = False) -> SocialCardError:
    """The typed error for a failed PC/SC call; `connected` once a card was connected."""
    rc = code(hresult)
    text = f"{doing} failed: {describe(hresult)}"
    if rc in SERVICE_GONE:
        return PcscUnavailable(text)
    if rc in _READER_GONE:
        return NoReader(text)
    if rc in _CARD_GONE:
        # Before a connection, "no card" is the citizen not having inserted one yet.
        return CardRemoved(text) if connected else NoCard(text)
    if rc == scard.SCARD_W_UNRESPONSIVE_CARD:
        # A mute card: no chip, a chip that does not answer, or inserted the wrong way.
        return UnsupportedCard(text)
    return ReaderFailure(text, rc)


class Context:
    """One PC/SC context; `close()` releases it. Raises PcscUnavailable if pcscd is down."""

    def __init__(self) -> None:
        hresult, handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if code(hresult) != OK:
            raise error_for(hresult, "SCardEstablishContext")
        self.handle = handle

    def close(self) -> None:
        """Release the context; errors are ignored (pcscd may be gone already)."""
        scard.SCardReleaseContext(self.handle)

    def cancel(self) -> None:
        """Wake a `status_change()` blocked in another thread."""
        scard.SCardCancel(self.handle)

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def readers(self) -> list[str]:
        """Names of the connected readers; empty when there are none."""
        hresult, readers = scard.SCardListReaders(self.handle, [])
        if code(hresult) == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if code(hresult) != OK:
            raise error_for(hresult, "SCardListReaders")
        return list(readers)

    def status_change(
        self, states: list[tuple[str, int]], timeout: float
    ) -> tuple[int, list[tuple[str, int, bytes]]]:
        """SCardGetStatusChange: return (return code, [(reader, event state, ATR)])."""
        hresult, out = scard.SCardGetStatusChange(self.handle, int(timeout * 1000), states)
        return code(hresult), [(r, int(s), bytes(atr)) for r, s, atr in out]

    def card_left(self, reader: str, state: int, grace: float) -> bool:
        """Watch `reader` up to `grace` s: True if its card went out (or was swapped).

        `state` is the reader's event state when the card was connected; its high 16 bits
        are pcsc-lite's insert/remove counter, which catches a quick out-and-back-in too.
        """
        deadline = time.monotonic() + grace
        current = state & ~scard.SCARD_STATE_CHANGED
        while (left := deadline - time.monotonic()) > 0:
            rc, out = self.status_change([(reader, current)], left)
            if rc == scard.SCARD_E_TIMEOUT:
                return False
            if rc != OK:
                # The reader or the service went too: the card is certainly not readable.
                return True
            _, event, _ = out[0]
            if event & scard.SCARD_STATE_EMPTY or event >> 16 != state >> 16:
                return True
            current = event & ~scard.SCARD_STATE_CHANGED
        return False
