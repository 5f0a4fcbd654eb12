"""Moving the outbox to the controller and reporting health, on a thread of its own.

A network gone for a day costs nothing but time: rows wait in the outbox with exponential
back-off (capped), a refusal for good is kept as failed for ops, and a refused device token
makes the kiosk enroll again with its enrollment token before the next try.

Before the outbox is drained, the controller is told what the kiosk's catalog calls its
services (kiosk/catalog_report.py), so that it can name a transaction to the citizen from
the moment it arrives: once per enrollment and catalog version, again after a failure.
A catalog the controller cannot take never holds back a transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from flows import Catalog
from kiosk.catalog_report import catalog_message
from kiosk.controller_client import (
    ControllerClient,
    ControllerError,
    ControllerRejected,
    ControllerUnreachable,
    NotAuthorised,
)
from kiosk.enrollment import Enrollment, EnrollmentStore
from kiosk.outbox import Outbox, State
from wire import Heartbeat, RegisterRequest

log = logging.getLogger(__name__)

# Answers that mean "later", not "never": 425 Too Early (a kiosk clock ahead of the
# controller's), 429 Too Many Requests.
_NOT_YET = frozenset({425, 429})

MAX_BACKOFF = 300.0


def backoff(attempts: int) -> float:
    """Seconds to wait before retry number `attempts` (2, 4, 8 ... capped at 5 minutes)."""
    return float(min(MAX_BACKOFF, 2 ** min(attempts, 16)))


class Enroller:
    """Gets and keeps this kiosk's enrollment."""

    def __init__(
        self,
        store: EnrollmentStore,
        client: ControllerClient,
        request: RegisterRequest,
        controller_url: str,
    ) -> None:
        self._store = store
        self._client = client
        self._request = request
        self._url = controller_url
        self.current = store.load()

    def ensure(self) -> Enrollment:
        """The saved enrollment, enrolling first if there is none."""
        current = self.current
        if current is None or current.controller_url != self._url:
            current = self.renew()
        return current

    def renew(self) -> Enrollment:
        """Enroll (again) and save the new token."""
        answer = self._client.register(self._request)
        self.current = Enrollment(
            answer.kiosk_id, answer.device_token, self._url, answer.heartbeat_seconds
        )
        self._store.save(self.current)
        log.info("enrolled kiosk_id=%s", answer.kiosk_id)
        return self.current


