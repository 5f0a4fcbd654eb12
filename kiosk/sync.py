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
import enum
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from flows import Catalog
from kiosk.catalog_report import catalog_message
from kiosk.commands import CommandRunner
from kiosk.controller_client import (
    AwaitingApproval,
    ControllerBusy,
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
from kiosk.retry import Circuit, Pacer, backoff
from kiosk.target import TargetKeeper
from wire import CAPABILITY_COMMANDS, CAPABILITY_TARGET

if TYPE_CHECKING:
    # Imported where a message is made: the pydantic models load with the first one, after
    # the menu's first frame (docs/touchscreen.md, cold start).
    from wire import (
        Heartbeat,
        HeartbeatAck,
        MaintenanceEventIn,
        RatingIn,
        RegisterRequest,
        StaffCallIn,
        TransactionIn,
    )

log = logging.getLogger(__name__)

# How often a pending kiosk asks whether it was approved.
PENDING_POLL_SECONDS = 30.0
# How often the outbox's retention period is applied.
PURGE_SECONDS = 3600.0
# A kiosk clock this far from the controller's is logged (the controller refuses
# transactions more than 10 minutes ahead with 425).
CLOCK_SKEW_WARNING = 60.0


class _Outcome(enum.Enum):
    ACKED = "acked"
    REFUSED = "refused"  # this row only: go on with the others
    STOP = "stop"  # the kiosk or the controller: stop this drain


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


_Row = TypeVar("_Row", bound=_Keyed)


class Enroller:
    """Gets and keeps this kiosk's enrollment, and knows when the kiosk must stop."""

    def __init__(
        self,
        store: EnrollmentStore,
        client: ControllerClient,
        request: RegisterRequest | Callable[[], RegisterRequest],
        controller_url: str,
    ) -> None:
        """`request`: the registration to send, or a function making it when first needed
        (an enrolled kiosk's start then makes no wire model before its menu)."""
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
        configured = self._request() if callable(self._request) else self._request
        request = configured
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
            configured.pairing_code or (held.pairing_code if held else ""),
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
    """Reports the catalog, drains the outbox and sends heartbeats until stopped.

    `now` is the time of day (acknowledgement times, the controller's clock skew); `clock`
    is monotonic seconds, which every wait is measured on. `pace` rows a second (0: no
    limit) with bursts of `burst` rows: after an outage the backlog ramps up from nothing.
    """

    def __init__(
        self,
        outbox: Outbox,
        client: ControllerClient,
        enroller: Enroller,
        *,
        status: Callable[[], Heartbeat] | None = None,
        catalog: Callable[[], Catalog] | None = None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        clock: Callable[[], float] = time.monotonic,
        pace: float = 20.0,
        burst: int = 50,
        rng: random.Random | None = None,
        commands: CommandRunner | None = None,
        on_ack: Callable[[HeartbeatAck], None] | None = None,
        target: TargetKeeper | None = None,
    ) -> None:
        self._outbox = outbox
        # The controller's target state (kiosk/target.py): asked for in every heartbeat,
        # followed after it.
        self._target = target
        # Told every heartbeat answer (the updater reads its release offer).
        self._on_ack = on_ack
        self._client = client
        self._enroller = enroller
        self._status = status
        self._catalog = catalog
        self._now = now
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self.circuit = Circuit(clock, self._rng)
        self._pacer = Pacer(clock, pace, burst)
        # (device token, catalog version) the controller acknowledged: a new enrollment or
        # a new catalog is reported again. Held in memory only, so a restart reports again.
        self._catalog_known: tuple[str, int] | None = None
        self._catalog_refusals = 0
        self._catalog_retry_at: float | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_beat = float("-inf")
        self._next_state_check: float | None = None
        self._next_purge = float("-inf")
        self.online = False
        # The controller's clock minus ours at the last heartbeat answer (None: not yet).
        self.clock_skew: float | None = None
        # Commands from heartbeat answers (kiosk/commands.py), and how soon the controller
        # asked for the next heartbeat (once; None: the regular interval).
        self._commands = commands
        self._beat_soon: float | None = None

    def ready(self) -> bool:
        """True when the kiosk may send: enrolled, approved, not stopped, circuit closed.

        A pending kiosk asks for its state at most every PENDING_POLL_SECONDS.
        """
        if self._enroller.blocked is not None or self.circuit.is_open:
            return False
        try:
            current = self._enroller.ensure()
            if not current.pending:
                return True
            now = self._clock()
            if self._next_state_check is not None and now < self._next_state_check:
                return False
            self._next_state_check = now + PENDING_POLL_SECONDS
            current = self._enroller.refresh_state()
        except ControllerUnreachable as err:
            self._unreachable(err)
            log.warning("controller unreachable: %s", err)
            return False
        except ControllerRejected:
            return False  # refused enrollment or revoked: the enroller has stopped the kiosk
        if current.pending:
            log.info("awaiting approval kiosk_id=%s", current.kiosk_id)
            return False
        log.info("approved kiosk_id=%s", current.kiosk_id)
        return True

    def _unreachable(self, err: ControllerUnreachable) -> None:
        """The controller did not answer: nothing more is tried until the circuit allows."""
        self.online = False
        pause = self.circuit.failed(at_least=err.retry_after)
        log.info("circuit open seconds=%.1f failures=%d", pause, self.circuit.failures)

    def _reached(self) -> None:
        self.online = True
        if self.circuit.succeeded():
            # Back from an outage: the backlog drains at the paced rate, not in one burst.
            self._pacer.restart()
            log.info("controller reachable again; paced drain")

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
            if self._catalog_retry_at is not None and self._clock() < self._catalog_retry_at:
                return False
            message = catalog_message(catalog)
            try:
                self._client.send_catalog(message, token)
            except NotAuthorised as err:
                token = self._enroller.lost(err)
                self._client.send_catalog(message, token)
        except ControllerBusy as err:
            # No answer from the controller itself (a proxy's 404, a 429): try again later.
            self._catalog_refusals += 1
            self._catalog_retry_at = self._clock() + backoff(self._catalog_refusals, self._rng)
            log.warning("catalog not reported version=%s reason=%s", catalog.version, err)
            return False
        except ControllerUnreachable as err:
            self._unreachable(err)
            log.warning("catalog not reported version=%s reason=%s", catalog.version, err)
            return False
        except (ControllerError, ValueError) as err:
            # ValueError: a title the wire refuses (pydantic's ValidationError is one).
            self._catalog_refusals += 1
            self._catalog_retry_at = self._clock() + backoff(self._catalog_refusals, self._rng)
            log.error("catalog refused version=%s reason=%s", catalog.version, err)
            return False
        self._reached()
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
        """Report the catalog if due, then send due rows, each once, as the pace allows.

        Return how many rows the controller acknowledged. A kiosk pending approval, revoked
        or refused sends nothing and its rows wait; so does every row once the controller
        stopped answering (the circuit is open): one timeout, not one per row.
        """
        if not self.ready():
            return 0
        self.report_catalog()
        acked = self._drain(self._outbox.claim_due, self._send_transaction)
        acked += self._drain(self._outbox.claim_due_ratings, self._send_rating)
        acked += self._drain(self._outbox.claim_due_staff_calls, self._send_staff_call)
        return acked + self._drain(
            self._outbox.claim_due_maintenance_events, self._send_maintenance_event
        )

    def _drain(self, claim: Callable[[], Sequence[_Row]], send: Callable[[_Row], _Outcome]) -> int:
        acked = 0
        while batch := claim():
            for i, row in enumerate(batch):
                if (
                    self._enroller.blocked is not None
                    or self.circuit.is_open
                    or not self._pacer.take()
                ):
                    self._outbox.release([r.key for r in batch[i:]])
                    return acked
                outcome = send(row)
                if outcome is _Outcome.ACKED:
                    acked += 1
                elif outcome is _Outcome.STOP:
                    self._outbox.release([r.key for r in batch[i + 1 :]])
                    return acked
        return acked

    def _send_transaction(self, txn: TransactionIn) -> _Outcome:
        try:
            token = self._enroller.ensure().device_token
            try:
                ack = self._client.send_transaction(txn, token)
            except NotAuthorised as err:
                ack = self._client.send_transaction(txn, self._renew(err))
        except ControllerUnreachable as err:
            return self._not_delivered(txn.key, txn.number, err)
        except (CredentialRevoked, EnrollmentRefused, AwaitingApproval) as err:
            # Not this row's fault: it waits for the kiosk to be let in again.
            self._defer(txn.key, err)
            log.warning("send held back number=%s reason=%s", txn.number, err)
            return _Outcome.STOP
        except ControllerRejected as err:
            # The controller itself refused these bytes for good (400, 404, 409 with a
            # different body, 422): kept as failed, reported in the heartbeat.
            self._outbox.mark_failed(txn.key, str(err))
            log.error("send refused number=%s reason=%s", txn.number, err)
            return _Outcome.REFUSED
        self._reached()
        self._outbox.mark_acked(txn.key, self._now())
        log.info("sent number=%s duplicate=%s", txn.number, ack.duplicate)
        return _Outcome.ACKED

    def _send_rating(self, rating: RatingIn) -> _Outcome:
        """A rating whose transaction has not arrived yet waits (404)."""
        try:
            self._client.send_rating(rating, self._enroller.ensure().device_token)
        except ControllerUnreachable as err:
            return self._not_delivered(rating.key, "rating", err)
        except (NotAuthorised, AwaitingApproval) as err:
            self._defer(rating.key, err)
            return _Outcome.STOP
        except ControllerRejected as err:
            if err.status == 404:  # its transaction is still on its way
                self._defer(rating.key, err)
            else:
                self._outbox.mark_failed(rating.key, str(err))
            return _Outcome.REFUSED
        self._reached()
        self._outbox.mark_acked(rating.key, self._now())
        return _Outcome.ACKED

    def _send_staff_call(self, call: StaffCallIn) -> _Outcome:
        """One the controller refuses for good is kept as failed."""
        try:
            token = self._enroller.ensure().device_token
            try:
                self._client.call_staff(call, token)
            except NotAuthorised as err:
                self._client.call_staff(call, self._renew(err))
        except ControllerUnreachable as err:
            return self._not_delivered(call.key, "staff call", err)
        except (CredentialRevoked, EnrollmentRefused, AwaitingApproval) as err:
            self._defer(call.key, err)
            return _Outcome.STOP
        except ControllerRejected as err:
            self._outbox.mark_failed(call.key, str(err))
            return _Outcome.REFUSED
        self._reached()
        self._outbox.mark_acked(call.key, self._now())
        log.info("staff call sent screen=%s", call.screen)
        return _Outcome.ACKED

    def _send_maintenance_event(self, event: MaintenanceEventIn) -> _Outcome:
        """A controller older than maintenance events answers 404: the event stays in the
        kiosk's journal only (it was logged when it happened) and leaves the outbox."""
        try:
            token = self._enroller.ensure().device_token
            try:
                self._client.send_maintenance_event(event, token)
            except NotAuthorised as err:
                self._client.send_maintenance_event(event, self._renew(err))
        except ControllerUnreachable as err:
            return self._not_delivered(event.key, "maintenance event", err)
        except (CredentialRevoked, EnrollmentRefused, AwaitingApproval) as err:
            self._defer(event.key, err)
            return _Outcome.STOP
        except ControllerRejected as err:
            if err.status == 404:
                self._reached()
                self._outbox.mark_acked(event.key, self._now())
                log.warning("maintenance event not taken kind=%s: controller too old", event.kind)
                return _Outcome.REFUSED
            self._outbox.mark_failed(event.key, str(err))
            return _Outcome.REFUSED
        self._reached()
        self._outbox.mark_acked(event.key, self._now())
        log.info("maintenance event sent kind=%s", event.kind)
        return _Outcome.ACKED

    def _not_delivered(self, key: str, number: str, err: ControllerUnreachable) -> _Outcome:
        """No answer, or "not now": the row waits; unless the answer was about this row
        alone, the controller is left alone for a while (the circuit opens)."""
        self._defer(key, err)
        log.warning("send deferred number=%s reason=%s", number, err)
        if isinstance(err, ControllerBusy) and err.about_this_row:
            return _Outcome.REFUSED
        self._unreachable(err)
        return _Outcome.STOP

    def _defer(self, key: str, err: Exception) -> None:
        entry = self._outbox.entry(key)
        delay = backoff(entry.attempts if entry else 1, self._rng)
        if isinstance(err, ControllerUnreachable):
            delay = max(delay, err.retry_after)
        self._outbox.mark_retry(key, str(err), delay)

    def beat(self) -> None:
        """Send one heartbeat now (not while the circuit is open)."""
        if self._status is None or not self.ready():
            return
        enrollment = self._enroller.ensure()
        read = self._status
        understood = frozenset(
            name
            for name, part in (
                (CAPABILITY_COMMANDS, self._commands),
                (CAPABILITY_TARGET, self._target),
            )
            if part is not None
        )

        def status() -> Heartbeat:
            # Say what we take (commands, a target): only then does the answer carry it.
            beat = read()
            return (
                beat.model_copy(update={"capabilities": beat.capabilities | understood})
                if understood
                else beat
            )

        try:
            try:
                ack = self._client.heartbeat(status(), enrollment.device_token)
            except NotAuthorised as err:
                ack = self._client.heartbeat(status(), self._renew(err))
        except ControllerUnreachable as err:
            self._unreachable(err)
            log.warning("heartbeat not delivered: %s", err)
            return
        self._reached()
        skew = (ack.server_time - self._now()).total_seconds()
        if abs(skew) > CLOCK_SKEW_WARNING and (
            self.clock_skew is None or abs(self.clock_skew) <= CLOCK_SKEW_WARNING
        ):
            log.warning("kiosk clock differs from the controller's seconds=%.0f", -skew)
        self.clock_skew = skew
        self._beat_soon = ack.next_heartbeat_seconds
        if self._commands is not None:
            self._commands.receive(ack.commands, ack.server_time)
        if self._target is not None:
            self._target.wanted(ack.target_version)
        if ack.rotate_credential:
            try:
                self._enroller.rotate()
            except ControllerError as err:
                # The old token still works; the next heartbeat asks again.
                log.warning("credential rotation failed: %s", err)
        if self._on_ack is not None:
            self._on_ack(ack)

    def run_commands(self) -> None:
        """Run the commands that may run now, then send the results the controller lacks."""
        if self._commands is None:
            return
        self._commands.run_due()
        for command_id, result in self._commands.unreported():
            if not self.ready():
                return
            try:
                token = self._enroller.ensure().device_token
                try:
                    self._client.send_command_result(command_id, result, token)
                except NotAuthorised as err:
                    self._client.send_command_result(command_id, result, self._renew(err))
            except ControllerUnreachable as err:
                self._unreachable(err)
                log.warning("command result not delivered id=%s: %s", command_id, err)
                return
            except ControllerRejected as err:
                # 404: the controller has no such command (deleted, or another
                # controller's); 422: a result it cannot take. Neither improves by retrying.
                log.error("command result refused id=%s: %s", command_id, err)
            self._commands.reported(command_id)

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

    def cycle(self) -> float:
        """One pass of the loop: beat if due, drain, purge if due; return the seconds to
        wait before the next pass."""
        now = self._clock()
        if now >= self._next_purge:
            self._outbox.purge()
            self._next_purge = now + PURGE_SECONDS
        enrollment = self._enroller.ensure()
        interval = float(enrollment.heartbeat_seconds)
        if enrollment.pending:
            interval = min(interval, PENDING_POLL_SECONDS)
        beat_in = self._last_beat + interval - self._clock()
        if beat_in <= 0 and not self.circuit.is_open:
            self._last_beat = self._clock()
            self.beat()
            beat_in = interval
            if self._beat_soon is not None:  # the controller's nudge, for this beat only
                beat_in = min(interval, self._beat_soon)
                self._last_beat -= interval - beat_in
        self.run_commands()
        if self._target is not None and not self.circuit.is_open:
            self._target.step()
        self.drain()
        if self.circuit.is_open:
            return self.circuit.wait()  # then the heartbeat or a row probes
        due = self._outbox.next_due_in()
        if due is not None and due <= 0:
            due = self._pacer.wait()  # rows are due: the pace says when
        return min(max(beat_in, 0.0), due) if due is not None else max(beat_in, 0.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.cycle()
            except ControllerUnreachable as err:  # enrolling: the controller is away
                self._unreachable(err)
                log.warning("controller unreachable: %s", err)
                wait = self.circuit.wait()
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
