"""Moving the outbox to the controller and reporting health, on a thread of its own.

A network gone for a day costs nothing but time: rows wait in the outbox with exponential
back-off (capped), a refusal for good is kept as failed for ops, and a refused device token
makes the kiosk enroll again with its enrollment token before the next try.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from kiosk.controller_client import (
    ControllerClient,
    ControllerRejected,
    ControllerUnreachable,
    NotAuthorised,
)
from kiosk.enrollment import Enrollment, EnrollmentStore
from kiosk.outbox import Outbox, State
from wire import Heartbeat, RegisterRequest

log = logging.getLogger(__name__)

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
    """Drains the outbox and sends heartbeats until stopped."""

    def __init__(
        self,
        outbox: Outbox,
        client: ControllerClient,
        enroller: Enroller,
        *,
        status: Callable[[], Heartbeat] | None = None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._outbox = outbox
        self._client = client
        self._enroller = enroller
        self._status = status
        self._now = now
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_beat = float("-inf")
        self.online = False

    def drain(self) -> int:
        """Send every due row once; return how many the controller acknowledged."""
        acked = 0
        while batch := self._outbox.claim_due():
            for txn in batch:
                try:
                    token = self._enroller.ensure().device_token
                    try:
                        ack = self._client.send_transaction(txn, token)
                    except NotAuthorised:
                        ack = self._client.send_transaction(
                            txn, self._enroller.renew().device_token
                        )
                except ControllerUnreachable as err:
                    self.online = False
                    self._defer(txn.key, err)
                    log.warning("send deferred number=%s reason=%s", txn.number, err)
                    continue
                except ControllerRejected as err:
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
            self._client.heartbeat(self._status(), self._enroller.renew().device_token)
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