class SyncLoop:
    """Reports the catalog, drains the outbox and sends heartbeats until stopped."""

    def __init__(
        self,
        outbox: Outbox,
        client: ControllerClient,
        enroller: Enroller,
        *,
        status: Callable[[], Heartbeat] | None = None,
        catalog: Callable[[], Catalog] | None = None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._outbox = outbox
        self._client = client
        self._enroller = enroller
        self._status = status
        self._catalog = catalog
        self._now = now
        # (device token, catalog version) the controller acknowledged: a new enrollment or
        # a new catalog is reported again. Held in memory only, so a restart reports again.
        self._catalog_known: tuple[str, int] | None = None
        self._catalog_refusals = 0
        self._catalog_retry_at: dt.datetime | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_beat = float("-inf")
        self.online = False

    def report_catalog(self) -> bool:
        """Tell the controller the catalog's service titles unless it knows this version.

        True when the controller has acknowledged the current catalog. A failure is logged
        and retried: at the next cycle when the controller was unreachable, after a growing
        pause when it refused (an older controller without the endpoint answers 404).
        """
        if self._catalog is None:
            return True
        catalog = self._catalog()
        try:
            token = self._enroller.ensure().device_token
            if self._catalog_known == (token, catalog.version):
                return True
            if self._catalog_retry_at is not None and self._now() < self._catalog_retry_at:
                return False
            message = catalog_message(catalog)
            try:
                self._client.send_catalog(message, token)
            except NotAuthorised:
                token = self._enroller.renew().device_token
                self._client.send_catalog(message, token)
        except ControllerUnreachable as err:
            self.online = False
            log.warning("catalog not reported version=%s reason=%s", catalog.version, err)
            return False
        except (ControllerError, ValueError) as err:
            # ValueError: a title the wire refuses (pydantic's ValidationError is one).
            self._catalog_refusals += 1
            pause = dt.timedelta(seconds=backoff(self._catalog_refusals))
            self._catalog_retry_at = self._now() + pause
            log.error("catalog refused version=%s reason=%s", catalog.version, err)
            return False
        self.online = True
        self._catalog_known = (token, catalog.version)
        self._catalog_refusals = 0
        self._catalog_retry_at = None
        log.info("catalog reported version=%s", catalog.version)
        return True

    def _renew(self) -> str:
        """Enroll again and, before anything else is sent, report the catalog there."""
        token = self._enroller.renew().device_token
        self.report_catalog()
        return token

    def drain(self) -> int:
        """Report the catalog if due, then send every due row once.

        Return how many rows the controller acknowledged.
        """
        self.report_catalog()
        acked = 0
        while batch := self._outbox.claim_due():
            for txn in batch:
                try:
                    token = self._enroller.ensure().device_token
                    try:
                        ack = self._client.send_transaction(txn, token)
                    except NotAuthorised:
                        ack = self._client.send_transaction(txn, self._renew())
                except ControllerUnreachable as err:
                    self.online = False
                    self._defer(txn.key, err)
                    log.warning("send deferred number=%s reason=%s", txn.number, err)
                    continue
                except ControllerRejected as err:
                    if err.status in _NOT_YET:
                        # Not refused for good: too many at once, or this kiosk's clock is
                        # ahead of the controller's. Sent again after the back-off.
                        self._defer(txn.key, err)
                        log.warning("send deferred number=%s reason=%s", txn.number, err)
                        continue
                    self._outbox.mark_failed(txn.key, str(err))
                    log.error("send refused number=%s reason=%s", txn.number, err)
                    continue
                self.online = True
                self._outbox.mark_acked(txn.key, self._now())
                acked += 1
                log.info("sent number=%s duplicate=%s", txn.number, ack.duplicate)
        return acked + self._drain_ratings()

    def _drain_ratings(self) -> int:
        """Send due ratings; a rating whose transaction has not arrived yet waits (404)."""
        acked = 0
        while batch := self._outbox.claim_due_ratings():
            for rating in batch:
                try:
                    self._client.send_rating(rating, self._enroller.ensure().device_token)
                except (ControllerUnreachable, NotAuthorised) as err:
                    self._defer(rating.key, err)
                    continue
                except ControllerRejected as err:
                    if err.status == 404:  # its transaction is still on its way
                        self._defer(rating.key, err)
                    else:
                        self._outbox.mark_failed(rating.key, str(err))
                    continue
                self._outbox.mark_acked(rating.key, self._now())
                acked += 1
        return acked

    def _defer(self, key: str, err: Exception) -> None:
        entry = self._outbox.entry(key)
        self._outbox.mark_retry(key, str(err), backoff(entry.attempts if entry else 1))

    def beat(self) -> None:
        """Send one heartbeat now."""
        if self._status is None:
            return
        enrollment = self._enroller.ensure()
        try:
            self._client.heartbeat(self._status(), enrollment.device_token)
        except NotAuthorised:
            self._client.heartbeat(self._status(), self._renew())
        self.online = True

    def wake(self) -> None:
        """Something new is in the outbox: send it now rather than at the next tick."""
        self._wake.set()

    def start(self) -> None:
        """Run in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop and wait for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                interval = self._enroller.ensure().heartbeat_seconds
                if time.monotonic() - self._last_beat >= interval:
                    self.beat()
                    self._last_beat = time.monotonic()
                self.drain()
                due = self._outbox.next_due_in()
                wait = min(interval, due) if due is not None else interval
            except ControllerUnreachable as err:
                self.online = False
                log.warning("controller unreachable: %s", err)
                wait = 10.0
            except Exception:  # noqa: BLE001 - top of a worker thread: log, become a health state
                self.online = False
                log.exception("sync loop error")
                wait = 30.0
            self._wake.wait(max(wait, 0.05))
            self._wake.clear()

    def pending(self) -> int:
        """Rows not yet acknowledged."""
        counts = self._outbox.counts()
        return counts[State.PENDING] + counts[State.IN_FLIGHT]
