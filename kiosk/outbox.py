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

from pii import Sealer, SealError
from wire import WireError

if TYPE_CHECKING:
    # Imported where a message is made: the pydantic models load with the first one, after
    # the menu's first frame (docs/touchscreen.md, cold start).
    from wire import MaintenanceEventIn, Message, RatingIn, StaffCallIn, TransactionIn

log = logging.getLogger(__name__)

# What one add writes besides the table's own page: the key index (adding the same key again
# changes nothing, and every later update finds the row by key), the one index every query
# of the drain, the heartbeat and the retention uses, and the AUTOINCREMENT high-water mark.
# The sequence number is the rowid itself: AUTOINCREMENT never hands a number out again,
# even after its row was deleted, which a counter row of our own cost a read and a write
# per add to promise. The number is not a unique index: next_number hands each out once
# from its durable day counter, and the controller refuses a number reused under another
# key (a conflict, kept as failed and shown to ops), while the index cost every add a
# B-tree of its own. Measured (bench/bench_outbox.py, README): the seq index, the counter
# row, the number's index and a state index without the kind made an add write 8 pages
# and run 6 statements; now 4 pages in one statement.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'transaction',
    number TEXT NOT NULL,
    service TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    sealed BLOB,
    acked_at TEXT,
    ended_at TEXT
)
"""
# Claims (state, kind, due time, then seq: the rowid every index ends with), the next due
# time per kind, the rows held, the oldest waiting row, the retention: all by state first.
_INDEX = "CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, kind, next_attempt_at)"
_COUNTERS = "CREATE TABLE IF NOT EXISTS counters (day TEXT PRIMARY KEY, seq INTEGER NOT NULL)"
# Columns added to the first release's table before it was rebuilt around the sequence,
# each with what an older row gets.
_LATER_COLUMNS = {
    "kind": "TEXT NOT NULL DEFAULT 'transaction'",
    "seq": "INTEGER",
    "ended_at": "TEXT",  # wall time a row was acked, failed or quarantined: for retention
}
_COLUMNS = (
    "key, kind, number, service, created_at, state, attempts, next_attempt_at, last_error,"
    " sealed, acked_at, ended_at"
)
_M = TypeVar("_M", bound="Message")
# The row of `counters` where releases before the rebuild kept the last sequence number
# (the others are days: yymmdd); the rebuild moves it into sqlite_sequence.
_SEQ = "record-seq"
# Every kind of row the outbox queues (`_insert` callers).
_KINDS = ("transaction", "rating", "staff_call", "maintenance")
# Numbered rows keep theirs; the N rows without one count up from 1 - N to 0, oldest first.
_COPY_BEFORE_SEQ = (
    f"INSERT INTO outbox (seq, {_COLUMNS}) SELECT COALESCE(seq, ROW_NUMBER() OVER"  # noqa: S608
    f" (PARTITION BY seq IS NULL ORDER BY created_at, rowid) - ?), {_COLUMNS}"
    " FROM outbox_before_seq"
)
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
        self._migrate()
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

    def _migrate(self) -> None:
        """Create the outbox, or rebuild one an older release wrote, in one transaction.

        Releases before the rebuild keyed the table by `key` and kept the sequence in a
        column of its own (NULL for rows from before sequences) and its last value in a
        counter row. Every row is copied with its sequence number; rows without one get
        numbers below 1, in the order they were made, so they are still claimed first and
        `seq_of` still says None; sqlite_sequence starts above the counter's last value, so
        no number handed out before is handed out again. A crash midway leaves the old table.
        """
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(_COUNTERS)
            primary = [row[1] for row in self._db.execute("PRAGMA table_info(outbox)") if row[5]]
            if primary == ["key"]:
                self._rebuild_locked()
            self._db.execute(_SCHEMA)
            self._db.execute(_INDEX)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _rebuild_locked(self) -> None:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(outbox)")}
        for name, declaration in _LATER_COLUMNS.items():
            if name not in columns:  # an outbox written by an even older release
                self._db.execute(f"ALTER TABLE outbox ADD COLUMN {name} {declaration}")
        self._db.execute("ALTER TABLE outbox RENAME TO outbox_before_seq")
        for index in ("outbox_due", "outbox_seq"):  # their names are free for ours
            self._db.execute(f"DROP INDEX IF EXISTS {index}")
        self._db.execute(_SCHEMA)
        found = self._db.execute("SELECT COUNT(*) FROM outbox_before_seq WHERE seq IS NULL")
        self._db.execute(_COPY_BEFORE_SEQ, (int(found.fetchone()[0]),))
        self._db.execute("DROP TABLE outbox_before_seq")
        row = self._db.execute("SELECT seq FROM counters WHERE day = ?", (_SEQ,)).fetchone()
        high = max(
            int(row[0]) if row else 0,
            int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()[0]),
        )
        self._db.execute("DELETE FROM sqlite_sequence WHERE name = 'outbox'")
        self._db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)", (high,))
        self._db.execute("DELETE FROM counters WHERE day = ?", (_SEQ,))
        log.info("outbox rebuilt around its sequence rows=%d", self._count_rows_locked())

    def _count_rows_locked(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

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
