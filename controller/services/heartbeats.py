"""Heartbeat ingest without a database write per heartbeat.

A fleet of 20,000 kiosks beating every 30 s sends ~670 heartbeats a second, and nearly all
of them say what the last one said. Committing each (one fsync on SQLite, one round trip
and WAL flush on PostgreSQL, all writers queued on one lock) was where the time went. So:

- **The device-token check is cached**: a token's kiosk, looked up through
  `Credentials.authenticate`, kept under the token's sha256. Every `revalidate_seconds`
  (2 s) one query reads every kiosk's stored credential, enrollment state, status and
  health version (`revalidate`);
  an entry whose row changed or is gone is dropped, the others are good for `ttl_seconds`
  (5 s) more. So a revoked or replaced token stops working within about 2 s on every
  replica (5 s at worst, if revalidation fails), and at once on the replica that calls
  `forget(kiosk_id)` (`Enrollment` does once an enrollment, approval, rejection,
  revocation or decommissioning is committed). A kiosk beats every 30 s: a cache that
  simply expired after a few seconds would miss on every heartbeat. This is the only cache
  of device credentials; `_CURRENT` is the one query to change if credentials move to a
  table of their own.
- **A heartbeat that changes nothing is kept in memory** (`accept`): the kiosk's status,
  health colour, health reasons and alert conditions it implies are the ones last recorded
  (read with the token, or left by the last write) and the kiosk is online (seen within the
  offline window). Only the newest such heartbeat per kiosk is kept; `flush()` writes them
  every `flush_seconds` (1 s) in one transaction, one executemany UPDATE.
- **Anything else is written at once** (`record`): a new colour, reason or condition, a
  status change, a kiosk back from offline, a kiosk not in the cache: `Fleet.heartbeat`
  commits it with its health change and alerts, before the kiosk gets its answer, as before.

What a crash loses: the last `flush_seconds` of "last seen" and of the counters a heartbeat
carries (outbox size, clock skew, device reasons, vitals), never a state change and never a
transaction (transactions do not come through here and still commit before their answer).

Several replicas stay correct: each flushes its own buffer; a flush only moves
`last_seen_at` forward (`WHERE last_seen_at < :new`), so an old heartbeat flushed late by
one replica never hides a newer one written by another, and flushing twice changes
nothing. A state another replica or the sweep wrote is seen here at the next revalidation
(its health version moved: the entry is dropped and read again on the kiosk's next
heartbeat), and a kiosk marked offline is never taken for online: the fast path
needs a heartbeat within the offline window, and the sweep flushes this replica's buffer
(`Sweeper(flush=...)`) before it looks for kiosks gone quiet. Another replica's buffer is
at most `flush_seconds` behind, against an offline window of 3 heartbeat intervals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.db import Database
from controller.logs import event
from controller.models import Kiosk, KioskHealthNow
from controller.services.alert_conditions import conditions
from controller.services.alerts import Alerts
from controller.services.credentials import Credentials
from controller.services.errors import NotAuthenticated
from controller.services.fleet import OFFLINE_AFTER_MISSED_HEARTBEATS, Fleet
from controller.services.health import KioskFacts
from controller.services.kiosktime import SENT_AT
from wire import Heartbeat, HeartbeatAck

log = logging.getLogger(__name__)

# (status, health, health reason keys, alert conditions): what a heartbeat may not change
# without being written at once.
State = tuple[str, str, tuple[str, ...], frozenset[str]]

_KIOSKS: Table = Kiosk.__table__  # type: ignore[assignment]  # a Table, typed loosely
# One statement for every buffered heartbeat; parameters are named b_* because SQLAlchemy
# reserves the column names for the SET clause.
_FLUSH = (
    update(_KIOSKS)
    .where(
        _KIOSKS.c.id == bindparam("b_pk"),
        # Only forward: a late flush never hides a newer heartbeat written elsewhere.
        or_(_KIOSKS.c.last_seen_at.is_(None), _KIOSKS.c.last_seen_at < bindparam("b_seen")),
    )
    .values(
        last_seen_at=bindparam("b_seen", type_=_KIOSKS.c.last_seen_at.type),
        status=bindparam("b_status"),
        devices=bindparam("b_devices", type_=_KIOSKS.c.devices.type),
        outbox_pending=bindparam("b_outbox"),
        starts_last_hour=bindparam("b_starts"),
        clock_skew_seconds=bindparam("b_skew"),
        vitals=bindparam("b_vitals", type_=_KIOSKS.c.vitals.type),
        # An empty software_version means "not said", as in Fleet.heartbeat.
        software_version=func.coalesce(
            func.nullif(bindparam("b_version", type_=_KIOSKS.c.software_version.type), ""),
            _KIOSKS.c.software_version,
        ),
    )
)


# What revalidation compares with the cache: the credential, enrollment state, status and
# health version.
_CURRENT = select(
    _KIOSKS.c.id,
    _KIOSKS.c.token_hash,
    _KIOSKS.c.state,
    _KIOSKS.c.status,
    KioskHealthNow.version,
).outerjoin(KioskHealthNow, KioskHealthNow.kiosk_pk == _KIOSKS.c.id)


def token_key(token: str) -> str:
    """How a device token is kept in the cache: its sha256, never the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class KnownKiosk:
    """A kiosk whose device token was checked recently, and its state as last recorded."""

    key: str  # token_key of the token it was checked with
    pk: int
    kiosk_id: str
    credential: str  # the stored token hash the token matched
    enrollment: str  # the kiosk's enrollment state then (active: only those are cached)
    checked_at: float  # monotonic seconds, when the entry was last found current
    last_seen_at: dt.datetime | None
    state: State | None  # None before its first health assessment
    version: int | None  # kiosk_health.version the state was read at
    rotate_due_at: dt.datetime  # when its token is due for rotation (HeartbeatAck)

    def matches(self, credential: str, enrollment: str, status: str, version: int | None) -> bool:
        """True when the kiosk's row still says what this entry was made from."""
        return (
            credential == self.credential
            and enrollment == self.enrollment
            and version == self.version
            and (self.state is None or status == self.state[0])
        )


