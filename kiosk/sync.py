"""Moving the outbox to the controller and reporting health, on a thread of its own.

A network gone for a day costs nothing but time: rows wait in the outbox with exponential
back-off (capped), and a refusal for good is kept as failed for ops. The rows are sent by
kiosk/delivery.py; the loop here owns the connection (online, the circuit, the pace), the
heartbeat, the commands' results and the catalog report.

Enrollment (docs/enrollment.md; kiosk/enroller.py, `Enroller`):
while pending the kiosk sends nothing but a question about its state, every
PENDING_POLL_SECONDS at most, and its outbox waits untouched; a revoked or refused kiosk
sends nothing until a technician acts. When a heartbeat's answer asks for it, the kiosk
rotates its token, saving the new one before it uses it.

Before the outbox is drained, the controller is told what the kiosk's catalog calls its
services (kiosk/catalog_report.py), so that it can name a transaction to the citizen from
the moment it arrives: once per enrollment and catalog version, again after a failure.
A catalog the controller cannot take never holds back a transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from flows import Catalog
from kiosk.catalog_report import catalog_message
from kiosk.commands import CommandRunner
from kiosk.controller_client import (
    ControllerBusy,
    ControllerClient,
    ControllerError,
    ControllerRejected,
    ControllerUnreachable,
    NotAuthorised,
)
from kiosk.delivery import Delivery
from kiosk.enroller import Enroller
from kiosk.outbox import Outbox, State
from kiosk.retry import Circuit, Pacer, backoff
from kiosk.target import TargetKeeper
from wire import CAPABILITY_COMMANDS, CAPABILITY_TARGET

if TYPE_CHECKING:
    # Imported where a message is made: the pydantic models load with the first one, after
    # the menu's first frame (docs/touchscreen.md, cold start).
    from wire import Heartbeat, HeartbeatAck

__all__ = ["CLOCK_SKEW_WARNING", "PENDING_POLL_SECONDS", "PURGE_SECONDS", "SyncLoop"]

log = logging.getLogger(__name__)

# How often a pending kiosk asks whether it was approved.
PENDING_POLL_SECONDS = 30.0
# How often the outbox's retention period is applied.
PURGE_SECONDS = 3600.0
# A kiosk clock this far from the controller's is logged (the controller refuses
# transactions more than 10 minutes ahead with 425).
CLOCK_SKEW_WARNING = 60.0


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
        self._delivery = Delivery(
            outbox,
            client,
            enroller,
            reached=self._reached,
            unreachable=self._unreachable,
            renew=self._renew,
            circuit=self.circuit,
            pacer=self._pacer,
            now=now,
            rng=self._rng,
        )
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
        return self._delivery.send_due()

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
