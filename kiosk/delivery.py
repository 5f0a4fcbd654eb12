"""Sending the outbox's due rows to the controller, each once, as the pace allows.

Transactions, ratings, staff calls and maintenance events, in that order. A row the
controller cannot take now waits with exponential back-off (capped, at least what a
Retry-After asked); one it refuses for good is kept as failed for ops (reported in the
heartbeat); one that is not its own fault (the kiosk revoked, refused, awaiting approval)
waits for the kiosk to be let in again and stops the drain. The sync loop (kiosk/sync.py)
owns the connection's state, which it is told of every answer.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from kiosk.controller_client import (
    AwaitingApproval,
    ControllerBusy,
    ControllerClient,
    ControllerRejected,
    ControllerUnreachable,
    CredentialRevoked,
    EnrollmentRefused,
    NotAuthorised,
)
from kiosk.enroller import Enroller
from kiosk.outbox import Outbox
from kiosk.retry import Circuit, Pacer, backoff

if TYPE_CHECKING:
    from wire import MaintenanceEventIn, RatingIn, StaffCallIn, TransactionIn

log = logging.getLogger(__name__)


class _Outcome(enum.Enum):
    ACKED = "acked"
    REFUSED = "refused"  # this row only: go on with the others
    STOP = "stop"  # the kiosk or the controller: stop this drain


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


_Row = TypeVar("_Row", bound=_Keyed)


class Delivery:
    """Sends the outbox's due rows of every kind, paced, until the circuit opens."""

    def __init__(
        self,
        outbox: Outbox,
        client: ControllerClient,
        enroller: Enroller,
        *,
        reached: Callable[[], None],
        unreachable: Callable[[ControllerUnreachable], None],
        renew: Callable[[NotAuthorised], str],
        circuit: Circuit,
        pacer: Pacer,
        now: Callable[[], dt.datetime],
        rng: random.Random,
    ) -> None:
        self._outbox = outbox
        self._client = client
        self._enroller = enroller
        # The sync loop's: it owns the connection's state (online, the circuit's failures)
        # and a refused token's renewal, which reports the catalog again first.
        self._reached = reached
        self._unreachable = unreachable
        self._renew = renew
        self._circuit = circuit
        self._pacer = pacer
        self._now = now
        self._rng = rng

    def send_due(self) -> int:
        """Send the due rows, kind by kind; return how many the controller acknowledged."""
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
                    or self._circuit.is_open
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