@dataclass(frozen=True)
class _Beat:
    """The newest heartbeat of a kiosk not yet written."""

    seen: dt.datetime
    status: str
    devices: dict[str, Any]
    outbox_pending: int
    starts_last_hour: int
    clock_skew_seconds: int
    software_version: str
    vitals: dict[str, Any] | None = None


def _state(kiosk: Kiosk, health: KioskHealthNow | None) -> State | None:
    if health is None:
        return None
    reasons = tuple(health.reasons or ())
    return kiosk.status, health.health, reasons, frozenset(health.conditions or ())


class HeartbeatIngest:
    """Checks device tokens through a short cache and writes unchanging heartbeats in batches."""

    def __init__(
        self,
        db: Database,
        fleet: Fleet,
        alerts: Alerts,
        credentials: Credentials,
        clock: Clock = utc_now,
        *,
        ttl_seconds: float = 5.0,
        flush_seconds: float = 1.0,
        revalidate_seconds: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._fleet = fleet
        self._alerts = alerts
        self._credentials = credentials
        self._clock = clock
        self.ttl_seconds = ttl_seconds
        self.flush_seconds = flush_seconds
        self.revalidate_seconds = revalidate_seconds
        self._monotonic = monotonic
        self._offline_after = dt.timedelta(
            seconds=fleet.heartbeat_seconds * OFFLINE_AFTER_MISSED_HEARTBEATS
        )
        # One lock for both maps: the event loop, the thread pool and the flusher share them.
        self._lock = threading.Lock()
        self._known: dict[str, KnownKiosk] = {}  # by token_key
        self._by_pk: dict[int, KnownKiosk] = {}  # the same entries, one per kiosk
        self._pending: dict[int, _Beat] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- device tokens -------------------------------------------------------------------

    def cached(self, token: str | None) -> KnownKiosk | None:
        """The kiosk of a token checked less than `ttl_seconds` ago; None: ask `load`."""
        if not token:
            return None
        key = token_key(token)
        with self._lock:
            known = self._known.get(key)
            if known is not None and self._monotonic() - known.checked_at > self.ttl_seconds:
                self._drop(known)
                known = None
        return known

    def load(self, token: str | None) -> KnownKiosk:
        """Check the token against the database (NotAuthenticated if it fails) and cache it."""
        with self._db.session() as session:
            checked_at = self._monotonic()
            kiosk = self._credentials.authenticate(session, token)
            health = self._alerts.book.current(session, kiosk)
            known = KnownKiosk(
                token_key(token or ""),
                kiosk.id,
                kiosk.kiosk_id,
                kiosk.token_hash,
                kiosk.state,
                checked_at,
                kiosk.last_seen_at,
                _state(kiosk, health),
                health.version if health is not None else None,
                self._credentials.rotation_due_at(kiosk),
            )
        with self._lock:
            earlier = self._by_pk.get(known.pk)
            if earlier is not None:  # one entry per kiosk: its newest token
                self._drop(earlier)
            self._known[known.key] = known
            self._by_pk[known.pk] = known
        return known

    def _drop(self, known: KnownKiosk) -> None:
        """Remove an entry from both maps (the caller holds the lock)."""
        if self._known.get(known.key) is known:
            del self._known[known.key]
        if self._by_pk.get(known.pk) is known:
            del self._by_pk[known.pk]

    def forget(self, kiosk_id: str) -> None:
        """Drop every cached token of this kiosk: call on revocation, rotation, re-enrollment."""
        with self._lock:
            for known in [v for v in self._known.values() if v.kiosk_id == kiosk_id]:
                self._drop(known)

    def forget_all(self) -> None:
        """Drop every cached token (a fleet-wide revocation)."""
        with self._lock:
            self._known.clear()
            self._by_pk.clear()

    # -- heartbeats ----------------------------------------------------------------------

    def accept(self, known: KnownKiosk, beat: Heartbeat) -> HeartbeatAck | None:
        """Keep a heartbeat that changes nothing for the next flush; None: `record` it.

        Raises BadMessage for a `sent_at` outside the window, as `Fleet.heartbeat` does.
        """
        now = self._clock()
        SENT_AT.check("Heartbeat", "sent_at", beat.sent_at, now)
        seen = known.last_seen_at
        if known.state is None or seen is None or now - seen > self._offline_after:
            return None
        devices = {str(name): h.model_dump(mode="json") for name, h in beat.devices.items()}
        skew = round((beat.sent_at - now).total_seconds())
        # Vitals change every beat (uptime, memory): they ride the batch; only the alert
        # conditions they imply (in `state`) can make a heartbeat a change.
        vitals = beat.vitals.model_dump(mode="json") if beat.vitals is not None else None
        facts = KioskFacts.reported(
            status=beat.status.value,
            devices=devices,
            outbox_pending=beat.outbox_pending,
            clock_skew=float(skew),
            starts_last_hour=beat.starts_last_hour,
            vitals=vitals,
        )
        assessment = self._alerts.assess(facts)
        state: State = (
            beat.status.value,
            assessment.health.value,
            tuple(assessment.keys),
            conditions(facts, self._alerts.thresholds),
        )
        if state != known.state:
            return None
        pending = _Beat(
            now,
            beat.status.value,
            devices,
            beat.outbox_pending,
            beat.starts_last_hour,
            skew,
            beat.software_version,
            vitals,
        )
        with self._lock:
            known.last_seen_at = max(seen, now)
            earlier = self._pending.get(known.pk)
            if earlier is None or earlier.seen <= now:
                self._pending[known.pk] = pending
        return HeartbeatAck(server_time=now)

    def record(self, known: KnownKiosk, beat: Heartbeat) -> HeartbeatAck:
        """Write a heartbeat at once, with its health change and alerts (Fleet.heartbeat)."""
        with self._db.session() as session:
            kiosk = session.get(Kiosk, known.pk)
            if kiosk is None:  # deleted since its token was checked
                self.forget(known.kiosk_id)
                raise NotAuthenticated("device token not recognised; register the kiosk again")
            with self._lock:
                buffered = self._pending.pop(known.pk, None)
            if buffered is not None and (
                kiosk.last_seen_at is None or kiosk.last_seen_at < buffered.seen
            ):
                # Judge "was it online" by its newest heartbeat, written or not.
                kiosk.last_seen_at = buffered.seen
            ack = self._fleet.heartbeat(session, kiosk, beat)
            # Read back what is recorded now: another writer may have won a health change.
            health = self._alerts.book.current(session, kiosk)
            with self._lock:
                known.last_seen_at = kiosk.last_seen_at
                known.state = _state(kiosk, health)
                known.version = health.version if health is not None else None
        return ack

    def flush(self) -> int:
        """Write every buffered heartbeat in one transaction; how many were written."""
        with self._lock:
            batch, self._pending = self._pending, {}
        if not batch:
            return 0
        rows = [
            {
                "b_pk": pk,
                "b_seen": b.seen,
                "b_status": b.status,
                "b_devices": b.devices,
                "b_outbox": b.outbox_pending,
                "b_starts": b.starts_last_hour,
                "b_skew": b.clock_skew_seconds,
                "b_version": b.software_version,
                "b_vitals": b.vitals,
            }
            # In key order, so two replicas flushing the same kiosks never deadlock.
            for pk, b in sorted(batch.items())
        ]
        try:
            with self._db.session() as session, session.begin():
                self._write(session, rows)
        except Exception:
            with self._lock:
                for pk, b in batch.items():  # keep them for the next flush unless superseded
                    self._pending.setdefault(pk, b)
            raise
        return len(rows)

    @staticmethod
    def _write(session: Session, rows: list[dict[str, Any]]) -> None:
        session.execute(_FLUSH, rows)

    def revalidate(self) -> int:
        """Compare every cached kiosk with its row in one query; drop the changed; how many.

        An entry whose kiosk has no row any more is not renewed, so it expires.
        """
        if not self._by_pk:
            return 0
        # Taken before the query: an entry found current is current as of this moment.
        checked_at = self._monotonic()
        changed = []
        with self._db.session() as session:
            # Row by row against the standing index, nothing kept: a dict of 20,000 entries
            # made per pass outlived the young generations and brought a full garbage
            # collection (~90 ms, every heartbeat waiting) every third pass.
            for pk, credential, enrollment, status, version in session.execute(_CURRENT):
                known = self._by_pk.get(pk)
                if known is None:
                    continue
                if known.matches(credential, enrollment, status, version):
                    known.checked_at = max(known.checked_at, checked_at)
                else:
                    changed.append(known)
        with self._lock:
            for known in changed:
                self._drop(known)
        return len(changed)

    @property
    def pending(self) -> int:
        """How many kiosks have a heartbeat waiting for the next flush."""
        with self._lock:
            return len(self._pending)

    # -- the flusher thread --------------------------------------------------------------

    def start(self) -> None:
        """Flush every `flush_seconds` in a daemon thread until `stop`."""
        if self._thread is not None:
            raise RuntimeError("the heartbeat flusher is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="heartbeats", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread, then write what is still buffered (shutdown loses nothing)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.flush()

    def _loop(self) -> None:
        revalidated = self._monotonic()
        while not self._stop.wait(self.flush_seconds):
            try:
                self.flush()
                if self._monotonic() - revalidated >= self.revalidate_seconds:
                    revalidated = self._monotonic()
                    self.revalidate()
            except Exception as err:  # noqa: BLE001 - the top of a worker thread: log, go on
                event(log, "heartbeat_flush_failed", logging.ERROR, error=type(err).__name__)
