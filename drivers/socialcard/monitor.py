"""Card and reader events from PC/SC, on a worker thread that survives a pcscd restart.

pyscard's `CardMonitor` is not used: it calls observers on its own thread, fires once at
subscription, and stops silently when pcscd restarts (docs/hardware.md section 3). This is our
own loop instead: list the readers and diff them with the last scan, then block in
`SCardGetStatusChange` for at most `poll_timeout` seconds on every reader plus pcsc-lite's
PnP pseudo reader (which wakes it when a reader is plugged in or out).

When pcscd goes away the call fails with SCARD_F_COMM_ERROR / SCARD_E_NO_SERVICE: the
monitor reports `SERVICE_LOST`, releases the context and tries to establish a new one
every `retry_interval` seconds; the first success reports `SERVICE_RESTORED`. After
`SERVICE_LOST` every reader and card counts as gone without events of their own; after
`SERVICE_RESTORED` they are reported afresh (`READER_ADDED`, `CARD_INSERTED`), so a
consumer that applies the events in order always holds the true state. Likewise the first
scan reports what is already there, as additions.

`on_event` runs on the monitor's thread and must return quickly; a UI hands it over to its
own thread. An exception from it is logged and does not stop the monitor.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from smartcard import scard

from drivers.socialcard import pcsc
from drivers.socialcard.errors import PcscUnavailable, SocialCardError

log = logging.getLogger(__name__)


class EventKind(enum.Enum):
    """What happened."""

    CARD_INSERTED = "card_inserted"
    CARD_REMOVED = "card_removed"
    READER_ADDED = "reader_added"
    READER_REMOVED = "reader_removed"
    SERVICE_LOST = "service_lost"
    SERVICE_RESTORED = "service_restored"


@dataclass(frozen=True)
class MonitorEvent:
    """One event; `reader` is empty for service events, `atr` set only on insertion."""

    kind: EventKind
    reader: str = ""
    atr: bytes = b""


class SocialCardMonitor:
    """Watches PC/SC readers and cards; `start()` it, `stop()` it, or use `with`."""

    def __init__(
        self,
        on_event: Callable[[MonitorEvent], None],
        *,
        poll_timeout: float = 0.5,
        retry_interval: float = 0.5,
    ) -> None:
        self.on_event = on_event
        # Upper bound on how stale a reader list is when PnP notification is unavailable.
        self.poll_timeout = poll_timeout
        self.retry_interval = retry_interval
        # The last unexpected error the loop survived, for health reports.
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ctx_lock = threading.Lock()
        self._ctx: pcsc.Context | None = None
        self._service_up: bool | None = None
        self._states: dict[str, int] = {}  # reader -> last event state
        self._cards: dict[str, bytes] = {}  # reader -> ATR of the card in it
        self._pnp_state = scard.SCARD_STATE_UNAWARE

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread (no-op if running)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="socialcard-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker and wait for it; safe to call twice."""
        self._stop.set()
        with self._ctx_lock:
            if self._ctx is not None:
                self._ctx.cancel()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        """True while the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def service_up(self) -> bool | None:
        """True while pcscd answers, False after SERVICE_LOST, None before the first try."""
        return self._service_up

    def cards(self) -> dict[str, bytes]:
        """A snapshot: reader -> ATR of each card seen inserted."""
        return dict(self._cards)

    def readers(self) -> list[str]:
        """A snapshot of the readers seen at the last scan."""
        return list(self._states)

    def __enter__(self) -> SocialCardMonitor:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the loop ----------------------------------------------------------------------

    def _run(self) -> None:
        log.info("socialcard_monitor_started")
        while not self._stop.is_set():
            try:
                self._step()
            except Exception as err:  # top of the worker: log, keep as health, carry on
                log.exception("socialcard_monitor_error")
                self.error = err
                self._drop_context()
                self._stop.wait(self.retry_interval)
        self._drop_context()
        log.info("socialcard_monitor_stopped")

    def _step(self) -> None:
        """One scan: (re)connect to pcscd, diff readers, wait for a state change."""
        ctx = self._context()
        if ctx is None:
            self._stop.wait(self.retry_interval)
            return
        try:
            readers = ctx.readers()
        except PcscUnavailable:
            self._service_lost()
            return
        except SocialCardError as err:
            # Not the service gone, but this context is no good: start again with a new one.
            log.warning("socialcard_monitor_list_failed error=%s", err)
            self._drop_context()
            self._stop.wait(self.retry_interval)
            return
        self._diff_readers(readers)
        states = [(r, self._states[r]) for r in readers]
        states.append((pcsc.PNP_READER, self._pnp_state))
        rc, out = ctx.status_change(states, self.poll_timeout)
        if rc in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
            return
        if rc in pcsc.SERVICE_GONE:
            self._service_lost()
            return
        if rc != pcsc.OK:
            # A reader left between the list and the wait (SCARD_E_UNKNOWN_READER...):
            # the next scan lists again. Pause so a persistent error cannot spin.
            log.warning("socialcard_monitor_status_failed rc=0x%08X", rc)
            self._stop.wait(min(self.poll_timeout, self.retry_interval))
            return
        for reader, event, atr in out:
            if reader == pcsc.PNP_READER:
                self._pnp_state = event & ~scard.SCARD_STATE_CHANGED
            elif reader in self._states:
                self._card_state(reader, event, atr)

    def _context(self) -> pcsc.Context | None:
        if self._ctx is not None:
            return self._ctx
        try:
            ctx = pcsc.Context()
        except PcscUnavailable:
            self._service_lost()
            return None
        with self._ctx_lock:
            if self._stop.is_set():
                ctx.close()
                return None
            self._ctx = ctx
        if self._service_up is False:
            log.info("socialcard_monitor_service_restored")
            self._emit(MonitorEvent(EventKind.SERVICE_RESTORED))
        self._service_up = True
        return ctx

    def _drop_context(self) -> None:
        with self._ctx_lock:
            ctx, self._ctx = self._ctx, None
        if ctx is not None:
            ctx.close()

    def _service_lost(self) -> None:
        self._drop_context()
        self._states.clear()
        self._cards.clear()
        self._pnp_state = scard.SCARD_STATE_UNAWARE
        if self._service_up is not False:
            log.warning("socialcard_monitor_service_lost")
            self._service_up = False
            self._emit(MonitorEvent(EventKind.SERVICE_LOST))

    def _diff_readers(self, readers: list[str]) -> None:
        for reader in [r for r in self._states if r not in readers]:
            if self._cards.pop(reader, None) is not None:
                self._emit(MonitorEvent(EventKind.CARD_REMOVED, reader))
            del self._states[reader]
            self._emit(MonitorEvent(EventKind.READER_REMOVED, reader))
        for reader in readers:
            if reader not in self._states:
                self._states[reader] = scard.SCARD_STATE_UNAWARE
                self._emit(MonitorEvent(EventKind.READER_ADDED, reader))

    def _card_state(self, reader: str, event: int, atr: bytes) -> None:
        before = self._states[reader]
        self._states[reader] = event & ~scard.SCARD_STATE_CHANGED
        present = bool(event & scard.SCARD_STATE_PRESENT)
        had = reader in self._cards
        # The high 16 bits count insertions and removals: a card swapped between two
        # scans shows as the same PRESENT state with a new count.
        swapped = had and present and before >> 16 != event >> 16
        if had and (not present or swapped):
            del self._cards[reader]
            self._emit(MonitorEvent(EventKind.CARD_REMOVED, reader))
        if present and reader not in self._cards:
            self._cards[reader] = atr
            self._emit(MonitorEvent(EventKind.CARD_INSERTED, reader, atr))

    def _emit(self, event: MonitorEvent) -> None:
        log.info("socialcard_monitor_event kind=%s reader=%s", event.kind.value, event.reader)
        try:
            self.on_event(event)
        except Exception:  # the consumer's bug must not stop card events for everyone
            log.exception("socialcard_monitor_callback_failed kind=%s", event.kind.value)
