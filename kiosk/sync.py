"""Moving the outbox to the controller and reporting health, on a thread of its own.

A network gone for a day costs nothing but time: rows wait in the outbox with exponential
back-off (capped), and a refusal for good is kept as failed for ops.

Enrollment (docs/enrollment.md): the kiosk enrolls once, with the pairing code of its
kiosk.toml or with none (then it is pending). While pending it sends nothing but a question
about its state, every PENDING_POLL_SECONDS at most, and its outbox waits untouched. A token
the controller does not know makes it enroll again, presenting that token as proof; a
revoked one (or a refused enrollment) stops all sending until a technician acts: the kiosk
never takes an identity back by itself. When a heartbeat's answer asks for it, the kiosk
rotates its token, saving the new one before it uses it.

Before the outbox is drained, the controller is told what the kiosk's catalog calls its
services (kiosk/catalog_report.py), so that it can name a transaction to the citizen from
the moment it arrives: once per enrollment and catalog version, again after a failure.
A catalog the controller cannot take never holds back a transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from flows import Catalog
from kiosk.catalog_report import catalog_message
from kiosk.controller_client import (
    AwaitingApproval,
    ControllerClient,
    ControllerError,
    ControllerRejected,
    ControllerUnreachable,
    CredentialRevoked,
    EnrollmentRefused,
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
# How often a pending kiosk asks whether it was approved.
PENDING_POLL_SECONDS = 30.0


def backoff(attempts: int) -> float:
    """Seconds to wait before retry number `attempts` (2, 4, 8 ... capped at 5 minutes)."""
    return float(min(MAX_BACKOFF, 2 ** min(attempts, 16)))


class Enroller:
    """Gets and keeps this kiosk's enrollment, and knows when the kiosk must stop."""

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
        # Set when the controller revoked our credential or refused to enroll us: nothing
        # is sent until a technician acts (and restarts the kiosk). Its `code` says why.
        self.blocked: ControllerRejected | None = None

    def ensure(self) -> Enrollment:
        """The saved enrollment, enrolling first if there is none (or the controller moved)."""
        current = self.current
        if current is None or current.controller_url != self._url:
            current = self.renew()
        return current

    def renew(self) -> Enrollment:
        """Enroll (again) and save what the controller answers.

        The token held so far goes along as proof; the configured pairing code only if it
        was not sent before (it works once). A refusal blocks the kiosk (`blocked`).
        """
        if self.blocked is not None:
            raise self.blocked
        held = self.current
        request = self._request
        if held is not None and request.pairing_code == held.pairing_code:
            request = request.model_copy(update={"pairing_code": None})
        try:
            answer = self._client.register(request, held.device_token if held else None)
        except (EnrollmentRefused, CredentialRevoked) as err:
            self.stop(err)
            raise
        self.current = Enrollment(
            answer.kiosk_id,
            answer.device_token,
            self._url,
            answer.heartbeat_seconds,
            answer.state.value,
            self._request.pairing_code or (held.pairing_code if held else ""),
        )
        self._store.save(self.current)
        log.info("enrolled kiosk_id=%s state=%s", answer.kiosk_id, answer.state.value)
        if self.current.pending:
            log.warning("kiosk_id=%s is awaiting approval on the controller", answer.kiosk_id)
        return self.current

    def stop(self, err: ControllerRejected) -> None:
        """Stop all sending: the controller revoked us or will not enroll us."""
        if self.blocked is None:
            log.error("kiosk stopped code=%s reason=%s", err.code, err)
        self.blocked = err

    def lost(self, err: NotAuthorised) -> str:
        """Our token was refused: enroll again if it is unknown; stop if it was revoked."""
        if isinstance(err, CredentialRevoked):
            self.stop(err)
            raise err
        return self.renew().device_token

    def refresh_state(self) -> Enrollment:
        """Ask the controller whether a pending kiosk has been approved; saved if it changed."""
        current = self.ensure()
        try:
            status = self._client.enrollment_status(current.device_token)
        except CredentialRevoked as err:
            self.stop(err)  # rejected
            raise
        if status.state.value != current.state:
            current = dataclasses.replace(current, state=status.state.value)
            self._store.save(current)
            self.current = current
            log.info("kiosk_id=%s state=%s", current.kiosk_id, current.state)
        return current

    def rotate(self) -> None:
        """Replace the device token: the new one is on disk before it is ever used."""
        current = self.ensure()
        answer = self._client.rotate(current.device_token)
        rotated = dataclasses.replace(current, device_token=answer.device_token)
        self._store.save(rotated)
        self.current = rotated
        log.info("credential rotated kiosk_id=%s", current.kiosk_id)


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
        self._next_state_check: dt.datetime | None = None
        self.online = False

    def ready(self) -> bool:
        """True when the kiosk may send: enrolled, approved, not stopped.

        A pending kiosk asks for its state at most every PENDING_POLL_SECONDS.
        """
        if self._enroller.blocked is not None:
            return False
        try:
            current = self._enroller.ensure()
            if not current.pending:
                return True
            now = self._now()
            if self._next_state_check is not None and now < self._next_state_check:
                return False
            self._next_state_check = now + dt.timedelta(seconds=PENDING_POLL_SECONDS)
            current = self._enroller.refresh_state()
        except ControllerUnreachable as err:
            self.online = False
            log.warning("controller unreachable: %s", err)
            return False
        except ControllerRejected:
            return False  # refused enrollment or revoked: the enroller has stopped the kiosk
        if current.pending:
            log.info("awaiting approval kiosk_id=%s", current.kiosk_id)
            return False
        log.info("approved kiosk_id=%s", current.kiosk_id)
        return True

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
            except NotAuthorised as err:
                token = self._enroller.lost(err)
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

    def _renew(self, err: NotAuthorised) -> str:
        """Enroll again (unless revoked) and, before anything else is sent, report the catalog."""
        token = self._enroller.lost(err)
        self.report_catalog()
        return token

    def drain(self) -> int:
        """Report the catalog if due, then send every due row once.

        Return how many rows the controller acknowledged. A kiosk pending approval, revoked
        or refused sends nothing and its rows wait.
        """
        if not self.ready():
            return 0
        self.report_catalog()
        acked = 0
        while not self._enroller.blocked and (batch := self._outbox.claim_due()):
            for txn in batch:
                if self._enroller.blocked is not None:
                    self._defer(txn.key, self._enroller.blocked)
                    continue
                try:
                    token = self._enroller.ensure().device_token
                    try:
                        ack = self._client.send_transaction(txn, token)
                    except NotAuthorised as err:
                        ack = self._client.send_transaction(txn, self._renew(err))
                except ControllerUnreachable as err:
                    self.online = False
                    self._defer(txn.key, err)
                    log.warning("send deferred number=%s reason=%s", txn.number, err)
                    continue
                except (CredentialRevoked, EnrollmentRefused, AwaitingApproval) as err:
                    # Not this row's fault: it waits for the kiosk to be let in again.
                    self._defer(txn.key, err)
                    log.warning("send held back number=%s reason=%s", txn.number, err)
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
        return acked + self._drain_ratings() + self._drain_staff_calls()

    def _drain_ratings(self) -> int:
        """Send due ratings; a rating whose transaction has not arrived yet waits (404)."""
        acked = 0
        while batch := self._outbox.claim_due_ratings():
            for rating in batch:
                try:
                    self._client.send_rating(rating, self._enroller.ensure().device_token)
                except (ControllerUnreachable, NotAuthorised, AwaitingApproval) as err:
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

    def _drain_staff_calls(self) -> int:
        """Send due staff calls; one the controller refuses for good is kept as failed."""
        acked = 0
        while batch := self._outbox.claim_due_staff_calls():
            for call in batch:
                try:
                    token = self._enroller.ensure().device_token
                    try:
                        self._client.call_staff(call, token)
                    except NotAuthorised as err:
                        self._client.call_staff(call, self._renew(err))
                except (ControllerUnreachable, NotAuthorised, AwaitingApproval) as err:
                    self._defer(call.key, err)
                    continue
                except ControllerRejected as err:
                    if err.status in _NOT_YET:
                        self._defer(call.key, err)
                    else:
                        self._outbox.mark_failed(call.key, str(err))
                    continue
                self.online = True
                self._outbox.mark_acked(call.key, self._now())
                acked += 1
                log.info("staff call sent screen=%s", call.screen)
        return acked

    def _defer(self, key: str, err: Exception) -> None:
        entry = self._outbox.entry(key)
        self._outbox.mark_retry(key, str(err), backoff(entry.attempts if entry else 1))

    def beat(self) -> None:
        """Send one heartbeat now."""
        if self._status is None or not self.ready():
            return
        enrollment = self._enroller.ensure()
        try:
            ack = self._client.heartbeat(self._status(), enrollment.device_token)
        except NotAuthorised as err:
            ack = self._client.heartbeat(self._status(), self._renew(err))
        self.online = True
        if ack.rotate_credential:
            try:
                self._enroller.rotate()
            except ControllerError as err:
                # The old token still works; the next heartbeat asks again.
                log.warning("credential rotation failed: %s", err)

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
                enrollment = self._enroller.ensure()
                interval = float(enrollment.heartbeat_seconds)
                if enrollment.pending:
                    interval = min(interval, PENDING_POLL_SECONDS)
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
            except ControllerRejected as err:
                # Enrollment refused or credential revoked: the enroller has stopped the
                # kiosk and said why; nothing is sent until a technician acts.
                self.online = False
                log.warning("not sending: %s", err)
                wait = 60.0
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
