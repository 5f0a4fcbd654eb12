"""The kiosk's durable outbox: a transaction is on disk before the citizen sees "success".

States (STYLE rule 14): pending -> in_flight -> acked; failed when the controller refuses
a row for good, quarantined when the kiosk itself cannot read it back (a replaced key file,
a payload an update cannot parse). Failed and quarantined rows are kept for ops and never
block the others; their personal data is erased after the retention period. In-flight rows
go back to pending on start, because a crash between send and ack must lead to a resend,
which the controller drops as a duplicate by key. Payloads are sealed with AES-GCM bound
to their key; once acknowledged, the payload is erased and only the bookkeeping stays.

Retry times are on the monotonic clock (a wall clock stepped backwards must not stall the
backlog); a restart makes every pending row due, since the monotonic clock restarted too.
Every row carries a sequence number, counting up per kiosk, so the controller can see a
gap. The outbox is bounded (`Limits`): at capacity, or when the disk is full, `add` raises
OutboxFull and the kiosk stops taking applications and says why; nothing already stored
is ever dropped to make room, only acknowledged bookkeeping past the retention period.
The tables, and the rebuild of an older release's outbox, are kiosk/outbox_schema.py.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from kiosk.outbox_schema import migrate
from pii import Sealer, SealError
from wire import WireError

if TYPE_CHECKING:
    # Imported where a message is made: the pydantic models load with the first one, after
    # the menu's first frame (docs/touchscreen.md, cold start).
    from wire import MaintenanceEventIn, Message, RatingIn, StaffCallIn, TransactionIn

log = logging.getLogger(__name__)

_M = TypeVar("_M", bound="Message")
# Every kind of row the outbox queues (`_insert` callers).
_KINDS = ("transaction", "rating", "staff_call", "maintenance")
_INSERT = (
    "INSERT INTO outbox (key, kind, number, service, created_at, state, next_attempt_at, sealed)"
    " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (key) DO NOTHING"
)


class State(enum.StrEnum):
    """Where a row is on its way to the controller."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    ACKED = "acked"
    FAILED = "failed"  # the controller refused it for good
    QUARANTINED = "quarantined"  # the kiosk cannot read it back


# Rows that still need the controller, or ops: what counts against the capacity.
_HELD = (State.PENDING, State.IN_FLIGHT, State.FAILED, State.QUARANTINED)


@dataclass(frozen=True)
class Limits:
    """How much the outbox may hold and how long it keeps what it cannot deliver.

    50,000 rows is more than 30 days of a busy station (a few hundred visits a day).
    """

    capacity: int = 50_000
    warn_fraction: float = 0.8
    retention_days: int = 30


class OutboxFull(Exception):
    """Nothing more can be stored: at capacity, or the disk is full. Nothing was lost."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    """Bookkeeping of one outbox row, without the personal payload."""

    key: str
    number: str
    service: str
    state: State
    attempts: int
    last_error: str | None
    seq: int | None = None


@dataclass(frozen=True)
class Usage:
    """How full the outbox is, for the heartbeat and the menu."""

    held: int
    capacity: int
    warn_fraction: float

    @property
    def fraction(self) -> float:
        """Held rows as a share of the capacity."""
        return self.held / self.capacity if self.capacity else 1.0

    @property
    def warning(self) -> bool:
        """At or past the warning mark (80 % by default)."""
        return self.fraction >= self.warn_fraction

    @property
    def full(self) -> bool:
        """No room for another row."""
        return self.held >= self.capacity


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _is_disk_full(err: sqlite3.Error) -> bool:
    return isinstance(err, sqlite3.OperationalError) and "full" in str(err).lower()


class Outbox:
    """A SQLite outbox; safe to use from the UI thread and the sync thread at once.

    `clock` is monotonic seconds (retry times); `wall` the time of day (retention).
    """

    def __init__(
        self,
        path: Path,
        sealer: Sealer,
        *,
        clock: Callable[[], float],
        wall: Callable[[], dt.datetime] = _utc_now,
        limits: Limits = Limits(),
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a power cut right after "success" on screen must not lose the row.
        self._db.execute("PRAGMA synchronous=FULL")
        migrate(self._db)
        self._lock = threading.Lock()
        self._sealer = sealer
        self._clock = clock
        self._wall = wall
        self.limits = limits
        # Rows held against the capacity, counted once here and then kept up to date under
        # the lock: counting them on every add cost a scan that grew with the backlog (0.9 ms
        # at 20,000 waiting rows, more than the durable write itself on a fast disk).
        self._held = 0
        self._recover()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextmanager
    def _bookkeeping_locked(self) -> Iterator[sqlite3.Connection]:
        """One transaction of bookkeeping a power cut may lose, written without an fsync.

        Claims, acknowledgements, retry times: losing any of them on a power cut leads to
        a resend (an in-flight row goes back to pending on start), which the controller
        drops as a duplicate by key. Syncing them cost two fsyncs per delivered row, which
        halved the drain; new rows (`_insert`) and resealed payloads keep synchronous=FULL.
        """
        self._db.execute("PRAGMA synchronous=NORMAL")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        finally:
            self._db.execute("PRAGMA synchronous=FULL")

    def _recover(self) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = ? WHERE state = ?", (State.PENDING, State.IN_FLIGHT)
            )
            # Retry times were on the monotonic clock of a process that is gone.
            self._db.execute(
                "UPDATE outbox SET next_attempt_at = 0 WHERE state = ?", (State.PENDING,)
            )
            self._held = self._count_held_locked()

    def next_number(self, kiosk_id: str, now: dt.datetime) -> str:
        """Allocate the next human-readable transaction number: KIOSK-YYMMDDNNNN."""
        day = now.strftime("%y%m%d")
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT seq FROM counters WHERE day = ?", (day,)).fetchone()
            seq = (row[0] if row else 0) + 1
            self._db.execute("INSERT OR REPLACE INTO counters (day, seq) VALUES (?, ?)", (day, seq))
        return f"{kiosk_id}-{day}{seq:04d}"

    def add(self, txn: TransactionIn) -> None:
        """Store a transaction durably; adding the same key again changes nothing.

        OutboxFull when there is no room (capacity or disk): nothing was stored.
        """
        sealed = self._sealer.seal(txn.model_dump_json(), txn.key.encode())
        created = txn.created_at.isoformat()
        self._insert(txn.key, "transaction", txn.number, txn.service, created, sealed)

    def add_rating(self, rating: RatingIn) -> None:
        """Queue a rating (it carries no identity); the same key again changes nothing."""
        sealed = self._sealer.seal(rating.model_dump_json(), rating.key.encode())
        created = self._wall().isoformat()
        self._insert(rating.key, "rating", f"rating:{rating.key}", rating.service, created, sealed)

    def _insert(
        self, key: str, kind: str, number: str, service: str, created: str, sealed: bytes
    ) -> None:
        # One statement, its own transaction (synchronous=FULL: on disk when it returns);
        # the sequence number is the rowid it gets. Due from now: claims take rows in the
        # order they became due.
        with self._lock:
            try:
                if self._held >= self.limits.capacity:
                    if self._db.execute("SELECT 1 FROM outbox WHERE key = ?", (key,)).fetchone():
                        return  # already stored: nothing new to make room for
                    held, capacity = self._held, self.limits.capacity
                    raise OutboxFull(f"outbox at capacity ({held} of {capacity})")
                done = self._db.execute(
                    _INSERT, (key, kind, number, service, created, self._clock(), sealed)
                )
                self._held += done.rowcount  # 0: the key was stored already
            except sqlite3.Error as err:
                if self._db.in_transaction:  # a statement's own transaction rolls back alone
                    self._db.execute("ROLLBACK")
                if _is_disk_full(err):
                    raise OutboxFull("the disk is full") from err
                raise

    def _count_held_locked(self) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM outbox WHERE state IN (?, ?, ?, ?)", _HELD
        ).fetchone()
        return int(row[0])

    def add_staff_call(self, call: StaffCallIn) -> None:
        """Queue a citizen's call for staff (where, never who); the same key changes nothing."""
        sealed = self._sealer.seal(call.model_dump_json(), call.key.encode())
        created = call.created_at.isoformat()
        self._insert(call.key, "staff_call", f"staff:{call.key}", "staff_call", created, sealed)

    def claim_due_staff_calls(self, limit: int = 20) -> list[StaffCallIn]:
        """Mark up to `limit` due staff calls in flight and return them."""
        from wire import StaffCallIn

        return self._claim("staff_call", StaffCallIn, limit)

    def add_maintenance_event(self, event: MaintenanceEventIn) -> None:
        """Queue a maintenance event (facts, never people); the same key changes nothing."""
        sealed = self._sealer.seal(event.model_dump_json(), event.key.encode())
        created = event.created_at.isoformat()
        number = f"maintenance:{event.key}"
        self._insert(event.key, "maintenance", number, "maintenance", created, sealed)

    def claim_due_maintenance_events(self, limit: int = 20) -> list[MaintenanceEventIn]:
        """Mark up to `limit` due maintenance events in flight and return them."""
        from wire import MaintenanceEventIn

        return self._claim("maintenance", MaintenanceEventIn, limit)

    def claim_due(self, limit: int = 20) -> list[TransactionIn]:
        """Mark up to `limit` due transactions in flight and return them.

        A row that cannot be opened or parsed is quarantined instead, with its reason.
        """
        from wire import TransactionIn

        return self._claim("transaction", TransactionIn, limit)

    def claim_due_ratings(self, limit: int = 20) -> list[RatingIn]:
        """Mark up to `limit` due ratings in flight and return them (unreadable: quarantined)."""
        from wire import RatingIn

        return self._claim("rating", RatingIn, limit)

    def _claim(self, kind: str, model: type[_M], limit: int) -> list[_M]:
        from wire import parse

        now = self._clock()
        with self._lock, self._bookkeeping_locked():
            # The index's order: the rows that became due first, then by sequence.
            rows = self._db.execute(
                "SELECT key, sealed FROM outbox WHERE state = ? AND kind = ?"
                " AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?",
                (State.PENDING, kind, now, limit),
            ).fetchall()
            claimed: list[_M] = []
            for key, blob in rows:
                try:
                    if blob is None:
                        raise SealError("the payload is gone")
                    claimed.append(parse(model, self._sealer.open(blob, key.encode())))
                except (SealError, WireError) as err:
                    self._end_locked(key, State.QUARANTINED, f"unreadable: {err}")
                    log.error("outbox row quarantined key=%s reason=%s", key[:8], err)
                    continue
                self._db.execute(
                    "UPDATE outbox SET state = ?, attempts = attempts + 1 WHERE key = ?",
                    (State.IN_FLIGHT, key),
                )
        return claimed

    def mark_acked(self, key: str, when: dt.datetime) -> None:
        """The controller has it: erase the payload, keep the bookkeeping."""
        with self._lock:
            with self._bookkeeping_locked():
                done = self._db.execute(
                    "UPDATE outbox SET state = ?, sealed = NULL, last_error = NULL, acked_at = ?,"
                    " ended_at = ? WHERE key = ? AND state != ?",
                    (State.ACKED, when.isoformat(), self._wall().isoformat(), key, State.ACKED),
                )
            self._held -= done.rowcount  # after the commit: a rollback changed nothing

    def mark_retry(self, key: str, error: str, delay: float) -> None:
        """Sending failed for a passing reason: try again after `delay` seconds."""
        with self._lock, self._bookkeeping_locked():
            self._db.execute(
                "UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ? WHERE key = ?",
                (State.PENDING, error[:500], self._clock() + delay, key),
            )

    def release(self, keys: list[str]) -> None:
        """Claimed rows that were not tried (the controller went away): pending, due now,
        their attempt not counted."""
        with self._lock, self._bookkeeping_locked():
            self._db.executemany(
                "UPDATE outbox SET state = ?, attempts = MAX(attempts - 1, 0) WHERE key = ?"
                " AND state = ?",
                [(State.PENDING, key, State.IN_FLIGHT) for key in keys],
            )

    def mark_failed(self, key: str, error: str) -> None:
        """The controller refused it for good: keep it for ops to look at."""
        with self._lock:
            self._end_locked(key, State.FAILED, error)

    def _end_locked(self, key: str, state: State, error: str) -> None:
        self._db.execute(
            "UPDATE outbox SET state = ?, last_error = ?, ended_at = ? WHERE key = ?",
            (state, error[:500], self._wall().isoformat(), key),
        )

    def reseal(self, sealer: Sealer) -> int:
        """Seal every stored payload again with `sealer` (a rotated key that still opens
        the old one's); from now on it seals new rows. A payload neither key opens is
        quarantined. Return how many were sealed again."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key, sealed FROM outbox WHERE sealed IS NOT NULL"
            ).fetchall()
            done = 0
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for key, blob in rows:
                    try:
                        plain = sealer.open(blob, key.encode())
                    except SealError as err:
                        self._end_locked(key, State.QUARANTINED, f"unreadable: {err}")
                        continue
                    self._db.execute(
                        "UPDATE outbox SET sealed = ? WHERE key = ?",
                        (sealer.seal(plain, key.encode()), key),
                    )
                    done += 1
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._sealer = sealer
        log.info("outbox sealed again with a new key rows=%d", done)
        return done

    def purge(self) -> int:
        """Apply the retention period; return how many rows it touched.

        Failed and quarantined rows keep their bookkeeping but lose their personal data;
        acknowledged rows' bookkeeping is deleted. Pending rows are never touched.
        """
        cutoff = (self._wall() - dt.timedelta(days=self.limits.retention_days)).isoformat()
        with self._lock:
            erased = self._db.execute(
                "UPDATE outbox SET sealed = NULL WHERE state IN (?, ?) AND sealed IS NOT NULL"
                " AND ended_at IS NOT NULL AND ended_at < ?",
                (State.FAILED, State.QUARANTINED, cutoff),
            ).rowcount
            deleted = self._db.execute(
                "DELETE FROM outbox WHERE state = ? AND COALESCE(ended_at, acked_at) < ?",
                (State.ACKED, cutoff),
            ).rowcount
        if erased or deleted:
            log.info("outbox retention erased=%d deleted=%d", erased, deleted)
        return erased + deleted

    def counts(self) -> dict[State, int]:
        """How many rows are in each state."""
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
        counts = dict.fromkeys(State, 0)
        counts.update({State(s): n for s, n in rows})
        return counts

    def usage(self) -> Usage:
        """How full the outbox is against its capacity."""
        with self._lock:
            held = self._held
        return Usage(held, self.limits.capacity, self.limits.warn_fraction)

    def oldest_pending(self) -> dt.datetime | None:
        """When the oldest row not yet acknowledged was made; None when none waits."""
        with self._lock:
            rows = self._db.execute(
                "SELECT created_at FROM outbox WHERE state IN (?, ?)",
                (State.PENDING, State.IN_FLIGHT),
            ).fetchall()
        # Parsed, not compared as text: rows may carry different UTC offsets.
        made = [dt.datetime.fromisoformat(row[0]) for row in rows]
        return min(made, default=None)

    def entry(self, key: str) -> Entry | None:
        """The bookkeeping of one row."""
        with self._lock:
            row = self._db.execute(
                "SELECT key, number, service, state, attempts, last_error, seq FROM outbox"
                " WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        # Rows from before sequences were numbered below 1 when the table was rebuilt.
        seq = row[6] if row[6] > 0 else None
        return Entry(row[0], row[1], row[2], State(row[3]), row[4], row[5], seq)

    def waiting(self, key: str) -> bool:
        """The row is kept here and still to be sent (pending or in flight)."""
        entry = self.entry(key)
        return entry is not None and entry.state in (State.PENDING, State.IN_FLIGHT)

    def seq_of(self, key: str) -> int | None:
        """The row's sequence number (None for a row stored before sequences)."""
        entry = self.entry(key)
        return entry.seq if entry else None

    def next_due_in(self) -> float | None:
        """Seconds until the next pending row is due, None when nothing is pending."""
        with self._lock:
            # One index seek per kind; a MIN over all kinds would read every pending row.
            firsts = [
                self._db.execute(
                    "SELECT MIN(next_attempt_at) FROM outbox WHERE state = ? AND kind = ?",
                    (State.PENDING, kind),
                ).fetchone()[0]
                for kind in _KINDS
            ]
        due = [first for first in firsts if first is not None]
        return max(0.0, min(due) - self._clock()) if due else None
